// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The five seed endpoints through the typed models, hand-checked: the exact request that goes
// out (fake transport), the parsed answer, and the broken variants that validation rejects
// before anything is sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_util.h"
#include "unit/models_fake_fixture.h"
#include "unit/models_seeds.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/models/miniprogram/user_order.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/merchant_risk_manage.h"
#include "wechatpay/models/v3/smartguide.h"
#include "wechatpay/models/v3/transaction_block.h"
#include "wechatpay/testing/fake_transport.h"
#include "wechatpay/url.h"

namespace wechatpay {
namespace {

using nlohmann::json;
using testing::FakeTransport;
using ::testing::HasSubstr;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::LoadPublicKey;
using testing::Vectors;
namespace seeds = testing::seeds;
using testing::kNow;
using testing::kOrigin;
using testing::ModelsMiniProgramTest;
using testing::ModelsSeedTest;
using testing::XmlAnswer;

namespace mrm = models::v3::merchant_risk_manage;
namespace tb = models::v3::transaction_block;
namespace payitil = models::v2::payitil;
namespace uo = models::miniprogram::user_order;

// ---- seed 000: POST v3/merchant-risk-manage/report-trade-union-information ----

TEST_F(ModelsSeedTest, ReportTradeUnionInformationEncryptsSensitiveFields) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"sp_mchid":"1900000109","acquiring_bank_id":"1356485",
      "channel_id":"1900000108","sub_mchid":"1900009231",
      "out_trade_no":"1217752501201407033233368018","added_later":{"x":1}})"));
  auto r =
      mrm::PostReportTradeUnionInformation::Call(client, seeds::Report());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.out_trade_no, "1217752501201407033233368018");
  EXPECT_EQ(r->value.channel_id, "1900000108");
  EXPECT_EQ(r->value.extra.get(), json::parse(R"({"added_later":{"x":1}})"));

  ASSERT_EQ(fake_->request_count(), 1u);
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url,
            std::string(kOrigin) + "/v3/merchant-risk-manage/report-trade-union-information");
  EXPECT_FALSE(sent.headers.Get("Wechatpay-Serial").empty());
  json body = json::parse(sent.body);
  // Sent encrypted: not the plain value, and it decrypts with the key Wechatpay-Serial names.
  ASSERT_TRUE(body["phone"].is_string());
  EXPECT_NE(body["phone"], "13800138000");
  EXPECT_EQ(Decrypt(sent, body["phone"]), "13800138000");
  EXPECT_EQ(Decrypt(sent, body["certificates_number"]), "110101199003072316");
  body.erase("phone");
  body.erase("certificates_number");
  EXPECT_EQ(body, json::parse(R"({"sp_mchid":"1900000109","acquiring_bank_id":"1356485",
      "channel_id":"1900000108","sub_mchid":"1900009231",
      "out_trade_no":"1217752501201407033233368018","openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
      "client_ip":"58.213.1.1","risk_level":2,"line_type":1,"goods_type":2,"seller_type":1,
      "is_need_deliver":true,"device_type":3,"scene":1,
      "recharge_fields":{"account_type":1,"account":"13900139000"}})"));
  // The plain values never reach the wire.
  EXPECT_THAT(sent.body, ::testing::Not(HasSubstr("13800138000")));
  EXPECT_THAT(sent.body, ::testing::Not(HasSubstr("110101199003072316")));
}

// ---- seed 001: GET v3/merchant-risk-manage/trade-risk-information ----

