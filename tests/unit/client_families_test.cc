// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The client's APIv2 and mini-program paths over a fake transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Vectors;

const std::string& V2Key() {
  static const std::string k = Vectors()["apiv2_key"];
  return k;
}

HttpResponse XmlAnswer(apiv2::Fields fields, apiv2::SignType type, bool sign = true) {
  if (sign) fields.Set("sign", apiv2::Sign(fields, V2Key(), type));
  HttpResponse r;
  r.status = 200;
  r.body = apiv2::EncodeXml(fields);
  r.headers.Set("Content-Type", "text/xml");
  return r;
}

class ApiV2ClientTest : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions o;
    o.mchid = "1900000109";
    o.apiv2_key = SecretString(V2Key());
    o.transport = fake_;
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
  }
  apiv2::Fields ReportFields() {
    apiv2::Fields f;
    const auto& v = Vectors()["apiv2_sign"]["fields"];
    // The vector's order (nlohmann sorts keys, so spell it out).
    for (const char* k :
         {"appid", "mch_id", "device_info", "interface_url", "user_ip", "nonce_str", "trades"}) {
      f.Set(k, v[k].get<std::string>());
    }
    return f;
  }
  std::shared_ptr<FakeTransport> fake_ = std::make_shared<FakeTransport>();
};

TEST_F(ApiV2ClientTest, PayitilReportSendsTheKnownAnswerXml) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client) << client.error().ToString();
  fake_->Enqueue(
      XmlAnswer({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}}, apiv2::SignType::kMd5));
  auto r = client->chain("v2/payitil/report").post(ReportFields());
  ASSERT_TRUE(r) << r.error().ToString();
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.url, "https://api.mch.weixin.qq.com/payitil/report");
  EXPECT_EQ(req.method, "POST");
  // payitil/report has no sign_type field: MD5, and the exact bytes of the vector.
  EXPECT_EQ(req.body, Vectors()["apiv2_sign"]["xml_md5"]);
  EXPECT_THAT(req.headers.Get("Content-Type"), HasSubstr("text/xml"));
  EXPECT_FALSE(req.headers.Has("Authorization"));
  auto fields = r->xml();
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->Get("result_code"), "SUCCESS");
}

TEST_F(ApiV2ClientTest, FillsMchIdAndNonceAndUsesHmacWhereAccepted) {
  ClientOptions o = Options();
  o.appid = "wx8888888888888888";
  auto client = Client::Create(std::move(o));
  ASSERT_TRUE(client);
  // pay/orderquery accepts sign_type (MD5 or HMAC-SHA256).
  fake_->Enqueue(XmlAnswer(
      {{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}, {"trade_state", "SUCCESS"}},
      apiv2::SignType::kHmacSha256));
  // Either number identifies the order (the catalog's required_any group).
  auto r = client->chain("v2/pay/orderquery").post(apiv2::Fields{{"out_trade_no", "1217752501"}});
  ASSERT_TRUE(r) << r.error().ToString();
  auto sent = apiv2::DecodeXml(fake_->requests()[0].body);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->Get("mch_id"), "1900000109");
  EXPECT_EQ(sent->Get("appid"), "wx8888888888888888");
  EXPECT_EQ(sent->Get("nonce_str").size(), 32u);
  EXPECT_EQ(sent->Get("sign_type"), "HMAC-SHA256");
  EXPECT_TRUE(apiv2::VerifySign(*sent, V2Key(), apiv2::SignType::kHmacSha256));
}

