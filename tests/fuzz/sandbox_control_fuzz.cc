// Fuzzes the sandbox's control API (/sandbox/..., sandbox/src/control.cc) in process: paying
// orders, completing refunds, sign-test callbacks, faults, risk verdicts, block-submission
// reviews, token expiry. The input is one or more requests separated by a line "===":
//   METHOD TARGET\n
//   Name: value\n ...
//   \n
//   body
// A TARGET outside /sandbox is put under it ("orders/X/pay" is /sandbox/orders/X/pay). In targets
// and bodies, {order} is replaced by a fresh unpaid order of the demo merchant, {paid} by a fresh
// paid one, {refund} by a fresh refund in PROCESSING and {block} by a fresh block submission, all
// created (signed, through the real API) before the input's first request, so that an input means
// the same thing whatever ran before it. Faults are cleared before and after each input.
// Callbacks are recorded but never sent (SandboxOptions::send_callbacks = false): a fuzzed
// notify_url or sign-test url may name any host.
// Invariants: every control answer is a JSON object with a JSON Content-Type, status 200, 400,
// 404 or 405 (never 500, an internal failure), an error has a string code and message, and none
// is delayed or dropped (faults apply to the merchant API only); an order is never paid twice and
// a refund never completed twice (POST /sandbox/orders/ID/pay and /sandbox/refunds/ID/succeed or
// /complete, as written by the harness' placeholders); after DELETE /sandbox/faults, GET
// /sandbox/faults lists none.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "wechatpay/auth.h"
#include "wechatpay/sandbox/sandbox.h"

namespace {

using wechatpay::fuzz::Fail;
using wechatpay::sandbox::WireRequest;
using wechatpay::sandbox::WireResponse;

// The sandbox keeps every order and callback record (GET /sandbox/notifications lists them all):
// start a fresh one this often so that a long campaign neither grows nor slows down.
constexpr int kInputsPerSandbox = 1000;

struct Fixture {
  std::unique_ptr<wechatpay::sandbox::Sandbox> sandbox;
  std::unique_ptr<wechatpay::RequestSigner> signer;
  wechatpay::sandbox::DemoMerchant merchant;
  int inputs = 0;
  uint64_t serial = 0;  // makes the placeholders' ids unique

  void Start() {
    if (sandbox) sandbox->Stop();
    wechatpay::sandbox::SandboxOptions o;
    o.listen = false;
    o.send_callbacks = false;
    auto sb = wechatpay::sandbox::Sandbox::Start(o);
    if (!sb) Fail("Sandbox::Start", sb.error().message);
    sandbox = std::move(*sb);
    merchant = sandbox->demo_merchant();
    auto key = wechatpay::PrivateKey::FromFile(merchant.private_key_path);
    if (!key) Fail("the demo merchant's key", key.error().message);
    signer = std::make_unique<wechatpay::RequestSigner>(merchant.mchid, merchant.serial, *key);
    inputs = 0;
  }

  WireResponse Signed(const std::string& method, const std::string& target,
                      const std::string& body) {
    WireRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("Accept", "application/json");
    auto auth = signer->Authorization(method, target, body);
    if (!auth) Fail("signing a setup request", auth.error().message);
    req.headers.Set("Authorization", *auth);
    return sandbox->Handle(req);
  }
  WireResponse Control(const std::string& method, const std::string& target,
                       const std::string& body = {}) {
    WireRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    return sandbox->Handle(req);
  }
  std::string Id(const char* prefix) {  // 6-32 characters, as out_trade_no must be
    std::string n = std::to_string(++serial);
    return prefix + std::string(n.size() < 10 ? 10 - n.size() : 0, '0') + n;
  }

  std::string NewOrder() {
    std::string no = Id("FZO");
    nlohmann::json body = {{"appid", merchant.appid},
                           {"mchid", merchant.mchid},
                           {"description", "fuzz"},
                           {"out_trade_no", no},
                           {"notify_url", "http://127.0.0.1:9/notify"},
                           {"amount", {{"total", 100}, {"currency", "CNY"}}}};
    WireResponse r = Signed("POST", "/v3/pay/transactions/native", body.dump());
    if (r.status != 200) Fail("setup: creating an order", r.body);
    return no;
  }
  std::string PaidOrder() {
    std::string no = NewOrder();
    WireResponse r = Control("POST", "/sandbox/orders/" + no + "/pay");
    if (r.status != 200) Fail("setup: paying an order", r.body);
    return no;
  }
  std::string Refund(const std::string& order) {
    std::string no = Id("FZR");
    nlohmann::json body = {{"out_trade_no", order},
                           {"out_refund_no", no},
                           {"amount", {{"refund", 10}, {"total", 100}, {"currency", "CNY"}}}};
    WireResponse r = Signed("POST", "/v3/refund/domestic/refunds", body.dump());
    if (r.status != 200) Fail("setup: creating a refund", r.body);
    return no;
  }
  std::string Block() {
    std::string submit = Id("FZB");
    nlohmann::json body = {
        {"merchant_submit_id", submit},
        {"submit_data", R"({"record_fields":[{"type":1,"repeated_field_data":"[{}]"}]})"}};
    WireResponse r =
        Signed("POST", "/v3/transaction-block/transaction-block-submissions/sub-mchid/1900009231",
               body.dump());
    if (r.status != 200) Fail("setup: creating a block submission", r.body);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("block_submission_id") ||
        !j["block_submission_id"].is_string()) {
      Fail("setup: a block submission without an id", r.body);
    }
    return j["block_submission_id"].get<std::string>();
  }
};

