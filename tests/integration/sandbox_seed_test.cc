// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The seed endpoints: trade union information + risk query, transaction-block submissions,
// APIv2 payitil/report, and the mini-program combine-orders API with its access tokens.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/sandbox_fixture.h"
#include "wechatpay/apiv2.h"

namespace wechatpay::sandbox::testing {
namespace {

class SandboxSeedTest : public SandboxTest {
 protected:
  httplib::Result Report(const nlohmann::json& body, const std::string& serial) {
    httplib::Headers h;
    if (!serial.empty()) h.emplace("Wechatpay-Serial", serial);
    return client_->Send("POST", "/v3/merchant-risk-manage/report-trade-union-information",
                         body.dump(), h);
  }
};

TEST_F(SandboxSeedTest, ReportTradeUnionThenQueryRisk) {
  std::string no = NewNo("RISK");
  nlohmann::json body = {{"sp_mchid", "1900000109"},
                         {"sub_mchid", "1900009231"},
                         {"out_trade_no", no},
                         {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
                         {"phone", client_->Encrypt("13800138000")},
                         {"certificates_number", client_->Encrypt("110101199003077777")},
                         {"client_ip", "8.8.8.8"},
                         {"risk_level", 5},
                         {"line_type", 1},
                         {"user_risk_level", 6},
                         {"is_need_deliver", true}};
  auto res = Report(body, client_->keys().public_key_id);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(client_->Verify(*res).ok());
  auto j = client_->Json(*res);
  EXPECT_EQ(j["out_trade_no"], no);
  EXPECT_EQ(j["sp_mchid"], "1900000109");
  EXPECT_EQ(j["sub_mchid"], "1900009231");
  EXPECT_FALSE(j.contains("phone"));

  auto q = client_->Send("GET",
                         "/v3/merchant-risk-manage/trade-risk-information?sub_mchid=1900009231"
                         "&out_trade_no=" +
                             no);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->status, 200) << q->body;
  EXPECT_TRUE(client_->Verify(*q).ok());
  auto r = client_->Json(*q);
  ASSERT_TRUE(r["risk_score"].is_number());
  EXPECT_GE(r["risk_score"].get<double>(), 60);  // risk level 5 and user risk level 6
  EXPECT_EQ(r["risk_type"], "OTHER_RISK");
  EXPECT_EQ(r["punish_type"], "SUSPEND_SETTLEMENT");

  // Complaints move the verdict; the query value is URL-encoded Chinese.
  std::string complaint =
      "%E5%95%86%E5%AE%B6%E8%AF%B4%E9%AB%98%E9%A2%9D%E8%BF%94%E5%88%A9%EF%BC%8C"
      "%E6%98%AF%E9%AA%97%E5%AD%90";  // 商家说高额返利，是骗子
  q = client_->Send("GET", "/v3/merchant-risk-manage/trade-risk-information?out_trade_no=" + no +
                               "&complaints_information=" + complaint);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->status, 200) << q->body;
  r = client_->Json(*q);
  EXPECT_EQ(r["risk_type"], "FRAUD");
  EXPECT_EQ(r["punish_type"], "DISABLE_PAYMENT");
  EXPECT_EQ(r["risk_score"], 100);

