// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 over mutual TLS on 127.0.0.1: the SDK client against the sandbox's HTTPS listener, with the
// merchant's client certificate as PEM and as PKCS#12, the chain form and the typed models; the
// payment-code flow (micropay, orderquery, reverse, refund, refundquery); refusals without a
// certificate, with a foreign one, with a tampered sign; connection reuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sandbox_fixture.h"
#include "support/test_util.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/models/v2/secapi.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay {
namespace {

using sandbox::Sandbox;
using sandbox::SandboxOptions;
using sandbox::testing::ReadText;
using ::testing::HasSubstr;

namespace secapi = models::v2::secapi;

// A payment code that pays at once (18 digits starting with 10-15), and one ending in six zeros,
// for which the user still has to enter the password (USERPAYING).
constexpr char kPaysAtOnce[] = "134567890123456789";
constexpr char kNeedsPassword[] = "134567890123000000";

class SandboxApiV2TlsTest : public ::testing::Test {
 protected:
  void Start(bool require_client_cert = false) {
    SandboxOptions so;
    so.tls.enabled = true;
    so.tls.require_client_cert = require_client_cert;
    auto sb = Sandbox::Start(so);
    ASSERT_TRUE(sb) << sb.error().ToString();
    sandbox_ = std::move(*sb);
    ASSERT_EQ(sandbox_->base_url().rfind("https://127.0.0.1:", 0), 0u) << sandbox_->base_url();
    CurlTransportOptions to;
    to.ca_file = sandbox_->tls_server_cert_path();
    transport_ = MakeCurlTransport(to);
  }
  void SetUp() override { Start(); }

