// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The state directory: created once, reused, never overwritten; acknowledged state survives a
// restart; user-added merchants are accepted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "integration/sandbox_fixture.h"
#include "support/test_util.h"

namespace wechatpay::sandbox::testing {
namespace {

nlohmann::json OrderBody(const V3Client& c, const std::string& no) {
  return {{"appid", c.merchant().appid},
          {"mchid", c.merchant().mchid},
          {"description", "persisted"},
          {"out_trade_no", no},
          {"notify_url", "http://127.0.0.1:9/notify"},
          {"amount", {{"total", 88}}}};
}

TEST(SandboxPersistenceTest, RestartKeepsKeysAndState) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string client_json, merchants_json, cert_pem;
  std::string paid_no = "PERSIST0001", open_no = "PERSIST0002", block_id, token;
  std::string base_url;
  {
    auto sb = Sandbox::Start(TestOptions(dir.path()));
    ASSERT_TRUE(sb.ok()) << sb.error().ToString();
    base_url = (*sb)->base_url();
    V3Client c(**sb);
    ASSERT_EQ(c.Send("POST", "/v3/pay/transactions/native", OrderBody(c, paid_no).dump())->status,
              200);
    ASSERT_EQ(c.Send("POST", "/v3/pay/transactions/native", OrderBody(c, open_no).dump())->status,
              200);
    ASSERT_TRUE((*sb)->PayOrder(paid_no).ok());
    nlohmann::json refund = {{"out_trade_no", paid_no},
                             {"out_refund_no", "PERSISTRF1"},
                             {"amount", {{"refund", 8}, {"total", 88}, {"currency", "CNY"}}}};
    ASSERT_EQ(c.Send("POST", "/v3/refund/domestic/refunds", refund.dump())->status, 200);
    nlohmann::json report = {{"out_trade_no", paid_no}, {"risk_level", 1}};
    ASSERT_EQ(c.Send("POST", "/v3/merchant-risk-manage/report-trade-union-information",
                     report.dump(), {{"Wechatpay-Serial", c.keys().public_key_id}})
                  ->status,
              200);
    nlohmann::json block = {{"merchant_submit_id", "SUBMIT1"},
                            {"submit_data", R"({"record_fields":[{"item_id":"1"}]})"}};
    auto b =
        c.Send("POST", "/v3/transaction-block/transaction-block-submissions/sub-mchid/1900009231",
               block.dump());
    ASSERT_EQ(b->status, 200);
    block_id = c.Json(*b)["block_submission_id"];
    auto t = c.http().Get(
        ("/cgi-bin/token?grant_type=client_credential&appid=" + (*sb)->miniprogram_appid() +
         "&secret=" + (*sb)->miniprogram_appsecret().reveal())
            .c_str());
    ASSERT_TRUE(t);
    token = nlohmann::json::parse(t->body)["access_token"];
    client_json = ReadText((*sb)->client_config_path());
    merchants_json = ReadText(dir.path() + "/merchants.json");
    cert_pem = ReadText(dir.path() + "/platform_certificate.pem");
    (*sb)->Stop();
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path()));  // a given state dir is kept

  auto sb = Sandbox::Start(TestOptions(dir.path()));
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  // Same files: nothing regenerated. The port is reused when free, so client.json is unchanged.
  EXPECT_EQ(ReadText(dir.path() + "/merchants.json"), merchants_json);
  EXPECT_EQ(ReadText(dir.path() + "/platform_certificate.pem"), cert_pem);
  if ((*sb)->base_url() == base_url) {
    EXPECT_EQ(ReadText((*sb)->client_config_path()), client_json);
  }
  V3Client c(**sb);
  auto q = c.Send("GET",
                  "/v3/pay/transactions/out-trade-no/" + paid_no + "?mchid=" + c.merchant().mchid);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->status, 200);
  EXPECT_EQ(c.Json(*q)["trade_state"], "REFUND");
  std::string tx = c.Json(*q)["transaction_id"];
  auto by_id = c.Send("GET", "/v3/pay/transactions/id/" + tx + "?mchid=" + c.merchant().mchid);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->status, 200);
  q = c.Send("GET",
             "/v3/pay/transactions/out-trade-no/" + open_no + "?mchid=" + c.merchant().mchid);
  ASSERT_TRUE(q);
  EXPECT_EQ(c.Json(*q)["trade_state"], "NOTPAY");
  auto rf = c.Send("GET", "/v3/refund/domestic/refunds/PERSISTRF1");
  ASSERT_TRUE(rf);
  EXPECT_EQ(rf->status, 200);
  EXPECT_EQ(c.Json(*rf)["status"], "PROCESSING");
  ASSERT_TRUE((*sb)->CompleteRefund("PERSISTRF1").ok());
  auto risk =
      c.Send("GET", "/v3/merchant-risk-manage/trade-risk-information?out_trade_no=" + paid_no);
  ASSERT_TRUE(risk);
  EXPECT_EQ(risk->status, 200);
  auto blk = c.Send("GET", "/v3/transaction-block/transaction-block-submissions/" + block_id);
  ASSERT_TRUE(blk);
  EXPECT_EQ(blk->status, 200);
  // The access token is still the valid one.
  auto up = c.http().Post(("/user-order/combine-orders?access_token=" + token).c_str(), "{}",
                          "application/json");
  ASSERT_TRUE(up);
  EXPECT_NE(nlohmann::json::parse(up->body)["errcode"], 40001);
  // The delivery for the paid order was recorded (the notify_url is unreachable).
  bool found = false;
  for (const auto& d : (*sb)->Deliveries()) found |= d.event_type == "TRANSACTION.SUCCESS";
  EXPECT_TRUE(found);
}

