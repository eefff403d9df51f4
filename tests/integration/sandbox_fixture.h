// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Shared pieces of the sandbox integration tests: a running sandbox on 127.0.0.1, a signer for its
// demo merchant, a verifier for its keys, and a callback receiver. Everything talks to 127.0.0.1
// only; every wait is bounded.
#ifndef WECHATPAY_TESTS_INTEGRATION_SANDBOX_FIXTURE_H_
#define WECHATPAY_TESTS_INTEGRATION_SANDBOX_FIXTURE_H_

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A fresh directory under the system temp dir, removed when destroyed.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wxpay-sbx-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Headers ToHeaders(const httplib::Headers& h) {
  Headers out;
  for (const auto& [k, v] : h) out.Add(k, v);
  return out;
}

// A signed APIv3 client for one sandbox and its demo merchant, plus the response verifier.
class V3Client {
 public:
  explicit V3Client(const Sandbox& sb)
      : http_(sb.base_url()),
        merchant_(sb.demo_merchant()),
        keys_(sb.platform_keys()),
        store_(std::make_shared<PlatformKeyStore>()) {
    http_.set_connection_timeout(5, 0);
    http_.set_read_timeout(10, 0);
    auto key = PrivateKey::FromFile(merchant_.private_key_path);
    EXPECT_TRUE(key.ok());
    if (key) signer_ = std::make_unique<RequestSigner>(merchant_.mchid, merchant_.serial, *key);
    auto cert = Certificate::FromFile(keys_.certificate_path);
    EXPECT_TRUE(cert.ok());
    if (cert) store_->AddCertificate(*cert);
    auto pub = PublicKey::FromFile(keys_.public_key_path);
    EXPECT_TRUE(pub.ok());
    if (pub) {
      EXPECT_TRUE(store_->AddPublicKey(keys_.public_key_id, *pub).ok());
    }
    verifier_ = std::make_unique<ResponseVerifier>(store_);
  }

  // Signs and sends. `target` is path + query exactly as sent.
  httplib::Result Send(const std::string& method, const std::string& target,
                       const std::string& body = {}, httplib::Headers extra = {}) {
    auto auth = signer_->Authorization(method, target, body);
    EXPECT_TRUE(auth.ok());
    extra.emplace("Authorization", auth.ok() ? *auth : std::string());
    return Raw(method, target, body, std::move(extra));
  }

  // Sends as given (no signing).
  httplib::Result Raw(const std::string& method, const std::string& target,
                      const std::string& body = {}, httplib::Headers headers = {},
                      const std::string& content_type = "application/json") {
    headers.emplace("Accept", "application/json");
    if (method == "GET") return http_.Get(target.c_str(), headers);
    if (method == "DELETE")
      return http_.Delete(target.c_str(), headers, body, content_type.c_str());
    if (method == "PUT") return http_.Put(target.c_str(), headers, body, content_type.c_str());
    if (method == "PATCH") return http_.Patch(target.c_str(), headers, body, content_type.c_str());
    return http_.Post(target.c_str(), headers, body, content_type.c_str());
  }

  Status Verify(const httplib::Response& res) const {
    return verifier_->Verify(ToHeaders(res.headers), res.body);
  }

  nlohmann::json Json(const httplib::Response& res) const {
    return nlohmann::json::parse(res.body, nullptr, false);
  }

  // Encrypts a sensitive field for the sandbox with its WeChat Pay public key.
  std::string Encrypt(const std::string& plaintext) const {
    auto k = store_->Find(keys_.public_key_id);
    auto ct = crypto::RsaOaepEncrypt(k->key, plaintext);
    return ct.ok() ? *ct : std::string();
  }

  const RequestSigner& signer() const { return *signer_; }
  const DemoMerchant& merchant() const { return merchant_; }
  const PlatformKeys& keys() const { return keys_; }
  const ResponseVerifier& verifier() const { return *verifier_; }
  std::shared_ptr<PlatformKeyStore> store() const { return store_; }
  httplib::Client& http() { return http_; }

 private:
  httplib::Client http_;
  DemoMerchant merchant_;
  PlatformKeys keys_;
  std::shared_ptr<PlatformKeyStore> store_;
  std::unique_ptr<RequestSigner> signer_;
  std::unique_ptr<ResponseVerifier> verifier_;
};

// Receives callbacks on 127.0.0.1. Can be told to fail the next N deliveries.
class CallbackReceiver {
 public:
  struct Received {
    std::string path;
    Headers headers;
    std::string body;
  };

  CallbackReceiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_next_ > 0) {
        --fail_next_;
        ++failed_;
        res.status = 500;
        res.set_content(R"({"code":"FAIL","message":"not now"})", "application/json");
        cv_.notify_all();
        return;
      }
      received_.push_back(Received{req.path, ToHeaders(req.headers), req.body});
      res.status = 204;
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing before the accept loop runs: wait for it (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~CallbackReceiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url(const std::string& path = "/notify") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  int failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  // Waits (at most `timeout`) until `count` callbacks were accepted.
  bool WaitFor(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  int fail_next_ = 0;
  int failed_ = 0;
};

inline SandboxOptions TestOptions(const std::string& state_dir = {}) {
  SandboxOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.state_dir = state_dir;
  o.worker_threads = 4;
  o.notify_time_scale = 0.001;  // retries after 15 ms, 15 ms, 30 ms, ...
  return o;
}

// One sandbox per test suite (tests clear faults and use their own order numbers).
class SandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto sb = Sandbox::Start(TestOptions());
    ASSERT_TRUE(sb.ok()) << sb.error().ToString();
    sandbox_ = std::move(*sb).release();
    client_ = new V3Client(*sandbox_);
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    if (sandbox_) sandbox_->Stop();
    delete sandbox_;
    sandbox_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(sandbox_, nullptr);
    sandbox_->ClearFaults();
  }

  // A unique order number for this test.
  static std::string NewNo(const std::string& prefix) {
    static int n = 0;
    return prefix + std::to_string(++n) + crypto::RandomNonce(8);
  }

  static Sandbox* sandbox_;
  static V3Client* client_;
};

inline Sandbox* SandboxTest::sandbox_ = nullptr;
inline V3Client* SandboxTest::client_ = nullptr;

}  // namespace wechatpay::sandbox::testing

#endif  // WECHATPAY_TESTS_INTEGRATION_SANDBOX_FIXTURE_H_
