// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay: the wechatpay-cpp command-line tool. This file only parses the command line (CLI11);
// each command lives in its own cmd_*.cc file. See docs/cli.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.h"
#include "output.h"
#include "wechatpay/version.h"

namespace {

constexpr const char* kFooter =
    R"(Configuration: --config FILE (client.json, as `wxpay sandbox` writes it), overridden by
WECHATPAY_* environment variables, overridden by flags. Global options go before or after the
command name.

Exit codes: 0 ok, 2 bad usage or invalid input, 3 network/timeout/TLS, 4 the API answered an
error, 5 signature verification failed, 6 decryption or parse failure, 1 anything else.)";

// CLI11's "arguments were not expected" message would echo what was typed, which may be a secret
// given to a mistyped flag: name only the things that look like flags.
std::string DescribeExtras(const std::vector<std::string>& extras) {
  std::string flags;
  size_t others = 0;
  for (const std::string& a : extras) {
    if (a.size() > 1 && a[0] == '-') {
      std::string name = a.substr(0, a.find('='));
      if (!flags.empty()) flags += ", ";
      flags += name;
    } else {
      ++others;
    }
  }
  std::string m = "unexpected argument";
  if (!flags.empty()) m += (extras.size() > 1 ? "s: " : ": ") + flags;
  if (others > 0) {
    m += (flags.empty() ? "s: " : " and ") + std::to_string(others) + " other value" +
         (others > 1 ? "s" : "") + " (not shown)";
  }
  return m;
}

