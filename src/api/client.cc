// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "api/client_impl.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/version.h"

namespace wechatpay {

using nlohmann::json;

Result<json> Response::json() const {
  if (body.empty()) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return Error(ErrorCode::kParse, "response body is not valid JSON");
  return j;
}

namespace internal {

Result<std::string> DumpJson(const nlohmann::json& j) {
  try {
    return j.dump();
  } catch (const nlohmann::json::exception&) {
    return Error(ErrorCode::kInvalidArgument, "the JSON body contains a string that is not UTF-8");
  }
}

namespace {

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

double DefaultJitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

namespace {
// The client's own authentication steps: the merchant's signature on every attempt, WeChat
// Pay's signature checked on every 2xx answer. Owned by the ClientImpl it refers to.
class MerchantAuthenticator final : public CallAuthenticator {
 public:
  explicit MerchantAuthenticator(const ClientImpl& impl) : impl_(impl) {}
  Result<std::string> Authorization(std::string_view method, std::string_view signed_path,
                                    std::string_view body) const override {
    return impl_.signer().Authorization(method, signed_path, body);
  }
  Status Verify(const HttpResponse& response) const override {
    return impl_.VerifyResponse(response);
  }

 private:
  const ClientImpl& impl_;
};
}  // namespace

Result<std::shared_ptr<ClientImpl>> ClientImpl::Create(ClientOptions o) {
  auto bad = [](std::string msg) { return Error(ErrorCode::kInvalidArgument, std::move(msg)); };
  if (o.miniprogram.configured()) {
    if (o.miniprogram.appsecret.empty()) {
      return bad("ClientOptions.miniprogram.appsecret is empty (the mini-program's AppSecret)");
    }
    if (!o.miniprogram.token_store) o.miniprogram.token_store = MakeInMemoryTokenStore();
  }
  // Which families this client serves. APIv3 needs the merchant's RSA identity and WeChat Pay's
  // keys; APIv2 needs the mchid and APIv2 key; the mini-program API needs appid + appsecret.
  bool apiv3 = o.private_key.ok() || !o.merchant_serial.empty() ||
               !o.platform_certificates.empty() || !o.platform_public_keys.empty() ||
               !o.apiv3_key.empty() || o.merchant_certificate.has_value();
  bool apiv2 = !o.apiv2_key.empty();
  if (!apiv3 && !apiv2 && !o.miniprogram.configured()) {
    apiv3 = true;  // nothing configured: report what APIv3 needs first
  }
  if (apiv3 || apiv2) {
    if (o.mchid.empty()) return bad("ClientOptions.mchid is empty: set the merchant id (商户号)");
    if (o.mchid.find_first_of("\" \t\r\n,") != std::string::npos) {
      return bad("ClientOptions.mchid contains a quote, comma or whitespace");
    }
  }
  if (!o.apiv2_key.empty() && o.apiv2_key.size() != 32) {
    return bad("ClientOptions.apiv2_key must be 32 bytes, got " +
               std::to_string(o.apiv2_key.size()));
  }
  auto store = std::make_shared<PlatformKeyStore>();
  if (apiv3) {
    if (!o.private_key.ok()) {
      return bad(
          "ClientOptions.private_key is not set: load apiclient_key.pem with "
          "PrivateKey::FromFile");
    }
    if (o.merchant_certificate) {
      const Certificate& mc = *o.merchant_certificate;
      if (!mc.public_key().Equals(o.private_key.public_key())) {
        return bad("ClientOptions.private_key does not match the merchant certificate " +
                   mc.serial() + " (wrong apiclient_key.pem for this apiclient_cert.pem?)");
      }
      if (o.merchant_serial.empty()) {
        o.merchant_serial = mc.serial();
      } else if (!EqualsIgnoreCase(o.merchant_serial, mc.serial())) {
        return bad("ClientOptions.merchant_serial " + o.merchant_serial +
                   " is not the serial of the merchant certificate (" + mc.serial() + ")");
      }
    }
    if (o.merchant_serial.empty()) {
      return bad("ClientOptions.merchant_serial is empty: set the merchant API certificate serial");
    }
    if (!IsHex(o.merchant_serial)) {
      return bad("ClientOptions.merchant_serial '" + o.merchant_serial + "' is not hexadecimal");
    }
    if (!o.apiv3_key.empty() && o.apiv3_key.size() != 32) {
      return bad("ClientOptions.apiv3_key must be 32 bytes, got " +
                 std::to_string(o.apiv3_key.size()));
    }
    for (const Certificate& c : o.platform_certificates) {
      if (!c.ok()) return bad("ClientOptions.platform_certificates holds an empty certificate");
      store->AddCertificate(c);
    }
    for (const auto& [id, key] : o.platform_public_keys) {
      if (Status s = store->AddPublicKey(id, key); !s) {
        return bad("ClientOptions.platform_public_keys: " + s.error().message);
      }
    }
    if (store->empty() && !o.allow_empty_platform_keys) {
      return bad(
          "no platform certificate or WeChat Pay public key (PUB_KEY_ID_…) is configured, so "
          "responses cannot be verified; add one, or download certificates first (`wxpay crt`)");
    }
  }
  if (o.retry.max_attempts < 1) return bad("ClientOptions.retry.max_attempts must be >= 1");
  if (o.max_response_bytes == 0) return bad("ClientOptions.max_response_bytes must be > 0");
  if (o.retry.multiplier < 1.0) return bad("ClientOptions.retry.multiplier must be >= 1");
  if (o.timeout.count() <= 0 || o.connect_timeout.count() <= 0) {
    return bad("ClientOptions timeouts must be positive");
  }
  if (o.max_clock_skew_seconds <= 0) {
    return bad("ClientOptions.max_clock_skew_seconds must be > 0");
  }

  auto impl = std::shared_ptr<ClientImpl>(new ClientImpl());
  if (Status s = impl->SetBaseUrl(o.base_url); !s) return std::move(s).error();
  if (o.miniprogram.configured()) {
    auto mp = SplitBaseUrl(o.miniprogram.base_url, "ClientOptions.miniprogram.base_url");
    if (!mp) return mp.error();
    impl->mp_origin_ = mp->first;
    impl->mp_prefix_ = mp->second;
  }
  if (!o.clock) o.clock = SystemClock();
  if (!o.nonce) o.nonce = RandomNonceSource();
  if (!o.sleep) o.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!o.jitter) o.jitter = DefaultJitter;
  if (!o.transport) {
    CurlTransportOptions to;
    to.proxy = o.proxy;
    o.transport = MakeCurlTransport(to);
  }
  impl->apiv3_ = apiv3;
  // Without an APIv3 identity the signer holds no key and refuses to sign (RequireApiV3 guards).
  impl->signer_ =
      std::make_unique<RequestSigner>(o.mchid, o.merchant_serial, o.private_key, o.clock, o.nonce);
  impl->keys_ = store;
  impl->verifier_ = std::make_unique<ResponseVerifier>(store, o.clock, o.max_clock_skew_seconds);
  impl->authenticator_ = std::make_shared<MerchantAuthenticator>(*impl);
  impl->user_agent_ = std::string("wechatpay-cpp/") + Version() + " (" +
#if defined(__linux__)
                      "Linux"
#elif defined(__APPLE__)
                      "macOS"
#else
                      "unknown OS"
#endif
                      + ")";
  if (!o.user_agent.empty()) impl->user_agent_ += " " + o.user_agent;
  impl->options_ = std::move(o);
  const int64_t now = impl->options_.clock();
  for (const Certificate& c : impl->options_.platform_certificates) {
    if (Status v = c.CheckValidAt(now); !v) {
      impl->Log(LogLevel::kWarning, "ClientOptions.platform_certificates: " + v.error().message +
                                        "; responses it signs will not verify");
    }
  }
  return impl;
}

Result<std::pair<std::string, std::string>> SplitBaseUrl(std::string_view base,
                                                         std::string_view what) {
  std::string_view rest;
  if (base.rfind("https://", 0) == 0) {
    rest = base.substr(8);
  } else if (base.rfind("http://", 0) == 0) {
    rest = base.substr(7);
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) +
                     " must start with https:// (or http:// for a local sandbox), got '" +
                     std::string(base) + "'");
  }
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (host.empty()) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " has no host");
  }
  std::string origin = std::string(base.substr(0, base.size() - rest.size())) + std::string(host);
  std::string prefix =
      slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.find_first_of("?#") != std::string::npos) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " must not have a query");
  }
  return std::make_pair(std::move(origin), std::move(prefix));
}

