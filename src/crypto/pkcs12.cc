// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// PKCS#12 (apiclient_cert.p12): the merchant certificate and key inside, with OpenSSL's legacy
// provider loaded for the RC2-40 files WeChat Pay issued before.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/openssl_handles.h"
#include "wechatpay/pkcs12.h"

namespace wechatpay {

namespace {

using BioPtr = std::unique_ptr<BIO, internal::Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, internal::Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, internal::Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, internal::Deleter<PKCS12, PKCS12_free>>;

// OpenSSL's reason for the last failure (never data from the input); the queue is cleared.
std::string Reason() {
  unsigned long e = ERR_peek_last_error();
  std::string r;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    r = reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  ERR_clear_error();
  return r.empty() ? std::string("unknown error") : r;
}

// Loads the legacy provider (and the default one, which an explicit load would otherwise leave
// out) once; false when it is not installed.
bool LoadLegacyProvider() {
  static const bool loaded = [] {
    OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
    OSSL_PROVIDER* def = legacy != nullptr ? OSSL_PROVIDER_load(nullptr, "default") : nullptr;
    ERR_clear_error();
    return legacy != nullptr && def != nullptr;
  }();
  return loaded;
}

// PEM text of a BIO's memory, wiped from the BIO afterwards.
std::string TakeMemory(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out;
  if (len > 0 && data != nullptr) {
    out.assign(data, static_cast<size_t>(len));
    OPENSSL_cleanse(data, static_cast<size_t>(len));
  }
  return out;
}

}  // namespace

Result<Pkcs12Contents> ParsePkcs12(std::string_view der, std::string_view passphrase,
                                   std::string_view origin) {
  const std::string where(origin);
  if (der.size() > static_cast<size_t>(INT32_MAX)) {
    return Error(ErrorCode::kParse, where + " is too large for a PKCS#12 file");
  }
  BioPtr in(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
  if (!in) return Error(ErrorCode::kInternal, "out of memory reading " + where);
  Pkcs12Ptr p12(d2i_PKCS12_bio(in.get(), nullptr));
  ERR_clear_error();
  if (!p12) return Error(ErrorCode::kParse, where + " is not a PKCS#12 file");
  std::string pass(passphrase);  // OpenSSL wants a NUL-terminated string
  struct Wipe {
    std::string& s;
    ~Wipe() { SecureWipe(s); }
  } wipe{pass};
  if (PKCS12_mac_present(p12.get()) == 1 &&
      PKCS12_verify_mac(p12.get(), pass.data(), static_cast<int>(pass.size())) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kDecryption, "wrong passphrase for " + where);
  }
  ERR_clear_error();
  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  bool parsed = PKCS12_parse(p12.get(), pass.c_str(), &raw_key, &raw_cert, nullptr) == 1;
  if (!parsed) {
    std::string reason = Reason();
    if (LoadLegacyProvider()) {
      parsed = PKCS12_parse(p12.get(), pass.c_str(), &raw_key, &raw_cert, nullptr) == 1;
      if (!parsed) reason = Reason();
    }
    if (!parsed) {
      return Error(ErrorCode::kDecryption,
                   "cannot decrypt " + where + " (" + reason +
                       "); if it uses a cipher OpenSSL no longer supports, convert it to PEM");
    }
  }
  PkeyPtr pkey(raw_key);
  X509Ptr x509(raw_cert);
  if (!pkey || !x509) {
    return Error(ErrorCode::kInvalidArgument,
                 where + " holds no " + (x509 ? "private key" : "certificate") +
                     " (expected the merchant certificate and its key)");
  }
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kInvalidArgument,
                 "the certificate in " + where + " does not belong to its private key");
  }
  BioPtr cert_out(BIO_new(BIO_s_mem()));
  BioPtr key_out(BIO_new(BIO_s_mem()));
  if (!cert_out || !key_out || PEM_write_bio_X509(cert_out.get(), x509.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_out.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return Error(ErrorCode::kInternal, "cannot re-encode the contents of " + where + " (" +
                                           Reason() + ")");
  }
  std::string cert_pem = TakeMemory(cert_out.get());
  std::string key_pem = TakeMemory(key_out.get());
  auto cert = Certificate::FromPem(cert_pem);
  auto key = PrivateKey::FromPem(key_pem);
  SecureWipe(key_pem);
  if (!cert) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot read the certificate in " + where + " (" + cert.error().message + ")");
  }
  if (!key) {
    return Error(ErrorCode::kInvalidArgument,
                 "cannot read the private key in " + where + " (" + key.error().message + ")");
  }
  return Pkcs12Contents{std::move(*cert), std::move(*key)};
}

}  // namespace wechatpay
