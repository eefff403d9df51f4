// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tls.h"
#include "util.h"
#include "wechatpay/multipart.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::DecodeMultipart;

namespace wechatpay::sandbox {

namespace {

constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kWakeTag = 1;
// How long a closing connection keeps reading (and discarding) what the client still sends, so
// that the close does not reset the connection before the client has read the answer.
constexpr int kLingerMs = 1000;
// Connections answered 503 over the limit, while they linger; more are closed at once.
constexpr size_t kMaxRefused = 1024;
constexpr size_t kReadChunk = 16384;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

bool IsTokenChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  return std::strchr("()<>@,;:\\\"/[]?={}", c) == nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Comma-separated tokens of a header value, lower-cased.
std::vector<std::string> Tokens(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view t = Trim(v.substr(0, comma));
    if (!t.empty()) out.push_back(ToLowerAscii(t));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

std::string ErrorBody(const char* code, const std::string& message) {
  Json j = Json::object();
  j["code"] = code;
  j["message"] = "wxpay sandbox: " + message;
  return DumpJson(j);
}

std::string SecondsText(int ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// A problem that ends the connection with an answer from the server itself.
struct HttpError {
  int status;
  const char* code;
  std::string message;
};

}  // namespace

struct HttpServer::Impl {
  enum class St { kHandshake, kIdle, kReading, kProcessing, kDelayed, kWriting, kLinger };
  enum class Body { kNone, kLength, kChunked };

  struct Conn {
    uint64_t id = 0;
    int fd = -1;
    SSL* ssl = nullptr;
    std::string remote_addr;
    bool counted = true;  // false: refused over the limit, only lingering
    St st = St::kIdle;
    std::string in;
    std::string out;
    size_t out_off = 0;
    bool close_after = false;
    bool abort_after = false;
    bool eof = false;
    int64_t deadline = 0;
    uint32_t events = 0;
    bool tls_read_wants_write = false;
    bool tls_write_wants_read = false;
    bool handshake_wants_write = false;
    // The request being read.
    bool head_done = false;
    size_t scan_from = 0;
    size_t body_start = 0;
    Body body = Body::kNone;
    size_t content_length = 0;
    size_t chunk_pos = 0;
    bool expect_continue = false;
    bool continue_sent = false;
    bool keep_alive = true;
    bool is_head = false;
    WireRequest req;
  };

  struct Job {
    uint64_t id;
    WireRequest req;
  };
  struct Done {
    uint64_t id;
    WireResponse res;
  };

  HttpServerOptions opt;
  Handler handler;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;
  std::thread loop;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  bool started = false;
  bool stopped = false;

  // Event-loop state (only the loop thread touches it).
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;
  std::set<std::pair<int64_t, uint64_t>> timers;
  uint64_t next_id = 2;
  size_t refused = 0;
  std::atomic<size_t> open_count{0};

  // Between the loop and the workers.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::vector<Done> done;
  bool workers_stop = false;

  ~Impl();
  void Run();
  void Work();
  void Wake();

  void Accept();
  void Refuse(int fd);
  void OnEvent(Conn& c, uint32_t ev);
  void Handshake(Conn& c);
  void ReadInput(Conn& c);
  void Parse(Conn& c);
  std::optional<HttpError> ParseHead(Conn& c, std::string_view head);
  // 1: complete, 0: more bytes needed; an HttpError on a malformed body.
  int DecodeChunks(Conn& c, std::optional<HttpError>* err);
  void Dispatch(Conn& c);
  void Completions();
  void Answer(Conn& c, WireResponse res);
  void Fail(Conn& c, const HttpError& e);
  void Flush(Conn& c);
  void Finished(Conn& c);
  void Linger(Conn& c);
  void Expire(int64_t now);
  void SetDeadline(Conn& c, int64_t at);
  void Interest(Conn& c);
  void Close(Conn& c);
  void ResetRequest(Conn& c);
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(new Impl) {
  impl_->opt = options;
  if (impl_->opt.workers == 0) impl_->opt.workers = 1;
  if (impl_->opt.max_connections == 0) impl_->opt.max_connections = 1;
  impl_->handler = std::move(handler);
  if (impl_->opt.ssl_ctx != nullptr) SSL_CTX_up_ref(impl_->opt.ssl_ctx);
}

HttpServer::~HttpServer() { Stop(); }

HttpServer::Impl::~Impl() {
  if (listen_fd >= 0) ::close(listen_fd);
  if (epoll_fd >= 0) ::close(epoll_fd);
  if (wake_fd >= 0) ::close(wake_fd);
  if (spare_fd >= 0) ::close(spare_fd);
  if (opt.ssl_ctx != nullptr) SSL_CTX_free(opt.ssl_ctx);
}

size_t HttpServer::connections() const { return impl_->open_count.load(); }

Result<int> HttpServer::Bind(const std::string& host, int port) {
  Impl& d = *impl_;
  if (d.listen_fd >= 0) {
    ::close(d.listen_fd);
    d.listen_fd = -1;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_text = std::to_string(port);
  int gai = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port_text.c_str(), &hints, &res);
  if (gai != 0) {
    return Error(ErrorCode::kNetwork, "cannot resolve " + host + ": " + ::gai_strerror(gai));
  }
  std::string problem = "no address";
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      problem = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // A large backlog: hundreds of clients connecting at once must not wait for SYN retries.
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 4096) != 0) {
      problem = std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    int bound = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    ::freeaddrinfo(res);
    d.listen_fd = fd;
    return bound;
  }
  ::freeaddrinfo(res);
  return Error(ErrorCode::kNetwork, "cannot listen on " + host + ":" + port_text + ": " + problem);
}

Status HttpServer::Start() {
  Impl& d = *impl_;
  if (d.listen_fd < 0) return Error(ErrorCode::kInternal, "HttpServer::Start before Bind");
  d.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  d.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.epoll_fd < 0 || d.wake_fd < 0) {
    return Error(ErrorCode::kInternal,
                 std::string("cannot start the server: ") + std::strerror(errno));
  }
  // Kept in reserve: when the process runs out of file descriptors, it is given up for a moment
  // to accept a connection and answer it 503 instead of leaving it in the backlog.
  d.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag;
  ::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.listen_fd, &ev);
  ev.data.u64 = kWakeTag;
  ::epoll_ctl(d.epoll_fd, EPOLL_CTL_ADD, d.wake_fd, &ev);
  d.started = true;
  for (size_t i = 0; i < d.opt.workers; ++i) d.workers.emplace_back([&d] { d.Work(); });
  d.loop = std::thread([&d] { d.Run(); });
  return {};
}

