// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using testing::FakeTransport;
using ::testing::HasSubstr;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::LoadPublicKey;
using ::testing::Not;
using testing::SignedResponse;
using testing::Vectors;

constexpr int64_t kNow = 1800000000;  // inside the test certificates' validity

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions o;
    o.allow_unknown_endpoints = true;  // these tests call made-up paths
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.platform_public_keys[Vectors()["pub_key_id"]] = LoadPublicKey("pubkey_mode_public.pem");
    o.apiv3_key = SecretString(Vectors()["apiv3_key"].get<std::string>());
    o.transport = fake_;
    o.clock = [this] { return now_; };
    o.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
    o.jitter = [] { return 0.5; };
    return o;
  }
  Client MakeClient() { return MakeClient(Options()); }
  Client MakeClient(ClientOptions o) {
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  // A response signed with the platform certificate's key.
  HttpResponse Signed(int status, std::string body) {
    return SignedResponse(platform_key_, Vectors()["platform_serial"], status, std::move(body),
                          now_);
  }
  // Verifies a recorded request's Authorization with the merchant certificate.
  void ExpectValidSignature(const HttpRequest& req, const std::string& expected_path) {
    auto parts = ParseAuthorization(req.headers.Get("Authorization"));
    ASSERT_TRUE(parts) << req.headers.Get("Authorization");
    EXPECT_EQ(parts->mchid, "1900000109");
    EXPECT_EQ(parts->serial_no, Vectors()["merchant_serial"]);
    std::string msg = RequestSigningMessage(req.method, expected_path, parts->timestamp,
                                            parts->nonce_str, req.body);
    EXPECT_TRUE(crypto::RsaSha256Verify(merchant_pub_, msg, parts->signature))
        << "signature does not cover " << expected_path;
    // The signed path is exactly the path (and query) that was sent.
    EXPECT_EQ(req.url, "https://api.mch.weixin.qq.com" + expected_path);
  }

  std::shared_ptr<FakeTransport> fake_ = std::make_shared<FakeTransport>();
  int64_t now_ = kNow;
  std::vector<std::chrono::milliseconds> sleeps_;
  PrivateKey platform_key_ = LoadPrivateKey("platform_key.pem");
  PublicKey merchant_pub_ = LoadCertificate("merchant_cert.pem").public_key();
};

// ---- construction ----

TEST_F(ClientTest, ConstructionValidatesEverything) {
  struct Case {
    std::function<void(ClientOptions&)> mutate;
    const char* expect;
  };
  const Case cases[] = {
      {[](ClientOptions& o) { o.mchid.clear(); }, "mchid is empty"},
      {[](ClientOptions& o) { o.mchid = "19\"00"; }, "mchid contains"},
      {[](ClientOptions& o) { o.private_key = PrivateKey(); }, "private_key is not set"},
      {[](ClientOptions& o) { o.merchant_serial.clear(); }, "merchant_serial is empty"},
      {[](ClientOptions& o) { o.merchant_serial = "XYZ"; }, "not hexadecimal"},
      {[](ClientOptions& o) {
         o.merchant_certificate = LoadCertificate("merchant_cert.pem");
         o.private_key = LoadPrivateKey("other_rsa_key.pem");
       },
       "does not match the merchant certificate"},
      {[](ClientOptions& o) {
         o.merchant_certificate = LoadCertificate("merchant_cert.pem");
         o.merchant_serial = "ABCDEF";
       },
       "is not the serial of the merchant certificate"},
      {[](ClientOptions& o) {
         o.platform_certificates.clear();
         o.platform_public_keys.clear();
       },
       "no platform certificate or WeChat Pay public key"},
      {[](ClientOptions& o) { o.platform_public_keys["618BD0F2"] = o.private_key.public_key(); },
       "PUB_KEY_ID_"},
      {[](ClientOptions& o) { o.apiv3_key = SecretString(std::string("short")); },
       "apiv3_key must be 32 bytes, got 5"},
      {[](ClientOptions& o) { o.apiv2_key = SecretString(std::string(31, 'x')); },
       "apiv2_key must be 32 bytes"},
      {[](ClientOptions& o) { o.base_url = "ftp://x"; }, "base_url must start with https://"},
      {[](ClientOptions& o) { o.base_url = "https:///v3"; }, "has no host"},
      {[](ClientOptions& o) { o.retry.max_attempts = 0; }, "max_attempts"},
  };
  for (const auto& c : cases) {
    ClientOptions o = Options();
    c.mutate(o);
    auto client = Client::Create(std::move(o));
    ASSERT_FALSE(client) << c.expect;
    EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(client.error().message, HasSubstr(c.expect));
  }
  // The serial can come from the certificate.
  ClientOptions o = Options();
  o.merchant_serial.clear();
  o.merchant_certificate = LoadCertificate("merchant_cert.pem");
  auto c = Client::Create(std::move(o));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->signer().serial_no(), Vectors()["merchant_serial"]);
  // Empty platform keys are allowed only when asked for.
  ClientOptions boot = Options();
  boot.platform_certificates.clear();
  boot.platform_public_keys.clear();
  boot.allow_empty_platform_keys = true;
  EXPECT_TRUE(Client::Create(std::move(boot)));
}

