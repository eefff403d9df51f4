// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The asynchronous typed calls (E::CallAsync, a Future of models::Response<R>): the same request
// and the same parsed answer (with its HTTP status and headers) as the blocking E::Call for the
// five seed endpoints, and every kind of failure (validation, API error, unparsable answer,
// cancellation) delivered through the future and through a continuation attached with then().
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "unit/models_fake_fixture.h"
#include "unit/models_seeds.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/future.h"
#include "wechatpay/models/miniprogram/user_order.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/merchant_risk_manage.h"
#include "wechatpay/models/v3/transaction_block.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace seeds = testing::seeds;
using testing::XmlAnswer;

namespace mrm = models::v3::merchant_risk_manage;
namespace tb = models::v3::transaction_block;
namespace payitil = models::v2::payitil;
namespace uo = models::miniprogram::user_order;

constexpr auto kWait = std::chrono::seconds(10);

class ModelsAsyncTest : public testing::ModelsSeedTest {};
class ModelsAsyncMiniProgramTest : public testing::ModelsMiniProgramTest {};

// What a continuation (future.then(d.Callback())) received, handed back to the test thread.
template <class T>
struct Delivery {
  std::promise<Result<T>> promise;
  std::future<Result<T>> future = promise.get_future();
  std::atomic<int> calls{0};
  auto Callback() {
    return [this](Result<T> r) {
      ++calls;
      promise.set_value(std::move(r));
    };
  }
  Result<T> Take() {
    if (future.wait_for(kWait) != std::future_status::ready) {
      return Error(ErrorCode::kTimeout, "the continuation never ran");
    }
    return future.get();
  }
};

template <class T>
json AsJson(const T& value, models::Encoding encoding = models::Encoding::kJson) {
  json out;
  models::ToJson(value, &out, encoding);
  return out;
}

// Waits (bounded) for a future, so a broken continuation fails the test instead of hanging it.
template <class T>
Result<T>& Await(Future<T>& f) {
  EXPECT_TRUE(f.wait_for(kWait)) << "the future never completed";
  return f.get();
}

// ---- the five seed endpoints: async equals sync ----

TEST_F(ModelsAsyncTest, RiskQueryAsyncEqualsSync) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"risk_score":87,"risk_type":"FRAUD","punish_type":"NEW_PUNISHMENT"})");
  });
  auto sync = mrm::GetTradeRiskInformation::Call(client, seeds::RiskQuery());
  auto future = mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery());
  auto& async = Await(future);
  ASSERT_TRUE(sync) << sync.error().ToString();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  EXPECT_EQ(async->value.risk_type, mrm::GetTradeRiskInformationResponse::RiskType::kFraud);
  EXPECT_EQ(async->value.punish_type.unrecognized_text(), "NEW_PUNISHMENT");
  // The status and headers of the answer come with the value (each answer its own Request-ID).
  EXPECT_EQ(sync->status, 200);
  EXPECT_EQ(async->status, 200);
  EXPECT_FALSE(sync->request_id().empty());
  EXPECT_FALSE(async->request_id().empty());
  // A continuation on the future receives the same, once.
  Delivery<models::Response<mrm::GetTradeRiskInformationResponse>> d;
  mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery()).then(d.Callback());
  auto via_then = d.Take();
  ASSERT_TRUE(via_then) << via_then.error().ToString();
  EXPECT_EQ(AsJson(via_then->value), AsJson(sync->value));
  EXPECT_EQ(via_then->status, 200);
  EXPECT_EQ(d.calls.load(), 1);

  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.url, reqs[0].url);  // same query, same order
    EXPECT_TRUE(r.body.empty());
  }
}

TEST_F(ModelsAsyncTest, ReportAsyncEqualsSyncAndEncryptsTheSameFields) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"sp_mchid":"1900000109","sub_mchid":"1900009231",
        "out_trade_no":"1217752501201407033233368018","added_later":true})");
  });
  auto sync = mrm::PostReportTradeUnionInformation::Call(client, seeds::Report());
  Delivery<models::Response<mrm::PostReportTradeUnionInformationResponse>> d;
  CallOptions options;
  options.headers.Set("X-Trace", "t-1");
  mrm::PostReportTradeUnionInformation::CallAsync(client, seeds::Report(), std::move(options))
      .then(d.Callback());
  auto async = d.Take();
  ASSERT_TRUE(sync) << sync.error().ToString();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  EXPECT_EQ(async->value.extra.get(), json::parse(R"({"added_later":true})"));
  EXPECT_EQ(async->status, 200);
  EXPECT_FALSE(async->request_id().empty());

  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].url, reqs[0].url);
  EXPECT_EQ(reqs[1].headers.Get("X-Trace"), "t-1");  // the caller's options were kept
  json sync_body = json::parse(reqs[0].body);
  json async_body = json::parse(reqs[1].body);
  for (const char* field : {"phone", "certificates_number"}) {
    // RSA-OAEP is randomized: different ciphertexts of the same plaintext.
    EXPECT_NE(async_body[field], sync_body[field]);
    EXPECT_EQ(Decrypt(reqs[1], async_body[field]), Decrypt(reqs[0], sync_body[field]));
    sync_body.erase(field);
    async_body.erase(field);
  }
  EXPECT_EQ(async_body, sync_body);
  EXPECT_FALSE(reqs[1].headers.Get("Wechatpay-Serial").empty());
}

