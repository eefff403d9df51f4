// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 notifications: payment results (signed XML) and refund results (encrypted req_info).
#include <string>
#include <string_view>
#include <utility>

#include "wechatpay/apiv2.h"
#include "wechatpay/crypto.h"

namespace wechatpay::apiv2 {

namespace {

Error EmptyKey() { return Error(ErrorCode::kInvalidArgument, "the APIv2 key is empty"); }

// return_code must be present and SUCCESS before anything else is looked at.
Status CheckReturnCode(const Fields& body, std::string_view what) {
  const std::string* code = body.Find("return_code");
  if (code == nullptr) {
    return Error(ErrorCode::kParse, std::string(what) + " has no return_code");
  }
  if (*code != "SUCCESS") {
    // Reuse CheckResponse's wording for the failure itself.
    return CheckResponse(body, {}, SignType::kMd5, /*verify_sign=*/false);
  }
  return {};
}

}  // namespace

Result<Fields> DecryptReqInfo(std::string_view req_info_base64, std::string_view apiv2_key) {
  if (apiv2_key.empty()) return EmptyKey();
  Result<std::string> ciphertext = crypto::Base64Decode(req_info_base64);
  if (!ciphertext) return Error(ErrorCode::kParse, "req_info is not valid base64");
  std::string key = crypto::ReqInfoKey(apiv2_key);
  Result<std::string> plaintext = crypto::AesEcbDecrypt(key, *ciphertext);
  SecureWipe(key);
  if (!plaintext) {
    return Error(ErrorCode::kDecryption,
                 "req_info does not decrypt (bad padding: wrong APIv2 key or corrupted data)");
  }
  Result<Fields> fields = DecodeXml(*plaintext);
  SecureWipe(*plaintext);
  if (!fields) {
    // The plaintext's own structure is not reported: it is decrypted data.
    return Error(ErrorCode::kDecryption,
                 "req_info decrypts to something that is not an XML document (wrong APIv2 key?)");
  }
  return fields;
}

Result<Fields> ParsePaymentNotification(std::string_view xml, std::string_view apiv2_key) {
  if (apiv2_key.empty()) return EmptyKey();
  Result<Fields> body = DecodeXml(xml);
  if (!body) return body;
  if (Status s = CheckReturnCode(*body, "payment notification"); !s) return std::move(s).error();

  const std::string* sign = body->Find("sign");
  if (sign == nullptr || sign->empty()) {
    // A refund notification is not signed; its outer fields are not authenticated, so it must
    // never pass for a payment notification.
    return Error(ErrorCode::kBadSignature,
                 body->Has("req_info")
                     ? "notification has no `sign` but a req_info: it is a refund notification, "
                       "parse it with ParseRefundNotification"
                     : "payment notification has no `sign` field");
  }
  SignType type = sign->size() == 64 ? SignType::kHmacSha256 : SignType::kMd5;
  if (const std::string* st = body->Find("sign_type"); st != nullptr && !st->empty()) {
    Result<SignType> parsed = ParseSignType(*st);
    if (!parsed) {
      return Error(ErrorCode::kBadSignature,
                   "payment notification cannot be verified: " + parsed.error().message);
    }
    type = *parsed;
  }
  if (Status s = VerifySign(*body, apiv2_key, type); !s) return std::move(s).error();
  return body;
}

Result<RefundNotification> ParseRefundNotification(std::string_view xml,
                                                   std::string_view apiv2_key) {
  if (apiv2_key.empty()) return EmptyKey();
  Result<Fields> body = DecodeXml(xml);
  if (!body) return std::move(body).error();
  if (Status s = CheckReturnCode(*body, "refund notification"); !s) return std::move(s).error();
  const std::string* req_info = body->Find("req_info");
  if (req_info == nullptr || req_info->empty()) {
    return Error(ErrorCode::kParse, "refund notification has no req_info");
  }
  Result<Fields> inner = DecryptReqInfo(*req_info, apiv2_key);
  if (!inner) return std::move(inner).error();
  return RefundNotification{std::move(*inner), std::move(*body)};
}

}  // namespace wechatpay::apiv2