TEST_F(ModelsSeedTest, TradeRiskInformationQueryAndTypedAnswer) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"risk_score":87,"risk_type":"FRAUD",
      "punish_type":"FREEZE_EVERYTHING","punish_description":"冻结资金"})"));
  auto r = mrm::GetTradeRiskInformation::Call(client, seeds::RiskQuery());
  ASSERT_TRUE(r) << r.error().ToString();
  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url,
            std::string(kOrigin) +
                "/v3/merchant-risk-manage/trade-risk-information?sp_mchid=1900000109"
                "&acquiring_bank_id=1356485&channel_id=1900000108&sub_mchid=1900009231"
                "&out_trade_no=1217752501201407033233368018&complaints_information=" +
                url::PercentEncode("商家说高额返利,支付很大金额之后发现并没有返利,是骗子"));
  EXPECT_TRUE(sent.body.empty());

  using Resp = mrm::GetTradeRiskInformationResponse;
  EXPECT_EQ(r->value.risk_score, 87);
  EXPECT_EQ(r->value.risk_type, Resp::RiskType::kFraud);
  EXPECT_EQ(models::WireName(r->value.risk_type), "FRAUD");
  // A value this SDK does not know is kept, and sent back as it came.
  ASSERT_TRUE(r->value.punish_type.has_value());
  EXPECT_FALSE(r->value.punish_type.known());
  EXPECT_EQ(r->value.punish_type.value(), Resp::PunishType::kUnrecognized);
  EXPECT_EQ(r->value.punish_type.unrecognized_text(), "FREEZE_EVERYTHING");
  json again;
  models::ToJson(r->value, &again);
  EXPECT_EQ(again["punish_type"], "FREEZE_EVERYTHING");
  EXPECT_EQ(again["risk_type"], "FRAUD");
}

