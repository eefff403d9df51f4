// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Asynchronous calls through the libcurl multi transport against a real server on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::SignResponse;

namespace wechatpay {
namespace {

using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;

int ThreadCount() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

class AsyncCurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One signed answer, reused: the client's clock is fixed, so it stays within the window.
    Headers h;
    ASSERT_TRUE(SignResponse(LoadPrivateKey("platform_key.pem"),
                             Vectors()["platform_serial"].get<std::string>(), kNow, "n0nce", body_,
                             h));
    for (const auto& [k, v] : h) signed_headers_.emplace_back(k, v);
    server_.new_task_queue = [] { return new httplib::ThreadPool(40); };
    server_.set_keep_alive_max_count(100000);
    server_.Get("/v3/ping", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        ports_.insert(req.remote_port);
      }
      for (const auto& [k, v] : signed_headers_) res.set_header(k, v);
      res.set_content(body_, "application/json");
    });
    server_.Get("/v3/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("{}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  Client MakeClient(size_t max_per_host = 8) {
    ClientOptions o;
    o.allow_unknown_endpoints = true;  // these tests call made-up paths
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/";
    o.clock = [] { return kNow; };
    CurlTransportOptions t;
    t.max_connections_per_host = max_per_host;
    o.transport = MakeCurlTransport(t);
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }

  std::string body_ = R"({"risk_score":1,"risk_type":"FRAUD"})";
  std::vector<std::pair<std::string, std::string>> signed_headers_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::set<int> ports_;
};

TEST_F(AsyncCurlTest, AThousandConcurrentCallsFewThreadsBoundedConnections) {
  Client client = MakeClient(8);
  // Warm up (starts the I/O thread and the worker pool).
  ASSERT_TRUE(client.chain("v3/ping").getAsync().get());
  int threads_before = ThreadCount();
  std::vector<Future<Response>> futures;
  futures.reserve(1000);
  for (int i = 0; i < 1000; ++i) futures.push_back(client.chain("v3/ping").getAsync());
  int threads_during = ThreadCount();
  int ok = 0;
  for (auto& f : futures) {
    ASSERT_TRUE(f.wait_for(std::chrono::seconds(60)));
    if (f.get() && f.get()->body == body_) ++ok;
  }
  EXPECT_EQ(ok, 1000);
  // In flight, a thousand calls add no threads of their own.
  EXPECT_LE(threads_during - threads_before, 2) << threads_before << " -> " << threads_during;
  {
    std::lock_guard lock(mu_);
    EXPECT_LE(ports_.size(), 8u) << "connections per host are capped";
  }
  // The blocking path shares the same connection pool.
  size_t before = ports_.size();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.chain("v3/ping").get());
  std::lock_guard lock(mu_);
  EXPECT_EQ(ports_.size(), before) << "sync calls reuse the async connections";
}

TEST_F(AsyncCurlTest, CancellingARealTransfer) {
  Client client = MakeClient();
  auto f = client.chain("v3/slow").getAsync();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto started = std::chrono::steady_clock::now();
  f.cancel();
  ASSERT_TRUE(f.wait_for(std::chrono::seconds(5)));
  EXPECT_EQ(f.get().error().code, ErrorCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
}

TEST_F(AsyncCurlTest, PerAttemptTimeoutAndDestroyedClient) {
  std::vector<Future<Response>> slow;
  {
    Client client = MakeClient();
    CallOptions opts;
    opts.timeout = std::chrono::milliseconds(200);
    opts.idempotent = false;
    auto t = client.chain("v3/slow").getAsync(opts);
    ASSERT_TRUE(t.wait_for(std::chrono::seconds(5)));
    EXPECT_EQ(t.get().error().code, ErrorCode::kTimeout);
    for (int i = 0; i < 5; ++i) slow.push_back(client.chain("v3/slow").getAsync());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto started = std::chrono::steady_clock::now();
  for (auto& f : slow) {
    ASSERT_TRUE(f.wait_for(std::chrono::seconds(5)));
    EXPECT_EQ(f.get().error().code, ErrorCode::kCancelled);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace wechatpay
