// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/result.h"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

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
    case ErrorCode::kInvalidCertificate:
      return "INVALID_CERTIFICATE";
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

namespace internal {

const Error& OkError() {
  static const Error kOkError(ErrorCode::kOk, "");
  return kOkError;
}

void ValueOnError(const Error& error) {
  std::string line = "wechatpay: Result::value() on an error: " + error.ToString() + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal

std::string EscapeControls(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      auto c1 = static_cast<unsigned char>(s[++i]);
      out += "\\u00";
      out.push_back(kHex[c1 >> 4]);
      out.push_back(kHex[c1 & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

Error::Error(ErrorCode c, std::string msg) : code(c), message(EscapeControls(msg)) {}

std::string Error::ToString() const {
  std::string s = ErrorCodeName(code);
  s += ": ";
  s += EscapeControls(message);
  if (http_status != 0) s += " [HTTP " + std::to_string(http_status) + "]";
  if (!api_code.empty()) s += " [code " + EscapeControls(api_code) + "]";
  if (!request_id.empty()) s += " [Request-ID " + EscapeControls(request_id) + "]";
  return s;
}

}  // namespace wechatpay

#include "wechatpay/version.h"

namespace wechatpay {
const char* Version() { return WECHATPAY_VERSION_STRING; }
}  // namespace wechatpay
