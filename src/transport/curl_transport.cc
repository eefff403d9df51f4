// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/curl_transport.h"

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "transport/curl_memory.h"
#include "transport/executor.h"
#include "wechatpay/crypto.h"

namespace wechatpay {
namespace {

// curl_global_init must run once before any other curl call, and is not thread-safe itself.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { internal::CurlGlobalInitWiping(); });
}

struct Transfer {
  HttpResponse* response;
  const HttpRequest* request;
  int status = 0;  // from the latest status line
  bool sink_aborted = false;
  // Limits (HttpRequest::max_*): what was over one, for the error message.
  enum class TooLarge { kNo, kHeaders, kBody, kSinkBody } too_large = TooLarge::kNo;
  size_t header_bytes = 0;
  uint64_t sink_bytes = 0;
  bool encoded = false;    // Content-Encoding or a Transfer-Encoding other than chunked
  bool head_done = false;  // the final (non-1xx) response head has been read
  // libcurl sends a request again, on a new connection, when a kept-alive connection it reused
  // closes before any answer (lib/transfer.c: "Connection died, retrying a fresh connect"), and
  // has no option to turn that off. Every send of one transfer passes the pre-request callback,
  // which counts them and refuses a second one unless the method may be replayed.
  bool replay_allowed = false;
  int sends = 0;
  bool replay_refused = false;
};

// CURLOPT_PREREQFUNCTION: called once per request sent, after the connection is made or reused.
int OnPreRequest(void* user, char*, char*, int, int) {
  auto* t = static_cast<Transfer*>(user);
  if (++t->sends > 1 && !t->replay_allowed) {
    t->replay_refused = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

// GET and HEAD ask for nothing to be done: curl may send them again on a fresh connection.
bool ReplayAllowed(const std::string& method) { return method == "GET" || method == "HEAD"; }

// Only a 2xx body goes to the sink; an error body is kept for the error message.
bool ToSink(const Transfer& t) { return t.request->sink && t.status >= 200 && t.status < 300; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  t->header_bytes += line.size();
  if (t->header_bytes > t->request->max_header_bytes) {
    t->too_large = Transfer::TooLarge::kHeaders;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) {
    if (t->status >= 200) t->head_done = true;
    // The end of a head: a Content-Length already over the limit stops the transfer here.
    if (const std::string* cl = t->response->headers.Find("Content-Length")) {
      char* end = nullptr;
      unsigned long long len = std::strtoull(cl->c_str(), &end, 10);  // NOLINT(google-runtime-int)
      bool to_sink = ToSink(*t);
      uint64_t limit = to_sink ? t->request->max_sink_bytes : t->request->max_body_bytes;
      if (end != cl->c_str() && limit != 0 && len > limit && !t->encoded) {
        t->too_large = to_sink ? Transfer::TooLarge::kSinkBody : Transfer::TooLarge::kBody;
        return 0;
      }
    }
    return size * n;
  }
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after 100-continue or a proxy CONNECT): start over.
    t->response->headers = Headers();
    t->encoded = false;
    t->head_done = false;
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
    std::string_view name = line.substr(0, colon);
    if (EqualsIgnoreCase(name, "Content-Encoding") ||
        (EqualsIgnoreCase(name, "Transfer-Encoding") && !StartsWithIgnoreCase(value, "chunked"))) {
      t->encoded = true;
    }
    t->response->headers.Add(std::string(name), std::string(value));
  }
  return size * n;
}

// Called with the body as curl decoded it (gzip and the like undone): the limits hold for what
// a small compressed body expands to, one chunk (at most CURL_MAX_WRITE_SIZE) at a time.
size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (ToSink(*t)) {
    t->sink_bytes += len;
    if (t->request->max_sink_bytes != 0 && t->sink_bytes > t->request->max_sink_bytes) {
      t->too_large = Transfer::TooLarge::kSinkBody;
      return 0;
    }
    if (!t->request->sink(std::string_view(data, len))) {
      t->sink_aborted = true;
      return 0;  // makes curl abort with CURLE_WRITE_ERROR
    }
    return len;
  }
  if (len >
      t->request->max_body_bytes - std::min(t->request->max_body_bytes, t->response->body.size())) {
    t->too_large = Transfer::TooLarge::kBody;
    return 0;
  }
  t->response->body.append(data, len);
  return len;
}

