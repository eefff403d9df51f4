// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "crypto/openssl_handles.h"

namespace wechatpay {
namespace internal {

std::string TakeOpenSslError() {
  unsigned long first = 0;                     // NOLINT(google-runtime-int): OpenSSL's type
  while (unsigned long e = ERR_get_error()) {  // NOLINT(google-runtime-int)
    if (first == 0) first = e;
  }
  if (first == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(first, buf, sizeof(buf));
  return buf;
}

}  // namespace internal

using internal::CertHandle;
using internal::KeyHandle;
using internal::TakeOpenSslError;

namespace {

using BioPtr = std::unique_ptr<BIO, internal::Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, internal::Deleter<BIGNUM, BN_free>>;
using X509Ptr = std::unique_ptr<X509, internal::Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, internal::Deleter<EVP_PKEY, EVP_PKEY_free>>;
using DecoderCtxPtr =
    std::unique_ptr<OSSL_DECODER_CTX, internal::Deleter<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>>;

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int)
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

bool LooksLikePem(std::string_view text) {
  return text.find("-----BEGIN ") != std::string_view::npos;
}

// The label of the first PEM block ("PRIVATE KEY", "CERTIFICATE", ...), or empty.
std::string FirstPemLabel(std::string_view text) {
  size_t p = text.find("-----BEGIN ");
  if (p == std::string_view::npos) return {};
  p += 11;
  size_t e = text.find("-----", p);
  if (e == std::string_view::npos) return {};
  return std::string(text.substr(p, e - p));
}

// Bare base64 body or raw DER -> DER bytes. Empty optional when neither.
Result<std::string> ToDer(std::string_view text) {
  if (!text.empty() && static_cast<unsigned char>(text[0]) == 0x30) return std::string(text);
  auto der = crypto::Base64Decode(text);
  if (!der) return der.error();
  if (der->empty() || static_cast<unsigned char>((*der)[0]) != 0x30) {
    return Error(ErrorCode::kParse, "not a DER structure");
  }
  return der;
}

Result<std::string> ReadWholeFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("cannot open ") + std::string(what) + " file '" + path + "'");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int PasswordCallback(char* buf, int size, int /*rwflag*/, void* u) {
  auto* pass = static_cast<std::string_view*>(u);
  if (pass == nullptr || pass->empty()) return -1;
  if (pass->size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

Status CheckRsa(EVP_PKEY* pkey, std::string_view what) {
  if (!EVP_PKEY_is_a(pkey, "RSA")) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + " is not an RSA key (WeChat Pay APIv3 uses RSA-2048)");
  }
  int bits = EVP_PKEY_get_bits(pkey);
  if (bits < 2048) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " is RSA-" +
                                                  std::to_string(bits) +
                                                  "; WeChat Pay requires at least 2048 bits");
  }
  return {};
}

int64_t Asn1TimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

