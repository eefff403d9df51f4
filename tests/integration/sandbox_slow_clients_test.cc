// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Hostile clients of the sandbox's HTTP server, over real sockets on 127.0.0.1: idle connections,
// connections that send a request one byte at a time, many clients at once. None of them may
// keep the sandbox from answering a fresh request promptly. Every wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/sandbox_fixture.h"

namespace wechatpay::sandbox::testing {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Raises the soft open-file limit to `want` when the hard limit allows; returns the soft limit.
rlim_t RaiseFdLimit(rlim_t want) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
    (void)::getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

// A TCP connection to 127.0.0.1:port (blocking connect), or -1.
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

class Sockets {
 public:
  ~Sockets() { CloseAll(); }
  void Add(int fd) { fds_.push_back(fd); }
  void CloseAll() {
    for (int fd : fds_) ::close(fd);
    fds_.clear();
  }
  const std::vector<int>& fds() const { return fds_; }
  size_t size() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one response (status line, headers, Content-Length body) from `fd`, or until EOF or the
// deadline. Returns the status code (0: no complete response) and keeps extra bytes in *rest.
struct Reader {
  std::string buf;
  // 0: incomplete; otherwise the status of the complete response at the start of buf.
  int Complete(size_t* length) const {
    size_t end = buf.find("\r\n\r\n");
    if (end == std::string::npos || buf.compare(0, 5, "HTTP/") != 0) return 0;
    size_t cl = 0;
    std::string head = buf.substr(0, end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t p = head.find("\r\ncontent-length:");
    if (p != std::string::npos) cl = std::strtoul(head.c_str() + p + 17, nullptr, 10);
    if (buf.size() < end + 4 + cl) return 0;
    *length = end + 4 + cl;
    return std::atoi(buf.c_str() + 9);
  }
};

int ReadResponse(int fd, Clock::time_point deadline, std::string* body = nullptr) {
  Reader r;
  while (true) {
    size_t len = 0;
    if (int status = r.Complete(&len)) {
      if (body) *body = r.buf.substr(r.buf.find("\r\n\r\n") + 4, len);
      return status;
    }
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) return 0;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char tmp[16384];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return 0;
    r.buf.append(tmp, static_cast<size_t>(n));
  }
}

// Whether the server closes `fd` (EOF or reset) before the deadline; bytes before that are
// appended to *got.
bool ClosedBy(int fd, Clock::time_point deadline, std::string* got = nullptr) {
  while (true) {
    int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) continue;
    char tmp[4096];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return true;
    if (got) got->append(tmp, static_cast<size_t>(n));
  }
}

constexpr char kFreshRequest[] =
    "GET /v3/certificates HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n";

// A fresh connection, one request (unsigned: the sandbox answers a signed 401), the time until
// the whole answer is in.
struct Timed {
  int status = 0;
  double seconds = 0;
};
Timed FreshRequest(int port, std::chrono::milliseconds timeout) {
  auto t0 = Clock::now();
  Timed t;
  int fd = Connect(port);
  if (fd >= 0 && SendAll(fd, kFreshRequest)) t.status = ReadResponse(fd, t0 + timeout);
  t.seconds = SecondsSince(t0);
  if (fd >= 0) ::close(fd);
  return t;
}

// Connections that send a request one byte per connection per tick, never finishing it: the
// request line, then header lines of 20 bytes each, for ever.
class Trickler {
 public:
  Trickler(int port, size_t count, std::chrono::milliseconds tick) : tick_(tick) {
    for (size_t i = 0; i < count; ++i) {
      int fd = Connect(port);
      if (fd < 0) break;
      ::fcntl(fd, F_SETFL, O_NONBLOCK);
      socks_.Add(fd);
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~Trickler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  size_t size() const { return socks_.size(); }
  const std::vector<int>& fds() const { return socks_.fds(); }
  size_t bytes_sent() const { return sent_; }

  static char ByteAt(size_t i) {
    static const std::string head = "GET /v3/certificates HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (i < head.size()) return head[i];
    size_t j = (i - head.size()) % 20;
    static const std::string line = "X-Slow: aaaaaaaaa\r\n";  // 19 bytes + 'b'
    return j < line.size() ? line[j] : 'b';
  }

 private:
  void Run() {
    size_t i = 0;
    while (!stop_) {
      char c = ByteAt(i++);
      for (int fd : socks_.fds()) {
        if (::send(fd, &c, 1, MSG_NOSIGNAL) == 1) ++sent_;
      }
      auto until = Clock::now() + tick_;
      while (!stop_ && Clock::now() < until) std::this_thread::sleep_for(tick_ / 10);
    }
  }

  std::chrono::milliseconds tick_;
  Sockets socks_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

TEST(SandboxSlowClientsTest, IdleAndSlowConnectionsDoNotDelayAFreshRequest) {
  constexpr size_t kIdle = 500, kSlow = 50;
  // Both ends of every connection live in this process.
  if (RaiseFdLimit(2 * (kIdle + kSlow) + 400) < 2 * (kIdle + kSlow) + 200) {
    GTEST_SKIP() << "the open-file limit is too low for " << kIdle + kSlow << " connections";
  }
  auto sb = Sandbox::Start(TestOptions());
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  Sockets idle;
  for (size_t i = 0; i < kIdle; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0) << "connection " << i;
    idle.Add(fd);
  }
  Trickler slow(port, kSlow, std::chrono::milliseconds(200));
  ASSERT_EQ(slow.size(), kSlow);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // Fresh requests while all of them are held, spread over two seconds.
  double worst = 0;
  for (int i = 0; i < 5; ++i) {
    Timed t = FreshRequest(port, std::chrono::seconds(3));
    EXPECT_EQ(t.status, 401) << "request " << i << " after " << t.seconds << " s";
    EXPECT_LT(t.seconds, 1.0) << "request " << i;
    worst = std::max(worst, t.seconds);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // A signed call too: an order is created.
  V3Client c(**sb);
  auto t0 = Clock::now();
  nlohmann::json order = {{"appid", c.merchant().appid},
                          {"mchid", c.merchant().mchid},
                          {"description", "while slow clients wait"},
                          {"out_trade_no", "SLOWCLIENTS1"},
                          {"notify_url", "http://127.0.0.1:9/notify"},
                          {"amount", {{"total", 1}}}};
  auto res = c.Send("POST", "/v3/pay/transactions/native", order.dump());
  double signed_seconds = SecondsSince(t0);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(signed_seconds, 1.0);
  std::printf(
      "fresh request with %zu idle and %zu slow connections held: worst %.3f s, signed "
      "order %.3f s\n",
      kIdle, kSlow, worst, signed_seconds);
  RecordProperty("worst_ms", static_cast<int>(worst * 1000));

  // Stopping does not wait for the clients either.
  slow.Stop();
  auto s0 = Clock::now();
  (*sb)->Stop();
  EXPECT_LT(SecondsSince(s0), 3.0);
}

TEST(SandboxSlowClientsTest, FiveHundredSimultaneousClientsAreAllAnswered) {
  constexpr size_t kClients = 500;
  if (RaiseFdLimit(2 * kClients + 300) < 2 * kClients + 100) {
    GTEST_SKIP() << "the open-file limit is too low for " << kClients << " connections";
  }
  auto sb = Sandbox::Start(TestOptions());
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  Sockets socks;
  for (size_t i = 0; i < kClients; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0) << "connection " << i;
    socks.Add(fd);
  }
  // Two rounds on the same connections: the second shows they are kept alive.
  for (int round = 0; round < 2; ++round) {
    auto t0 = Clock::now();
    for (int fd : socks.fds()) ASSERT_TRUE(SendAll(fd, kFreshRequest));
    std::vector<Reader> readers(kClients);
    std::vector<bool> done(kClients, false);
    size_t answered = 0;
    auto deadline = t0 + std::chrono::seconds(20);
    while (answered < kClients && Clock::now() < deadline) {
      std::vector<pollfd> pfds;
      std::vector<size_t> index;
      for (size_t i = 0; i < kClients; ++i) {
        if (done[i]) continue;
        pfds.push_back({socks.fds()[i], POLLIN, 0});
        index.push_back(i);
      }
      if (::poll(pfds.data(), pfds.size(), 100) <= 0) continue;
      for (size_t k = 0; k < pfds.size(); ++k) {
        if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        size_t i = index[k];
        char tmp[16384];
        ssize_t n = ::recv(pfds[k].fd, tmp, sizeof tmp, 0);
        if (n <= 0) {
          done[i] = true;  // closed without an answer: stays unanswered
          continue;
        }
        readers[i].buf.append(tmp, static_cast<size_t>(n));
        size_t len = 0;
        if (readers[i].Complete(&len) == 401) {
          done[i] = true;
          ++answered;
        }
      }
    }
    double seconds = SecondsSince(t0);
    std::printf("round %d: %zu of %zu simultaneous clients answered in %.3f s\n", round + 1,
                answered, kClients, seconds);
    EXPECT_EQ(answered, kClients) << "round " << round + 1;
    EXPECT_LT(seconds, 15.0);
  }
}

SandboxOptions ShortTimeouts() {
  SandboxOptions o = TestOptions();
  o.request_timeout_ms = 800;
  o.idle_timeout_ms = 400;
  return o;
}

TEST(SandboxSlowClientsTest, ASlowRequestIsCutOffAtTheRequestDeadline) {
  auto sb = Sandbox::Start(ShortTimeouts());
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  // Bytes keep coming every 100 ms: a per-read timeout would never fire; the deadline does.
  auto t0 = Clock::now();
  Trickler slow(port, 1, std::chrono::milliseconds(100));
  ASSERT_EQ(slow.size(), 1u);
  std::string body;
  int status = ReadResponse(slow.fds()[0], t0 + std::chrono::seconds(5), &body);
  double seconds = SecondsSince(t0);
  EXPECT_EQ(status, 408);
  EXPECT_GE(seconds, 0.7);
  EXPECT_LT(seconds, 2.5);
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_EQ(j.value("code", ""), "REQUEST_TIMEOUT");
  EXPECT_EQ(j.value("message", ""),
            "wxpay sandbox: the request was not received in full within 800 ms of its first "
            "byte (the sandbox's --request-timeout)");
  EXPECT_TRUE(ClosedBy(slow.fds()[0], Clock::now() + std::chrono::seconds(3)));
  slow.Stop();

  // A body that stops half-way is cut off the same way.
  int fd = Connect(port);
  ASSERT_GE(fd, 0);
  t0 = Clock::now();
  ASSERT_TRUE(SendAll(fd,
                      "POST /v3/pay/transactions/native HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"appid\":"));
  EXPECT_EQ(ReadResponse(fd, t0 + std::chrono::seconds(5)), 408);
  EXPECT_LT(SecondsSince(t0), 2.5);
  ::close(fd);
}

TEST(SandboxSlowClientsTest, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  auto sb = Sandbox::Start(ShortTimeouts());
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  // Never a byte: closed without an answer.
  int fd = Connect(port);
  ASSERT_GE(fd, 0);
  auto t0 = Clock::now();
  std::string got;
  EXPECT_TRUE(ClosedBy(fd, t0 + std::chrono::seconds(5), &got));
  EXPECT_EQ(got, "");
  EXPECT_GE(SecondsSince(t0), 0.3);
  EXPECT_LT(SecondsSince(t0), 2.0);
  ::close(fd);
  // Kept alive after an answer: reused within the timeout, closed after it.
  fd = Connect(port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, kFreshRequest));
  EXPECT_EQ(ReadResponse(fd, Clock::now() + std::chrono::seconds(3)), 401);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(SendAll(fd, kFreshRequest));
  EXPECT_EQ(ReadResponse(fd, Clock::now() + std::chrono::seconds(3)), 401);
  t0 = Clock::now();
  EXPECT_TRUE(ClosedBy(fd, t0 + std::chrono::seconds(5)));
  EXPECT_LT(SecondsSince(t0), 2.0);
  ::close(fd);
}

TEST(SandboxSlowClientsTest, OverTheConnectionLimitA503ComesAtOnce) {
  SandboxOptions o = TestOptions();
  o.max_connections = 20;
  auto sb = Sandbox::Start(o);
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  Sockets idle;
  for (int i = 0; i < 20; ++i) idle.Add(Connect(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int fd = Connect(port);
  ASSERT_GE(fd, 0);
  auto t0 = Clock::now();
  std::string body;
  EXPECT_EQ(ReadResponse(fd, t0 + std::chrono::seconds(3), &body), 503);
  EXPECT_LT(SecondsSince(t0), 1.0);
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_EQ(j.value("code", ""), "SERVER_BUSY");
  EXPECT_EQ(j.value("message", ""),
            "wxpay sandbox: already 20 connections open (the limit, --max-connections); close "
            "idle connections or raise the limit");
  EXPECT_TRUE(ClosedBy(fd, Clock::now() + std::chrono::seconds(3)));
  ::close(fd);
  // Room again once connections close.
  idle.CloseAll();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Timed t = FreshRequest(port, std::chrono::seconds(3));
  EXPECT_EQ(t.status, 401);
}

TEST(SandboxSlowClientsTest, DelayedAnswersDoNotHoldTheWorkers) {
  SandboxOptions o = TestOptions();
  o.worker_threads = 1;
  auto sb = Sandbox::Start(o);
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  Fault f;
  f.kind = Fault::Kind::kLatency;
  f.latency_ms = 1500;
  f.count = 4;
  f.path_prefix = "/v3/pay/";
  (*sb)->InjectFault(f);
  Sockets delayed;
  auto t0 = Clock::now();
  for (int i = 0; i < 4; ++i) {
    int fd = Connect(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd,
                        "GET /v3/pay/transactions/id/4200000001?mchid=1 HTTP/1.1\r\n"
                        "Host: 127.0.0.1\r\n\r\n"));
    delayed.Add(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Timed t = FreshRequest(port, std::chrono::seconds(3));
  EXPECT_EQ(t.status, 401);
  EXPECT_LT(t.seconds, 0.5);
  for (int fd : delayed.fds()) {
    EXPECT_NE(ReadResponse(fd, t0 + std::chrono::seconds(5)), 0);
    EXPECT_GE(SecondsSince(t0), 1.4);
  }
  EXPECT_LT(SecondsSince(t0), 3.0);  // together, not one after the other
}

TEST(SandboxSlowClientsTest, IdleTlsConnectionsDoNotDelayAFreshOne) {
  if (RaiseFdLimit(1000) < 700) GTEST_SKIP() << "the open-file limit is too low";
  SandboxOptions o = ShortTimeouts();
  o.tls.enabled = true;
  auto sb = Sandbox::Start(o);
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  const int port = (*sb)->port();
  // TCP connections that never start the handshake, and one that sends half a ClientHello.
  Sockets idle;
  for (int i = 0; i < 200; ++i) idle.Add(Connect(port));
  int half = Connect(port);
  ASSERT_GE(half, 0);
  ASSERT_TRUE(SendAll(half, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  httplib::SSLClient cli("127.0.0.1", port);
  cli.set_ca_cert_path((*sb)->tls_server_cert_path().c_str());
  cli.enable_server_certificate_verification(true);
  cli.set_connection_timeout(3, 0);
  cli.set_read_timeout(3, 0);
  auto t0 = Clock::now();
  auto res = cli.Get("/v3/certificates");
  double seconds = SecondsSince(t0);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 401);
  EXPECT_LT(seconds, 1.0);
  // The unfinished handshake is given up at the request deadline.
  t0 = Clock::now();
  EXPECT_TRUE(ClosedBy(half, t0 + std::chrono::seconds(5)));
  EXPECT_LT(SecondsSince(t0), 2.5);
  ::close(half);
}

// ---- HTTP/1.1 framing of the front end -------------------------------------------------------

class SandboxHttpFramingTest : public SandboxTest {};

TEST_F(SandboxHttpFramingTest, PipelinedRequestsAreAnsweredInOrder) {
  int fd = Connect(sandbox_->port());
  ASSERT_GE(fd, 0);
  std::string two = std::string(kFreshRequest) +
                    "GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(SendAll(fd, two));
  Reader r;
  auto deadline = Clock::now() + std::chrono::seconds(5);
  std::vector<int> statuses;
  while (statuses.size() < 2 && Clock::now() < deadline) {
    size_t len = 0;
    if (int st = r.Complete(&len)) {
      statuses.push_back(st);
      r.buf.erase(0, len);
      continue;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char tmp[8192];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    r.buf.append(tmp, static_cast<size_t>(n));
  }
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0], 401);
  EXPECT_EQ(statuses[1], 404);
  EXPECT_TRUE(ClosedBy(fd, Clock::now() + std::chrono::seconds(3)));  // Connection: close
  ::close(fd);
}

// A signed order create whose body is sent as `framing` says.
std::string SignedOrder(const V3Client& c, const std::string& no, std::string* body) {
  nlohmann::json order = {{"appid", c.merchant().appid},
                          {"mchid", c.merchant().mchid},
                          {"description", "framing"},
                          {"out_trade_no", no},
                          {"notify_url", "http://127.0.0.1:9/notify"},
                          {"amount", {{"total", 5}}}};
  *body = order.dump();
  auto auth = c.signer().Authorization("POST", "/v3/pay/transactions/native", *body);
  return "POST /v3/pay/transactions/native HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Content-Type: application/json\r\nAccept: application/json\r\nAuthorization: " +
         (auth.ok() ? *auth : std::string()) + "\r\n";
}

TEST_F(SandboxHttpFramingTest, ChunkedBodyAndExpectContinue) {
  std::string body;
  std::string head = SignedOrder(*client_, "FRAMING-CHUNKED", &body);
  int fd = Connect(sandbox_->port());
  ASSERT_GE(fd, 0);
  std::string req = head + "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t i = 0; i < body.size(); i += 7) {
    std::string part = body.substr(i, 7);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", part.size());
    req += std::string(hex) + ";ext=1\r\n" + part + "\r\n";
  }
  req += "0\r\nX-Trailer: ignored\r\n\r\n";
  ASSERT_TRUE(SendAll(fd, req));
  EXPECT_EQ(ReadResponse(fd, Clock::now() + std::chrono::seconds(5)), 200);
  ::close(fd);

  head = SignedOrder(*client_, "FRAMING-EXPECT", &body);
  fd = Connect(sandbox_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, head + "Expect: 100-continue\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n"));
  char buf[64] = {};
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 3000), 1);
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, body));
  EXPECT_EQ(ReadResponse(fd, Clock::now() + std::chrono::seconds(5)), 200);
  ::close(fd);
}