Status ClientImpl::SetBaseUrl(std::string_view base) {
  auto split = SplitBaseUrl(base, "ClientOptions.base_url");
  if (!split) return split.error();
  origin_ = split->first;
  prefix_ = split->second;
  default_base_ = base == kDefaultBaseUrl || base == "https://api.mch.weixin.qq.com";
  return {};
}

Status ClientImpl::RequireApiV3() const {
  if (apiv3_) return {};
  return Error(ErrorCode::kInvalidArgument,
               "this client has no APIv3 identity (private_key, merchant_serial, platform keys); "
               "APIv3 calls are not possible");
}

void ClientImpl::Log(LogLevel level, const std::string& line) const {
  if (options_.logger) options_.logger(level, line);
}

Result<ClientImpl::Target> ClientImpl::ResolveTarget(std::string_view uri,
                                                     const CallOptions& opts) const {
  Target t;
  if (uri.rfind("https://", 0) == 0 || uri.rfind("http://", 0) == 0) {
    // An absolute URL (download links): sent as given; the signed URL is its path + query.
    size_t scheme_end = uri.find("://") + 3;
    size_t path_start = uri.find('/', scheme_end);
    t.absolute = true;
    t.url = std::string(uri);
    t.signed_path =
        path_start == std::string_view::npos ? "/" : std::string(uri.substr(path_start));
    if (!opts.query.empty()) {
      std::string q = url::EncodeQuery(opts.query);
      char sep = t.signed_path.find('?') == std::string::npos ? '?' : '&';
      t.url += sep + q;
      t.signed_path += sep + q;
    }
    t.template_path = t.signed_path.substr(0, t.signed_path.find('?'));
    return t;
  }
  while (!uri.empty() && uri.front() == '/') uri.remove_prefix(1);
  if (uri.empty()) return Error(ErrorCode::kInvalidArgument, "empty request URI");
  size_t qpos = uri.find('?');
  std::string_view tmpl = uri.substr(0, qpos);
  t.template_path = std::string(tmpl);
  auto bound = url::BindPath(tmpl, opts.path);
  if (!bound) return bound.error();
  t.bound_path = std::move(*bound);
  t.query = qpos == std::string_view::npos ? "" : std::string(uri.substr(qpos + 1));
  if (!opts.query.empty()) {
    if (!t.query.empty()) t.query.push_back('&');
    t.query += url::EncodeQuery(opts.query);
  }
  t.signed_path = prefix_ + "/" + t.bound_path;
  if (!t.query.empty()) t.signed_path += "?" + t.query;
  t.url = origin_ + t.signed_path;
  return t;
}

