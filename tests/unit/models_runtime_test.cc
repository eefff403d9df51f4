// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The typed-model runtime through generated types: enums that keep unknown values, unknown
// members, APIv2 indexed families and nested elements, JSON carried in strings, errors that
// name the member but never its value, and request `extra` members.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wechatpay/apiv2.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/mmpaymkttransfers.h"
#include "wechatpay/models/v2/pay.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/merchant_risk_manage.h"

namespace wechatpay::models {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using RiskResponse = v3::merchant_risk_manage::GetTradeRiskInformationResponse;
using RiskType = RiskResponse::RiskType;

TEST(ModelsRuntimeTest, EnumKeepsTheTextOfValuesItDoesNotKnow) {
  Enum<RiskType> unset;
  EXPECT_FALSE(unset.has_value());
  EXPECT_FALSE(unset.known());

  Enum<RiskType> fraud = RiskType::kFraud;
  EXPECT_TRUE(fraud.known());
  EXPECT_EQ(fraud, RiskType::kFraud);
  EXPECT_EQ(RiskType::kFraud, fraud);
  EXPECT_NE(fraud, RiskType::kGambling);
  EXPECT_EQ(WireName(fraud), "FRAUD");
  EXPECT_EQ(Enum<RiskType>::FromWire("CYBERSEX"), RiskType::kCybersex);

  Enum<RiskType> later = Enum<RiskType>::FromWire("ADDED_IN_2030");
  EXPECT_TRUE(later.has_value());
  EXPECT_FALSE(later.known());
  EXPECT_EQ(later.value(), RiskType::kUnrecognized);
  EXPECT_EQ(WireName(later), "ADDED_IN_2030");
  EXPECT_NE(later, Enum<RiskType>::FromWire("ADDED_IN_2031"));
}

TEST(ModelsRuntimeTest, UnknownMembersRoundTripAtEveryLevel) {
  const char* text = R"({"risk_score":3,"risk_type":"NEW_KIND","future":{"a":[1,2]}})";
  auto r = FromJsonString<RiskResponse>(text);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->risk_score, 3);
  EXPECT_EQ(r->extra.get(), json::parse(R"({"future":{"a":[1,2]}})"));
  EXPECT_EQ(json::parse(ToJsonString(*r)), json::parse(text));

  RiskResponse copy = *r;  // plain values: copies are deep
  copy.extra.mutable_get()["future"] = 1;
  EXPECT_NE(copy.extra, r->extra);
}

TEST(ModelsRuntimeTest, ErrorsNameTheMemberNotTheValue) {
  auto r = FromJsonString<RiskResponse>(R"({"risk_score":1.5})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_THAT(r.error().message, HasSubstr("'risk_score'"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("1.5")));

  auto bad_enum = FromJsonString<RiskResponse>(R"({"risk_type":{"secret":"s3cr3t"}})");
  ASSERT_FALSE(bad_enum);
  EXPECT_THAT(bad_enum.error().message, HasSubstr("'risk_type'"));
  EXPECT_THAT(bad_enum.error().message, Not(HasSubstr("s3cr3t")));

  EXPECT_FALSE(FromJsonString<RiskResponse>("not json"));
  EXPECT_FALSE(FromJsonString<RiskResponse>("[1]"));
}

TEST(ModelsRuntimeTest, JsonCarriedInAStringIsTypedAndPathsUseTilde) {
  using Report = v2::payitil::PostReportRequest;
  const char* trades = R"([{"out_trade_no":"o1","begin_time":"b","end_time":"e","state":"OK"}])";
  json in = {{"interface_url", "u"}, {"user_ip", "1.1.1.1"}, {"trades", trades}};
  Report report;
  ASSERT_TRUE(FromJson(in, &report, Encoding::kText));
  ASSERT_EQ(report.trades.size(), 1u);
  EXPECT_EQ(report.trades[0].out_trade_no, "o1");
  EXPECT_EQ(report.trades[0].state, Report::Trades::State::kOk);
  json out;
  ToJson(report, &out, Encoding::kText);
  EXPECT_EQ(out["trades"], trades);  // written back in catalog order, byte for byte

  in["trades"] = R"([{"out_trade_no":7}])";
  Status s = FromJson(in, &report, Encoding::kText);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("'trades~[0].out_trade_no'"));
  in["trades"] = "[{";
  s = FromJson(in, &report, Encoding::kText);
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message, HasSubstr("'trades' does not hold a valid JSON document"));
}