  std::shared_ptr<ClientCertificate> PemCertificate() const {
    auto cc = std::make_shared<ClientCertificate>();
    cc->cert_pem = ReadText(sandbox_->demo_merchant().certificate_path);
    cc->key_pem = ReadText(sandbox_->demo_merchant().private_key_path);
    return cc;
  }
  std::shared_ptr<ClientCertificate> Pkcs12Certificate() const {
    auto cc = std::make_shared<ClientCertificate>();
    cc->pkcs12 = ReadText(sandbox_->demo_merchant().pkcs12_path);
    cc->passphrase = sandbox_->demo_merchant().mchid;  // as WeChat Pay's apiclient_cert.p12
    return cc;
  }
  ClientOptions Options(std::shared_ptr<const ClientCertificate> cert) const {
    sandbox::DemoMerchant m = sandbox_->demo_merchant();
    sandbox::PlatformKeys pk = sandbox_->platform_keys();
    ClientOptions o;
    o.base_url = sandbox_->base_url() + "/";
    o.mchid = m.mchid;
    o.merchant_serial = m.serial;
    o.private_key = *PrivateKey::FromFile(m.private_key_path);
    o.platform_public_keys[pk.public_key_id] = *PublicKey::FromFile(pk.public_key_path);
    o.apiv3_key = m.apiv3_key;
    o.apiv2_key = m.apiv2_key;
    o.appid = m.appid;
    o.client_certificate = std::move(cert);
    o.transport = transport_;
    o.retry.max_attempts = 1;
    return o;
  }
  Client MakeClient(ClientOptions o) {
    auto c = Client::Create(std::move(o));
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  // Pays an order with a payment code; returns the transaction_id.
  std::string Micropay(const Client& client, const std::string& out_trade_no, int total_fee,
                       const char* auth_code = kPaysAtOnce) {
    apiv2::Fields f{{"body", "sandbox POS"},
                    {"out_trade_no", out_trade_no},
                    {"total_fee", std::to_string(total_fee)},
                    {"spbill_create_ip", "127.0.0.1"},
                    {"auth_code", auth_code}};
    auto r = client.chain("v2/pay/micropay").post(f);
    if (!r) return "error: " + r.error().ToString();
    return r->xml()->Get("transaction_id");
  }

  std::unique_ptr<Sandbox> sandbox_;
  std::shared_ptr<HttpTransport> transport_;
};

TEST_F(SandboxApiV2TlsTest, RefundWithPemCertificateChainForm) {
  Client client = MakeClient(Options(PemCertificate()));
  std::string tx = Micropay(client, "POS-PEM-0001", 1000);
  ASSERT_EQ(tx.size(), 28u) << tx;

  // The order is shared with the APIv3 side and queryable with either id.
  auto q = client.chain("v2/pay/orderquery").post(apiv2::Fields{{"transaction_id", tx}});
  ASSERT_TRUE(q) << q.error().ToString();
  auto qx = q->xml();
  EXPECT_EQ(qx->Get("trade_state"), "SUCCESS");
  EXPECT_EQ(qx->Get("trade_type"), "MICROPAY");
  EXPECT_EQ(qx->Get("out_trade_no"), "POS-PEM-0001");
  EXPECT_EQ(qx->Get("total_fee"), "1000");
  EXPECT_EQ(qx->Get("time_end").size(), 14u);

  apiv2::Fields refund{{"out_trade_no", "POS-PEM-0001"},
                       {"out_refund_no", "R-PEM-0001"},
                       {"total_fee", "1000"},
                       {"refund_fee", "300"}};
  auto r = client.chain("v2/secapi/pay/refund").post(refund);
  ASSERT_TRUE(r) << r.error().ToString();
  auto rx = r->xml();
  EXPECT_EQ(rx->Get("result_code"), "SUCCESS");
  EXPECT_EQ(rx->Get("transaction_id"), tx);
  EXPECT_EQ(rx->Get("refund_fee"), "300");
  EXPECT_EQ(rx->Get("refund_id").size(), 29u);
  // The same refund asked again is the same refund; another amount under its number is not.
  auto again = client.chain("v2/secapi/pay/refund").post(refund);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->xml()->Get("refund_id"), rx->Get("refund_id"));
  refund.Set("refund_fee", "301");
  auto mismatch = client.chain("v2/secapi/pay/refund").post(refund);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().api_code, "REFUND_FEE_MISMATCH") << mismatch.error().ToString();
  // More than is left to refund.
  auto too_much = client.chain("v2/secapi/pay/refund")
                      .post(apiv2::Fields{{"transaction_id", tx},
                                          {"out_refund_no", "R-PEM-0002"},
                                          {"total_fee", "1000"},
                                          {"refund_fee", "701"}});
  ASSERT_FALSE(too_much);
  EXPECT_EQ(too_much.error().api_code, "INVALID_REQUEST");

  // The order turned REFUND; the refund is PROCESSING until the control API completes it.
  EXPECT_EQ(client.chain("v2/pay/orderquery")
                .post(apiv2::Fields{{"out_trade_no", "POS-PEM-0001"}})
                ->xml()
                ->Get("trade_state"),
            "REFUND");
  auto rq = client.chain("v2/pay/refundquery").post(apiv2::Fields{{"out_refund_no", "R-PEM-0001"}});
  ASSERT_TRUE(rq) << rq.error().ToString();
  EXPECT_EQ(rq->xml()->Get("refund_count"), "1");
  EXPECT_EQ(rq->xml()->Get("refund_status_0"), "PROCESSING");
  ASSERT_TRUE(sandbox_->CompleteRefund("R-PEM-0001"));
  rq = client.chain("v2/pay/refundquery").post(apiv2::Fields{{"transaction_id", tx}});
  ASSERT_TRUE(rq) << rq.error().ToString();
  EXPECT_EQ(rq->xml()->Get("refund_status_0"), "SUCCESS");
  EXPECT_EQ(rq->xml()->Get("refund_success_time_0").size(), 19u);
}

