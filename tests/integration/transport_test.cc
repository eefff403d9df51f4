// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The libcurl transport against real servers on 127.0.0.1 (plain HTTP and TLS).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/curl_transport.h"

namespace wechatpay {
namespace {

using testing::DataPath;
using ::testing::HasSubstr;

// An httplib server on a free loopback port, run on its own thread.
template <typename ServerT>
class LocalServer {
 public:
  template <typename... Args>
  explicit LocalServer(Args&&... args) : server_(std::forward<Args>(args)...) {}
  ServerT& server() { return server_; }
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib 0.11 has no wait_until_ready(): poll is_running() (bounded: 5 s).
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~LocalServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

 private:
  ServerT server_;
  std::thread thread_;
  int port_ = 0;
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = http_.server();
    s.set_keep_alive_max_count(100000);  // httplib closes after 5 requests by default
    s.Get("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        ports_.insert(req.remote_port);
      }
      res.set_header("X-Got-Auth", req.get_header_value("Authorization"));
      res.set_header("Request-ID", "REQ-1");
      res.set_content("{\"q\":\"" + req.get_param_value("q") + "\"}", "application/json");
    });
    s.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/json");
    });
    s.Get("/status/503", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content(R"({"code":"SYSTEM_ERROR"})", "application/json");
    });
    s.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    s.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(1 << 20, 'b'), "application/octet-stream");
    });
    http_.Start();
  }
  std::string Url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(http_.port()) + path;
  }

  LocalServer<httplib::Server> http_;
  std::mutex mu_;
  std::set<int> ports_;
  std::shared_ptr<HttpTransport> transport_ = MakeCurlTransport();
};

TEST_F(TransportTest, GetPostHeadersAndQuery) {
  HttpRequest req;
  req.method = "GET";
  req.url = Url("/echo?q=%E5%95%86");
  req.headers.Set("Authorization", "WECHATPAY2-SHA256-RSA2048 test");
  auto r = transport_->Send(req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"q\":\"商\"}");
  EXPECT_EQ(r->headers.Get("x-got-auth"), "WECHATPAY2-SHA256-RSA2048 test");
  EXPECT_EQ(r->headers.Get("Request-ID"), "REQ-1");

  HttpRequest post;
  post.method = "POST";
  post.url = Url("/echo");
  post.body = std::string("{\"a\":\"\xe4\xb8\xad\",\"b\":\"\\u0000\"}");
  post.headers.Set("Content-Type", "application/json");
  auto p = transport_->Send(post);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->body, post.body);
}

TEST_F(TransportTest, ErrorStatusesAreValues) {
  HttpRequest req;
  req.method = "GET";
  req.url = Url("/status/503");
  auto r = transport_->Send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  req.url = Url("/nope");
  EXPECT_EQ(transport_->Send(req)->status, 404);
}

TEST_F(TransportTest, ConnectionsAreReusedAcrossCallsAndThreads) {
  HttpRequest req;
  req.method = "GET";
  req.url = Url("/echo?q=1");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(transport_->Send(req));
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(ports_.size(), 1u) << "sequential calls should share one keep-alive connection";
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (auto r = transport_->Send(req); r && r->status == 200) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
  std::lock_guard lock(mu_);
  EXPECT_LE(ports_.size(), 5u) << "at most one connection per concurrent caller";
}

TEST_F(TransportTest, TimeoutAndRefusedConnection) {
  HttpRequest slow;
  slow.method = "GET";
  slow.url = Url("/slow");
  slow.timeout = std::chrono::milliseconds(200);
  auto t = transport_->Send(slow);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kTimeout);

  // A port nobody listens on: bind a socket without listening, learn its port, close it.
  int dead_port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    dead_port = ntohs(addr.sin_port);
    ::close(fd);
  }
  HttpRequest refused;
  refused.method = "GET";
  refused.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/x?access_token=SECRET";
  refused.timeout = std::chrono::milliseconds(5000);
  auto r = transport_->Send(refused);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_THAT(r.error().message, ::testing::Not(HasSubstr("SECRET")));
}

TEST_F(TransportTest, SinkReceivesLargeBodyInChunks) {
  HttpRequest req;
  req.method = "GET";
  req.url = Url("/big");
  size_t total = 0, chunks = 0;
  req.sink = [&](std::string_view c) {
    total += c.size();
    chunks++;
    return true;
  };
  auto r = transport_->Send(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(total, size_t{1} << 20);
  EXPECT_GT(chunks, 1u);
  EXPECT_TRUE(r->body.empty());
  // A sink that refuses aborts the transfer.
  req.sink = [](std::string_view) { return false; };
  auto aborted = transport_->Send(req);
  ASSERT_FALSE(aborted);
  EXPECT_EQ(aborted.error().code, ErrorCode::kCancelled);
}

TEST(TransportTls, VerificationIsAlwaysOnAndMutualTlsWorks) {
  LocalServer<httplib::SSLServer> tls(DataPath("tls_server_cert.pem").c_str(),
                                      DataPath("tls_server_key.pem").c_str(),
                                      DataPath("tls_client_cert.pem").c_str(), nullptr);
  tls.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("secure", "text/plain");
  });
  tls.Start();
  std::string url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/hello";

  // Default trust store: the self-signed server is refused.
  HttpRequest req;
  req.method = "GET";
  req.url = url;
  auto untrusted = MakeCurlTransport()->Send(req);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, ErrorCode::kTls) << untrusted.error().ToString();

  // Trusting the test CA but presenting no client certificate: the server refuses.
  CurlTransportOptions opts;
  opts.ca_file = DataPath("tls_server_cert.pem");
  auto transport = MakeCurlTransport(opts);
  auto no_client_cert = transport->Send(req);
  EXPECT_FALSE(no_client_cert && no_client_cert->status == 200);

  // PEM client certificate.
  auto cc = std::make_shared<ClientCertificate>();
  cc->cert_pem = testing::ReadData("tls_client_cert.pem");
  cc->key_pem = testing::ReadData("tls_client_key.pem");
  req.client_certificate = cc;
  auto ok = transport->Send(req);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->body, "secure");

  // PKCS#12 client certificate with passphrase.
  auto p12 = std::make_shared<ClientCertificate>();
  p12->pkcs12 = testing::ReadData("tls_client.p12");
  p12->passphrase = "test-only-p12";
  req.client_certificate = p12;
  auto ok12 = transport->Send(req);
  ASSERT_TRUE(ok12) << ok12.error().ToString();
  EXPECT_EQ(ok12->body, "secure");
}

// ca_file replaces the system store: libcurl is given the file and no CA path (its verbose
// trace names both; without the fix it showed "CApath: /etc/ssl/certs").
TEST(TransportTls, CaFileReplacesTheSystemStore) {
  LocalServer<httplib::SSLServer> tls(DataPath("tls_server_cert.pem").c_str(),
                                      DataPath("tls_server_key.pem").c_str());
  tls.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("secure", "text/plain");
  });
  tls.Start();
  CurlTransportOptions opts;
  opts.ca_file = DataPath("tls_server_cert.pem");
  opts.verbose = true;
  HttpRequest req;
  req.method = "GET";
  req.url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/hello";
  ::testing::internal::CaptureStderr();
  auto ok = MakeCurlTransport(opts)->Send(req);
  std::string trace = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->body, "secure");
  EXPECT_THAT(trace, HasSubstr("CAfile: " + opts.ca_file));
  EXPECT_THAT(trace, HasSubstr("CApath: none"));
}

}  // namespace
}  // namespace wechatpay
