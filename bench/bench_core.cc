// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// What the SDK adds on top of the RSA floor: request signing vs a bare OpenSSL sign, response
// verification vs a bare verify + hash, callback parse + decrypt, and a whole client call over a
// fake transport (no network) vs its sign + verify.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/openssl_handles.h"
#include "wechatpay/client.h"
#include "wechatpay/testing/fake_transport.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignResponse;

namespace {

using namespace wechatpay;  // NOLINT(google-build-using-namespace)

std::string Read(const std::string& name) {
  std::ifstream in(std::string(WECHATPAY_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const PrivateKey& MerchantKey() {
  static PrivateKey k = *PrivateKey::FromPem(Read("merchant_key.pem"));
  return k;
}
const PrivateKey& PlatformKey() {
  static PrivateKey k = *PrivateKey::FromPem(Read("platform_key.pem"));
  return k;
}
const Certificate& PlatformCert() {
  static Certificate c = *Certificate::FromPem(Read("platform_cert.pem"));
  return c;
}

std::string Body1K() {
  nlohmann::json j;
  j["sp_mchid"] = "1900000109";
  j["out_trade_no"] = "1217752501201407033233368018";
  j["description"] = std::string(900, 'x');
  return j.dump();
}

// ---- signing ----

void BM_BareOpenSslSign(benchmark::State& state) {
  std::string msg = RequestSigningMessage("POST", "/v3/pay/transactions/native", "1700000000",
                                          "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", Body1K());
  EVP_PKEY* pkey = MerchantKey().handle()->pkey;
  unsigned char sig[512];
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = sizeof(sig);
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_BareOpenSslSign);

void BM_SignRequest1K(benchmark::State& state) {
  RequestSigner signer("1900000109", "78307CEF64B341AD825F46CEBD2B8D6B6BA69A56", MerchantKey());
  std::string body = Body1K();
  for (auto _ : state) {
    auto auth = signer.Authorization("POST", "/v3/pay/transactions/native", body);
    benchmark::DoNotOptimize(auth);
  }
}
BENCHMARK(BM_SignRequest1K);

// ---- verification ----

struct SignedFixture {
  std::string body = Body1K();
  Headers headers;
  std::shared_ptr<PlatformKeyStore> store = std::make_shared<PlatformKeyStore>();
  SignedFixture() {
    store->AddCertificate(PlatformCert());
    (void)SignResponse(PlatformKey(), PlatformCert().serial(), 1800000000,
                       "f0b9f5a0c4d7e1a2b3c4d5e6f7a8b9c0", body, headers);
  }
};

void BM_BareOpenSslVerifyWithHash(benchmark::State& state) {
  SignedFixture f;
  std::string msg = ResponseSigningMessage(f.headers.Get("Wechatpay-Timestamp"),
                                           f.headers.Get("Wechatpay-Nonce"), f.body);
  std::string sig = *crypto::Base64Decode(f.headers.Get("Wechatpay-Signature"));
  EVP_PKEY* pkey = PlatformCert().public_key().handle()->pkey;
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    int rc = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(rc);
  }
}
BENCHMARK(BM_BareOpenSslVerifyWithHash);

void BM_VerifyResponse1K(benchmark::State& state) {
  SignedFixture f;
  ResponseVerifier verifier(f.store, [] { return int64_t{1800000000}; });
  for (auto _ : state) {
    Status s = verifier.Verify(f.headers, f.body);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_VerifyResponse1K);

// ---- callbacks ----

void BM_ParseNotification1K(benchmark::State& state) {
  SecretString key(std::string("A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6"));
  std::string plaintext = Body1K();
  auto cb = *MakeNotification(PlatformKey(), PlatformCert().serial(), key, "EV-1",
                              "TRANSACTION.SUCCESS", "ok", "transaction", plaintext, 1800000000,
                              "nonce", "2026-11-23T10:35:00+08:00");
  auto store = std::make_shared<PlatformKeyStore>();
  store->AddCertificate(PlatformCert());
  ResponseVerifier verifier(store, [] { return int64_t{1800000000}; });
  for (auto _ : state) {
    auto n = ParseNotification(verifier, key, cb.headers, cb.body);
    if (!n) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_ParseNotification1K)->Unit(benchmark::kMicrosecond);

void BM_DecryptNotificationResourceOnly1K(benchmark::State& state) {
  std::string key = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
  std::string ct = *crypto::AesGcmEncrypt(key, "0123456789ab", "transaction", Body1K());
  for (auto _ : state) {
    auto p = crypto::AesGcmDecrypt(key, "0123456789ab", "transaction", ct);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_DecryptNotificationResourceOnly1K);

// ---- a whole client call over a fake transport ----

void BM_ClientCallFakeTransport(benchmark::State& state) {
  auto fake = std::make_shared<testing::FakeTransport>();
  HttpResponse canned =
      testing::SignedResponse(PlatformKey(), PlatformCert().serial(), 200, Body1K(), 1800000000);
  fake->SetHandler([canned](const HttpRequest&) { return Result<HttpResponse>(canned); });
  ClientOptions o;
  o.mchid = "1900000109";
  o.merchant_serial = "78307CEF64B341AD825F46CEBD2B8D6B6BA69A56";
  o.private_key = MerchantKey();
  o.platform_certificates = {PlatformCert()};
  o.transport = fake;
  o.clock = [] { return int64_t{1800000000}; };
  Client client = *Client::Create(std::move(o));
  // A valid native order of about 1 KB: validation against the catalog runs as it would.
  nlohmann::json body = {{"appid", "wxd678efh567hg6787"},
                         {"mchid", "1900000109"},
                         {"description", std::string(120, 'x')},
                         {"out_trade_no", "1217752501201407033233368018"},
                         {"attach", std::string(120, 'a')},
                         {"notify_url", "https://www.weixin.qq.com/wxpay/pay.php"},
                         {"amount", {{"total", 100}, {"currency", "CNY"}}},
                         {"detail", {{"goods_detail", nlohmann::json::array()}}}};
  for (int i = 0; i < 6; ++i) {
    body["detail"]["goods_detail"].push_back({{"merchant_goods_id", "ABC" + std::to_string(i)},
                                              {"goods_name", "iPhone6s 16G"},
                                              {"quantity", 1},
                                              {"unit_price", 528800}});
  }
  for (auto _ : state) {
    auto r = client.chain("v3/pay/transactions/native").post(body);
    if (!r) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ClientCallFakeTransport);

}  // namespace

BENCHMARK_MAIN();
