// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv3 authentication: request signing, response verification against a store of platform
// certificates and WeChat Pay public keys, callback (notification) verification and decryption,
// and the pay-sign helpers a front end needs to open the payment.
#ifndef WECHATPAY_AUTH_H_
#define WECHATPAY_AUTH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"

namespace wechatpay {

// Injected time and randomness, so tests control them.
using Clock = std::function<int64_t()>;  // unix seconds
using NonceSource = std::function<std::string()>;
Clock SystemClock();
NonceSource RandomNonceSource();  // 32 chars [0-9A-Za-z] from a CSPRNG

inline constexpr std::string_view kAuthScheme = "WECHATPAY2-SHA256-RSA2048";
inline constexpr std::string_view kSignTestPrefix = "WECHATPAY/SIGNTEST/";

// The parts of an Authorization header.
struct AuthorizationParts {
  std::string mchid;
  std::string serial_no;
  std::string timestamp;
  std::string nonce_str;
  std::string signature;
};
// Parses `WECHATPAY2-SHA256-RSA2048 k="v",…` (any parameter order). The sandbox uses this.
Result<AuthorizationParts> ParseAuthorization(std::string_view header);

// "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n": the message an APIv3 request signature covers.
std::string RequestSigningMessage(std::string_view method, std::string_view url,
                                  std::string_view timestamp, std::string_view nonce,
                                  std::string_view body);
// "TIMESTAMP\nNONCE\nBODY\n": the message a response or callback signature covers.
std::string ResponseSigningMessage(std::string_view timestamp, std::string_view nonce,
                                   std::string_view body);

// Signs APIv3 requests for one merchant. Immutable and thread-safe once built.
class RequestSigner {
 public:
  RequestSigner(std::string mchid, std::string serial_no, PrivateKey key, Clock clock = nullptr,
                NonceSource nonce = nullptr);

  // The Authorization header value for `method` and `url` (path plus `?query`, exactly as sent,
  // without scheme and host) and the exact body bytes. A fresh timestamp and nonce each call.
  Result<std::string> Authorization(std::string_view method, std::string_view url,
                                    std::string_view body) const;
  // Same with the timestamp and nonce given (debugging, known-answer tests).
  Result<std::string> Authorization(std::string_view method, std::string_view url,
                                    std::string_view body, std::string_view timestamp,
                                    std::string_view nonce) const;

  const std::string& mchid() const { return mchid_; }
  const std::string& serial_no() const { return serial_no_; }
  const PrivateKey& key() const { return key_; }
  int64_t Now() const { return clock_(); }
  std::string NewNonce() const { return nonce_(); }

 private:
  std::string mchid_;
  std::string serial_no_;
  PrivateKey key_;
  Clock clock_;
  NonceSource nonce_;
};

// One verification key: a platform certificate (id = its serial) or a WeChat Pay public key
// (id = "PUB_KEY_ID_…").
struct VerificationKey {
  std::string id;
  PublicKey key;
  std::optional<Certificate> certificate;  // set for platform certificates
};

// Thread-safe set of verification keys, platform certificates and public keys side by side
// (merchants migrate from one to the other). Readers never block each other.
class PlatformKeyStore {
 public:
  PlatformKeyStore() = default;
  PlatformKeyStore(const PlatformKeyStore&) = delete;
  PlatformKeyStore& operator=(const PlatformKeyStore&) = delete;

  void AddCertificate(const Certificate& cert);
  // `id` must start with "PUB_KEY_ID_".
  Status AddPublicKey(std::string id, PublicKey key);
  // Loads a PEM file holding either a certificate or a public key. `id` is the serial or
  // PUB_KEY_ID_…; for a certificate it must equal the certificate's serial when given.
  Status AddFromPem(std::string_view id, std::string_view pem);
  void Remove(std::string_view id);

  std::optional<VerificationKey> Find(std::string_view id) const;
  // The key to encrypt sensitive request fields with: the public key (PUB_KEY_ID_…) if one is
  // held, else the certificate valid at `now` that expires last.
  std::optional<VerificationKey> EncryptionKey(int64_t now) const;
  std::vector<VerificationKey> All() const;
  size_t size() const;
  bool empty() const { return size() == 0; }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, VerificationKey, std::less<>> keys_;
};

// Verifies APIv3 responses and callbacks: the four Wechatpay-* headers, the timestamp window and
// the RSA signature with the key named by Wechatpay-Serial.
class ResponseVerifier {
 public:
  ResponseVerifier(std::shared_ptr<const PlatformKeyStore> keys, Clock clock = nullptr,
                   int64_t max_skew_seconds = 300);

  // Ok when the signature is valid. Errors: kMissingHeader, kTimestampSkew, kUnknownSerial,
  // kSignatureProbe, kBadSignature (each a distinct code).
  Status Verify(const Headers& headers, std::string_view body) const;

  const std::shared_ptr<const PlatformKeyStore>& keys() const { return keys_; }
  int64_t max_skew_seconds() const { return max_skew_; }

 private:
  std::shared_ptr<const PlatformKeyStore> keys_;
  Clock clock_;
  int64_t max_skew_;
};

// A verified, decrypted APIv3 callback.
struct Notification {
  std::string id;
  std::string create_time;
  std::string event_type;     // e.g. TRANSACTION.SUCCESS
  std::string resource_type;  // encrypt-resource
  std::string summary;
  std::string original_type;    // resource.original_type
  std::string algorithm;        // resource.algorithm
  std::string associated_data;  // resource.associated_data
  std::string envelope;         // the raw body as received (resource still encrypted)
  SecretString plaintext;       // the decrypted resource, JSON text
};

// Verifies a callback from its raw headers and body, then decrypts `resource` with the APIv3 key.
// A callback that fails verification is never decrypted. kParse for a malformed envelope,
// kDecryption when AES-GCM fails (wrong key or tampered ciphertext), kInvalidArgument for an
// unsupported algorithm.
Result<Notification> ParseNotification(const ResponseVerifier& verifier,
                                       const SecretString& apiv3_key, const Headers& headers,
                                       std::string_view body);

// ---- pay-sign helpers ----

// What a JSAPI page / mini-program passes to WeixinJSBridge / wx.requestPayment.
struct JsapiPayParams {
  std::string app_id;          // appId
  std::string time_stamp;      // timeStamp
  std::string nonce_str;       // nonceStr
  std::string package;         // "prepay_id=…"
  std::string sign_type;       // "RSA"
  std::string pay_sign;        // paySign
  std::string ToJson() const;  // {"appId":…,"timeStamp":…,…}
};
Result<JsapiPayParams> JsapiPaySign(const RequestSigner& signer, std::string_view appid,
                                    std::string_view prepay_id);

// What an APP passes to the WeChat SDK's PayReq.
struct AppPayParams {
  std::string appid;
  std::string partnerid;  // mchid
  std::string prepayid;
  std::string package;  // "Sign=WXPay"
  std::string noncestr;
  std::string timestamp;
  std::string sign;
  std::string ToJson() const;
};
Result<AppPayParams> AppPaySign(const RequestSigner& signer, std::string_view appid,
                                std::string_view prepay_id);

}  // namespace wechatpay

#endif  // WECHATPAY_AUTH_H_
