// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The SDK client (blocking and async) against the sandbox over 127.0.0.1: certificates, seed
// endpoints, the payment + callback flow, faults seen by retry and verification, APIv2 and the
// mini-program API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay {
namespace {

using sandbox::Fault;
using sandbox::Sandbox;
using sandbox::SandboxOptions;
using ::testing::HasSubstr;

class ClientSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SandboxOptions so;
    auto sb = Sandbox::Start(so);
    ASSERT_TRUE(sb) << sb.error().ToString();
    sandbox_ = std::move(*sb);
  }
  ClientOptions Options(bool with_public_key = true, bool with_certificate = true) {
    sandbox::DemoMerchant m = sandbox_->demo_merchant();
    sandbox::PlatformKeys pk = sandbox_->platform_keys();
    ClientOptions o;
    o.base_url = sandbox_->base_url() + "/";
    o.mchid = m.mchid;
    o.merchant_serial = m.serial;
    o.private_key = *PrivateKey::FromFile(m.private_key_path);
    if (with_certificate) o.platform_certificates = {*Certificate::FromFile(pk.certificate_path)};
    if (with_public_key) {
      o.platform_public_keys[pk.public_key_id] = *PublicKey::FromFile(pk.public_key_path);
    }
    o.allow_empty_platform_keys = !with_public_key && !with_certificate;
    o.apiv3_key = m.apiv3_key;
    o.apiv2_key = m.apiv2_key;
    o.appid = m.appid;
    o.miniprogram.appid = sandbox_->miniprogram_appid();
    o.miniprogram.appsecret = sandbox_->miniprogram_appsecret();
    o.miniprogram.base_url = sandbox_->base_url() + "/";
    o.retry.initial_backoff = std::chrono::milliseconds(10);
    return o;
  }
  Client MakeClient(ClientOptions o) {
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  std::unique_ptr<Sandbox> sandbox_;
};

TEST_F(ClientSandboxTest, DownloadsPlatformCertificatesFromScratch) {
  Client client = MakeClient(Options(false, false));
  auto certs = client.RefreshPlatformCertificates();
  ASSERT_TRUE(certs) << certs.error().ToString();
  ASSERT_FALSE(certs->empty());
  EXPECT_EQ((*certs)[0].serial_no, sandbox_->platform_keys().certificate_serial);
  EXPECT_TRUE(client.platform_keys().Find(sandbox_->platform_keys().certificate_serial));
}

TEST_F(ClientSandboxTest, SeedRiskEndpointsWithEncryptedFields) {
  Client client = MakeClient(Options());
  std::string mchid = client.options().mchid;
  nlohmann::json report = {{"sp_mchid", mchid},
                           {"sub_mchid", "1900009231"},
                           {"out_trade_no", "1217752501201407033233368018"},
                           {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                           {"phone", "13800138000"},
                           {"certificates_number", "110101199003070000"},
                           {"client_ip", "123.12.12.123"},
                           {"risk_level", 1},
                           {"is_need_deliver", false},
                           {"extra_fields1", "Image形象店-深圳腾大-QQ公仔"}};
  CallOptions enc;
  enc.encrypt_fields = {"phone", "certificates_number"};
  auto r = client.chain("v3/merchant-risk-manage/report-trade-union-information").post(report, enc);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r->json())["out_trade_no"], "1217752501201407033233368018");

  CallOptions q;
  q.query = {{"sp_mchid", mchid},
             {"sub_mchid", "1900009231"},
             {"out_trade_no", "1217752501201407033233368018"}};
  auto risk = client.chain("v3/merchant-risk-manage/trade-risk-information").get(q);
  ASSERT_TRUE(risk) << risk.error().ToString();
  EXPECT_TRUE((*risk->json()).contains("risk_score"));
}

TEST_F(ClientSandboxTest, NativeOrderPaidCallbackVerified) {
  // The merchant's callback endpoint.
  httplib::Server hook;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<Headers, std::string>> received;
  hook.Post("/notify", [&](const httplib::Request& req, httplib::Response& res) {
    Headers h;
    for (const auto& [k, v] : req.headers) h.Add(k, v);
    {
      std::lock_guard lock(mu);
      received.emplace_back(std::move(h), req.body);
    }
    cv.notify_all();
    res.status = 204;
  });
  int port = hook.bind_to_any_port("127.0.0.1");
  std::thread t([&] { hook.listen_after_bind(); });

  Client client = MakeClient(Options());
  std::string out_trade_no = "ORDER" + crypto::RandomNonce(16);
  nlohmann::json order = {{"appid", client.options().appid},
                          {"mchid", client.options().mchid},
                          {"description", "Image形象店-深圳腾大-QQ公仔"},
                          {"out_trade_no", out_trade_no},
                          {"notify_url", "http://127.0.0.1:" + std::to_string(port) + "/notify"},
                          {"amount", {{"total", 100}, {"currency", "CNY"}}}};
  auto created = client.chain("v3/pay/transactions/native").post(order);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_THAT((*created->json())["code_url"].get<std::string>(), HasSubstr("weixin://"));

  ASSERT_TRUE(sandbox_->PayOrder(out_trade_no));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return !received.empty(); }));
  }
  auto n = client.ParseNotification(received[0].first, received[0].second);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(n->event_type, "TRANSACTION.SUCCESS");
  auto paid = nlohmann::json::parse(n->plaintext.reveal());
  EXPECT_EQ(paid["out_trade_no"], out_trade_no);
  EXPECT_EQ(paid["trade_state"], "SUCCESS");

  CallOptions q;
  q.path = {{"out_trade_no", out_trade_no}};
  q.query = {{"mchid", client.options().mchid}};
  auto query = client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}").get(q);
  ASSERT_TRUE(query) << query.error().ToString();
  EXPECT_EQ((*query->json())["trade_state"], "SUCCESS");
  hook.stop();
  t.join();
}

