// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/curl_transport.h"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "wechatpay/crypto.h"

namespace wechatpay {
namespace {

// curl_global_init must run once before any other curl call, and is not thread-safe itself.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  HttpResponse* response;
  const BodySink* sink;
  int status = 0;  // from the latest status line
  bool sink_aborted = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after 100-continue or a proxy CONNECT): start over.
    t->response->headers = Headers();
    size_t sp = line.find(' ');
    t->status =
        sp == std::string_view::npos ? 0 : std::atoi(std::string(line.substr(sp + 1, 3)).c_str());
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    t->response->headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  // Only a 2xx body goes to the sink; an error body is kept for the error message.
  if (t->sink != nullptr && *t->sink && t->status >= 200 && t->status < 300) {
    if (!(*t->sink)(std::string_view(data, size * n))) {
      t->sink_aborted = true;
      return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    return size * n;
  }
  t->response->body.append(data, size * n);
  return size * n;
}

ErrorCode MapCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorCode::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return ErrorCode::kTls;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorCode::kInvalidArgument;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorCode::kCancelled;
    default:
      return ErrorCode::kNetwork;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    GlobalInit();
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlTransport::Lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlTransport::Unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
    curl_share_cleanup(share_);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* h = Acquire();
    Result<HttpResponse> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<CurlTransport*>(user)->share_locks_[LockIndex(data)].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<CurlTransport*>(user)->share_locks_[LockIndex(data)].unlock();
  }
  static size_t LockIndex(curl_lock_data d) {
    return static_cast<size_t>(d) < kLocks ? static_cast<size_t>(d) : 0;
  }

  CURL* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    curl_easy_reset(h);  // keeps live connections, the DNS cache and TLS sessions
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  Result<HttpResponse> Perform(CURL* h, const HttpRequest& req) {
    if (h == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    HttpResponse response;
    Transfer t{&response, &req.sink};
    char errbuf[CURL_ERROR_SIZE] = {0};
    struct curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) {
      std::string line = k + ": " + v;
      headers = curl_slist_append(headers, line.c_str());
      SecureWipe(line);  // may be the Authorization header
    }
    // No "Expect: 100-continue" round trip for POST bodies; curl must not invent Accept either.
    headers = curl_slist_append(headers, "Expect:");
    if (!req.headers.Has("Accept")) headers = curl_slist_append(headers, "Accept:");

    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate when the server offers
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (options_.http2) {
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    }
    // An explicit proxy, or none: environment proxies are not picked up silently.
    curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (options_.verbose) curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

    struct curl_blob cert_blob {};
    struct curl_blob key_blob {};
    if (req.client_certificate && !req.client_certificate->empty()) {
      const ClientCertificate& cc = *req.client_certificate;
      if (!cc.pkcs12.empty()) {
        cert_blob = {const_cast<char*>(cc.pkcs12.data()), cc.pkcs12.size(), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "P12");
      } else {
        cert_blob = {const_cast<char*>(cc.cert_pem.data()), cc.cert_pem.size(), CURL_BLOB_NOCOPY};
        key_blob = {const_cast<char*>(cc.key_pem.data()), cc.key_pem.size(), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key_blob);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
      }
      if (!cc.passphrase.empty()) curl_easy_setopt(h, CURLOPT_KEYPASSWD, cc.passphrase.c_str());
    }

    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      if (req.method != "DELETE" || !req.body.empty()) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      }
    }

    CURLcode rc = curl_easy_perform(h);
    for (curl_slist* p = headers; p != nullptr; p = p->next)
      SecureWipe(p->data, std::strlen(p->data));
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      if (t.sink_aborted)
        return Error(ErrorCode::kCancelled, "the response sink stopped the download");
      std::string msg = errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Error(MapCurlError(rc), req.method + " " + StripQuery(req.url) + ": " + msg);
    }
    long status = 0;  // NOLINT(google-runtime-int): curl's type
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

  // Query strings may carry tokens (access_token, download tokens): errors show the path only.
  static std::string StripQuery(const std::string& url) { return url.substr(0, url.find('?')); }

  static constexpr size_t kLocks = 8;
  CurlTransportOptions options_;
  CURLSH* share_ = nullptr;
  std::mutex share_locks_[kLocks];
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::shared_ptr<HttpTransport> MakeCurlTransport(const CurlTransportOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

}  // namespace wechatpay