void HttpServer::Stop() {
  Impl& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  if (!d.started) return;
  d.stopping = true;
  d.Wake();
  if (d.loop.joinable()) d.loop.join();
  {
    std::lock_guard<std::mutex> lock(d.mu);
    d.workers_stop = true;
    d.jobs.clear();
  }
  d.cv.notify_all();
  for (auto& t : d.workers) t.join();
  d.workers.clear();
}

void HttpServer::Impl::Wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd, &one, sizeof one);
  (void)n;
}

// ---- workers ---------------------------------------------------------------------------------

void HttpServer::Impl::Work() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [this] { return workers_stop || !jobs.empty(); });
      if (workers_stop) return;
      job = std::move(jobs.front());
      jobs.pop_front();
    }
    WireResponse res;
    try {
      res = handler(job.req);
    } catch (...) {
      res = WireResponse{};
      res.status = 500;
      res.headers.Set("Content-Type", "application/json");
      res.body = R"({"code":"SYSTEM_ERROR","message":"internal error"})";
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back(Done{job.id, std::move(res)});
    }
    Wake();
  }
}

// ---- the event loop ----------------------------------------------------------------------------

void HttpServer::Impl::Run() {
  std::vector<epoll_event> events(256);
  while (!stopping) {
    int timeout = 1000;
    if (!timers.empty()) {
      int64_t wait = timers.begin()->first - NowMs();
      timeout = static_cast<int>(std::clamp<int64_t>(wait, 0, 1000));
    }
    int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n && !stopping; ++i) {
      uint64_t tag = events[i].data.u64;
      if (tag == kListenerTag) {
        Accept();
      } else if (tag == kWakeTag) {
        uint64_t v;
        while (::read(wake_fd, &v, sizeof v) > 0) {
        }
        Completions();
      } else {
        auto it = conns.find(tag);
        if (it != conns.end()) OnEvent(*it->second, events[i].events);
      }
    }
    Expire(NowMs());
  }
  // Stopping: every connection goes, answered or not.
  while (!conns.empty()) Close(*conns.begin()->second);
  if (listen_fd >= 0) {
    ::close(listen_fd);
    listen_fd = -1;
  }
}