TEST_F(SandboxApiV2TlsTest, RefundAndReverseWithPkcs12TypedForm) {
  Client client = MakeClient(Options(Pkcs12Certificate()));
  std::string tx = Micropay(client, "POS-P12-0001", 2500);
  ASSERT_EQ(tx.size(), 28u) << tx;

  secapi::PostPayRefundRequest req;
  req.transaction_id = tx;
  req.out_refund_no = "R-P12-0001";
  req.total_fee = 2500;
  req.refund_fee = 2500;
  auto r = secapi::PostPayRefund::Call(client, req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(WireName(r->value.result_code), "SUCCESS");
  EXPECT_EQ(r->value.out_trade_no, "POS-P12-0001");
  EXPECT_EQ(r->value.refund_fee, 2500);
  EXPECT_EQ(r->value.total_fee, 2500);
  ASSERT_TRUE(r->value.refund_id);
  EXPECT_FALSE(r->value.refund_id->empty());

  // The fluent form: a payment code that waits for the password, then the POS reverses it.
  EXPECT_THAT(Micropay(client, "POS-P12-0002", 800, kNeedsPassword), HasSubstr("USERPAYING"));
  auto waiting =
      client.chain("v2/pay/orderquery").post(apiv2::Fields{{"out_trade_no", "POS-P12-0002"}});
  ASSERT_TRUE(waiting) << waiting.error().ToString();
  EXPECT_EQ(waiting->xml()->Get("trade_state"), "USERPAYING");
  secapi::PostPayReverseRequest rev;
  rev.out_trade_no = "POS-P12-0002";
  auto reversed = secapi::PostPayReverse::Call(client, rev);
  ASSERT_TRUE(reversed) << reversed.error().ToString();
  EXPECT_EQ(WireName(reversed->value.result_code), "SUCCESS");
  EXPECT_EQ(WireName(reversed->value.recall), "N");
  EXPECT_EQ(client.chain("v2/pay/orderquery")
                .post(apiv2::Fields{{"out_trade_no", "POS-P12-0002"}})
                ->xml()
                ->Get("trade_state"),
            "REVOKED");
  // A reversed order cannot be paid with a payment code again.
  EXPECT_THAT(Micropay(client, "POS-P12-0002", 800), HasSubstr("ORDERREVERSED"));
  // Only payment-code orders are reversed; a refunded one no longer can be.
  rev.out_trade_no = "POS-P12-0001";
  auto refunded = secapi::PostPayReverse::Call(client, rev);
  ASSERT_FALSE(refunded);
  EXPECT_EQ(refunded.error().api_code, "TRADE_ERROR");
}

TEST_F(SandboxApiV2TlsTest, WithoutAClientCertificateTheCallFailsClearly) {
  Client client = MakeClient(Options(nullptr));
  // Endpoints without the certificate requirement work over TLS without one.
  std::string tx = Micropay(client, "POS-NOCERT-01", 100);
  ASSERT_EQ(tx.size(), 28u) << tx;
  // The client refuses before sending.
  auto r = client.chain("v2/secapi/pay/refund")
               .post(apiv2::Fields{{"transaction_id", tx},
                                   {"out_refund_no", "R-NOCERT-01"},
                                   {"total_fee", "100"},
                                   {"refund_fee", "100"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("client certificate"));

  // On the wire, a correctly signed request without a certificate: the TLS front end's 400
  // page, before anything reaches the APIv2 service (the order is not refunded).
  apiv2::Fields f{{"appid", sandbox_->demo_merchant().appid},
                  {"mch_id", sandbox_->demo_merchant().mchid},
                  {"transaction_id", tx},
                  {"out_refund_no", "R-NOCERT-02"},
                  {"total_fee", "100"},
                  {"refund_fee", "100"}};
  apiv2::SignRequest(f, sandbox_->demo_merchant().apiv2_key.view(), apiv2::SignType::kHmacSha256);
  HttpRequest raw;
  raw.method = "POST";
  raw.url = sandbox_->base_url() + "/secapi/pay/refund";
  raw.headers.Set("Content-Type", "text/xml");
  raw.body = apiv2::EncodeXml(f);
  auto res = transport_->Send(raw);
  ASSERT_TRUE(res) << res.error().ToString();
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("No required SSL certificate was sent"));
  auto q = client.chain("v2/pay/orderquery").post(apiv2::Fields{{"transaction_id", tx}});
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->xml()->Get("trade_state"), "SUCCESS");

  // The same bytes with the merchant's certificate go through.
  raw.client_certificate = PemCertificate();
  auto ok = transport_->Send(raw);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->status, 200);
  auto ox = apiv2::DecodeXml(ok->body);
  ASSERT_TRUE(ox);
  EXPECT_EQ(ox->Get("result_code"), "SUCCESS") << ok->body;
}

