// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Load tool (`make bench`): signed + verified requests per second against a minimal HTTP server
// on 127.0.0.1, sequential (one blocking caller) and with 32 asynchronous calls in flight, with
// latency percentiles, CPU per request, peak memory and memory per 1,000 calls in flight; the
// same workloads with the SDK's RSA signing and verification switched off in the harness (what
// the SDK costs besides RSA); and the RSA-2048 sign and verify rates of this machine, measured in
// the same run. Prints one table.
//
// The server is a separate process (forked before any thread starts), single-threaded, epoll:
// it answers every query with one canned response that was signed once at start (fixed
// timestamp; the client's clock is pinned to it, so it is inside the skew window), so it spends
// no RSA per request and its CPU is accounted apart from the client's. The client verifies
// that signature on every response as in production. `wxpay sandbox` would sign every answer
// (one RSA-2048 signature per request on the same two cores) and be the bottleneck.
//
// Usage: bench_load [--seconds S (default 2)] [--repeats N (default 3)]
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/client_impl.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::SignResponse;

// GCC pairs the malloc inside the replaced operator new with the free inside operator delete and
// warns about a mismatch that is by design here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// C++ heap allocations in this process (the SDK is linked statically: its allocations count;
// libcurl's and OpenSSL's malloc calls do not).
std::atomic<uint64_t> g_allocations{0};

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

using namespace wechatpay;  // NOLINT(google-build-using-namespace)
using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kNow = 1800000000;
constexpr const char* kMchid = "1900000109";
constexpr const char* kOutTradeNo = "1217752501201407033233368018";
constexpr int kInFlight = 32;

// Signs nothing and accepts every answer: what a call costs besides its cryptography, for the
// "-off" scenarios.
class NoCryptoAuthenticator final : public internal::CallAuthenticator {
 public:
  Result<std::string> Authorization(std::string_view, std::string_view,
                                    std::string_view) const override {
    return std::string();
  }
  Status Verify(const HttpResponse&) const override { return {}; }
};

// Swaps a client's authentication steps for the calls started afterwards: its own (on) or
// NoCryptoAuthenticator (off). Between scenarios only, while no call is being started.
class CryptoSwitch {
 public:
  explicit CryptoSwitch(const Client& client)
      : client_(client), own_(internal::ClientAccess::Impl(client).authenticator()) {}
  void Set(bool on) const {
    internal::ClientAccess::ReplaceAuthenticator(client_, on ? own_ : none_);
  }

 private:
  const Client& client_;
  std::shared_ptr<const internal::CallAuthenticator> own_;
  std::shared_ptr<const internal::CallAuthenticator> none_ =
      std::make_shared<NoCryptoAuthenticator>();
};
constexpr int kHeld = 1000;

std::string Read(const std::string& name) {
  std::ifstream in(std::string(WECHATPAY_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- process figures ----

long StatusKb(const char* field) {  // NOLINT(google-runtime-int)
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::stol(line.substr(n + 1));
    }
  }
  return 0;
}
long RssKb() { return StatusKb("VmRSS"); }   // NOLINT(google-runtime-int)
long PeakKb() { return StatusKb("VmHWM"); }  // NOLINT(google-runtime-int)
// Restarts the peak-RSS counter (VmHWM) so each phase reports its own peak.
void ResetPeak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

double CpuUs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Voluntary + involuntary context switches of every thread of this process so far.
double ContextSwitches() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_nvcsw + ru.ru_nivcsw);
}

// CPU time (us) of this process's threads, summed by thread name: the SDK names its threads
// wxpay-worker, wxpay-timer and wxpay-curl-io.
std::map<std::string, double> ThreadCpuUs() {
  std::map<std::string, double> out;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string base = std::string("/proc/self/task/") + e->d_name;
    std::ifstream comm(base + "/comm");
    std::ifstream sched(base + "/schedstat");
    std::string name;
    double ns = 0;
    if (std::getline(comm, name) && (sched >> ns)) out[name] += ns / 1e3;
  }
  closedir(dir);
  return out;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// ---- the server process ----

