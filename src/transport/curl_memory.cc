// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// libcurl's global initialisation with allocation functions that wipe memory before freeing it.
#include "transport/curl_memory.h"

#include <curl/curl.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "wechatpay/crypto.h"

namespace wechatpay::internal {
namespace {

// libcurl copies what it sends: the URL (a mini-program token request carries the appsecret in
// its query), and a small POST body into its request buffer. It frees those copies without
// clearing them, so the SDK gives libcurl allocation functions that wipe a block before freeing
// it (and before a realloc moves it). This takes effect only when the SDK is the first to
// initialise libcurl in the process (docs/guide/configuration.md, "Secrets in memory").
#if defined(__GLIBC__)
void WipingFree(void* p) {
  if (p == nullptr) return;
  SecureWipe(p, malloc_usable_size(p));
  std::free(p);
}
void* WipingRealloc(void* p, size_t size) {
  if (p == nullptr) return std::malloc(size);
  if (size == 0) {
    WipingFree(p);
    return nullptr;
  }
  size_t had = malloc_usable_size(p);
  if (size <= had) return p;  // the tail stays inside the block, wiped when it is freed
  void* q = std::malloc(size);
  if (q == nullptr) return nullptr;  // p is untouched, as realloc promises
  std::memcpy(q, p, had);
  WipingFree(p);
  return q;
}
char* WipingStrdup(const char* s) {
  size_t n = std::strlen(s) + 1;
  auto* q = static_cast<char*>(std::malloc(n));
  if (q != nullptr) std::memcpy(q, s, n);
  return q;
}
#endif

}  // namespace

void CurlGlobalInitWiping() {
#if defined(__GLIBC__)
  curl_global_init_mem(CURL_GLOBAL_DEFAULT, std::malloc, WipingFree, WipingRealloc, WipingStrdup,
                       std::calloc);
#else
  curl_global_init(CURL_GLOBAL_DEFAULT);
#endif
}

}  // namespace wechatpay::internal