void HttpServer::Impl::Accept() {
  for (int burst = 0; burst < 256; ++burst) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd =
        ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
        // Out of descriptors: answer one waiting client 503 with the reserve, then get it back.
        ::close(spare_fd);
        spare_fd = -1;
        int extra = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (extra >= 0) {
          if (opt.ssl_ctx == nullptr) {
            std::string msg =
                ErrorBody("SERVER_BUSY", "the process has run out of file descriptors (" +
                                             std::to_string(conns.size()) + " connections open)");
            std::string res =
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                "application/json\r\nConnection: close\r\nContent-Length: " +
                std::to_string(msg.size()) + "\r\n\r\n" + msg;
            ssize_t w = ::send(extra, res.data(), res.size(), MSG_NOSIGNAL);
            (void)w;
          }
          ::close(extra);
        }
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    size_t counted = conns.size() - refused;
    if (counted >= opt.max_connections) {
      Refuse(fd);
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->id = next_id++;
    c->fd = fd;
    char host[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
    } else if (ss.ss_family == AF_INET6) {
      ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, host, sizeof host);
    }
    c->remote_addr = host;
    Conn& conn = *c;
    conns.emplace(conn.id, std::move(c));
    open_count = conns.size();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = conn.id;
    conn.events = EPOLLIN;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    if (opt.ssl_ctx != nullptr) {
      conn.ssl = SSL_new(opt.ssl_ctx);
      if (conn.ssl == nullptr) {
        ERR_clear_error();
        Close(conn);
        continue;
      }
      SSL_set_fd(conn.ssl, fd);
      SSL_set_accept_state(conn.ssl);
      SSL_set_mode(conn.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      conn.st = St::kHandshake;
      SetDeadline(conn, NowMs() + opt.request_timeout_ms);
    } else {
      conn.st = St::kIdle;
      SetDeadline(conn, NowMs() + opt.idle_timeout_ms);
    }
  }
}

void HttpServer::Impl::Refuse(int fd) {
  if (opt.ssl_ctx != nullptr || refused >= kMaxRefused) {
    // Over TLS a plain-text answer means nothing to the client: the connection is just closed.
    ::close(fd);
    return;
  }
  auto c = std::make_unique<Conn>();
  c->id = next_id++;
  c->fd = fd;
  c->counted = false;
  Conn& conn = *c;
  conns.emplace(conn.id, std::move(c));
  ++refused;
  open_count = conns.size();
  epoll_event ev{};
  ev.events = 0;
  ev.data.u64 = conn.id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  Fail(conn, HttpError{503, "SERVER_BUSY",
                       "already " + std::to_string(opt.max_connections) +
                           " connections open (the limit, --max-connections); close idle "
                           "connections or raise the limit"});
}

void HttpServer::Impl::OnEvent(Conn& c, uint32_t ev) {
  uint64_t id = c.id;
  auto alive = [&] { return conns.count(id) != 0; };
  if ((ev & (EPOLLERR)) != 0) {
    Close(c);
    return;
  }
  switch (c.st) {
    case St::kHandshake:
      Handshake(c);
      return;
    case St::kIdle:
    case St::kReading:
      if ((ev & EPOLLOUT) != 0 && !c.out.empty()) {
        Flush(c);
        if (!alive()) return;
      }
      if ((ev & (EPOLLIN | EPOLLHUP)) != 0 || c.tls_read_wants_write) ReadInput(c);
      return;
    case St::kWriting:
      Flush(c);
      return;
    case St::kLinger: {
      char buf[kReadChunk];
      while (true) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n < 0 && errno == EINTR) continue;
        Close(c);
        return;
      }
    }
    case St::kProcessing:
    case St::kDelayed:
      // Not reading: only a hang-up is reported here; the answer, when it comes, is dropped.
      if ((ev & EPOLLHUP) != 0) Close(c);
      return;
  }
}

