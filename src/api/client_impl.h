// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The shared state behind every copy of a Client, and the request pipeline. Internal only.
//
// Every call becomes a CallPlan (resolve URL, validate, encrypt: done once), and the plan is run
// either by RunSync (a blocking loop) or RunAsync (libcurl multi + the worker pool + timers).
// Both runners share Decide(), so retry, backoff, deadlines and verification are the same code.
#ifndef WECHATPAY_SRC_API_CLIENT_IMPL_H_
#define WECHATPAY_SRC_API_CLIENT_IMPL_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wechatpay/client.h"
#include "wechatpay/future.h"

namespace wechatpay::internal {

// Compact UTF-8 JSON; a string that is not UTF-8 is kInvalidArgument (never an exception).
Result<std::string> DumpJson(const nlohmann::json& j);

// "https://host:port/prefix/" -> {"https://host:port", "/prefix"}. `what` names the option.
Result<std::pair<std::string, std::string>> SplitBaseUrl(std::string_view base,
                                                         std::string_view what);

// Which API a chain URI belongs to, by its first segment: v3/, hk/, global/ -> APIv3; v2/ ->
// APIv2; anything else (user-order/, cgi-bin/, wxa/ …) -> the mini-program server API.
enum class Family { kApiV3, kApiV2, kMiniProgram };
Family FamilyOf(std::string_view template_path);

// The error for a call to an endpoint the catalog does not know (with "did you mean").
Error UnknownEndpointError(const std::string& method, const std::string& path);

class ClientImpl;

// The authentication steps of an APIv3 attempt: the Authorization header put on before it is
// sent, and the check of a 2xx answer. The library has one implementation (the merchant's
// RSA-SHA256 signature; WeChat Pay's signature checked against the platform keys, refreshed
// once for an unknown serial: src/api/client.cc). Benchmarks put a no-op in its place through
// ClientAccess::ReplaceAuthenticator, to show what a call costs besides its cryptography; the
// pipeline has no switch of its own for that.
class CallAuthenticator {
 public:
  virtual ~CallAuthenticator() = default;
  virtual Result<std::string> Authorization(std::string_view method, std::string_view signed_path,
                                            std::string_view body) const = 0;
  virtual Status Verify(const HttpResponse& response) const = 0;
};

// One call, ready to send. Subclasses differ by API family.
class CallPlan {
 public:
  virtual ~CallPlan() = default;
  // The request of attempt `attempt` (1-based): signed afresh (fresh timestamp and nonce), with
  // the current access_token, ...
  virtual Result<HttpRequest> Build(int attempt) = 0;
  // The answer to a response that is not retried for its status: the call's result, or nullopt to
  // send again at once (a rejected access_token, refreshed by Build).
  virtual std::optional<Result<Response>> Complete(HttpResponse response, int attempt) = 0;

  std::string what;  // "GET v3/pay/transactions/id/{transaction_id}": logs only, no values
  bool idempotent = false;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// What to do after an attempt.
struct Decision {
  std::optional<Result<Response>> result;  // set: the call is over
  std::chrono::milliseconds delay{0};      // else: send again after this
};

class ClientImpl : public std::enable_shared_from_this<ClientImpl> {
 public:
  static Result<std::shared_ptr<ClientImpl>> Create(ClientOptions options);

  // Resolves, validates and encrypts once; the plan then sends (and re-sends) the call.
  // `parsed_body`, when the caller had the body as JSON already, spares validation a re-parse.
  Result<std::unique_ptr<CallPlan>> Plan(std::string_view method, std::string_view uri,
                                         CallOptions opts, const nlohmann::json* parsed_body) const;
  Result<Response> Call(std::string_view method, std::string_view uri, CallOptions opts,
                        const nlohmann::json* parsed_body) const;
  Future<Response> CallAsync(std::string_view method, std::string_view uri, CallOptions opts,
                             std::shared_ptr<const nlohmann::json> parsed_body) const;
  Result<Response> RunSync(CallPlan& plan) const;
  Decision Decide(CallPlan& plan, int attempt, Result<HttpResponse> response) const;
  // Cancels every asynchronous call in flight (the last Client/Chain copy went away).
  void CancelAll() const;

  Result<std::string> EncryptSensitive(std::string_view plaintext, std::string* serial) const;
  Result<std::vector<DownloadedCertificate>> RefreshCertificates() const;
  Status Download(std::string_view url, const BodySink& sink, DigestAlgorithm algorithm,
                  std::string_view expected_hex_digest) const;
  Status DownloadStatement(std::string_view url, const BodySink& sink) const;
  // A signed APIv3 GET whose response signature is not checked (downloads check a digest).
  Result<Response> RunUnverifiedGet(std::string_view url, CallOptions& opts) const;
  // Downloads certificates when `headers` name an unknown platform serial (rate-limited). True
  // when the serial is known afterwards.
  bool MaybeRefreshForSerial(const Headers& headers) const;
  // The mini-program access_token. `force` fetches a new one unless the stored token already
  // differs from `stale` (another thread refreshed it meanwhile).
  Result<AccessToken> AccessTokenFor(bool force, std::string_view stale) const;

  const RequestSigner& signer() const { return *signer_; }
  const PlatformKeyStore& keys() const { return *keys_; }
  const ResponseVerifier& verifier() const { return *verifier_; }
  const ClientOptions& options() const { return options_; }
  const std::string& user_agent() const { return user_agent_; }
  void Log(LogLevel level, const std::string& line) const;

