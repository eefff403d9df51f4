// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The sandbox checks APIv3 requests like WeChat Pay does and signs every answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "integration/sandbox_fixture.h"
#include "support/test_util.h"

namespace wechatpay::sandbox::testing {
namespace {

class SandboxAuthTest : public SandboxTest {};

void ExpectSignError(V3Client& c, const httplib::Result& res) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  auto j = c.Json(*res);
  EXPECT_EQ(j.value("code", ""), "SIGN_ERROR");
  EXPECT_FALSE(j.value("message", "").empty());
  // Errors are signed too.
  EXPECT_TRUE(c.Verify(*res).ok());
  EXPECT_TRUE(res->has_header("Request-ID"));
}

TEST_F(SandboxAuthTest, ClientConfigDescribesTheSandbox) {
  auto j = nlohmann::json::parse(ReadText(sandbox_->client_config_path()), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["base_url"], sandbox_->base_url());
  EXPECT_EQ(j["mchid"], client_->merchant().mchid);
  EXPECT_EQ(j["serial"], client_->merchant().serial);
  EXPECT_TRUE(std::filesystem::path(j["private_key"].get<std::string>()).is_absolute());
  EXPECT_EQ(j["apiv3_key"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["apiv2_key"].get<std::string>().size(), 32u);
  ASSERT_TRUE(j["platform_keys"].is_object());
  EXPECT_EQ(j["platform_keys"].size(), 2u);
  PlatformKeyStore store;
  for (auto it = j["platform_keys"].begin(); it != j["platform_keys"].end(); ++it) {
    std::string path = it.value().get<std::string>();
    EXPECT_TRUE(std::filesystem::path(path).is_absolute());
    EXPECT_TRUE(store.AddFromPem(it.key(), ReadText(path)).ok()) << it.key();
  }
  EXPECT_TRUE(store.Find(client_->keys().public_key_id).has_value());
  EXPECT_TRUE(store.Find(client_->keys().certificate_serial).has_value());
  EXPECT_EQ(client_->keys().public_key_id.rfind("PUB_KEY_ID_", 0), 0u);
  EXPECT_EQ(j["miniprogram"]["appid"], sandbox_->miniprogram_appid());
  EXPECT_EQ(j["miniprogram"]["appsecret"], sandbox_->miniprogram_appsecret().reveal());
  // merchants.json lists the demo merchant with its certificate.
  auto m = nlohmann::json::parse(ReadText(sandbox_->state_dir() + "/merchants.json"));
  ASSERT_TRUE(m.is_array());
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["mchid"], client_->merchant().mchid);
  EXPECT_EQ(m[0]["serial"], client_->merchant().serial);
}

TEST_F(SandboxAuthTest, CertificatesAreEncryptedWithTheApiV3Key) {
  auto res = client_->Send("GET", "/v3/certificates");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ASSERT_TRUE(client_->Verify(*res).ok());
  // Signed by the platform certificate it carries, so a client with no key yet can verify it.
  EXPECT_EQ(res->get_header_value("Wechatpay-Serial"), client_->keys().certificate_serial);
  auto j = client_->Json(*res);
  ASSERT_TRUE(j["data"].is_array());
  ASSERT_EQ(j["data"].size(), 1u);
  const auto& item = j["data"][0];
  EXPECT_EQ(item["serial_no"], client_->keys().certificate_serial);
  EXPECT_FALSE(item["effective_time"].get<std::string>().empty());
  EXPECT_FALSE(item["expire_time"].get<std::string>().empty());
  const auto& enc = item["encrypt_certificate"];
  EXPECT_EQ(enc["algorithm"], "AEAD_AES_256_GCM");
  EXPECT_EQ(enc["associated_data"], "certificate");
  auto pem =
      crypto::AesGcmDecrypt(client_->merchant().apiv3_key.view(), enc["nonce"].get<std::string>(),
                            "certificate", enc["ciphertext"].get<std::string>());
  ASSERT_TRUE(pem.ok());
  auto cert = Certificate::FromPem(*pem);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->serial(), client_->keys().certificate_serial);
}

TEST_F(SandboxAuthTest, SignsWithTheKeyWechatpaySerialNames) {
  auto res = client_->Send("GET", "/v3/certificates", {},
                           {{"Wechatpay-Serial", client_->keys().certificate_serial}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Wechatpay-Serial"), client_->keys().certificate_serial);
  EXPECT_TRUE(client_->Verify(*res).ok());
  res = client_->Send("GET", "/v3/certificates", {},
                      {{"Wechatpay-Serial", client_->keys().public_key_id}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Wechatpay-Serial"), client_->keys().public_key_id);
  EXPECT_TRUE(client_->Verify(*res).ok());
}

TEST_F(SandboxAuthTest, MissingAuthorizationIsRejected) {
  ExpectSignError(*client_, client_->Raw("GET", "/v3/certificates"));
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", "Bearer abc"}}));
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {},
                               {{"Authorization", "WECHATPAY2-SHA256-RSA2048 mchid=\"1\""}}));
}

TEST_F(SandboxAuthTest, UnknownMerchantIsRejected) {
  RequestSigner other("1234567890", client_->merchant().serial,
                      wechatpay::testing::LoadPrivateKey("merchant_key.pem"));
  auto auth = other.Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}}));
}

