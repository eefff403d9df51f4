// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The parts of the pipeline that differ by API family: catalog validation, APIv2 (XML, MD5 /
// HMAC-SHA256 `sign`, other hosts, client certificates) and the mini-program server API
// (access_token in the query, errcode/errmsg answers).
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "api/client_impl.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/catalog.h"
#include "wechatpay/miniprogram.h"
#include "wechatpay/multipart.h"
#include "wechatpay/validation.h"

namespace wechatpay {

Result<apiv2::Fields> Response::xml() const { return apiv2::DecodeXml(body); }

namespace {

class InMemoryTokenStore final : public AccessTokenStore {
 public:
  std::optional<AccessToken> Load(std::string_view appid) override {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(std::string(appid));
    if (it == tokens_.end()) return std::nullopt;
    return it->second;
  }
  void Save(std::string_view appid, const AccessToken& token) override {
    std::lock_guard lock(mu_);
    tokens_[std::string(appid)] = token;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, AccessToken> tokens_;
};

// errcodes meaning "this access_token is no good": invalid, expired, not the latest.
bool IsTokenErrcode(int64_t code) { return code == 40001 || code == 42001 || code == 40014; }

}  // namespace

std::shared_ptr<AccessTokenStore> MakeInMemoryTokenStore() {
  return std::make_shared<InMemoryTokenStore>();
}

namespace internal {

Family FamilyOf(std::string_view template_path) {
  std::string_view first = template_path.substr(0, template_path.find('/'));
  if (first == "v3" || first == "hk" || first == "global") return Family::kApiV3;
  if (first == "v2") return Family::kApiV2;
  return Family::kMiniProgram;
}

Error UnknownEndpointError(const std::string& method, const std::string& path) {
  return Error(ErrorCode::kInvalidArgument,
               catalog::Catalog::Default().ExplainUnknown(method, path) +
                   " (set CallOptions::allow_unknown_endpoint or "
                   "ClientOptions::allow_unknown_endpoints to send it anyway, e.g. for an "
                   "endpoint newer than this SDK)");
}

Status ClientImpl::ValidateRequest(const std::string& method, const Target& target,
                                   const CallOptions& opts, const nlohmann::json* parsed_body,
                                   const nlohmann::json* xml) const {
  if (!opts.validate.value_or(options_.validate_requests)) return {};
  if (target.absolute) return {};  // a whole URL: the caller's own endpoint
  auto match = catalog::Catalog::Default().Resolve(method, target.template_path);
  if (!match) {
    // The catalog covers the mini-program API only in part: its other paths pass.
    if (FamilyOf(target.template_path) == Family::kMiniProgram) return {};
    if (opts.allow_unknown_endpoint.value_or(options_.allow_unknown_endpoints)) return {};
    return UnknownEndpointError(method, target.template_path);
  }
  const catalog::Endpoint* ep = match->endpoint;
  catalog::RequestParts parts;
  parts.pre_signing = true;
  parts.path_params = std::move(match->path_params);  // bound from a concrete path
  for (const auto& [k, v] : opts.path) parts.path_params[k] = v;
  if (!target.query.empty()) {
    auto q = url::ParseQuery(target.query);
    if (q) parts.query = std::move(*q);
  }
  nlohmann::json parsed;
  if (xml != nullptr) {
    parts.body = xml;
  } else if (parsed_body != nullptr) {
    parts.body = parsed_body;
  } else if (opts.body && !opts.body->empty() && ep->request_kind == catalog::RequestKind::kJson) {
    parsed = nlohmann::json::parse(*opts.body, nullptr, false);
    if (parsed.is_discarded()) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(ep->id) + ": the request body is not valid JSON");
    }
    parts.body = &parsed;
  }
  std::vector<catalog::Violation> v = catalog::Validate(*ep, parts);
  if (v.empty()) return {};
  Status s = catalog::ToStatus(v);
  Error e = std::move(s).error();
  e.message = std::string(ep->id) + ": " + e.message;
  return e;
}

// ---------------------------------------------------------------------------------------------
// APIv2

namespace {

// APIv2: the XML is signed once (its nonce_str stays the same across retries, which only
// idempotent calls get); responses are checked for return_code, sign and result_code.
class ApiV2Plan final : public CallPlan {
 public:
  ApiV2Plan(HttpRequest request, std::string path, const SecretString& key, apiv2::SignType type,
            bool verify_sign, bool binary)
      : request_(std::move(request)),
        path_(std::move(path)),
        key_(key),
        type_(type),
        verify_sign_(verify_sign),
        binary_(binary) {}
  Result<HttpRequest> Build(int /*attempt*/) override { return request_; }
  std::optional<Result<Response>> Complete(HttpResponse r, int /*attempt*/) override {
    if (r.status < 200 || r.status >= 300) {
      Error e = ClientImpl::ApiError(r);
      e.message = "WeChat Pay answered HTTP " + std::to_string(r.status) + " to APIv2 " + path_;
      return Result<Response>(std::move(e));
    }
    if (binary_)
      return Result<Response>(Response{r.status, std::move(r.headers), std::move(r.body)});
    auto answer = apiv2::DecodeXml(r.body);
    if (!answer) {
      Error e = answer.error();
      e.message = "APIv2 response to " + path_ + " is not valid XML: " + e.message;
      e.http_status = r.status;
      return Result<Response>(std::move(e));
    }
    if (Status s = apiv2::CheckResponse(*answer, key_.view(), type_, verify_sign_); !s) {
      Error e = std::move(s).error();
      e.http_status = r.status;
      e.request_id = r.headers.Get("Request-ID");
      return Result<Response>(std::move(e));
    }
    return Result<Response>(Response{r.status, std::move(r.headers), std::move(r.body)});
  }

