// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The WeChat Pay client: options, the request pipeline, the URL chain, sensitive fields and
// platform certificates.
//
//   auto client = wechatpay::Client::Create(options);
//   if (!client) { ... client.error() ... }
//   wechatpay::CallOptions call;
//   call.query = {{"sp_mchid", "1900000109"}, {"out_trade_no", "1217752501"}};
//   auto r = client->chain("v3/merchant-risk-manage/trade-risk-information").get(call);
//   if (r) std::cout << r->body;
//
// A Client is cheap to copy (it shares one thread-safe connection) and safe to use from many
// threads at once.
#ifndef WECHATPAY_CLIENT_H_
#define WECHATPAY_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/apiv2.h"
#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"
#include "wechatpay/future.h"
#include "wechatpay/http.h"
#include "wechatpay/multipart.h"
#include "wechatpay/result.h"
#include "wechatpay/url.h"

namespace wechatpay {

inline constexpr std::string_view kDefaultBaseUrl = "https://api.mch.weixin.qq.com/";
inline constexpr std::string_view kMiniProgramBaseUrl = "https://api.weixin.qq.com/";

// A mini-program access_token and when it stops working.
struct AccessToken {
  std::string token;       // a secret: never logged
  int64_t expires_at = 0;  // unix seconds
};

// Where access tokens are kept. Fetching a new token invalidates the previous one for every
// server using the same appid, so a deployment with several servers plugs in a shared store (a
// database row, a Redis key) and lets one of them fetch. Implementations must be thread-safe.
class AccessTokenStore {
 public:
  virtual ~AccessTokenStore() = default;
  virtual std::optional<AccessToken> Load(std::string_view appid) = 0;
  virtual void Save(std::string_view appid, const AccessToken& token) = 0;
};
// The default store: this process only.
std::shared_ptr<AccessTokenStore> MakeInMemoryTokenStore();

// The WeChat mini-program server API (api.weixin.qq.com), authenticated with an access_token.
struct MiniProgramOptions {
  std::string appid;
  SecretString appsecret;
  std::string base_url = std::string(kMiniProgramBaseUrl);
  // POST /cgi-bin/stable_token (true) or GET /cgi-bin/token (false).
  bool stable_token = true;
  // Refresh this long before the token expires.
  std::chrono::seconds refresh_margin{300};
  std::shared_ptr<AccessTokenStore> token_store;  // null: in memory
  bool configured() const { return !appid.empty(); }
};

// Which calls are retried and how long to wait. Only GET/HEAD/DELETE, or calls marked
// idempotent, are retried, on transport errors, 429 and 5xx. The wait before attempt n (n >= 2)
// is uniform in [0, min(max_backoff, initial_backoff * multiplier^(n-2))] ("full jitter"), or the
// server's Retry-After (delay-seconds) when that is larger. A Retry-After longer than
// max_backoff ends the call with that answer (its message says so) instead of retrying early.
struct RetryPolicy {
  int max_attempts = 3;  // 1 disables retries
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 2.0;
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };
// Receives one line per event (request sent, retry, response status, verification failure).
// Lines never contain Authorization values, keys, bodies or decrypted data.
using Logger = std::function<void(LogLevel level, std::string_view line)>;

struct ClientOptions {
  // --- merchant identity (APIv3) ---
  std::string mchid;
  std::string merchant_serial;  // the merchant API certificate's serial (hex)
  PrivateKey private_key;       // apiclient_key.pem
  // Optional: the merchant API certificate. When given, construction checks that the private
  // key matches it and that merchant_serial equals its serial (or fills merchant_serial in).
  std::optional<Certificate> merchant_certificate;

  // --- WeChat Pay's keys, used to verify responses and encrypt sensitive fields ---
  std::vector<Certificate> platform_certificates;
  std::map<std::string, PublicKey> platform_public_keys;  // "PUB_KEY_ID_…" -> key
  // Construction refuses an empty set unless this is true (only to bootstrap a certificate
  // download; every response is still verified, with the downloaded certificates).
  bool allow_empty_platform_keys = false;

  SecretString apiv3_key;  // 32 bytes: callbacks and certificate download
  SecretString apiv2_key;  // 32 bytes: APIv2 signing
  // APIv2 requests are signed with HMAC-SHA256 unless this is false (then MD5).
  bool apiv2_hmac_sha256 = true;
  // APIv2 fields filled in when a request lacks them.
  std::string appid;

  MiniProgramOptions miniprogram;

  // Mutual TLS identity for APIv2 endpoints that need the merchant certificate.
  std::shared_ptr<const ClientCertificate> client_certificate;

