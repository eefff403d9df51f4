// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/test_util.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignResponse;

namespace wechatpay {
namespace {

using testing::FixedClock;
using testing::FixedNonce;
using ::testing::HasSubstr;
using testing::HeadersFromJson;
using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::LoadPublicKey;
using ::testing::Not;
using testing::Vectors;

RequestSigner VectorSigner() {
  return RequestSigner(Vectors()["mchid"], Vectors()["merchant_serial"],
                       LoadPrivateKey("merchant_key.pem"));
}

std::shared_ptr<PlatformKeyStore> VectorKeyStore() {
  auto store = std::make_shared<PlatformKeyStore>();
  store->AddCertificate(testing::VectorEraPlatformCertificate());
  EXPECT_TRUE(
      store->AddPublicKey(Vectors()["pub_key_id"], LoadPublicKey("pubkey_mode_public.pem")));
  return store;
}

TEST(RequestSigning, MessageMatchesVectors) {
  for (const auto& v : Vectors()["request_signing"]) {
    EXPECT_EQ(RequestSigningMessage(v["method"].get<std::string>(), v["url"].get<std::string>(),
                                    v["timestamp"].get<std::string>(),
                                    v["nonce"].get<std::string>(), v["body"].get<std::string>()),
              v["message"]);
  }
}

TEST(RequestSigning, AuthorizationMatchesVectorsParameterByParameter) {
  RequestSigner signer = VectorSigner();
  for (const auto& v : Vectors()["request_signing"]) {
    auto auth = signer.Authorization(
        v["method"].get<std::string>(), v["url"].get<std::string>(), v["body"].get<std::string>(),
        v["timestamp"].get<std::string>(), v["nonce"].get<std::string>());
    ASSERT_TRUE(auth) << auth.error().ToString();
    auto ours = ParseAuthorization(*auth);
    auto theirs = ParseAuthorization(v["authorization"].get<std::string>());
    ASSERT_TRUE(ours);
    ASSERT_TRUE(theirs);
    EXPECT_EQ(ours->mchid, theirs->mchid);
    EXPECT_EQ(ours->serial_no, theirs->serial_no);
    EXPECT_EQ(ours->timestamp, theirs->timestamp);
    EXPECT_EQ(ours->nonce_str, theirs->nonce_str);
    EXPECT_EQ(ours->signature, theirs->signature);
    EXPECT_EQ(auth->rfind("WECHATPAY2-SHA256-RSA2048 ", 0), 0u);
  }
}

TEST(RequestSigning, InjectedClockAndNonce) {
  RequestSigner signer(Vectors()["mchid"], Vectors()["merchant_serial"],
                       LoadPrivateKey("merchant_key.pem"), FixedClock(1700000000),
                       FixedNonce("5K8264ILTKCH16CQ2502SI8ZNMTM67VS"));
  const auto& v = Vectors()["request_signing"][0];
  auto auth =
      signer.Authorization("POST", v["url"].get<std::string>(), v["body"].get<std::string>());
  ASSERT_TRUE(auth);
  EXPECT_EQ(ParseAuthorization(*auth)->signature, v["signature"]);
}

TEST(RequestSigning, FreshNonceAndTimestampEveryCall) {
  RequestSigner signer = VectorSigner();
  auto a = ParseAuthorization(*signer.Authorization("GET", "/v3/certificates", ""));
  auto b = ParseAuthorization(*signer.Authorization("GET", "/v3/certificates", ""));
  EXPECT_NE(a->nonce_str, b->nonce_str);
  EXPECT_EQ(a->nonce_str.size(), 32u);
  EXPECT_NEAR(std::stoll(a->timestamp), SystemClock()(), 5);
}

TEST(RequestSigning, RejectsRelativeUrl) {
  auto r = VectorSigner().Authorization("GET", "v3/certificates", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(ParseAuthorizationTest, BadHeaders) {
  for (const char* bad :
       {"", "Bearer x", "WECHATPAY2-SHA256-RSA2048X mchid=\"1\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=1", "WECHATPAY2-SHA256-RSA2048 mchid=\"1",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",serial_no=\"2\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\",serial_no=\"2\","
        "timestamp=\"3\",nonce_str=\"4\",signature=\"5\""}) {
    EXPECT_FALSE(ParseAuthorization(bad)) << bad;
  }
  auto ok = ParseAuthorization(
      "WECHATPAY2-SHA256-RSA2048 signature=\"s\", timestamp=\"3\",nonce_str=\"4\","
      "serial_no=\"2\",mchid=\"1\",extra=\"ignored\"");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->mchid, "1");
  EXPECT_EQ(ok->signature, "s");
}

// ---- response verification ----

class Verification : public ::testing::Test {
 protected:
  std::shared_ptr<PlatformKeyStore> store_ = VectorKeyStore();
  ResponseVerifier Verifier(int64_t now) { return ResponseVerifier(store_, FixedClock(now)); }
};

TEST_F(Verification, VectorsVerifyWithCertificateAndPublicKey) {
  for (const auto& v : Vectors()["response_verification"]) {
    Headers h = HeadersFromJson(v["headers"]);
    int64_t ts = std::stoll(h.Get("Wechatpay-Timestamp"));
    Status s = Verifier(ts + 10).Verify(h, v["body"].get<std::string>());
    EXPECT_EQ(s.ok(), v["valid"].get<bool>()) << h.Get("Wechatpay-Serial");
    if (!s) {
      EXPECT_EQ(s.error().code, ErrorCode::kBadSignature);
    }
  }
}

TEST_F(Verification, HeaderNamesAreCaseInsensitive) {
  const auto& v = Vectors()["response_verification"][0];
  Headers h;
  for (const auto& [k, val] : v["headers"].items()) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    h.Add(lower, val.get<std::string>());
  }
  EXPECT_TRUE(Verifier(1700000100).Verify(h, v["body"].get<std::string>()));
}

TEST_F(Verification, EachFailureHasItsOwnCode) {
  const auto& v = Vectors()["response_verification"][0];
  const std::string body = v["body"];
  const Headers good = HeadersFromJson(v["headers"]);

  for (const char* name :
       {"Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"}) {
    Headers h = good;
    h.Remove(name);
    Status s = Verifier(1700000100).Verify(h, body);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kMissingHeader);
    EXPECT_THAT(s.error().message, HasSubstr(name));
  }

