// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The HTTPS side of the sandbox: the server certificate it generates into the state directory,
// the OpenSSL context of the listener (client certificates asked for, optional or required), the
// client certificate a request came with, and the merchant's PKCS#12 bundle.
#ifndef WECHATPAY_SANDBOX_SRC_TLS_H_
#define WECHATPAY_SANDBOX_SRC_TLS_H_

#include <openssl/ssl.h>

#include <string>

#include "identity.h"
#include "wechatpay/result.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox {

// The server certificate and key files to use: the given ones, or DIR/tls_server_cert.pem and
// DIR/tls_server_key.pem, created when missing (self-signed, 5 years, subjectAltName localhost,
// 127.0.0.1, ::1 and `host`).
Status EnsureServerCertificate(const std::string& dir, const std::string& host, int64_t now,
                               const SandboxTlsOptions& tls, std::string* cert_path,
                               std::string* key_path);

// Configures a server SSL_CTX: certificate and key, TLS 1.2+, client certificates asked for
// (required when tls.require_client_cert), verified against tls.client_ca_file when given.
// Returns an error message, or empty on success.
std::string SetupServerContext(SSL_CTX* ctx, const SandboxTlsOptions& tls,
                               const std::string& cert_path, const std::string& key_path);

// The client certificate of a TLS connection: PEM (empty when none) and whether it verified.
void PeerCertificate(const SSL* ssl, std::string* pem, bool* verified);

// Whether the client certificate `pem` belongs to `merchant`: its public key is the key the
// merchant registered, or (only when a client CA is configured, so the chain was checked) its
// subject CN is the mchid, as on WeChat Pay's own merchant certificates.
bool CertificateBelongsTo(const std::string& pem, const Merchant& merchant, bool ca_configured);

// Writes `out_path` (0600, never replacing an existing file): a PKCS#12 bundle of the PEM
// certificate and key, protected with `passphrase` (WeChat Pay's apiclient_cert.p12 uses the
// mchid).
Status WritePkcs12(const std::string& cert_path, const std::string& key_path,
                   const std::string& out_path, const std::string& passphrase);

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_TLS_H_
