// Fuzzes key and certificate parsing: any bytes must give a key or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wechatpay/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)wechatpay::PrivateKey::FromPem(in);
  (void)wechatpay::PrivateKey::FromPem(in, "pass");
  (void)wechatpay::PublicKey::FromPem(in);
  (void)wechatpay::Certificate::FromPem(in);
  (void)wechatpay::crypto::Base64Decode(in);
  (void)wechatpay::crypto::HexDecode(in);
  return 0;
}
