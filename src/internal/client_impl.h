// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The shared state behind every copy of a Client, and the pipeline steps. Internal only.
#ifndef WECHATPAY_SRC_INTERNAL_CLIENT_IMPL_H_
#define WECHATPAY_SRC_INTERNAL_CLIENT_IMPL_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wechatpay/client.h"

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

class ClientImpl {
 public:
  static Result<std::shared_ptr<ClientImpl>> Create(ClientOptions options);

  // The whole pipeline for one call: resolve URL -> (encrypt fields) -> retry { sign -> send } ->
  // verify -> map errors.
  // `parsed_body`, when the caller had the body as JSON already, spares validation a re-parse.
  Result<Response> Call(std::string_view method, std::string_view uri, CallOptions opts,
                        const nlohmann::json* parsed_body) const;
  // The mini-program access_token. `force` fetches a new one unless the stored token already
  // differs from `stale` (another thread refreshed it meanwhile).
  Result<AccessToken> AccessTokenFor(bool force, std::string_view stale) const;

  Result<std::string> EncryptSensitive(std::string_view plaintext, std::string* serial) const;
  Result<std::vector<DownloadedCertificate>> RefreshCertificates() const;
  Status Download(std::string_view url, const BodySink& sink, DigestAlgorithm algorithm,
                  std::string_view expected_hex_digest) const;
  Status DownloadStatement(std::string_view url, const BodySink& sink) const;
  // Downloads certificates when `r` names an unknown platform serial (rate-limited). True when
  // the serial is known afterwards.
  bool MaybeRefreshForSerial(const HttpResponse& r) const;

  const RequestSigner& signer() const { return *signer_; }
  const PlatformKeyStore& keys() const { return *keys_; }
  const ResponseVerifier& verifier() const { return *verifier_; }
  const ClientOptions& options() const { return options_; }

  struct Target {
    std::string url;            // absolute URL sent
    std::string signed_path;    // path + query exactly as sent (the signed URL)
    std::string template_path;  // "v3/pay/transactions/id/{transaction_id}"
    std::string bound_path;     // "v3/pay/transactions/id/4200…" (no leading '/')
    std::string query;          // encoded, without '?'
    bool absolute = false;      // the caller gave a whole URL
  };
  Result<Target> ResolveTarget(std::string_view uri, const CallOptions& opts) const;
  // Sends with retries; signs each attempt afresh when `sign`.
  Result<HttpResponse> Exchange(const std::string& method, const Target& target,
                                const std::string& body, const CallOptions& opts, Headers headers,
                                bool sign) const;
  static Error ApiError(const HttpResponse& r);

 private:
  ClientImpl() = default;
  Status SetBaseUrl(std::string_view base);
  Status RequireApiV3() const;
  Status ValidateRequest(const std::string& method, const Target& target, const CallOptions& opts,
                         const nlohmann::json* parsed_body, const nlohmann::json* xml) const;
  Result<Response> CallApiV2(const std::string& method, const Target& target,
                             const CallOptions& opts) const;
  Result<Response> CallMiniProgram(const std::string& method, const Target& target,
                                   const CallOptions& opts,
                                   const nlohmann::json* parsed_body) const;
  Result<AccessToken> FetchAccessToken(bool force) const;
  Status EncryptFields(std::string& body, const std::vector<std::string>& fields,
                       Headers& headers) const;
  Status VerifyResponse(const HttpResponse& r) const;
  void MaybeScheduledRefresh() const;
  std::chrono::milliseconds Backoff(int attempt, const HttpResponse* last) const;
  void Log(LogLevel level, const std::string& line) const;

  ClientOptions options_;
  std::unique_ptr<RequestSigner> signer_;
  std::shared_ptr<PlatformKeyStore> keys_;
  std::unique_ptr<ResponseVerifier> verifier_;
  std::string origin_;  // scheme://host[:port]
  std::string prefix_;  // base path without trailing '/', usually empty
  std::string user_agent_;
  bool default_base_ =
      true;                // base_url is api.mch.weixin.qq.com: APIv2 hosts come from the catalog
  bool apiv3_ = false;     // the client has an APIv3 identity
  std::string mp_origin_;  // mini-program API origin and path prefix
  std::string mp_prefix_;
  mutable std::mutex token_mu_;  // one access_token fetch at a time

  mutable std::mutex refresh_mu_;
  mutable int64_t last_refresh_ = 0;
  mutable int64_t last_unknown_serial_refresh_ = 0;
  mutable std::atomic<bool> downloaded_once_{false};
  mutable std::mutex download_mu_;  // one certificate download at a time
};

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_INTERNAL_CLIENT_IMPL_H_