TEST_F(ModelsAsyncTest, BlockSubmissionAsyncEqualsSyncWithThePathValue) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"block_submission_id":"BS20240101","review_result":"EMPTY"})");
  });
  auto sync =
      tb::PostTransactionBlockSubmissionsSubMchid::Call(client, "123000110", seeds::Submission());
  auto future = tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client, "123000110",
                                                                       seeds::Submission());
  auto& async = Await(future);
  ASSERT_TRUE(sync) << sync.error().ToString();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  EXPECT_EQ(async->value.review_result,
            tb::PostTransactionBlockSubmissionsSubMchidResponse::ReviewResult::kEmpty);
  EXPECT_EQ(async->status, 200);
  // A continuation on the future of the call with the path value.
  Delivery<models::Response<tb::PostTransactionBlockSubmissionsSubMchidResponse>> d;
  tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client, "123000110", seeds::Submission())
      .then(d.Callback());
  auto via_then = d.Take();
  ASSERT_TRUE(via_then) << via_then.error().ToString();
  EXPECT_EQ(AsJson(via_then->value), AsJson(sync->value));

  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.url, std::string(testing::kOrigin) +
                         "/v3/transaction-block/transaction-block-submissions/sub-mchid/123000110");
    EXPECT_EQ(r.body, reqs[0].body);
  }
}

TEST_F(ModelsAsyncTest, PayitilAsyncEqualsSync) {
  Client client = MakeClient();
  fake_->SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return XmlAnswer(
        {{"return_code", "SUCCESS"}, {"return_msg", "OK"}, {"result_code", "SUCCESS"}});
  });
  auto sync = payitil::PostReport::Call(client, seeds::Payitil());
  auto future = payitil::PostReport::CallAsync(client, seeds::Payitil());
  auto& async = Await(future);
  ASSERT_TRUE(sync) << sync.error().ToString();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value, models::Encoding::kText),
            AsJson(sync->value, models::Encoding::kText));
  EXPECT_EQ(async->value.result_code, payitil::PostReportResponse::ResultCode::kSuccess);
  EXPECT_EQ(async->status, 200);
  Delivery<models::Response<payitil::PostReportResponse>> d;
  payitil::PostReport::CallAsync(client, seeds::Payitil()).then(d.Callback());
  auto via_then = d.Take();
  ASSERT_TRUE(via_then) << via_then.error().ToString();
  EXPECT_EQ(via_then->value.return_msg, "OK");

  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  // The request carries its own nonce_str: the three bodies (and MD5 signs) are identical.
  EXPECT_EQ(reqs[1].body, reqs[0].body);
  EXPECT_EQ(reqs[2].body, reqs[0].body);
  auto fields = apiv2::DecodeXml(reqs[1].body);
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->Get("sign"), testing::Vectors()["apiv2_sign"]["md5"]);
}

TEST_F(ModelsAsyncMiniProgramTest, CombineOrdersAsyncEqualsSync) {
  Client client = MakeClient();
  auto sync = uo::PostCombineOrders::Call(client, seeds::CombineOrder());
  auto future = uo::PostCombineOrders::CallAsync(client, seeds::CombineOrder());
  auto& async = Await(future);
  ASSERT_TRUE(sync) << sync.error().ToString();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  EXPECT_EQ(async->value.errcode, 0);
  EXPECT_EQ(async->status, 200);
  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);  // the token once, then the two calls
  EXPECT_EQ(reqs[2].url, reqs[1].url);
  EXPECT_EQ(reqs[2].body, reqs[1].body);
}

// ---- failures: through the future and through a continuation on it ----

TEST_F(ModelsAsyncTest, AnUnparsableAnswerIsAParseErrorNamingTheMember) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"risk_score":"eighty-seven"})");
  });
  auto future = mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery());
  auto& r = Await(future);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_THAT(r.error().message, HasSubstr("'risk_score'"));
  EXPECT_THAT(r.error().message, ::testing::Not(HasSubstr("eighty")));

  Delivery<models::Response<mrm::GetTradeRiskInformationResponse>> d;
  mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery()).then(d.Callback());
  auto c = d.Take();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kParse);
  EXPECT_THAT(c.error().message, HasSubstr("'risk_score'"));
  // Not JSON at all.
  fake_->SetHandler(
      [this](const HttpRequest&) -> Result<HttpResponse> { return Signed(200, "<html>"); });
  auto html = mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery());
  EXPECT_EQ(Await(html).error().code, ErrorCode::kParse);
}

