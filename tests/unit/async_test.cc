// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Asynchronous calls over fake transports: same pipeline as the blocking calls (sign each
// attempt, verify, retry with backoff), continuations, callbacks, cancellation, deadlines, and
// clients destroyed with calls in flight.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using testing::FakeTransport;
using ::testing::HasSubstr;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::SignedResponse;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;

// A transport that holds every async request until the test answers or it is cancelled.
class HoldingTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest&) override {
    return Error(ErrorCode::kInternal, "HoldingTransport is async-only");
  }
  Cancel SendAsync(HttpRequest request, Callback done) override {
    auto slot = std::make_shared<Slot>();
    slot->request = std::move(request);
    slot->done = std::move(done);
    {
      std::lock_guard lock(mu_);
      slots_.push_back(slot);
    }
    cv_.notify_all();
    return [slot] { slot->Answer(Error(ErrorCode::kCancelled, "cancelled by the caller")); };
  }
  // Waits (bounded) until `n` requests are held.
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return slots_.size() >= n; });
  }
  void AnswerAll(const std::function<Result<HttpResponse>()>& make) {
    std::vector<std::shared_ptr<Slot>> s;
    {
      std::lock_guard lock(mu_);
      s = slots_;
    }
    for (auto& slot : s) slot->Answer(make());
  }
  size_t cancelled() const { return cancelled_count_.load(); }

  struct Slot {
    HttpRequest request;
    Callback done;
    std::atomic<bool> answered{false};
    void Answer(Result<HttpResponse> r) {
      if (answered.exchange(true)) return;
      Callback d = std::move(done);  // like a real transport, drop the callback once called
      done = nullptr;
      d(std::move(r));
    }
  };

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<Slot>> slots_;
  std::atomic<size_t> cancelled_count_{0};
};

class AsyncTest : public ::testing::Test {
 protected:
  ClientOptions Options(std::shared_ptr<HttpTransport> transport) {
    ClientOptions o;
    o.allow_unknown_endpoints = true;  // these tests call made-up paths
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.transport = std::move(transport);
    o.clock = [] { return kNow; };
    o.retry.initial_backoff = std::chrono::milliseconds(5);
    o.retry.max_backoff = std::chrono::milliseconds(20);
    return o;
  }
  HttpResponse Signed(int status, std::string body) {
    return SignedResponse(platform_key_, Vectors()["platform_serial"], status, std::move(body),
                          kNow);
  }
  PrivateKey platform_key_ = LoadPrivateKey("platform_key.pem");
};

TEST_F(AsyncTest, AsyncEqualsSync) {
  auto fake = std::make_shared<FakeTransport>();
  fake->SetHandler([this](const HttpRequest& req) {
    return Result<HttpResponse>(Signed(200, "{\"url\":\"" + req.url + "\"}"));
  });
  auto client = Client::Create(Options(fake));
  ASSERT_TRUE(client);
  CallOptions opts;
  opts.query = {{"sp_mchid", "1900000109"}, {"out_trade_no", "1217752501201407033233368018"}};
  auto chain = client->chain("v3/merchant-risk-manage/trade-risk-information");
  auto sync = chain.get(opts);
  auto async = chain.getAsync(opts);
  Result<Response>& r = async.get();
  ASSERT_TRUE(sync);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, sync->status);
  EXPECT_EQ(r->body, sync->body);
  // Both requests were signed over the same URL, with different nonces.
  auto reqs = fake->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].url, reqs[1].url);
  EXPECT_NE(ParseAuthorization(reqs[0].headers.Get("Authorization"))->nonce_str,
            ParseAuthorization(reqs[1].headers.Get("Authorization"))->nonce_str);
}