 private:
  HttpRequest request_;
  std::string path_;
  const SecretString& key_;  // the client's; the plan never outlives the client
  apiv2::SignType type_;
  bool verify_sign_;
  bool binary_;
};

}  // namespace

Result<std::unique_ptr<CallPlan>> ClientImpl::MakeApiV2Plan(const std::string& method,
                                                            const Target& target,
                                                            const CallOptions& opts) const {
  if (options_.apiv2_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "APIv2 call " + target.template_path + " needs ClientOptions.apiv2_key");
  }
  if (method != "POST") {
    return Error(ErrorCode::kInvalidArgument, "APIv2 endpoints are called with POST, not " +
                                                  method + " (" + target.template_path + ")");
  }
  auto resolved = catalog::Catalog::Default().Resolve(method, target.template_path);
  const catalog::Endpoint* ep = resolved ? resolved->endpoint : nullptr;
  apiv2::Fields fields = opts.xml ? *opts.xml : apiv2::Fields();
  auto has_field = [&](std::string_view name) {
    return ep == nullptr ? true : (ep->body != nullptr && ep->body->Field(name) != nullptr);
  };
  if (!fields.Has("mch_id") && !fields.Has("mchid") && !options_.mchid.empty() &&
      has_field("mch_id")) {
    fields.Set("mch_id", options_.mchid);
  }
  if (!fields.Has("appid") && !options_.appid.empty() && has_field("appid")) {
    fields.Set("appid", options_.appid);
  }
  // A multipart upload (v2/secapi/mch/uploadmedia): the fields are signed as usual and sent as
  // form fields next to the file; media_hash is the file's MD5 unless given.
  if (opts.multipart && !fields.Has("media_hash") && has_field("media_hash")) {
    fields.Set("media_hash", crypto::HexEncode(crypto::Md5(opts.multipart->file.data)));
  }
  // The sign type: what the caller asked for; else HMAC-SHA256 where the endpoint accepts a
  // sign_type that allows it; else MD5 (an endpoint without sign_type only knows MD5).
  apiv2::SignType type = apiv2::SignType::kMd5;
  if (const std::string* st = fields.Find("sign_type")) {
    auto parsed = apiv2::ParseSignType(*st);
    if (!parsed) return parsed.error();
    type = *parsed;
  } else if (options_.apiv2_hmac_sha256) {
    const catalog::FieldSchema* f =
        ep != nullptr && ep->body != nullptr ? ep->body->Field("sign_type") : nullptr;
    bool allows_hmac = f != nullptr && (f->enum_values.empty() ||
                                        std::find(f->enum_values.begin(), f->enum_values.end(),
                                                  "HMAC-SHA256") != f->enum_values.end());
    if (allows_hmac) type = apiv2::SignType::kHmacSha256;
  }
  // Validated before signing: nonce_str, sign_type and sign are ours to fill (and the catalog's
  // 32-character limit on `sign` predates HMAC-SHA256 signs, which are 64).
  if (opts.validate.value_or(options_.validate_requests)) {
    nlohmann::json as_json = nlohmann::json::object();
    for (const auto& [k, v] : fields) as_json[k] = v;
    if (opts.multipart && !opts.multipart->file.data.empty()) {
      as_json[opts.multipart->file.field] = "(file)";
    }
    if (Status s = ValidateRequest(method, target, opts, nullptr, &as_json); !s) {
      return std::move(s).error();
    }
  }
  // nonce_str where the endpoint has one (every APIv2 endpoint but uploadmedia); an unknown
  // endpoint gets one.
  apiv2::SignRequest(fields, options_.apiv2_key.view(), type, has_field("nonce_str"));
  if (ep != nullptr && ep->needs_client_cert &&
      (!options_.client_certificate || options_.client_certificate->empty())) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(ep->id) +
                     " needs the merchant client certificate (apiclient_cert.p12 or "
                     "apiclient_cert.pem + apiclient_key.pem in ClientOptions.client_certificate)");
  }

  // APIv2 paths drop the "v2" of the chain; hosts other than api.mch come from the catalog when
  // the base URL is the default one.
  Target t = target;
  std::string path = target.bound_path.substr(target.bound_path.find('/'));
  std::string origin = origin_;
  if (default_base_ && ep != nullptr && !ep->host.empty())
    origin = "https://" + std::string(ep->host);
  t.signed_path = prefix_ + path + (target.query.empty() ? "" : "?" + target.query);
  HttpRequest req = BaseRequest(method, origin + t.signed_path, opts);
  req.headers.Set("Content-Type", "text/xml; charset=utf-8");
  req.headers.Set("Accept", "text/xml, application/xml");
  if (opts.multipart) {
    MultipartForm form;
    form.fields.assign(fields.begin(), fields.end());
    form.file = opts.multipart->file;
    if (Status s = CheckMultipartForm(form); !s) {
      return Error(ErrorCode::kInvalidArgument,
                   "POST " + target.template_path + ": " + s.error().message);
    }
    std::string boundary = NewMultipartBoundary(form);
    req.body = EncodeMultipart(form, boundary);
    req.headers.Set("Content-Type", "multipart/form-data; boundary=" + boundary);
  } else {
    req.body = apiv2::EncodeXml(fields);
  }
  // Endpoints documented to answer without `sign` (the catalog's response_unsigned) are checked
  // for return_code/result_code only.
  bool verify_sign = opts.verify_apiv2_sign && !(ep != nullptr && ep->response_unsigned);
  auto plan = std::make_unique<ApiV2Plan>(
      std::move(req), path, options_.apiv2_key, type, verify_sign,
      ep != nullptr && ep->response_kind == catalog::ResponseKind::kBinary);
  plan->what = "POST " + target.template_path;
  plan->idempotent = opts.idempotent.value_or(false);
  if (opts.deadline) plan->deadline = std::chrono::steady_clock::now() + *opts.deadline;
  return std::unique_ptr<CallPlan>(std::move(plan));
}

