// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Responses invent nothing (issue #14): realistic answers of the order query, refund and prepay
// endpoints, parsed by the typed models' own Parse and encoded again with ToJson, give back
// exactly the members the server sent, nested ones included: no member invented (a NOTPAY order
// has no amount, and none appears), none lost (`promotion_detail: []`, unknown members, empty
// strings), every value equal. The typed view tells absent members from present ones.
#include <gtest/gtest.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wechatpay/client.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v3/pay.h"
#include "wechatpay/models/v3/refund.h"

namespace wechatpay {
namespace {

using nlohmann::json;
namespace pay = models::v3::pay;
namespace refund = models::v3::refund;

// Members present in `got` but not in `want` (invented) and the reverse (lost), recursively
// through objects and arrays, as paths ("amount.total", "promotion_detail[0].amount").
void KeyDiff(const json& want, const json& got, const std::string& path,
             std::vector<std::string>* invented, std::vector<std::string>* lost) {
  std::string prefix = path.empty() ? "" : path + ".";
  if (want.is_object() && got.is_object()) {
    for (const auto& [key, value] : want.items()) {
      auto it = got.find(key);
      if (it == got.end()) {
        lost->push_back(prefix + key);
      } else {
        KeyDiff(value, *it, prefix + key, invented, lost);
      }
    }
    for (const auto& [key, unused] : got.items()) {
      if (!want.contains(key)) invented->push_back(prefix + key);
    }
  } else if (want.is_array() && got.is_array()) {
    for (std::size_t i = 0; i < want.size() && i < got.size(); ++i) {
      KeyDiff(want[i], got[i], path + "[" + std::to_string(i) + "]", invented, lost);
    }
    if (want.size() != got.size()) lost->push_back(path + " (array size)");
  }
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Parses `body` as the answer of endpoint D, checks that encoding gives back the same document.
template <class D>
typename D::Response ExpectExactRoundTrip(const std::string& body) {
  Response http;
  http.status = 200;
  http.body = body;
  typename D::Response out;
  Status s = D::Parse(http, &out);
  EXPECT_TRUE(s) << s.error().ToString();
  json got;
  models::ToJson(out, &got);
  json want = json::parse(body);
  std::vector<std::string> invented, lost;
  KeyDiff(want, got, "", &invented, &lost);
  EXPECT_TRUE(invented.empty()) << D::kId << ": invented " << Join(invented);
  EXPECT_TRUE(lost.empty()) << D::kId << ": lost " << Join(lost);
  EXPECT_EQ(got, want) << D::kId;
  return out;
}

using QueryByOutTradeNo = pay::GetTransactionsOutTradeNo;

TEST(ModelsResponseRoundTripTest, NotpayOrderQueryInventsNothing) {
  const std::string body = R"({
    "appid": "wxd678efh567hg6787",
    "mchid": "1230000109",
    "out_trade_no": "1217752501201407033233368018",
    "trade_state": "NOTPAY",
    "trade_state_desc": "订单未支付"
  })";
  auto r = ExpectExactRoundTrip<QueryByOutTradeNo>(body);
  EXPECT_EQ(r.appid, "wxd678efh567hg6787");
  EXPECT_EQ(r.trade_state, QueryByOutTradeNo::Response::TradeState::kNotpay);
  EXPECT_FALSE(r.amount.has_value());
  EXPECT_FALSE(r.transaction_id.has_value());
  EXPECT_FALSE(r.trade_type.has_value());
  EXPECT_FALSE(r.payer.has_value());
  EXPECT_TRUE(r.extra.empty());

  // A default response encodes as an empty object; set members only are written.
  QueryByOutTradeNo::Response fresh;
  EXPECT_EQ(models::ToJsonString(fresh), "{}");
  fresh.out_trade_no = "A1";
  EXPECT_EQ(models::ToJsonString(fresh), R"({"out_trade_no":"A1"})");
}

TEST(ModelsResponseRoundTripTest, SuccessOrderQueryLosesNothing) {
  const std::string body = R"({
    "transaction_id": "1217752501201407033233368018",
    "trade_type": "JSAPI",
    "trade_state": "SUCCESS",
    "trade_state_desc": "支付成功",
    "bank_type": "CMC",
    "success_time": "2018-06-08T10:34:56+08:00",
    "appid": "wxd678efh567hg6787",
    "mchid": "1230000109",
    "attach": "",
    "out_trade_no": "1217752501201407033233368018",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    "amount": {"total": 100, "payer_total": 90, "currency": "CNY", "payer_currency": "CNY",
               "settlement": {"rate": 0, "added_later": [1, 2]}},
    "promotion_detail": []
  })";
  auto r = ExpectExactRoundTrip<QueryByOutTradeNo>(body);
  EXPECT_EQ(r.trade_state, QueryByOutTradeNo::Response::TradeState::kSuccess);
  ASSERT_TRUE(r.amount.has_value());
  EXPECT_EQ(r.amount->total, 100);
  EXPECT_EQ(r.amount->payer_total, 90);
  EXPECT_EQ(r.amount->payer_currency, "CNY");
  EXPECT_EQ(r.amount->extra.get(), json::parse(R"({"settlement":{"rate":0,"added_later":[1,2]}})"));
  ASSERT_TRUE(r.payer.has_value());
  EXPECT_EQ(r.payer->openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  EXPECT_EQ(r.attach, "");  // present and empty: not absent
}