// ---- URL chain and signing ----

TEST_F(ClientTest, GetWithQuerySignsExactlyWhatIsSent) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"risk_score":1,"risk_type":"FRAUD"})"));
  CallOptions opts;
  opts.query = {{"sp_mchid", "1900000109"},
                {"out_trade_no", "1217752501201407033233368018"},
                {"complaints_information", "商家说高额返利"}};
  auto r = client.chain("v3/merchant-risk-manage/trade-risk-information").get(opts);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ((*r->json())["risk_type"], "FRAUD");
  ASSERT_EQ(fake_->request_count(), 1u);
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.body, "");
  ExpectValidSignature(req,
                       "/v3/merchant-risk-manage/trade-risk-information?sp_mchid=1900000109&"
                       "out_trade_no=1217752501201407033233368018&complaints_information="
                       "%E5%95%86%E5%AE%B6%E8%AF%B4%E9%AB%98%E9%A2%9D%E8%BF%94%E5%88%A9");
  EXPECT_EQ(req.headers.Get("Accept"), "application/json");
  EXPECT_THAT(req.headers.Get("User-Agent"), HasSubstr("wechatpay-cpp/"));
  EXPECT_FALSE(req.headers.Has("Content-Type"));
}

TEST_F(ClientTest, QueryValuesAreEncodedExactlyOnce) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions opts;
  opts.query = {{"a", "100%"}, {"b", "x&y=z"}, {"c", "%E5"}};
  ASSERT_TRUE(client.chain("v3/x").get(opts));
  ExpectValidSignature(fake_->requests()[0], "/v3/x?a=100%25&b=x%26y%3Dz&c=%25E5");
}

TEST_F(ClientTest, PostBodyIsSignedByteForByte) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, R"({"out_trade_no":"1217752501201407033233368018"})"));
  nlohmann::json body = {{"sp_mchid", "1900000109"}, {"extra_fields1", "Image形象店-深圳腾大"}};
  auto r = client.chain("v3/merchant-risk-manage/report-trade-union-information").post(body);
  ASSERT_TRUE(r) << r.error().ToString();
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.body, body.dump());
  EXPECT_EQ(req.headers.Get("Content-Type"), "application/json");
  ExpectValidSignature(req, "/v3/merchant-risk-manage/report-trade-union-information");
}

TEST_F(ClientTest, PlaceholdersAreBoundEncodedAndNeverCaseMangled) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions opts;
  opts.path = {{"out_trade_no", "ABCdef/12 3"}};
  opts.query = {{"mchid", "1900000109"}};
  ASSERT_TRUE(client.chain("v3/pay/transactions/out-trade-no/{out_trade_no}").get(opts));
  ExpectValidSignature(fake_->requests()[0],
                       "/v3/pay/transactions/out-trade-no/ABCdef%2F12%203?mchid=1900000109");

  // A literal order number typed into the chain keeps its case too.
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions with_mchid;
  with_mchid.query = {{"mchid", "1900000109"}};
  ASSERT_TRUE(client.chain("v3/pay/transactions/out-trade-no/OrderABC123").get(with_mchid));
  EXPECT_EQ(fake_->requests()[1].url,
            "https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/"
            "OrderABC123?mchid=1900000109");
}

TEST_F(ClientTest, ConcretePathsAreValidatedAndUnknownEndpointsRefused) {
  ClientOptions o = Options();
  o.allow_unknown_endpoints = false;  // the default
  Client client = MakeClient(std::move(o));
  // A concrete path is validated against its template: mchid is required.
  auto r = client.chain("v3/pay/transactions/out-trade-no/NC1").get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message,
              HasSubstr("GET v3/pay/transactions/out-trade-no/{out_trade_no}: request validation "
                        "failed: 1 violation: query.mchid: required query parameter is missing"));
  // An unknown endpoint: refused, with a suggestion and the opt-out named.
  auto r3 = client.chain("v3/pay/transactions/natve").post(nlohmann::json::object());
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r3.error().message,
              HasSubstr("POST v3/pay/transactions/natve is not an endpoint this SDK knows; did you "
                        "mean POST v3/pay/transactions/native?"));
  EXPECT_THAT(r3.error().message, HasSubstr("allow_unknown_endpoint"));
  EXPECT_EQ(fake_->request_count(), 0u);
  // The opt-out sends it.
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions anyway;
  anyway.allow_unknown_endpoint = true;
  anyway.body = "{}";
  EXPECT_TRUE(client.chain("v3/pay/transactions/natve").post(anyway));
  EXPECT_EQ(fake_->request_count(), 1u);
  // So does turning validation off.
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions unchecked;
  unchecked.validate = false;
  unchecked.body = "{}";
  EXPECT_TRUE(client.chain("v3/pay/transactions/natve").post(unchecked));
  EXPECT_EQ(fake_->request_count(), 2u);
}

