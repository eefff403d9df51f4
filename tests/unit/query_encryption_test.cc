// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Sensitive query parameters ("query:NAME" in CallOptions::encrypt_fields, and the catalog's
// query: entries for typed calls and the CLI): one implementation in the client's pipeline
// encrypts them with the platform key before the URL is built, validated and signed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/models/v3/aggracct_bc.h"
#include "wechatpay/testing/fake_transport.h"
#include "wechatpay/testing/matchers.h"
#include "wechatpay/url.h"

namespace wechatpay {
namespace {

using testing::ErrorIs;
using testing::FakeTransport;
using ::testing::HasSubstr;
using testing::IsOk;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::LoadPublicKey;
using ::testing::Not;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;  // inside the test certificates' validity
constexpr char kPath[] = "v3/aggracct-bc/wb-channel/account/balance";

class QueryEncryptionTest : public ::testing::Test {
 protected:
  Client MakeClient(bool with_platform_keys = true) {
    ClientOptions o;
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    if (with_platform_keys) {
      o.platform_public_keys[Vectors()["pub_key_id"]] = LoadPublicKey("pubkey_mode_public.pem");
    } else {
      o.allow_empty_platform_keys = true;
    }
    o.transport = fake_;
    o.clock = [] { return kNow; };
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  HttpResponse Answer() {
    return testing::SignedResponse(LoadPrivateKey("pubkey_mode_private.pem"),
                                   Vectors()["pub_key_id"], 200, R"({"balance":1})", kNow);
  }
  // The sent request's query parameters, decoded.
  QueryParams SentQuery(const HttpRequest& req) {
    std::string_view url = req.url;
    auto q = url::ParseQuery(url.substr(url.find('?') + 1));
    EXPECT_TRUE(q);
    return q ? *q : QueryParams();
  }
  std::string Decrypt(const std::string& ciphertext) {
    auto plain = crypto::RsaOaepDecrypt(LoadPrivateKey("pubkey_mode_private.pem"), ciphertext);
    EXPECT_TRUE(plain) << plain.error().ToString();
    return plain ? *plain : std::string();
  }
  // The Authorization covers exactly the URL that was sent.
  void ExpectSignedAsSent(const HttpRequest& req) {
    auto parts = ParseAuthorization(req.headers.Get("Authorization"));
    ASSERT_TRUE(parts);
    std::string path = req.url.substr(std::string("https://api.mch.weixin.qq.com").size());
    std::string msg =
        RequestSigningMessage(req.method, path, parts->timestamp, parts->nonce_str, req.body);
    EXPECT_TRUE(crypto::RsaSha256Verify(LoadCertificate("merchant_cert.pem").public_key(), msg,
                                        parts->signature));
  }

  std::shared_ptr<FakeTransport> fake_ = std::make_shared<FakeTransport>();
};

TEST_F(QueryEncryptionTest, TheChainEncryptsNamedQueryParameters) {
  Client client = MakeClient();
  fake_->Enqueue(Answer());
  CallOptions o;
  o.query = {{"mchid", "1900000109"},
             {"bal_account_no", "6222020202020202"},
             {"card_no", ""},  // empty values stay as they are
             {"req_scene", "SJT_MICRO_MERCHANT"}};
  o.encrypt_fields = {"query:bal_account_no", "query:card_no"};
  EXPECT_THAT(client.chain(kPath).get(o), IsOk());
  ASSERT_EQ(fake_->requests().size(), 1u);
  HttpRequest req = fake_->requests()[0];
  EXPECT_THAT(req.url, Not(HasSubstr("6222020202020202")));
  QueryParams sent = SentQuery(req);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0], (std::pair<std::string, std::string>{"mchid", "1900000109"}));
  EXPECT_EQ(sent[1].first, "bal_account_no");
  EXPECT_EQ(Decrypt(sent[1].second), "6222020202020202");
  EXPECT_EQ(sent[2], (std::pair<std::string, std::string>{"card_no", ""}));
  EXPECT_EQ(req.headers.Get("Wechatpay-Serial"), Vectors()["pub_key_id"]);
  ExpectSignedAsSent(req);
}

TEST_F(QueryEncryptionTest, TypedCallsEncryptWhatTheCatalogMarks) {
  Client client = MakeClient();
  fake_->Enqueue(Answer());
  models::v3::aggracct_bc::GetWbChannelAccountBalanceRequest req;
  req.mchid = "1900000109";
  req.bal_account_no = "6222020202020202";
  req.card_no = "6217000010001234";
  req.req_scene =
      models::v3::aggracct_bc::GetWbChannelAccountBalanceRequest::ReqScene::kSjtMicroMerchant;
  auto r = models::v3::aggracct_bc::GetWbChannelAccountBalance::Call(client, req);
  ASSERT_THAT(r, IsOk());
  HttpRequest sent_req = fake_->requests()[0];
  QueryParams sent = SentQuery(sent_req);
  int encrypted = 0;
  for (const auto& [k, v] : sent) {
    if (k == "bal_account_no") encrypted += Decrypt(v) == "6222020202020202";
    if (k == "card_no") encrypted += Decrypt(v) == "6217000010001234";
    if (k == "mchid") {
      EXPECT_EQ(v, "1900000109");
    }
  }
  EXPECT_EQ(encrypted, 2);
  EXPECT_EQ(sent_req.headers.Get("Wechatpay-Serial"), Vectors()["pub_key_id"]);
  ExpectSignedAsSent(sent_req);
}

TEST_F(QueryEncryptionTest, WithoutAPlatformKeyNothingIsSent) {
  Client client = MakeClient(/*with_platform_keys=*/false);
  CallOptions o;
  o.query = {{"mchid", "1900000109"}, {"bal_account_no", "6222020202020202"}};
  o.encrypt_fields = {"query:bal_account_no"};
  auto r = client.chain(kPath).get(o);
  EXPECT_THAT(r, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(r.error().message, HasSubstr("encrypting query parameter 'bal_account_no'"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("6222020202020202")));
  EXPECT_TRUE(fake_->requests().empty());
}

TEST_F(QueryEncryptionTest, AbsentParametersAndBodyFieldsAreUnaffected) {
  Client client = MakeClient();
  fake_->Enqueue(Answer());
  CallOptions o;
  o.query = {{"mchid", "1900000109"}, {"req_scene", "SJT_MICRO_MERCHANT"}, {"bal_account_no", "x"}};
  o.encrypt_fields = {"query:card_no"};  // not in the query: nothing to encrypt, no serial
  EXPECT_THAT(client.chain(kPath).get(o), IsOk());
  HttpRequest req = fake_->requests()[0];
  EXPECT_THAT(req.url, HasSubstr("bal_account_no=x"));
  EXPECT_FALSE(req.headers.Has("Wechatpay-Serial"));
}

}  // namespace
}  // namespace wechatpay