TEST_F(ApiV2ClientTest, ResponseChecks) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client);
  // payitil/report is documented to answer without sign: an unsigned SUCCESS is accepted.
  fake_->Enqueue(XmlAnswer({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}},
                           apiv2::SignType::kMd5, false));
  ASSERT_TRUE(client->chain("v2/payitil/report").post(ReportFields()));
  // A forged sign (on an endpoint whose answers are signed).
  HttpResponse forged = XmlAnswer({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}},
                                  apiv2::SignType::kMd5, false);
  forged.body = apiv2::EncodeXml(
      {{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}, {"sign", std::string(32, 'A')}});
  fake_->Enqueue(forged);
  auto orderquery = [&] {
    return client->chain("v2/pay/orderquery")
        .post(apiv2::Fields{{"appid", "wx8888888888888888"}, {"out_trade_no", "1217752501"}});
  };
  auto r1 = orderquery();
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kBadSignature);
  // A business failure carries err_code / err_code_des.
  fake_->Enqueue(XmlAnswer({{"return_code", "SUCCESS"},
                            {"result_code", "FAIL"},
                            {"err_code", "ORDERNOTEXIST"},
                            {"err_code_des", "此交易订单号不存在"}},
                           apiv2::SignType::kHmacSha256));
  auto r2 = orderquery();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kApi);
  EXPECT_EQ(r2.error().api_code, "ORDERNOTEXIST");
  EXPECT_EQ(r2.error().detail, "此交易订单号不存在");
  // return_code FAIL (unsigned, as WeChat sends it).
  fake_->Enqueue(XmlAnswer({{"return_code", "FAIL"}, {"return_msg", "签名错误"}},
                           apiv2::SignType::kMd5, false));
  auto r3 = orderquery();
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, ErrorCode::kApi);
  EXPECT_THAT(r3.error().message, HasSubstr("签名错误"));
  // Not XML at all.
  HttpResponse html;
  html.status = 200;
  html.body = "<html><body>oops";
  fake_->Enqueue(html);
  EXPECT_EQ(orderquery().error().code, ErrorCode::kParse);
  for (const auto& e : {r1.error(), r2.error(), r3.error()}) {
    EXPECT_THAT(e.ToString(), Not(HasSubstr(V2Key())));
  }
}

TEST_F(ApiV2ClientTest, HostsClientCertificatesAndArguments) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client);
  // fraud.mch endpoint needing a client certificate: refused before sending without one.
  auto r = client->chain("v2/risk/getpublickey").post(apiv2::Fields{});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("client certificate"));
  EXPECT_EQ(fake_->request_count(), 0u);

  ClientOptions o = Options();
  auto cc = std::make_shared<ClientCertificate>();
  cc->cert_pem = testing::ReadData("tls_client_cert.pem");
  cc->key_pem = testing::ReadData("tls_client_key.pem");
  o.client_certificate = cc;
  auto with_cert = Client::Create(std::move(o));
  ASSERT_TRUE(with_cert);
  fake_->Enqueue(XmlAnswer({{"return_code", "SUCCESS"},
                            {"result_code", "SUCCESS"},
                            {"mch_id", "1900000109"},
                            {"pub_key", "-----BEGIN PUBLIC KEY-----"}},
                           apiv2::SignType::kHmacSha256));
  auto got = with_cert->chain("v2/risk/getpublickey").post(apiv2::Fields{});
  ASSERT_TRUE(got) << got.error().ToString();
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.url, "https://fraud.mch.weixin.qq.com/risk/getpublickey");
  ASSERT_TRUE(req.client_certificate);
  EXPECT_EQ(req.client_certificate->cert_pem, cc->cert_pem);

  // With a non-default base URL (a sandbox) every endpoint goes there.
  ClientOptions s = Options();
  s.base_url = "http://127.0.0.1:9999/";
  auto sandboxed = Client::Create(std::move(s));
  fake_->Enqueue(
      XmlAnswer({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}}, apiv2::SignType::kMd5));
  ASSERT_TRUE(sandboxed->chain("v2/payitil/report").post(ReportFields()));
  EXPECT_EQ(fake_->requests()[1].url, "http://127.0.0.1:9999/payitil/report");

  // Without an APIv2 key, and with a wrong method.
  ClientOptions no_key = Options();
  no_key.apiv2_key = SecretString();
  no_key.miniprogram.appid = "wxapp";
  no_key.miniprogram.appsecret = SecretString(std::string("secret"));
  auto c2 = Client::Create(std::move(no_key));
  ASSERT_TRUE(c2) << c2.error().ToString();
  EXPECT_THAT(c2->chain("v2/payitil/report").post(ReportFields()).error().message,
              HasSubstr("apiv2_key"));
  EXPECT_THAT(client->chain("v2/payitil/report").get().error().message, HasSubstr("POST"));
  // Validation: trades must be JSON, interface_url is required.
  apiv2::Fields bad = ReportFields();
  bad.Set("trades", "not json");
  bad.Remove("interface_url");
  auto v = client->chain("v2/payitil/report").post(bad);
  ASSERT_FALSE(v);
  EXPECT_THAT(v.error().message, HasSubstr("interface_url"));
  EXPECT_THAT(v.error().message, HasSubstr("trades"));
  // An APIv2-only client refuses APIv3 calls with a clear error.
  auto v3 = client->chain("v3/certificates").get();
  ASSERT_FALSE(v3);
  EXPECT_THAT(v3.error().message, HasSubstr("no APIv3 identity"));
}

