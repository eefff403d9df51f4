// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// What a typed call gives back and how it is spelled: models::Response<T> (the decoded value with
// the HTTP status, the headers and the Request-ID of the answer), the named calls of
// wechatpay/services/ (services::payments::native::Prepay, ...) going through the same
// descriptor, no default request where the endpoint has required members, and model structs
// that are aggregates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>

#include "unit/models_fake_fixture.h"
#include "wechatpay/client.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v3/certificates.h"
#include "wechatpay/models/v3/pay.h"
#include "wechatpay/services/payments/native.h"
#include "wechatpay/services/refunddomestic.h"

namespace wechatpay {
namespace {

using nlohmann::json;
namespace pay = models::v3::pay;
namespace native = services::payments::native;

// True when E::Call(client) compiles, i.e. the request argument has a default.
template <class E, class = void>
struct CallableWithoutRequest : std::false_type {};
template <class E>
struct CallableWithoutRequest<E, std::void_t<decltype(E::Call(std::declval<const Client&>()))>>
    : std::true_type {};

// Required members (appid, mchid, out_trade_no, ...): the request must be given.
static_assert(!CallableWithoutRequest<pay::PostTransactionsNative>::value);
// Nothing required: `Call(client)` is allowed.
static_assert(CallableWithoutRequest<models::v3::certificates::GetCertificates>::value);
// Model structs are aggregates (designated initialisers in C++20: tests/cxx20/).
static_assert(std::is_aggregate_v<pay::PostTransactionsNativeRequest>);
static_assert(std::is_aggregate_v<pay::PostTransactionsNativeRequest::Amount>);
static_assert(std::is_aggregate_v<pay::PostTransactionsNativeResponse>);
// The named call is the descriptor's call under another name: same request and response types.
static_assert(std::is_same_v<native::PrepayRequest, pay::PostTransactionsNativeRequest>);
static_assert(std::is_same_v<native::PrepayResponse, pay::PostTransactionsNativeResponse>);
static_assert(std::is_same_v<decltype(native::Prepay(std::declval<const Client&>(),
                                                      native::PrepayRequest())),
                             Result<models::Response<pay::PostTransactionsNativeResponse>>>);
// Refunds by the name the official SDKs use (refunddomestic.RefundsApiService.Create).
static_assert(std::is_same_v<services::refunddomestic::CreateRequest,
                             models::v3::refund::PostDomesticRefundsRequest>);

class TypedResponseTest : public testing::ModelsSeedTest {
 protected:
  static native::PrepayRequest Order() {
    native::PrepayRequest req;
    req.appid = "wxd678efh567hg6787";
    req.mchid = "1900000109";
    req.description = "Image形象店-深圳腾大-QQ公仔";
    req.out_trade_no = "1217752501201407033233368018";
    req.notify_url = "https://www.example.com/wxpay/notify";
    req.amount.total = 100;
    return req;
  }
};

TEST_F(TypedResponseTest, PrepayGivesTheValueWithStatusHeadersAndRequestId) {
  Client client = MakeClient();
  HttpResponse answer = Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"})");
  const std::string request_id = answer.headers.Get("Request-ID");
  ASSERT_FALSE(request_id.empty());
  fake_->Enqueue(answer);

  auto r = native::Prepay(client, Order());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->request_id(), request_id);
  EXPECT_EQ(r->headers.Get("Wechatpay-Serial"), answer.headers.Get("Wechatpay-Serial"));
  ASSERT_TRUE(r->value.code_url.has_value());
  EXPECT_EQ(*r->value.code_url, "weixin://wxpay/bizpayurl?pr=p4lpSuKzz");

  ASSERT_EQ(fake_->request_count(), 1u);
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, std::string(testing::kOrigin) + "/v3/pay/transactions/native");
  json body = json::parse(sent.body);
  EXPECT_EQ(body["out_trade_no"], "1217752501201407033233368018");
  EXPECT_EQ(body["amount"]["total"], 100);
}

TEST_F(TypedResponseTest, NamedAndDescriptorCallsSendTheSameRequest) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) -> Result<HttpResponse> {
    return Signed(200, R"({"code_url":"weixin://x"})");
  });
  ASSERT_TRUE(native::Prepay(client, Order()));
  ASSERT_TRUE(pay::PostTransactionsNative::Call(client, Order()));
  auto future = native::PrepayAsync(client, Order());
  ASSERT_TRUE(future.wait_for(std::chrono::seconds(10)));
  auto& async = future.get();
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(async->status, 200);
  EXPECT_FALSE(async->request_id().empty());
  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (const auto& q : reqs) {
    EXPECT_EQ(q.url, reqs[0].url);
    EXPECT_EQ(json::parse(q.body), json::parse(reqs[0].body));
  }
}

TEST_F(TypedResponseTest, PathParametersComeBeforeTheRequest) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(204, ""));
  native::CloseOrderRequest close;
  close.mchid = "1900000109";
  auto r = native::CloseOrder(client, "1217752501201407033233368018", close);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(fake_->requests()[0].url,
            std::string(testing::kOrigin) +
                "/v3/pay/transactions/out-trade-no/1217752501201407033233368018/close");
}

TEST_F(TypedResponseTest, AFailedCallCarriesTheRequestIdInItsError) {
  Client client = MakeClient();
  HttpResponse answer = Signed(400, R"({"code":"PARAM_ERROR","message":"bad out_trade_no"})");
  fake_->Enqueue(answer);
  auto r = native::Prepay(client, Order());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().api_code, "PARAM_ERROR");
  EXPECT_EQ(r.error().request_id, answer.headers.Get("Request-ID"));
}

TEST_F(TypedResponseTest, RequiredFieldsMissingAreRefusedBeforeSending) {
  Client client = MakeClient();
  native::PrepayRequest empty;  // compiles (an aggregate), but the catalog requires the members
  auto r = native::Prepay(client, empty);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("out_trade_no"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

}  // namespace
}  // namespace wechatpay
