// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The OpenSSL objects behind the opaque handles of <wechatpay/crypto.h>. Internal only.
#ifndef WECHATPAY_SRC_INTERNAL_OPENSSL_HANDLES_H_
#define WECHATPAY_SRC_INTERNAL_OPENSSL_HANDLES_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "wechatpay/crypto.h"

namespace wechatpay::internal {

struct KeyHandle {
  explicit KeyHandle(EVP_PKEY* k) : pkey(k) {}
  ~KeyHandle() { EVP_PKEY_free(pkey); }  // OpenSSL clears private key material on free
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;
  EVP_PKEY* pkey;
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

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_INTERNAL_OPENSSL_HANDLES_H_