Result<Certificate> WrapCertificate(X509Ptr x509) {
  const ASN1_INTEGER* serial_asn1 = X509_get0_serialNumber(x509.get());
  BnPtr bn(ASN1_INTEGER_to_BN(serial_asn1, nullptr));
  if (!bn) return Error(ErrorCode::kParse, "certificate serial number is unreadable");
  char* hex = BN_bn2hex(bn.get());
  std::string serial = hex ? hex : "";
  OPENSSL_free(hex);
  EVP_PKEY* pkey = X509_get_pubkey(x509.get());  // new reference
  if (pkey == nullptr) {
    return Error(ErrorCode::kParse, "certificate public key is unreadable: " + TakeOpenSslError());
  }
  PublicKey pub(std::make_shared<const KeyHandle>(pkey));
  if (Status s = CheckRsa(pkey, "certificate key"); !s) return std::move(s).error();
  int64_t nb = Asn1TimeToUnix(X509_get0_notBefore(x509.get()));
  int64_t na = Asn1TimeToUnix(X509_get0_notAfter(x509.get()));
  return Certificate(std::make_shared<const CertHandle>(x509.release(), std::move(serial), nb, na,
                                                        std::move(pub)));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// SecretString

void SecureWipe(void* data, size_t size) {
  if (data != nullptr && size > 0) OPENSSL_cleanse(data, size);
}

SecretString& SecretString::operator=(const SecretString& o) {
  if (this != &o) {
    Wipe();
    s_ = o.s_;
  }
  return *this;
}

SecretString& SecretString::operator=(SecretString&& o) noexcept {
  if (this != &o) {
    Wipe();
    s_ = std::move(o.s_);
    o.Wipe();
  }
  return *this;
}

void SecretString::Wipe() {
  // Wipe the whole capacity: a shrunk string may hold old bytes past size().
  s_.resize(s_.capacity());
  SecureWipe(s_.data(), s_.size());
  s_.clear();
}

// ---------------------------------------------------------------------------------------------
// PublicKey

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  if (pem.empty()) return Error(ErrorCode::kInvalidArgument, "public key is empty");
  EVP_PKEY* pkey = nullptr;
  if (LooksLikePem(pem)) {
    std::string label = FirstPemLabel(pem);
    if (label == "CERTIFICATE") {
      auto cert = Certificate::FromPem(pem);
      if (!cert) return cert.error();
      return cert->public_key();
    }
    if (label.find("PRIVATE KEY") != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "expected a public key or certificate, found a " + label +
                       " (do not hand out private keys where a public key is expected)");
    }
    if (label != "PUBLIC KEY" && label != "RSA PUBLIC KEY") {
      return Error(ErrorCode::kParse,
                   "expected a PEM PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE, "
                   "found '" +
                       label + "'");
    }
    BioPtr bio = MemBio(pem);
    DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, "RSA",
                                                     EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    if (!dctx || OSSL_DECODER_from_bio(dctx.get(), bio.get()) != 1 || pkey == nullptr) {
      ERR_clear_error();
      return Error(ErrorCode::kParse,
                   "cannot parse the " + label + " PEM block (truncated or not an RSA key?)");
    }
  } else {
    auto der = ToDer(pem);
    if (!der) {
      return Error(ErrorCode::kParse,
                   "public key is neither PEM nor a base64/DER key body: " + der.error().message);
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size()));  // NOLINT(google-runtime-int)
    if (pkey == nullptr) {
      ERR_clear_error();
      BioPtr bio = MemBio(*der);
      DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", nullptr, "RSA",
                                                       EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
      if (!dctx || OSSL_DECODER_from_bio(dctx.get(), bio.get()) != 1 || pkey == nullptr) {
        ERR_clear_error();
        // Maybe it is a certificate body.
        auto cert = Certificate::FromPem(pem);
        if (cert) return cert->public_key();
        return Error(ErrorCode::kParse, "cannot parse the public key DER (truncated or not RSA?)");
      }
    }
  }
  PkeyPtr owned(pkey);
  if (Status s = CheckRsa(pkey, "public key"); !s) return std::move(s).error();
  return PublicKey(std::make_shared<const KeyHandle>(owned.release()));
}

Result<PublicKey> PublicKey::FromFile(const std::string& path) {
  auto data = ReadWholeFile(path, "public key");
  if (!data) return data.error();
  auto k = FromPem(*data);
  if (!k) return Error(k.error().code, "public key file '" + path + "': " + k.error().message);
  return k;
}

int PublicKey::bits() const { return handle_ ? EVP_PKEY_get_bits(handle_->pkey) : 0; }

std::string PublicKey::ToPem() const {
  if (!handle_) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PUBKEY(bio.get(), handle_->pkey) != 1) return {};
  return ReadBio(bio.get());
}

bool PublicKey::Equals(const PublicKey& other) const {
  if (!handle_ || !other.handle_) return false;
  return EVP_PKEY_eq(handle_->pkey, other.handle_->pkey) == 1;
}