// ---------------------------------------------------------------------------------------------
// Mini-program server API

namespace {
// `s` as a JSON string, appended: at most 6 bytes per input byte (\u00XX), so a caller that
// reserved that much gets no reallocation. Bytes >= 0x80 pass through unchanged.
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}
}  // namespace

Result<AccessToken> ClientImpl::FetchAccessToken(bool force) const {
  const MiniProgramOptions& mp = options_.miniprogram;
  HttpRequest req;
  req.connect_timeout = options_.connect_timeout;
  req.timeout = options_.timeout;
  req.max_body_bytes = options_.max_response_bytes;
  req.headers.Set("User-Agent", user_agent_);
  req.headers.Set("Accept", "application/json");
  // The appsecret is written once, into a buffer reserved for the worst case, so that no
  // reallocation (and no JSON object or temporary string) leaves a copy behind; the buffer is
  // wiped after the send (issue 18, item 10).
  const std::string& secret = mp.appsecret.reveal();
  if (mp.stable_token) {
    req.method = "POST";
    req.url = mp_origin_ + mp_prefix_ + "/cgi-bin/stable_token";
    std::string& b = req.body;
    b.reserve(96 + 6 * (mp.appid.size() + secret.size()));
    b.append(R"({"grant_type":"client_credential","appid":)");
    AppendJsonString(b, mp.appid);
    b.append(R"(,"secret":)");
    AppendJsonString(b, secret);
    b.append(force ? R"(,"force_refresh":true})" : R"(,"force_refresh":false})");
    req.headers.Set("Content-Type", "application/json");
  } else {
    req.method = "GET";
    std::string& u = req.url;
    u.reserve(mp_origin_.size() + mp_prefix_.size() + 64 + 3 * (mp.appid.size() + secret.size()));
    u.append(mp_origin_).append(mp_prefix_).append("/cgi-bin/token?grant_type=client_credential");
    u.append("&appid=");
    url::AppendPercentEncoded(u, mp.appid);
    u.append("&secret=");
    url::AppendPercentEncoded(u, secret);
  }
  auto res = options_.transport->Send(req);
  SecureWipe(req.body);
  SecureWipe(req.url);
  if (!res) {
    Error e = res.error();
    e.message = "fetching the mini-program access_token: " + e.message;
    return e;
  }
  nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || !j.is_object()) {
    Error e(ErrorCode::kApi,
            "fetching the mini-program access_token: HTTP " + std::to_string(res->status));
    e.http_status = res->status;
    return e;
  }
  if (auto ec = j.find("errcode"); ec != j.end() && ec->is_number_integer() && *ec != 0) {
    Error e(ErrorCode::kApi, "fetching the mini-program access_token failed: errcode " +
                                 std::to_string(ec->get<int64_t>()) + " " +
                                 j.value("errmsg", std::string()));
    e.http_status = res->status;
    e.api_code = std::to_string(ec->get<int64_t>());
    e.detail = j.value("errmsg", std::string());
    return e;
  }
  auto tok = j.find("access_token");
  auto exp = j.find("expires_in");
  if (tok == j.end() || !tok->is_string() || tok->get_ref<const std::string&>().empty() ||
      exp == j.end() || !exp->is_number_integer()) {
    return Error(ErrorCode::kParse, "the access_token answer lacks access_token or expires_in");
  }
  AccessToken t{tok->get<std::string>(), options_.clock() + exp->get<int64_t>()};
  mp.token_store->Save(mp.appid, t);
  Log(LogLevel::kInfo, "fetched a mini-program access_token (expires in " +
                           std::to_string(exp->get<int64_t>()) + " s)");
  return t;
}