void HttpServer::Impl::Handshake(Conn& c) {
  int r = SSL_do_handshake(c.ssl);
  if (r == 1) {
    c.st = St::kIdle;
    c.handshake_wants_write = false;
    SetDeadline(c, NowMs() + opt.idle_timeout_ms);
    Interest(c);
    ReadInput(c);  // the first request may already be in
    return;
  }
  int err = SSL_get_error(c.ssl, r);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    c.handshake_wants_write = err == SSL_ERROR_WANT_WRITE;
    Interest(c);
    return;
  }
  Close(c);  // a failed handshake (no or a bad client certificate when one is required, ...)
}

void HttpServer::Impl::ReadInput(Conn& c) {
  uint64_t id = c.id;
  // Enough for one whole request; more waits in the kernel until this one is answered.
  const size_t cap = opt.max_header_bytes + opt.max_body_bytes + 65536;
  char buf[kReadChunk];
  c.tls_read_wants_write = false;
  while (c.in.size() < cap) {
    if (c.ssl != nullptr) {
      size_t got = 0;
      int r = SSL_read_ex(c.ssl, buf, sizeof buf, &got);
      if (r == 1) {
        c.in.append(buf, got);
        continue;
      }
      int err = SSL_get_error(c.ssl, r);
      ERR_clear_error();
      if (err == SSL_ERROR_WANT_READ) break;
      if (err == SSL_ERROR_WANT_WRITE) {
        c.tls_read_wants_write = true;
        break;
      }
      c.eof = true;  // close_notify, reset or a TLS error
      break;
    }
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c.eof = true;
    break;
  }
  Parse(c);
  if (conns.count(id) == 0) return;
  if (c.st == St::kReading && c.in.size() >= cap) {
    Fail(c, HttpError{413, "REQUEST_TOO_LARGE",
                      "the request is over the limit of " + std::to_string(cap) + " bytes"});
    return;
  }
  if (c.eof && (c.st == St::kIdle || c.st == St::kReading)) {
    // The client went away (or half-closed) without a complete request: nothing to answer.
    Close(c);
    return;
  }
  Interest(c);
}

void HttpServer::Impl::ResetRequest(Conn& c) {
  c.head_done = false;
  c.scan_from = 0;
  c.body_start = 0;
  c.body = Body::kNone;
  c.content_length = 0;
  c.chunk_pos = 0;
  c.expect_continue = false;
  c.continue_sent = false;
  c.keep_alive = true;
  c.is_head = false;
  c.req = WireRequest{};
}

