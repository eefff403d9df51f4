// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay sign: the Authorization header value wxpay would send, for comparing with other tools.
#include <algorithm>
#include <cstdio>
#include <string>

#include "commands.h"
#include "output.h"
#include "wechatpay/auth.h"

namespace wxpay {

namespace {

// "https://host/v3/x?y" -> "/v3/x?y"; "v3/x" -> "/v3/x".
std::string SignedUrl(const std::string& uri) {
  std::string u = uri;
  for (const char* scheme : {"https://", "http://"}) {
    if (u.rfind(scheme, 0) == 0) {
      size_t slash = u.find('/', std::char_traits<char>::length(scheme));
      u = slash == std::string::npos ? "/" : u.substr(slash);
      break;
    }
  }
  if (u.empty() || u.front() != '/') u.insert(u.begin(), '/');
  return u;
}

// Shows the signed message with its line breaks visible (for comparing with other tools).
std::string Visible(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (c == '\n') {
      out += "\\n\n    ";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

int RunSign(const GlobalOptions& g, const SignOptions& o) {
  auto config = LoadConfig(g);
  if (!config) return ReportError(config.error());
  if (!config->mchid.set()) {
    return ReportError(MissingSetting("mchid", "--mchid", "WECHATPAY_MCHID"));
  }
  if (!config->serial.set()) {
    return ReportError(MissingSetting("serial", "--serial", "WECHATPAY_SERIAL"));
  }
  auto key = LoadPrivateKey(*config);
  if (!key) return ReportError(key.error());

  std::string method = o.method;
  for (char& c : method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (method.empty() ||
      !std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return UsageError("--method must be an HTTP method such as GET or POST");
  }
  std::string url = SignedUrl(o.uri);
  if (url.find_first_of(" \t\r\n") != std::string::npos) {
    return UsageError("--uri must not contain whitespace: percent-encode it exactly as sent");
  }
  std::string body;
  if (o.body) body = *o.body;
  if (o.body_file) {
    auto text = ReadFileBytes(*o.body_file, "--body-file");
    if (!text) return ReportError(text.error());
    body = std::move(*text);
  }
  std::string timestamp;
  if (o.timestamp) {
    timestamp = *o.timestamp;
    if (timestamp.empty() || timestamp.size() > 12 ||
        !std::all_of(timestamp.begin(), timestamp.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return UsageError("--timestamp must be a unix time in seconds, e.g. 1700000000");
    }
  }
  std::string nonce;
  if (o.nonce) {
    nonce = *o.nonce;
    if (nonce.empty() || nonce.size() > 64 ||
        nonce.find_first_of("\" ,\t\r\n") != std::string::npos) {
      return UsageError("--nonce must be 1-64 characters without quotes, commas or whitespace");
    }
  }

  wechatpay::RequestSigner signer(config->mchid.value, config->serial.value, *key);
  if (timestamp.empty()) timestamp = std::to_string(signer.Now());
  if (nonce.empty()) nonce = signer.NewNonce();
  auto auth = signer.Authorization(method, url, body, timestamp, nonce);
  if (!auth) return ReportError(auth.error());
  if (config->verbose) {
    std::fprintf(
        stderr, "wxpay: signed message (%zu-byte body):\n    %s\n", body.size(),
        Visible(wechatpay::RequestSigningMessage(method, url, timestamp, nonce, body)).c_str());
  }
  WriteStdout(*auth + "\n");
  return kExitOk;
}

}  // namespace wxpay