TEST_F(ClientTest, MissingOrUnknownPlaceholderFailsBeforeSending) {
  Client client = MakeClient();
  auto r = client.chain("v3/pay/transactions/id/{transaction_id}").get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("'transaction_id'"));
  CallOptions opts;
  opts.path = {{"transaction_id", "42"}, {"typo", "x"}};
  auto r2 = client.chain("v3/pay/transactions/id/{transaction_id}").get(opts);
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message, HasSubstr("'typo' names no {placeholder}"));
  EXPECT_EQ(fake_->request_count(), 0u);
}

TEST_F(ClientTest, PathPlaceholdersAreBoundFromCallOptions) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions opts;
  opts.path = {{"transaction_id", "4200000001"}};
  opts.query = {{"mchid", "1900000109"}};
  ASSERT_TRUE(client.chain("v3/pay/transactions/id/{transaction_id}").get(opts));
  EXPECT_EQ(fake_->requests()[0].url,
            "https://api.mch.weixin.qq.com/v3/pay/transactions/id/4200000001?mchid=1900000109");
}

TEST_F(ClientTest, BaseUrlWithPortAndPrefix) {
  ClientOptions o = Options();
  o.base_url = "http://127.0.0.1:8080/gateway/";
  Client client = MakeClient(std::move(o));
  fake_->Enqueue(Signed(200, "{}"));
  ASSERT_TRUE(client.chain("/v3/certificates").get());
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.url, "http://127.0.0.1:8080/gateway/v3/certificates");
  auto parts = ParseAuthorization(req.headers.Get("Authorization"));
  EXPECT_TRUE(crypto::RsaSha256Verify(merchant_pub_,
                                      RequestSigningMessage("GET", "/gateway/v3/certificates",
                                                            parts->timestamp, parts->nonce_str, ""),
                                      parts->signature));
}

// ---- retries ----

TEST_F(ClientTest, GetIsRetriedWithFreshSignatures) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(503, R"({"code":"SYSTEM_ERROR","message":"busy"})"));
  fake_->Enqueue(Error(ErrorCode::kNetwork, "connection reset"));
  fake_->Enqueue(Signed(200, R"({"ok":true})"));
  auto r = client.chain("v3/x").get();
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(fake_->request_count(), 3u);
  std::set<std::string> nonces;
  for (const auto& req : fake_->requests()) {
    nonces.insert(ParseAuthorization(req.headers.Get("Authorization"))->nonce_str);
    ExpectValidSignature(req, "/v3/x");
  }
  EXPECT_EQ(nonces.size(), 3u);
  // Full jitter (0.5 here) of 200 ms, then of 400 ms.
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0].count(), 100);
  EXPECT_EQ(sleeps_[1].count(), 200);
}

TEST_F(ClientTest, GiveUpAfterMaxAttemptsWithTheLastError) {
  Client client = MakeClient();
  for (int i = 0; i < 3; ++i) fake_->Enqueue(Signed(500, R"({"code":"SYSTEM_ERROR"})"));
  auto r = client.chain("v3/x").get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(fake_->request_count(), 3u);
}

TEST_F(ClientTest, PostIsNeverSilentlySentTwice) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(503, R"({"code":"SYSTEM_ERROR","message":"busy"})"));
  fake_->Enqueue(Signed(200, "{}"));
  auto r = client.chain("v3/test/orders").post(nlohmann::json{{"a", 1}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(fake_->request_count(), 1u);
  EXPECT_EQ(fake_->pending(), 1u);  // the 200 was never asked for
  (void)client.chain("v3/drain").get();   // consume it (signature check aside)
  fake_->Enqueue(Error(ErrorCode::kTimeout, "timed out"));
  auto t = client.chain("v3/test/orders").post(nlohmann::json{{"a", 1}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(fake_->request_count(), 3u);
  // ... unless the caller marks it idempotent (the queued 200 answers the retry).
  fake_->Enqueue(Signed(429, R"({"code":"FREQUENCY_LIMITED"})"));
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions opts;
  opts.idempotent = true;
  auto ok = client.chain("v3/test/orders").post(nlohmann::json{{"a", 1}}, opts);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(fake_->request_count(), 5u);
}

TEST_F(ClientTest, RetryAfterIsHonouredWithinMaxBackoff) {
  Client client = MakeClient();
  HttpResponse busy = Signed(429, R"({"code":"FREQUENCY_LIMITED"})");
  busy.headers.Set("Retry-After", "2");
  fake_->Enqueue(busy);
  fake_->Enqueue(Signed(200, "{}"));
  ASSERT_TRUE(client.chain("v3/x").get());
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0].count(), 2000);
}

// A Retry-After beyond max_backoff (here one that overflowed a 64-bit multiplication, undefined
// behaviour before) ends the call with the server's answer instead of retrying early.
TEST_F(ClientTest, ARetryAfterLongerThanMaxBackoffStopsRetrying) {
  Client client = MakeClient();
  for (const char* value : {"99999999999999999999", "3600"}) {
    HttpResponse busy = Signed(503, R"({"code":"SYSTEM_ERROR"})");
    busy.headers.Set("Retry-After", value);
    fake_->Enqueue(busy);
    size_t before = fake_->request_count();
    auto r = client.chain("v3/x").get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().http_status, 503);
    EXPECT_EQ(fake_->request_count(), before + 1) << value;
    EXPECT_TRUE(sleeps_.empty());
    EXPECT_THAT(r.error().message, HasSubstr("not retried: the server asked to wait "));
    EXPECT_THAT(r.error().message,
                HasSubstr("s (Retry-After), longer than RetryPolicy::max_backoff (5000 ms)"));
  }
  // Unparseable values are ignored: the usual backoff applies.
  HttpResponse odd = Signed(503, R"({"code":"SYSTEM_ERROR"})");
  odd.headers.Set("Retry-After", "-5");
  fake_->Enqueue(odd);
  fake_->Enqueue(Signed(200, "{}"));
  ASSERT_TRUE(client.chain("v3/x").get());
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0].count(), 100);
}

