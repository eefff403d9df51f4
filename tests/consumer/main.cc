// A user's program: builds against the installed SDK only.
#include <wechatpay/wechatpay.h>

#include <iostream>

int main() {
  auto nonce = wechatpay::crypto::RandomNonce();
  auto digest = wechatpay::crypto::HexEncode(wechatpay::crypto::Sha256("abc"));
  if (nonce.size() != 32 ||
      digest != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") {
    std::cerr << "unexpected crypto result\n";
    return 1;
  }
  std::cout << "consumer ok, wechatpay " << wechatpay::Version() << "\n";
  return 0;
}