// ---------------------------------------------------------------------------------------------
// PrivateKey

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem, std::string_view passphrase) {
  if (pem.empty()) return Error(ErrorCode::kInvalidArgument, "private key is empty");
  EVP_PKEY* pkey = nullptr;
  if (LooksLikePem(pem)) {
    std::string label = FirstPemLabel(pem);
    if (label == "CERTIFICATE" || label == "PUBLIC KEY" || label == "RSA PUBLIC KEY") {
      return Error(ErrorCode::kInvalidArgument,
                   "expected a private key (PEM PRIVATE KEY / RSA PRIVATE KEY), found a " + label +
                       " (the merchant key is apiclient_key.pem, not the certificate)");
    }
    if (label.find("PRIVATE KEY") == std::string::npos) {
      return Error(ErrorCode::kParse, "expected a PEM private key, found '" + label + "'");
    }
    bool encrypted = label == "ENCRYPTED PRIVATE KEY" ||
                     pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
    if (encrypted && passphrase.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "the private key is encrypted; pass its passphrase");
    }
    BioPtr bio = MemBio(pem);
    std::string_view pass = passphrase;
    pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, PasswordCallback, &pass);
    if (pkey == nullptr) {
      ERR_clear_error();
      if (encrypted) {
        return Error(ErrorCode::kInvalidArgument,
                     "cannot decrypt the private key: wrong passphrase or damaged key");
      }
      return Error(ErrorCode::kParse,
                   "cannot parse the " + label + " PEM block (truncated or damaged?)");
    }
  } else {
    auto der = ToDer(pem);
    if (!der) {
      return Error(ErrorCode::kParse,
                   "private key is neither PEM nor a base64/DER key body: " + der.error().message);
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    pkey = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der->size()));  // NOLINT
    SecureWipe(*der);
    if (pkey == nullptr) {
      ERR_clear_error();
      return Error(ErrorCode::kParse,
                   "cannot parse the private key DER (expected PKCS#8 or PKCS#1 RSA)");
    }
  }
  PkeyPtr owned(pkey);
  if (Status s = CheckRsa(pkey, "private key"); !s) return std::move(s).error();
  return PrivateKey(std::make_shared<const KeyHandle>(owned.release()));
}

Result<PrivateKey> PrivateKey::FromFile(const std::string& path, std::string_view passphrase) {
  auto data = ReadWholeFile(path, "private key");
  if (!data) return data.error();
  auto k = FromPem(*data, passphrase);
  SecureWipe(*data);
  if (!k) return Error(k.error().code, "private key file '" + path + "': " + k.error().message);
  return k;
}

int PrivateKey::bits() const { return handle_ ? EVP_PKEY_get_bits(handle_->pkey) : 0; }

PublicKey PrivateKey::public_key() const {
  if (!handle_) return {};
  // Re-encode the public half so the PublicKey handle holds no private material.
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(handle_->pkey, &der);
  if (n <= 0) return {};
  const unsigned char* p = der;
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, n);
  OPENSSL_free(der);
  if (pub == nullptr) return {};
  return PublicKey(std::make_shared<const KeyHandle>(pub));
}

SecretString PrivateKey::ToPem() const {
  if (!handle_) return {};
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), handle_->pkey, nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return {};
  }
  return SecretString(ReadBio(bio.get()));
}

// ---------------------------------------------------------------------------------------------
// Certificate

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (pem.empty()) return Error(ErrorCode::kInvalidArgument, "certificate is empty");
  X509Ptr x509;
  if (LooksLikePem(pem)) {
    std::string label = FirstPemLabel(pem);
    if (label != "CERTIFICATE") {
      return Error(ErrorCode::kInvalidArgument,
                   "expected a PEM CERTIFICATE, found a " + (label.empty() ? "?" : label));
    }
    BioPtr bio = MemBio(pem);
    x509.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    auto der = ToDer(pem);
    if (!der) return Error(ErrorCode::kParse, "certificate is neither PEM nor base64/DER");
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    x509.reset(d2i_X509(nullptr, &p, static_cast<long>(der->size())));  // NOLINT
  }
  if (!x509) {
    ERR_clear_error();
    return Error(ErrorCode::kParse, "cannot parse the X.509 certificate (truncated or damaged?)");
  }
  return WrapCertificate(std::move(x509));
}