Fixture& F() {
  static Fixture* f = [] {
    auto* fx = new Fixture();  // never destroyed: the sandbox runs for all inputs
    fx->Start();
    return fx;
  }();
  static struct Cleanup {
    ~Cleanup() {
      if (f->sandbox) f->sandbox->Stop();  // removes the temporary state directory
    }
  } cleanup;
  return *f;
}

std::string_view Line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

void ReplaceAll(std::string& s, std::string_view from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// The answer of a control request, checked against what every control answer must be.
void CheckControlAnswer(const WireRequest& req, const WireResponse& res) {
  std::string what = req.method + " " + req.target + " -> " + std::to_string(res.status);
  if (res.drop_connection || res.delay_ms != 0) Fail("a fault applied to the control API", what);
  if (res.status != 200 && res.status != 400 && res.status != 404 && res.status != 405) {
    Fail("unexpected control API status", what + " " + res.body);
  }
  if (res.headers.Get("Content-Type").rfind("application/json", 0) != 0) {
    Fail("a control answer is not JSON", what);
  }
  auto j = nlohmann::json::parse(res.body, nullptr, false);
  if (!j.is_object()) Fail("a control answer is not a JSON object", what + " " + res.body);
  if (res.status != 200) {
    auto code = j.find("code");
    auto message = j.find("message");
    if (code == j.end() || !code->is_string() || message == j.end() || !message->is_string()) {
      Fail("a control error without code and message", what + " " + res.body);
    }
  }
}

void CheckNoFaults(Fixture& f) {
  WireResponse del = f.Control("DELETE", "/sandbox/faults");
  if (del.status != 200) Fail("DELETE /sandbox/faults", del.body);
  WireResponse get = f.Control("GET", "/sandbox/faults");
  auto j = nlohmann::json::parse(get.body, nullptr, false);
  if (get.status != 200 || !j.is_object() || !j.contains("data") || !j["data"].is_array() ||
      !j["data"].empty()) {
    Fail("faults listed after DELETE /sandbox/faults", get.body);
  }
}

}  // namespace

// The sandbox keeps what each input creates (orders, callback records): no leak check per input.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  wechatpay::fuzz::LeakCheckOffByDefault(argc, argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = F();
  if (++f.inputs > kInputsPerSandbox) f.Start();
  std::string input(reinterpret_cast<const char*>(data), size);
  CheckNoFaults(f);

  // The placeholders' objects, made before any fuzzed request (which could inject faults), and
  // whether each order is paid and each refund completed.
  std::map<std::string, std::string> ids;
  std::map<std::string, bool> order_paid, refund_done;
  if (input.find("{order}") != std::string::npos) {
    ids["{order}"] = f.NewOrder();
    order_paid[ids["{order}"]] = false;
  }
  if (input.find("{paid}") != std::string::npos) {
    ids["{paid}"] = f.PaidOrder();
    order_paid[ids["{paid}"]] = true;
  }
  if (input.find("{refund}") != std::string::npos) {
    std::string order = f.PaidOrder();
    order_paid[order] = true;
    ids["{refund}"] = f.Refund(order);
    refund_done[ids["{refund}"]] = false;
  }
  if (input.find("{block}") != std::string::npos) ids["{block}"] = f.Block();
  for (const auto& [placeholder, id] : ids) ReplaceAll(input, placeholder, id);

  std::string_view rest(input);
  while (true) {
    size_t sep = rest.find("\n===\n");
    std::string_view one = rest.substr(0, sep);
    WireRequest req;
    std::string_view first = Line(one);
    size_t sp = first.find(' ');
    req.method = std::string(first.substr(0, sp));
    req.target = sp == std::string_view::npos ? "/sandbox" : std::string(first.substr(sp + 1));
    std::string_view path = std::string_view(req.target).substr(0, req.target.find_first_of("?#"));
    if (path != "/sandbox" && path.rfind("/sandbox/", 0) != 0) {
      std::string_view t = req.target;
      if (!t.empty() && t.front() == '/') t.remove_prefix(1);
      req.target = "/sandbox/" + std::string(t);
      path = std::string_view(req.target).substr(0, req.target.find_first_of("?#"));
    }
    while (!one.empty()) {
      std::string_view line = Line(one);
      if (line.empty()) break;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      req.headers.Add(std::string(line.substr(0, colon)), std::string(value));
    }
    req.body = std::string(one);
    WireResponse res = f.sandbox->Handle(req);
    CheckControlAnswer(req, res);

    // State: the placeholders' orders and refunds, for requests written plainly.
    if (req.method == "POST" && res.status == 200) {
      for (auto& [no, is_paid] : order_paid) {
        if (path != "/sandbox/orders/" + no + "/pay") continue;
        if (is_paid) Fail("an order was paid twice", req.target);
        is_paid = true;
      }
      for (auto& [no, done] : refund_done) {
        if (path != "/sandbox/refunds/" + no + "/succeed" &&
            path != "/sandbox/refunds/" + no + "/complete") {
          continue;
        }
        if (done) Fail("a refund was completed twice", req.target);
        done = true;
      }
    }
    if (sep == std::string_view::npos) break;
    rest.remove_prefix(sep + 5);
  }
  CheckNoFaults(f);
  return 0;
}
