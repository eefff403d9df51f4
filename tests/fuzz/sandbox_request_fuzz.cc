// Fuzzes the sandbox's request handling in process (no socket): the input is a raw request
//   [!]METHOD TARGET\n
//   Name: value\n ...
//   \n
//   body
// A leading '!' makes the harness sign the request as the demo merchant, so that body parsing,
// decryption, validation and the handlers behind the signature check are reached too. The control
// API (/sandbox/...) is skipped: it could make the notifier send callbacks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "wechatpay/auth.h"
#include "wechatpay/sandbox/sandbox.h"

namespace {

struct Fixture {
  std::unique_ptr<wechatpay::sandbox::Sandbox> sandbox;
  std::unique_ptr<wechatpay::RequestSigner> signer;
  Fixture() {
    wechatpay::sandbox::SandboxOptions o;
    o.listen = false;
    auto sb = wechatpay::sandbox::Sandbox::Start(o);
    if (!sb) std::abort();
    sandbox = std::move(*sb);
    auto m = sandbox->demo_merchant();
    auto key = wechatpay::PrivateKey::FromFile(m.private_key_path);
    if (!key) std::abort();
    signer = std::make_unique<wechatpay::RequestSigner>(m.mchid, m.serial, *key);
  }
};

std::string_view Line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

// The sandbox keeps what inputs create (orders, nonces): no leak check per input.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  wechatpay::fuzz::LeakCheckOffByDefault(argc, argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();  // never destroyed: the sandbox keeps running for all inputs
  static struct Cleanup {
    ~Cleanup() {
      if (f && f->sandbox) f->sandbox->Stop();  // removes the temporary state directory
    }
  } cleanup;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool sign = !in.empty() && in.front() == '!';
  if (sign) in.remove_prefix(1);
  std::string_view first = Line(in);
  size_t sp = first.find(' ');
  wechatpay::sandbox::WireRequest req;
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  if (req.target.rfind("/sandbox", 0) == 0) return 0;
  while (!in.empty()) {
    std::string_view line = Line(in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = std::string(in);
  if (sign) {
    auto auth = f->signer->Authorization(req.method, req.target, req.body);
    if (auth) req.headers.Set("Authorization", *auth);
  }
  (void)f->sandbox->Handle(req);
  return 0;
}
