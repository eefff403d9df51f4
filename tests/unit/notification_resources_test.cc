// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Typed callback resources (include/wechatpay/notifications.h, data/notification_resources.json):
// a signed, encrypted callback of each kind is verified, decrypted and decoded in one call, and
// the decoded resource re-encodes to exactly the members it had (nothing invented, nothing lost).
#include "wechatpay/notifications.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/test_util.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/testing/fake_transport.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignedCallback;

namespace wechatpay {
namespace {

namespace n = models::v3::notifications;
using ::testing::HasSubstr;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;  // inside the test certificates' validity

// Decrypted resources as WeChat Pay sends them (shapes of the documented examples).
constexpr const char* kPayment = R"({
  "transaction_id": "1217752501201407033233368018", "amount": {"payer_total": 100, "total": 100,
  "currency": "CNY", "payer_currency": "CNY"}, "mchid": "1230000109", "trade_state": "SUCCESS",
  "bank_type": "CMC", "promotion_detail": [{"amount": 100, "wechatpay_contribute": 0,
  "coupon_id": "109519", "scope": "GLOBAL", "merchant_contribute": 0, "name": "单品惠-6",
  "other_contribute": 0, "currency": "CNY", "stock_id": "931386", "goods_detail": [{
  "goods_remark": "商品备注信息", "quantity": 1, "discount_amount": 1, "goods_id": "M1006",
  "unit_price": 100}]}], "success_time": "2018-06-08T10:34:56+08:00",
  "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, "out_trade_no": "1217752501201407033233368018",
  "appid": "wxd678efh567hg6787", "trade_state_desc": "支付成功", "trade_type": "MICROPAY",
  "attach": "自定义数据"})";
constexpr const char* kRefund = R"({
  "mchid": "1900000100", "transaction_id": "1008450740201411110005820873",
  "out_trade_no": "20150806125346", "refund_id": "50200207182018070300011301001",
  "out_refund_no": "7752501201407033233368018", "refund_status": "SUCCESS",
  "success_time": "2018-06-08T10:34:56+08:00", "user_received_account": "招商银行信用卡0403",
  "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999}})";
constexpr const char* kCombine = R"({
  "combine_appid": "wxd678efh567hg6787", "combine_mchid": "1900000109",
  "combine_out_trade_no": "20150806125346", "combine_payer_info": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
  "scene_info": {"device_id": "POS1:1"}, "sub_orders": [{"mchid": "1900000109",
  "trade_type": "NATIVE", "trade_state": "SUCCESS", "bank_type": "CMC", "attach": "深圳分店",
  "success_time": "2015-05-20T13:29:35.120+08:00", "transaction_id": "1009660380201506130728806387",
  "out_trade_no": "20150806125346", "sub_mchid": "1900000109",
  "amount": {"total_amount": 10, "currency": "CNY", "payer_amount": 10, "payer_currency": "CNY"}}]})";
constexpr const char* kProfitSharing = R"({
  "sp_mchid": "1900000100", "sub_mchid": "1900000109", "transaction_id": "4200000000000000000000000000",
  "order_id": "1217752501201407033233368018", "out_order_no": "P20150806125346",
  "receiver": {"type": "MERCHANT_ID", "account": "1900000110", "amount": 888,
  "description": "运费/交易分账"}, "success_time": "2018-06-08T10:34:56+08:00"})";
constexpr const char* kTransferBill = R"({
  "out_bill_no": "plfk2020042013", "transfer_bill_no": "1330000071100999991182020050700019480001",
  "state": "SUCCESS", "mch_id": "1900001109", "transfer_amount": 2000,
  "openid": "o-MYE42l80oelYMDE34nYD456Xoy", "create_time": "2015-05-20T13:29:35.120+08:00",
  "update_time": "2015-05-20T13:29:35.120+08:00"})";
