// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay notify --headers FILE --body FILE: verify a captured APIv3 callback, print its resource.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "output.h"
#include "wechatpay/auth.h"

namespace wxpay {

namespace {

// Drops a request line ("POST /notify HTTP/1.1") that a capture may start with; Headers::Parse
// skips a status line itself.
std::string DropRequestLine(const std::string& text) {
  size_t eol = text.find('\n');
  std::string first = text.substr(0, eol);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  size_t space = first.find(' ');
  size_t version = first.rfind(" HTTP/");
  bool method_word = space != std::string::npos && space > 0;
  for (size_t i = 0; method_word && i < space; ++i) {
    method_word = first[i] >= 'A' && first[i] <= 'Z';
  }
  if (method_word && version != std::string::npos && version > space) {
    return eol == std::string::npos ? std::string() : text.substr(eol + 1);
  }
  return text;
}

}  // namespace

int RunNotify(const GlobalOptions& g, const NotifyOptions& o) {
  auto config = LoadConfig(g);
  if (!config) return ReportError(config.error());
  if (!config->apiv3_key.set()) {
    return ReportError(MissingSetting("apiv3_key", "--apiv3-key", "WECHATPAY_APIV3_KEY"));
  }
  if (!config->platform_keys.set()) {
    return UsageError(
        "missing platform_keys: a callback is verified with the WeChat Pay platform certificate "
        "or public key; set --platform-key ID=PATH, WECHATPAY_PLATFORM_KEYS or \"platform_keys\" "
        "in the config file");
  }
  if (o.max_skew_seconds <= 0) return UsageError("--max-skew must be a positive number of seconds");
  auto keys = LoadPlatformKeys(*config);
  if (!keys) return ReportError(keys.error());
  auto store = std::make_shared<wechatpay::PlatformKeyStore>();
  if (wechatpay::Status s = keys->AddTo(*store); !s) return ReportError(s.error(), "platform keys");

  auto header_text = ReadFileBytes(o.headers_file, "--headers");
  if (!header_text) return ReportError(header_text.error());
  auto headers = wechatpay::Headers::Parse(DropRequestLine(*header_text));
  if (!headers) {
    return UsageError("--headers " + o.headers_file + ": " + headers.error().message +
                      " (expected one 'Name: value' per line)");
  }
  auto body = ReadFileBytes(o.body_file, "--body");
  if (!body) return ReportError(body.error());
  if (body->empty()) return UsageError("--body " + o.body_file + ": the file is empty");

  wechatpay::ResponseVerifier verifier(store, nullptr, o.max_skew_seconds);
  auto n = wechatpay::ParseNotification(verifier, config->apiv3_key.value, *headers, *body);
  if (!n && n.error().code == wechatpay::ErrorCode::kBadSignature &&
      (body->back() == '\n' || body->back() == '\r')) {
    // Editors and `echo` add a final newline that was never signed: try without it (the
    // signature still has to verify over exactly the bytes that are then parsed).
    std::string trimmed = *body;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) {
      trimmed.pop_back();
    }
    auto again = wechatpay::ParseNotification(verifier, config->apiv3_key.value, *headers, trimmed);
    if (again) {
      std::fprintf(stderr,
                   "wxpay: note: the body file ends with a line break that is not part of the "
                   "signed body; it was ignored\n");
      n = std::move(again);
    }
  }
  if (!n) {
    const wechatpay::Error& e = n.error();
    int code = ReportError(e, "callback");
    if (e.code == wechatpay::ErrorCode::kUnknownSerial) {
      std::fprintf(stderr,
                   "  the callback names Wechatpay-Serial %s; download current certificates with "
                   "`wxpay crt` and pass them with --platform-key\n",
                   wechatpay::EscapeControls(headers->Get("Wechatpay-Serial")).c_str());
    } else if (e.code == wechatpay::ErrorCode::kTimestampSkew) {
      std::fprintf(stderr, "  replaying an old capture? raise the window with --max-skew\n");
    }
    return code;
  }

  bool pretty = WantPretty(g.pretty, g.compact);
  auto resource = nlohmann::ordered_json::parse(n->plaintext.view(), nullptr, false);
  if (resource.is_discarded()) {
    return ReportError(
        wechatpay::Error(wechatpay::ErrorCode::kParse, "the decrypted resource is not JSON"),
        "callback");
  }
  Verbose(*config, "callback " + n->id + " (" + n->event_type + ", " + n->create_time +
                       ") verified with key " + headers->Get("Wechatpay-Serial") +
                       " and decrypted");
  if (o.envelope) {
    auto env = nlohmann::ordered_json::parse(n->envelope, nullptr, false);
    if (env.is_discarded() || !env.is_object()) env = nlohmann::ordered_json::object();
    env["resource"] = std::move(resource);
    WriteStdout(DumpJson(env, pretty) + "\n");
  } else {
    WriteStdout(DumpJson(resource, pretty) + "\n");
  }
  return kExitOk;
}

}  // namespace wxpay