TEST_F(ModelsSeedTest, TradeRiskInformationWithoutOutTradeNoIsRejectedBeforeSending) {
  Client client = MakeClient();
  mrm::GetTradeRiskInformationRequest q = seeds::RiskQuery();
  q.out_trade_no.clear();
  auto r = mrm::GetTradeRiskInformation::Call(client, q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("query.out_trade_no"));
  EXPECT_THAT(r.error().message, HasSubstr("required"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ModelsSeedTest, PreparedCallIsTheUntypedCall) {
  // The pieces an async caller reuses: (method, uri, options) and the parser.
  Client client = MakeClient();
  auto call = mrm::GetTradeRiskInformation::Prepare(client, seeds::RiskQuery());
  ASSERT_TRUE(call) << call.error().ToString();
  EXPECT_EQ(call->method, "GET");
  EXPECT_EQ(call->uri, "v3/merchant-risk-manage/trade-risk-information");
  ASSERT_EQ(call->options.query.size(), 6u);
  EXPECT_EQ(call->options.query[4],
            (std::pair<std::string, std::string>("out_trade_no", "1217752501201407033233368018")));
  EXPECT_FALSE(call->options.body.has_value());
  Response raw{200, {}, R"({"risk_score":5})"};
  mrm::GetTradeRiskInformationResponse parsed;
  ASSERT_TRUE(mrm::GetTradeRiskInformation::Parse(raw, &parsed));
  EXPECT_EQ(parsed.risk_score, 5);
  EXPECT_FALSE(parsed.risk_type.has_value());
  // A member of the wrong type is a parse error naming the member, never its value.
  Response bad{200, {}, R"({"risk_score":"eighty-seven"})"};
  Status s = mrm::GetTradeRiskInformation::Parse(bad, &parsed);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kParse);
  EXPECT_THAT(s.error().message, HasSubstr("'risk_score'"));
  EXPECT_THAT(s.error().message, ::testing::Not(HasSubstr("eighty")));
}

TEST_F(ModelsSeedTest, QueryParametersListedAsEncryptedAreEncrypted) {
  Client client = MakeClient();
  models::v3::smartguide::GetGuidesRequest q;
  q.store_id = 1234;
  q.mobile = "13800138000";
  // Prepare lists the parameter for the pipeline, which encrypts it when the call is sent (the
  // same code as the chain's encrypt_fields "query:mobile" and the CLI).
  auto call = models::v3::smartguide::GetGuides::Prepare(client, q);
  ASSERT_TRUE(call) << call.error().ToString();
  EXPECT_THAT(call->options.encrypt_fields, ::testing::Contains("query:mobile"));
  fake_->Enqueue(Signed(200, R"({"data":[],"total_count":0})"));
  (void)models::v3::smartguide::GetGuides::Call(client, q);
  ASSERT_EQ(fake_->requests().size(), 1u);
  HttpRequest as_sent = fake_->requests()[0];
  std::string_view url = as_sent.url;
  auto query = url::ParseQuery(url.substr(url.find('?') + 1));
  ASSERT_TRUE(query) << as_sent.url;
  ASSERT_EQ(query->size(), 2u);
  EXPECT_EQ((*query)[0], (std::pair<std::string, std::string>("store_id", "1234")));
  EXPECT_EQ((*query)[1].first, "mobile");
  EXPECT_NE((*query)[1].second, "13800138000");
  EXPECT_FALSE(as_sent.headers.Get("Wechatpay-Serial").empty());
  EXPECT_EQ(Decrypt(as_sent, (*query)[1].second), "13800138000");
}

// ---- seed 004: POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid} ----

TEST_F(ModelsSeedTest, BlockSubmissionSendsSubmitDataAsAJsonString) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"block_submission_id":"BS20240101","submit_time":
      "2024-01-01T08:00:00+08:00","review_result":"EMPTY"})"));
  auto r = tb::PostTransactionBlockSubmissionsSubMchid::Call(client, "123000110", seeds::Submission());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.block_submission_id, "BS20240101");
  EXPECT_EQ(r->value.review_result,
            tb::PostTransactionBlockSubmissionsSubMchidResponse::ReviewResult::kEmpty);

  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.url,
            std::string(kOrigin) +
                "/v3/transaction-block/transaction-block-submissions/sub-mchid/123000110");
  // Members in catalog order; submit_data is a string holding the document, whose
  // repeated_field_data is in turn a string holding its list.
  const char* expected_document =
      R"({"record_fields":[{"item_id":"","field_name":"","name":"","type":1,)"
      R"("repeated_field_data":"[{\"longitude\":\"\",\"trade_goods\":\"\",\"logistic_flag\":0,)"
      R"(\"evidence_img_list\":[\"凭证图片1\"]}]","required":0,"need_encrypt":true,)"
      R"("string_check_rule":{"min_string_length":0,"max_string_length":0,"validator":"number"},)"
      R"("file_check_rule":{"enum_file_exts":["png"]},)"
      R"("time_interval_check_rule":{"min_list_length":2,"max_list_length":2},)"
      R"("relations":[{"source_key":0,"source_value":""}]}]})";
  EXPECT_EQ(
      sent.body,
      json({{"merchant_submit_id", "ABC123456789"}, {"submit_data", expected_document}}).dump());
}