// "16 MiB", "64 KiB", "1000 bytes".
std::string FormatBytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30) && n % (uint64_t{1} << 30) == 0) {
    return std::to_string(n >> 30) + " GiB";
  }
  if (n >= (uint64_t{1} << 20) && n % (uint64_t{1} << 20) == 0) {
    return std::to_string(n >> 20) + " MiB";
  }
  if (n >= (uint64_t{1} << 10) && n % (uint64_t{1} << 10) == 0) {
    return std::to_string(n >> 10) + " KiB";
  }
  return std::to_string(n) + " bytes";
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

// One transfer: the request (owned, so an async transfer outlives the caller's copy), the
// response being filled in, and what curl needs alive until the transfer ends.
struct Job {
  HttpRequest request;
  HttpResponse response;
  Transfer transfer{nullptr, nullptr};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  HttpTransport::Callback done;  // async only
  uint64_t id = 0;

  explicit Job(HttpRequest r) : request(std::move(r)) {
    transfer.response = &response;
    transfer.request = &request;
  }
  ~Job() {
    for (curl_slist* p = headers; p != nullptr; p = p->next)
      SecureWipe(p->data, std::strlen(p->data));
    curl_slist_free_all(headers);
    // The copy of the request: a URL or body may carry a secret (the mini-program appsecret).
    SecureWipe(request.url);
    SecureWipe(request.body);
  }
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
};