TEST_F(SandboxHttpFramingTest, MalformedRequestsGetAClearAnswer) {
  struct Case {
    std::string request;
    int status;
    std::string message;
  };
  std::vector<Case> cases = {
      {"GET /v3/certificates\r\n\r\n", 400,
       "malformed HTTP request: the request line is not METHOD TARGET HTTP/1.1"},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/2.0 is not supported; use HTTP/1.1"},
      {"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n", 400,
       "malformed HTTP request: a header line has no name"},
      {"GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400,
       "malformed HTTP request: folded header lines are not allowed"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
       "malformed HTTP request: two different Content-Length headers"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "malformed HTTP request: both Content-Length and Transfer-Encoding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
       "Transfer-Encoding \"gzip\" is not supported (only chunked)"},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413,
       "the body of 99999999999 bytes is over the limit of 8388608 bytes"},
      {"GET / HTTP/1.1\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n", 431,
       "the request line and headers are over the limit of 65536 bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.request.substr(0, 60));
    int fd = Connect(sandbox_->port());
    ASSERT_GE(fd, 0);
    SendAll(fd, c.request);
    std::string body;
    EXPECT_EQ(ReadResponse(fd, Clock::now() + std::chrono::seconds(5), &body), c.status);
    auto j = nlohmann::json::parse(body, nullptr, false);
    EXPECT_EQ(j.value("message", ""), "wxpay sandbox: " + c.message);
    EXPECT_TRUE(ClosedBy(fd, Clock::now() + std::chrono::seconds(3)));
    ::close(fd);
  }
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