TEST_F(ModelsSeedTest, BlockSubmissionWithABadEnumIsRejectedBeforeSending) {
  Client client = MakeClient();
  auto req = seeds::Submission();
  using Fields = tb::PostTransactionBlockSubmissionsSubMchidRequest::SubmitData::RecordFields;
  req.submit_data.record_fields[0].type = static_cast<Fields::Type>(0);  // as on the seed page
  auto r = tb::PostTransactionBlockSubmissionsSubMchid::Call(client, "123000110", req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("submit_data~record_fields[0].type"));
  EXPECT_THAT(r.error().message, HasSubstr("is not allowed; it must be one of"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

// ---- seed 002: POST v2/payitil/report ----

TEST_F(ModelsSeedTest, PayitilReportBuildsTradesFromATypedList) {
  Client client = MakeClient();
  fake_->Enqueue(
      XmlAnswer({{"return_code", "SUCCESS"}, {"return_msg", "OK"}, {"result_code", "SUCCESS"}}));
  auto r = payitil::PostReport::Call(client, seeds::Payitil());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.return_code, payitil::PostReportResponse::ReturnCode::kSuccess);
  EXPECT_EQ(r->value.result_code, payitil::PostReportResponse::ResultCode::kSuccess);
  EXPECT_EQ(r->value.return_msg, "OK");
  EXPECT_TRUE(r->value.extra.get().contains("sign"));  // not in the response schema: kept

  HttpRequest sent = fake_->requests()[0];
  EXPECT_EQ(sent.url, std::string(kOrigin) + "/payitil/report");
  auto fields = apiv2::DecodeXml(sent.body);
  ASSERT_TRUE(fields);
  const json& v = Vectors()["apiv2_sign"];
  // The trades JSON is byte for byte the reference one, so the MD5 sign is the reference sign.
  EXPECT_EQ(fields->Get("trades"), v["fields"]["trades"]);
  EXPECT_EQ(fields->Get("sign"), v["md5"]);
  EXPECT_EQ(fields->Get("nonce_str"), v["fields"]["nonce_str"]);
  EXPECT_FALSE(fields->Has("sign_type"));
  EXPECT_THAT(sent.body, HasSubstr("<trades><![CDATA[[{"));
}

TEST_F(ModelsSeedTest, PayitilReportWithAnUnknownStateIsRejectedBeforeSending) {
  Client client = MakeClient();
  auto req = seeds::Payitil();
  using Trades = payitil::PostReportRequest::Trades;
  req.trades[0].state = models::Enum<Trades::State>::FromWire("DONE");
  auto r = payitil::PostReport::Call(client, req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("trades~[0].state"));
  EXPECT_THAT(r.error().message, HasSubstr("is not allowed; it must be one of"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

// ---- seed 003: POST user-order/combine-orders (mini-program) ----

TEST_F(ModelsMiniProgramTest, CombineOrdersSendsTheTypedOrder) {
  Client client = MakeClient();
  auto r = uo::PostCombineOrders::Call(client, seeds::CombineOrder());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.errcode, 0);
  EXPECT_EQ(r->value.errmsg, "ok");
  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 2u);  // the token, then the call
  EXPECT_EQ(reqs[1].url,
            "https://api.weixin.qq.com/user-order/combine-orders?access_token=TOKEN-1");
  EXPECT_EQ(
      reqs[1].body,
      R"({"order_key":{"order_number_type":2,"transaction_id":"4200001234202611230000000001"},)"
      R"("sub_orders":[{"order_key":{"order_number_type":2,)"
      R"("transaction_id":"4200001234202611230000000001"},)"
      R"("order_detail_jump_link":{"url":"https://example.com/order/1","type":1},)"
      R"("item_list":[{"merchant_item_id":"ITEM-1","name":"QQ公仔","unit_price":100,)"
      R"("quantity":1,"image_url":["https://qpic.cn/x.png"],)"
      R"("item_detail_jump_link":{"url":"https://example.com/item/1","type":1}}]}],)"
      R"("payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},)"
      R"("upload_time":"2026-11-23T10:35:00+08:00"})");
}

TEST_F(ModelsMiniProgramTest, TooManyItemsAndABadImageUrlAreRejectedBeforeSending) {
  Client client = MakeClient();
  auto many = seeds::CombineOrder();
  auto& items = many.sub_orders[0].item_list;
  while (items.size() < 51) items.push_back(items[0]);
  auto r1 = uo::PostCombineOrders::Call(client, many);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r1.error().message, HasSubstr("sub_orders[0].item_list"));
  EXPECT_THAT(r1.error().message, HasSubstr("51 items, at most 50 allowed"));

  auto bad_url = seeds::CombineOrder();
  bad_url.sub_orders[0].item_list[0].image_url = {"ftp://qpic.cn/x.png"};
  auto r2 = uo::PostCombineOrders::Call(client, bad_url);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r2.error().message, HasSubstr("sub_orders[0].item_list[0].image_url[0]"));
  EXPECT_THAT(r2.error().message, HasSubstr("pattern"));
  EXPECT_EQ(fake_->request_count(), 0u);  // not even an access_token fetch
}

}  // namespace
}  // namespace wechatpay
