// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 signatures (MD5 / HMAC-SHA256 over the sorted key=value string) and response checks.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/apiv2.h"
#include "wechatpay/crypto.h"

namespace wechatpay::apiv2 {

namespace {

constexpr std::string_view kMd5Name = "MD5";
constexpr std::string_view kHmacName = "HMAC-SHA256";

// A value taken from a body, made safe to put in a message: bounded, printable ASCII only.
std::string Printable(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    char c = s[i];
    out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  if (s.size() > kMax) out.append("...");
  return out;
}

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

Result<SignType> ParseSignType(std::string_view text) {
  if (text.empty() || text == kMd5Name) return SignType::kMd5;
  if (text == kHmacName) return SignType::kHmacSha256;
  return Error(ErrorCode::kInvalidArgument,
               "unknown APIv2 sign_type \"" + Printable(text) + "\" (expected MD5 or HMAC-SHA256)");
}

const char* SignTypeName(SignType type) {
  return type == SignType::kHmacSha256 ? kHmacName.data() : kMd5Name.data();
}

std::string SigningString(const Fields& fields, std::string_view apiv2_key) {
  std::vector<const Fields::Entry*> signed_fields;
  signed_fields.reserve(fields.size());
  size_t size = apiv2_key.size() + 4;
  for (const Fields::Entry& e : fields) {
    if (e.second.empty() || e.first == "sign") continue;
    signed_fields.push_back(&e);
    size += e.first.size() + e.second.size() + 2;
  }
  // std::string's ordering is char_traits<char>::compare, i.e. unsigned byte order.
  std::sort(signed_fields.begin(), signed_fields.end(),
            [](const Fields::Entry* a, const Fields::Entry* b) { return a->first < b->first; });
  std::string s;
  s.reserve(size);
  for (const Fields::Entry* e : signed_fields) {
    s.append(e->first).push_back('=');
    s.append(e->second).push_back('&');
  }
  s.append("key=").append(apiv2_key);
  return s;
}

std::string Sign(const Fields& fields, std::string_view apiv2_key, SignType type) {
  std::string message = SigningString(fields, apiv2_key);
  std::string mac =
      type == SignType::kHmacSha256 ? crypto::HmacSha256(apiv2_key, message) : crypto::Md5(message);
  SecureWipe(message);  // it ends with the key
  return crypto::HexEncode(mac, /*upper=*/true);
}

Status VerifySign(const Fields& fields, std::string_view apiv2_key, SignType type) {
  if (apiv2_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the APIv2 key is empty");
  }
  const std::string* sign = fields.Find("sign");
  if (sign == nullptr || sign->empty()) {
    return Error(ErrorCode::kBadSignature, "APIv2 body has no `sign` field");
  }
  const std::string expected = Sign(fields, apiv2_key, type);
  // The received sign is public; only its comparison with our MAC must not leak timing.
  if (!crypto::ConstantTimeEquals(expected, ToUpperAscii(*sign))) {
    std::string message = "APIv2 `sign` does not match (";
    message.append(SignTypeName(type)).push_back(')');
    const size_t other = type == SignType::kMd5 ? 64 : 32;
    if (sign->size() == other) {
      message.append(": its length suggests ");
      message.append(SignTypeName(type == SignType::kMd5 ? SignType::kHmacSha256 : SignType::kMd5));
    }
    return Error(ErrorCode::kBadSignature, std::move(message));
  }
  return {};
}

void SignRequest(Fields& fields, std::string_view apiv2_key, SignType type, bool add_nonce) {
  const std::string* nonce = fields.Find("nonce_str");
  if (add_nonce && (nonce == nullptr || nonce->empty())) {
    fields.Set("nonce_str", crypto::RandomNonce(32));
  }
  if (type == SignType::kHmacSha256) {
    fields.Set("sign_type", std::string(kHmacName));
  } else if (fields.Has("sign_type")) {
    fields.Set("sign_type", std::string(kMd5Name));
  }
  fields.Remove("sign");
  fields.Set("sign", Sign(fields, apiv2_key, type));
}

Status CheckResponse(const Fields& response, std::string_view apiv2_key, SignType type,
                     bool verify_sign) {
  const std::string* return_code = response.Find("return_code");
  if (return_code == nullptr) {
    return Error(ErrorCode::kParse, "APIv2 response has no return_code");
  }
  if (*return_code != "SUCCESS") {
    std::string message = "APIv2 call failed: return_code=" + Printable(*return_code);
    if (const std::string* msg = response.Find("return_msg"); msg && !msg->empty()) {
      message.append(": ").append(*msg);
    }
    Error e(ErrorCode::kApi, std::move(message));
    e.api_code = return_code->empty() ? "FAIL" : *return_code;
    if (const std::string* msg = response.Find("return_msg")) e.detail = *msg;
    return e;
  }
  if (verify_sign) {
    if (Status s = VerifySign(response, apiv2_key, type); !s) return s;
  }
  const std::string* result_code = response.Find("result_code");
  if (result_code != nullptr && *result_code != "SUCCESS") {
    Error e(ErrorCode::kApi, "");
    e.api_code = response.Get("err_code", *result_code);
    e.detail = response.Get("err_code_des");
    e.message = "APIv2 business error " + e.api_code;
    if (!e.detail.empty()) e.message.append(": ").append(e.detail);
    return e;
  }
  return {};
}

}  // namespace wechatpay::apiv2