TEST(SandboxPersistenceTest, TornJournalLineIsIgnored) {
  TempDir dir;
  {
    auto sb = Sandbox::Start(TestOptions(dir.path()));
    ASSERT_TRUE(sb.ok());
    V3Client c(**sb);
    ASSERT_EQ(
        c.Send("POST", "/v3/pay/transactions/native", OrderBody(c, "TORN000001").dump())->status,
        200);
    (*sb)->Stop();
  }
  {
    // A crash in the middle of an append leaves half a line.
    std::ofstream j(dir.path() + "/orders.journal", std::ios::app);
    j << "{\"k\":\"x\",\"v\":{\"trunc";
  }
  auto sb = Sandbox::Start(TestOptions(dir.path()));
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  V3Client c(**sb);
  auto q =
      c.Send("GET", "/v3/pay/transactions/out-trade-no/TORN000001?mchid=" + c.merchant().mchid);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 200);
}

TEST(SandboxPersistenceTest, UserAddedMerchantIsAccepted) {
  TempDir dir;
  {
    auto sb = Sandbox::Start(TestOptions(dir.path()));
    ASSERT_TRUE(sb.ok());
    (*sb)->Stop();
  }
  // Add the test-data merchant (its certificate from tests/data) to merchants.json.
  auto list = nlohmann::json::parse(ReadText(dir.path() + "/merchants.json"));
  auto cert = wechatpay::testing::LoadCertificate("merchant_cert.pem");
  list.push_back({{"mchid", "1900000001"},
                  {"serial", cert.serial()},
                  {"public_key", wechatpay::testing::DataPath("merchant_cert.pem")},
                  {"apiv3_key", std::string(32, 'k')},
                  {"apiv2_key", std::string(32, 'v')}});
  {
    std::ofstream out(dir.path() + "/merchants.json", std::ios::trunc);
    out << list.dump(2);
  }
  auto sb = Sandbox::Start(TestOptions(dir.path()));
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  httplib::Client http((*sb)->base_url());
  RequestSigner signer("1900000001", cert.serial(),
                       wechatpay::testing::LoadPrivateKey("merchant_key.pem"));
  auto auth = signer.Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  auto res = http.Get("/v3/certificates", {{"Authorization", *auth}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  // The file was not rewritten.
  EXPECT_EQ(nlohmann::json::parse(ReadText(dir.path() + "/merchants.json")), list);
}

TEST(SandboxPersistenceTest, BrokenMerchantsFileIsAClearError) {
  TempDir dir;
  {
    std::ofstream out(dir.path() + "/merchants.json");
    out << R"([{"mchid":"1","serial":"AB"}])";
  }
  auto sb = Sandbox::Start(TestOptions(dir.path()));
  ASSERT_FALSE(sb.ok());
  EXPECT_NE(sb.error().message.find("public_key"), std::string::npos) << sb.error().message;
}

TEST(SandboxPersistenceTest, TemporaryStateDirIsRemovedOnStop) {
  auto sb = Sandbox::Start(TestOptions());
  ASSERT_TRUE(sb.ok());
  std::string dir = (*sb)->state_dir();
  EXPECT_TRUE(std::filesystem::exists(dir + "/client.json"));
  (*sb)->Stop();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
