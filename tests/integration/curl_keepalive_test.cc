// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Keep-alive connections of the curl transport survive mixed blocking and asynchronous use: the
// two paths share one connection cache, and neither may prune it below what the other opened.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

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

class CurlKeepAliveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Headers h;
    ASSERT_TRUE(SignResponse(LoadPrivateKey("platform_key.pem"),
                             Vectors()["platform_serial"].get<std::string>(), kNow, "n0nce", body_,
                             h));
    for (const auto& [k, v] : h) signed_headers_.emplace_back(k, v);
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_max_count(100000);
    server_.set_keep_alive_timeout(60);
    // Slow enough that a burst of calls needs every connection the transport may open.
    server_.Get("/v3/busy", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        ports_.insert(req.remote_port);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      for (const auto& [k, v] : signed_headers_) res.set_header(k, v);
      res.set_content(body_, "application/json");
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
  size_t Connections() {
    std::lock_guard lock(mu_);
    return ports_.size();
  }

  std::string body_ = R"({"risk_score":1})";
  std::vector<std::pair<std::string, std::string>> signed_headers_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::set<int> ports_;  // one client port per TCP connection
};

TEST_F(CurlKeepAliveTest, BurstsAndBlockingCallsReuseTheSameConnections) {
  constexpr size_t kPerHost = 8;
  ClientOptions o;
  o.allow_unknown_endpoints = true;  // these tests call made-up paths
  o.mchid = Vectors()["mchid"];
  o.merchant_serial = Vectors()["merchant_serial"];
  o.private_key = LoadPrivateKey("merchant_key.pem");
  o.platform_certificates = {LoadCertificate("platform_cert.pem")};
  o.base_url = "http://127.0.0.1:" + std::to_string(port_) + "/";
  o.clock = [] { return kNow; };
  CurlTransportOptions t;
  t.max_connections_per_host = kPerHost;
  o.transport = MakeCurlTransport(t);
  auto client = Client::Create(std::move(o));
  ASSERT_TRUE(client) << client.error().ToString();
  auto chain = client->chain("v3/busy");
  for (int wave = 0; wave < 6; ++wave) {
    std::vector<Future<Response>> calls;
    for (int i = 0; i < 24; ++i) calls.push_back(chain.getAsync());
    for (auto& f : calls) ASSERT_TRUE(f.get()) << f.get().error().ToString();
    // Blocking calls between the bursts take a warm connection from the same cache.
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(chain.get());
  }
  // 162 calls, at most kPerHost at a time: every one of them on the first connections opened.
  // (A cache pruned to 5 by each blocking call, or to 4 x the transfers still running as a burst
  // drains, closes some after every wave and the next wave opens new ones.)
  EXPECT_LE(Connections(), kPerHost);
  EXPECT_GE(Connections(), 2u);  // the bursts did run in parallel
}

}  // namespace
}  // namespace wechatpay
