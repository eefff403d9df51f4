// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// PKCS#12 files (apiclient_cert.p12): the certificate and private key inside. Most code wants
// LoadClientCertificatePkcs12 (wechatpay/loaders.h), which builds the mutual-TLS identity.
#ifndef WECHATPAY_PKCS12_H_
#define WECHATPAY_PKCS12_H_

#include <string_view>

#include "wechatpay/crypto.h"
#include "wechatpay/result.h"

namespace wechatpay {

// The merchant certificate and private key of a PKCS#12 file (WeChat Pay's apiclient_cert.p12,
// whose passphrase is the mchid). Older files are encrypted with RC2-40, which OpenSSL 3 reads
// only with its legacy provider: it is loaded when the default provider cannot decrypt the file.
// `origin` names the data in error messages (a file name); the passphrase never appears there.
// Errors: kParse (not PKCS#12), kDecryption ("wrong passphrase for ORIGIN", or a cipher this
// OpenSSL cannot decrypt), kInvalidArgument (no certificate or key inside, or a key that is not
// the certificate's).
struct Pkcs12Contents {
  Certificate certificate;
  PrivateKey key;
};
Result<Pkcs12Contents> ParsePkcs12(std::string_view der, std::string_view passphrase,
                                   std::string_view origin = "the PKCS#12 data");

}  // namespace wechatpay

#endif  // WECHATPAY_PKCS12_H_