  // --- transport ---
  // APIv3 and APIv2 requests go here. Left at the default, APIv2 endpoints that live on another
  // host (fraud.mch…, payapp…) go to that host; any other value (a proxy, the sandbox) is used for
  // every endpoint.
  std::string base_url = std::string(kDefaultBaseUrl);
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::string proxy;
  std::string user_agent;  // appended to "wechatpay-cpp/<version>"
  RetryPolicy retry;
  // A response body held in memory (every answer but a download's data; error bodies too) is
  // refused past this size, counted after decompression while it is read: kResponseTooLarge.
  size_t max_response_bytes = kDefaultMaxResponseBytes;  // 16 MiB
  // The same for a download streamed to a sink (Client::Download, CallOptions::sink); 0: none.
  uint64_t max_download_bytes = kDefaultMaxDownloadBytes;  // 4 GiB
  Logger logger;
  int64_t max_clock_skew_seconds = 300;
  bool validate_requests = true;  // check requests against the endpoint catalog before sending
  // With validation on, a call to an endpoint the catalog does not know is refused before it is
  // sent (with "did you mean"); true sends it unchecked (endpoints newer than this SDK). Whole
  // URLs and mini-program paths outside the catalog always pass.
  bool allow_unknown_endpoints = false;
  // Refresh downloaded platform certificates this often (and on an unknown serial).
  std::chrono::seconds certificate_refresh_interval{std::chrono::hours(12)};

  // --- injection (tests) ---
  std::shared_ptr<HttpTransport> transport;              // null: libcurl (MakeCurlTransport)
  Clock clock;                                           // null: system clock
  NonceSource nonce;                                     // null: CSPRNG
  std::function<void(std::chrono::milliseconds)> sleep;  // null: std::this_thread::sleep_for
  std::function<double()> jitter;                        // uniform [0,1); null: a thread-local PRNG
};

// One call's inputs besides method and URL.
struct CallOptions {
  QueryParams query;
  PathParams path;                  // values for {placeholders}
  std::optional<std::string> body;  // exact body bytes (JSON text for APIv3)
  Headers headers;                  // extra request headers
  // Fields to RSA-OAEP-encrypt with the platform key before sending: body fields ("phone",
  // "payer.identity.number", "list[].name") and query parameters ("query:card_no", every non-empty
  // value of that parameter; the plaintext is wiped). Wechatpay-Serial is then set to the key used.
  std::vector<std::string> encrypt_fields;
  std::optional<bool> idempotent;  // override: retry even a POST (e.g. a query sent as POST)
  std::optional<bool> validate;    // override ClientOptions::validate_requests
  std::optional<bool> allow_unknown_endpoint;  // override ClientOptions::allow_unknown_endpoints
  std::optional<std::chrono::milliseconds> timeout;  // per attempt
  // The whole call, retries and backoff included: past it the call fails with kTimeout.
  std::optional<std::chrono::milliseconds> deadline;
  BodySink sink;  // stream the response body here (downloads)
  // APIv2 only: XML fields; mch_id/appid/nonce_str/sign_type/sign are filled in as needed.
  std::shared_ptr<const apiv2::Fields> xml;
  bool verify_apiv2_sign = true;  // some APIv2 endpoints answer without a sign
  // A multipart/form-data upload (wechatpay/multipart.h); `body` must then be unset. APIv3 signs
  // the `meta` text only, after encrypting the encrypt_fields written "meta~a.b" inside it.
  std::shared_ptr<const MultipartForm> multipart;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  std::string request_id() const { return headers.Get("Request-ID"); }
  // Parses the body as JSON (an empty body is an empty object).
  Result<nlohmann::json> json() const;
  // APIv2: the response XML as fields (already checked: return_code, sign, result_code).
  Result<apiv2::Fields> xml() const;
};

namespace internal {
struct ClientHandle;
struct ClientAccess;
}  // namespace internal

class Client;

// An endpoint by its path, the untyped call: `client.chain("v3/pay/transactions/id/{transaction_id}")`
// (or a whole https:// URL). The first segment picks the API: v3/, hk/, global/ -> APIv3 (JSON,
// RSA signatures); v2/ -> APIv2 (XML, MD5/HMAC-SHA256 `sign`); anything else (user-order/,
// cgi-bin/, wxa/ …) -> the mini-program server API on api.weixin.qq.com with the access_token
// added. Every call goes through the one pipeline (validate, encrypt, sign, send, verify, retry);
// the typed calls (wechatpay/models/, wechatpay/services/) use it too.
class Chain {
 public:
  const std::string& uri() const { return uri_; }  // "v3/pay/transactions/id/{transaction_id}"

  Result<Response> get(CallOptions options = {}) const {
    return request("GET", std::move(options));
  }
  Result<Response> del(CallOptions options = {}) const {
    return request("DELETE", std::move(options));
  }
  Result<Response> post(CallOptions options = {}) const {
    return request("POST", std::move(options));
  }
  Result<Response> post(const nlohmann::json& body, CallOptions options = {}) const;
  Result<Response> put(const nlohmann::json& body, CallOptions options = {}) const;
  Result<Response> patch(const nlohmann::json& body, CallOptions options = {}) const;
  // APIv2 (`client.chain("v2/payitil/report").post(fields)`): XML body, MD5/HMAC-SHA256 sign.
  Result<Response> post(const apiv2::Fields& fields, CallOptions options = {}) const;
  Result<Response> request(std::string_view method, CallOptions options) const;

