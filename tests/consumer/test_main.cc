// A user's test of their own code: builds against the installed wechatpay::testing only. It plays
// WeChat Pay's side (a throw-away platform key, a signed answer from the fake transport) and
// checks that the payment library verifies it.
#include <wechatpay/testing/fake_transport.h>
#include <wechatpay/testing/server.h>
#include <wechatpay/wechatpay.h>

#include <iostream>
#include <memory>

int main() {
  auto key = wechatpay::testing::GeneratePrivateKey();
  if (!key) {
    std::cerr << key.error().ToString() << "\n";
    return 1;
  }
  auto keys = std::make_shared<wechatpay::PlatformKeyStore>();
  if (!keys->AddPublicKey("PUB_KEY_ID_0114232134912410000000000000", key->public_key())) return 1;
  wechatpay::HttpResponse answer =
      wechatpay::testing::SignedResponse(*key, "PUB_KEY_ID_0114232134912410000000000000", 200,
                                         R"({"ok":true})", wechatpay::SystemClock()());
  wechatpay::ResponseVerifier verifier(keys);
  wechatpay::Status verified = verifier.Verify(answer.headers, answer.body);
  answer.body = R"({"ok":false})";
  wechatpay::Status tampered = verifier.Verify(answer.headers, answer.body);
  if (!verified.ok() || tampered.ok()) {
    std::cerr << "unexpected verification result\n";
    return 1;
  }
  std::cout << "consumer_test ok\n";
  return 0;
}