  Headers unknown = good;
  unknown.Set("Wechatpay-Serial", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
  EXPECT_EQ(Verifier(1700000100).Verify(unknown, body).error().code, ErrorCode::kUnknownSerial);

  Headers probe = good;
  probe.Set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/AbCdEf==");
  EXPECT_EQ(Verifier(1700000100).Verify(probe, body).error().code, ErrorCode::kSignatureProbe);

  EXPECT_EQ(Verifier(1700000100).Verify(good, body + " ").error().code, ErrorCode::kBadSignature);

  // Skew: 300 s either way is accepted, 301 s is not.
  EXPECT_TRUE(Verifier(1700000100 + 300).Verify(good, body));
  EXPECT_TRUE(Verifier(1700000100 - 300).Verify(good, body));
  Status late = Verifier(1700000100 + 301).Verify(good, body);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kTimestampSkew);
  EXPECT_EQ(Verifier(1700000100 - 301).Verify(good, body).error().code, ErrorCode::kTimestampSkew);
  Headers garbage_ts = good;
  garbage_ts.Set("Wechatpay-Timestamp", "17000001OO");
  EXPECT_EQ(Verifier(1700000100).Verify(garbage_ts, body).error().code, ErrorCode::kTimestampSkew);

  // A custom window.
  ResponseVerifier wide(store_, FixedClock(1700000100 + 3600), 7200);
  EXPECT_TRUE(wide.Verify(good, body));
}

// Issue 18, item 5: a held certificate verifies only within its validity, and outside it the
// error says which way (expired / not yet valid) with the dates.
TEST_F(Verification, CertificatesVerifyOnlyWithinTheirValidity) {
  auto key = LoadPrivateKey("platform_key.pem");
  constexpr int64_t kStart = 1800000000;
  auto cert = Certificate::SelfSigned(key, "short-lived platform", "0D0E0F01", kStart, 1);
  ASSERT_TRUE(cert);
  auto store = std::make_shared<PlatformKeyStore>();
  store->AddCertificate(*cert);
  auto at = [&](int64_t now) {
    Headers h;
    EXPECT_TRUE(SignResponse(key, "0D0E0F01", now, "n", "{}", h));
    return ResponseVerifier(store, FixedClock(now)).Verify(h, "{}");
  };
  EXPECT_TRUE(at(kStart));
  EXPECT_TRUE(at(kStart + 86400));
  Status early = at(kStart - 1);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kInvalidCertificate);
  EXPECT_THAT(early.error().message,
              HasSubstr("certificate 0D0E0F01 is not valid before " + UtcTimeText(kStart)));
  Status late = at(kStart + 86401);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kInvalidCertificate);
  EXPECT_THAT(late.error().message,
              HasSubstr("certificate 0D0E0F01 expired at " + UtcTimeText(kStart + 86400)));
  EXPECT_EQ(UtcTimeText(kStart), "2027-01-15T08:00:00Z");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kInvalidCertificate), "INVALID_CERTIFICATE");
}

