// Signs an APIv3 request, signs and verifies a response, and builds and parses a callback, all
// in memory with freshly generated keys. Needs no files and no network.
#include <wechatpay/wechatpay.h>

#include <cstdio>
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignResponse;

using namespace wechatpay;  // NOLINT(google-build-using-namespace): a short example

int main() {
  auto merchant_key = wechatpay::testing::GeneratePrivateKey();
  auto platform_key = wechatpay::testing::GeneratePrivateKey();
  if (!merchant_key || !platform_key) return 1;
  auto platform_cert = Certificate::SelfSigned(*platform_key, "example platform",
                                               "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                                               SystemClock()() - 60, 365);
  if (!platform_cert) return 1;

  RequestSigner signer("1900000109", "78307CEF64B341AD825F46CEBD2B8D6B6BA69A56", *merchant_key);
  auto auth = signer.Authorization("GET", "/v3/certificates", "");
  if (!auth) {
    std::fprintf(stderr, "%s\n", auth.error().ToString().c_str());
    return 1;
  }
  std::printf("1. Authorization: %.60s...\n", auth->c_str());

  auto keys = std::make_shared<PlatformKeyStore>();
  keys->AddCertificate(*platform_cert);
  ResponseVerifier verifier(keys);
  Headers headers;
  std::string body = R"({"risk_score":1})";
  if (!SignResponse(*platform_key, platform_cert->serial(), SystemClock()(), crypto::RandomNonce(),
                    body, headers)) {
    return 1;
  }
  Status ok = verifier.Verify(headers, body);
  std::printf("2. signed response verifies: %s\n", ok ? "yes" : ok.error().ToString().c_str());
  Status forged = verifier.Verify(headers, R"({"risk_score":0})");
  std::printf("3. altered response rejected: %s\n",
              forged ? "NO (bug)" : forged.error().ToString().c_str());

  SecretString apiv3_key(crypto::RandomNonce(32));
  auto cb = MakeNotification(*platform_key, platform_cert->serial(), apiv3_key, "EV-1",
                             "TRANSACTION.SUCCESS", "payment succeeded", "transaction",
                             R"({"trade_state":"SUCCESS","amount":{"total":100}})", SystemClock()(),
                             crypto::RandomNonce(), "2026-11-23T10:35:00+08:00");
  if (!cb) return 1;
  auto n = ParseNotification(verifier, apiv3_key, cb->headers, cb->body);
  if (!n) {
    std::fprintf(stderr, "%s\n", n.error().ToString().c_str());
    return 1;
  }
  std::printf("4. callback %s verified and decrypted: %s\n", n->event_type.c_str(),
              n->plaintext.reveal().c_str());
  return ok && !forged ? 0 : 1;
}