struct ServerCounters {  // in shared memory
  std::atomic<uint64_t> served{0};
  std::atomic<uint64_t> held{0};      // requests to /v3/bench/hold received and left unanswered
  std::atomic<uint64_t> accepted{0};  // connections
};

size_t ContentLength(std::string_view head) {
  // Header names are case-insensitive; curl sends "Content-Length".
  for (size_t p = head.find("\r\n"); p != std::string_view::npos; p = head.find("\r\n", p + 2)) {
    std::string_view line = head.substr(p + 2, head.find("\r\n", p + 2) - (p + 2));
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      return static_cast<size_t>(std::strtoull(std::string(line.substr(15)).c_str(), nullptr, 10));
    }
  }
  return 0;
}

// One thread, level-triggered epoll, keep-alive HTTP/1.1. Answers every request with `response`,
// except requests for /v3/bench/hold, which it never answers (the connection stays open).
[[noreturn]] void RunServer(int listen_fd, const std::string& response, ServerCounters* counters) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  struct Conn {
    std::string in;
    std::string out;
    bool held = false;
    bool want_out = false;
  };
  std::unordered_map<int, Conn> conns;
  epoll_event events[256];
  char buf[16384];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_fd) {
        int c;
        while ((c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          counters->accepted.fetch_add(1, std::memory_order_relaxed);
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      Conn& c = conns[fd];
      bool closed = false;
      if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        ssize_t r;
        while ((r = read(fd, buf, sizeof(buf))) > 0) c.in.append(buf, static_cast<size_t>(r));
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
        size_t end;
        while ((end = c.in.find("\r\n\r\n")) != std::string::npos) {
          std::string_view head(c.in.data(), end);
          size_t total = end + 4 + ContentLength(head);
          if (c.in.size() < total) break;
          bool hold = head.find(" /v3/bench/hold") != std::string_view::npos &&
                      head.find(" /v3/bench/hold") < head.find("\r\n");
          c.in.erase(0, total);
          if (hold) {
            if (!c.held) counters->held.fetch_add(1);
            c.held = true;
            continue;
          }
          c.out += response;
          counters->served.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (!closed && !c.out.empty()) {
        ssize_t w = write(fd, c.out.data(), c.out.size());
        if (w > 0) c.out.erase(0, static_cast<size_t>(w));
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) closed = true;
      }
      if (closed) {
        if (c.held) counters->held.fetch_sub(1);
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
        continue;
      }
      bool want_out = !c.out.empty();
      if (want_out != c.want_out) {
        epoll_event mev{};
        mev.events = want_out ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
        mev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mev);
        c.want_out = want_out;
      }
    }
  }
}

struct ServerProcess {
  pid_t pid = -1;
  int port = 0;
  ServerCounters* counters = nullptr;
  clockid_t cpu_clock{};
};

// Forks the server. Call before any thread exists (the child only uses system calls and the
// standard library on memory it owns).
ServerProcess StartServer(const std::string& response) {
  ServerProcess s;
  void* shm = mmap(nullptr, sizeof(ServerCounters), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  s.counters = new (shm) ServerCounters();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 4096) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("server socket");
    std::exit(1);
  }
  s.port = ntohs(addr.sin_port);
  s.pid = fork();
  if (s.pid < 0) {
    std::perror("fork");
    std::exit(1);
  }
  if (s.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    RunServer(fd, response, s.counters);
  }
  close(fd);
  if (clock_getcpuclockid(s.pid, &s.cpu_clock) != 0) {
    std::fprintf(stderr, "cannot read the server's CPU clock\n");
    std::exit(1);
  }
  return s;
}

// ---- measurements ----

struct Stats {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
  double client_cpu_us = 0;  // per request
  double server_cpu_us = 0;  // per request
  double worker_cpu_us = 0;  // per request: the SDK's worker threads
  double io_cpu_us = 0;      // per request: the curl I/O thread
  double switches = 0;       // client context switches per request (thread hand-offs, waits)
  uint64_t connections = 0;  // connections the server accepted during the phase
  double allocations = 0;    // client C++ heap allocations per request (operator new)
  long peak_kb = 0;          // NOLINT(google-runtime-int): peak RSS during the phase
  size_t errors = 0;
  std::string first_error;
};