void HttpServer::Impl::Parse(Conn& c) {
  if (c.st == St::kIdle) {
    size_t skip = 0;  // empty lines before a request are allowed (RFC 9112 2.2)
    while (skip < c.in.size() && (c.in[skip] == '\r' || c.in[skip] == '\n')) ++skip;
    c.in.erase(0, skip);
    if (c.in.empty()) return;
    c.st = St::kReading;
    ResetRequest(c);
    // The whole request must arrive within the request timeout of its first byte.
    SetDeadline(c, NowMs() + opt.request_timeout_ms);
  }
  if (c.st != St::kReading) return;
  if (!c.head_done) {
    // The head ends at an empty line (CRLF CRLF, or bare LFs).
    size_t end = std::string::npos;
    size_t i = c.scan_from;
    while (true) {
      size_t nl = c.in.find('\n', i);
      if (nl == std::string::npos) break;
      size_t next = nl + 1;
      if (next < c.in.size() && c.in[next] == '\n') {
        end = next + 1;
        break;
      }
      if (next + 1 < c.in.size() && c.in[next] == '\r' && c.in[next + 1] == '\n') {
        end = next + 2;
        break;
      }
      if (next >= c.in.size() || (next + 1 >= c.in.size() && c.in[next] == '\r')) {
        break;  // the next line has not started yet: look again from this newline
      }
      i = next;
    }
    if (end == std::string::npos) {
      size_t last_nl = c.in.rfind('\n');
      c.scan_from = last_nl == std::string::npos ? 0 : last_nl;
      if (c.in.size() > opt.max_header_bytes) {
        Fail(c, HttpError{431, "HEADERS_TOO_LARGE",
                          "the request line and headers are over the limit of " +
                              std::to_string(opt.max_header_bytes) + " bytes"});
      }
      return;
    }
    if (end > opt.max_header_bytes) {
      Fail(c, HttpError{431, "HEADERS_TOO_LARGE",
                        "the request line and headers are over the limit of " +
                            std::to_string(opt.max_header_bytes) + " bytes"});
      return;
    }
    if (auto err = ParseHead(c, std::string_view(c.in).substr(0, end))) {
      Fail(c, *err);
      return;
    }
    c.head_done = true;
    c.body_start = end;
    c.chunk_pos = end;
  }
  bool complete = false;
  if (c.body == Body::kNone) {
    c.in.erase(0, c.body_start);
    complete = true;
  } else if (c.body == Body::kLength) {
    if (c.in.size() - c.body_start >= c.content_length) {
      c.req.body = c.in.substr(c.body_start, c.content_length);
      c.in.erase(0, c.body_start + c.content_length);
      complete = true;
    }
  } else {
    std::optional<HttpError> err;
    int r = DecodeChunks(c, &err);
    if (err) {
      Fail(c, *err);
      return;
    }
    if (r == 1) {
      c.in.erase(0, c.chunk_pos);
      complete = true;
    }
  }
  if (complete) {
    Dispatch(c);
    return;
  }
  if (c.expect_continue && !c.continue_sent) {
    c.continue_sent = true;
    c.out += "HTTP/1.1 100 Continue\r\n\r\n";
    Flush(c);
  }
}

std::optional<HttpError> HttpServer::Impl::ParseHead(Conn& c, std::string_view head) {
  auto bad = [](std::string what) {
    return HttpError{400, "INVALID_REQUEST", "malformed HTTP request: " + what};
  };
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    head.remove_prefix(nl + 1);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return bad("no request line");
  // Request line: METHOD SP request-target SP HTTP-version.
  std::string_view rl = lines[0];
  size_t sp1 = rl.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : rl.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      rl.find(' ', sp2 + 1) != std::string_view::npos) {
    return bad("the request line is not METHOD TARGET HTTP/1.1");
  }
  std::string_view method = rl.substr(0, sp1);
  std::string_view target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = rl.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), IsTokenChar)) {
    return bad("the method is not a token");
  }
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char ch) {
        return static_cast<unsigned char>(ch) <= 32 || ch == 127;
      })) {
    return bad("the request target is empty or has control characters");
  }
  bool http10 = false;
  if (version == "HTTP/1.0") {
    http10 = true;
  } else if (version != "HTTP/1.1") {
    if (version.size() == 8 && version.compare(0, 5, "HTTP/") == 0) {
      return HttpError{505, "HTTP_VERSION_NOT_SUPPORTED",
                       std::string(version) + " is not supported; use HTTP/1.1"};
    }
    return bad("unknown protocol version");
  }
  c.req.method = std::string(method);
  c.req.target = std::string(target);
  c.is_head = method == "HEAD";
  bool conn_close = false, conn_keep = false;
  std::optional<size_t> length;
  bool chunked = false, has_te = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return bad("folded header lines are not allowed");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return bad("a header line has no name");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return bad("header name \"" + std::string(name.substr(0, 40)) + "\" is not a token");
    }
    std::string_view value = Trim(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](char ch) {
          unsigned char u = static_cast<unsigned char>(ch);
          return (u < 32 && ch != '\t') || u == 127;
        })) {
      return bad("header " + std::string(name) + " has control characters");
    }
    if (EqualsIgnoreCase(name, "Content-Length")) {
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(),
                       [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return bad("Content-Length is not a number");
      }
      size_t v = std::stoull(std::string(value));
      if (length && *length != v) return bad("two different Content-Length headers");
      length = v;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      has_te = true;
      auto t = Tokens(value);
      if (t.size() != 1 || t[0] != "chunked") {
        return HttpError{
            501, "NOT_IMPLEMENTED",
            "Transfer-Encoding \"" + std::string(value) + "\" is not supported (only chunked)"};
      }
      chunked = true;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      for (const auto& t : Tokens(value)) {
        if (t == "close") conn_close = true;
        if (t == "keep-alive") conn_keep = true;
      }
    } else if (EqualsIgnoreCase(name, "Expect")) {
      if (ToLowerAscii(value) != "100-continue") {
        return HttpError{417, "EXPECTATION_FAILED",
                         "Expect: " + std::string(value) + " is not supported (only 100-continue)"};
      }
      c.expect_continue = !http10;
    }
    c.req.headers.Add(std::string(name), std::string(value));
  }
  if (has_te && length) return bad("both Content-Length and Transfer-Encoding");
  if (has_te && http10) return bad("Transfer-Encoding in an HTTP/1.0 request");
  c.keep_alive = http10 ? conn_keep && !conn_close : !conn_close;
  if (chunked) {
    c.body = Body::kChunked;
  } else if (length && *length > 0) {
    if (*length > opt.max_body_bytes) {
      return HttpError{413, "REQUEST_TOO_LARGE",
                       "the body of " + std::to_string(*length) + " bytes is over the limit of " +
                           std::to_string(opt.max_body_bytes) + " bytes"};
    }
    c.body = Body::kLength;
    c.content_length = *length;
  } else {
    c.body = Body::kNone;
  }
  if (c.body == Body::kNone) c.expect_continue = false;
  return std::nullopt;
}