TEST_F(AsyncTest, RetriesAreResignedWithoutBlockingAThread) {
  auto fake = std::make_shared<FakeTransport>();
  fake->Enqueue(Signed(503, R"({"code":"SYSTEM_ERROR"})"));
  fake->Enqueue(Error(ErrorCode::kNetwork, "reset"));
  fake->Enqueue(Signed(200, "{}"));
  ClientOptions o = Options(fake);
  std::atomic<int> sleeps{0};
  o.sleep = [&](std::chrono::milliseconds) { sleeps++; };  // the async path never sleeps
  auto client = Client::Create(std::move(o));
  auto f = client->chain("v3/x").getAsync();
  ASSERT_TRUE(f.get()) << f.get().error().ToString();
  EXPECT_EQ(fake->request_count(), 3u);
  EXPECT_EQ(sleeps.load(), 0);
  std::set<std::string> nonces;
  for (const auto& req : fake->requests()) {
    nonces.insert(ParseAuthorization(req.headers.Get("Authorization"))->nonce_str);
  }
  EXPECT_EQ(nonces.size(), 3u);
  // A POST is not retried asynchronously either.
  fake->Enqueue(Signed(503, "{}"));
  auto p = client->chain("v3/x").postAsync(nlohmann::json::object());
  EXPECT_EQ(p.get().error().http_status, 503);
  EXPECT_EQ(fake->request_count(), 4u);
}

TEST_F(AsyncTest, VerificationAndValidationFailuresArriveAsErrors) {
  auto fake = std::make_shared<FakeTransport>();
  HttpResponse tampered = Signed(200, R"({"a":1})");
  tampered.body = R"({"a":2})";
  fake->Enqueue(tampered);
  auto client = Client::Create(Options(fake));
  EXPECT_EQ(client->chain("v3/x").getAsync().get().error().code, ErrorCode::kBadSignature);
  auto invalid = client->chain("v3/pay/transactions/native").postAsync(nlohmann::json::object());
  EXPECT_EQ(invalid.get().error().code, ErrorCode::kInvalidArgument);
  auto missing = client->chain("v3/pay/transactions/id/{transaction_id}").getAsync();
  EXPECT_THAT(missing.get().error().message, HasSubstr("transaction_id"));
}

