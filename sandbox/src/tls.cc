// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "util.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::sandbox {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

std::string X509ToPem(X509* x) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x) != 1) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

X509Ptr X509FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

PkeyPtr KeyFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool IsIpAddress(const std::string& host) {
  bool v4 = !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
  return v4 || host.find(':') != std::string::npos;
}

Result<std::string> MakeServerCertificate(const std::string& host, int64_t now,
                                          const std::string& key_pem) {
  PkeyPtr key = KeyFromPem(key_pem);
  X509Ptr cert(X509_new());
  if (!key || !cert) return Error(ErrorCode::kInternal, "TLS server key: " + OpenSslError());
  X509_set_version(cert.get(), 2);
  std::string serial = crypto::RandomBytes(16);
  serial[0] = static_cast<char>(serial[0] & 0x7F);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                         static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(now - 86400));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(now + 5LL * 365 * 86400));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("wxpay sandbox"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (!host.empty() && host != "localhost" && host != "127.0.0.1" && host != "::1" &&
      host != "0.0.0.0" && host != "::") {
    san += (IsIpAddress(host) ? ",IP:" : ",DNS:") + host;
  }
  // A self-signed certificate that is its own CA, so that clients can use it as their CA file.
  if (!AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), NID_key_usage,
                    "critical,digitalSignature,keyEncipherment,keyCertSign") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(cert.get(), NID_subject_key_identifier, "hash") ||
      !AddExtension(cert.get(), NID_subject_alt_name, san)) {
    return Error(ErrorCode::kInternal, "TLS server certificate extensions: " + OpenSslError());
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return Error(ErrorCode::kInternal, "signing the TLS server certificate: " + OpenSslError());
  }
  return X509ToPem(cert.get());
}

// What the verify callback needs, attached to the SSL_CTX.
struct VerifyContext {
  bool require = false;
  bool has_ca = false;
};

int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* vc =
      ssl ? static_cast<const VerifyContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) : nullptr;
  if (vc == nullptr) return preverify_ok;
  bool ok = preverify_ok == 1;
  if (!vc->has_ca && X509_STORE_CTX_get_error_depth(store) == 0) {
    // No CA configured: any certificate within its validity period passes the handshake; the
    // endpoint then checks that its key is the merchant's (CertificateBelongsTo).
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    ok = leaf != nullptr && X509_cmp_current_time(X509_get0_notBefore(leaf)) < 0 &&
         X509_cmp_current_time(X509_get0_notAfter(leaf)) > 0;
    if (ok) X509_STORE_CTX_set_error(store, X509_V_OK);
  }
  if (ok) return 1;
  // Optional client certificates: the handshake goes on and the request is refused later, as
  // SSL_get_verify_result keeps the error.
  return vc->require ? 0 : 1;
}

}  // namespace

Status EnsureServerCertificate(const std::string& dir, const std::string& host, int64_t now,
                               const SandboxTlsOptions& tls, std::string* cert_path,
                               std::string* key_path) {
  if (!tls.cert_file.empty() || !tls.key_file.empty()) {
    if (tls.cert_file.empty() || tls.key_file.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "a TLS server certificate needs both a certificate file and a key file");
    }
    *cert_path = AbsolutePath(tls.cert_file);
    *key_path = AbsolutePath(tls.key_file);
    for (const std::string* p : {cert_path, key_path}) {
      if (!FileExists(*p)) return Error(ErrorCode::kInvalidArgument, "no such file: " + *p);
    }
    return {};
  }
  *cert_path = JoinPath(dir, "tls_server_cert.pem");
  *key_path = JoinPath(dir, "tls_server_key.pem");
  if (!FileExists(*key_path)) {
    auto key = wechatpay::testing::GeneratePrivateKey(2048);
    if (!key) return std::move(key).error();
    if (Status s = CreateFileExclusive(*key_path, key->ToPem().view(), 0600); !s) return s;
  }
  if (!FileExists(*cert_path)) {
    auto key_pem = ReadFile(*key_path);
    if (!key_pem) return std::move(key_pem).error();
    auto pem = MakeServerCertificate(host, now, *key_pem);
    SecureWipe(*key_pem);
    if (!pem) return std::move(pem).error();
    if (Status s = CreateFileExclusive(*cert_path, *pem, 0644); !s) return s;
  }
  return {};
}

std::string SetupServerContext(SSL_CTX* ctx, const SandboxTlsOptions& tls,
                               const std::string& cert_path, const std::string& key_path) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return "cannot load the TLS server certificate " + cert_path + ": " + OpenSslError();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return "cannot load the TLS server key " + key_path + " (or it does not match the certificate)";
  }
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
      return "cannot load the client CA file " + tls.client_ca_file + ": " + OpenSslError();
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
  }
  // Never freed: the context lives as long as the server, and this is a few bytes.
  static VerifyContext contexts[2][2] = {{{false, false}, {false, true}},
                                         {{true, false}, {true, true}}};
  SSL_CTX_set_app_data(
      ctx, &contexts[tls.require_client_cert ? 1 : 0][tls.client_ca_file.empty() ? 0 : 1]);
  int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
  if (tls.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, &VerifyCallback);
  static const unsigned char kSessionContext[] = "wxpay-sandbox";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  return {};
}

void PeerCertificate(const SSL* ssl, std::string* pem, bool* verified) {
  pem->clear();
  *verified = false;
  if (ssl == nullptr) return;
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return;
  *pem = X509ToPem(peer);
  *verified = SSL_get_verify_result(ssl) == X509_V_OK;
}

bool CertificateBelongsTo(const std::string& pem, const Merchant& merchant, bool ca_configured) {
  auto cert = Certificate::FromPem(pem);
  if (!cert) return false;
  if (merchant.key.ok() && cert->public_key().ToPem() == merchant.key.ToPem()) return true;
  if (!ca_configured) return false;
  X509Ptr x = X509FromPem(pem);
  if (!x) return false;
  char cn[256] = {0};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName, cn, sizeof(cn));
  return n > 0 && std::string(cn, static_cast<size_t>(n)) == merchant.mchid;
}

Status WritePkcs12(const std::string& cert_path, const std::string& key_path,
                   const std::string& out_path, const std::string& passphrase) {
  if (FileExists(out_path)) return {};
  auto cert_pem = ReadFile(cert_path);
  if (!cert_pem) return std::move(cert_pem).error();
  auto key_pem = ReadFile(key_path);
  if (!key_pem) return std::move(key_pem).error();
  X509Ptr cert = X509FromPem(*cert_pem);
  PkeyPtr key = KeyFromPem(*key_pem);
  SecureWipe(*key_pem);
  if (!cert || !key) {
    return Error(ErrorCode::kInternal, "cannot read " + cert_path + " / " + key_path);
  }
  Pkcs12Ptr p12(PKCS12_create(passphrase.c_str(), "apiclient_cert", key.get(), cert.get(), nullptr,
                              0, 0, 0, 0, 0));
  if (!p12) return Error(ErrorCode::kInternal, "PKCS#12 bundle: " + OpenSslError());
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || i2d_PKCS12_bio(bio.get(), p12.get()) != 1) {
    return Error(ErrorCode::kInternal, "PKCS#12 bundle: " + OpenSslError());
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return CreateFileExclusive(out_path, std::string_view(data, static_cast<size_t>(n)), 0600);
}

}  // namespace wechatpay::sandbox