int HttpServer::Impl::DecodeChunks(Conn& c, std::optional<HttpError>* err) {
  auto bad = [&](const char* what) {
    *err = HttpError{400, "INVALID_REQUEST", std::string("malformed chunked body: ") + what};
    return 0;
  };
  while (true) {
    size_t nl = c.in.find('\n', c.chunk_pos);
    if (nl == std::string::npos) {
      if (c.in.size() - c.chunk_pos > 1024) return bad("a chunk size line is too long");
      // What is decoded is in the body: drop it (and the head) from the buffer, so that many
      // small chunks do not take more room than the body.
      c.in.erase(0, c.chunk_pos);
      c.chunk_pos = 0;
      return 0;
    }
    std::string_view line = std::string_view(c.in).substr(c.chunk_pos, nl - c.chunk_pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t semi = line.find(';');  // chunk extensions are ignored
    std::string_view hex = Trim(line.substr(0, semi));
    if (hex.empty() || hex.size() > 15) return bad("a chunk size is not a hex number");
    size_t size = 0;
    for (char ch : hex) {
      int v = ch >= '0' && ch <= '9'   ? ch - '0'
              : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                       : -1;
      if (v < 0) return bad("a chunk size is not a hex number");
      size = size * 16 + static_cast<size_t>(v);
    }
    if (size == 0) {
      // Trailer lines up to an empty line; they are ignored.
      size_t p = nl + 1;
      while (true) {
        size_t tnl = c.in.find('\n', p);
        if (tnl == std::string::npos) {
          if (c.in.size() - p > opt.max_header_bytes) return bad("the trailer is too long");
          return 0;
        }
        std::string_view t = std::string_view(c.in).substr(p, tnl - p);
        p = tnl + 1;
        if (t.empty() || t == "\r") {
          c.chunk_pos = p;
          return 1;
        }
      }
    }
    if (c.req.body.size() + size > opt.max_body_bytes) {
      *err = HttpError{
          413, "REQUEST_TOO_LARGE",
          "the chunked body is over the limit of " + std::to_string(opt.max_body_bytes) + " bytes"};
      return 0;
    }
    size_t data = nl + 1;
    if (c.in.size() < data + size + 1) {
      c.in.erase(0, c.chunk_pos);
      c.chunk_pos = 0;
      return 0;
    }
    size_t after = data + size;
    if (c.in[after] == '\r') {
      if (c.in.size() < after + 2) return 0;
      if (c.in[after + 1] != '\n') return bad("a chunk does not end with CRLF");
      after += 2;
    } else if (c.in[after] == '\n') {
      after += 1;
    } else {
      return bad("a chunk does not end with CRLF");
    }
    c.req.body.append(c.in, data, size);
    c.chunk_pos = after;
  }
}

void HttpServer::Impl::Dispatch(Conn& c) {
  WireRequest& w = c.req;
  w.remote_addr = c.remote_addr;
  if (c.ssl != nullptr) {
    w.tls = true;
    PeerCertificate(c.ssl, &w.client_cert_pem, &w.client_cert_verified);
  }
  std::string ct = w.headers.Get("Content-Type");
  if (ToLowerAscii(ct).rfind("multipart/form-data", 0) == 0) {
    // The parts, as WeChat Pay reads them (the signature covers the meta part). A body that does
    // not parse is left as it came: the endpoint then reports the missing parts.
    if (auto parts = DecodeMultipart(ct, w.body); parts.ok()) {
      w.form = std::move(*parts);
      w.body.clear();
    }
  }
  c.st = St::kProcessing;
  SetDeadline(c, 0);
  Interest(c);
  {
    std::lock_guard<std::mutex> lock(mu);
    jobs.push_back(Job{c.id, std::move(c.req)});
  }
  cv.notify_one();
  c.req = WireRequest{};
}

void HttpServer::Impl::Completions() {
  std::vector<Done> ready;
  {
    std::lock_guard<std::mutex> lock(mu);
    ready.swap(done);
  }
  for (auto& d : ready) {
    auto it = conns.find(d.id);
    if (it == conns.end() || it->second->st != St::kProcessing) continue;  // the client left
    Answer(*it->second, std::move(d.res));
  }
}

void HttpServer::Impl::Answer(Conn& c, WireResponse res) {
  bool keep = c.keep_alive && !stopping;
  std::string& o = c.out;
  int status = res.status;
  o += "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  bool has_type = false;
  for (const auto& [k, v] : res.headers) {
    if (EqualsIgnoreCase(k, "Content-Length") || EqualsIgnoreCase(k, "Connection") ||
        EqualsIgnoreCase(k, "Transfer-Encoding")) {
      continue;
    }
    if (k.find_first_of("\r\n:") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos) {
      continue;  // never split the answer
    }
    has_type |= EqualsIgnoreCase(k, "Content-Type");
    o += k + ": " + v + "\r\n";
  }
  if (res.drop_connection) {
    // Headers promise a body that never comes; the connection is then closed, as with a reset
    // mid-way.
    if (!has_type) o += "Content-Type: application/json\r\n";
    o += "Content-Length: 1024\r\nConnection: keep-alive\r\n\r\n";
    c.close_after = true;
    c.abort_after = true;
  } else {
    bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (!res.body.empty() && !has_type) o += "Content-Type: text/plain\r\n";
    if (!no_body) o += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
    o += keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!no_body && !c.is_head) o += res.body;
    c.close_after = !keep;
  }
  if (res.delay_ms > 0) {
    c.st = St::kDelayed;
    SetDeadline(c, NowMs() + std::min(res.delay_ms, 60000));
    Interest(c);
    return;
  }
  c.st = St::kWriting;
  SetDeadline(c, NowMs() + opt.write_timeout_ms);
  Flush(c);
}

