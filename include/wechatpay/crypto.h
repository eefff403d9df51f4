// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Crypto primitives used by WeChat Pay, as pure functions over OpenSSL 3 (EVP only). This header
// does not include OpenSSL: keys and certificates are opaque, reference-counted, immutable handles
// that are parsed once and are safe to share between threads.
#ifndef WECHATPAY_CRYPTO_H_
#define WECHATPAY_CRYPTO_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wechatpay/result.h"

namespace wechatpay {

namespace internal {
struct KeyHandle;   // wraps EVP_PKEY*
struct CertHandle;  // wraps X509*
}  // namespace internal

// A string that is wiped (OPENSSL_cleanse) when destroyed or reassigned: APIv3/APIv2 keys,
// passphrases, decrypted plaintext a caller wants to keep out of freed memory.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(const SecretString& o) : s_(o.s_) {}
  SecretString(SecretString&& o) noexcept : s_(std::move(o.s_)) { o.Wipe(); }
  SecretString& operator=(const SecretString& o);
  SecretString& operator=(SecretString&& o) noexcept;
  ~SecretString() { Wipe(); }

  const std::string& reveal() const { return s_; }
  std::string_view view() const { return s_; }
  bool empty() const { return s_.empty(); }
  size_t size() const { return s_.size(); }
  void Wipe();

 private:
  std::string s_;
};

// Overwrites a buffer's bytes in a way the compiler cannot elide.
void SecureWipe(void* data, size_t size);
inline void SecureWipe(std::string& s) {
  SecureWipe(s.data(), s.size());
  s.clear();
}

// An RSA public key (from a certificate, an SPKI/PKCS#1 PEM, or a WeChat Pay `PUB_KEY_ID_…` key).
class PublicKey {
 public:
  PublicKey() = default;  // empty; ok() is false

  // PEM "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1), a PEM certificate (its key is taken),
  // DER of either key form, or a bare base64 body of the DER.
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromFile(const std::string& path);

  bool ok() const { return handle_ != nullptr; }
  int bits() const;
  // SPKI PEM ("-----BEGIN PUBLIC KEY-----").
  std::string ToPem() const;
  bool Equals(const PublicKey& other) const;

  const std::shared_ptr<const internal::KeyHandle>& handle() const { return handle_; }
  explicit PublicKey(std::shared_ptr<const internal::KeyHandle> h) : handle_(std::move(h)) {}

 private:
  std::shared_ptr<const internal::KeyHandle> handle_;
};

// An RSA private key. Its secret material lives only inside OpenSSL, which clears it on free.
class PrivateKey {
 public:
  PrivateKey() = default;

  // PEM PKCS#1 ("RSA PRIVATE KEY"), PKCS#8 ("PRIVATE KEY"), encrypted PKCS#8 ("ENCRYPTED PRIVATE
  // KEY", needs `passphrase`), DER, or a bare base64 body of PKCS#8/PKCS#1 DER.
  static Result<PrivateKey> FromPem(std::string_view pem, std::string_view passphrase = {});
  static Result<PrivateKey> FromFile(const std::string& path, std::string_view passphrase = {});

  bool ok() const { return handle_ != nullptr; }
  int bits() const;
  PublicKey public_key() const;
  // Unencrypted PKCS#8 PEM. Treat the result as a secret.
  SecretString ToPem() const;

  const std::shared_ptr<const internal::KeyHandle>& handle() const { return handle_; }
  explicit PrivateKey(std::shared_ptr<const internal::KeyHandle> h) : handle_(std::move(h)) {}

 private:
  std::shared_ptr<const internal::KeyHandle> handle_;
};

// An X.509 certificate (merchant API certificate or WeChat Pay platform certificate).
class Certificate {
 public:
  Certificate() = default;

  static Result<Certificate> FromPem(std::string_view pem);  // PEM or DER
  static Result<Certificate> FromFile(const std::string& path);
  // A self-signed certificate for `key` (sandbox and tests). `serial_hex` is the serial number in
  // hexadecimal; validity runs from `not_before` (unix seconds) for `days` days.
  static Result<Certificate> SelfSigned(const PrivateKey& key, std::string_view common_name,
                                        std::string_view serial_hex, int64_t not_before, int days);