TEST_F(ClientTest, TlsAndArgumentErrorsAreNotRetried) {
  Client client = MakeClient();
  fake_->Enqueue(Error(ErrorCode::kTls, "certificate verify failed"));
  auto r = client.chain("v3/x").get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTls);
  EXPECT_EQ(fake_->request_count(), 1u);
}

// ---- verification and errors ----

TEST_F(ClientTest, TamperedSkewedAndUnsignedResponsesAreRejected) {
  Client client = MakeClient();
  HttpResponse tampered = Signed(200, R"({"risk_score":1})");
  tampered.body = R"({"risk_score":0})";
  fake_->Enqueue(tampered);
  EXPECT_EQ(client.chain("v3/x").get().error().code, ErrorCode::kBadSignature);

  fake_->Enqueue(
      SignedResponse(platform_key_, Vectors()["platform_serial"], 200, "{}", now_ - 301));
  EXPECT_EQ(client.chain("v3/x").get().error().code, ErrorCode::kTimestampSkew);

  HttpResponse unsigned_resp;
  unsigned_resp.status = 200;
  unsigned_resp.body = "{}";
  fake_->Enqueue(unsigned_resp);
  auto r = client.chain("v3/x").get();
  EXPECT_EQ(r.error().code, ErrorCode::kMissingHeader);

  HttpResponse probe = Signed(200, "{}");
  probe.headers.Set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc");
  fake_->Enqueue(probe);
  EXPECT_EQ(client.chain("v3/x").get().error().code, ErrorCode::kSignatureProbe);

  // 204 with an empty body is verified too.
  fake_->Enqueue(Signed(204, ""));
  auto empty = client.chain("v3/x").post(nlohmann::json::object());
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_EQ(empty->status, 204);
}

TEST_F(ClientTest, ApiErrorsCarryStatusCodeMessageDetailAndRequestId) {
  Client client = MakeClient();
  HttpResponse bad = Signed(400, R"({"code":"PARAM_ERROR","message":"缺少参数 out_trade_no",)"
                                 R"("detail":{"field":"out_trade_no","location":"body"}})");
  bad.headers.Set("Request-ID", "08F1D2E3-REQ");
  fake_->Enqueue(bad);
  auto r = client.chain("v3/test/orders").post(nlohmann::json::object());
  ASSERT_FALSE(r);
  const Error& e = r.error();
  EXPECT_EQ(e.code, ErrorCode::kApi);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.api_code, "PARAM_ERROR");
  EXPECT_EQ(e.request_id, "08F1D2E3-REQ");
  EXPECT_THAT(e.message, HasSubstr("缺少参数 out_trade_no"));
  EXPECT_EQ(nlohmann::json::parse(e.detail)["field"], "out_trade_no");
  EXPECT_THAT(e.ToString(), HasSubstr("[Request-ID 08F1D2E3-REQ]"));
  // A non-JSON error body still gives a usable error.
  fake_->Enqueue(Signed(502, "<html>bad gateway</html>"));
  CallOptions once;
  once.idempotent = false;
  auto r2 = client.chain("v3/x").get(once);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().http_status, 502);
  EXPECT_EQ(r2.error().api_code, "");
}