TEST_F(ClientSandboxTest, FaultsMeetRetryAndVerification) {
  Client client = MakeClient(Options());
  CallOptions q;
  q.query = {{"sp_mchid", client.options().mchid}, {"out_trade_no", "NOPE"}};
  auto chain = client.chain("v3/merchant-risk-manage/trade-risk-information");

  Fault busy;
  busy.kind = Fault::Kind::kStatus;
  busy.status = 503;
  busy.count = 2;
  sandbox_->InjectFault(busy);
  auto retried = chain.get(q);  // 503, 503, then the real answer (200 or a 404 API error)
  EXPECT_FALSE(!retried && retried.error().http_status == 503) << retried.error().ToString();

  Fault bad_sig;
  bad_sig.kind = Fault::Kind::kBadSignature;
  sandbox_->InjectFault(bad_sig);
  nlohmann::json report = {{"sp_mchid", client.options().mchid},
                           {"out_trade_no", "1217752501201407033233368018"},
                           {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}};
  auto forged = client.chain("v3/merchant-risk-manage/report-trade-union-information").post(report);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::kBadSignature) << forged.error().ToString();

  Fault skew;
  skew.kind = Fault::Kind::kSkewTimestamp;
  skew.skew_seconds = 900;
  sandbox_->InjectFault(skew);
  auto skewed = client.chain("v3/merchant-risk-manage/report-trade-union-information").post(report);
  ASSERT_FALSE(skewed);
  EXPECT_EQ(skewed.error().code, ErrorCode::kTimestampSkew);

  Fault drop;
  drop.kind = Fault::Kind::kDropConnection;
  drop.count = 1;
  sandbox_->InjectFault(drop);
  auto after_drop = chain.get(q);  // a GET survives one dropped connection
  EXPECT_FALSE(!after_drop && after_drop.error().code == ErrorCode::kNetwork)
      << after_drop.error().ToString();
}

TEST_F(ClientSandboxTest, ApiV2PayitilReport) {
  Client client = MakeClient(Options());
  apiv2::Fields f{
      {"appid", client.options().appid},
      {"interface_url", "https://api.mch.weixin.qq.com/pay/batchreport/micropay/total"},
      {"user_ip", "8.8.8.8"},
      {"trades", R"([{"out_trade_no":"out_trade_no_test_1","begin_time":"20160602203256",)"
                 R"("end_time":"20160602203257","state":"OK","err_msg":""}])"}};
  auto r = client.chain("v2/payitil/report").post(f);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->xml()->Get("return_code"), "SUCCESS");
}

TEST_F(ClientSandboxTest, MiniProgramCombineOrders) {
  Client client = MakeClient(Options());
  nlohmann::json order = nlohmann::json::parse(R"({
    "order_key": {"order_number_type": 2, "transaction_id": "4200001234202611230000000001"},
    "sub_orders": [{
      "order_key": {"order_number_type": 2, "transaction_id": "4200001234202611230000000001"},
      "item_list": [{"merchant_item_id": "ITEM-1", "name": "QQ公仔", "unit_price": 100,
                     "quantity": 1, "image_url": ["https://qpic.cn/x.png"],
                     "item_detail_jump_link": {"type": 1, "url": "https://example.com/i/1"}}],
      "order_detail_jump_link": {"type": 1, "url": "https://example.com/order/1"}
    }],
    "upload_time": "2026-11-23T10:35:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
  })");
  // The seed page numbers link types two ways; its field table (1 = URL, 2 = MINI_PROGRAM) is
  // what the sandbox follows.
  auto r = client.chain("user-order/combine-orders").post(order);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r->json())["errcode"], 0);
  // A rule the sandbox enforces (empty openid) comes back as an API error with its errcode.
  order["payer"]["openid"] = "";
  CallOptions no_validation;
  no_validation.validate = false;
  auto bad = client.chain("user-order/combine-orders").post(order, no_validation);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kApi);
  EXPECT_EQ(bad.error().api_code, "268485192") << bad.error().ToString();
}

TEST_F(ClientSandboxTest, AThousandAsyncCallsEqualTheSyncAnswer) {
  Client client = MakeClient(Options());
  auto chain = client.chain("v3/certificates");
  auto sync = chain.get();
  ASSERT_TRUE(sync) << sync.error().ToString();
  std::vector<Future<Response>> futures;
  for (int i = 0; i < 1000; ++i) futures.push_back(chain.getAsync());
  int ok = 0;
  for (auto& f : futures) {
    ASSERT_TRUE(f.wait_for(std::chrono::seconds(120)));
    if (f.get() && f.get()->status == 200 &&
        (*f.get()->json())["data"].size() == (*sync->json())["data"].size()) {
      ++ok;
    }
  }
  EXPECT_EQ(ok, 1000);
}

}  // namespace
}  // namespace wechatpay