// Query strings may carry tokens (access_token, download tokens): errors show the path only.
std::string StripQuery(const std::string& url) { return url.substr(0, url.find('?')); }

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
    // One connection cache for blocking and asynchronous calls alike.
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  }

  ~CurlTransport() override {
    {
      std::lock_guard lock(async_mu_);
      stopping_ = true;
      if (multi_ != nullptr) curl_multi_wakeup(multi_);
    }
    if (io_thread_.joinable()) {
      if (io_thread_.get_id() == std::this_thread::get_id()) {
        io_thread_.detach();  // destroyed from our own callback: the loop exits by itself
      } else {
        io_thread_.join();
      }
    }
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    for (CURL* h : idle_) curl_easy_cleanup(h);
    curl_share_cleanup(share_);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* h = Acquire();
    if (h == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
    Job job(request);
    Configure(h, job);
    CURLcode rc = curl_easy_perform(h);
    Result<HttpResponse> result = Finish(h, job, rc);
    Release(h);
    return result;
  }

  Cancel SendAsync(HttpRequest request, Callback done) override {
    auto job = std::make_unique<Job>(std::move(request));
    job->done = std::move(done);
    uint64_t id;
    {
      std::lock_guard lock(async_mu_);
      if (stopping_) {
        internal::Executor::Default().Post([done = std::move(job->done)] {
          done(Error(ErrorCode::kCancelled, "the transport is shutting down"));
        });
        return nullptr;
      }
      if (multi_ == nullptr) StartIoThread();
      id = job->id = next_id_++;
      incoming_.push_back(std::move(job));
      WakeLocked();
    }
    return [this, id] {
      std::lock_guard lock(async_mu_);
      if (stopping_) return;
      cancels_.push_back(id);
      WakeLocked();
    };
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
    curl_easy_reset(h);
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_handles) {
      idle_.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }

  void Configure(CURL* h, Job& job) {
    const HttpRequest& req = job.request;
    job.easy = h;
    for (const auto& [k, v] : req.headers) {
      std::string line = k + ": " + v;
      job.headers = curl_slist_append(job.headers, line.c_str());
      SecureWipe(line);  // may be the Authorization header
    }
    // No "Expect: 100-continue" round trip for POST bodies; curl must not invent Accept either.
    job.headers = curl_slist_append(job.headers, "Expect:");
    if (!req.headers.Has("Accept")) job.headers = curl_slist_append(job.headers, "Accept:");

    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    // The connection cache is shared (CURL_LOCK_DATA_CONNECT) and every multi handle that uses
    // it prunes it to its own limit: 5 for a blocking call, 4 x the transfers in progress for
    // the async multi. Both would close idle keep-alive connections that the next burst of
    // calls then has to open again (new TCP and TLS handshakes); one generous limit for all.
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, ConnectionCacheSize());
    curl_easy_setopt(h, CURLOPT_PRIVATE, &job);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, job.errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, job.headers);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &job.transfer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &job.transfer);
    job.transfer.replay_allowed = ReplayAllowed(req.method);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, &OnPreRequest);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &job.transfer);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    // gzip for a body kept in memory (curl decodes it; OnBody bounds what it expands to); none
    // for a streamed download, whose bytes are hashed and stored as they come.
    if (!req.sink) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (options_.http2) {
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    }
    // An explicit proxy, or none: environment proxies are not picked up silently.
    curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy.c_str());
    if (!options_.ca_file.empty()) {
      // The file replaces the system store: libcurl's built-in CA path (/etc/ssl/certs on
      // Debian) would otherwise still be searched for issuers.
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
      curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
    }
    if (options_.verbose) curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);

    if (req.client_certificate && !req.client_certificate->empty()) {
      const ClientCertificate& cc = *req.client_certificate;
      // Copied by curl: the handle may outlive this request in the pool.
      struct curl_blob cert_blob {};
      struct curl_blob key_blob {};
      if (!cc.pkcs12.empty()) {
        cert_blob = {const_cast<char*>(cc.pkcs12.data()), cc.pkcs12.size(), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert_blob);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "P12");
      } else {
        cert_blob = {const_cast<char*>(cc.cert_pem.data()), cc.cert_pem.size(), CURL_BLOB_COPY};
        key_blob = {const_cast<char*>(cc.key_pem.data()), cc.key_pem.size(), CURL_BLOB_COPY};
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
  }

  // Idle connections kept open, all hosts together: room for every async connection to a few
  // hosts (the APIv3 host, the APIv2 and download hosts).
  long ConnectionCacheSize() const {  // NOLINT(google-runtime-int): curl's type
    return static_cast<long>(
        std::max<size_t>(4 * options_.max_connections_per_host, 32));  // NOLINT
  }

  // kResponseTooLarge when a limit stopped the transfer.
  static std::optional<Error> TooLargeError(const Job& job, CURLcode rc) {
    const HttpRequest& req = job.request;
    const Transfer& t = job.transfer;
    std::string what = req.method + " " + StripQuery(req.url) + ": ";
    std::string decoded = t.encoded ? " (decompressed)" : "";
    switch (t.too_large) {
      case Transfer::TooLarge::kHeaders:
        return Error(ErrorCode::kResponseTooLarge,
                     what + "response header too large: the header lines are over the " +
                         FormatBytes(req.max_header_bytes) + " limit; the transfer was stopped");
      case Transfer::TooLarge::kBody:
        return Error(ErrorCode::kResponseTooLarge,
                     what + "response too large: the " +
                         (t.status >= 200 && t.status < 300
                              ? std::string("body")
                              : "HTTP " + std::to_string(t.status) + " error body") +
                         decoded + " is over the " + FormatBytes(req.max_body_bytes) +
                         " limit (ClientOptions::max_response_bytes); the transfer was stopped");
      case Transfer::TooLarge::kSinkBody:
        return Error(ErrorCode::kResponseTooLarge,
                     what + "download too large: the body" + decoded + " is over the " +
                         FormatBytes(req.max_sink_bytes) +
                         " limit (ClientOptions::max_download_bytes); the transfer was stopped");
      case Transfer::TooLarge::kNo:
        break;
    }
    // libcurl 7.88 keeps one header line in a buffer of CURL_MAX_HTTP_HEADER (100 KiB) and
    // fails a longer one with a bare CURLE_OUT_OF_MEMORY ("Out of memory").
    if (rc == CURLE_OUT_OF_MEMORY && !t.head_done) {
      return Error(ErrorCode::kResponseTooLarge,
                   what + "response header too large: a header line is over libcurl's " +
                       FormatBytes(CURL_MAX_HTTP_HEADER) + " limit; the transfer was stopped");
    }
    return std::nullopt;
  }

  static Result<HttpResponse> Finish(CURL* h, Job& job, CURLcode rc) {
    const HttpRequest& req = job.request;
    if (rc != CURLE_OK) {
      if (job.transfer.sink_aborted) {
        return Error(ErrorCode::kCancelled, "the response sink stopped the download");
      }
      if (auto e = TooLargeError(job, rc)) return std::move(*e);
      if (job.transfer.replay_refused) {
        return Error(ErrorCode::kNetwork,
                     req.method + " " + StripQuery(req.url) +
                         ": the connection closed before an answer came; the request may have "
                         "reached the server, so it was not sent again (" +
                         req.method + " is not idempotent)");
      }
      std::string msg = job.errbuf[0] != 0 ? job.errbuf : curl_easy_strerror(rc);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Error(MapCurlError(rc), req.method + " " + StripQuery(req.url) + ": " + msg);
    }
    long status = 0;  // NOLINT(google-runtime-int): curl's type
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    job.response.status = static_cast<int>(status);
    return std::move(job.response);
  }

  // ---- the asynchronous side: one I/O thread drives every transfer with curl_multi ----

  // Wakes the I/O thread once per batch: while an earlier wake-up is pending (the loop has not
  // taken the queues yet), new work rides along with it. async_mu_ held.
  void WakeLocked() {
    if (wake_pending_) return;
    wake_pending_ = true;
    curl_multi_wakeup(multi_);
  }

  void StartIoThread() {  // async_mu_ held
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_connections_per_host));
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, ConnectionCacheSize());
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
    io_thread_ = std::thread([this] { IoLoop(); });
  }

  void IoLoop() {
    pthread_setname_np(pthread_self(), "wxpay-curl-io");
    std::map<uint64_t, std::unique_ptr<Job>> active;
    // Completions run on the worker pool, callback object included: the callback may hold the
    // last reference to whatever owns this transport, and this thread must never be the one that
    // destroys it (it would free the loop it is running).
    auto deliver = [](Callback done, Result<HttpResponse> r) {
      internal::Executor::Default().Post(
          [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    };
    auto complete = [&](std::unique_ptr<Job> job, Result<HttpResponse> r) {
      curl_multi_remove_handle(multi_, job->easy);
      Release(job->easy);
      job->easy = nullptr;
      Callback done = std::move(job->done);
      job.reset();
      deliver(std::move(done), std::move(r));
    };
    while (true) {
      std::vector<std::unique_ptr<Job>> fresh;
      std::vector<uint64_t> cancels;
      bool stopping;
      {
        std::lock_guard lock(async_mu_);
        fresh.swap(incoming_);
        cancels.swap(cancels_);
        stopping = stopping_;
        wake_pending_ = false;
      }
      if (stopping) {
        for (auto& job : fresh) {
          deliver(std::move(job->done), Error(ErrorCode::kCancelled, "transport shut down"));
        }
        for (auto& [id, job] : active) {
          complete(std::move(job), Error(ErrorCode::kCancelled, "transport shut down"));
        }
        return;
      }
      for (auto& job : fresh) {
        CURL* h = Acquire();
        if (h == nullptr) {
          deliver(std::move(job->done), Error(ErrorCode::kInternal, "curl_easy_init failed"));
          continue;
        }
        Configure(h, *job);
        // curl holds its own copies of the headers now (job->headers); a call waiting for a
        // connection need not keep a second set (the Authorization line alone is ~500 bytes).
        job->request.headers = Headers();
        curl_multi_add_handle(multi_, h);
        active.emplace(job->id, std::move(job));
      }
      for (uint64_t id : cancels) {
        auto it = active.find(id);
        if (it == active.end()) continue;
        auto job = std::move(it->second);
        active.erase(it);
        complete(std::move(job), Error(ErrorCode::kCancelled, "the call was cancelled"));
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
        if (m->msg != CURLMSG_DONE) continue;
        Job* raw = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &raw);
        if (raw == nullptr) continue;
        auto it = active.find(raw->id);
        if (it == active.end()) continue;
        auto job = std::move(it->second);
        active.erase(it);
        Result<HttpResponse> r = Finish(m->easy_handle, *job, m->data.result);
        complete(std::move(job), std::move(r));
      }
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
  }

  static constexpr size_t kLocks = 8;
  CurlTransportOptions options_;
  CURLSH* share_ = nullptr;
  std::mutex share_locks_[kLocks];
  std::mutex mu_;
  std::vector<CURL*> idle_;

  std::mutex async_mu_;
  CURLM* multi_ = nullptr;
  std::thread io_thread_;
  bool stopping_ = false;
  bool wake_pending_ = false;
  uint64_t next_id_ = 1;
  std::vector<std::unique_ptr<Job>> incoming_;
  std::vector<uint64_t> cancels_;
};

}  // namespace

std::shared_ptr<HttpTransport> MakeCurlTransport(const CurlTransportOptions& options) {
  return std::make_shared<CurlTransport>(options);
}

}  // namespace wechatpay