TEST_F(Verification, SignResponseRoundTrip) {
  auto key = LoadPrivateKey("pubkey_mode_private.pem");
  Headers h;
  ASSERT_TRUE(SignResponse(key, Vectors()["pub_key_id"].get<std::string>(), 1700000500, "n0nce",
                           "{\"a\":1}", h));
  EXPECT_TRUE(Verifier(1700000500).Verify(h, "{\"a\":1}"));
  EXPECT_EQ(Verifier(1700000500).Verify(h, "{\"a\":2}").error().code, ErrorCode::kBadSignature);
}

// ---- key store ----

TEST(KeyStore, HoldsCertificatesAndPublicKeysTogether) {
  PlatformKeyStore store;
  EXPECT_TRUE(store.empty());
  store.AddCertificate(LoadCertificate("platform_cert.pem"));
  EXPECT_FALSE(store.AddPublicKey("618BD0F2", LoadPublicKey("pubkey_mode_public.pem")));
  ASSERT_TRUE(store.AddFromPem(Vectors()["pub_key_id"].get<std::string>(),
                               testing::ReadData("pubkey_mode_public.pem")));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_TRUE(store.Find(Vectors()["platform_serial"].get<std::string>()));
  EXPECT_TRUE(store.Find(Vectors()["pub_key_id"].get<std::string>()));
  EXPECT_FALSE(store.Find("nope"));
  // The public key is preferred for encryption.
  auto enc = store.EncryptionKey(1800000000);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->id, Vectors()["pub_key_id"]);
  store.Remove(Vectors()["pub_key_id"].get<std::string>());
  enc = store.EncryptionKey(1800000000);
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->id, Vectors()["platform_serial"]);
  // Not yet valid at 1700000000: no certificate to encrypt with.
  EXPECT_FALSE(store.EncryptionKey(1700000000));
  // A certificate registered under a wrong serial is refused.
  auto bad = store.AddFromPem("DEADBEEF", testing::ReadData("platform_cert.pem"));
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("has serial 618BD0F2"));
}

TEST(KeyStore, ConcurrentReadersAndWriters) {
  PlatformKeyStore store;
  auto cert = LoadCertificate("platform_cert.pem");
  auto pub = LoadPublicKey("pubkey_mode_public.pem");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        if (t % 2 == 0) {
          store.AddCertificate(cert);
          (void)store.AddPublicKey("PUB_KEY_ID_" + std::to_string(i % 7), pub);
        } else {
          (void)store.Find(cert.serial());
          (void)store.EncryptionKey(1800000000);
          (void)store.All();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store.size(), 8u);
}

// ---- notifications ----

class NotificationTest : public ::testing::Test {
 protected:
  std::shared_ptr<PlatformKeyStore> store_ = VectorKeyStore();
  SecretString apiv3_key_{Vectors()["apiv3_key"].get<std::string>()};
  const nlohmann::json& v_ = Vectors()["notification"];
  Headers headers_ = HeadersFromJson(v_["headers"]);
  std::string body_ = v_["body"];
  ResponseVerifier verifier_{store_, FixedClock(1700000200)};
};

TEST_F(NotificationTest, VerifiesAndDecryptsVector) {
  auto n = ParseNotification(verifier_, apiv3_key_, headers_, body_);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(n->plaintext.reveal(), v_["plaintext"]);
  EXPECT_EQ(n->id, "EV-2018022511223320873");
  EXPECT_EQ(n->event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(n->resource_type, "encrypt-resource");
  EXPECT_EQ(n->summary, "支付成功");
  EXPECT_EQ(n->original_type, "transaction");
  EXPECT_EQ(n->algorithm, "AEAD_AES_256_GCM");
  EXPECT_EQ(n->envelope, body_);
}

TEST_F(NotificationTest, FailedVerificationIsNeverDecrypted) {
  // A body whose ciphertext is intact but whose signature no longer matches.
  std::string tampered = body_;
  tampered.replace(tampered.find("支付成功"), std::string("支付成功").size(), "支付失败");
  auto n = ParseNotification(verifier_, apiv3_key_, headers_, tampered);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kBadSignature);
  EXPECT_THAT(n.error().message, HasSubstr("callback verification failed"));

  Headers probe = headers_;
  probe.Set("Wechatpay-Signature", "WECHATPAY/SIGNTEST/xyz");
  EXPECT_EQ(ParseNotification(verifier_, apiv3_key_, probe, body_).error().code,
            ErrorCode::kSignatureProbe);
  ResponseVerifier late(store_, FixedClock(1700000200 + 301));
  EXPECT_EQ(ParseNotification(late, apiv3_key_, headers_, body_).error().code,
            ErrorCode::kTimestampSkew);
}

