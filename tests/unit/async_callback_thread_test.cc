// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The asynchronous pipeline continues on the worker that receives a completion, and queues a
// completion that arrives from inside SendAsync itself: either way every call completes once,
// with the right answer, retries included.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::SignedResponse;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;

// Answers with `answers` in turn (the last one repeats). kInline: `done` runs before SendAsync
// returns, on the calling (worker) thread. kOwnThread: on a thread of its own.
class CallbackTransport : public HttpTransport {
 public:
  enum class Mode { kInline, kOwnThread };
  CallbackTransport(Mode mode, std::vector<HttpResponse> answers)
      : mode_(mode), answers_(std::move(answers)) {}
  ~CallbackTransport() override {
    // The last reference may go on one of our own threads (it held the call, the call held the
    // client, the client held us): that thread cannot join itself.
    for (auto& t : threads_) {
      if (t.get_id() == std::this_thread::get_id()) {
        t.detach();
      } else {
        t.join();
      }
    }
  }
  Result<HttpResponse> Send(const HttpRequest&) override { return Next(); }
  Cancel SendAsync(HttpRequest, Callback done) override {
    if (mode_ == Mode::kInline) {
      done(Next());
    } else {
      std::lock_guard lock(mu_);
      threads_.emplace_back([this, done = std::move(done)] { done(Next()); });
    }
    return nullptr;
  }
  int sent() const { return sent_.load(); }

 private:
  HttpResponse Next() {
    int n = sent_++;
    return answers_[std::min<size_t>(static_cast<size_t>(n), answers_.size() - 1)];
  }
  Mode mode_;
  std::vector<HttpResponse> answers_;
  std::atomic<int> sent_{0};
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

class AsyncCallbackThreadTest : public ::testing::TestWithParam<CallbackTransport::Mode> {
 protected:
  Client Make(std::shared_ptr<HttpTransport> transport) {
    ClientOptions o;
    o.allow_unknown_endpoints = true;  // these tests call made-up paths
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.transport = std::move(transport);
    o.clock = [] { return kNow; };
    o.retry.initial_backoff = std::chrono::milliseconds(1);
    o.retry.max_backoff = std::chrono::milliseconds(5);
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  HttpResponse Signed(int status, std::string body) {
    return SignedResponse(platform_key_, Vectors()["platform_serial"], status, std::move(body),
                          kNow);
  }
  PrivateKey platform_key_ = LoadPrivateKey("platform_key.pem");
};

TEST_P(AsyncCallbackThreadTest, RetriedCallCompletesOnceWithTheVerifiedAnswer) {
  auto transport = std::make_shared<CallbackTransport>(
      GetParam(), std::vector<HttpResponse>{Signed(503, R"({"code":"SYSTEM_ERROR"})"),
                                            Signed(200, R"({"n":1})")});
  Client client = Make(transport);
  std::atomic<int> continuations{0};
  auto f = client.chain("v3/x").getAsync().then([&](Result<Response>& r) {
    continuations++;
    return r;
  });
  Result<Response>& r = f.get();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->body, R"({"n":1})");
  EXPECT_EQ(transport->sent(), 2);
  EXPECT_EQ(continuations.load(), 1);
}

TEST_P(AsyncCallbackThreadTest, TamperedAnswerIsRejected) {
  HttpResponse bad = Signed(200, R"({"n":1})");
  bad.body = R"({"n":2})";
  auto transport = std::make_shared<CallbackTransport>(GetParam(), std::vector<HttpResponse>{bad});
  Client client = Make(transport);
  auto f = client.chain("v3/x").getAsync();
  ASSERT_FALSE(f.get());
  EXPECT_EQ(f.get().error().code, ErrorCode::kBadSignature);
}

TEST_P(AsyncCallbackThreadTest, ContinuationsStartingCallsFinishTheChain) {
  auto transport =
      std::make_shared<CallbackTransport>(GetParam(), std::vector<HttpResponse>{Signed(200, "{}")});
  Client client = Make(transport);
  auto chain = client.chain("v3/x");
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  constexpr int kCalls = 200;
  std::function<void(int)> next = [&](int left) {
    chain.getAsync().then([&, left](Result<Response>& r) {
      EXPECT_TRUE(r);
      if (left > 1) return next(left - 1);
      std::lock_guard lock(mu);
      ++done;
      cv.notify_all();
    });
  };
  for (int i = 0; i < 4; ++i) next(kCalls / 4);
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == 4; }));
  EXPECT_EQ(transport->sent(), kCalls);
}

INSTANTIATE_TEST_SUITE_P(Modes, AsyncCallbackThreadTest,
                         ::testing::Values(CallbackTransport::Mode::kInline,
                                           CallbackTransport::Mode::kOwnThread),
                         [](const auto& mode_info) {
                           return mode_info.param == CallbackTransport::Mode::kInline ? "Inline"
                                                                                      : "OwnThread";
                         });

}  // namespace
}  // namespace wechatpay