Result<Certificate> Certificate::FromFile(const std::string& path) {
  auto data = ReadWholeFile(path, "certificate");
  if (!data) return data.error();
  auto c = FromPem(*data);
  if (!c) return Error(c.error().code, "certificate file '" + path + "': " + c.error().message);
  return c;
}

Result<Certificate> Certificate::SelfSigned(const PrivateKey& key, std::string_view common_name,
                                            std::string_view serial_hex, int64_t not_before,
                                            int days) {
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "no key to certify");
  X509Ptr x509(X509_new());
  BIGNUM* bn_raw = nullptr;
  std::string serial(serial_hex);
  if (serial.empty() || BN_hex2bn(&bn_raw, serial.c_str()) != static_cast<int>(serial.size())) {
    BN_free(bn_raw);
    return Error(ErrorCode::kInvalidArgument, "certificate serial must be hexadecimal");
  }
  BnPtr bn(bn_raw);
  ASN1_INTEGER* serial_asn1 = BN_to_ASN1_INTEGER(bn.get(), nullptr);
  X509_set_version(x509.get(), 2);
  X509_set_serialNumber(x509.get(), serial_asn1);
  ASN1_INTEGER_free(serial_asn1);
  ASN1_TIME_set(X509_getm_notBefore(x509.get()), static_cast<time_t>(not_before));
  ASN1_TIME_set(X509_getm_notAfter(x509.get()),
                static_cast<time_t>(not_before + static_cast<int64_t>(days) * 86400));
  X509_set_pubkey(x509.get(), key.handle()->pkey);
  X509_NAME* name = X509_get_subject_name(x509.get());
  std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("CN"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("wechatpay-cpp sandbox"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  if (X509_sign(x509.get(), key.handle()->pkey, EVP_sha256()) <= 0) {
    return Error(ErrorCode::kInternal, "certificate signing failed: " + TakeOpenSslError());
  }
  return WrapCertificate(std::move(x509));
}

const std::string& Certificate::serial() const {
  static const std::string kEmpty;
  return handle_ ? handle_->serial : kEmpty;
}
std::string UtcTimeText(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds) + " (unix time)";
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return n == 0 ? std::to_string(unix_seconds) + " (unix time)" : std::string(buf, n);
}

Status Certificate::CheckValidAt(int64_t unix_seconds) const {
  if (!handle_) return Error(ErrorCode::kInvalidCertificate, "no certificate");
  if (unix_seconds > handle_->not_after) {
    return Error(ErrorCode::kInvalidCertificate, "certificate " + handle_->serial + " expired at " +
                                                     UtcTimeText(handle_->not_after) + " (now " +
                                                     UtcTimeText(unix_seconds) + ")");
  }
  if (unix_seconds < handle_->not_before) {
    return Error(ErrorCode::kInvalidCertificate,
                 "certificate " + handle_->serial + " is not valid before " +
                     UtcTimeText(handle_->not_before) + " (now " + UtcTimeText(unix_seconds) +
                     "; check the clock)");
  }
  return {};
}

int64_t Certificate::not_before() const { return handle_ ? handle_->not_before : 0; }
int64_t Certificate::not_after() const { return handle_ ? handle_->not_after : 0; }

std::string Certificate::subject() const {
  if (!handle_) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(handle_->x509), 0, XN_FLAG_RFC2253);
  return ReadBio(bio.get());
}

const PublicKey& Certificate::public_key() const {
  static const PublicKey kEmpty;
  return handle_ ? handle_->key : kEmpty;
}

std::string Certificate::ToPem() const {
  if (!handle_) return {};
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), handle_->x509) != 1) return {};
  return ReadBio(bio.get());
}