void HttpServer::Impl::Fail(Conn& c, const HttpError& e) {
  WireResponse res;
  res.status = e.status;
  res.headers.Set("Content-Type", "application/json");
  res.body = ErrorBody(e.code, e.message);
  c.keep_alive = false;
  c.is_head = false;
  c.st = St::kProcessing;
  Answer(c, std::move(res));
}

void HttpServer::Impl::Flush(Conn& c) {
  uint64_t id = c.id;
  c.tls_write_wants_read = false;
  bool progressed = false;
  while (c.out_off < c.out.size()) {
    const char* p = c.out.data() + c.out_off;
    size_t left = c.out.size() - c.out_off;
    if (c.ssl != nullptr) {
      size_t wrote = 0;
      int r = SSL_write_ex(c.ssl, p, left, &wrote);
      if (r == 1) {
        c.out_off += wrote;
        progressed = true;
        continue;
      }
      int err = SSL_get_error(c.ssl, r);
      ERR_clear_error();
      if (err == SSL_ERROR_WANT_WRITE) break;
      if (err == SSL_ERROR_WANT_READ) {
        c.tls_write_wants_read = true;
        break;
      }
      Close(c);
      return;
    }
    ssize_t n = ::send(c.fd, p, left, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<size_t>(n);
      progressed = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    Close(c);
    return;
  }
  if (conns.count(id) == 0) return;
  if (c.out_off < c.out.size()) {
    if (progressed && c.st == St::kWriting) SetDeadline(c, NowMs() + opt.write_timeout_ms);
    Interest(c);
    return;
  }
  c.out.clear();
  c.out_off = 0;
  if (c.st == St::kWriting) {
    Finished(c);
  } else {
    Interest(c);
  }
}

void HttpServer::Impl::Finished(Conn& c) {
  if (c.close_after) {
    if (c.abort_after) {
      Close(c);
    } else {
      Linger(c);
    }
    return;
  }
  c.st = St::kIdle;
  ResetRequest(c);
  SetDeadline(c, NowMs() + opt.idle_timeout_ms);
  // A pipelined request may already be waiting in the buffer.
  uint64_t id = c.id;
  Parse(c);
  if (conns.count(id) == 0) return;
  if (c.eof && (c.st == St::kIdle || c.st == St::kReading)) {
    Close(c);
    return;
  }
  Interest(c);
  if (c.st == St::kIdle && c.ssl != nullptr && SSL_pending(c.ssl) > 0) ReadInput(c);
}

void HttpServer::Impl::Linger(Conn& c) {
  if (c.ssl != nullptr) {
    SSL_shutdown(c.ssl);  // close_notify, without waiting for the peer's
    ERR_clear_error();
  }
  ::shutdown(c.fd, SHUT_WR);
  c.st = St::kLinger;
  SetDeadline(c, NowMs() + kLingerMs);
  Interest(c);
}

void HttpServer::Impl::Expire(int64_t now) {
  while (!timers.empty() && timers.begin()->first <= now) {
    uint64_t id = timers.begin()->second;
    timers.erase(timers.begin());
    auto it = conns.find(id);
    if (it == conns.end()) continue;
    Conn& c = *it->second;
    c.deadline = 0;
    switch (c.st) {
      case St::kReading:
        Fail(c, HttpError{408, "REQUEST_TIMEOUT",
                          "the request was not received in full within " +
                              SecondsText(opt.request_timeout_ms) +
                              " of its first byte (the sandbox's --request-timeout)"});
        break;
      case St::kDelayed:
        c.st = St::kWriting;
        SetDeadline(c, now + opt.write_timeout_ms);
        Flush(c);
        break;
      case St::kIdle:
        if (c.ssl != nullptr) {
          SSL_shutdown(c.ssl);
          ERR_clear_error();
        }
        Close(c);
        break;
      case St::kHandshake:
      case St::kWriting:
      case St::kLinger:
      case St::kProcessing:
        Close(c);
        break;
    }
  }
}

void HttpServer::Impl::SetDeadline(Conn& c, int64_t at) {
  if (c.deadline != 0) timers.erase({c.deadline, c.id});
  c.deadline = at;
  if (at != 0) timers.insert({at, c.id});
}

void HttpServer::Impl::Interest(Conn& c) {
  uint32_t want = 0;
  switch (c.st) {
    case St::kHandshake:
      want = c.handshake_wants_write ? EPOLLOUT : EPOLLIN;
      break;
    case St::kIdle:
    case St::kReading:
      want = EPOLLIN;
      if (!c.out.empty() || c.tls_read_wants_write) want |= EPOLLOUT;
      if (c.eof) want &= ~static_cast<uint32_t>(EPOLLIN);
      break;
    case St::kWriting:
      want = EPOLLOUT;
      if (c.tls_write_wants_read) want = EPOLLIN;
      break;
    case St::kLinger:
      want = EPOLLIN;
      break;
    case St::kProcessing:
    case St::kDelayed:
      want = 0;
      break;
  }
  if (want == c.events) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

void HttpServer::Impl::Close(Conn& c) {
  SetDeadline(c, 0);
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  if (c.ssl != nullptr) SSL_free(c.ssl);
  ::close(c.fd);
  if (!c.counted) --refused;
  conns.erase(c.id);  // destroys c
  open_count = conns.size();
}

}  // namespace wechatpay::sandbox