TEST_F(AsyncTest, ThenChainsAndCallbackForm) {
  auto fake = std::make_shared<FakeTransport>();
  fake->SetHandler(
      [this](const HttpRequest&) { return Result<HttpResponse>(Signed(200, R"({"n":41})")); });
  auto client = Client::Create(Options(fake));
  auto n = client->chain("v3/x")
               .getAsync()
               .then([](Result<Response>& r) -> Result<int> {
                 if (!r) return r.error();
                 return (*r->json())["n"].get<int>();
               })
               .then([](Result<int>& v) { return v ? *v + 1 : -1; });
  EXPECT_EQ(*n.get(), 42);
  // A void continuation gives Future<Unit>.
  std::atomic<bool> seen{false};
  client->chain("v3/x").getAsync().then([&](Result<Response>& r) { seen = r.ok(); }).wait();
  EXPECT_TRUE(seen.load());
  // A callback for an event loop is a continuation: it runs once, on the SDK thread that
  // completes the call.
  std::promise<int> status;
  client->chain("v3/x").requestAsync("GET", CallOptions{}).then([&](Result<Response>& r) {
    status.set_value(r ? r->status : -1);
  });
  auto fut = status.get_future();
  ASSERT_EQ(fut.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(fut.get(), 200);
}

TEST_F(AsyncTest, CancelStopsTheTransfer) {
  auto holding = std::make_shared<HoldingTransport>();
  auto client = Client::Create(Options(holding));
  auto f = client->chain("v3/x").getAsync();
  ASSERT_TRUE(holding->WaitFor(1));
  EXPECT_FALSE(f.ready());
  f.cancel();
  ASSERT_TRUE(f.wait_for(std::chrono::seconds(5)));
  EXPECT_EQ(f.get().error().code, ErrorCode::kCancelled);
  // A late answer after cancellation changes nothing.
  holding->AnswerAll([this] { return Result<HttpResponse>(Signed(200, "{}")); });
  EXPECT_EQ(f.get().error().code, ErrorCode::kCancelled);
}

TEST_F(AsyncTest, DeadlineCoversRetriesAndBackoff) {
  auto fake = std::make_shared<FakeTransport>();
  fake->SetHandler([this](const HttpRequest&) { return Result<HttpResponse>(Signed(503, "{}")); });
  ClientOptions o = Options(fake);
  o.retry.max_attempts = 100;
  o.retry.initial_backoff = std::chrono::milliseconds(20);
  o.retry.max_backoff = std::chrono::milliseconds(40);
  o.jitter = [] { return 1.0; };
  auto client = Client::Create(std::move(o));
  CallOptions opts;
  opts.deadline = std::chrono::milliseconds(150);
  auto started = std::chrono::steady_clock::now();
  auto f = client->chain("v3/x").getAsync(opts);
  ASSERT_TRUE(f.wait_for(std::chrono::seconds(10)));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(f.get().error().code, ErrorCode::kTimeout);
  EXPECT_THAT(f.get().error().message, HasSubstr("deadline"));
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_LT(fake->request_count(), 100u);
  // The blocking form honours the same deadline.
  auto sync = client->chain("v3/x").get(opts);
  EXPECT_EQ(sync.error().code, ErrorCode::kTimeout);
}

TEST_F(AsyncTest, DestroyingTheClientCancelsCallsInFlight) {
  auto holding = std::make_shared<HoldingTransport>();
  std::vector<Future<Response>> futures;
  {
    auto client = Client::Create(Options(holding));
    for (int i = 0; i < 20; ++i) futures.push_back(client->chain("v3/x").getAsync());
    ASSERT_TRUE(holding->WaitFor(20));
  }  // last Client copy gone
  for (auto& f : futures) {
    ASSERT_TRUE(f.wait_for(std::chrono::seconds(5)));
    EXPECT_EQ(f.get().error().code, ErrorCode::kCancelled);
  }
  // The transport may still answer later: nothing happens (no use-after-free under ASan).
  holding->AnswerAll([this] { return Result<HttpResponse>(Signed(200, "{}")); });
}

TEST_F(AsyncTest, ContinuationsRunOutsideSdkLocks) {
  // A continuation that starts another async call on the same client must not deadlock.
  auto fake = std::make_shared<FakeTransport>();
  fake->SetHandler([this](const HttpRequest&) { return Result<HttpResponse>(Signed(200, "{}")); });
  auto client = Client::Create(Options(fake));
  Client c = *client;
  auto nested = c.chain("v3/a").getAsync().then([c](Result<Response>&) -> Result<int> {
    auto inner = c.chain("v3/b").getAsync();
    if (!inner.wait_for(std::chrono::seconds(5))) return Error(ErrorCode::kTimeout, "stuck");
    return inner.get() ? 1 : 0;
  });
  ASSERT_TRUE(nested.wait_for(std::chrono::seconds(10)));
  EXPECT_EQ(*nested.get(), 1);
}

TEST(FutureTest, PromiseBasics) {
  Promise<int> p;
  auto f = p.future();
  EXPECT_FALSE(f.ready());
  EXPECT_TRUE(p.set(7));
  EXPECT_FALSE(p.set(8));  // only the first value counts
  EXPECT_EQ(*f.get(), 7);
  auto ready = MakeReadyFuture<int>(Error(ErrorCode::kParse, "x"));
  EXPECT_EQ(ready.then([](Result<int>& r) { return r.ok(); }).get().value(), false);
  Promise<int> q;
  bool cancelled = false;
  q.on_cancel([&] { cancelled = true; });
  auto g = q.future().then([](Result<int>& r) { return r.ok(); });
  g.cancel();  // cancelling the continuation cancels the source
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(q.future().get().error().code, ErrorCode::kCancelled);
}

}  // namespace
}  // namespace wechatpay