// ---------------------------------------------------------------------------------------------
// crypto::

namespace crypto {

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeB64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kB64Table = MakeB64Table();
}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.resize((data.size() + 2) / 3 * 4);
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t i = 0, o = 0, n = data.size();
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = kB64[(v >> 18) & 63];
    out[o++] = kB64[(v >> 12) & 63];
    out[o++] = kB64[(v >> 6) & 63];
    out[o++] = kB64[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (i + 1 < n) v |= uint32_t{in[i + 1]} << 8;
    out[o++] = kB64[(v >> 18) & 63];
    out[o++] = kB64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? kB64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int nbits = 0;
  size_t quantum = 0;  // significant chars seen
  size_t pad = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return Error(ErrorCode::kParse, "invalid base64: data after '=' padding");
    int8_t v = kB64Table[static_cast<unsigned char>(c)];
    if (v < 0) return Error(ErrorCode::kParse, "invalid base64: unexpected character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    ++quantum;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((acc >> nbits) & 0xFF));
    }
  }
  size_t rem = quantum % 4;
  if (rem == 1 || pad > 2 || (rem == 0 && pad != 0) || (rem != 0 && rem + pad != 4)) {
    return Error(ErrorCode::kParse, "invalid base64: bad length or padding");
  }
  return out;
}

std::string HexEncode(std::string_view data, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    auto b = static_cast<unsigned char>(data[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Error(ErrorCode::kParse, "hex string has an odd length");
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error(ErrorCode::kParse, "invalid hex digit");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

namespace {
std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), buf, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(buf), len);
}
}  // namespace

std::string Md5(std::string_view data) { return Digest(EVP_md5(), data); }
std::string Sha1(std::string_view data) { return Digest(EVP_sha1(), data); }
std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }

StreamingDigest::StreamingDigest(Algorithm algorithm) : ctx_(EVP_MD_CTX_new()), ok_(false) {
  if (ctx_ == nullptr) return;
  const EVP_MD* md = algorithm == Algorithm::kSha1 ? EVP_sha1() : EVP_sha256();
  ok_ = EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), md, nullptr) == 1;
}

StreamingDigest::~StreamingDigest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void StreamingDigest::Update(std::string_view data) {
  if (ok_ && !data.empty()) {
    ok_ = EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) == 1;
  }
}

std::string StreamingDigest::Final() {
  if (!ok_) return {};
  ok_ = false;
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), buf, &len) != 1) return {};
  return std::string(reinterpret_cast<char*>(buf), len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), buf, &len);
  return std::string(reinterpret_cast<char*>(buf), len);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t length) {
  std::string out(length, '\0');
  if (length > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(length)) != 1) {
    // The CSPRNG failing is unrecoverable for a payment SDK: never fall back to a weak source.
    std::abort();
  }
  return out;
}

std::string RandomNonce(size_t length) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // 62 * 4 = 248: bytes >= 248 are rejected so every character is equally likely.
  std::string out;
  out.reserve(length);
  unsigned char buf[64];
  while (out.size() < length) {
    if (RAND_bytes(buf, sizeof(buf)) != 1) std::abort();
    for (unsigned char b : buf) {
      if (b >= 248) continue;
      out.push_back(kAlphabet[b % 62]);
      if (out.size() == length) break;
    }
  }
  return out;
}

namespace {
// A digest-sign or digest-verify context for RSA-SHA256 with `key`: a copy of the key's template
// when it has one (cheap), else initialised afresh. FINALISE: the context is used once, so
// OpenSSL need not duplicate it again to keep it reusable after the final step.
internal::MdCtxPtr RsaSha256Context(const internal::KeyHandle& key, bool sign) {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return nullptr;
  const EVP_MD_CTX* tmpl = sign ? key.SignTemplate() : key.VerifyTemplate();
  if (tmpl == nullptr || EVP_MD_CTX_copy_ex(ctx.get(), tmpl) != 1) {
    ERR_clear_error();
    ctx.reset(EVP_MD_CTX_new());
    if (!ctx) return nullptr;
    int rc = sign ? EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey)
                  : EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey);
    if (rc != 1) return nullptr;
  }
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  return ctx;
}
}  // namespace