TEST_F(SandboxAuthTest, WrongSerialIsRejected) {
  RequestSigner other(client_->merchant().mchid, "0123456789ABCDEF", client_->signer().key());
  auto auth = other.Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}}));
}

TEST_F(SandboxAuthTest, WrongKeyIsRejected) {
  RequestSigner other(client_->merchant().mchid, client_->merchant().serial,
                      wechatpay::testing::LoadPrivateKey("other_rsa_key.pem"));
  auto auth = other.Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}}));
}

TEST_F(SandboxAuthTest, SignatureCoversBodyPathQueryAndMethod) {
  const std::string target = "/v3/merchant-risk-manage/trade-risk-information?out_trade_no=A1";
  auto auth = client_->signer().Authorization("GET", target, "");
  ASSERT_TRUE(auth.ok());
  // Another query.
  ExpectSignError(*client_, client_->Raw("GET", target + "0", {}, {{"Authorization", *auth}}));
  // Another method (signed for GET, sent as DELETE; both exist for this path).
  const std::string notifications = "/v3/merchant-risk-manage/violation-notifications";
  auto get_auth = client_->signer().Authorization("GET", notifications, "");
  ASSERT_TRUE(get_auth.ok());
  ExpectSignError(*client_,
                  client_->Raw("DELETE", notifications, "", {{"Authorization", *get_auth}}));
  // Another body.
  std::string body = R"({"mchid":"1"})";
  auto auth2 = client_->signer().Authorization(
      "POST", "/v3/pay/transactions/out-trade-no/NOPE123/close", body);
  ASSERT_TRUE(auth2.ok());
  ExpectSignError(*client_, client_->Raw("POST", "/v3/pay/transactions/out-trade-no/NOPE123/close",
                                         R"({"mchid":"2"})", {{"Authorization", *auth2}}));
}

TEST_F(SandboxAuthTest, TimestampOutsideFiveMinutesIsRejected) {
  int64_t now = client_->signer().Now();
  for (int64_t ts : {now - 600, now + 600}) {
    auto auth = client_->signer().Authorization("GET", "/v3/certificates", "", std::to_string(ts),
                                                crypto::RandomNonce(32));
    ASSERT_TRUE(auth.ok());
    ExpectSignError(*client_,
                    client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}}));
  }
  // Within the window is fine.
  auto auth = client_->signer().Authorization("GET", "/v3/certificates", "",
                                              std::to_string(now - 120), crypto::RandomNonce(32));
  ASSERT_TRUE(auth.ok());
  auto res = client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(SandboxAuthTest, ReplayedNonceIsRejected) {
  auto auth = client_->signer().Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  auto first = client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  ExpectSignError(*client_,
                  client_->Raw("GET", "/v3/certificates", {}, {{"Authorization", *auth}}));
}

TEST_F(SandboxAuthTest, UnknownPathIs404AndSigned) {
  auto res = client_->Send("GET", "/v3/no/such/api");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(client_->Json(*res).value("code", ""), "NOT_FOUND");
  EXPECT_TRUE(client_->Verify(*res).ok());
  auto v2 = client_->Raw("POST", "/no/such/v2/api", "<xml></xml>", {}, "text/xml");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->status, 404);
}

TEST_F(SandboxAuthTest, MalformedJsonAndMissingFieldsAre400) {
  const std::string target = "/v3/pay/transactions/native";
  auto res = client_->Send("POST", target, "{not json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(client_->Json(*res).value("code", ""), "PARAM_ERROR");
  EXPECT_TRUE(client_->Verify(*res).ok());

  res = client_->Send("POST", target, R"({"appid":"wx1","mchid":"1"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto j = client_->Json(*res);
  EXPECT_EQ(j.value("code", ""), "PARAM_ERROR");
  // The message names the missing field.
  EXPECT_NE(j.value("message", "").find("description"), std::string::npos) << res->body;
  EXPECT_TRUE(client_->Verify(*res).ok());

  res = client_->Send("POST", target, "[1,2,3]");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  res = client_->Send("POST", target, std::string("{\"appid\":\"\xff\xfe\"}"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(client_->Verify(*res).ok());
}

TEST_F(SandboxAuthTest, WrongContentTypeIs4xx) {
  std::string body = R"({"mchid":"1"})";
  const std::string target = "/v3/pay/transactions/out-trade-no/NOPE12345/close";
  auto auth = client_->signer().Authorization("POST", target, body);
  ASSERT_TRUE(auth.ok());
  auto res = client_->Raw("POST", target, body, {{"Authorization", *auth}}, "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);
  EXPECT_TRUE(client_->Verify(*res).ok());
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
