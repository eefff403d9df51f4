// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Fuzzes PKCS#12 loading (ParsePkcs12, LoadClientCertificatePkcs12) and the PEM client-
// certificate pair: any bytes give a certificate or an error, never a crash, and a loaded PKCS#12
// always holds a certificate whose key is the one inside.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "wechatpay/loaders.h"
#include "wechatpay/pkcs12.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (std::string_view pass : {std::string_view("test-only-p12"), std::string_view()}) {
    auto contents = wechatpay::ParsePkcs12(in, pass, "input");
    if (contents && !contents->key.public_key().Equals(contents->certificate.public_key())) {
      std::fprintf(stderr, "a parsed PKCS#12 holds a key that is not its certificate's\n");
      std::abort();
    }
    auto loaded = wechatpay::LoadClientCertificatePkcs12(in, pass, "input");
    if (loaded.ok() != contents.ok()) {
      std::fprintf(stderr, "ParsePkcs12 and LoadClientCertificatePkcs12 disagree\n");
      std::abort();
    }
  }
  (void)wechatpay::LoadClientCertificatePem(in, in, "cert", "key");
  return 0;
}