  struct Target {
    std::string url;            // absolute URL sent
    std::string signed_path;    // path + query exactly as sent (the signed URL)
    std::string template_path;  // "v3/pay/transactions/id/{transaction_id}"
    std::string bound_path;     // "v3/pay/transactions/id/4200…" (no leading '/')
    std::string query;          // encoded, without '?'
    bool absolute = false;      // the caller gave a whole URL
  };
  Result<Target> ResolveTarget(std::string_view uri, const CallOptions& opts) const;
  // A plan for an APIv3 request. `verify`: check the response signature on 2xx. `sign_over`:
  // what the signature covers instead of the body (a multipart upload's meta).
  std::unique_ptr<CallPlan> MakeApiV3Plan(std::string method, Target target, std::string body,
                                          Headers headers, const CallOptions& opts, bool verify,
                                          std::optional<std::string> sign_over = {}) const;
  // An APIv3 multipart upload (CallOptions::multipart): validate, encrypt meta~ fields, build
  // the body, sign the meta (src/api/upload.cc).
  Result<std::unique_ptr<CallPlan>> PlanMultipart(const std::string& method, Target target,
                                                  const CallOptions& opts) const;
  static Error ApiError(const HttpResponse& r);
  Status VerifyResponse(const HttpResponse& r) const;
  Status RequireApiV3() const;
  // The HttpRequest skeleton every family starts from.
  HttpRequest BaseRequest(const std::string& method, const std::string& url,
                          const CallOptions& opts) const;

  // The sign/verify steps every APIv3 plan made from now on uses (a plan keeps the one it
  // started with).
  std::shared_ptr<const CallAuthenticator> authenticator() const { return authenticator_; }

  // Registry of asynchronous calls in flight, for CancelAll.
  void Track(const std::shared_ptr<void>& run, std::function<void()> cancel) const;
  void Untrack(const void* run) const;

 private:
  friend struct ClientAccess;
  ClientImpl() = default;
  Status SetBaseUrl(std::string_view base);
  Status ValidateRequest(const std::string& method, const Target& target, const CallOptions& opts,
                         const nlohmann::json* parsed_body, const nlohmann::json* xml) const;
  // The "query:NAME" entries of opts.encrypt_fields (sensitive query parameters): every
  // non-empty value of NAME in opts.query is replaced by its RSA-OAEP ciphertext under the
  // platform key (the plaintext wiped), Wechatpay-Serial is set in opts.headers, and the entries
  // leave encrypt_fields. True when a value was encrypted. The one implementation for the
  // chain, the typed models and the CLI.
  Result<bool> EncryptQueryFields(CallOptions& opts) const;
  Status EncryptFields(std::string& body, const std::vector<std::string>& fields,
                       Headers& headers) const;
  Result<std::unique_ptr<CallPlan>> MakeApiV2Plan(const std::string& method, const Target& target,
                                                  const CallOptions& opts) const;
  Result<std::unique_ptr<CallPlan>> MakeMiniProgramPlan(const std::string& method,
                                                        const Target& target,
                                                        const CallOptions& opts,
                                                        const nlohmann::json* parsed_body) const;
  void MaybeScheduledRefresh() const;
  std::chrono::milliseconds Backoff(int attempt, const HttpResponse* last) const;
  Result<AccessToken> FetchAccessToken(bool force) const;

  ClientOptions options_;
  std::unique_ptr<RequestSigner> signer_;
  std::shared_ptr<PlatformKeyStore> keys_;
  std::unique_ptr<ResponseVerifier> verifier_;
  std::shared_ptr<const CallAuthenticator> authenticator_;
  std::string origin_;  // scheme://host[:port]
  std::string prefix_;  // base path without trailing '/', usually empty
  std::string user_agent_;
  bool default_base_ = true;  // base_url is api.mch.weixin.qq.com: APIv2 hosts from the catalog
  bool apiv3_ = false;        // the client has an APIv3 identity
  std::string mp_origin_;     // mini-program API origin and path prefix
  std::string mp_prefix_;

  mutable std::mutex refresh_mu_;
  mutable int64_t last_refresh_ = 0;
  mutable int64_t last_unknown_serial_refresh_ = 0;
  mutable std::atomic<bool> downloaded_once_{false};
  mutable std::mutex download_mu_;  // one certificate download at a time
  mutable std::mutex token_mu_;     // one access_token fetch at a time

  mutable std::mutex inflight_mu_;
  mutable std::map<const void*, std::pair<std::weak_ptr<void>, std::function<void()>>> inflight_;
};

// Reaches the implementation behind a Client (benchmarks and white-box tests).
struct ClientAccess {
  static ClientImpl& Impl(const Client& c);
  // Puts `authenticator` in place of the client's own sign/verify steps for the APIv3 calls
  // started afterwards. Only while no call of `c` is being started on another thread.
  static void ReplaceAuthenticator(const Client& c,
                                   std::shared_ptr<const CallAuthenticator> authenticator);
};

// What Client and Chain hold: when the last copy goes, calls in flight are cancelled.
struct ClientHandle {
  std::shared_ptr<ClientImpl> impl;
  explicit ClientHandle(std::shared_ptr<ClientImpl> i) : impl(std::move(i)) {}
  ~ClientHandle() { impl->CancelAll(); }
  ClientHandle(const ClientHandle&) = delete;
  ClientHandle& operator=(const ClientHandle&) = delete;
};

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_API_CLIENT_IMPL_H_