Result<std::string> ClientImpl::EncryptSensitive(std::string_view plaintext,
                                                 std::string* serial) const {
  auto key = keys_->EncryptionKey(options_.clock());
  if (!key) {
    return Error(ErrorCode::kInvalidArgument,
                 "no valid platform certificate or WeChat Pay public key to encrypt with");
  }
  auto ct = crypto::RsaOaepEncrypt(key->key, plaintext);
  if (!ct) return ct.error();
  if (serial != nullptr) *serial = key->id;
  return ct;
}

namespace {
// Encrypts the string(s) at `parts[i..]` below `node`. Missing optional fields are skipped.
Status EncryptAt(nlohmann::json& node, const std::vector<std::string>& parts, size_t i,
                 const std::string& path,
                 const std::function<Result<std::string>(std::string_view)>& encrypt) {
  if (i == parts.size()) {
    if (node.is_null()) return {};
    if (!node.is_string()) {
      return Error(ErrorCode::kInvalidArgument, "field '" + path + "' to encrypt is not a string");
    }
    auto ct = encrypt(node.get_ref<const std::string&>());
    if (!ct)
      return Error(ct.error().code, "encrypting field '" + path + "': " + ct.error().message);
    node = *ct;
    return {};
  }
  std::string part = parts[i];
  bool each = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
  if (each) part.resize(part.size() - 2);
  if (!node.is_object()) return {};
  auto it = node.find(part);
  if (it == node.end()) return {};
  if (!each) return EncryptAt(*it, parts, i + 1, path, encrypt);
  if (!it->is_array()) {
    return Error(ErrorCode::kInvalidArgument,
                 "field '" + part + "' in '" + path + "' is not an array");
  }
  for (auto& el : *it) {
    if (Status s = EncryptAt(el, parts, i + 1, path, encrypt); !s) return s;
  }
  return {};
}
}  // namespace

