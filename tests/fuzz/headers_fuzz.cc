// Fuzzes what parses raw response-header text: Headers::Parse (and Find/Set/Remove on what it
// returns), ParseAuthorization, and the client's Retry-After handling. The input is a response
// head as text ("HTTP/1.1 429 ...\r\nName: value\r\n..."). Invariants:
//  - a parsed header list written back as "Name: value" lines (CRLF or LF, after a status line)
//    parses to the same list; Find gives the first entry of that name in any case; Set leaves one
//    entry of that name, Remove none, and neither touches the others;
//  - an Authorization value that parses, written back, parses to the same parts;
//  - with the parsed headers on a 429 answer to a GET, the client retries or not exactly as
//    Retry-After (delay-seconds, RFC 9110 10.2.3) says: digits only (spaces and tabs around
//    them allowed), a wait longer than RetryPolicy::max_backoff ends the call, anything else is
//    ignored; a retried call sleeps the asked number of seconds.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/http.h"
#include "wechatpay/testing/fake_transport.h"

namespace {

using wechatpay::fuzz::Fail;

constexpr int64_t kNow = 1800000000;  // inside the test certificates' validity
constexpr int64_t kMaxBackoffMs = 5000;

std::string Write(const wechatpay::Headers& h, std::string_view eol) {
  std::string out = "HTTP/1.1 200 OK";
  out += eol;
  for (const auto& [name, value] : h) {
    out += name;
    out += ": ";
    out += value;
    out += eol;
  }
  return out;
}

void CheckHeaders(const wechatpay::Headers& h) {
  for (std::string_view eol : {std::string_view("\r\n"), std::string_view("\n")}) {
    auto again = wechatpay::Headers::Parse(Write(h, eol));
    if (!again) Fail("written headers do not parse", again.error().message);
    if (again->entries() != h.entries()) Fail("written headers parse to other headers");
  }
  for (const auto& [name, value] : h) {
    const std::string* found = h.Find(name);
    const std::string* first = nullptr;
    for (const auto& e : h) {
      if (wechatpay::EqualsIgnoreCase(e.first, name)) {
        first = &e.second;
        break;
      }
    }
    if (found != first) Fail("Find does not give the first entry of a name", name);
  }
  if (h.empty()) return;
  const std::string name = h.entries().front().first;
  std::vector<wechatpay::Headers::Entry> others;
  for (const auto& e : h) {
    if (!wechatpay::EqualsIgnoreCase(e.first, name)) others.push_back(e);
  }
  wechatpay::Headers set = h;
  set.Set(name, "fuzz");
  size_t n = 0;
  std::vector<wechatpay::Headers::Entry> kept;
  for (const auto& e : set) {
    if (wechatpay::EqualsIgnoreCase(e.first, name)) {
      ++n;
    } else {
      kept.push_back(e);
    }
  }
  if (n != 1 || set.Get(name) != "fuzz") Fail("Set leaves other than one entry", name);
  if (kept != others) Fail("Set changed other headers", name);
  wechatpay::Headers removed = h;
  removed.Remove(name);
  if (removed.Has(name) || removed.entries() != others) Fail("Remove", name);
}

void CheckAuthorization(std::string_view value) {
  auto parts = wechatpay::ParseAuthorization(value);
  if (!parts) {
    if (parts.error().code != wechatpay::ErrorCode::kParse) Fail("ParseAuthorization error code");
    return;
  }
  std::string again = std::string(wechatpay::kAuthScheme) + " mchid=\"" + parts->mchid +
                      "\",nonce_str=\"" + parts->nonce_str + "\",timestamp=\"" + parts->timestamp +
                      "\",serial_no=\"" + parts->serial_no + "\",signature=\"" + parts->signature +
                      "\"";
  auto reparsed = wechatpay::ParseAuthorization(again);
  if (!reparsed) Fail("a written Authorization does not parse", reparsed.error().message);
  if (reparsed->mchid != parts->mchid || reparsed->serial_no != parts->serial_no ||
      reparsed->timestamp != parts->timestamp || reparsed->nonce_str != parts->nonce_str ||
      reparsed->signature != parts->signature) {
    Fail("a written Authorization parses to other parts", again);
  }
}

struct ClientFixture {
  wechatpay::ClientOptions options;
  ClientFixture() {
    const auto& v = wechatpay::fuzz::Vectors();
    options.mchid = v["mchid"];
    options.merchant_serial = v["merchant_serial"];
    options.private_key = wechatpay::fuzz::TestPrivateKey("merchant_key.pem");
    options.platform_certificates = {wechatpay::fuzz::TestCertificate("platform_cert.pem")};
    options.apiv3_key = wechatpay::SecretString(v["apiv3_key"].get<std::string>());
    options.clock = [] { return kNow; };
    options.jitter = [] { return 0.0; };  // the backoff is then 0: any wait is Retry-After's
    options.retry.max_attempts = 2;
    options.retry.max_backoff = std::chrono::milliseconds(kMaxBackoffMs);
  }
};

// What Retry-After asks for, by RFC 9110's delay-seconds: nullopt when absent or not digits;
// values past the limit are reported as kMaxBackoffMs / 1000 + 1.
std::optional<int64_t> ExpectedRetryAfter(const wechatpay::Headers& h) {
  const std::string* ra = h.Find("Retry-After");
  if (ra == nullptr) return std::nullopt;
  std::string_view v = *ra;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  int64_t secs = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = std::min<int64_t>(kMaxBackoffMs / 1000 + 1, secs * 10 + (c - '0'));
  }
  return secs;
}

void CheckRetryAfter(const wechatpay::Headers& h) {
  static ClientFixture* f = new ClientFixture();
  auto fake = std::make_shared<wechatpay::testing::FakeTransport>();
  wechatpay::HttpResponse busy;
  busy.status = 429;
  busy.headers = h;
  busy.body = R"({"code":"FREQUENCY_LIMITED","message":"slow down"})";
  fake->SetHandler([busy](const wechatpay::HttpRequest&) { return busy; });
  std::vector<std::chrono::milliseconds> sleeps;
  wechatpay::ClientOptions o = f->options;
  o.transport = fake;
  o.sleep = [&sleeps](std::chrono::milliseconds d) { sleeps.push_back(d); };
  auto client = wechatpay::Client::Create(std::move(o));
  if (!client) Fail("Client::Create", client.error().message);
  auto r = client->chain("v3/certificates").get();
  if (r) Fail("a 429 answer gave a result");
  std::optional<int64_t> asked = ExpectedRetryAfter(h);
  if (asked && *asked * 1000 > kMaxBackoffMs) {
    if (fake->request_count() != 1) Fail("retried although Retry-After is past max_backoff");
    if (r.error().message.find("not retried") == std::string::npos) {
      Fail("the error does not say why the call was not retried", r.error().message);
    }
    return;
  }
  if (fake->request_count() != 2) Fail("a 429 was not retried");
  int64_t want = asked ? *asked * 1000 : 0;
  int64_t slept = 0;
  for (auto d : sleeps) slept += d.count();
  if (slept != want) {
    Fail("the retry waited other than Retry-After asked",
         std::to_string(slept) + " ms, asked " + std::to_string(want) + " ms");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckAuthorization(in);
  auto h = wechatpay::Headers::Parse(in);
  if (!h) {
    if (h.error().code != wechatpay::ErrorCode::kParse) Fail("Headers::Parse error code");
    return 0;
  }
  CheckHeaders(*h);
  if (const std::string* auth = h->Find("Authorization")) CheckAuthorization(*auth);
  if (h->Has("Retry-After")) CheckRetryAfter(*h);
  return 0;
}
