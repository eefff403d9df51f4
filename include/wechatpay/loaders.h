// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Loading what a merchant has as files into ClientOptions: WeChat Pay's platform certificates and
// public keys (one file, or a directory as `wxpay crt -o DIR` writes it) and the client
// certificate for mutual TLS (apiclient_cert.pem + apiclient_key.pem, or apiclient_cert.p12).
// `wxpay` and the sandbox load through these too.
//
//   wechatpay::PlatformKeys keys;
//   if (auto s = wechatpay::AddPlatformKeyFile("PUB_KEY_ID_0114…", "pub_key.pem", &keys); !s) …
//   keys.AddTo(options);
//   auto tls = wechatpay::LoadClientCertificatePkcs12File("apiclient_cert.p12", mchid);
//   if (tls) options.client_certificate = tls->tls;
#ifndef WECHATPAY_LOADERS_H_
#define WECHATPAY_LOADERS_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/pkcs12.h"
#include "wechatpay/result.h"

namespace wechatpay {

// WeChat Pay's keys: platform certificates (named by their serial) and public keys
// ("PUB_KEY_ID_…").
struct PlatformKeys {
  std::vector<Certificate> certificates;
  std::map<std::string, PublicKey> public_keys;

  bool empty() const { return certificates.empty() && public_keys.empty(); }
  size_t size() const { return certificates.size() + public_keys.size(); }
  // Appends them to options.platform_certificates / platform_public_keys.
  void AddTo(ClientOptions& options) const;
  // Adds them to a store (a notification verifier's, for instance).
  Status AddTo(PlatformKeyStore& store) const;
};

// One key from PEM text. With an id starting "PUB_KEY_ID_" the text must be that public key;
// otherwise it must be a platform certificate, and a non-empty `id` must be its serial (case
// does not matter). `origin` names the text in errors (a file name). kInvalidArgument otherwise,
// saying which it is and what was expected.
Status AddPlatformKeyPem(std::string_view id, std::string_view pem, std::string_view origin,
                         PlatformKeys* keys);
// The same from a file.
Status AddPlatformKeyFile(std::string_view id, const std::string& path, PlatformKeys* keys);
// Every `*.pem` file directly in `dir`, in name order: `PUB_KEY_ID_….pem` is the public key with
// that id, any other a platform certificate (`SERIAL.pem` from `wxpay crt -o DIR`: a hexadecimal
// name must be the certificate's serial). A directory without a key is an error.
Result<PlatformKeys> LoadPlatformKeyDirectory(const std::string& dir);

// A client certificate for mutual TLS with the certificate inside it (for its serial and
// validity).
struct LoadedClientCertificate {
  std::shared_ptr<const ClientCertificate> tls;  // for ClientOptions::client_certificate
  Certificate certificate;
};
// From PEM texts (apiclient_cert.pem, apiclient_key.pem): both must parse and belong together.
// `cert_origin` / `key_origin` name them in errors.
Result<LoadedClientCertificate> LoadClientCertificatePem(std::string_view cert_pem,
                                                         std::string_view key_pem,
                                                         std::string_view cert_origin,
                                                         std::string_view key_origin);
// From PKCS#12 bytes or a file (apiclient_cert.p12; WeChat Pay's passphrase is the mchid); errors
// as ParsePkcs12 (wechatpay/pkcs12.h). The passphrase is kept for the TLS handshake, never logged.
Result<LoadedClientCertificate> LoadClientCertificatePkcs12(std::string_view der,
                                                            std::string_view passphrase,
                                                            std::string_view origin);
Result<LoadedClientCertificate> LoadClientCertificatePkcs12File(const std::string& path,
                                                                std::string_view passphrase);

// A whole file, for the loaders above: kInvalidArgument "cannot open PATH (reason)", "PATH is a
// directory", "cannot read PATH".
Result<std::string> ReadFileText(const std::string& path);

}  // namespace wechatpay

#endif  // WECHATPAY_LOADERS_H_