// ---- mini-program ----

class MiniProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_->SetHandler([this](const HttpRequest& req) -> Result<HttpResponse> {
      HttpResponse r;
      r.status = 200;
      if (req.url.find("/cgi-bin/stable_token") != std::string::npos ||
          req.url.find("/cgi-bin/token") != std::string::npos) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // widen races
        int n = ++fetches_;
        r.body = nlohmann::json{
            {"access_token", "TOKEN-" + std::to_string(n)},
            {"expires_in",
             7200}}.dump();
        return r;
      }
      std::string token = req.url.substr(req.url.find("access_token=") + 13);
      token = token.substr(0, token.find('&'));
      if (token == rejected_token_) {
        r.body = R"({"errcode":40001,"errmsg":"invalid credential"})";
      } else {
        r.body = answer_;
      }
      return r;
    });
  }
  ClientOptions Options() {
    ClientOptions o;
    o.miniprogram.appid = "wxd678efh567hg6787";
    o.miniprogram.appsecret = SecretString(std::string("APPSECRET-DO-NOT-LOG"));
    o.transport = fake_;
    o.clock = [this] { return now_.load(); };
    o.logger = [this](LogLevel, std::string_view l) {
      std::lock_guard lock(mu_);
      logs_.emplace_back(l);
    };
    return o;
  }
  std::shared_ptr<FakeTransport> fake_ = std::make_shared<FakeTransport>();
  std::atomic<int> fetches_{0};
  std::atomic<int64_t> now_{1800000000};
  std::string rejected_token_;
  std::string answer_ = R"({"errcode":0,"errmsg":"ok"})";
  std::mutex mu_;
  std::vector<std::string> logs_;
};

nlohmann::json SeedOrder() {
  return nlohmann::json::parse(R"({
    "order_key": {"order_number_type": 2, "transaction_id": "4200001234202611230000000001"},
    "sub_orders": [{
      "order_key": {"order_number_type": 2, "transaction_id": "4200001234202611230000000001"},
      "item_list": [{"merchant_item_id": "ITEM-1", "name": "QQ公仔", "unit_price": 100,
                     "quantity": 1, "image_url": ["https://qpic.cn/x.png"],
                     "item_detail_jump_link": {"type": 2, "url": "https://example.com/item/1"}}],
      "order_detail_jump_link": {"type": 2, "url": "https://example.com/order/1"}
    }],
    "upload_time": "2026-11-23T10:35:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
  })");
}

TEST_F(MiniProgramTest, TokenIsAddedToTheQueryAndCached) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client) << client.error().ToString();
  CallOptions no_validation;
  no_validation.validate = false;
  auto r = client->chain("user-order/combine-orders").post(SeedOrder(), no_validation);
  ASSERT_TRUE(r) << r.error().ToString();
  auto r2 = client->chain("user-order/combine-orders").post(SeedOrder(), no_validation);
  ASSERT_TRUE(r2);
  EXPECT_EQ(fetches_.load(), 1);
  auto reqs = fake_->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].url, "https://api.weixin.qq.com/cgi-bin/stable_token");
  auto fetch = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(fetch["grant_type"], "client_credential");
  EXPECT_EQ(fetch["force_refresh"], false);
  EXPECT_EQ(reqs[1].url,
            "https://api.weixin.qq.com/user-order/combine-orders?access_token=TOKEN-1");
  EXPECT_FALSE(reqs[1].headers.Has("Authorization"));
}