  bool ok() const { return handle_ != nullptr; }
  // Serial number as upper-case hex without leading zeros beyond one byte pair, as WeChat Pay
  // prints it (e.g. "618BD0F273300506B495A7544F9C5976F1B54732").
  const std::string& serial() const;
  int64_t not_before() const;  // unix seconds
  int64_t not_after() const;   // unix seconds
  bool ValidAt(int64_t unix_seconds) const {
    return unix_seconds >= not_before() && unix_seconds <= not_after();
  }
  // Ok when the certificate is valid at `unix_seconds`; otherwise kInvalidCertificate saying
  // whether it expired or is not yet valid, with its dates and the time it was checked at.
  Status CheckValidAt(int64_t unix_seconds) const;
  std::string subject() const;
  const PublicKey& public_key() const;
  std::string ToPem() const;

  const std::shared_ptr<const internal::CertHandle>& handle() const { return handle_; }
  explicit Certificate(std::shared_ptr<const internal::CertHandle> h) : handle_(std::move(h)) {}

 private:
  std::shared_ptr<const internal::CertHandle> handle_;
};

// A unix time as RFC 3339 in UTC, e.g. "2026-11-23T07:37:14Z" (how certificate dates print).
std::string UtcTimeText(int64_t unix_seconds);

namespace crypto {

// ---- encodings ----
std::string Base64Encode(std::string_view data);
// Strict: standard alphabet, padding required, whitespace (\r \n space \t) ignored.
Result<std::string> Base64Decode(std::string_view text);
std::string HexEncode(std::string_view data, bool upper = false);
Result<std::string> HexDecode(std::string_view hex);

// ---- digests / MACs (raw bytes; wrap in HexEncode for hex) ----
std::string Md5(std::string_view data);
std::string Sha1(std::string_view data);
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// A digest over data that arrives in pieces (downloads). Raw bytes from Final(); it never throws:
// if OpenSSL cannot allocate its context, Final() returns an empty string, which matches no
// expected digest. Not copyable; one Final() per object.
class StreamingDigest {
 public:
  enum class Algorithm { kSha1, kSha256 };
  explicit StreamingDigest(Algorithm algorithm);
  ~StreamingDigest();
  StreamingDigest(const StreamingDigest&) = delete;
  StreamingDigest& operator=(const StreamingDigest&) = delete;

  void Update(std::string_view data);
  std::string Final();

 private:
  void* ctx_;  // EVP_MD_CTX*
  bool ok_;
};

// Compares in time independent of where the inputs differ (lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ---- randomness ----
// `length` characters drawn uniformly from [0-9A-Za-z] with a CSPRNG (rejection sampling, no
// modulo bias).
std::string RandomNonce(size_t length = 32);
std::string RandomBytes(size_t length);

// ---- RSA ----
// RSA-SHA256 PKCS#1 v1.5; returns the base64 signature.
Result<std::string> RsaSha256Sign(const PrivateKey& key, std::string_view message);
// Verifies a base64 signature. Ok => valid. kBadSignature when it does not verify, kParse when
// the signature is not base64.
Status RsaSha256Verify(const PublicKey& key, std::string_view message,
                       std::string_view signature_base64);
// RSA-OAEP, SHA-1 + MGF1-SHA-1 (WeChat Pay sensitive fields). Base64 in/out.
Result<std::string> RsaOaepEncrypt(const PublicKey& key, std::string_view plaintext);
Result<std::string> RsaOaepDecrypt(const PrivateKey& key, std::string_view ciphertext_base64);

// ---- AES ----
// AEAD_AES_256_GCM as WeChat Pay uses it: 32-byte key, nonce given as a string (12 bytes for
// WeChat Pay, any non-empty length accepted), associated data, output base64(ciphertext || tag).
Result<std::string> AesGcmEncrypt(std::string_view key, std::string_view nonce,
                                  std::string_view associated_data, std::string_view plaintext);
Result<std::string> AesGcmDecrypt(std::string_view key, std::string_view nonce,
                                  std::string_view associated_data,
                                  std::string_view ciphertext_base64);
// AES-256-ECB with PKCS#7 padding, raw bytes (APIv2 refund notification `req_info`). The key is
// 32 bytes; for req_info it is the lower-case hex MD5 of the APIv2 key (see ReqInfoKey).
Result<std::string> AesEcbEncrypt(std::string_view key, std::string_view plaintext);
Result<std::string> AesEcbDecrypt(std::string_view key, std::string_view ciphertext);
// Lower-case hex MD5 of the APIv2 key: the AES key of APIv2 `req_info`.
std::string ReqInfoKey(std::string_view apiv2_key);

}  // namespace crypto
}  // namespace wechatpay

#endif  // WECHATPAY_CRYPTO_H_