  // The same calls without blocking: a Future (then/wait/get/cancel, wechatpay/future.h). The
  // pipeline (sign every attempt, send, verify, retry with backoff) holds no thread while it
  // waits; signing and verification run on the SDK's worker pool, I/O on one libcurl thread.
  Future<Response> getAsync(CallOptions options = {}) const {
    return requestAsync("GET", std::move(options));
  }
  Future<Response> delAsync(CallOptions options = {}) const {
    return requestAsync("DELETE", std::move(options));
  }
  Future<Response> postAsync(CallOptions options = {}) const {
    return requestAsync("POST", std::move(options));
  }
  Future<Response> postAsync(const nlohmann::json& body, CallOptions options = {}) const;
  Future<Response> putAsync(const nlohmann::json& body, CallOptions options = {}) const;
  Future<Response> patchAsync(const nlohmann::json& body, CallOptions options = {}) const;
  Future<Response> postAsync(const apiv2::Fields& fields, CallOptions options = {}) const;
  Future<Response> requestAsync(std::string_view method, CallOptions options) const;

 private:
  friend class Client;
  Result<Response> WithJson(std::string_view method, const nlohmann::json& body,
                            CallOptions options) const;
  Future<Response> WithJsonAsync(std::string_view method, const nlohmann::json& body,
                                 CallOptions options) const;
  Chain(std::shared_ptr<internal::ClientHandle> handle, std::string uri)
      : handle_(std::move(handle)), uri_(std::move(uri)) {}
  std::shared_ptr<internal::ClientHandle> handle_;
  std::string uri_;
};

// A platform certificate as downloaded from /v3/certificates.
struct DownloadedCertificate {
  Certificate certificate;
  std::string serial_no;
  std::string effective_time;
  std::string expire_time;
};

enum class DigestAlgorithm { kSha1, kSha256 };

class Client {
 public:
  // Validates every option; errors name the option at fault.
  static Result<Client> Create(ClientOptions options);

  // The untyped call to `uri`: a chain URI ("v3/...", with {placeholders}) or an absolute
  // https:// URL.
  Chain chain(std::string_view uri) const;

  // Downloads a bill/statement URL (signed request; the body is not signature-verified) into
  // `sink` while hashing it, then compares with `expected_hex_digest` (from the bill API's
  // `hash_value`). kDigestMismatch when they differ: the caller must discard what it received.
  Status Download(std::string_view url, const BodySink& sink, DigestAlgorithm algorithm,
                  std::string_view expected_hex_digest) const;
  // The overseas statement form: the response carries Wechatpay-Statement-Sha1, signed as the
  // body `{"sha1":"<value>"}`; the signature and then the SHA-1 of the data are checked.
  Status DownloadSignedStatement(std::string_view url, const BodySink& sink) const;

  // RSA-OAEP with the current platform key (public key preferred). Returns the base64 ciphertext
  // and sets `serial` to the key id that must go in Wechatpay-Serial.
  Result<std::string> EncryptSensitive(std::string_view plaintext, std::string* serial) const;
  // Decrypts a response field encrypted to the merchant key.
  Result<std::string> DecryptSensitive(std::string_view ciphertext_base64) const;

  // GET /v3/certificates, decrypt with the APIv3 key, check serial and validity, verify the
  // response with the downloaded set (plus keys already held), and add them to the store.
  // A public-key-only merchant gets an error saying so.
  Result<std::vector<DownloadedCertificate>> RefreshPlatformCertificates() const;

  // The current mini-program access_token (cached; refetched `refresh_margin` before expiry,
  // one fetch even when many threads ask at once). `force_refresh` fetches a new one.
  Result<AccessToken> MiniProgramAccessToken(bool force_refresh = false) const;

  // Verifies and decrypts an APIv3 callback.
  Result<Notification> ParseNotification(const Headers& headers, std::string_view body) const;

  const RequestSigner& signer() const;
  const PlatformKeyStore& platform_keys() const;
  const ResponseVerifier& verifier() const;
  const ClientOptions& options() const;

 private:
  friend struct internal::ClientAccess;
  explicit Client(std::shared_ptr<internal::ClientHandle> h) : handle_(std::move(h)) {}
  // When the last Client or Chain copy goes, asynchronous calls still in flight complete with
  // kCancelled.
  std::shared_ptr<internal::ClientHandle> handle_;
};

}  // namespace wechatpay

#endif  // WECHATPAY_CLIENT_H_
