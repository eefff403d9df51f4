// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support: WeChat Pay's side of the protocol (testing/server.h): response signatures,
// signed and encrypted callbacks, APIv2 req_info encryption, key generation.
#include "wechatpay/testing/server.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "crypto/openssl_handles.h"
#include "wechatpay/auth.h"

namespace wechatpay::testing {

Result<PrivateKey> GeneratePrivateKey(int bits) {
  if (bits < 2048) return Error(ErrorCode::kInvalidArgument, "RSA keys must have >= 2048 bits");
  EVP_PKEY* pkey = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (pkey == nullptr) {
    return Error(ErrorCode::kInternal,
                 "RSA key generation failed: " + internal::TakeOpenSslError());
  }
  return PrivateKey(std::make_shared<const internal::KeyHandle>(pkey));
}

Status SignResponse(const PrivateKey& key, std::string_view serial, int64_t timestamp,
                    std::string_view nonce, std::string_view body, Headers& headers) {
  std::string ts = std::to_string(timestamp);
  auto sig = crypto::RsaSha256Sign(key, ResponseSigningMessage(ts, nonce, body));
  if (!sig) return sig.error();
  headers.Set("Wechatpay-Timestamp", ts);
  headers.Set("Wechatpay-Nonce", std::string(nonce));
  headers.Set("Wechatpay-Signature", std::move(*sig));
  headers.Set("Wechatpay-Serial", std::string(serial));
  headers.Set("Wechatpay-Signature-Type", std::string(wechatpay::kAuthScheme));
  return {};
}

Result<SignedCallback> MakeNotification(const PrivateKey& platform_key, std::string_view serial,
                                        const SecretString& apiv3_key, std::string_view id,
                                        std::string_view event_type, std::string_view summary,
                                        std::string_view original_type, std::string_view plaintext,
                                        int64_t timestamp, std::string_view nonce,
                                        std::string_view create_time) {
  std::string gcm_nonce = crypto::RandomNonce(12);
  std::string ad(original_type);
  auto ct = crypto::AesGcmEncrypt(apiv3_key.view(), gcm_nonce, ad, plaintext);
  if (!ct) return ct.error();
  nlohmann::ordered_json env;
  env["id"] = std::string(id);
  env["create_time"] = std::string(create_time);
  env["resource_type"] = "encrypt-resource";
  env["event_type"] = std::string(event_type);
  env["summary"] = std::string(summary);
  env["resource"] = {{"original_type", ad},
                     {"algorithm", "AEAD_AES_256_GCM"},
                     {"ciphertext", *ct},
                     {"associated_data", ad},
                     {"nonce", gcm_nonce}};
  SignedCallback cb;
  cb.body = env.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  cb.headers.Set("Content-Type", "application/json");
  if (Status s = SignResponse(platform_key, serial, timestamp, nonce, cb.body, cb.headers); !s) {
    return std::move(s).error();
  }
  return cb;
}

Result<std::string> EncryptReqInfo(const apiv2::Fields& fields, std::string_view apiv2_key) {
  if (apiv2_key.empty()) return Error(ErrorCode::kInvalidArgument, "the APIv2 key is empty");
  std::string plaintext = apiv2::EncodeXml(fields, "root");
  std::string key = crypto::ReqInfoKey(apiv2_key);
  Result<std::string> ciphertext = crypto::AesEcbEncrypt(key, plaintext);
  SecureWipe(key);
  SecureWipe(plaintext);
  if (!ciphertext) return std::move(ciphertext).error();
  return crypto::Base64Encode(*ciphertext);
}

}  // namespace wechatpay::testing