TEST_F(ModelsAsyncTest, AnApiErrorKeepsStatusAndCode) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(400, R"({"code":"PARAM_ERROR","message":"sub_mchid is not bound"})");
  });
  auto future = tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client, "123000110",
                                                                       seeds::Submission());
  auto& r = Await(future);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().api_code, "PARAM_ERROR");

  Delivery<models::Response<tb::PostTransactionBlockSubmissionsSubMchidResponse>> d;
  tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client, "123000110", seeds::Submission(),
                                                         CallOptions{})
      .then(d.Callback());
  auto c = d.Take();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kApi);
  EXPECT_EQ(c.error().api_code, "PARAM_ERROR");
  EXPECT_EQ(d.calls.load(), 1);
}

TEST_F(ModelsAsyncTest, AnApiv2FailureArrivesAsAnError) {
  Client client = MakeClient();
  fake_->SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    return XmlAnswer({{"return_code", "SUCCESS"},
                      {"result_code", "FAIL"},
                      {"err_code", "INVALID_REQUEST"},
                      {"err_code_des", "trades is not valid"}});
  });
  auto future = payitil::PostReport::CallAsync(client, seeds::Payitil());
  auto& r = Await(future);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().api_code, "INVALID_REQUEST");
}

TEST_F(ModelsAsyncTest, ValidationFailuresAreDeliveredWithoutSending) {
  Client client = MakeClient();
  // Missing out_trade_no: future.
  auto q = seeds::RiskQuery();
  q.out_trade_no.clear();
  auto f1 = mrm::GetTradeRiskInformation::CallAsync(client, q);
  auto& r1 = Await(f1);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r1.error().message, HasSubstr("query.out_trade_no"));
  // The seed page's bad enum: a continuation.
  auto bad = seeds::Submission();
  using Fields = tb::PostTransactionBlockSubmissionsSubMchidRequest::SubmitData::RecordFields;
  bad.submit_data.record_fields[0].type = static_cast<Fields::Type>(0);
  Delivery<models::Response<tb::PostTransactionBlockSubmissionsSubMchidResponse>> d;
  tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client, "123000110", bad)
      .then(d.Callback());
  auto r2 = d.Take();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r2.error().message, HasSubstr("submit_data~record_fields[0].type"));
  // An unknown APIv2 enum value.
  auto report = seeds::Payitil();
  report.trades[0].state =
      models::Enum<payitil::PostReportRequest::Trades::State>::FromWire("DONE");
  auto f3 = payitil::PostReport::CallAsync(client, report);
  EXPECT_THAT(Await(f3).error().message, HasSubstr("trades~[0].state"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ModelsAsyncMiniProgramTest, ValidationFailuresAreDeliveredWithoutSending) {
  Client client = MakeClient();
  auto many = seeds::CombineOrder();
  auto& items = many.sub_orders[0].item_list;
  while (items.size() < 51) items.push_back(items[0]);
  auto f = uo::PostCombineOrders::CallAsync(client, many);
  auto& r1 = Await(f);
  ASSERT_FALSE(r1);
  EXPECT_THAT(r1.error().message, HasSubstr("51 items, at most 50 allowed"));
  auto bad_url = seeds::CombineOrder();
  bad_url.sub_orders[0].item_list[0].image_url = {"ftp://qpic.cn/x.png"};
  Delivery<models::Response<uo::PostCombineOrdersResponse>> d;
  uo::PostCombineOrders::CallAsync(client, bad_url, CallOptions{}).then(d.Callback());
  auto r2 = d.Take();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r2.error().message, HasSubstr("sub_orders[0].item_list[0].image_url[0]"));
  EXPECT_EQ(fake_->request_count(), 0u);  // not even an access_token fetch
}

TEST_F(ModelsAsyncTest, ThenChainsOnTheTypedFuture) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"risk_score":41})");
  });
  using Answer = models::Response<mrm::GetTradeRiskInformationResponse>;
  auto next = mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery())
                  .then([](Result<Answer>& r) -> Result<int64_t> {
                    if (!r) return r.error();
                    return r->value.risk_score.value_or(0) + 1;
                  });
  auto& n = Await(next);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(*n, 42);
}

TEST_F(ModelsAsyncTest, CancellingTheFutureReachesItsContinuation) {
  Client client = MakeClient();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto entered = std::make_shared<std::atomic<bool>>(false);
  HttpResponse answer = Signed(200, R"({"risk_score":1})");
  // Owns what it uses: the pipeline may still run it after the continuation got kCancelled.
  fake_->SetHandler([entered, released, answer](const HttpRequest&) -> Result<HttpResponse> {
    *entered = true;
    released.wait_for(kWait);
    return answer;
  });
  Delivery<models::Response<mrm::GetTradeRiskInformationResponse>> d;
  auto future = mrm::GetTradeRiskInformation::CallAsync(client, seeds::RiskQuery());
  future.then(d.Callback());
  for (int i = 0; i < 1000 && !*entered; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(entered->load());
  future.cancel();
  auto r = d.Take();
  release.set_value();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  // The late answer does not run the continuation a second time, nor replace the result.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(d.calls.load(), 1);
  ASSERT_FALSE(future.get());
  EXPECT_EQ(future.get().error().code, ErrorCode::kCancelled);
  future.cancel();  // after completion: nothing
}

}  // namespace
}  // namespace wechatpay