void Repeatable(CLI::Option* opt) {
  opt->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

int Main(int argc, char** argv) {
  CLI::App app{
      "wxpay: try the WeChat Pay SDK, debug signatures, download certificates, run a "
      "local WeChat Pay sandbox.",
      "wxpay"};
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("wxpay ") + WECHATPAY_VERSION_STRING +
                                        " (wechatpay-cpp " + wechatpay::Version() + ")");

  wxpay::GlobalOptions g;
  app.add_option("--config", g.config_path, "client.json configuration file (WECHATPAY_CONFIG)");
  app.add_option("--mchid", g.mchid, "Merchant id, 商户号 (WECHATPAY_MCHID)");
  app.add_option("--serial", g.serial, "Merchant API certificate serial (WECHATPAY_SERIAL)");
  app.add_option("--private-key", g.private_key,
                 "Merchant private key file, apiclient_key.pem (WECHATPAY_PRIVATE_KEY)");
  Repeatable(app.add_option("--platform-key", g.platform_keys,
                            "ID=PATH: a platform certificate (serial=cert.pem) or WeChat Pay "
                            "public key (PUB_KEY_ID_...=pub.pem); repeatable "
                            "(WECHATPAY_PLATFORM_KEYS=ID=PATH,ID=PATH)"));
  app.add_option("--apiv3-key", g.apiv3_key,
                 "APIv3 key (WECHATPAY_APIV3_KEY; prefer the environment or the file)");
  app.add_option("--apiv2-key", g.apiv2_key,
                 "APIv2 key (WECHATPAY_APIV2_KEY; prefer the environment or the file)");
  app.add_option("--merchant-cert", g.merchant_cert,
                 "Merchant certificate, apiclient_cert.pem: the TLS client certificate of the "
                 "secapi endpoints (WECHATPAY_MERCHANT_CERT)");
  app.add_option("--merchant-key", g.merchant_key,
                 "Key of --merchant-cert, default the private key (WECHATPAY_MERCHANT_KEY)");
  app.add_option("--merchant-p12", g.merchant_p12,
                 "The client certificate as PKCS#12 instead, apiclient_cert.p12 "
                 "(WECHATPAY_MERCHANT_P12)");
  app.add_option("--merchant-p12-passphrase-file", g.merchant_p12_passphrase_file,
                 "File whose first line is the --merchant-p12 passphrase, - for stdin; default "
                 "the mchid (WECHATPAY_MERCHANT_P12_PASSPHRASE)");
  app.add_option("--ca-file", g.ca_file,
                 "PEM CA bundle to trust for the server instead of the system's, e.g. a TLS "
                 "sandbox's tls_server_cert.pem (WECHATPAY_CA_FILE)");
  app.add_option("--base-url", g.base_url,
                 "API base URL, default https://api.mch.weixin.qq.com/ (WECHATPAY_BASE_URL)");
  app.add_option("--timeout", g.timeout_seconds, "Per-request timeout in seconds (default 30)");
  app.add_flag("-v,--verbose", g.verbose,
               "Log requests and configuration sources on stderr "
               "(secrets are never shown)");
  auto* pretty = app.add_flag("--pretty", g.pretty, "Pretty JSON even when not on a terminal");
  auto* compact = app.add_flag("--compact", g.compact, "Compact JSON even on a terminal");
  pretty->excludes(compact);

  // request
  wxpay::RequestOptions ro;
  auto* request =
      app.add_subcommand("request", "Sign, send and verify one API call; print the response body");
  request->add_option("method", ro.method, "HTTP method: GET, POST, PUT, PATCH, DELETE")
      ->required();
  request
      ->add_option("uri", ro.uri,
                   "Chain URI: v3/pay/transactions/native, v2/payitil/report, "
                   "user-order/combine-orders, v3/…/{placeholder}")
      ->required();
  Repeatable(request->add_option("-q,--query", ro.query, "Query parameter KEY=VALUE (repeatable)"));
  Repeatable(request->add_option("-p,--path", ro.path,
                                 "Path parameter for a {placeholder}: KEY=VALUE (repeatable)"));
  request->add_option("-j,--json", ro.json, "JSON body: the text itself, @FILE, or @- for stdin");
  Repeatable(
      request->add_option("-H,--header", ro.headers, "Extra header 'Name: value' (repeatable)"));
  Repeatable(request->add_option("--xml", ro.xml,
                                 "APIv2 field KEY=VALUE (KEY=@FILE reads the value from a file); "
                                 "repeatable"));
  Repeatable(request->add_option("--encrypt", ro.encrypt,
                                 "Field to RSA-OAEP encrypt (phone, a.b, list[].name, query:NAME); "
                                 "repeatable; fields the catalog marks are encrypted anyway"));
  request->add_flag("--no-encrypt", ro.no_encrypt,
                    "Do not encrypt the fields the catalog marks as sensitive (already encrypted)");
  request->add_flag("--no-validate", ro.no_validate,
                    "Do not check the request against the endpoint catalog before sending");
  request->add_flag("--allow-unknown", ro.allow_unknown,
                    "Send to an endpoint the catalog does not know (one newer than wxpay)");
  request->add_flag("-i,--include", ro.include, "Print the status line and response headers");
  request->add_flag("--raw", ro.raw, "Print the body exactly as received");
  request->add_option("-o,--output", ro.output, "Write the body to FILE instead of stdout");

  // sign
  wxpay::SignOptions so;
  auto* sign = app.add_subcommand(
      "sign", "Print the Authorization header value for a request (debug signatures)");
  sign->add_option("--method", so.method, "HTTP method")->required();
  sign->add_option("--uri", so.uri, "URL path and query as sent, e.g. /v3/certificates?x=1")
      ->required();
  auto* body = sign->add_option("--body", so.body, "Request body text (default: empty)");
  auto* body_file = sign->add_option("--body-file", so.body_file, "Read the body from FILE");
  body->excludes(body_file);
  sign->add_option("--timestamp", so.timestamp, "Unix timestamp (default: now)");
  sign->add_option("--nonce", so.nonce, "Nonce string (default: 32 random characters)");

  // crt
  wxpay::CrtOptions co;
  auto* crt = app.add_subcommand(
      "crt", "Download, decrypt and verify the platform certificates; save them as SERIAL.pem");
  crt->add_option("-o,--output", co.output_dir,
                  "Directory to save the certificates in (default .)");
  crt->add_flag("--json", co.json, "Print the result as JSON");

  // notify
  wxpay::NotifyOptions no;
  auto* notify =
      app.add_subcommand("notify", "Verify a captured callback and print its decrypted resource");
  notify->add_option("--headers", no.headers_file, "File with one 'Name: value' header per line")
      ->required();
  notify->add_option("--body", no.body_file, "File with the raw request body")->required();
  notify->add_flag("--envelope", no.envelope,
                   "Print the whole envelope with the resource decrypted in place");
  notify->add_option("--max-skew", no.max_skew_seconds,
                     "Accepted Wechatpay-Timestamp age in seconds (default 300; raise it to "
                     "replay an old capture)");

  // endpoints
  wxpay::EndpointsOptions eo;
  auto* endpoints = app.add_subcommand("endpoints", "List catalog endpoints matching FILTER");
  endpoints->add_option("filter", eo.filter, "Substring of the id, chain or a tag");
  endpoints->add_flag("--json", eo.json, "Print the list as JSON");
  endpoints->add_flag("-l,--long", eo.long_format, "Show protocol, request kind and host");

  // describe
  wxpay::DescribeOptions dso;
  auto* describe = app.add_subcommand(
      "describe", "Show an endpoint: parameters, body and response fields, encryption");
  describe->add_option("endpoint", dso.args, "METHOD URI (or URI alone when unambiguous)")
      ->required()
      ->expected(1, 2);
  describe->add_flag("--sample", dso.sample,
                     "Print a sample request (path, query, headers, body) as JSON instead");

  // sandbox
  wxpay::SandboxCommandOptions sbo;
  auto* sandbox =
      app.add_subcommand("sandbox", "Run the local WeChat Pay simulator until SIGINT/SIGTERM");
  sandbox->add_option("--host", sbo.host, "Address to listen on (default 127.0.0.1)");
  sandbox->add_option("--port", sbo.port, "Port (default: a free one, or the state dir's last)")
      ->check(CLI::Range(0, 65535));
  sandbox->add_option("--state-dir", sbo.state_dir,
                      "State directory (keys, client.json, orders); default: temporary");
  sandbox->add_flag("--log-requests", sbo.log_requests, "Log each request on stderr");
  sandbox
      ->add_option("--notify-time-scale", sbo.notify_time_scale,
                   "Multiply the callback retry schedule (e.g. 0.01)")
      ->check(CLI::PositiveNumber);
  sandbox->add_flag("--tls", sbo.tls,
                    "Serve HTTPS (certificate generated into the state dir unless --tls-cert)");
  sandbox->add_option("--tls-cert", sbo.tls_cert, "PEM server certificate (implies --tls)");
  sandbox->add_option("--tls-key", sbo.tls_key, "PEM server key for --tls-cert");
  sandbox->add_option("--client-ca", sbo.client_ca,
                      "PEM CA bundle client certificates must chain to (implies --tls)");
  sandbox->add_flag("--require-client-cert", sbo.require_client_cert,
                    "Refuse the TLS handshake without a valid client certificate (implies --tls)");

  // demo
  wxpay::DemoOptions demo_opts;
  auto* demo = app.add_subcommand(
      "demo", "Walk through the SDK against an embedded sandbox; exit 0 when every step verified");
  demo->add_option("--state-dir", demo_opts.state_dir, "Keep the sandbox state here");
  demo->add_option("--callback-timeout", demo_opts.callback_timeout_seconds,
                   "Seconds to wait for the payment callback (default 15)")
      ->check(CLI::Range(1, 600));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    std::vector<std::string> extras = app.remaining();
    for (const CLI::App* sub : app.get_subcommands()) {
      auto more = sub->remaining();
      extras.insert(extras.end(), more.begin(), more.end());
    }
    std::fprintf(stderr, "wxpay: error: %s\nRun 'wxpay --help' or 'wxpay COMMAND --help'.\n",
                 DescribeExtras(extras).c_str());
    return wxpay::kExitUsage;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "wxpay: error: %s\nRun 'wxpay --help' or 'wxpay COMMAND --help'.\n",
                 e.what());
    return wxpay::kExitUsage;
  }

  if (*request) return wxpay::RunRequest(g, ro);
  if (*sign) return wxpay::RunSign(g, so);
  if (*crt) return wxpay::RunCrt(g, co);
  if (*notify) return wxpay::RunNotify(g, no);
  if (*endpoints) return wxpay::RunEndpoints(g, eo);
  if (*describe) return wxpay::RunDescribe(g, dso);
  if (*sandbox) return wxpay::RunSandbox(g, sbo);
  if (*demo) return wxpay::RunDemo(g, demo_opts);
  return wxpay::UsageError("no command given; run 'wxpay --help'");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wxpay: internal error: %s\n", e.what());
    return wxpay::kExitFailure;
  }
}