Result<AccessToken> ClientImpl::AccessTokenFor(bool force, std::string_view stale) const {
  const MiniProgramOptions& mp = options_.miniprogram;
  if (!mp.configured()) {
    return Error(ErrorCode::kInvalidArgument,
                 "mini-program calls need ClientOptions.miniprogram (appid and appsecret)");
  }
  auto fresh = [&](const std::optional<AccessToken>& t) {
    return t && !t->token.empty() && options_.clock() < t->expires_at - mp.refresh_margin.count();
  };
  if (!force) {
    if (auto t = mp.token_store->Load(mp.appid); fresh(t)) return *t;
  }
  // Single flight: one fetch at a time; whoever waited re-checks the store first.
  std::lock_guard lock(token_mu_);
  auto current = mp.token_store->Load(mp.appid);
  if (!force && fresh(current)) return *current;
  if (force && !stale.empty() && current && current->token != stale && fresh(current)) {
    return *current;  // another caller already replaced the stale token
  }
  return FetchAccessToken(force);
}

namespace {

// The mini-program API: the access_token goes in the query (never in logs), answers are
// {"errcode", "errmsg"}; a rejected token is replaced and the call sent once more.
class MiniProgramPlan final : public CallPlan {
 public:
  MiniProgramPlan(const ClientImpl& impl, HttpRequest base, std::string origin_and_path,
                  std::string query)
      : impl_(impl),
        base_(std::move(base)),
        origin_and_path_(std::move(origin_and_path)),
        query_(std::move(query)) {}

  Result<HttpRequest> Build(int /*attempt*/) override {
    auto token = impl_.AccessTokenFor(refresh_, stale_);
    if (!token) return token.error();
    token_ = token->token;
    HttpRequest req = base_;
    req.url = origin_and_path_ + "?access_token=" + url::PercentEncode(token_);
    if (!query_.empty()) req.url += "&" + query_;
    return req;
  }

