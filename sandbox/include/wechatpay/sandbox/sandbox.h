// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay sandbox: a local server that behaves like WeChat Pay on the wire (APIv3 signatures,
// APIv2 XML signatures, the mini-program access_token API), with real behaviour for the payment
// flow and the documented seed endpoints, schema-checked behaviour for every other catalog
// endpoint, signed and encrypted callbacks, persistence in a state directory and a control API
// under /sandbox/ for tests (paying orders, completing refunds, fault injection). See
// docs/adr/0003-sandbox.md.
#ifndef WECHATPAY_SANDBOX_SANDBOX_H_
#define WECHATPAY_SANDBOX_SANDBOX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wechatpay/auth.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::sandbox {

// HTTPS instead of plain HTTP (docs/adr/0003-sandbox.md, "TLS and client certificates").
struct SandboxTlsOptions {
  bool enabled = false;
  // PEM server certificate (chain) and key. Both empty: STATE_DIR/tls_server_cert.pem and
  // tls_server_key.pem, generated on first use (self-signed, subjectAltName localhost, 127.0.0.1,
  // ::1 and the listen host), which clients then trust as their CA file.
  std::string cert_file;
  std::string key_file;
  // PEM bundle of the CAs client certificates must chain to. Empty: a client certificate is
  // accepted when its public key is the key a merchant registered (merchants.json), as WeChat
  // Pay's apiclient_cert.pem is both the API certificate and the TLS client certificate.
  std::string client_ca_file;
  // true: the handshake fails without a valid client certificate (every endpoint). false (as
  // WeChat Pay): a certificate is asked for but optional; endpoints that need one refuse the call.
  bool require_client_cert = false;
};

struct SandboxOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 0;                    // 0: a free port (the state dir's previous port when free)
  std::string state_dir;           // empty: a fresh temporary directory, removed on Stop()
  bool log_requests = false;       // one line per request on stderr (method, path, status)
  // Threads running requests; 0: hardware concurrency (at least 4). Only complete requests reach
  // them: idle and slow connections never hold one (docs/adr/0003-sandbox.md, "Connections").
  int worker_threads = 0;
  // Open connections at most; a connection over the limit is answered 503 at once and closed.
  // 0: 4096, or the open-file limit minus 128 when that is lower.
  int max_connections = 0;
  // A request (request line, headers, body) must arrive whole within this long of its first
  // byte, and a TLS handshake complete within it; otherwise 408 and the connection is closed.
  int request_timeout_ms = 10000;
  // A connection without a request in progress (new, or kept alive after an answer) is closed
  // after this long without a byte.
  int idle_timeout_ms = 5000;
  // false: no socket is opened; requests are given to Sandbox::Handle (fuzzing, benchmarks).
  bool listen = true;
  // false: callbacks are recorded (Deliveries(), GET /sandbox/notifications) but never sent; they
  // stay PENDING. For fuzzing the control API, where a notify_url could name any host.
  bool send_callbacks = true;
  // Multiplies WeChat Pay's callback retry schedule (15 s, 15 s, 30 s, 3 min, ...). Tests use a
  // small factor such as 0.001 so that retries happen within milliseconds.
  double notify_time_scale = 1.0;
  // Requests with a larger body are answered 413 without being read further.
  size_t max_body_bytes = 8u << 20;
  // Time source (unix seconds); null: the system clock.
  Clock clock;
  SandboxTlsOptions tls;
};

// A request as it arrived: `target` is the request-target exactly as sent (path plus `?query`).
// For multipart/form-data the HTTP layer gives the parsed parts in `form` (WeChat Pay signs the
// `meta` part, not the whole body).
struct WireRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;
  std::vector<testing::MultipartPart> form;  // meta JSON, file, other fields
  std::string remote_addr = "127.0.0.1";
  // Set by the HTTPS listener: the request came over TLS, with this client certificate (PEM;
  // empty: none presented) which did or did not verify against the client CA.
  bool tls = false;
  std::string client_cert_pem;
  bool client_cert_verified = false;
};

// The answer. `drop_connection` (fault injection) asks the HTTP layer to close the connection
// without a complete response; `delay_ms` (fault injection) to wait before answering.
struct WireResponse {
  int status = 200;
  Headers headers;
  std::string body;
  bool drop_connection = false;
  int delay_ms = 0;
};