Result<std::string> RsaSha256Sign(const PrivateKey& key, std::string_view message) {
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "no private key to sign with");
  internal::MdCtxPtr ctx = RsaSha256Context(*key.handle(), /*sign=*/true);
  if (!ctx) return Error(ErrorCode::kInternal, "RSA signing failed: " + TakeOpenSslError());
  // EVP_PKEY_get_size: the largest signature; RSA signatures are exactly the modulus size.
  size_t len = static_cast<size_t>(EVP_PKEY_get_size(key.handle()->pkey));
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Error(ErrorCode::kInternal, "RSA signing failed: " + TakeOpenSslError());
  }
  sig.resize(len);
  return Base64Encode(sig);
}

Status RsaSha256Verify(const PublicKey& key, std::string_view message,
                       std::string_view signature_base64) {
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "no public key to verify with");
  auto sig = Base64Decode(signature_base64);
  if (!sig) return Error(ErrorCode::kBadSignature, "signature is not valid base64");
  internal::MdCtxPtr ctx = RsaSha256Context(*key.handle(), /*sign=*/false);
  if (!ctx) return Error(ErrorCode::kInternal, "RSA verify init failed: " + TakeOpenSslError());
  int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kBadSignature, "signature does not verify");
  }
  return {};
}

namespace {
internal::PkeyCtxPtr OaepCtx(EVP_PKEY* pkey, bool encrypt) {
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return nullptr;
  int rc = encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (rc != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha1()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha1()) != 1) {
    return nullptr;
  }
  return ctx;
}
}  // namespace

Result<std::string> RsaOaepEncrypt(const PublicKey& key, std::string_view plaintext) {
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "no public key to encrypt with");
  size_t max = static_cast<size_t>(EVP_PKEY_get_size(key.handle()->pkey)) - 42;
  if (plaintext.size() > max) {
    return Error(ErrorCode::kInvalidArgument,
                 "value too long for RSA-OAEP: " + std::to_string(plaintext.size()) +
                     " bytes, at most " + std::to_string(max));
  }
  auto ctx = OaepCtx(key.handle()->pkey, true);
  size_t len = 0;
  if (!ctx || EVP_PKEY_encrypt(ctx.get(), nullptr, &len,
                               reinterpret_cast<const unsigned char*>(plaintext.data()),
                               plaintext.size()) != 1) {
    return Error(ErrorCode::kInternal, "RSA-OAEP encryption failed: " + TakeOpenSslError());
  }
  std::string out(len, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(plaintext.data()),
                       plaintext.size()) != 1) {
    return Error(ErrorCode::kInternal, "RSA-OAEP encryption failed: " + TakeOpenSslError());
  }
  out.resize(len);
  return Base64Encode(out);
}

Result<std::string> RsaOaepDecrypt(const PrivateKey& key, std::string_view ciphertext_base64) {
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "no private key to decrypt with");
  auto ct = Base64Decode(ciphertext_base64);
  if (!ct) return Error(ErrorCode::kDecryption, "RSA-OAEP ciphertext is not valid base64");
  auto ctx = OaepCtx(key.handle()->pkey, false);
  size_t len = 0;
  if (!ctx ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(ct->data()),
                       ct->size()) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kDecryption, "RSA-OAEP decryption failed");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(ct->data()), ct->size()) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return Error(ErrorCode::kDecryption,
                 "RSA-OAEP decryption failed (wrong key, or not encrypted to this key)");
  }
  out.resize(len);
  return out;
}