TEST_F(MiniProgramTest, ClassicTokenEndpointAndExpiry) {
  ClientOptions o = Options();
  o.miniprogram.stable_token = false;
  auto client = Client::Create(std::move(o));
  ASSERT_TRUE(client);
  auto t1 = client->MiniProgramAccessToken();
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->token, "TOKEN-1");
  EXPECT_EQ(t1->expires_at, 1800000000 + 7200);
  EXPECT_THAT(fake_->requests()[0].url,
              HasSubstr("/cgi-bin/token?grant_type=client_credential&appid=wxd678efh567hg6787"));
  now_ += 7200 - 301;  // still outside the 300 s refresh margin
  EXPECT_EQ(client->MiniProgramAccessToken()->token, "TOKEN-1");
  now_ += 2;  // inside it: refreshed ahead of expiry
  EXPECT_EQ(client->MiniProgramAccessToken()->token, "TOKEN-2");
  EXPECT_EQ(client->MiniProgramAccessToken(/*force_refresh=*/true)->token, "TOKEN-3");
}

TEST_F(MiniProgramTest, ManyThreadsOneFetch) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (auto t = client->MiniProgramAccessToken(); t && t->token == "TOKEN-1") ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(fetches_.load(), 1);
}

TEST_F(MiniProgramTest, InvalidTokenIsRefetchedOnceThenReported) {
  auto client = Client::Create(Options());
  ASSERT_TRUE(client);
  CallOptions nv;
  nv.validate = false;
  ASSERT_TRUE(client->MiniProgramAccessToken());  // TOKEN-1 cached
  rejected_token_ = "TOKEN-1";                    // the server no longer accepts it
  auto r = client->chain("user-order/combine-orders").post(SeedOrder(), nv);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(fetches_.load(), 2);
  auto reqs = fake_->requests();
  EXPECT_EQ(nlohmann::json::parse(reqs[2].body)["force_refresh"], true);
  EXPECT_THAT(reqs.back().url, HasSubstr("access_token=TOKEN-2"));

  // An errcode that is not about the token: reported with errcode and errmsg, no refetch.
  answer_ = R"({"errcode":268485192,"errmsg":"openid is empty"})";
  auto bad = client->chain("user-order/combine-orders").post(SeedOrder(), nv);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kApi);
  EXPECT_EQ(bad.error().api_code, "268485192");
  EXPECT_EQ(bad.error().detail, "openid is empty");
  EXPECT_EQ(fetches_.load(), 2);
  // A token the server keeps rejecting: one refetch, then the error.
  rejected_token_ = "TOKEN-3";
  answer_ = R"({"errcode":0})";
  now_ += 7000;  // TOKEN-2 is due for refresh -> TOKEN-3, rejected -> TOKEN-4 accepted
  ASSERT_TRUE(client->chain("user-order/combine-orders").post(SeedOrder(), nv));
  for (const auto& l : logs_) {
    EXPECT_THAT(l, Not(HasSubstr("TOKEN-")));
    EXPECT_THAT(l, Not(HasSubstr("APPSECRET")));
  }
}

TEST_F(MiniProgramTest, TokenFetchErrorsAndConfiguration) {
  fake_->SetHandler([](const HttpRequest&) -> Result<HttpResponse> {
    HttpResponse r;
    r.status = 200;
    r.body = R"({"errcode":40013,"errmsg":"invalid appid"})";
    return r;
  });
  auto client = Client::Create(Options());
  ASSERT_TRUE(client);
  auto t = client->MiniProgramAccessToken();
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().api_code, "40013");
  EXPECT_THAT(t.error().ToString(), Not(HasSubstr("APPSECRET")));
  ClientOptions o = Options();
  o.miniprogram.appsecret = SecretString();
  EXPECT_THAT(Client::Create(std::move(o)).error().message, HasSubstr("appsecret"));
  // A merchant-only client has no mini-program configuration.
  ClientOptions m;
  m.mchid = "1900000109";
  m.apiv2_key = SecretString(V2Key());
  m.transport = fake_;
  auto merchant = Client::Create(std::move(m));
  ASSERT_TRUE(merchant);
  EXPECT_THAT(merchant->chain("user-order/combine-orders").post(SeedOrder()).error().message,
              HasSubstr("ClientOptions.miniprogram"));
}

}  // namespace
}  // namespace wechatpay
