// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Load tool: signed + verified requests per second against a minimal local server on 127.0.0.1
// (an httplib server answering one pre-signed response, so the server's own RSA signing is not
// the bottleneck), sequential and with 32 calls in flight, with latency percentiles and memory;
// then the same workloads with the SDK's RSA signing and verification switched off in the
// harness, to show what the SDK costs besides them. Prints a table.
//
// Usage: bench_load [seconds-per-scenario (default 3)]
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "internal/client_impl.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"

namespace {

using namespace wechatpay;  // NOLINT(google-build-using-namespace)
using Clock = std::chrono::steady_clock;

constexpr int64_t kNow = 1800000000;

std::string Read(const std::string& name) {
  std::ifstream in(std::string(WECHATPAY_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long RssKb() {  // NOLINT(google-runtime-int)
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

struct Stats {
  double rps = 0;
  double p50_us = 0;
  double p99_us = 0;
  size_t errors = 0;
};

Stats Summarize(std::vector<double>& lat_us, double seconds, size_t errors) {
  Stats s;
  s.errors = errors;
  if (lat_us.empty()) return s;
  std::sort(lat_us.begin(), lat_us.end());
  s.rps = static_cast<double>(lat_us.size()) / seconds;
  s.p50_us = lat_us[lat_us.size() / 2];
  s.p99_us = lat_us[std::min(lat_us.size() - 1, lat_us.size() * 99 / 100)];
  return s;
}

Stats Sequential(const Client& client, double seconds) {
  std::vector<double> lat;
  size_t errors = 0;
  auto chain = client.chain("v3/bench/ping");
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    auto r = chain.get();
    auto t1 = Clock::now();
    if (!r) {
      ++errors;
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  return Summarize(lat, took, errors);
}

Stats InFlight(const Client& client, double seconds, int concurrency) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> lat;
  std::atomic<size_t> errors{0};
  int outstanding = 0;
  auto chain = client.chain("v3/bench/ping");
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  std::function<void()> launch = [&] {
    auto t0 = Clock::now();
    chain.getAsync().then([&, t0](Result<Response>& r) {
      auto t1 = Clock::now();
      bool again;
      {
        std::lock_guard lock(mu);
        if (r) {
          lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        } else {
          ++errors;
        }
        again = Clock::now() < end;
        if (!again) --outstanding;
      }
      if (again) {
        launch();
      } else {
        cv.notify_all();
      }
    });
  };
  {
    std::lock_guard lock(mu);
    outstanding = concurrency;
  }
  for (int i = 0; i < concurrency; ++i) launch();
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return outstanding == 0; });
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  return Summarize(lat, took, errors.load());
}

// The floor: the same GET with a bare libcurl easy handle (keep-alive), no SDK at all.
Stats BareCurl(int port, double seconds) {
  auto transport = MakeCurlTransport();
  HttpRequest req;
  req.method = "GET";
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/v3/bench/ping";
  std::vector<double> lat;
  size_t errors = 0;
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    auto r = transport->Send(req);
    auto t1 = Clock::now();
    if (!r) {
      ++errors;
      continue;
    }
    lat.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  return Summarize(lat, took, errors);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  auto platform_key = *PrivateKey::FromPem(Read("platform_key.pem"));
  auto platform_cert = *Certificate::FromPem(Read("platform_cert.pem"));

  // The minimal server: one canned, correctly signed answer.
  std::string body = R"({"risk_score":1,"risk_type":"FRAUD","punish_type":"DISABLE_PAYMENT"})";
  Headers signed_headers;
  (void)SignResponse(platform_key, platform_cert.serial(), kNow, "benchnonce", body,
                     signed_headers);
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(40); };
  server.set_keep_alive_max_count(1000000);
  server.set_tcp_nodelay(true);  // httplib writes headers and body separately: no Nagle delay
  server.Get("/v3/bench/ping", [&](const httplib::Request&, httplib::Response& res) {
    for (const auto& [k, v] : signed_headers) res.set_header(k, v);
    res.set_header("Request-ID", "bench");
    res.set_content(body, "application/json");
  });
  server.Get("/v3/bench/hold", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    res.set_content("{}", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread server_thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  ClientOptions o;
  o.mchid = "1900000109";
  o.merchant_serial = "78307CEF64B341AD825F46CEBD2B8D6B6BA69A56";
  o.private_key = *PrivateKey::FromPem(Read("merchant_key.pem"));
  o.platform_certificates = {platform_cert};
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/";
  o.clock = [] { return kNow; };
  CurlTransportOptions t;
  t.max_connections_per_host = 32;
  o.transport = MakeCurlTransport(t);
  Client client = *Client::Create(std::move(o));
  auto& impl = internal::ClientAccess::Impl(client);

  (void)client.chain("v3/bench/ping").get();  // warm the connection
  long rss_start = RssKb();                   // NOLINT(google-runtime-int)

  struct Row {
    const char* name;
    Stats s;
  };
  std::vector<Row> rows;
  rows.push_back({"transport only (curl, no SDK pipeline)", BareCurl(port, seconds)});
  rows.push_back({"sequential, sign+verify", Sequential(client, seconds)});
  rows.push_back({"32 in flight, sign+verify", InFlight(client, seconds, 32)});
  impl.benchmark_skip_crypto = true;
  rows.push_back({"sequential, no RSA (SDK overhead)", Sequential(client, seconds)});
  rows.push_back({"32 in flight, no RSA (SDK overhead)", InFlight(client, seconds, 32)});
  impl.benchmark_skip_crypto = false;

  // Memory per 1,000 calls in flight: start 1,000 calls that the server holds, measure.
  long before = RssKb();  // NOLINT(google-runtime-int)
  std::vector<Future<Response>> held;
  held.reserve(1000);
  for (int i = 0; i < 1000; ++i) held.push_back(client.chain("v3/bench/hold").getAsync());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long during = RssKb();  // NOLINT(google-runtime-int)
  for (auto& f : held) f.cancel();
  held.clear();

  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("\nwechatpay-cpp load test, 127.0.0.1 minimal server (same process), %.1f s each\n",
              seconds);
  std::printf("%-38s %10s %10s %10s %8s\n", "scenario", "req/s", "p50 us", "p99 us", "errors");
  for (const auto& r : rows) {
    std::printf("%-38s %10.0f %10.1f %10.1f %8zu\n", r.name, r.s.rps, r.s.p50_us, r.s.p99_us,
                r.s.errors);
  }
  std::printf(
      "peak RSS %ld KiB (after warm-up %ld KiB); 1,000 calls in flight: +%ld KiB "
      "(%.1f KiB per call)\n",
      static_cast<long>(ru.ru_maxrss), rss_start, during - before,  // NOLINT
      static_cast<double>(during - before) / 1000.0);
  server.stop();
  server_thread.join();
  return 0;
}
