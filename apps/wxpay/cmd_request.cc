// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay request METHOD URI: sign, send, verify, print.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "output.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/catalog.h"
#include "wechatpay/client.h"

namespace wxpay {

using wechatpay::Error;
using wechatpay::ErrorCode;
namespace catalog = wechatpay::catalog;

namespace {

enum class Protocol { kApiV3, kApiV2, kMiniProgram };

std::string StripUri(std::string uri) {
  while (!uri.empty() && uri.front() == '/') uri.erase(0, 1);
  return uri;
}

const catalog::Endpoint* FindEndpoint(const std::string& method, const std::string& uri) {
  const catalog::Catalog& cat = catalog::Catalog::Default();
  if (auto m = cat.Resolve(method, uri)) return m->endpoint;
  return nullptr;
}

Protocol DetectProtocol(const std::string& uri, const catalog::Endpoint* ep) {
  if (ep != nullptr) {
    switch (ep->protocol) {
      case catalog::Protocol::kApiV2:
        return Protocol::kApiV2;
      case catalog::Protocol::kMiniProgram:
        return Protocol::kMiniProgram;
      case catalog::Protocol::kApiV3:
        return Protocol::kApiV3;
    }
  }
  if (uri.rfind("v2/", 0) == 0) return Protocol::kApiV2;
  if (uri.rfind("v3/", 0) == 0 || uri.find("/v3/") != std::string::npos) return Protocol::kApiV3;
  return Protocol::kMiniProgram;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Prints the body: JSON formatted (pretty on a terminal), APIv2 XML as a JSON object of its
// fields, anything else as received.
void PrintBody(const wechatpay::Response& r, Protocol proto, bool raw, bool pretty) {
  if (r.body.empty()) return;
  if (!raw) {
    if (proto == Protocol::kApiV2) {
      if (auto fields = wechatpay::apiv2::DecodeXml(r.body)) {
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        for (const auto& [k, v] : *fields) j[k] = v;
        WriteStdout(DumpJson(j, pretty) + "\n");
        return;
      }
    } else {
      auto j = nlohmann::ordered_json::parse(r.body, nullptr, false);
      if (!j.is_discarded()) {
        WriteStdout(DumpJson(j, pretty) + "\n");
        return;
      }
    }
  }
  WriteStdout(r.body);
  if (StdoutIsTerminal() && r.body.back() != '\n') WriteStdout("\n");
}

}  // namespace

int RunRequest(const GlobalOptions& g, const RequestOptions& o) {
  bool passphrase_on_stdin =
      g.merchant_p12_passphrase_file && *g.merchant_p12_passphrase_file == "-";
  bool body_on_stdin = o.json && *o.json == "@-";
  for (const std::string& f : o.xml) {
    if (f.size() >= 3 && f.compare(f.size() - 3, 3, "=@-") == 0) body_on_stdin = true;
  }
  if (passphrase_on_stdin && body_on_stdin) {
    return UsageError(
        "--merchant-p12-passphrase-file - and a body from stdin (@-) cannot share stdin; read "
        "one of them from a file");
  }
  auto config = LoadConfig(g);
  if (!config) return ReportError(config.error());

  std::string method = Upper(o.method);
  static const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  if (std::none_of(std::begin(kMethods), std::end(kMethods),
                   [&](const char* m) { return method == m; })) {
    return UsageError("METHOD must be one of GET, POST, PUT, PATCH, DELETE, HEAD (got '" +
                      Ellipsize(o.method, 16) + "')");
  }
  std::string uri = StripUri(o.uri);
  if (uri.empty()) return UsageError("URI is empty: give a chain URI such as v3/certificates");
  if (uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0) {
    return UsageError(
        "URI must be a chain URI (v3/…, v2/…), not a full URL; set the host with "
        "--base-url");
  }

  wechatpay::CallOptions call;
  for (const std::string& q : o.query) {
    auto kv = SplitKeyValue(q, "--query");
    if (!kv) return ReportError(kv.error());
    call.query.push_back(std::move(*kv));
  }
  for (const std::string& p : o.path) {
    auto kv = SplitKeyValue(p, "--path");
    if (!kv) return ReportError(kv.error());
    if (uri.find("{" + kv->first + "}") == std::string::npos) {
      return UsageError("--path " + kv->first + ": the URI has no {" + kv->first + "} placeholder");
    }
    call.path[kv->first] = kv->second;
  }
  bool user_serial = false;
  for (const std::string& h : o.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return UsageError("--header expects 'Name: value', got '" + Ellipsize(h, 40) + "'");
    }
    std::string name = h.substr(0, colon);
    std::string value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    if (wechatpay::EqualsIgnoreCase(name, "Authorization")) {
      return UsageError(
          "--header Authorization: wxpay signs every request itself; use "
          "`wxpay sign` to see the header it sends");
    }
    if (wechatpay::EqualsIgnoreCase(name, "Wechatpay-Serial")) user_serial = true;
    call.headers.Add(std::move(name), std::move(value));
  }