TEST_F(NotificationTest, WrongApiv3KeyIsADecryptionErrorWithoutSecrets) {
  SecretString wrong(std::string("B1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"));
  auto n = ParseNotification(verifier_, wrong, headers_, body_);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kDecryption);
  EXPECT_THAT(n.error().message, HasSubstr("callback decryption failed"));
  EXPECT_THAT(n.error().ToString(), Not(HasSubstr(wrong.reveal())));
  EXPECT_THAT(n.error().ToString(), Not(HasSubstr(apiv3_key_.reveal())));
  EXPECT_THAT(n.error().ToString(), Not(HasSubstr("oUpF8uMuAJO")));  // no plaintext
}

TEST_F(NotificationTest, MalformedEnvelopes) {
  auto key = LoadPrivateKey("platform_key.pem");
  std::string serial = Vectors()["platform_serial"];
  auto check = [&](const std::string& body, ErrorCode code, const char* what) {
    Headers h;
    ASSERT_TRUE(SignResponse(key, serial, 1700000200, "abc", body, h));
    auto n = ParseNotification(verifier_, apiv3_key_, h, body);
    ASSERT_FALSE(n) << what;
    EXPECT_EQ(n.error().code, code) << what;
  };
  check("not json", ErrorCode::kParse, "not json");
  check("[1,2]", ErrorCode::kParse, "array");
  check("{\"id\":\"x\"}", ErrorCode::kParse, "no resource");
  check(R"({"resource":{"algorithm":"AEAD_AES_128_GCM","nonce":"n","ciphertext":"AAAA"}})",
        ErrorCode::kInvalidArgument, "algorithm");
  check(R"({"resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"AAAA"}})", ErrorCode::kParse,
        "no nonce");
  check(R"({"resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"n","ciphertext":"@@"}})",
        ErrorCode::kDecryption, "bad base64");
}

TEST_F(NotificationTest, MakeNotificationRoundTrip) {
  auto key = LoadPrivateKey("platform_key.pem");
  auto cb =
      MakeNotification(key, Vectors()["platform_serial"].get<std::string>(), apiv3_key_, "EV-1",
                       "REFUND.SUCCESS", "退款成功", "refund", R"({"refund_status":"SUCCESS"})",
                       1700000200, "nonce123", "2026-11-23T10:35:00+08:00");
  ASSERT_TRUE(cb);
  auto n = ParseNotification(verifier_, apiv3_key_, cb->headers, cb->body);
  ASSERT_TRUE(n) << n.error().ToString();
  EXPECT_EQ(n->plaintext.reveal(), R"({"refund_status":"SUCCESS"})");
  EXPECT_EQ(n->event_type, "REFUND.SUCCESS");
  EXPECT_EQ(n->original_type, "refund");
}

// ---- pay-sign helpers ----

TEST(PaySign, JsapiSignatureVerifiesWithMerchantCertificate) {
  RequestSigner signer(Vectors()["mchid"], Vectors()["merchant_serial"],
                       LoadPrivateKey("merchant_key.pem"), FixedClock(1700000000),
                       FixedNonce("NONCE"));
  auto p = JsapiPaySign(signer, "wxd678efh567hg6787", "wx201410272009395522657a690389285100");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->time_stamp, "1700000000");
  EXPECT_EQ(p->package, "prepay_id=wx201410272009395522657a690389285100");
  EXPECT_EQ(p->sign_type, "RSA");
  auto pub = LoadCertificate("merchant_cert.pem").public_key();
  EXPECT_TRUE(crypto::RsaSha256Verify(
      pub,
      "wxd678efh567hg6787\n1700000000\nNONCE\nprepay_id=wx201410272009395522657a690389285100\n",
      p->pay_sign));
  auto j = nlohmann::json::parse(p->ToJson());
  EXPECT_EQ(j["appId"], "wxd678efh567hg6787");
  EXPECT_EQ(j["paySign"], p->pay_sign);
  EXPECT_FALSE(JsapiPaySign(signer, "", "x"));
}

TEST(PaySign, AppSignatureVerifies) {
  RequestSigner signer(Vectors()["mchid"], Vectors()["merchant_serial"],
                       LoadPrivateKey("merchant_key.pem"), FixedClock(1700000000),
                       FixedNonce("NONCE"));
  auto p = AppPaySign(signer, "wxapp", "wx2014");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->partnerid, "1900000109");
  EXPECT_EQ(p->package, "Sign=WXPay");
  auto pub = LoadCertificate("merchant_cert.pem").public_key();
  EXPECT_TRUE(crypto::RsaSha256Verify(pub, "wxapp\n1700000000\nNONCE\nwx2014\n", p->sign));
}

}  // namespace
}  // namespace wechatpay