Result<std::string> AesGcmEncrypt(std::string_view key, std::string_view nonce,
                                  std::string_view associated_data, std::string_view plaintext) {
  if (key.size() != 32) {
    return Error(ErrorCode::kInvalidArgument,
                 "AES-256-GCM key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (nonce.empty()) return Error(ErrorCode::kInvalidArgument, "AES-GCM nonce is empty");
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string out(plaintext.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      (!associated_data.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                         reinterpret_cast<const unsigned char*>(associated_data.data()),
                         static_cast<int>(associated_data.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1) {
    return Error(ErrorCode::kInternal, "AES-GCM encryption failed: " + TakeOpenSslError());
  }
  int total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), o + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + total + len) != 1) {
    return Error(ErrorCode::kInternal, "AES-GCM encryption failed: " + TakeOpenSslError());
  }
  total += len;
  out.resize(static_cast<size_t>(total) + 16);
  return Base64Encode(out);
}

Result<std::string> AesGcmDecrypt(std::string_view key, std::string_view nonce,
                                  std::string_view associated_data,
                                  std::string_view ciphertext_base64) {
  if (key.size() != 32) {
    return Error(
        ErrorCode::kInvalidArgument,
        "AES-256-GCM key (the APIv3 key) must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (nonce.empty()) return Error(ErrorCode::kInvalidArgument, "AES-GCM nonce is empty");
  auto ct = Base64Decode(ciphertext_base64);
  if (!ct) return Error(ErrorCode::kDecryption, "AES-GCM ciphertext is not valid base64");
  if (ct->size() < 16) return Error(ErrorCode::kDecryption, "AES-GCM ciphertext is too short");
  size_t body = ct->size() - 16;
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(body, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      (!associated_data.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                         reinterpret_cast<const unsigned char*>(associated_data.data()),
                         static_cast<int>(associated_data.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(ct->data()),
                        static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16,
                          reinterpret_cast<unsigned char*>(ct->data()) + body) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return Error(ErrorCode::kDecryption, "AES-GCM decryption failed");
  }
  int total = len;
  if (EVP_DecryptFinal_ex(ctx.get(), o + total, &len) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return Error(ErrorCode::kDecryption,
                 "AES-GCM authentication failed (wrong APIv3 key, or the ciphertext, nonce or "
                 "associated_data was altered)");
  }
  out.resize(static_cast<size_t>(total + len));
  return out;
}

namespace {
Result<std::string> AesEcb(std::string_view key, std::string_view in, bool encrypt) {
  if (key.size() != 32) {
    return Error(ErrorCode::kInvalidArgument,
                 "AES-256-ECB key must be 32 bytes, got " + std::to_string(key.size()));
  }
  if (!encrypt && (in.empty() || in.size() % 16 != 0)) {
    return Error(ErrorCode::kDecryption, "AES-256-ECB ciphertext length is not a multiple of 16");
  }
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(in.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0, total = 0;
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr,
                        reinterpret_cast<const unsigned char*>(key.data()), nullptr,
                        encrypt ? 1 : 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return Error(encrypt ? ErrorCode::kInternal : ErrorCode::kDecryption, "AES-256-ECB failed");
  }
  total = len;
  if (EVP_CipherFinal_ex(ctx.get(), o + total, &len) != 1) {
    ERR_clear_error();
    SecureWipe(out);
    return Error(encrypt ? ErrorCode::kInternal : ErrorCode::kDecryption,
                 "AES-256-ECB decryption failed: bad PKCS#7 padding (wrong key?)");
  }
  total += len;
  out.resize(static_cast<size_t>(total));
  return out;
}
}  // namespace

Result<std::string> AesEcbEncrypt(std::string_view key, std::string_view plaintext) {
  return AesEcb(key, plaintext, true);
}
Result<std::string> AesEcbDecrypt(std::string_view key, std::string_view ciphertext) {
  return AesEcb(key, ciphertext, false);
}

std::string ReqInfoKey(std::string_view apiv2_key) { return HexEncode(Md5(apiv2_key), false); }

}  // namespace crypto
}  // namespace wechatpay