  std::optional<Result<Response>> Complete(HttpResponse r, int /*attempt*/) override {
    if (r.status < 200 || r.status >= 300) {
      Error e(ErrorCode::kApi, "the mini-program API answered HTTP " + std::to_string(r.status));
      e.http_status = r.status;
      return Result<Response>(std::move(e));
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    int64_t errcode = 0;
    if (j.is_object()) {
      auto ec = j.find("errcode");
      if (ec != j.end() && ec->is_number_integer()) errcode = ec->get<int64_t>();
    }
    if (errcode == 0) {
      return Result<Response>(Response{r.status, std::move(r.headers), std::move(r.body)});
    }
    if (IsTokenErrcode(errcode) && !refresh_) {
      impl_.Log(LogLevel::kInfo, what + ": access_token rejected (errcode " +
                                     std::to_string(errcode) +
                                     "); fetching a new one and sending once more");
      refresh_ = true;
      stale_ = token_;
      return std::nullopt;
    }
    Error e(ErrorCode::kApi, "the mini-program API answered errcode " + std::to_string(errcode) +
                                 ": " + j.value("errmsg", std::string()));
    e.http_status = r.status;
    e.api_code = std::to_string(errcode);
    e.detail = j.value("errmsg", std::string());
    return Result<Response>(std::move(e));
  }

 private:
  const ClientImpl& impl_;
  HttpRequest base_;
  std::string origin_and_path_;
  std::string query_;
  std::string token_;
  bool refresh_ = false;
  std::string stale_;
};

}  // namespace

Result<std::unique_ptr<CallPlan>> ClientImpl::MakeMiniProgramPlan(
    const std::string& method, const Target& target, const CallOptions& opts,
    const nlohmann::json* parsed_body) const {
  if (!options_.miniprogram.configured()) {
    return Error(ErrorCode::kInvalidArgument,
                 "mini-program call " + target.template_path +
                     " needs ClientOptions.miniprogram (appid and appsecret)");
  }
  // POST user-order/combine-orders: enum names are accepted as well as numbers (what the caller
  // gave is what is sent), and the page's cross-field rules are checked with its errcodes.
  const nlohmann::json* body_for_checks = parsed_body;
  nlohmann::json parsed;
  if (body_for_checks == nullptr && opts.body && !opts.body->empty()) {
    parsed = nlohmann::json::parse(*opts.body, nullptr, false);
    if (!parsed.is_discarded()) body_for_checks = &parsed;
  }
  bool combine_orders = method == "POST" && target.template_path == "user-order/combine-orders";
  if (combine_orders && body_for_checks != nullptr &&
      opts.validate.value_or(options_.validate_requests)) {
    // The page's rules first: their errcodes name the problem more precisely than the schema.
    if (auto v = miniprogram::CheckCombineOrders(*body_for_checks, options_.miniprogram.appid)) {
      Error e(ErrorCode::kInvalidArgument, "POST user-order/combine-orders: rule " +
                                               std::to_string(v->errcode) + " broken at " +
                                               v->path + ": " + v->message);
      e.api_code = std::to_string(v->errcode);
      return e;
    }
    nlohmann::json normalized = miniprogram::NormalizeCombineOrderEnums(*body_for_checks);
    if (Status s = ValidateRequest(method, target, opts, &normalized, nullptr); !s) {
      return std::move(s).error();
    }
  } else if (Status s = ValidateRequest(method, target, opts, parsed_body, nullptr); !s) {
    return std::move(s).error();
  }
  HttpRequest base = BaseRequest(method, "", opts);
  base.client_certificate = nullptr;
  base.body = opts.body.value_or(std::string());
  if (!base.body.empty() && !base.headers.Has("Content-Type")) {
    base.headers.Set("Content-Type", "application/json");
  }
  auto plan = std::make_unique<MiniProgramPlan>(
      *this, std::move(base), mp_origin_ + mp_prefix_ + "/" + target.bound_path, target.query);
  plan->what = method + " " + target.template_path;
  plan->idempotent = opts.idempotent.value_or(method == "GET");
  if (opts.deadline) plan->deadline = std::chrono::steady_clock::now() + *opts.deadline;
  return std::unique_ptr<CallPlan>(std::move(plan));
}

}  // namespace internal
}  // namespace wechatpay
