// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/result.h"

namespace wechatpay {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "OK";
    case ErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::kNetwork:
      return "NETWORK";
    case ErrorCode::kTimeout:
      return "TIMEOUT";
    case ErrorCode::kTls:
      return "TLS";
    case ErrorCode::kResponseTooLarge:
      return "RESPONSE_TOO_LARGE";
    case ErrorCode::kApi:
      return "API_ERROR";
    case ErrorCode::kMissingHeader:
      return "MISSING_HEADER";
    case ErrorCode::kUnknownSerial:
      return "UNKNOWN_SERIAL";
    case ErrorCode::kTimestampSkew:
      return "TIMESTAMP_SKEW";
    case ErrorCode::kBadSignature:
      return "BAD_SIGNATURE";
    case ErrorCode::kSignatureProbe:
      return "SIGNATURE_PROBE";
    case ErrorCode::kDigestMismatch:
      return "DIGEST_MISMATCH";
    case ErrorCode::kDecryption:
      return "DECRYPTION";
    case ErrorCode::kParse:
      return "PARSE";
    case ErrorCode::kCancelled:
      return "CANCELLED";
    case ErrorCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Error::ToString() const {
  std::string s = ErrorCodeName(code);
  s += ": ";
  s += message;
  if (http_status != 0) s += " [HTTP " + std::to_string(http_status) + "]";
  if (!api_code.empty()) s += " [code " + api_code + "]";
  if (!request_id.empty()) s += " [Request-ID " + request_id + "]";
  return s;
}

}  // namespace wechatpay

#include "wechatpay/version.h"

namespace wechatpay {
const char* Version() { return WECHATPAY_VERSION_STRING; }
}  // namespace wechatpay