TEST(ModelsResponseRoundTripTest, OrderQueryKeepsNullAndEmptyValues) {
  // JSON null stays in `extra` (the member is absent), an empty enum text stays present.
  const std::string body = R"({"out_trade_no": "A1", "trade_state": "", "bank_type": null,
                               "amount": {"total": 0, "currency": ""}})";
  auto r = ExpectExactRoundTrip<QueryByOutTradeNo>(body);
  EXPECT_TRUE(r.trade_state.has_value());
  EXPECT_FALSE(r.trade_state.known());
  EXPECT_FALSE(r.bank_type.has_value());
  ASSERT_TRUE(r.amount.has_value());
  EXPECT_EQ(r.amount->total, 0);
  EXPECT_FALSE(r.amount->payer_total.has_value());
}

TEST(ModelsResponseRoundTripTest, RefundAnswers) {
  using Refund = refund::PostDomesticRefunds;
  const std::string success = R"({
    "refund_id": "50000000382019052709732678859",
    "out_refund_no": "1217752501201407033233368018",
    "transaction_id": "1217752501201407033233368018",
    "out_trade_no": "1217752501201407033233368018",
    "channel": "ORIGINAL",
    "user_received_account": "招商银行信用卡0403",
    "success_time": "2020-12-01T16:18:12+08:00",
    "create_time": "2020-12-01T16:18:12+08:00",
    "status": "SUCCESS",
    "funds_account": "UNSETTLED",
    "amount": {
      "total": 100, "refund": 100, "from": [{"account": "AVAILABLE", "amount": 444}],
      "payer_total": 90, "payer_refund": 90, "settlement_refund": 100, "settlement_total": 100,
      "discount_refund": 10, "currency": "CNY", "refund_fee": 0
    },
    "promotion_detail": [{
      "promotion_id": "109519", "scope": "SINGLE", "type": "DISCOUNT", "amount": 5,
      "refund_amount": 100,
      "goods_detail": [{"merchant_goods_id": "1217752501201407033233368018",
                        "wechatpay_goods_id": "1001", "goods_name": "iPhone6s 16G",
                        "unit_price": 528800, "refund_amount": 528800, "refund_quantity": 1}]
    }]
  })";
  auto r = ExpectExactRoundTrip<Refund>(success);
  ASSERT_TRUE(r.amount.has_value());
  EXPECT_EQ(r.amount->refund, 100);
  ASSERT_EQ(r.amount->from.size(), 1u);
  EXPECT_EQ(r.amount->from[0].amount, 444);
  ASSERT_EQ(r.promotion_detail.size(), 1u);
  EXPECT_EQ(r.promotion_detail[0].goods_detail[0].refund_quantity, 1);

  // Still processing: no success_time, an empty `from`, no promotion_detail.
  const std::string processing = R"({
    "refund_id": "50000000382019052709732678859",
    "out_refund_no": "1217752501201407033233368018",
    "transaction_id": "1217752501201407033233368018",
    "out_trade_no": "1217752501201407033233368018",
    "channel": "ORIGINAL",
    "user_received_account": "支付用户零钱",
    "create_time": "2020-12-01T16:18:12+08:00",
    "status": "PROCESSING",
    "amount": {"total": 100, "refund": 100, "from": [], "payer_total": 100, "payer_refund": 100,
               "settlement_refund": 100, "settlement_total": 100, "discount_refund": 0,
               "currency": "CNY"}
  })";
  auto p = ExpectExactRoundTrip<Refund>(processing);
  EXPECT_FALSE(p.success_time.has_value());
  EXPECT_FALSE(p.promotion_detail.has_value());
  ASSERT_TRUE(p.amount.has_value());
  EXPECT_TRUE(p.amount->from.has_value());  // `[]`: present
  EXPECT_TRUE(p.amount->from.empty());
  EXPECT_FALSE(p.amount->refund_fee.has_value());
}

TEST(ModelsResponseRoundTripTest, PrepayAnswer) {
  using Native = pay::PostTransactionsNative;
  auto r = ExpectExactRoundTrip<Native>(R"({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"})");
  EXPECT_EQ(r.code_url, "weixin://wxpay/bizpayurl?pr=p4lpSuKzz");
  auto empty = ExpectExactRoundTrip<Native>("{}");
  EXPECT_FALSE(empty.code_url.has_value());
}

TEST(ModelsResponseRoundTripTest, ListsTellAbsentFromEmpty) {
  models::List<int> absent;
  EXPECT_FALSE(absent.has_value());
  models::List<int> filled = {1, 2};
  EXPECT_TRUE(filled.has_value());
  models::List<int> empty;
  empty.set_present();
  EXPECT_TRUE(empty.has_value());
  EXPECT_TRUE(empty.empty());
  models::List<int> assigned = std::vector<int>();
  EXPECT_TRUE(assigned.has_value());
  assigned.reset();
  EXPECT_FALSE(assigned.has_value());
  filled = {};
  EXPECT_FALSE(filled.has_value());
}

}  // namespace
}  // namespace wechatpay