TEST_F(SandboxApiV2TlsTest, AnotherCertificateIsNotTheMerchants) {
  // A valid certificate, but not one holding the merchant's registered key.
  auto foreign = std::make_shared<ClientCertificate>();
  foreign->cert_pem = testing::ReadData("tls_client_cert.pem");
  foreign->key_pem = testing::ReadData("tls_client_key.pem");
  Client client = MakeClient(Options(foreign));
  std::string tx = Micropay(client, "POS-FOREIGN-1", 100);
  ASSERT_EQ(tx.size(), 28u) << tx;
  auto r = client.chain("v2/secapi/pay/reverse").post(apiv2::Fields{{"transaction_id", tx}});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().ToString(), HasSubstr("证书与商户号不匹配"));
}

TEST_F(SandboxApiV2TlsTest, TamperedSignIsRejectedAndAnswersAreSigned) {
  sandbox::DemoMerchant m = sandbox_->demo_merchant();
  for (auto type : {apiv2::SignType::kMd5, apiv2::SignType::kHmacSha256}) {
    apiv2::Fields f{
        {"appid", m.appid},
        {"mch_id", m.mchid},
        {"body", "sandbox POS"},
        {"out_trade_no", type == apiv2::SignType::kMd5 ? "POS-SIGN-MD5" : "POS-SIGN-HMAC"},
        {"total_fee", "100"},
        {"spbill_create_ip", "127.0.0.1"},
        {"auth_code", kPaysAtOnce}};
    apiv2::SignRequest(f, m.apiv2_key.view(), type);
    HttpRequest raw;
    raw.method = "POST";
    raw.url = sandbox_->base_url() + "/pay/micropay";
    raw.headers.Set("Content-Type", "text/xml");
    raw.client_certificate = PemCertificate();

    apiv2::Fields tampered = f;
    tampered.Set("total_fee", "1");  // the sign no longer covers what is sent
    raw.body = apiv2::EncodeXml(tampered);
    auto bad = transport_->Send(raw);
    ASSERT_TRUE(bad) << bad.error().ToString();
    auto bx = apiv2::DecodeXml(bad->body);
    ASSERT_TRUE(bx) << bad->body;
    EXPECT_EQ(bx->Get("return_code"), "FAIL");
    EXPECT_THAT(bx->Get("return_msg"), HasSubstr("签名错误"));
    EXPECT_FALSE(bx->Has("sign"));

    raw.body = apiv2::EncodeXml(f);
    auto good = transport_->Send(raw);
    ASSERT_TRUE(good) << good.error().ToString();
    auto gx = apiv2::DecodeXml(good->body);
    ASSERT_TRUE(gx) << good->body;
    EXPECT_EQ(gx->Get("result_code"), "SUCCESS") << good->body;
    // The answer is signed with the request's sign type and the merchant's APIv2 key.
    EXPECT_TRUE(apiv2::VerifySign(*gx, m.apiv2_key.view(), type)) << good->body;
    apiv2::Fields forged = *gx;
    forged.Set("total_fee", "1");
    EXPECT_FALSE(apiv2::VerifySign(forged, m.apiv2_key.view(), type));
  }
  // The client verifies those answer signs: MD5 when it signs with MD5.
  ClientOptions o = Options(PemCertificate());
  o.apiv2_hmac_sha256 = false;
  Client md5 = MakeClient(std::move(o));
  EXPECT_EQ(Micropay(md5, "POS-SIGN-MD5-2", 100).size(), 28u);
}