Status ClientImpl::EncryptFields(std::string& body, const std::vector<std::string>& fields,
                                 Headers& headers) const {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "fields can only be encrypted in a JSON object body");
  }
  auto key = keys_->EncryptionKey(options_.clock());
  if (!key) {
    return Error(ErrorCode::kInvalidArgument,
                 "no valid platform certificate or WeChat Pay public key to encrypt with");
  }
  auto encrypt = [&](std::string_view plain) { return crypto::RsaOaepEncrypt(key->key, plain); };
  for (const std::string& f : fields) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = f.find('.', start);
      parts.push_back(f.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (Status s = EncryptAt(doc, parts, 0, f, encrypt); !s) return s;
  }
  auto dumped = DumpJson(doc);
  if (!dumped) return dumped.error();
  SecureWipe(body);
  body = std::move(*dumped);
  headers.Set("Wechatpay-Serial", key->id);
  return {};
}

Result<bool> ClientImpl::EncryptQueryFields(CallOptions& opts) const {
  auto is_query = [](const std::string& f) { return f.rfind("query:", 0) == 0; };
  bool encrypted = false;
  for (const std::string& f : opts.encrypt_fields) {
    if (!is_query(f)) continue;
    std::string_view name = std::string_view(f).substr(6);
    for (auto& [k, v] : opts.query) {
      if (k != name || v.empty()) continue;
      std::string serial;
      auto ct = EncryptSensitive(v, &serial);
      if (!ct) {
        return Error(ct.error().code, "encrypting query parameter '" + std::string(name) +
                                          "': " + ct.error().message);
      }
      SecureWipe(v);
      v = std::move(*ct);
      opts.headers.Set("Wechatpay-Serial", std::move(serial));
      encrypted = true;
    }
  }
  opts.encrypt_fields.erase(
      std::remove_if(opts.encrypt_fields.begin(), opts.encrypt_fields.end(), is_query),
      opts.encrypt_fields.end());
  return encrypted;
}

Error ClientImpl::ApiError(const HttpResponse& r) {
  Error e(ErrorCode::kApi, "");
  e.http_status = r.status;
  e.request_id = r.headers.Get("Request-ID");
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  std::string message;
  if (j.is_object()) {
    if (auto it = j.find("code"); it != j.end() && it->is_string()) e.api_code = *it;
    if (auto it = j.find("message"); it != j.end() && it->is_string()) message = *it;
    if (auto it = j.find("detail"); it != j.end() && !it->is_null()) {
      e.detail = it->is_string() ? it->get<std::string>() : it->dump();
    }
  }
  e.message = "WeChat Pay answered HTTP " + std::to_string(r.status);
  if (!e.api_code.empty()) e.message += " " + e.api_code;
  if (!message.empty()) e.message += ": " + message;
  return e;
}

Status ClientImpl::VerifyResponse(const HttpResponse& r) const {
  Status s = verifier_->Verify(r.headers, r.body);
  if (!s && s.error().code == ErrorCode::kUnknownSerial && MaybeRefreshForSerial(r.headers)) {
    s = verifier_->Verify(r.headers, r.body);
  }
  if (!s) {
    Error e = std::move(s).error();
    e.http_status = r.status;
    e.request_id = r.headers.Get("Request-ID");
    Log(LogLevel::kError, "response verification failed: " + e.message);
    return e;
  }
  return {};
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Client / Chain

namespace internal {
ClientImpl& ClientAccess::Impl(const Client& c) { return *c.handle_->impl; }
void ClientAccess::ReplaceAuthenticator(const Client& c,
                                        std::shared_ptr<const CallAuthenticator> authenticator) {
  c.handle_->impl->authenticator_ = std::move(authenticator);
}
}  // namespace internal

Result<Client> Client::Create(ClientOptions options) {
  auto impl = internal::ClientImpl::Create(std::move(options));
  if (!impl) return impl.error();
  return Client(std::make_shared<internal::ClientHandle>(std::move(*impl)));
}

Chain Client::chain(std::string_view uri) const { return Chain(handle_, std::string(uri)); }

Result<AccessToken> Client::MiniProgramAccessToken(bool force_refresh) const {
  return handle_->impl->AccessTokenFor(force_refresh, "");
}

Result<std::string> Client::EncryptSensitive(std::string_view plaintext,
                                             std::string* serial) const {
  return handle_->impl->EncryptSensitive(plaintext, serial);
}

Result<std::string> Client::DecryptSensitive(std::string_view ciphertext_base64) const {
  return crypto::RsaOaepDecrypt(handle_->impl->options().private_key, ciphertext_base64);
}

Result<std::vector<DownloadedCertificate>> Client::RefreshPlatformCertificates() const {
  return handle_->impl->RefreshCertificates();
}

Result<Notification> Client::ParseNotification(const Headers& headers,
                                               std::string_view body) const {
  if (handle_->impl->options().apiv3_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "parsing callbacks needs ClientOptions.apiv3_key");
  }
  auto n = wechatpay::ParseNotification(handle_->impl->verifier(),
                                        handle_->impl->options().apiv3_key, headers, body);
  if (!n && n.error().code == ErrorCode::kUnknownSerial) {
    if (handle_->impl->MaybeRefreshForSerial(headers)) {
      return wechatpay::ParseNotification(handle_->impl->verifier(),
                                          handle_->impl->options().apiv3_key, headers, body);
    }
  }
  return n;
}

