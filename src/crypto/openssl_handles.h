// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The OpenSSL objects behind the opaque handles of <wechatpay/crypto.h>. Internal only.
#ifndef WECHATPAY_SRC_CRYPTO_OPENSSL_HANDLES_H_
#define WECHATPAY_SRC_CRYPTO_OPENSSL_HANDLES_H_

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <mutex>
#include <string>

#include "wechatpay/crypto.h"

namespace wechatpay::internal {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;

struct KeyHandle {
  explicit KeyHandle(EVP_PKEY* k) : pkey(k) {}
  ~KeyHandle() {
    sign_template.reset();  // holds a reference to pkey: released first
    verify_template.reset();
    EVP_PKEY_free(pkey);  // OpenSSL clears private key material on free
  }
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;

  // RSA-SHA256 contexts set up once for this key (EVP_DigestSignInit / EVP_DigestVerifyInit
  // fetch the algorithms and build a provider context: several microseconds per call). Each
  // signature or verification copies one with EVP_MD_CTX_copy_ex, which only reads it, so copies
  // may run on many threads at once. Null when the set-up failed: callers then initialise a
  // context themselves. The templates live and die with the key: nothing outlives it.
  const EVP_MD_CTX* SignTemplate() const {
    std::call_once(sign_once, [this] { sign_template = MakeTemplate(true); });
    return sign_template.get();
  }
  const EVP_MD_CTX* VerifyTemplate() const {
    std::call_once(verify_once, [this] { verify_template = MakeTemplate(false); });
    return verify_template.get();
  }

  EVP_PKEY* pkey;

 private:
  MdCtxPtr MakeTemplate(bool sign) const {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return nullptr;
    int rc = sign ? EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey)
                  : EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey);
    if (rc != 1) {
      ERR_clear_error();
      return nullptr;
    }
    return ctx;
  }
  mutable std::once_flag sign_once;
  mutable std::once_flag verify_once;
  mutable MdCtxPtr sign_template;
  mutable MdCtxPtr verify_template;
};

struct CertHandle {
  CertHandle(X509* c, std::string s, int64_t nb, int64_t na, PublicKey pk)
      : x509(c), serial(std::move(s)), not_before(nb), not_after(na), key(std::move(pk)) {}
  ~CertHandle() { X509_free(x509); }
  CertHandle(const CertHandle&) = delete;
  CertHandle& operator=(const CertHandle&) = delete;
  X509* x509;
  std::string serial;
  int64_t not_before;
  int64_t not_after;
  PublicKey key;
};

// Text of the newest OpenSSL error (without secrets: OpenSSL never prints key material), and
// clears the queue.
std::string TakeOpenSslError();

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_CRYPTO_OPENSSL_HANDLES_H_
