// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The default HttpTransport, on libcurl. This header does not include curl.
#ifndef WECHATPAY_CURL_TRANSPORT_H_
#define WECHATPAY_CURL_TRANSPORT_H_

#include <memory>
#include <string>

#include "wechatpay/http.h"

namespace wechatpay {

struct CurlTransportOptions {
  std::string proxy;  // e.g. "http://proxy:3128"; empty: none (curl env vars ignored)
  // PEM CA bundle trusted instead of the system store (neither libcurl's default CA file nor
  // its CA path is consulted then); empty: the system store.
  std::string ca_file;
  bool http2 = true;             // negotiate HTTP/2 over TLS where the server offers it
  size_t max_idle_handles = 64;  // pooled curl handles
  // Asynchronous calls open at most this many connections to one host (HTTP/2 streams are
  // multiplexed over them when the server speaks HTTP/2).
  size_t max_connections_per_host = 16;
  bool verbose = false;  // curl's own trace to stderr; never enable in production
};

// Thread-safe: concurrent Send calls each borrow a pooled curl handle, so connections stay warm
// across calls and threads. TLS peer and host verification are always on. A request other than
// GET or HEAD is never sent twice: when a reused connection closes before an answer, libcurl's
// own resend on a fresh connection is refused and Send returns kNetwork (docs/adr/0006).
std::shared_ptr<HttpTransport> MakeCurlTransport(const CurlTransportOptions& options = {});

}  // namespace wechatpay

#endif  // WECHATPAY_CURL_TRANSPORT_H_