TEST_F(ClientTest, InvalidUtf8BodyIsAnArgumentError) {
  Client client = MakeClient();
  auto r = client.chain("v3/x").post(nlohmann::json{{"name", std::string("\xff\xfe")}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(fake_->request_count(), 0u);
}

// ---- validation against the catalog ----

TEST_F(ClientTest, RequestsAreValidatedBeforeAnythingIsSent) {
  Client client = MakeClient();
  nlohmann::json order = {{"appid", "wxd678efh567hg6787"},
                          {"mchid", "1900000109"},
                          {"description", "Image形象店-深圳腾大-QQ公仔"},
                          {"out_trade_no", "1217752501201407033233368018"},
                          {"notify_url", "https://www.weixin.qq.com/wxpay/pay.php"},
                          {"amount", {{"total", 100}, {"currency", "CNY"}}},
                          {"a_field_from_the_future", true}};
  nlohmann::json broken = order;
  broken.erase("out_trade_no");
  broken["amount"]["total"] = "100";  // a string where an integer is required
  auto r = client.chain("v3/pay/transactions/native").post(broken);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("out_trade_no"));
  EXPECT_THAT(r.error().message, HasSubstr("amount.total"));
  EXPECT_EQ(nlohmann::json::parse(r.error().detail).size(), 2u);
  EXPECT_EQ(fake_->request_count(), 0u);

  // A valid order (with an unknown field) goes out.
  fake_->Enqueue(Signed(200, R"({"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"})"));
  ASSERT_TRUE(client.chain("v3/pay/transactions/native").post(order));

  // Per call and per client, validation can be turned off.
  fake_->Enqueue(Signed(400, R"({"code":"PARAM_ERROR","message":"server says no"})"));
  CallOptions off;
  off.validate = false;
  auto sent = client.chain("v3/pay/transactions/native").post(broken, off);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().api_code, "PARAM_ERROR");
  ClientOptions o = Options();
  o.validate_requests = false;
  Client lax = MakeClient(std::move(o));
  fake_->Enqueue(Signed(200, "{}"));
  EXPECT_TRUE(lax.chain("v3/pay/transactions/native").post(broken));

  // Query parameters and raw-text bodies are validated too.
  auto q = client.chain("v3/pay/transactions/id/{transaction_id}").get([] {
    CallOptions c;
    c.path = {{"transaction_id", "42"}};
    return c;
  }());
  ASSERT_FALSE(q);
  EXPECT_THAT(q.error().message, HasSubstr("mchid"));
  CallOptions raw;
  raw.body = "{not json";
  auto bad_json = client.chain("v3/pay/transactions/native").post(raw);
  ASSERT_FALSE(bad_json);
  EXPECT_THAT(bad_json.error().message, HasSubstr("not valid JSON"));
}

// ---- sensitive fields ----

TEST_F(ClientTest, EncryptFieldsWithPublicKeyAndSetSerial) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(200, "{}"));
  CallOptions opts;
  opts.encrypt_fields = {"phone", "certificates_number", "payer.name", "list[].name", "absent"};
  nlohmann::json body = {{"phone", "13800138000"},
                         {"certificates_number", "110101199003070000"},
                         {"payer", {{"name", "张三"}}},
                         {"list", {{{"name", "a"}}, {{"name", "b"}}}},
                         {"out_trade_no", "1217752501"}};
  ASSERT_TRUE(client.chain("v3/merchant-risk-manage/report-trade-union-information").post(body, opts));
  HttpRequest req = fake_->requests()[0];
  EXPECT_EQ(req.headers.Get("Wechatpay-Serial"), Vectors()["pub_key_id"]);
  auto sent = nlohmann::json::parse(req.body);
  auto key = LoadPrivateKey("pubkey_mode_private.pem");
  EXPECT_EQ(*crypto::RsaOaepDecrypt(key, sent["phone"].get<std::string>()), "13800138000");
  EXPECT_EQ(*crypto::RsaOaepDecrypt(key, sent["payer"]["name"].get<std::string>()), "张三");
  EXPECT_EQ(*crypto::RsaOaepDecrypt(key, sent["list"][1]["name"].get<std::string>()), "b");
  EXPECT_EQ(sent["out_trade_no"], "1217752501");
  EXPECT_THAT(req.body, Not(HasSubstr("13800138000")));
  ExpectValidSignature(req, "/v3/merchant-risk-manage/report-trade-union-information");
}

TEST_F(ClientTest, EncryptSensitiveUsesCertificateWhenNoPublicKey) {
  ClientOptions o = Options();
  o.platform_public_keys.clear();
  Client client = MakeClient(std::move(o));
  std::string serial;
  auto ct = client.EncryptSensitive("13800138000", &serial);
  ASSERT_TRUE(ct);
  EXPECT_EQ(serial, Vectors()["platform_serial"]);
  EXPECT_EQ(*crypto::RsaOaepDecrypt(platform_key_, *ct), "13800138000");
  // Decrypting a field encrypted to the merchant key.
  auto to_merchant = crypto::RsaOaepEncrypt(merchant_pub_, "secret");
  EXPECT_EQ(*client.DecryptSensitive(*to_merchant), "secret");
  EXPECT_EQ(client.DecryptSensitive("AAAA").error().code, ErrorCode::kDecryption);
}

// ---- platform certificates ----

