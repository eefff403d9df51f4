// Fuzzes the APIv2 input paths: the strict XML reader, payment-notification verification (with a
// copy of the input re-signed so the code behind verification is reached too), refund req_info
// decryption, and the encode/decode round trip of whatever the reader accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wechatpay/apiv2.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::EncryptReqInfo;

namespace {
constexpr std::string_view kKey = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe";

bool FlatKeys(const wechatpay::apiv2::Fields& fields) {
  for (const auto& [k, v] : fields) {
    if (k.find_first_of(".[") != std::string::npos) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wechatpay::apiv2;  // NOLINT(build/namespaces)
  std::string_view in(reinterpret_cast<const char*>(data), size);

  (void)ParsePaymentNotification(in, kKey);
  (void)ParseRefundNotification(in, kKey);
  (void)DecryptReqInfo(in, kKey);
  (void)ParseSignType(in);

  wechatpay::Result<Fields> fields = DecodeXml(in);
  if (!fields) return 0;

  // Whatever was accepted must survive EncodeXml -> DecodeXml unchanged (flat documents only:
  // dotted/indexed keys of nested documents are not element names).
  if (FlatKeys(*fields)) {
    wechatpay::Result<Fields> again = DecodeXml(EncodeXml(*fields), {size_t{1} << 30, 16});
    if (!again || *again != *fields) std::abort();
  }

  // Sign it, so that verification succeeds and the notification path goes all the way.
  Fields signed_fields = *fields;
  signed_fields.Set("return_code", "SUCCESS");
  signed_fields.Remove("sign_type");
  SignRequest(signed_fields, kKey, size % 2 ? SignType::kHmacSha256 : SignType::kMd5);
  if (FlatKeys(signed_fields)) {
    wechatpay::Result<Fields> parsed = ParsePaymentNotification(EncodeXml(signed_fields), kKey);
    if (!parsed && parsed.error().code != wechatpay::ErrorCode::kParse) std::abort();
  }
  (void)CheckResponse(*fields, kKey, SignType::kMd5, true);

  // The refund direction: encrypt what was parsed, then decrypt it back.
  wechatpay::Result<std::string> req_info = EncryptReqInfo(*fields, kKey);
  if (req_info && FlatKeys(*fields) && size < 65536) {
    wechatpay::Result<Fields> back = DecryptReqInfo(*req_info, kKey);
    if (!back || *back != *fields) std::abort();
  }
  return 0;
}