TEST_F(SandboxApiV2TlsTest, ConnectionsAreReusedAcrossCalls) {
  Client client = MakeClient(Options(PemCertificate()));
  std::string tx = Micropay(client, "POS-REUSE-001", 5000);
  ASSERT_EQ(tx.size(), 28u) << tx;
  uint64_t before = sandbox_->tls_handshakes();
  EXPECT_GE(before, 1u);
  for (int i = 0; i < 10; ++i) {
    auto r = client.chain("v2/secapi/pay/refund")
                 .post(apiv2::Fields{{"transaction_id", tx},
                                     {"out_refund_no", "R-REUSE-" + std::to_string(i)},
                                     {"total_fee", "5000"},
                                     {"refund_fee", "100"}});
    ASSERT_TRUE(r) << r.error().ToString();
    auto q = client.chain("v2/pay/orderquery").post(apiv2::Fields{{"transaction_id", tx}});
    ASSERT_TRUE(q) << q.error().ToString();
  }
  // 20 calls with and without the certificate requirement, one client certificate: no new
  // handshake.
  EXPECT_EQ(sandbox_->tls_handshakes(), before);
  auto rq = client.chain("v2/pay/refundquery").post(apiv2::Fields{{"transaction_id", tx}});
  ASSERT_TRUE(rq) << rq.error().ToString();
  EXPECT_EQ(rq->xml()->Get("refund_count"), "10");
}

TEST(SandboxApiV2TlsRequired, HandshakeFailsWithoutAClientCertificate) {
  SandboxOptions so;
  so.tls.enabled = true;
  so.tls.require_client_cert = true;
  auto sb = Sandbox::Start(so);
  ASSERT_TRUE(sb) << sb.error().ToString();
  CurlTransportOptions to;
  to.ca_file = (*sb)->tls_server_cert_path();
  auto transport = MakeCurlTransport(to);
  HttpRequest req;
  req.method = "POST";
  req.url = (*sb)->base_url() + "/pay/orderquery";
  req.body = "<xml></xml>";
  auto refused = transport->Send(req);
  ASSERT_FALSE(refused) << refused->status;
  EXPECT_TRUE(refused.error().code == ErrorCode::kTls ||
              refused.error().code == ErrorCode::kNetwork)
      << refused.error().ToString();
  // With the merchant's certificate the handshake succeeds (and the empty request is answered).
  auto cc = std::make_shared<ClientCertificate>();
  cc->cert_pem = ReadText((*sb)->demo_merchant().certificate_path);
  cc->key_pem = ReadText((*sb)->demo_merchant().private_key_path);
  req.client_certificate = cc;
  auto ok = transport->Send(req);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_THAT(ok->body, HasSubstr("FAIL"));
}

TEST(SandboxApiV2TlsOptions, BadServerFilesStopTheStart) {
  SandboxOptions so;
  so.tls.enabled = true;
  so.tls.cert_file = testing::DataPath("tls_server_cert.pem");
  so.tls.key_file = testing::DataPath("other_rsa_key.pem");  // not the certificate's key
  auto sb = Sandbox::Start(so);
  ASSERT_FALSE(sb);
  EXPECT_THAT(sb.error().message, HasSubstr("does not match"));
  // The given pair works, and clients trust it as their CA file.
  so.tls.key_file = testing::DataPath("tls_server_key.pem");
  auto ok = Sandbox::Start(so);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_THAT((*ok)->tls_server_cert_path(), HasSubstr("tls_server_cert.pem"));
}

}  // namespace
}  // namespace wechatpay