nlohmann::json CertificateEntry(const Certificate& cert, const std::string& apiv3_key,
                                const std::string& serial_override = "") {
  auto ct = crypto::AesGcmEncrypt(apiv3_key, "0123456789ab", "certificate", cert.ToPem());
  return {{"serial_no", serial_override.empty() ? cert.serial() : serial_override},
          {"effective_time", "2026-11-23T15:37:14+08:00"},
          {"expire_time", "2126-10-30T15:37:14+08:00"},
          {"encrypt_certificate",
           {{"algorithm", "AEAD_AES_256_GCM"},
            {"nonce", "0123456789ab"},
            {"associated_data", "certificate"},
            {"ciphertext", *ct}}}};
}

std::string CertificatesBody(const Certificate& cert, const std::string& apiv3_key,
                             const std::string& serial_override = "") {
  nlohmann::json j = {
      {"data", nlohmann::json::array({CertificateEntry(cert, apiv3_key, serial_override)})}};
  return j.dump();
}

TEST_F(ClientTest, RefreshPlatformCertificatesDecryptsVerifiesAndStores) {
  ClientOptions o = Options();
  o.platform_certificates.clear();  // start with the public key only
  Client client = MakeClient(std::move(o));
  EXPECT_EQ(client.platform_keys().size(), 1u);
  Certificate cert = LoadCertificate("platform_cert.pem");
  fake_->Enqueue(Signed(200, CertificatesBody(cert, Vectors()["apiv3_key"])));
  auto got = client.RefreshPlatformCertificates();
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].serial_no, cert.serial());
  EXPECT_EQ(client.platform_keys().size(), 2u);
  EXPECT_TRUE(client.platform_keys().Find(cert.serial()));
  EXPECT_EQ(fake_->requests()[0].url, "https://api.mch.weixin.qq.com/v3/certificates");
}

TEST_F(ClientTest, RefreshRejectsBadDownloads) {
  ClientOptions o = Options();
  o.platform_certificates.clear();
  Client client = MakeClient(std::move(o));
  Certificate cert = LoadCertificate("platform_cert.pem");
  // Wrong APIv3 key.
  fake_->Enqueue(Signed(200, CertificatesBody(cert, std::string(32, 'z'))));
  auto r1 = client.RefreshPlatformCertificates();
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kDecryption);
  EXPECT_THAT(r1.error().ToString(), Not(HasSubstr(Vectors()["apiv3_key"].get<std::string>())));
  // serial_no that does not match the certificate: a certificate error, not a bad signature.
  fake_->Enqueue(Signed(200, CertificatesBody(cert, Vectors()["apiv3_key"], "ABCDEF01")));
  auto r2 = client.RefreshPlatformCertificates();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidCertificate);
  EXPECT_THAT(r2.error().message,
              HasSubstr("entry serial_no ABCDEF01 does not match its certificate's serial " +
                        cert.serial()));
  // Signed by a key that is neither held nor downloaded.
  HttpResponse forged = SignedResponse(LoadPrivateKey("other_rsa_key.pem"), cert.serial(), 200,
                                       CertificatesBody(cert, Vectors()["apiv3_key"]), now_);
  fake_->Enqueue(forged);
  auto r3 = client.RefreshPlatformCertificates();
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().code, ErrorCode::kBadSignature);
  EXPECT_EQ(client.platform_keys().size(), 1u);  // nothing was added
}

// Issue 18, item 5: a downloaded certificate outside its validity is neither kept nor returned
// (so `wxpay crt` never saves it); the valid one in the same answer is.
TEST_F(ClientTest, RefreshSkipsCertificatesOutsideTheirValidity) {
  std::vector<std::string> lines;
  ClientOptions o = Options();
  o.platform_certificates.clear();
  o.logger = [&](LogLevel, std::string_view line) { lines.emplace_back(line); };
  Client client = MakeClient(std::move(o));
  Certificate cert = LoadCertificate("platform_cert.pem");
  PrivateKey other = LoadPrivateKey("other_rsa_key.pem");
  auto expired = Certificate::SelfSigned(other, "old platform", "0A0B0C01", kNow - 20 * 86400, 10);
  auto future = Certificate::SelfSigned(other, "next platform", "0A0B0C02", kNow + 60, 365);
  ASSERT_TRUE(expired && future);
  const std::string key = Vectors()["apiv3_key"];
  nlohmann::json body = {{"data",
                          {CertificateEntry(*expired, key), CertificateEntry(cert, key),
                           CertificateEntry(*future, key)}}};
  fake_->Enqueue(Signed(200, body.dump()));
  auto got = client.RefreshPlatformCertificates();
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].certificate.serial(), cert.serial());
  EXPECT_TRUE(client.platform_keys().Find(cert.serial()));
  std::string log;
  for (const auto& l : lines) log += l + "\n";
  EXPECT_THAT(log, HasSubstr("certificate 0A0B0C01 expired at " +
                             UtcTimeText(expired->not_after()) + " (now " + UtcTimeText(kNow)));
  EXPECT_THAT(log, HasSubstr("certificate 0A0B0C02 is not valid before " +
                             UtcTimeText(future->not_before())));
  // Held but refused: a response signed with either says why, instead of "unknown serial".
  for (const char* serial : {"0A0B0C01", "0A0B0C02"}) {
    fake_->Enqueue(SignedResponse(other, serial, 200, "{}", now_));
    auto r = client.chain("v3/x").get();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidCertificate) << serial;
  }
  // The not yet valid one verifies once it is valid, without another download.
  now_ = kNow + 61;
  fake_->Enqueue(SignedResponse(other, "0A0B0C02", 200, "{}", now_));
  EXPECT_TRUE(client.chain("v3/x").get());
  EXPECT_EQ(fake_->request_count(), 4u);
}