  const catalog::Endpoint* ep = FindEndpoint(method, uri);
  Protocol proto = DetectProtocol(uri, ep);
  if (ep == nullptr) {
    bool absolute = uri.find("://") != std::string::npos;
    if (!o.allow_unknown && !o.no_validate && !absolute && proto != Protocol::kMiniProgram) {
      return UsageError(catalog::Catalog::Default().ExplainUnknown(method, uri) +
                        "\n  `wxpay endpoints FILTER` lists the known ones; --allow-unknown sends "
                        "it anyway (an endpoint newer than wxpay)");
    }
    Verbose(*config, method + " " + uri + " is not in the endpoint catalog; sending it as is");
    call.allow_unknown_endpoint = true;
  } else {
    Verbose(*config, "endpoint " + std::string(ep->id) + " (" +
                         std::string(catalog::ProtocolName(ep->protocol)) + ")");
  }

  // Body.
  std::string body_text;
  if (o.json) {
    if (proto == Protocol::kApiV2) {
      return UsageError("--json is for APIv3 and mini-program endpoints; APIv2 (" + uri +
                        ") takes its fields with --xml KEY=VALUE");
    }
    if (!o.json->empty() && o.json->front() == '@') {
      auto text = ReadFileBytes(o.json->substr(1), "--json");
      if (!text) return ReportError(text.error());
      body_text = std::move(*text);
    } else {
      body_text = *o.json;
    }
    auto parsed = nlohmann::json::parse(body_text, nullptr, false);
    if (parsed.is_discarded()) {
      // Find the offending byte without quoting the text (it may hold personal data).
      size_t where = 0;
      try {
        auto again = nlohmann::json::parse(body_text);
        (void)again;
      } catch (const nlohmann::json::parse_error& e) {
        where = e.byte;
      }
      return UsageError("--json: not valid JSON (syntax error near byte " + std::to_string(where) +
                        ")");
    }
    call.body = body_text;
  }
  std::shared_ptr<wechatpay::apiv2::Fields> xml;
  if (!o.xml.empty()) {
    if (proto != Protocol::kApiV2) {
      return UsageError("--xml is for APIv2 endpoints (v2/…); use --json for " + uri);
    }
    xml = std::make_shared<wechatpay::apiv2::Fields>();
    for (const std::string& f : o.xml) {
      auto kv = SplitKeyValue(f, "--xml");
      if (!kv) return ReportError(kv.error());
      if (!kv->second.empty() && kv->second.front() == '@') {
        auto text = ReadFileBytes(kv->second.substr(1), "--xml " + kv->first);
        if (!text) return ReportError(text.error());
        while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
        kv->second = std::move(*text);
      }
      xml->Set(kv->first, kv->second);
    }
  }
  if (proto == Protocol::kApiV2 && method != "POST") {
    return UsageError("APIv2 endpoints are called with POST (got " + method + ")");
  }