constexpr const char* kTransferBatch = R"({
  "out_batch_no": "bfatestnotify000033", "batch_id": "131000007026709999520922023081519403795655",
  "batch_status": "FINISHED", "total_num": 2, "total_amount": 200, "success_amount": 100,
  "success_num": 1, "fail_amount": 100, "fail_num": 1, "mchid": "2483775951",
  "update_time": "2023-08-15T20:33:22+08:00"})";
constexpr const char* kComplaint = R"({"complaint_id": "200201820200101080076610000",
  "action_type": "CREATE_COMPLAINT"})";

class NotificationResourcesTest : public ::testing::Test {
 protected:
  Client MakeClient() {
    ClientOptions o;
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.apiv3_key = apiv3_key_;
    o.transport = std::make_shared<testing::FakeTransport>();
    o.clock = [] { return kNow; };
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  SignedCallback Callback(const std::string& event_type, const std::string& original_type,
                          const std::string& plaintext) {
    auto cb =
        MakeNotification(platform_key_, Vectors()["platform_serial"].get<std::string>(), apiv3_key_,
                         "EV-2018022511223320873", event_type, "summary", original_type, plaintext,
                         kNow, "nonce-1", "2018-06-08T10:34:56+08:00");
    EXPECT_TRUE(cb) << cb.error().ToString();
    return std::move(*cb);
  }
  // Parses a callback as R and checks the round trip: exactly the members it had.
  template <class R>
  TypedNotification<R> RoundTrip(const std::string& event_type, const std::string& original_type,
                                 const char* plaintext) {
    Client client = MakeClient();
    SignedCallback cb = Callback(event_type, original_type, plaintext);
    auto typed = ParseNotificationAs<R>(client, cb.headers, cb.body);
    EXPECT_TRUE(typed) << typed.error().ToString();
    if (!typed) return {};
    EXPECT_EQ(typed->notification.event_type, event_type);
    nlohmann::json back;
    models::ToJson(typed->resource, &back);
    EXPECT_EQ(back, nlohmann::json::parse(plaintext))
        << "invented or lost members: " << back.dump();
    return std::move(*typed);
  }

  SecretString apiv3_key_{Vectors()["apiv3_key"].get<std::string>()};
  PrivateKey platform_key_ = LoadPrivateKey("platform_key.pem");
};

TEST_F(NotificationResourcesTest, PaymentIsDecodedInOneCall) {
  auto t = RoundTrip<n::Payment>("TRANSACTION.SUCCESS", "transaction", kPayment);
  const n::Payment& p = t.resource;
  EXPECT_EQ(p.trade_state, n::Payment::TradeState::kSuccess);
  ASSERT_TRUE(p.amount);
  EXPECT_EQ(p.amount->payer_total, 100);
  ASSERT_TRUE(p.payer);
  EXPECT_EQ(p.payer->openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
  ASSERT_TRUE(p.promotion_detail.has_value());
  ASSERT_EQ(p.promotion_detail.size(), 1u);
  EXPECT_EQ(p.promotion_detail[0].goods_detail.size(), 1u);
}

TEST_F(NotificationResourcesTest, EveryResourceKindRoundTrips) {
  auto refund = RoundTrip<n::Refund>("REFUND.SUCCESS", "refund", kRefund);
  EXPECT_EQ(refund.resource.out_refund_no, "7752501201407033233368018");
  ASSERT_TRUE(refund.resource.amount);
  EXPECT_EQ(refund.resource.amount->payer_refund, 999);
  auto combine = RoundTrip<n::CombinePayment>("TRANSACTION.SUCCESS", "transaction", kCombine);
  ASSERT_EQ(combine.resource.sub_orders.size(), 1u);
  EXPECT_EQ(combine.resource.sub_orders[0].out_trade_no, "20150806125346");
  auto sharing = RoundTrip<n::ProfitSharing>("PROFITSHARING", "profitsharing", kProfitSharing);
  ASSERT_TRUE(sharing.resource.receiver);
  EXPECT_EQ(sharing.resource.receiver->amount, 888);
  auto bill = RoundTrip<n::TransferBill>("MCHTRANSFER.BILL.FINISHED", "mch_payment", kTransferBill);
  EXPECT_EQ(bill.resource.transfer_amount, 2000);
  auto batch =
      RoundTrip<n::TransferBatch>("MCHTRANSFER.BATCH.FINISHED", "mch_payment", kTransferBatch);
  EXPECT_EQ(batch.resource.fail_num, 1);
  auto complaint = RoundTrip<n::Complaint>("COMPLAINT.CREATE", "complaint", kComplaint);
  EXPECT_EQ(complaint.resource.action_type, "CREATE_COMPLAINT");
}

TEST_F(NotificationResourcesTest, AbsentMembersStayAbsent) {
  // A NOTPAY-like payment resource with three members: nothing else appears on re-encoding.
  auto t = RoundTrip<n::Payment>(
      "TRANSACTION.SUCCESS", "transaction",
      R"({"out_trade_no": "NC1", "trade_state": "NOTPAY", "amount": {"total": 1}})");
  EXPECT_FALSE(t.resource.payer);
  EXPECT_FALSE(t.resource.transaction_id);
  EXPECT_FALSE(t.resource.amount->payer_total);
}

TEST_F(NotificationResourcesTest, AResourceOfAnotherKindIsRefusedWithWhatItCarries) {
  Client client = MakeClient();
  SignedCallback cb = Callback("REFUND.SUCCESS", "refund", kRefund);
  auto typed = ParseNotificationAs<n::Payment>(client, cb.headers, cb.body);
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(typed.error().message, HasSubstr("REFUND.SUCCESS"));
  EXPECT_THAT(typed.error().message, HasSubstr("original_type \"refund\", not a Payment"));
}

TEST_F(NotificationResourcesTest, AMemberOfTheWrongTypeIsNamedWithoutItsValue) {
  Client client = MakeClient();
  SignedCallback cb = Callback("TRANSACTION.SUCCESS", "transaction",
                               R"({"out_trade_no": "NC1", "amount": {"total": "SECRET-ISH"}})");
  auto typed = ParseNotificationAs<n::Payment>(client, cb.headers, cb.body);
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error().code, ErrorCode::kParse);
  EXPECT_THAT(typed.error().message, HasSubstr("not a Payment"));
  EXPECT_THAT(typed.error().message, HasSubstr("amount"));
  EXPECT_THAT(typed.error().message, ::testing::Not(HasSubstr("SECRET-ISH")));
  SignedCallback bad = Callback("TRANSACTION.SUCCESS", "transaction", "not json");
  auto not_json = ParseNotificationAs<n::Payment>(client, bad.headers, bad.body);
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kParse);
}

TEST_F(NotificationResourcesTest, AnUnverifiedCallbackIsNeverDecoded) {
  Client client = MakeClient();
  SignedCallback cb = Callback("TRANSACTION.SUCCESS", "transaction", kPayment);
  std::string tampered = cb.body;
  tampered.replace(tampered.find("summary"), 7, "SUMMARY");
  auto typed = ParseNotificationAs<n::Payment>(client, cb.headers, tampered);
  ASSERT_FALSE(typed);
  EXPECT_TRUE(IsVerificationError(typed.error().code)) << typed.error().ToString();
}

TEST(NotificationResourceTraits, NameTheirEventsAndOriginalTypes) {
  EXPECT_EQ(models::v3::notifications::ResourceTraits<n::Refund>::kOriginalType, "refund");
  EXPECT_EQ(std::size(models::v3::notifications::ResourceTraits<n::Refund>::kEventTypes), 3u);
  EXPECT_EQ(models::v3::notifications::ResourceTraits<n::TransferBill>::kOriginalType, "");
}

}  // namespace
}  // namespace wechatpay