  // A verdict set through the control API wins.
  auto set = client_->Raw("POST", "/sandbox/risk/" + no,
                          R"({"risk_score":12,"risk_type":"GAMBLING","punish_type":"REFUND"})");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  q = client_->Send("GET", "/v3/merchant-risk-manage/trade-risk-information?out_trade_no=" + no);
  ASSERT_TRUE(q);
  r = client_->Json(*q);
  EXPECT_EQ(r["risk_score"], 12);
  EXPECT_EQ(r["risk_type"], "GAMBLING");
}

TEST_F(SandboxSeedTest, RiskQueryNeedsAReportedOrder) {
  auto q =
      client_->Send("GET", "/v3/merchant-risk-manage/trade-risk-information?out_trade_no=NEVER1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 404);
  EXPECT_TRUE(client_->Verify(*q).ok());
  // out_trade_no is required.
  q = client_->Send("GET", "/v3/merchant-risk-manage/trade-risk-information?sub_mchid=1");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 400);
  auto j = client_->Json(*q);
  EXPECT_EQ(j["code"], "PARAM_ERROR");
  EXPECT_NE(j["message"].get<std::string>().find("out_trade_no"), std::string::npos);
}

TEST_F(SandboxSeedTest, SensitiveFieldsMustDecrypt) {
  nlohmann::json body = {{"out_trade_no", NewNo("ENC")}, {"phone", "bm90IGVuY3J5cHRlZA=="}};
  auto res = Report(body, client_->keys().public_key_id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto j = client_->Json(*res);
  EXPECT_EQ(j["code"], "PARAM_ERROR");
  EXPECT_NE(j["message"].get<std::string>().find("phone"), std::string::npos);
  EXPECT_TRUE(client_->Verify(*res).ok());

  // Encrypted for the public key but Wechatpay-Serial names the certificate: not decryptable.
  body["phone"] = client_->Encrypt("13800138000");
  res = Report(body, client_->keys().certificate_serial);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Wechatpay-Serial"), client_->keys().certificate_serial);

  // No Wechatpay-Serial at all.
  res = Report(body, "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  // With the certificate's key it works.
  auto cert = client_->store()->Find(client_->keys().certificate_serial);
  ASSERT_TRUE(cert.has_value());
  body["phone"] = *crypto::RsaOaepEncrypt(cert->key, "13800138000");
  res = Report(body, client_->keys().certificate_serial);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(SandboxSeedTest, TransactionBlockSubmission) {
  nlohmann::json record = {
      {"item_id", "1"},
      {"field_name", "trade_info"},
      {"name", "交易信息"},
      {"type", 1},
      {"repeated_field_data", nlohmann::json::array({{{"wechat_order_id", "4200001"},
                                                      {"logistic_flag", 1},
                                                      {"evidence_img_list", {"img1"}}}})
                                  .dump()},
      {"required", 1},
      {"need_encrypt", false},
      {"string_check_rule", {{"validator", "number"}}}};
  nlohmann::json submit_data = {{"record_fields", {record}}};
  std::string submit_id = NewNo("BLK");
  nlohmann::json body = {{"merchant_submit_id", submit_id}, {"submit_data", submit_data.dump()}};
  const std::string path =
      "/v3/transaction-block/transaction-block-submissions/sub-mchid/1900009231";
  auto res = client_->Send("POST", path, body.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(client_->Verify(*res).ok());
  auto j = client_->Json(*res);
  std::string id = j["block_submission_id"];
  EXPECT_FALSE(id.empty());
  EXPECT_FALSE(j["submit_time"].get<std::string>().empty());
  EXPECT_EQ(j["review_result"], "EMPTY");

  // The same merchant_submit_id again: the same submission.
  res = client_->Send("POST", path, body.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(client_->Json(*res)["block_submission_id"], id);

  auto q = client_->Send("GET", "/v3/transaction-block/transaction-block-submissions/" + id);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->status, 200) << q->body;
  EXPECT_EQ(client_->Json(*q)["block_submission_id"], id);

  auto review = client_->Raw("POST", "/sandbox/block-submissions/" + id + "/review",
                             R"({"review_result":"REJECT","review_reject_reason":"资料不全"})");
  ASSERT_TRUE(review);
  ASSERT_EQ(review->status, 200);
  q = client_->Send("GET", "/v3/transaction-block/transaction-block-submissions/" + id);
  ASSERT_TRUE(q);
  auto qj = client_->Json(*q);
  EXPECT_EQ(qj["review_result"], "REJECT");
  EXPECT_EQ(qj["review_reject_reason"], "资料不全");
  EXPECT_FALSE(qj["review_time"].get<std::string>().empty());

  auto none = client_->Send("GET", "/v3/transaction-block/transaction-block-submissions/999");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

TEST_F(SandboxSeedTest, TransactionBlockSubmissionValidatesSubmitData) {
  const std::string path =
      "/v3/transaction-block/transaction-block-submissions/sub-mchid/1900009231";
  for (const std::string& data :
       {std::string("not json"), std::string(R"({"x":1})"),
        std::string(R"({"record_fields":"no"})"), std::string(R"({"record_fields":[{"type":9}]})"),
        std::string(R"({"record_fields":[{"repeated_field_data":"{"}]})")}) {
    nlohmann::json body = {{"merchant_submit_id", NewNo("BAD")}, {"submit_data", data}};
    auto res = client_->Send("POST", path, body.dump());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << data << " -> " << res->body;
    auto j = client_->Json(*res);
    EXPECT_EQ(j["code"], "PARAM_ERROR");
    EXPECT_NE(j["message"].get<std::string>().find("submit_data"), std::string::npos) << res->body;
  }
  auto res = client_->Send("POST", path, R"({"submit_data":"{\"record_fields\":[{}]}"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("merchant_submit_id"), std::string::npos);
}

// ---- APIv2 ----

apiv2::Fields ReportFields(const DemoMerchant& m, const std::string& trades) {
  return apiv2::Fields{
      {"appid", m.appid},
      {"mch_id", m.mchid},
      {"device_info", "013467007045764"},
      {"interface_url", "https://api.mch.weixin.qq.com/pay/batchreport/micropay/total"},
      {"user_ip", "8.8.8.8"},
      {"trades", trades}};
}

TEST_F(SandboxSeedTest, PayitilReportApiV2) {
  const DemoMerchant& m = client_->merchant();
  std::string trades = R"([{"out_trade_no":"out_trade_no_test_1","begin_time":"20160602203256",)"
                       R"("end_time":"20160602203257","state":"OK","err_msg":""}])";
  for (auto type : {apiv2::SignType::kMd5, apiv2::SignType::kHmacSha256}) {
    apiv2::Fields f = ReportFields(m, trades);
    apiv2::SignRequest(f, m.apiv2_key.view(), type);
    auto res = client_->Raw("POST", "/payitil/report", apiv2::EncodeXml(f), {}, "text/xml");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    auto out = apiv2::DecodeXml(res->body);
    ASSERT_TRUE(out.ok()) << res->body;
    EXPECT_EQ(out->Get("return_code"), "SUCCESS") << res->body;
    EXPECT_EQ(out->Get("result_code"), "SUCCESS") << res->body;
    EXPECT_TRUE(apiv2::CheckResponse(*out, m.apiv2_key.view(), type, true).ok()) << res->body;
  }

  // A wrong sign.
  apiv2::Fields f = ReportFields(m, trades);
  apiv2::SignRequest(f, "wrong-key-wrong-key-wrong-key-12", apiv2::SignType::kMd5);
  auto res = client_->Raw("POST", "/payitil/report", apiv2::EncodeXml(f), {}, "text/xml");
  ASSERT_TRUE(res);
  auto out = apiv2::DecodeXml(res->body);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->Get("return_code"), "FAIL");

  // trades is not the documented JSON.
  for (const std::string& bad : {std::string("not json"), std::string(R"([{"state":"OK"}])"),
                                 std::string(R"([{"out_trade_no":"1","begin_time":"1",)"
                                             R"("end_time":"2","state":"MAYBE"}])")}) {
    apiv2::Fields g = ReportFields(m, bad);
    apiv2::SignRequest(g, m.apiv2_key.view(), apiv2::SignType::kMd5);
    res = client_->Raw("POST", "/payitil/report", apiv2::EncodeXml(g), {}, "text/xml");
    ASSERT_TRUE(res);
    out = apiv2::DecodeXml(res->body);
    ASSERT_TRUE(out.ok());
    EXPECT_NE(out->Get("return_code") == "SUCCESS" && out->Get("result_code") == "SUCCESS", true)
        << bad;
  }

  // Not XML at all.
  res = client_->Raw("POST", "/payitil/report", "{\"json\":true}", {}, "application/json");
  ASSERT_TRUE(res);
  out = apiv2::DecodeXml(res->body);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->Get("return_code"), "FAIL");
}

// ---- mini-program ----

class SandboxMiniProgramTest : public SandboxTest {
 protected:
  std::string Token() {
    auto res = client_->http().Get(
        ("/cgi-bin/token?grant_type=client_credential&appid=" + sandbox_->miniprogram_appid() +
         "&secret=" + sandbox_->miniprogram_appsecret().reveal())
            .c_str());
    EXPECT_TRUE(res);
    if (!res) return {};
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    EXPECT_EQ(j.value("expires_in", 0), 7200) << res->body;
    return j.value("access_token", "");
  }

  nlohmann::json Upload(const std::string& token, const nlohmann::json& body) {
    auto res = client_->http().Post(("/user-order/combine-orders?access_token=" + token).c_str(),
                                    body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200);
    return nlohmann::json::parse(res->body, nullptr, false);
  }

  nlohmann::json Order() {
    nlohmann::json link = {
        {"appid", sandbox_->miniprogram_appid()}, {"path", "/path/index/index"}, {"type", 2}};
    nlohmann::json item = {{"merchant_item_id", "1246464644"},
                           {"name", "iPhoneX 256G"},
                           {"description", "Image形象店-深圳腾大-QQ公仔"},
                           {"unit_price", 828800},
                           {"quantity", 2},
                           {"image_url", {"https://qpic.cn/xxx"}},
                           {"item_detail_jump_link", link}};
    return {{"order_key",
             {{"order_number_type", 1}, {"mchid", "1900000109"}, {"out_trade_no", NewNo("MAIN")}}},
            {"sub_orders",
             {{{"order_key",
                {{"order_number_type", 1}, {"mchid", "1900000109"}, {"out_trade_no", "SUB1"}}},
               {"merchant_order_no", "2343454667633"},
               {"order_detail_jump_link",
                {{"url", "https://www.weixin.qq.com/wxpay/pay.php"}, {"type", 1}}},
               {"item_list", {item}},
               {"logistics_type", 3}}}},
            {"payer", {{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}},
            {"upload_time", "2021-05-20T13:29:35.120+08:00"}};
  }
};

TEST_F(SandboxMiniProgramTest, TokenErrors) {
  auto get = [&](const std::string& q) {
    auto res = client_->http().Get(("/cgi-bin/token?" + q).c_str());
    EXPECT_TRUE(res);
    return res ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
  };
  std::string appid = sandbox_->miniprogram_appid();
  EXPECT_EQ(get("grant_type=client_credential&appid=wxnope&secret=x")["errcode"], 40013);
  EXPECT_EQ(get("grant_type=client_credential&appid=" + appid + "&secret=wrong")["errcode"], 40125);
  EXPECT_EQ(get("grant_type=password&appid=" + appid + "&secret=x")["errcode"], 40002);
  EXPECT_EQ(get("grant_type=client_credential&secret=x")["errcode"], 41002);

  auto stable = [&](const nlohmann::json& body) {
    auto res = client_->http().Post("/cgi-bin/stable_token", body.dump(), "application/json");
    EXPECT_TRUE(res);
    return res ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
  };
  std::string secret = sandbox_->miniprogram_appsecret().reveal();
  EXPECT_EQ(
      stable(
          {{"grant_type", "client_credential"}, {"appid", "wxnope"}, {"secret", "x"}})["errcode"],
      40013);
  EXPECT_EQ(
      stable({{"grant_type", "client_credential"}, {"appid", appid}, {"secret", "x"}})["errcode"],
      40125);
  auto s1 = stable({{"grant_type", "client_credential"}, {"appid", appid}, {"secret", secret}});
  ASSERT_TRUE(s1.contains("access_token")) << s1.dump();
  auto s2 = stable({{"grant_type", "client_credential"}, {"appid", appid}, {"secret", secret}});
  EXPECT_EQ(s1["access_token"], s2["access_token"]);  // stable: the same token while valid
  auto s3 = stable({{"grant_type", "client_credential"},
                    {"appid", appid},
                    {"secret", secret},
                    {"force_refresh", true}});
  EXPECT_NE(s3["access_token"], s1["access_token"]);
  EXPECT_EQ(Upload(s1["access_token"], Order())["errcode"], 40001);
  EXPECT_EQ(Upload(s3["access_token"], Order())["errcode"], 0);
}

TEST_F(SandboxMiniProgramTest, CombineOrdersChecksTheToken) {
  EXPECT_EQ(Upload("", Order())["errcode"], 41001);
  EXPECT_EQ(Upload("nope", Order())["errcode"], 40001);
  std::string t1 = Token();
  ASSERT_FALSE(t1.empty());
  EXPECT_EQ(Upload(t1, Order())["errcode"], 0);
  // A new token invalidates the previous one.
  std::string t2 = Token();
  EXPECT_NE(t1, t2);
  EXPECT_EQ(Upload(t1, Order())["errcode"], 40001);
  EXPECT_EQ(Upload(t2, Order())["errcode"], 0);
  // Expired.
  auto res = client_->http().Post("/sandbox/miniprogram/expire-tokens",
                                  nlohmann::json{{"access_token", t2}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(Upload(t2, Order())["errcode"], 42001);
  // The secret never shows up in the answers.
  EXPECT_EQ(res->body.find(sandbox_->miniprogram_appsecret().reveal()), std::string::npos);
}

TEST_F(SandboxMiniProgramTest, CombineOrdersRulesAndErrorCodes) {
  std::string token = Token();
  ASSERT_FALSE(token.empty());
  auto ok = Upload(token, Order());
  EXPECT_EQ(ok["errcode"], 0);
  EXPECT_EQ(ok["errmsg"], "ok");

  // The page's example spelling of the enums is accepted too.
  auto strings = Order();
  strings["order_key"] = {{"order_number_type", "WXPAY_TRADE_NUMBER"}, {"transaction_id", "9876d"}};
  strings["sub_orders"][0]["order_key"] = {{"order_number_type", "WXPAY_TRADE_NUMBER"},
                                           {"transaction_id", "zlt49"}};
  strings["sub_orders"][0]["order_detail_jump_link"]["type"] = "URL";
  strings["sub_orders"][0]["logistics_type"] = "VIRTUAL_GOODS";
  EXPECT_EQ(Upload(token, strings)["errcode"], 0) << Upload(token, strings).dump();

  struct Case {
    const char* name;
    std::function<void(nlohmann::json&)> mutate;
    int64_t errcode;
  };
  std::vector<Case> cases = {
      {"no openid", [](nlohmann::json& b) { b["payer"].erase("openid"); }, 268485192},
      {"bad openid", [](nlohmann::json& b) { b["payer"]["openid"] = "o p!"; }, 268457013},
      {"no upload_time", [](nlohmann::json& b) { b.erase("upload_time"); }, 268485214},
      {"bad upload_time", [](nlohmann::json& b) { b["upload_time"] = "2021-05-20 13:29"; },
       268485216},
      {"type mismatch",
       [](nlohmann::json& b) {
         b["sub_orders"][0]["order_key"] = {{"order_number_type", 2}, {"transaction_id", "42"}};
       },
       268485253},
      {"bad type", [](nlohmann::json& b) { b["order_key"]["order_number_type"] = 7; }, 268485194},
      {"no transaction_id",
       [](nlohmann::json& b) {
         b["order_key"] = {{"order_number_type", 2}};
       },
       268485195},
      {"no mchid", [](nlohmann::json& b) { b["order_key"].erase("mchid"); }, 268485196},
      {"no out_trade_no", [](nlohmann::json& b) { b["order_key"].erase("out_trade_no"); },
       268485197},
      {"bad mchid", [](nlohmann::json& b) { b["order_key"]["mchid"] = "abc"; }, 268485217},
      {"no merchant_order_no",
       [](nlohmann::json& b) { b["sub_orders"][0].erase("merchant_order_no"); }, 268485201},
      {"bad link type",
       [](nlohmann::json& b) { b["sub_orders"][0]["order_detail_jump_link"]["type"] = 5; },
       268485202},
      {"mini program link without appid",
       [](nlohmann::json& b) {
         b["sub_orders"][0]["order_detail_jump_link"] = {{"type", 2}, {"path", "/p"}};
       },
       268485204},
      {"mini program link without path",
       [](nlohmann::json& b) {
         b["sub_orders"][0]["item_list"][0]["item_detail_jump_link"].erase("path");
       },
       268485205},
      {"url link without url",
       [](nlohmann::json& b) { b["sub_orders"][0]["order_detail_jump_link"].erase("url"); },
       268485206},
      {"empty item_list",
       [](nlohmann::json& b) { b["sub_orders"][0]["item_list"] = nlohmann::json::array(); },
       268485211},
      {"some merchant_item_id",
       [](nlohmann::json& b) {
         auto item = b["sub_orders"][0]["item_list"][0];
         item.erase("merchant_item_id");
         b["sub_orders"][0]["item_list"].push_back(item);
       },
       268485213},
      {"no name", [](nlohmann::json& b) { b["sub_orders"][0]["item_list"][0].erase("name"); },
       268485207},
      {"no unit_price",
       [](nlohmann::json& b) { b["sub_orders"][0]["item_list"][0].erase("unit_price"); },
       268485208},
      {"no quantity",
       [](nlohmann::json& b) { b["sub_orders"][0]["item_list"][0].erase("quantity"); }, 268485209},
      {"no image_url",
       [](nlohmann::json& b) {
         b["sub_orders"][0]["item_list"][0]["image_url"] = nlohmann::json::array();
       },
       268485210},
      {"no item link",
       [](nlohmann::json& b) { b["sub_orders"][0]["item_list"][0].erase("item_detail_jump_link"); },
       268485272},
      {"bad image url",
       [](nlohmann::json& b) { b["sub_orders"][0]["item_list"][0]["image_url"][0] = "ftp://x"; },
       268435461},
      {"name too long",
       [](nlohmann::json& b) {
         b["sub_orders"][0]["item_list"][0]["name"] = std::string(300, 'a');
       },
       268435461},
  };
  for (const Case& c : cases) {
    auto body = Order();
    c.mutate(body);
    auto res = Upload(token, body);
    EXPECT_EQ(res["errcode"], c.errcode) << c.name << ": " << res.dump();
    EXPECT_TRUE(res["errmsg"].is_string()) << c.name;
  }

  // Garbage bodies.
  auto res = client_->http().Post(("/user-order/combine-orders?access_token=" + token).c_str(),
                                  "{nope", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(nlohmann::json::parse(res->body)["errcode"], 47001);

  // Updating an order needs a later upload_time.
  auto first = Order();
  EXPECT_EQ(Upload(token, first)["errcode"], 0);
  EXPECT_EQ(Upload(token, first)["errcode"], 268435461);
  first["upload_time"] = "2021-05-21T13:29:35+08:00";
  EXPECT_EQ(Upload(token, first)["errcode"], 0);
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