  // Client.
  unsigned needs = 0;
  switch (proto) {
    case Protocol::kApiV3:
      needs = kNeedMerchant | kNeedPlatformKeys;
      break;
    case Protocol::kApiV2:
      needs = kNeedApiV2Key;
      if (!config->mchid.set()) {
        return ReportError(MissingSetting("mchid", "--mchid", "WECHATPAY_MCHID"));
      }
      break;
    case Protocol::kMiniProgram:
      needs = kNeedMiniProgram;
      break;
  }
  if (ep != nullptr && ep->needs_client_cert && !config->client_certificate) {
    return ReportError(Error(
        ErrorCode::kInvalidArgument,
        method + " " + uri +
            " needs the merchant's TLS client certificate, which is not configured: set "
            "--merchant-cert FILE (apiclient_cert.pem; the key defaults to the private key) or "
            "--merchant-p12 FILE (apiclient_cert.p12), WECHATPAY_MERCHANT_CERT or "
            "WECHATPAY_MERCHANT_P12, or \"merchant_cert\" or \"merchant_p12\" in the config "
            "file"));
  }
  auto options = MakeClientOptions(*config, needs);
  if (!options) return ReportError(options.error());
  if (proto != Protocol::kApiV3) options->allow_empty_platform_keys = true;
  auto client = wechatpay::Client::Create(std::move(*options));
  if (!client) return ReportError(client.error(), "invalid configuration");

  // Sensitive fields: what the user asked for, plus what the catalog marks (unless the request
  // is already encrypted, i.e. carries its own Wechatpay-Serial, or --no-encrypt).
  call.encrypt_fields = o.encrypt;
  if (ep != nullptr && !o.no_encrypt && !user_serial) {
    for (std::string_view f : ep->encrypted_fields) {
      if (f.rfind("query:", 0) == 0) {
        // The client encrypts the query parameter when the request has it (and wipes the
        // plaintext), as for typed calls.
        std::string name(f.substr(6));
        for (const auto& [k, v] : call.query) {
          if (k == name && !v.empty()) {
            Verbose(*config, "query parameter " + name +
                                 " is encrypted before sending (catalog: sensitive)");
          }
        }
        call.encrypt_fields.emplace_back(f);
      } else if (f.find('~') == std::string_view::npos && call.body &&
                 std::find(call.encrypt_fields.begin(), call.encrypt_fields.end(), f) ==
                     call.encrypt_fields.end()) {
        call.encrypt_fields.emplace_back(f);
      }
    }
  }
  std::string list;  // body fields
  for (const auto& f : call.encrypt_fields) {
    if (f.rfind("query:", 0) != 0) list += (list.empty() ? "" : ", ") + f;
  }
  if (!list.empty()) {
    if (!call.body) {
      return UsageError("--encrypt needs a JSON body (--json) holding the fields to encrypt");
    }
    Verbose(*config, "encrypting body fields with the platform key when present: " + list);
  }
  if (o.no_validate) call.validate = false;
  if (xml) call.xml = xml;

  Verbose(*config, "sending " + method + " " + uri +
                       (call.body ? " with a " + std::to_string(call.body->size()) + "-byte body"
                                  : std::string()));
  auto res = client->chain(uri).request(method, std::move(call));
  if (!res) return ReportError(res.error());

  bool pretty = WantPretty(g.pretty, g.compact);
  if (o.include) {
    std::string head = "HTTP " + std::to_string(res->status) + "\n";
    for (const auto& [k, v] : res->headers) {
      head += wechatpay::EscapeControls(k) + ": " + wechatpay::EscapeControls(v) + "\n";
    }
    WriteStdout(head + "\n");
  }
  if (!o.output.empty()) {
    if (wechatpay::Status s = WriteFileBytes(o.output, res->body, "--output"); !s) {
      return ReportError(s.error());
    }
    std::fprintf(stderr, "wxpay: saved %zu bytes to %s\n", res->body.size(), o.output.c_str());
    return kExitOk;
  }
  PrintBody(*res, proto, o.raw, pretty);
  return kExitOk;
}

}  // namespace wxpay