struct Meter {  // CPU and peak memory over one phase
  const ServerProcess& server;
  double client0 = 0;
  double server0 = 0;
  double switches0 = 0;
  double allocations0 = 0;
  std::map<std::string, double> threads0;
  uint64_t accepted0 = 0;
  explicit Meter(const ServerProcess& s) : server(s) {
    accepted0 = s.counters->accepted.load();
    ResetPeak();
    threads0 = ThreadCpuUs();
    client0 = CpuUs(CLOCK_PROCESS_CPUTIME_ID);
    server0 = CpuUs(s.cpu_clock);
    switches0 = ContextSwitches();
    allocations0 = static_cast<double>(g_allocations.load(std::memory_order_relaxed));
  }
  void Finish(Stats& st, std::vector<double>& lat_us, double seconds) const {
    double client = CpuUs(CLOCK_PROCESS_CPUTIME_ID) - client0;
    double srv = CpuUs(server.cpu_clock) - server0;
    double switches = ContextSwitches() - switches0;
    double allocations =
        static_cast<double>(g_allocations.load(std::memory_order_relaxed)) - allocations0;
    std::map<std::string, double> threads = ThreadCpuUs();
    auto delta = [&](const char* name) {
      auto before = threads0.find(name);
      return threads[name] - (before == threads0.end() ? 0.0 : before->second);
    };
    double workers = delta("wxpay-worker");
    double io = delta("wxpay-curl-io");
    st.peak_kb = PeakKb();
    st.connections = server.counters->accepted.load() - accepted0;
    if (lat_us.empty()) return;
    std::sort(lat_us.begin(), lat_us.end());
    auto n = static_cast<double>(lat_us.size());
    st.rps = n / seconds;
    st.p50_us = lat_us[lat_us.size() / 2];
    st.p99_us = lat_us[std::min(lat_us.size() - 1, lat_us.size() * 99 / 100)];
    st.client_cpu_us = client / n;
    st.server_cpu_us = srv / n;
    st.worker_cpu_us = workers / n;
    st.io_cpu_us = io / n;
    st.switches = switches / n;
    st.allocations = allocations / n;
  }
};

CallOptions QueryOptions() {
  CallOptions o;
  o.path = {{"out_trade_no", kOutTradeNo}};
  o.query = {{"mchid", kMchid}};
  return o;
}

// One caller, blocking calls.
Stats Sequential(const Client& client, const ServerProcess& server, double seconds) {
  Stats st;
  std::vector<double> lat;
  lat.reserve(100000);
  auto chain = client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}");
  Meter meter(server);
  auto start = SteadyClock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (SteadyClock::now() < end) {
    auto t0 = SteadyClock::now();
    auto r = chain.get(QueryOptions());
    auto t1 = SteadyClock::now();
    if (!r) {
      if (st.errors++ == 0) st.first_error = r.error().message;
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  meter.Finish(st, lat, std::chrono::duration<double>(SteadyClock::now() - start).count());
  return st;
}

// `concurrency` asynchronous calls kept in flight: each completion starts the next call.
Stats InFlight(const Client& client, const ServerProcess& server, double seconds, int concurrency) {
  Stats st;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> lat;
  lat.reserve(200000);
  int outstanding = concurrency;
  auto chain = client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}");
  Meter meter(server);
  auto start = SteadyClock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  std::function<void()> launch = [&] {
    auto t0 = SteadyClock::now();
    chain.getAsync(QueryOptions()).then([&, t0](Result<Response>& r) {
      auto t1 = SteadyClock::now();
      bool again;
      {
        std::lock_guard lock(mu);
        if (r) {
          lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        } else if (st.errors++ == 0) {
          st.first_error = r.error().message;
        }
        again = t1 < end;
        // Notified under the lock: once `outstanding` is 0 the waiter may return and destroy
        // `cv` as soon as it can take the lock.
        if (!again && --outstanding == 0) cv.notify_all();
      }
      if (again) launch();
    });
  };
  for (int i = 0; i < concurrency; ++i) launch();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
  }
  meter.Finish(st, lat, std::chrono::duration<double>(SteadyClock::now() - start).count());
  return st;
}

