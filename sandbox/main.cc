// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay-sandbox: the sandbox as a standalone program (the same as `wxpay sandbox`).
//   wxpay-sandbox [--host 127.0.0.1] [--port N] [--state-dir DIR] [--log-requests]
//                 [--workers N] [--max-connections N] [--request-timeout SECONDS]
//                 [--idle-timeout SECONDS] [--notify-time-scale X] [--tls]
//                 [--tls-cert FILE --tls-key FILE] [--client-ca FILE] [--require-client-cert]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wechatpay/sandbox/sandbox.h"

namespace {

void Usage(std::FILE* out) {
  std::fprintf(out,
               "usage: wxpay-sandbox [--host HOST] [--port N] [--state-dir DIR] [--log-requests]\n"
               "                     [--workers N] [--max-connections N]\n"
               "                     [--request-timeout SECONDS] [--idle-timeout SECONDS]\n"
               "                     [--notify-time-scale X] [--tls]\n"
               "                     [--tls-cert FILE --tls-key FILE] [--client-ca FILE]\n"
               "                     [--require-client-cert]\n"
               "A local WeChat Pay simulator. The first line on stdout is\n"
               "`listening on http(s)://HOST:PORT`; DIR/client.json is the client configuration.\n"
               "  --host HOST            address to bind (default 127.0.0.1, loopback)\n"
               "  --port N               port (default 0: a free port)\n"
               "  --state-dir DIR        keys, merchants.json, client.json and state (default: a\n"
               "                         temporary directory removed on exit)\n"
               "  --log-requests         one line per request on stderr\n"
               "  --workers N            threads running requests (default: number of cores, at\n"
               "                         least 4); idle and slow connections never hold one\n"
               "  --max-connections N    open connections at most; more are answered 503\n"
               "                         (default 4096, fewer if the open-file limit is lower)\n"
               "  --request-timeout S    seconds for a request to arrive whole after its first\n"
               "                         byte, and for a TLS handshake; else 408 (default 10)\n"
               "  --idle-timeout S       seconds a connection may wait without a request in\n"
               "                         progress before it is closed (default 5)\n"
               "  --notify-time-scale X  scale of the callback retry schedule (default 1)\n"
               "  --tls                  serve HTTPS; the server certificate is generated into\n"
               "                         DIR/tls_server_cert.pem (clients trust it as CA file)\n"
               "  --tls-cert FILE        PEM server certificate instead (with --tls-key FILE)\n"
               "  --client-ca FILE       PEM CAs client certificates must chain to (default: a\n"
               "                         client certificate must hold a merchant's key)\n"
               "  --require-client-cert  fail the handshake without a valid client certificate\n"
               "                         (default: optional; secapi endpoints need one)\n");
}

// Seconds (a decimal number, at least 0.01 and at most 3600) as milliseconds.
bool ParseSeconds(const char* s, int* ms) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (!end || *end != '\0' || end == s || !(v >= 0.01 && v <= 3600)) return false;
  *ms = static_cast<int>(v * 1000 + 0.5);
  return true;
}

bool ParseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (!end || *end != '\0' || end == s || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  wechatpay::sandbox::SandboxOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "wxpay-sandbox: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      Usage(stdout);
      return 0;
    } else if (a == "--host") {
      options.host = value("--host");
    } else if (a == "--port") {
      if (!ParseInt(value("--port"), 0, 65535, &options.port)) {
        std::fprintf(stderr, "wxpay-sandbox: --port must be 0-65535\n");
        return 2;
      }
    } else if (a == "--state-dir") {
      options.state_dir = value("--state-dir");
    } else if (a == "--log-requests") {
      options.log_requests = true;
    } else if (a == "--workers") {
      if (!ParseInt(value("--workers"), 1, 1024, &options.worker_threads)) {
        std::fprintf(stderr, "wxpay-sandbox: --workers must be 1-1024\n");
        return 2;
      }
    } else if (a == "--max-connections") {
      if (!ParseInt(value("--max-connections"), 1, 1000000, &options.max_connections)) {
        std::fprintf(stderr, "wxpay-sandbox: --max-connections must be 1-1000000\n");
        return 2;
      }
    } else if (a == "--request-timeout") {
      if (!ParseSeconds(value("--request-timeout"), &options.request_timeout_ms)) {
        std::fprintf(stderr,
                     "wxpay-sandbox: --request-timeout must be seconds between 0.01 and 3600\n");
        return 2;
      }
    } else if (a == "--idle-timeout") {
      if (!ParseSeconds(value("--idle-timeout"), &options.idle_timeout_ms)) {
        std::fprintf(stderr,
                     "wxpay-sandbox: --idle-timeout must be seconds between 0.01 and 3600\n");
        return 2;
      }
    } else if (a == "--notify-time-scale") {
      char* end = nullptr;
      const char* v = value("--notify-time-scale");
      options.notify_time_scale = std::strtod(v, &end);
      if (!end || *end != '\0' || !(options.notify_time_scale > 0)) {
        std::fprintf(stderr, "wxpay-sandbox: --notify-time-scale must be a positive number\n");
        return 2;
      }
    } else if (a == "--tls") {
      options.tls.enabled = true;
    } else if (a == "--tls-cert") {
      options.tls.enabled = true;
      options.tls.cert_file = value("--tls-cert");
    } else if (a == "--tls-key") {
      options.tls.key_file = value("--tls-key");
    } else if (a == "--client-ca") {
      options.tls.enabled = true;
      options.tls.client_ca_file = value("--client-ca");
    } else if (a == "--require-client-cert") {
      options.tls.enabled = true;
      options.tls.require_client_cert = true;
    } else {
      std::fprintf(stderr, "wxpay-sandbox: unknown argument %s\n", argv[i]);
      Usage(stderr);
      return 2;
    }
  }
  return wechatpay::sandbox::RunSandboxCommand(options);
}