TEST(ModelsRuntimeTest, ApiV2AnswersWithIndexedFamilies) {
  apiv2::Fields f{
      {"return_code", "SUCCESS"},     {"result_code", "SUCCESS"},
      {"transaction_id", "4200001"},  {"total_fee", "100"},
      {"refund_count", "2"},          {"refund_fee_0", "60"},
      {"refund_fee_1", "40"},         {"coupon_refund_fee_0_0", "5"},
      {"coupon_refund_fee_0_1", "6"}, {"coupon_refund_fee_1_0", "7"},
      {"refund_status_0", "SUCCESS"}, {"brand_new_field", "x"},
  };
  ::wechatpay::Response raw{200, {}, apiv2::EncodeXml(f)};
  v2::pay::PostRefundqueryResponse r;
  Status s = v2::pay::PostRefundquery::Parse(raw, &r);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(r.return_code, v2::pay::PostRefundqueryResponse::ReturnCode::kSuccess);
  EXPECT_EQ(r.total_fee, 100);
  EXPECT_EQ(r.refund_fee_n, (std::vector<std::int32_t>{60, 40}));
  EXPECT_EQ(r.coupon_refund_fee_n_m, (std::vector<std::vector<std::int32_t>>{{5, 6}, {7}}));
  EXPECT_EQ(r.refund_status_n, (std::vector<std::string>{"SUCCESS"}));
  EXPECT_EQ(r.extra.get(), json::parse(R"({"brand_new_field":"x"})"));
  json back;
  ToJson(r, &back, Encoding::kText);
  EXPECT_EQ(back["coupon_refund_fee_0_1"], "6");
  EXPECT_EQ(back["refund_fee_1"], "40");
  EXPECT_FALSE(back.contains("coupon_refund_fee_n_m"));
}

TEST(ModelsRuntimeTest, ApiV2NestedElementsBecomeTypedLists) {
  using Info = v2::mmpaymkttransfers::PostGethbinfoResponse;
  const char* one =
      "<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code>"
      "<total_num>1</total_num><hblist><hbinfo><openid>o1</openid><amount>100</amount>"
      "</hbinfo></hblist></xml>";
  Info info;
  ASSERT_TRUE(v2::mmpaymkttransfers::PostGethbinfo::Parse(::wechatpay::Response{200, {}, one}, &info));
  ASSERT_TRUE(info.hblist);
  ASSERT_EQ(info.hblist->hbinfo.size(), 1u);
  EXPECT_EQ(info.hblist->hbinfo[0].openid, "o1");
  EXPECT_EQ(info.hblist->hbinfo[0].amount, 100);

  const char* two =
      "<xml><return_code>SUCCESS</return_code><hblist>"
      "<hbinfo><openid>o1</openid></hbinfo><hbinfo><openid>o2</openid></hbinfo>"
      "</hblist></xml>";
  ASSERT_TRUE(v2::mmpaymkttransfers::PostGethbinfo::Parse(::wechatpay::Response{200, {}, two}, &info));
  ASSERT_EQ(info.hblist->hbinfo.size(), 2u);
  EXPECT_EQ(info.hblist->hbinfo[1].openid, "o2");
}

TEST(ModelsRuntimeTest, RequestExtraMembersAreSentAndEmptyRequiredStringsAreLeftOut) {
  // No client is needed to prepare an APIv3 call without encrypted fields.
  auto client = Client::Create([] {
    ClientOptions o;
    o.apiv2_key = SecretString(std::string(32, 'k'));
    o.mchid = "1900000109";
    return o;
  }());
  ASSERT_TRUE(client) << client.error().ToString();
  v2::payitil::PostReportRequest req;
  req.interface_url = "https://api.mch.weixin.qq.com/pay/micropay";
  req.extra.mutable_get()["added_by_wechat_later"] = "yes";
  auto call = v2::payitil::PostReport::Prepare(*client, req);
  ASSERT_TRUE(call) << call.error().ToString();
  ASSERT_TRUE(call->options.xml);
  const apiv2::Fields& fields = *call->options.xml;
  EXPECT_EQ(fields.Get("interface_url"), "https://api.mch.weixin.qq.com/pay/micropay");
  EXPECT_EQ(fields.Get("added_by_wechat_later"), "yes");
  EXPECT_FALSE(fields.Has("user_ip"));  // required but empty: left for validation to report
  EXPECT_EQ(fields.Get("trades"), "[]");
}

}  // namespace
}  // namespace wechatpay::models
