// Fuzzes the platform-certificate download (Client::RefreshPlatformCertificates): the answer to
// GET /v3/certificates comes from a fake transport, to a client with the test keys. The first
// byte picks what the rest of the input is (its value mod 3, so that every byte means a mode):
//   'B'  the answer's JSON body; the harness signs it with the test platform key, so that the
//        JSON, decryption and PEM code behind the signature check is reached;
//   'P'  a certificate's plaintext (PEM or DER): the harness encrypts it with the test APIv3 key
//        into a well-formed answer naming the certificate's serial, so that mutations reach
//        Certificate::FromPem through the real download path;
//   'R'  a whole answer, unsigned: a head ("HTTP/1.1 200 OK", header lines), a blank line, the
//        body (the Wechatpay-* headers, the status and error bodies are fuzzed).
// Invariants: what a download returns has each entry's serial_no equal to its certificate's
// serial, is not expired, and is in the client's key store afterwards; a 'P' certificate that
// parses and has not expired is downloaded (one entry, its serial), one that does not parse is
// refused with kParse; a 404 answer names the public-key mode.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/testing/fake_transport.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::SignResponse;

namespace {

using wechatpay::fuzz::Fail;

constexpr int64_t kNow = 1800000000;  // inside the test certificates' validity

struct Fixture {
  wechatpay::ClientOptions options;
  wechatpay::PrivateKey platform_key = wechatpay::fuzz::TestPrivateKey("platform_key.pem");
  std::string platform_serial = wechatpay::fuzz::Vectors()["platform_serial"];
  std::string apiv3_key = wechatpay::fuzz::Vectors()["apiv3_key"];
  Fixture() {
    const auto& v = wechatpay::fuzz::Vectors();
    options.mchid = v["mchid"];
    options.merchant_serial = v["merchant_serial"];
    options.private_key = wechatpay::fuzz::TestPrivateKey("merchant_key.pem");
    options.platform_certificates = {wechatpay::fuzz::TestCertificate("platform_cert.pem")};
    options.apiv3_key = wechatpay::SecretString(apiv3_key);
    options.clock = [] { return kNow; };
    options.sleep = [](std::chrono::milliseconds) {};
    options.retry.max_attempts = 1;
  }
  wechatpay::HttpResponse Signed(std::string body) const {
    wechatpay::HttpResponse r;
    r.status = 200;
    r.body = std::move(body);
    r.headers.Set("Content-Type", "application/json");
    r.headers.Set("Request-ID", "08F0FUZZ");
    if (!wechatpay::testing::SignResponse(platform_key, platform_serial, kNow, "fuzz-nonce", r.body,
                                          r.headers)) {
      Fail("SignResponse");
    }
    return r;
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

// A head and a body, split at the first blank line (CRLF or LF).
wechatpay::HttpResponse RawResponse(std::string_view in) {
  wechatpay::HttpResponse r;
  r.status = 200;
  size_t end = in.find("\n\n");
  size_t crlf = in.find("\r\n\r\n");
  size_t skip = 2;
  if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
    end = crlf;
    skip = 4;
  }
  std::string_view head = in.substr(0, end);
  r.body = end == std::string_view::npos ? std::string() : std::string(in.substr(end + skip));
  if (head.rfind("HTTP/", 0) == 0) {
    size_t sp = head.find(' ');
    int status = 0;
    for (size_t i = sp == std::string_view::npos ? head.size() : sp + 1;
         i < head.size() && i < sp + 4 && head[i] >= '0' && head[i] <= '9'; ++i) {
      status = status * 10 + (head[i] - '0');
    }
    r.status = status;
  }
  if (auto h = wechatpay::Headers::Parse(head)) r.headers = std::move(*h);
  return r;
}

std::string Answer(const std::string& serial, const std::string& ciphertext) {
  nlohmann::json doc = {{"data",
                         {{{"serial_no", serial},
                           {"effective_time", "2026-11-23T15:37:14+08:00"},
                           {"expire_time", "2126-10-30T15:37:14+08:00"},
                           {"encrypt_certificate",
                            {{"algorithm", "AEAD_AES_256_GCM"},
                             {"nonce", "fuzznonce123"},
                             {"associated_data", "certificate"},
                             {"ciphertext", ciphertext}}}}}}};
  return doc.dump();
}

void CheckDownloaded(const wechatpay::Client& client,
                     const std::vector<wechatpay::DownloadedCertificate>& got) {
  for (const auto& d : got) {
    if (!wechatpay::EqualsIgnoreCase(d.serial_no, d.certificate.serial())) {
      Fail("a downloaded entry's serial_no is not its certificate's", d.serial_no);
    }
    if (d.certificate.not_after() < kNow) Fail("an expired certificate was downloaded");
    if (!client.platform_keys().Find(d.certificate.serial())) {
      Fail("a downloaded certificate is not in the key store", d.certificate.serial());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = F();
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  int mode = data[0] % 3;  // 'B' % 3 == 0, 'R' % 3 == 1, 'P' % 3 == 2

  auto fake = std::make_shared<wechatpay::testing::FakeTransport>();
  wechatpay::ClientOptions o = f.options;
  o.transport = fake;
  auto client = wechatpay::Client::Create(std::move(o));
  if (!client) Fail("Client::Create", client.error().message);

  if (mode == 0) {
    fake->Enqueue(f.Signed(std::string(in)));
    auto got = client->RefreshPlatformCertificates();
    if (got) CheckDownloaded(*client, *got);
    return 0;
  }
  if (mode == 1) {
    wechatpay::HttpResponse r = RawResponse(in);
    int status = r.status;
    fake->Enqueue(std::move(r));
    auto got = client->RefreshPlatformCertificates();
    if (got) {
      if (status < 200 || status >= 300) Fail("a non-2xx answer was downloaded");
      CheckDownloaded(*client, *got);
    } else if (status == 404 && got.error().message.find("public key") == std::string::npos) {
      Fail("a 404 does not name the public-key mode", got.error().message);
    }
    return 0;
  }
  // mode 2: the input is the certificate.
  auto parsed = wechatpay::Certificate::FromPem(in);
  std::string serial = parsed ? parsed->serial() : std::string("5157F09EFDC096DE15EBE81A47057A72");
  auto ciphertext =
      wechatpay::crypto::AesGcmEncrypt(f.apiv3_key, "fuzznonce123", "certificate", in);
  if (!ciphertext) Fail("AesGcmEncrypt", ciphertext.error().message);
  fake->Enqueue(f.Signed(Answer(serial, *ciphertext)));
  auto got = client->RefreshPlatformCertificates();
  if (!parsed) {
    if (got) Fail("a certificate that does not parse was downloaded");
    if (got.error().code != wechatpay::ErrorCode::kParse) {
      Fail("an unparsable certificate is not a kParse error", got.error().message);
    }
    return 0;
  }
  // The same serial as the certificate that signs the answer replaces it before the check.
  if (wechatpay::EqualsIgnoreCase(serial, f.platform_serial)) return 0;
  if (!got) Fail("a valid certificate answer was refused", got.error().message);
  CheckDownloaded(*client, *got);
  if (parsed->not_after() < kNow) {
    if (!got->empty()) Fail("an expired certificate was downloaded");
    return 0;
  }
  if (got->size() != 1 || (*got)[0].serial_no != serial) {
    Fail("a valid certificate was not downloaded", serial);
  }
  return 0;
}
