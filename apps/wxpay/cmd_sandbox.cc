// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay sandbox: the local WeChat Pay simulator in the foreground (see docs/adr/0003-sandbox.md).
// The first stdout line is exactly `listening on http(s)://HOST:PORT`; SIGINT/SIGTERM stop it.
#include <string>

#include "commands.h"
#include "output.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wxpay {

int RunSandbox(const GlobalOptions& g, const SandboxCommandOptions& o) {
  if (o.host.empty()) return UsageError("--host must not be empty (e.g. 127.0.0.1)");
  if (o.port < 0 || o.port > 65535) return UsageError("--port must be between 0 and 65535");
  wechatpay::sandbox::SandboxOptions options;
  options.host = o.host;
  options.port = o.port;
  options.state_dir = o.state_dir;
  options.log_requests = o.log_requests || g.verbose;
  options.notify_time_scale = o.notify_time_scale;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return UsageError("--tls-cert and --tls-key go together");
  }
  options.tls.enabled =
      o.tls || !o.tls_cert.empty() || !o.client_ca.empty() || o.require_client_cert;
  options.tls.cert_file = o.tls_cert;
  options.tls.key_file = o.tls_key;
  options.tls.client_ca_file = o.client_ca;
  options.tls.require_client_cert = o.require_client_cert;
  // 0 after a clean stop; 1 when the sandbox could not start (it says why on stderr: port in use,
  // unusable state dir).
  return wechatpay::sandbox::RunSandboxCommand(options);
}

}  // namespace wxpay
