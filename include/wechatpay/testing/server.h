// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support (library wechatpay::testing, installed beside the payment library): WeChat Pay's
// side of the protocol, for simulators and tests: signing a response, building a signed and
// encrypted APIv3 callback, encrypting an APIv2 refund notification's req_info, reading a
// multipart/form-data upload, and generating throw-away RSA keys. A payment integration verifies
// and decrypts these (auth.h, apiv2.h, notifications.h) and never needs to produce them.
#ifndef WECHATPAY_TESTING_SERVER_H_
#define WECHATPAY_TESTING_SERVER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/apiv2.h"
#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"

namespace wechatpay::testing {

// A new RSA key of `bits` bits (2048 or more; kInvalidArgument otherwise) from the CSPRNG.
Result<PrivateKey> GeneratePrivateKey(int bits = 2048);

// Signs a response body as WeChat Pay does: Wechatpay-Timestamp/-Nonce/-Signature/-Serial and
// -Signature-Type headers are set in `headers`.
Status SignResponse(const PrivateKey& key, std::string_view serial, int64_t timestamp,
                    std::string_view nonce, std::string_view body, Headers& headers);

// A signed APIv3 callback: `plaintext` is encrypted with the APIv3 key (AEAD_AES_256_GCM, a
// random 12-byte nonce, associated data = original_type) and the envelope signed with
// `platform_key` as SignResponse does.
struct SignedCallback {
  Headers headers;
  std::string body;
};
Result<SignedCallback> MakeNotification(const PrivateKey& platform_key, std::string_view serial,
                                        const SecretString& apiv3_key, std::string_view id,
                                        std::string_view event_type, std::string_view summary,
                                        std::string_view original_type, std::string_view plaintext,
                                        int64_t timestamp, std::string_view nonce,
                                        std::string_view create_time);

// An APIv2 refund notification's req_info: apiv2::EncodeXml(fields, "root") -> AES-256-ECB (key =
// lower-hex MD5 of the APIv2 key) -> base64; apiv2::DecryptReqInfo reverses it. kInvalidArgument
// for an empty key.
Result<std::string> EncryptReqInfo(const apiv2::Fields& fields, std::string_view apiv2_key);

// One part of a multipart/form-data body as read back.
struct MultipartPart {
  std::string name;
  std::string filename;  // empty for a text part
  std::string content_type;
  std::string data;
};
// Parses a multipart/form-data body given its Content-Type header (which names the boundary).
// kParse for a missing boundary, a part without a name, a body that does not end with the
// closing delimiter, or a bare CR, LF or NUL in the Content-Type or in a part's
// Content-Disposition or Content-Type (quoted parameters included). The name and filename have
// %22, %0D and %0A decoded (the escapes EncodeMultipart writes, see multipart.h); other '%'
// sequences are kept as sent.
Result<std::vector<MultipartPart>> DecodeMultipart(std::string_view content_type,
                                                   std::string_view body);

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTING_SERVER_H_