// The demo merchant created in a fresh state directory (what client.json describes).
struct DemoMerchant {
  std::string mchid;
  std::string serial;            // merchant API certificate serial
  std::string private_key_path;  // PEM
  std::string certificate_path;  // PEM; also the TLS client certificate (with private_key_path)
  // The same certificate and key as PKCS#12 (apiclient_cert.p12); its passphrase is the mchid, as
  // with WeChat Pay's.
  std::string pkcs12_path;
  SecretString apiv3_key;
  SecretString apiv2_key;
  std::string appid;  // an appid orders can use
};

// The WeChat Pay side's verification keys, as a client would load them.
struct PlatformKeys {
  std::string certificate_serial;
  std::string certificate_path;  // PEM
  std::string public_key_id;     // PUB_KEY_ID_...
  std::string public_key_path;   // PEM
};

// Fault injection (also reachable as POST /sandbox/faults). A fault applies to the next `count`
// non-control requests whose path starts with `path_prefix` (count < 0: until cleared).
struct Fault {
  enum class Kind { kLatency, kStatus, kBadSignature, kSkewTimestamp, kDropConnection };
  Kind kind = Kind::kStatus;
  int count = 1;
  int status = 503;         // kStatus: 429, 500, 503, ...
  int latency_ms = 0;       // kLatency
  int skew_seconds = 600;   // kSkewTimestamp: the response timestamp is this far in the past
  std::string path_prefix;  // empty: every path
};

// One callback the sandbox has sent or will send (no plaintext, no keys).
struct DeliveryRecord {
  std::string id;
  std::string url;
  std::string event_type;
  std::string status;  // PENDING, DELIVERED, FAILED
  int attempts = 0;
  int last_http_status = 0;
  std::string last_error;
};

class Sandbox {
 public:
  // Prepares the state directory (keys, certificates, merchants.json, client.json on first use),
  // binds (unless options.listen is false) and starts serving.
  static Result<std::unique_ptr<Sandbox>> Start(const SandboxOptions& options);

  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();  // Stop()

  int port() const;
  std::string base_url() const;  // http://HOST:PORT, or https:// with SandboxTlsOptions::enabled
  // With TLS: the server certificate's PEM file (a client's CA file); empty without TLS.
  std::string tls_server_cert_path() const;
  // With TLS: the handshakes the server has accepted so far (one per connection, resumed
  // sessions included), which shows whether clients reuse their connections. 0 without TLS.
  uint64_t tls_handshakes() const;
  const std::string& state_dir() const;
  std::string client_config_path() const;  // STATE_DIR/client.json
  // Stops serving, stops the notifier, flushes state; removes a temporary state dir. Idempotent.
  void Stop();

  // Handles one request in process, exactly as the HTTP server would (faults included, except that
  // delay and drop are only reported in the response).
  WireResponse Handle(const WireRequest& request);

  DemoMerchant demo_merchant() const;
  PlatformKeys platform_keys() const;
  // The demo mini-program app (appsecret is a secret).
  std::string miniprogram_appid() const;
  SecretString miniprogram_appsecret() const;

  // ---- control helpers (the same operations as the /sandbox/ control API) ----
  // Marks an order paid and sends TRANSACTION.SUCCESS to its notify_url. `mchid` empty: the
  // merchant that owns `out_trade_no` (the demo merchant when several do).
  Status PayOrder(const std::string& out_trade_no, const std::string& mchid = {});
  // Completes a refund (SUCCESS, ABNORMAL or CLOSED) and sends the REFUND.* callback.
  Status CompleteRefund(const std::string& out_refund_no, const std::string& status = "SUCCESS",
                        const std::string& mchid = {});
  // Sends a WECHATPAY/SIGNTEST/ probe callback to `url`.
  Status SendSignTest(const std::string& url);
  void InjectFault(const Fault& fault);
  void ClearFaults();
  std::vector<DeliveryRecord> Deliveries() const;

 private:
  Sandbox();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `wxpay sandbox`: starts the server, prints `listening on http(s)://HOST:PORT` as the first line
// on stdout, and blocks until SIGINT or SIGTERM; then stops cleanly. Returns the process exit code.
int RunSandboxCommand(const SandboxOptions& options);

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SANDBOX_H_