Status Client::Download(std::string_view url, const BodySink& sink, DigestAlgorithm algorithm,
                        std::string_view expected_hex_digest) const {
  return handle_->impl->Download(url, sink, algorithm, expected_hex_digest);
}

Status Client::DownloadSignedStatement(std::string_view url, const BodySink& sink) const {
  return handle_->impl->DownloadStatement(url, sink);
}

const RequestSigner& Client::signer() const { return handle_->impl->signer(); }
const PlatformKeyStore& Client::platform_keys() const { return handle_->impl->keys(); }
const ResponseVerifier& Client::verifier() const { return handle_->impl->verifier(); }
const ClientOptions& Client::options() const { return handle_->impl->options(); }

Future<Response> Chain::requestAsync(std::string_view method, CallOptions options) const {
  return handle_->impl->CallAsync(method, uri_, std::move(options), nullptr);
}

Future<Response> Chain::WithJsonAsync(std::string_view method, const nlohmann::json& body,
                                      CallOptions options) const {
  auto text = internal::DumpJson(body);
  if (!text) return MakeReadyFuture<Response>(text.error());
  options.body = std::move(*text);
  return handle_->impl->CallAsync(method, uri_, std::move(options),
                                  std::make_shared<const nlohmann::json>(body));
}

Future<Response> Chain::postAsync(const nlohmann::json& body, CallOptions options) const {
  return WithJsonAsync("POST", body, std::move(options));
}
Future<Response> Chain::putAsync(const nlohmann::json& body, CallOptions options) const {
  return WithJsonAsync("PUT", body, std::move(options));
}
Future<Response> Chain::patchAsync(const nlohmann::json& body, CallOptions options) const {
  return WithJsonAsync("PATCH", body, std::move(options));
}
Future<Response> Chain::postAsync(const apiv2::Fields& fields, CallOptions options) const {
  options.xml = std::make_shared<const apiv2::Fields>(fields);
  return requestAsync("POST", std::move(options));
}
Result<Response> Chain::request(std::string_view method, CallOptions options) const {
  return handle_->impl->Call(method, uri_, std::move(options), nullptr);
}

Result<Response> Chain::WithJson(std::string_view method, const nlohmann::json& body,
                                 CallOptions options) const {
  auto text = internal::DumpJson(body);
  if (!text) return text.error();
  options.body = std::move(*text);
  return handle_->impl->Call(method, uri_, std::move(options), &body);
}

Result<Response> Chain::post(const nlohmann::json& body, CallOptions options) const {
  return WithJson("POST", body, std::move(options));
}
Result<Response> Chain::put(const nlohmann::json& body, CallOptions options) const {
  return WithJson("PUT", body, std::move(options));
}
Result<Response> Chain::patch(const nlohmann::json& body, CallOptions options) const {
  return WithJson("PATCH", body, std::move(options));
}
Result<Response> Chain::post(const apiv2::Fields& fields, CallOptions options) const {
  options.xml = std::make_shared<const apiv2::Fields>(fields);
  return handle_->impl->Call("POST", uri_, std::move(options), nullptr);
}

}  // namespace wechatpay
