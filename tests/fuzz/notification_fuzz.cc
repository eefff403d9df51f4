// Fuzzes the callback path: header parsing, Authorization parsing, and notification parsing with
// a verifier whose check is bypassed by signing the fuzzed body, so the JSON and decryption code
// behind verification is reached too.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wechatpay/auth.h"

namespace {
struct Fixture {
  wechatpay::PrivateKey key = *wechatpay::PrivateKey::Generate();
  std::shared_ptr<wechatpay::PlatformKeyStore> store =
      std::make_shared<wechatpay::PlatformKeyStore>();
  wechatpay::SecretString apiv3{std::string(32, 'k')};
  Fixture() { (void)store->AddPublicKey("PUB_KEY_ID_FUZZ", key.public_key()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)wechatpay::Headers::Parse(in);
  (void)wechatpay::ParseAuthorization(in);
  wechatpay::Headers h;
  if (!wechatpay::SignResponse(f->key, "PUB_KEY_ID_FUZZ", 1700000000, "n", in, h)) return 0;
  wechatpay::ResponseVerifier verifier(f->store, [] { return int64_t{1700000000}; });
  (void)wechatpay::ParseNotification(verifier, f->apiv3, h, in);
  return 0;
}
