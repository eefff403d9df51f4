// Fuzzes the callback path: header parsing, Authorization parsing, and notification parsing with
// a verifier whose check is bypassed by signing the fuzzed body, so the JSON and decryption code
// behind verification is reached too; then a callback carrying the input as its decrypted
// resource is decoded as the typed resources (ParseNotificationAs, notifications.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wechatpay/auth.h"
#include "wechatpay/notifications.h"
#include "wechatpay/testing/server.h"

namespace {
struct Fixture {
  wechatpay::PrivateKey key = *wechatpay::testing::GeneratePrivateKey();
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
  if (!wechatpay::testing::SignResponse(f->key, "PUB_KEY_ID_FUZZ", 1700000000, "n", in, h))
    return 0;
  wechatpay::ResponseVerifier verifier(f->store, [] { return int64_t{1700000000}; });
  (void)wechatpay::ParseNotification(verifier, f->apiv3, h, in);
  auto cb = wechatpay::testing::MakeNotification(f->key, "PUB_KEY_ID_FUZZ", f->apiv3, "EV-F",
                                                 "TRANSACTION.SUCCESS", "s", "transaction", in,
                                                 1700000000, "n", "2024-01-01T00:00:00+08:00");
  if (!cb) return 0;
  auto n = wechatpay::ParseNotification(verifier, f->apiv3, cb->headers, cb->body);
  if (!n) return 0;
  namespace r = wechatpay::models::v3::notifications;
  (void)wechatpay::DecodeNotification<r::Payment>(*n);
  (void)wechatpay::DecodeNotification<r::CombinePayment>(*n);
  (void)wechatpay::DecodeNotification<r::TransferBill>(*n);
  return 0;
}
