// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// HTTP values shared by the auth layer, the transport and the client: headers, requests,
// responses, and the one-method transport interface.
#ifndef WECHATPAY_HTTP_H_
#define WECHATPAY_HTTP_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay {

// Ordered header list with case-insensitive lookup. Names keep the case they were added with.
class Headers {
 public:
  using Entry = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Entry> init) : entries_(init) {}

  // Appends (keeps duplicates).
  void Add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every header of that name with one entry.
  void Set(std::string_view name, std::string value);
  void Remove(std::string_view name);
  // First value of that name, or nullptr.
  const std::string* Find(std::string_view name) const;
  std::string Get(std::string_view name, std::string_view fallback = {}) const {
    const std::string* v = Find(name);
    return v ? *v : std::string(fallback);
  }
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

  // Parses "Name: value" lines (CRLF or LF; blank lines and an HTTP status line are skipped).
  static Result<Headers> Parse(std::string_view text);

 private:
  std::vector<Entry> entries_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A streamed response body goes to a sink: called with each chunk; return false to abort.
using BodySink = std::function<bool(std::string_view chunk)>;

// Client TLS identity for mutual TLS (APIv2 endpoints that need the merchant certificate).
struct ClientCertificate {
  std::string cert_pem;    // PEM certificate (or empty when pkcs12 is used)
  std::string key_pem;     // PEM private key; treat as secret
  std::string pkcs12;      // DER PKCS#12 bytes, alternative to cert/key
  std::string passphrase;  // for an encrypted key or the PKCS#12 file
  bool empty() const { return cert_pem.empty() && pkcs12.empty(); }
};

// What a transport accepts of a response before it stops the transfer (kResponseTooLarge).
inline constexpr size_t kDefaultMaxResponseBytes = size_t{16} << 20;     // 16 MiB
inline constexpr uint64_t kDefaultMaxDownloadBytes = uint64_t{4} << 30;  // 4 GiB
inline constexpr size_t kDefaultMaxHeaderBytes = size_t{64} << 10;       // 64 KiB

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string url;     // absolute: scheme://host[:port]/path?query
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // whole transfer
  std::shared_ptr<const ClientCertificate> client_certificate;  // null: none
  BodySink sink;  // when set, the body is streamed here instead of into HttpResponse::body
  // Limits checked while the response is read, on the bytes after any decompression (a small
  // compressed body cannot expand past them):
  // a body kept in HttpResponse::body (every error body, even with a sink)
  size_t max_body_bytes = kDefaultMaxResponseBytes;
  // a 2xx body streamed to `sink` (0: no limit)
  uint64_t max_sink_bytes = kDefaultMaxDownloadBytes;
  // all header lines of the response together
  size_t max_header_bytes = kDefaultMaxHeaderBytes;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;  // empty when the request had a sink
};

// The one thing a transport must do is Send. A 4xx/5xx response is a value (Result holds the
// response); an Error means no HTTP response was had (network, timeout, TLS, cancelled).
class HttpTransport {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;
  using Cancel = std::function<void()>;

  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // Starts `request` and calls `done` exactly once when it completes, on a transport or SDK
  // thread (keep `done` short). The returned function, when called, aborts the transfer (`done`
  // then gets kCancelled; calling it after completion does nothing). The default runs Send on the
  // SDK's worker pool; the curl transport overrides it with libcurl's multi interface so that
  // many requests in flight need no thread each.
  virtual Cancel SendAsync(HttpRequest request, Callback done);
};

}  // namespace wechatpay

#endif  // WECHATPAY_HTTP_H_