// Issue 18, items 5 and 8: configured certificates are checked against the clock when they
// verify, and an expired one is reported as such (not as an unknown serial or a bad signature).
TEST_F(ClientTest, ConfiguredCertificatesOutsideTheirValidityDoNotVerify) {
  auto expired =
      Certificate::SelfSigned(platform_key_, "old platform", "0A0B0C03", kNow - 20 * 86400, 10);
  auto future = Certificate::SelfSigned(platform_key_, "next platform", "0A0B0C04", kNow + 60, 1);
  ASSERT_TRUE(expired && future);
  std::vector<std::string> lines;
  ClientOptions o = Options();
  o.platform_certificates = {*expired, *future, LoadCertificate("platform_cert.pem")};
  o.logger = [&](LogLevel, std::string_view line) { lines.emplace_back(line); };
  Client client = MakeClient(std::move(o));
  std::string log;
  for (const auto& l : lines) log += l + "\n";
  EXPECT_THAT(log, HasSubstr("ClientOptions.platform_certificates: certificate 0A0B0C03 expired"));
  EXPECT_THAT(log, HasSubstr("certificate 0A0B0C04 is not valid before"));

  fake_->Enqueue(SignedResponse(platform_key_, "0A0B0C03", 200, "{}", now_));
  auto r1 = client.chain("v3/x").get();
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidCertificate);
  EXPECT_TRUE(IsVerificationError(r1.error().code));
  EXPECT_EQ(r1.error().message,
            "the signing platform certificate 0A0B0C03 expired at " +
                UtcTimeText(expired->not_after()) + " (now " + UtcTimeText(kNow) +
                "); download current certificates (Client::RefreshPlatformCertificates, "
                "`wxpay crt`)");
  fake_->Enqueue(SignedResponse(platform_key_, "0A0B0C04", 200, "{}", now_));
  auto r2 = client.chain("v3/x").get();
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, ErrorCode::kInvalidCertificate);
  EXPECT_THAT(r2.error().message, HasSubstr("is not valid before"));
  EXPECT_EQ(fake_->request_count(), 2u);  // neither triggered a certificate download
  // Once valid (the clock moved on), the same certificate verifies.
  now_ = kNow + 120;
  fake_->Enqueue(SignedResponse(platform_key_, "0A0B0C04", 200, "{}", now_));
  EXPECT_TRUE(client.chain("v3/x").get());
  // Encryption never picks a certificate outside its validity either.
  std::string serial;
  ClientOptions only_old = Options();
  only_old.platform_public_keys.clear();
  only_old.platform_certificates = {*expired};
  Client old_client = MakeClient(std::move(only_old));
  auto enc = old_client.EncryptSensitive("x", &serial);
  ASSERT_FALSE(enc);
  EXPECT_THAT(enc.error().message, HasSubstr("no valid platform certificate"));
}

TEST_F(ClientTest, PublicKeyOnlyMerchantIsRecognised) {
  Client client = MakeClient();
  fake_->Enqueue(Signed(404, R"({"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书"})"));
  auto r = client.RefreshPlatformCertificates();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().api_code, "RESOURCE_NOT_EXISTS");
  EXPECT_THAT(r.error().message, HasSubstr("uses the WeChat Pay public key"));
}

TEST_F(ClientTest, UnknownSerialTriggersOneCertificateDownload) {
  ClientOptions o = Options();
  o.platform_certificates.clear();
  Client client = MakeClient(std::move(o));
  Certificate cert = LoadCertificate("platform_cert.pem");
  fake_->Enqueue(Signed(200, R"({"risk_score":1})"));  // signed by a serial we don't hold yet
  fake_->Enqueue(Signed(200, CertificatesBody(cert, Vectors()["apiv3_key"])));
  auto r = client.chain("v3/x").get();
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(fake_->request_count(), 2u);
  EXPECT_EQ(fake_->requests()[1].url, "https://api.mch.weixin.qq.com/v3/certificates");
  // A second unknown serial within a minute does not hammer the endpoint.
  HttpResponse other = SignedResponse(platform_key_, "0123ABCD", 200, "{}", now_);
  fake_->Enqueue(other);
  EXPECT_EQ(client.chain("v3/x").get().error().code, ErrorCode::kUnknownSerial);
  EXPECT_EQ(fake_->request_count(), 3u);
}

// ---- downloads ----