// The floor: the same GET through the SDK's curl transport alone (no signing, validation,
// verification or pipeline).
Stats TransportOnly(int port, const ServerProcess& server, double seconds) {
  Stats st;
  auto transport = MakeCurlTransport();
  HttpRequest req;
  req.method = "GET";
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/v3/pay/transactions/out-trade-no/" +
            kOutTradeNo + "?mchid=" + kMchid;
  std::vector<double> lat;
  lat.reserve(200000);
  Meter meter(server);
  auto start = SteadyClock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (SteadyClock::now() < end) {
    auto t0 = SteadyClock::now();
    auto r = transport->Send(req);
    auto t1 = SteadyClock::now();
    if (!r || r->status != 200) {
      if (st.errors++ == 0)
        st.first_error = r ? "HTTP " + std::to_string(r->status) : r.error().message;
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  meter.Finish(st, lat, std::chrono::duration<double>(SteadyClock::now() - start).count());
  return st;
}

struct CryptoRates {
  double sign_1 = 0;       // signatures/s, one thread
  double sign_cpu_us = 0;  // CPU per signature, one thread
  double sign_2 = 0;       // signatures/s, two threads together
  double verify_1 = 0;     // verifications/s, one thread
};

CryptoRates MeasureRsa(const PrivateKey& key, const PublicKey& pub, double seconds) {
  CryptoRates out;
  std::string msg = RequestSigningMessage(
      "GET", std::string("/v3/pay/transactions/out-trade-no/") + kOutTradeNo + "?mchid=" + kMchid,
      "1800000000", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", "");
  auto sign_for = [&](double secs, size_t& count) {
    auto end = SteadyClock::now() + std::chrono::duration<double>(secs);
    while (SteadyClock::now() < end) {
      auto s = crypto::RsaSha256Sign(key, msg);
      if (!s) std::abort();
      ++count;
    }
  };
  {
    size_t n = 0;
    double c0 = CpuUs(CLOCK_THREAD_CPUTIME_ID);
    auto t0 = SteadyClock::now();
    sign_for(seconds, n);
    double wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    out.sign_1 = static_cast<double>(n) / wall;
    out.sign_cpu_us = (CpuUs(CLOCK_THREAD_CPUTIME_ID) - c0) / static_cast<double>(n);
  }
  {
    size_t n1 = 0;
    size_t n2 = 0;
    auto t0 = SteadyClock::now();
    std::thread a([&] { sign_for(seconds, n1); });
    std::thread b([&] { sign_for(seconds, n2); });
    a.join();
    b.join();
    double wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    out.sign_2 = static_cast<double>(n1 + n2) / wall;
  }
  {
    std::string sig = *crypto::RsaSha256Sign(key, msg);
    size_t n = 0;
    auto t0 = SteadyClock::now();
    auto end = t0 + std::chrono::duration<double>(seconds / 2);
    while (SteadyClock::now() < end) {
      if (!crypto::RsaSha256Verify(pub, msg, sig)) std::abort();
      ++n;
    }
    out.verify_1 =
        static_cast<double>(n) / std::chrono::duration<double>(SteadyClock::now() - t0).count();
  }
  return out;
}

// An HttpTransport that counts the requests handed to it (to know when every held call has
// been signed and passed to the I/O thread).
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override { return inner_->Send(request); }
  Cancel SendAsync(HttpRequest request, Callback done) override {
    sent.fetch_add(1);
    return inner_->SendAsync(std::move(request), std::move(done));
  }
  std::atomic<size_t> sent{0};

 private:
  std::shared_ptr<HttpTransport> inner_;
};

ClientOptions BaseOptions(int port, const Certificate& platform_cert) {
  ClientOptions o;
  o.mchid = kMchid;
  o.merchant_serial = "78307CEF64B341AD825F46CEBD2B8D6B6BA69A56";
  o.private_key = *PrivateKey::FromPem(Read("merchant_key.pem"));
  o.platform_certificates = {platform_cert};
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/";
  o.clock = [] { return kNow; };
  return o;
}

// RSS growth with kHeld calls in flight that the server never answers; `connections`: the
// transport's max_connections_per_host (32: most calls wait inside curl for a connection;
// kHeld: every call holds its own connection). Returns KiB for the kHeld calls, or -1.
long HeldCallsKb(int port, const Certificate& platform_cert, const ServerProcess& server,
                 size_t connections, bool skip_crypto) {  // NOLINT(google-runtime-int)
  CurlTransportOptions t;
  t.max_connections_per_host = connections;
  auto counting = std::make_shared<CountingTransport>(MakeCurlTransport(t));
  ClientOptions o = BaseOptions(port, platform_cert);
  o.transport = counting;
  o.timeout = std::chrono::milliseconds(60000);
  Client client = *Client::Create(std::move(o));
  CryptoSwitch(client).Set(!skip_crypto);
  auto chain = client.chain("v3/bench/hold");
  // Warm up: the transport's I/O thread, one connection, the allocator's arenas.
  {
    auto f = chain.getAsync();
    while (server.counters->held.load() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    f.cancel();
    f.wait();
    while (server.counters->held.load() != 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    counting->sent = 0;
  }
  malloc_trim(0);
  long before = RssKb();  // NOLINT(google-runtime-int)
  std::vector<Future<Response>> held;
  held.reserve(kHeld);
  for (int i = 0; i < kHeld; ++i) held.push_back(chain.getAsync());
  auto give_up = SteadyClock::now() + std::chrono::seconds(30);
  size_t want_on_wire = std::min<size_t>(connections, kHeld);
  while ((counting->sent.load() < static_cast<size_t>(kHeld) ||
          server.counters->held.load() < want_on_wire) &&
         SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  bool all_in_flight = counting->sent.load() == static_cast<size_t>(kHeld) &&
                       server.counters->held.load() >= want_on_wire;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  long during = RssKb();  // NOLINT(google-runtime-int)
  for (auto& f : held) f.cancel();
  for (auto& f : held) f.wait();
  held.clear();
  // Let the I/O thread close the connections before the next phase.
  give_up = SteadyClock::now() + std::chrono::seconds(10);
  while (server.counters->held.load() != 0 && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return all_in_flight ? during - before : -1;
}

// ---- report ----

struct Runs {
  std::vector<Stats> runs;
  // The run with the median req/s (its latencies and CPU figures go with it).
  const Stats& Median() const {
    std::vector<const Stats*> v;
    for (const auto& s : runs) v.push_back(&s);
    std::sort(v.begin(), v.end(), [](const Stats* a, const Stats* b) { return a->rps < b->rps; });
    return *v[v.size() / 2];
  }
  double Min() const {
    double m = runs.front().rps;
    for (const auto& s : runs) m = std::min(m, s.rps);
    return m;
  }
  double Max() const {
    double m = runs.front().rps;
    for (const auto& s : runs) m = std::max(m, s.rps);
    return m;
  }
  size_t Errors() const {
    size_t e = 0;
    for (const auto& s : runs) e += s.errors;
    return e;
  }
  std::string FirstError() const {
    for (const auto& s : runs) {
      if (!s.first_error.empty()) return s.first_error;
    }
    return {};
  }
};

std::string Num(double v) {                  // 12345.6 -> "12,346"
  auto n = static_cast<long long>(v + 0.5);  // NOLINT(google-runtime-int)
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string RateCell(const Runs& r) {
  if (r.runs.size() == 1) return Num(r.Median().rps);
  return Num(r.Median().rps) + " [" + Num(r.Min()) + "-" + Num(r.Max()) + "]";
}

void Line(const char* what, const std::string& a, const std::string& b, const char* goal = "") {
  std::printf("  %-34s %-26s %-26s %s\n", what, a.c_str(), b.c_str(), goal);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  int repeats = 3;
  std::string only;
  size_t held_connections = 0;  // --held: measure memory of kHeld held calls, print KiB, exit
  bool held_no_rsa = false;
  size_t connections = kInFlight;  // the client transport's max_connections_per_host
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (a == "--repeats" && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--held" && i + 1 < argc) {
      held_connections = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--connections" && i + 1 < argc) {
      connections = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--no-rsa") {
      held_no_rsa = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_load [--seconds S] [--repeats N] [--connections N]\n"
                   "       bench_load --only transport|seq|inflight|seq-off|inflight-off "
                   "[--seconds S]   (one scenario, for profilers)\n"
                   "       bench_load --held CONNECTIONS [--no-rsa]   (KiB of 1,000 held calls)\n");
      return 2;
    }
  }
  struct rlimit fds {};
  getrlimit(RLIMIT_NOFILE, &fds);
  fds.rlim_cur = fds.rlim_max;
  setrlimit(RLIMIT_NOFILE, &fds);

  auto platform_key = *PrivateKey::FromPem(Read("platform_key.pem"));
  auto platform_cert = *Certificate::FromPem(Read("platform_cert.pem"));

  // The canned answer: a transaction as the query returns it, signed once.
  std::string body =
      R"({"appid":"wxd678efh567hg6787","mchid":"1900000109","out_trade_no":")" +
      std::string(kOutTradeNo) +
      R"(","transaction_id":"1217752501201407033233368018","trade_type":"NATIVE",)"
      R"("trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC",)"
      R"("attach":"","success_time":"2027-01-15T10:34:56+08:00",)"
      R"("payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},)"
      R"("amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}})";
  Headers signed_headers;
  if (Status s = SignResponse(platform_key, platform_cert.serial(), kNow,
                              "593BEC0C930BF1AFEB40B4A08C8FB242", body, signed_headers);
      !s) {
    std::fprintf(stderr, "signing the canned response failed: %s\n", s.error().message.c_str());
    return 1;
  }
  std::string response = "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/json\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  response += "Request-ID: 08F78BB5AF0610D302E9E6D33F0E7A5E1A\r\n";
  for (const auto& [k, v] : signed_headers) response += k + ": " + v + "\r\n";
  response += "\r\n" + body;

  ServerProcess server = StartServer(response);  // before any thread
  if (held_connections > 0) {
    long kb = HeldCallsKb(server.port, platform_cert, server, held_connections,  // NOLINT
                          held_no_rsa);
    kill(server.pid, SIGKILL);
    waitpid(server.pid, nullptr, 0);
    std::printf("%ld\n", kb);
    return kb < 0 ? 1 : 0;
  }
  std::string load_start = LoadAverage();

  ClientOptions o = BaseOptions(server.port, platform_cert);
  CurlTransportOptions t;
  t.max_connections_per_host = connections;
  o.transport = MakeCurlTransport(t);
  Client client = *Client::Create(std::move(o));
  const CryptoSwitch crypto(client);
  // Warm up: connections, the worker pool, the I/O thread.
  for (int i = 0; i < 50; ++i)
    (void)client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}").get(QueryOptions());
  (void)InFlight(client, server, 0.2, kInFlight);

  if (!only.empty()) {
    // One scenario and a one-line result: for perf, valgrind and the like.
    Stats st;
    crypto.Set(!(only.size() > 4 && only.compare(only.size() - 4, 4, "-off") == 0));
    if (only == "transport") {
      st = TransportOnly(server.port, server, seconds);
    } else if (only == "seq" || only == "seq-off") {
      st = Sequential(client, server, seconds);
    } else if (only == "inflight" || only == "inflight-off") {
      st = InFlight(client, server, seconds, kInFlight);
    } else {
      std::fprintf(stderr, "unknown scenario '%s'\n", only.c_str());
      return 2;
    }
    kill(server.pid, SIGKILL);
    waitpid(server.pid, nullptr, 0);
    std::printf(
        "%s: %.0f req/s, p50 %.0f us, p99 %.0f us, CPU us/req: client %.1f (workers %.1f, I/O "
        "%.1f) + server %.1f; %.1f switches/req, %.0f allocs/req, %llu new connections, %zu "
        "errors %s\n",
        only.c_str(), st.rps, st.p50_us, st.p99_us, st.client_cpu_us, st.worker_cpu_us,
        st.io_cpu_us, st.server_cpu_us, st.switches, st.allocations,
        static_cast<unsigned long long>(st.connections), st.errors,  // NOLINT(google-runtime-int)
        st.first_error.c_str());
    return st.errors == 0 ? 0 : 1;
  }

  CryptoRates rsa = MeasureRsa(*PrivateKey::FromPem(Read("merchant_key.pem")),
                               PrivateKey::FromPem(Read("merchant_key.pem"))->public_key(),
                               std::min(seconds, 1.0));

  Runs transport, seq, seq_off, par, par_off;
  for (int r = 0; r < repeats; ++r) {
    transport.runs.push_back(TransportOnly(server.port, server, seconds));
    crypto.Set(true);
    seq.runs.push_back(Sequential(client, server, seconds));
    par.runs.push_back(InFlight(client, server, seconds, kInFlight));
    crypto.Set(false);
    seq_off.runs.push_back(Sequential(client, server, seconds));
    par_off.runs.push_back(InFlight(client, server, seconds, kInFlight));
    crypto.Set(true);
  }

  // Memory of held calls: each measurement in a fresh process (its own server too), so the
  // allocator state left by the phases above does not hide or inflate the growth.
  auto held = [&](size_t held_conns, bool no_rsa) -> long {  // NOLINT(google-runtime-int)
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    std::string cmd = "'" + std::string(exe) + "' --held " + std::to_string(held_conns) +
                      (no_rsa ? " --no-rsa" : "");
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    long kb = -1;  // NOLINT(google-runtime-int)
    if (std::fscanf(p, "%ld", &kb) != 1) kb = -1;
    pclose(p);
    return kb;
  };
  long held32 = held(kInFlight, false);     // NOLINT(google-runtime-int)
  long held32_off = held(kInFlight, true);  // NOLINT(google-runtime-int)
  long held1k = held(kHeld, false);         // NOLINT(google-runtime-int)
  long held1k_off = held(kHeld, true);      // NOLINT(google-runtime-int)

  // The phases reset the high-water mark; the run's peak is the largest of theirs.
  long run_peak = PeakKb();  // NOLINT(google-runtime-int)
  for (const Runs* r : {&transport, &seq, &par, &seq_off, &par_off}) {
    for (const auto& st : r->runs) run_peak = std::max(run_peak, st.peak_kb);
  }
  std::string load_end = LoadAverage();
  uint64_t served = server.counters->served.load();
  kill(server.pid, SIGKILL);
  waitpid(server.pid, nullptr, 0);

  unsigned cores = std::thread::hardware_concurrency();
  std::printf(
      "\nwechatpay-cpp load benchmark: %u cores; %d run%s of %.1f s per scenario, "
      "req/s as median [min-max]\n",
      cores, repeats, repeats == 1 ? "" : "s", seconds);
  std::printf("load average (1/5/15 min): %s at start, %s at end%s\n", load_start.c_str(),
              load_end.c_str(),
              "  (other work on the machine lowers req/s; CPU per request is less affected)");
  std::printf(
      "server: minimal HTTP/1.1 server on 127.0.0.1 (own process, one thread, epoll): one "
      "response,\n  signed once at start (platform key, fixed timestamp inside the skew window), "
      "sent %s times; no RSA per request.\n",
      Num(static_cast<double>(served)).c_str());
  std::printf(
      "client: GET v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=... (catalog "
      "validation on), %zu-byte JSON answer,\n  keep-alive HTTP/1.1, CurlTransport "
      "max_connections_per_host=%zu; every request signed, every response verified.\n",
      body.size(), connections);
  std::printf(
      "RSA-2048 on this machine (crypto::RsaSha256Sign/Verify): sign %s/s on 1 thread (%.0f us CPU "
      "each), %s/s on 2 threads; verify %s/s on 1 thread\n\n",
      Num(rsa.sign_1).c_str(), rsa.sign_cpu_us, Num(rsa.sign_2).c_str(), Num(rsa.verify_1).c_str());

  auto us = [](double v) { return Num(v); };
  auto lat = [&](const Runs& r) { return us(r.Median().p50_us) + " / " + us(r.Median().p99_us); };
  auto cpu = [&](const Runs& r) {
    return us(r.Median().client_cpu_us) + " + " + us(r.Median().server_cpu_us);
  };
  auto split = [](const Runs& r) {
    return Num(r.Median().worker_cpu_us) + " / " + Num(r.Median().io_cpu_us);
  };
  auto sw = [](const Runs& r) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.1f / %.0f", r.Median().switches, r.Median().allocations);
    return std::string(buf);
  };
  auto ceiling = [&](const Runs& r, double lanes) {
    double per = r.Median().client_cpu_us + r.Median().server_cpu_us;
    return per > 0 ? Num(lanes * 1e6 / per) : std::string("-");
  };
  auto kb = [](long v) {  // NOLINT(google-runtime-int)
    return v < 0 ? std::string("(not all in flight)") : Num(static_cast<double>(v)) + " KiB";
  };
  std::printf("  %-34s %-26s %-26s %s\n", "", "signed + verified", "signing disabled (harness)",
              "goal");
  std::printf("  sequential (one caller, blocking calls)\n");
  Line("req/s", RateCell(seq), RateCell(seq_off), ">= 2,800");
  Line("latency p50 / p99 us", lat(seq), lat(seq_off));
  Line("CPU us/req client + server", cpu(seq), cpu(seq_off));
  Line("context switches / allocs per req", sw(seq), sw(seq_off));
  Line("CPU ceiling req/s (derived)", ceiling(seq, 1), ceiling(seq_off, 1));
  Line("peak RSS", kb(seq.Median().peak_kb), kb(seq_off.Median().peak_kb));
  std::printf("  %d calls in flight (async)\n", kInFlight);
  Line("req/s", RateCell(par), RateCell(par_off), ">= 5,000");
  Line("latency p50 / p99 us", lat(par), lat(par_off));
  Line("CPU us/req client + server", cpu(par), cpu(par_off));
  Line("  of which workers / I/O thread", split(par), split(par_off));
  Line("context switches / allocs per req", sw(par), sw(par_off));
  Line("CPU ceiling req/s (derived)", ceiling(par, cores), ceiling(par_off, cores));
  Line("peak RSS", kb(par.Median().peak_kb), kb(par_off.Median().peak_kb));
  std::printf("  memory of %s calls in flight (held open by the server)\n", Num(kHeld).c_str());
  Line("over 32 connections", kb(held32), kb(held32_off));
  Line("over 1,000 connections", kb(held1k), kb(held1k_off));
  std::printf(
      "  transport only (curl, no SDK pipeline): %s req/s, p50 / p99 %s us, CPU %s us/req\n",
      RateCell(transport).c_str(), lat(transport).c_str(), cpu(transport).c_str());
  std::printf("  peak RSS of the whole run (this process): %s KiB\n",
              Num(static_cast<double>(run_peak)).c_str());
  std::printf(
      "\n  CPU ceiling: what the measured CPU per request allows if the process had the cores to "
      "itself\n  (sequential: 1 core; in flight: %u cores). Memory: RSS growth, so it includes "
      "curl handles and buffers.\n",
      cores);
  size_t errors =
      transport.Errors() + seq.Errors() + seq_off.Errors() + par.Errors() + par_off.Errors();
  if (errors > 0) {
    std::string first;
    for (const Runs* r : {&transport, &seq, &par, &seq_off, &par_off}) {
      if (first.empty()) first = r->FirstError();
    }
    std::printf("\n%zu calls FAILED; first: %s\n", errors, first.c_str());
    return 1;
  }
  return 0;
}