TEST_F(ClientTest, DownloadChecksDigestWhileStreaming) {
  Client client = MakeClient();
  std::string bill(5000, 'x');
  bill += "交易时间,公众账号ID\n";
  HttpResponse file;
  file.status = 200;
  file.body = bill;
  fake_->Enqueue(file);
  std::string received;
  auto sink = [&](std::string_view chunk) {
    received.append(chunk);
    return true;
  };
  std::string sha1 = crypto::HexEncode(crypto::Sha1(bill), true);
  Status ok = client.Download("https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc", sink,
                              DigestAlgorithm::kSha1, sha1);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(received, bill);
  ExpectValidSignature(fake_->requests()[0], "/v3/billdownload/file?token=abc");

  fake_->Enqueue(file);
  Status bad = client.Download("https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc", sink,
                               DigestAlgorithm::kSha256, std::string(64, '0'));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kDigestMismatch);

  // An error answer is not fed to the sink.
  received.clear();
  fake_->Enqueue(Signed(403, R"({"code":"NO_AUTH","message":"no"})"));
  Status denied = client.Download("https://api.mch.weixin.qq.com/v3/billdownload/file?token=abc",
                                  sink, DigestAlgorithm::kSha1, sha1);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().api_code, "NO_AUTH");
  EXPECT_TRUE(received.empty());
}

TEST_F(ClientTest, SignedStatementDownload) {
  Client client = MakeClient();
  std::string data = "%PDF-1.4 statement bytes";
  std::string sha1 = crypto::HexEncode(crypto::Sha1(data));
  auto make = [&](const std::string& signed_sha1, const std::string& body) {
    HttpResponse r = Signed(200, "{\"sha1\":\"" + signed_sha1 + "\"}");
    r.headers.Set("Wechatpay-Statement-Sha1", signed_sha1);
    r.body = body;
    return r;
  };
  std::string got;
  auto sink = [&](std::string_view c) {
    got.append(c);
    return true;
  };
  fake_->Enqueue(make(sha1, data));
  Status ok = client.DownloadSignedStatement(
      "https://apihk.mch.weixin.qq.com/v3/global/statements"
      "?date=2026-11-01",
      sink);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(got, data);
  fake_->Enqueue(make(sha1, data + "x"));
  EXPECT_EQ(
      client.DownloadSignedStatement("https://apihk.mch.weixin.qq.com/v3/s", sink).error().code,
      ErrorCode::kDigestMismatch);
  HttpResponse forged = make(sha1, data);
  forged.headers.Set("Wechatpay-Statement-Sha1", std::string(40, 'a'));
  fake_->Enqueue(forged);
  EXPECT_EQ(
      client.DownloadSignedStatement("https://apihk.mch.weixin.qq.com/v3/s", sink).error().code,
      ErrorCode::kBadSignature);
}

// ---- callbacks, logging, threads ----

TEST_F(ClientTest, ParseNotificationThroughTheClient) {
  now_ = 1700000200;  // the vector's time
  ClientOptions o = Options();
  o.platform_certificates = {testing::VectorEraPlatformCertificate()};
  Client client = MakeClient(std::move(o));
  const auto& v = Vectors()["notification"];
  auto n = client.ParseNotification(testing::HeadersFromJson(v["headers"]),
                                    v["body"].get<std::string>());
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(n->plaintext.reveal(), v["plaintext"]);
}

TEST_F(ClientTest, LogsNeverContainSecrets) {
  std::vector<std::string> lines;
  ClientOptions o = Options();
  o.logger = [&](LogLevel, std::string_view line) { lines.emplace_back(line); };
  Client client = MakeClient(std::move(o));
  fake_->Enqueue(Signed(500, "{}"));
  fake_->Enqueue(Signed(200, R"({"secret_plain":"x"})"));
  CallOptions opts;
  opts.query = {{"access_token", "TOKEN-SHOULD-NOT-APPEAR"}};
  ASSERT_TRUE(client.chain("v3/x").get(opts));
  ASSERT_GE(lines.size(), 3u);
  std::string auth = fake_->requests()[0].headers.Get("Authorization");
  for (const auto& l : lines) {
    EXPECT_THAT(l, Not(HasSubstr("WECHATPAY2-SHA256")));
    EXPECT_THAT(l, Not(HasSubstr("signature")));
    EXPECT_THAT(l, Not(HasSubstr("TOKEN-SHOULD-NOT-APPEAR")));
    EXPECT_THAT(l, Not(HasSubstr("secret_plain")));
    EXPECT_THAT(l, Not(HasSubstr(Vectors()["apiv3_key"].get<std::string>())));
  }
}

TEST_F(ClientTest, CopiesShareStateAndWorkAcrossThreads) {
  Client client = MakeClient();
  fake_->SetHandler([this](const HttpRequest&) { return Result<HttpResponse>(Signed(200, "{}")); });
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = client, &ok] {
      for (int i = 0; i < 25; ++i) {
        if (copy.chain("v3/x").get()) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(fake_->request_count(), 100u);
}

}  // namespace
}  // namespace wechatpay
