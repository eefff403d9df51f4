// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv3 on the wire: routing through the catalog, the Authorization check, body parsing,
// decryption of sensitive fields, schema validation, signed responses, GET /v3/certificates and
// the schema-conforming answer of every endpoint without real behaviour.
#include <algorithm>
#include <cctype>
#include <functional>
#include <unordered_map>

#include "engine.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/testing/server.h"
#include "wechatpay/validation.h"

using wechatpay::testing::SignResponse;

namespace wechatpay::sandbox {

namespace {

constexpr int64_t kMaxSkewSeconds = 300;

V3Reply SignError(std::string message) {
  return V3Reply::Err(401, "SIGN_ERROR", std::move(message));
}

bool IsSha256Name(std::string_view name) {
  std::string n;
  for (char c : name) {
    if (c != '-' && c != '_')
      n.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return n == "SHA256";
}

// A media upload (multipart): the file part must be present and match the digest its meta part
// names (meta.sha256 or meta.file_digest: SHA-256; meta.digest: when its algorithm is SHA-256,
// SM3 digests are not checked). Sets the file's SHA-256 (hex) for the answer's ids.
std::optional<V3Reply> CheckUpload(const V3Call& call, std::string* sha256_hex) {
  std::string file_field = "file";
  if (call.endpoint->body) {
    for (const catalog::FieldSchema* f : call.endpoint->body->fields) {
      if (f->type == catalog::FieldType::kFile) file_field = std::string(f->name);
    }
  }
  const testing::MultipartPart* file = nullptr;
  for (const testing::MultipartPart& p : call.wire->form) {
    if (p.name == file_field) file = &p;
  }
  if (file == nullptr) {
    return V3Reply::Err(400, "PARAM_ERROR", "the " + file_field + " part (the file) is missing",
                        file_field);
  }
  *sha256_hex = crypto::HexEncode(crypto::Sha256(file->data));
  Json meta;
  if (call.body.is_object()) {
    auto m = call.body.find("meta");
    if (m != call.body.end() && m->is_string()) {
      if (auto doc = ParseJson(m->get<std::string>())) meta = std::move(*doc);
    }
  }
  if (!meta.is_object()) return std::nullopt;  // validation decides whether meta is required
  for (const char* key : {"sha256", "file_digest", "digest"}) {
    auto d = meta.find(key);
    if (d == meta.end() || !d->is_string()) continue;
    if (std::string_view(key) == "digest") {
      std::string algorithm;
      for (const char* a : {"digest_algorithm", "digest_alogrithm"}) {
        if (meta.contains(a) && meta[a].is_string()) algorithm = meta[a].get<std::string>();
      }
      if (!IsSha256Name(algorithm)) continue;
    }
    if (!EqualsIgnoreCase(d->get<std::string>(), *sha256_hex)) {
      return V3Reply::Err(
          400, "PARAM_ERROR",
          std::string("meta.") + key + " does not match the SHA-256 of the uploaded file",
          std::string("meta~") + key);
    }
  }
  return std::nullopt;
}

// Ids in an upload's answer, derived from the file's SHA-256 (the same file, the same id).
void FillUploadIds(Json& body, const std::string& sha256_hex) {
  if (!body.is_object()) return;
  for (const char* key : {"media_id", "file_id", "fapiao_media_id"}) {
    if (body.contains(key)) body[key] = "SBX-MEDIA-" + sha256_hex.substr(0, 40);
  }
  if (body.contains("media_url")) {
    body["media_url"] = "https://wxpaylogo.qpic.cn/sandbox/" + sha256_hex.substr(0, 40);
  }
}

// Applies `fn` to every string value at `path` ("a.b", "a[].b", "a~b": b inside the JSON held by
// string a). `fn` returns false to report failure; the first failing field is returned.
using FieldFn = std::function<bool(Json& value)>;
bool WalkEncrypted(Json& node, std::string_view path, const FieldFn& fn, bool* found) {
  size_t tilde = path.find('~');
  size_t dot = path.find('.');
  bool nested_doc =
      tilde != std::string_view::npos && (dot == std::string_view::npos || tilde < dot);
  size_t cut = nested_doc ? tilde : dot;
  std::string_view seg = path.substr(0, cut);
  std::string_view rest = cut == std::string_view::npos ? std::string_view() : path.substr(cut + 1);
  bool each = seg.size() > 2 && seg.substr(seg.size() - 2) == "[]";
  if (each) seg.remove_suffix(2);
  if (!node.is_object()) return true;
  auto it = node.find(std::string(seg));
  if (it == node.end()) return true;
  std::vector<Json*> targets;
  if (each) {
    if (!it->is_array()) return true;
    for (auto& el : *it) targets.push_back(&el);
  } else {
    targets.push_back(&*it);
  }
  for (Json* t : targets) {
    if (nested_doc) {
      if (!t->is_string()) continue;
      auto doc = ParseJson(t->get<std::string>());
      if (!doc) continue;
      if (!WalkEncrypted(*doc, rest, fn, found)) return false;
      *t = DumpJson(*doc);
    } else if (rest.empty()) {
      if (!t->is_string() || t->get<std::string>().empty()) continue;
      *found = true;
      if (!fn(*t)) return false;
    } else {
      if (!WalkEncrypted(*t, rest, fn, found)) return false;
    }
  }
  return true;
}

using Handler = std::function<V3Reply(Engine&, V3Call&)>;

}  // namespace

const PrivateKey* Engine::PrivateKeyFor(std::string_view serial) const {
  if (serial.empty()) return nullptr;
  if (serial == id_.pubkey_id) return &id_.pubkey_private;
  if (serial == id_.platform_cert.serial()) return &id_.platform_key;
  return nullptr;
}

void Engine::ResponseKey(const WireRequest& req, const PrivateKey** key,
                         std::string* serial) const {
  const std::string* named = req.headers.Find("Wechatpay-Serial");
  if (named && PrivateKeyFor(*named)) {
    *key = PrivateKeyFor(*named);
    *serial = *named;
    return;
  }
  // /v3/certificates answers with the platform certificates, signed by the certificate key as
  // WeChat Pay does, so that a client holding no key yet can verify the download with it.
  std::string_view target = req.target;
  if (target.substr(0, target.find('?')) == "/v3/certificates") {
    *key = &id_.platform_key;
    *serial = id_.platform_cert.serial();
    return;
  }
  *key = &id_.pubkey_private;
  *serial = id_.pubkey_id;
}

WireResponse Engine::FinishV3(const WireRequest& req, V3Reply reply,
                              const FaultTable::Applied& fault) const {
  WireResponse res;
  res.status = reply.status;
  if (!reply.raw_content_type.empty()) {
    res.body = std::move(reply.raw);
    res.headers.Set("Content-Type", reply.raw_content_type);
  } else if (!reply.body.is_null()) {
    res.body = DumpJson(reply.body);
    res.headers.Set("Content-Type", "application/json; charset=utf-8");
  }
  res.headers.Set("Request-ID", RandomHex(20));
  if (!reply.sign) return res;
  const PrivateKey* key = nullptr;
  std::string serial;
  ResponseKey(req, &key, &serial);
  int64_t ts = Now() - fault.skew_seconds;
  std::string nonce = crypto::RandomNonce(32);
  if (Status s = SignResponse(*key, serial, ts, nonce, res.body, res.headers); !s) {
    res.status = 500;
    res.body = R"({"code":"SYSTEM_ERROR","message":"cannot sign the response"})";
    return res;
  }
  if (fault.bad_signature) {
    // A valid signature, but over other bytes: a client must reject it.
    auto sig = crypto::RsaSha256Sign(
        *key, ResponseSigningMessage(std::to_string(ts), nonce, res.body + "tampered"));
    if (sig) res.headers.Set("Wechatpay-Signature", *sig);
  }
  return res;
}

WireResponse Engine::HandleApiV3(const WireRequest& req, const std::string& path,
                                 const std::string& raw_query, const FaultTable::Applied& fault) {
  if (fault.status != 0) {
    return FinishV3(req,
                    V3Reply::Err(fault.status, StatusCodeName(fault.status),
                                 "injected by the sandbox (fault injection)"),
                    fault);
  }
  V3Call call;
  call.wire = &req;
  call.path = path;
  call.raw_query = raw_query;
  call.query = ParseQuery(raw_query);
  auto match = wechatpay::testing::MatchPath(catalog_, req.method, path);
  if (!match || match->endpoint->protocol != catalog::Protocol::kApiV3) {
    if (!match && !wechatpay::testing::AllowedMethods(catalog_, path).empty()) {
      return FinishV3(req,
                      V3Reply::Err(405, "METHOD_NOT_ALLOWED",
                                   "the method " + req.method + " is not allowed for this path"),
                      fault);
    }
    return FinishV3(req, V3Reply::Err(404, "NOT_FOUND", "no such API: " + path), fault);
  }
  call.endpoint = match->endpoint;
  call.params = std::move(match->path_params);

  // The signed body: the raw body, or for a multipart upload the `meta` part's text (nothing when
  // there is no meta part: validation then reports it missing).
  static const std::string kNoMeta;
  const std::string* signed_body = req.form.empty() ? &req.body : &kNoMeta;
  for (const testing::MultipartPart& part : req.form) {
    if (part.name == "meta") signed_body = &part.data;
  }
  if (auto err = CheckAuthorization(req, *signed_body, call)) {
    return FinishV3(req, std::move(*err), fault);
  }
  if (auto err = ReadBody(req, call)) return FinishV3(req, std::move(*err), fault);
  if (auto err = ValidateRequest(call)) return FinishV3(req, std::move(*err), fault);
  if (auto err = DecryptFields(req, call)) return FinishV3(req, std::move(*err), fault);
  return FinishV3(req, Dispatch(call), fault);
}

std::optional<V3Reply> Engine::CheckAuthorization(const WireRequest& req, const std::string& body,
                                                  V3Call& call) {
  const std::string* auth = req.headers.Find("Authorization");
  if (!auth || auth->empty()) return SignError("the Authorization header is missing");
  auto parts = ParseAuthorization(*auth);
  if (!parts) {
    return SignError("the Authorization header is not a valid WECHATPAY2-SHA256-RSA2048 value");
  }
  const char* missing = parts->mchid.empty()       ? "mchid"
                        : parts->serial_no.empty() ? "serial_no"
                        : parts->timestamp.empty() ? "timestamp"
                        : parts->nonce_str.empty() ? "nonce_str"
                        : parts->signature.empty() ? "signature"
                                                   : nullptr;
  if (missing) return SignError(std::string("the Authorization header lacks ") + missing);
  auto m = id_.merchants.find(parts->mchid);
  if (m == id_.merchants.end()) {
    return SignError("mchid " +
                     (IsDigits(parts->mchid) && parts->mchid.size() <= 32
                          ? parts->mchid
                          : std::string("(invalid)")) +
                     " is not a merchant of this sandbox");
  }
  const Merchant& merchant = m->second;
  if (!EqualsIgnoreCase(parts->serial_no, merchant.serial)) {
    return SignError("serial_no does not match the merchant's registered certificate serial");
  }
  if (!IsDigits(parts->timestamp) || parts->timestamp.size() > 12) {
    return SignError("the Authorization timestamp is not a unix time in seconds");
  }
  int64_t ts = std::stoll(parts->timestamp);
  int64_t now = Now();
  if (ts < now - kMaxSkewSeconds || ts > now + kMaxSkewSeconds) {
    return SignError(
        "the Authorization timestamp is more than 5 minutes away from the server time");
  }
  if (parts->nonce_str.size() > 64) return SignError("nonce_str is too long");
  Status v = crypto::RsaSha256Verify(
      merchant.key,
      RequestSigningMessage(req.method, req.target, parts->timestamp, parts->nonce_str, body),
      parts->signature);
  if (!v) {
    return SignError(
        "the signature does not verify: check the method, URL (path and query exactly as sent), "
        "timestamp, nonce, body and the merchant private key");
  }
  // Only after the signature is known good, so that forged requests cannot burn nonces.
  if (!nonces_.Insert(merchant.mchid, parts->nonce_str, now)) {
    return SignError("nonce_str was already used within the last 5 minutes (replayed request)");
  }
  call.merchant = &merchant;
  return std::nullopt;
}

std::optional<V3Reply> Engine::ReadBody(const WireRequest& req, V3Call& call) {
  const catalog::Endpoint& ep = *call.endpoint;
  if (ep.request_kind == catalog::RequestKind::kMultipart) {
    // The parts by name, as the validator wants them: `meta` is JSON text (its schema is checked
    // inside), a file part is only a placeholder (its bytes are not needed).
    if (req.form.empty()) {
      if (!req.body.empty()) {
        return V3Reply::Err(400, "PARAM_ERROR", "a multipart/form-data body is required", "meta");
      }
      return std::nullopt;
    }
    call.body = Json::object();
    for (const testing::MultipartPart& part : req.form) {
      if (!part.filename.empty() || part.name == "file") {
        call.body[part.name] = "(" + std::to_string(part.data.size()) + " bytes)";
      } else if (IsValidUtf8(part.data)) {
        call.body[part.name] = part.data;
      } else {
        return V3Reply::Err(400, "PARAM_ERROR", "form part " + part.name + " is not UTF-8 text",
                            "body");
      }
    }
    return std::nullopt;
  }
  if (ep.request_kind != catalog::RequestKind::kJson) {
    return std::nullopt;  // no body expected; whatever came was covered by the signature
  }
  if (req.body.empty()) return std::nullopt;  // validation reports required fields
  std::string ct = ToLowerAscii(req.headers.Get("Content-Type"));
  if (ct.find("application/json") == std::string::npos) {
    return V3Reply::Err(415, "INVALID_REQUEST",
                        "Content-Type must be application/json for this API");
  }
  if (!IsValidUtf8(req.body)) {
    return V3Reply::Err(400, "PARAM_ERROR", "the request body is not valid UTF-8", "body");
  }
  auto j = ParseJson(req.body);
  if (!j) return V3Reply::Err(400, "PARAM_ERROR", "the request body is not valid JSON", "body");
  if (!j->is_object()) {
    return V3Reply::Err(400, "PARAM_ERROR", "the request body must be a JSON object", "body");
  }
  call.body = std::move(*j);
  return std::nullopt;
}

std::optional<V3Reply> Engine::ValidateRequest(V3Call& call) {
  catalog::RequestParts parts;
  parts.path_params = call.params;
  parts.query = call.query;
  nlohmann::json plain;
  if (!call.body.is_null()) {
    plain = call.body;
    parts.body = &plain;
  } else if (call.endpoint->body && call.endpoint->body->type == catalog::FieldType::kObject) {
    // No body at all: report its required members rather than "body is missing".
    plain = nlohmann::json::object();
    parts.body = &plain;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : call.wire->headers) headers.emplace_back(k, v);
  parts.headers = std::move(headers);
  auto violations = catalog::Validate(*call.endpoint, parts);
  // Wechatpay-Serial matters only for decrypting sensitive fields: DecryptFields asks for it when
  // an encrypted field is actually sent (WeChat Pay does not refuse a plain order without it).
  violations.erase(std::remove_if(violations.begin(), violations.end(),
                                  [](const catalog::Violation& v) {
                                    return EqualsIgnoreCase(v.path, "header.Wechatpay-Serial");
                                  }),
                   violations.end());
  if (violations.empty()) return std::nullopt;
  const catalog::Violation& v = violations.front();
  std::string location = "body";
  std::string field = v.path;
  for (const char* prefix : {"query", "path", "header"}) {
    std::string p = std::string(prefix) + ".";
    if (StartsWith(field, p)) {
      location = prefix;
      field = field.substr(p.size());
    }
  }
  V3Reply r = V3Reply::Err(400, "PARAM_ERROR", v.path + ": " + v.message, field, location);
  r.body["detail"]["issue"] = v.rule;
  if (violations.size() > 1) {
    Json all = Json::array();
    for (const auto& x : violations) {
      all.push_back({{"field", x.path}, {"rule", x.rule}, {"message", x.message}});
      if (all.size() >= 20) break;
    }
    r.body["detail"]["violations"] = std::move(all);
  }
  return r;
}

std::optional<V3Reply> Engine::DecryptFields(const WireRequest& req, V3Call& call) {
  const auto& fields = call.endpoint->encrypted_fields;
  if (fields.empty()) return std::nullopt;
  const std::string* serial = req.headers.Find("Wechatpay-Serial");
  const PrivateKey* key = serial ? PrivateKeyFor(*serial) : nullptr;
  std::string failed;
  bool need_key = false;
  auto decrypt = [&](Json& v) -> bool {
    need_key = true;
    if (!key) return false;
    auto plain = crypto::RsaOaepDecrypt(*key, v.get<std::string>());
    if (!plain || !IsValidUtf8(*plain)) return false;
    v = std::move(*plain);
    return true;
  };
  for (std::string_view f : fields) {
    if (StartsWith(f, "query:")) {
      std::string name(f.substr(6));
      for (auto& [k, v] : call.query) {
        if (k != name || v.empty()) continue;
        Json tmp = v;
        if (!decrypt(tmp)) {
          failed = "query." + name;
          break;
        }
        v = tmp.get<std::string>();
      }
    } else if (!call.body.is_null()) {
      bool found = false;
      if (!WalkEncrypted(call.body, f, decrypt, &found)) failed = std::string(f);
    }
    if (!failed.empty()) break;
  }
  if (failed.empty()) return std::nullopt;
  if (need_key && !key) {
    if (!serial) {
      return V3Reply::Err(400, "PARAM_ERROR",
                          "encrypted field " + failed +
                              " needs the Wechatpay-Serial header naming the key it was "
                              "encrypted with",
                          "Wechatpay-Serial", "header");
    }
    return V3Reply::Err(400, "PARAM_ERROR",
                        "Wechatpay-Serial names no platform certificate or public key of this "
                        "sandbox",
                        "Wechatpay-Serial", "header");
  }
  return V3Reply::Err(400, "PARAM_ERROR",
                      failed +
                          " cannot be decrypted with the key named by Wechatpay-Serial "
                          "(RSA-OAEP, SHA-1/MGF1)",
                      failed);
}

V3Reply Engine::Dispatch(V3Call& call) {
  static const std::unordered_map<std::string_view, Handler> kHandlers = {
      {"POST v3/pay/transactions/native",
       [](Engine& e, V3Call& c) { return e.CreateOrder(c, "NATIVE"); }},
      {"POST v3/pay/transactions/jsapi",
       [](Engine& e, V3Call& c) { return e.CreateOrder(c, "JSAPI"); }},
      {"POST v3/pay/transactions/app",
       [](Engine& e, V3Call& c) { return e.CreateOrder(c, "APP"); }},
      {"POST v3/pay/transactions/h5",
       [](Engine& e, V3Call& c) { return e.CreateOrder(c, "MWEB"); }},
      {"GET v3/pay/transactions/id/{transaction_id}",
       [](Engine& e, V3Call& c) { return e.QueryOrder(c, true); }},
      {"GET v3/pay/transactions/out-trade-no/{out_trade_no}",
       [](Engine& e, V3Call& c) { return e.QueryOrder(c, false); }},
      {"POST v3/pay/transactions/out-trade-no/{out_trade_no}/close",
       [](Engine& e, V3Call& c) { return e.CloseOrder(c); }},
      {"POST v3/refund/domestic/refunds", [](Engine& e, V3Call& c) { return e.CreateRefund(c); }},
      {"GET v3/refund/domestic/refunds/{out_refund_no}",
       [](Engine& e, V3Call& c) { return e.QueryRefund(c); }},
      {"GET v3/certificates", [](Engine& e, V3Call& c) { return e.Certificates(c); }},
      {"POST v3/merchant-risk-manage/report-trade-union-information",
       [](Engine& e, V3Call& c) { return e.ReportTradeUnion(c); }},
      {"GET v3/merchant-risk-manage/trade-risk-information",
       [](Engine& e, V3Call& c) { return e.TradeRiskInformation(c); }},
      {"POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}",
       [](Engine& e, V3Call& c) { return e.CreateBlockSubmission(c); }},
      {"GET v3/transaction-block/transaction-block-submissions/{block_submission_id}",
       [](Engine& e, V3Call& c) { return e.QueryBlockSubmission(c); }},
  };
  auto it = kHandlers.find(call.endpoint->id);
  if (it != kHandlers.end()) return it->second(*this, call);
  if (call.endpoint->request_kind == catalog::RequestKind::kMultipart) {
    std::string sha256_hex;
    if (auto err = CheckUpload(call, &sha256_hex)) return std::move(*err);
    V3Reply r = Generic(call);
    FillUploadIds(r.body, sha256_hex);
    return r;
  }
  return Generic(call);
}

V3Reply Engine::Certificates(V3Call& call) {
  const Merchant& m = *call.merchant;
  if (m.apiv3_key.size() != 32) {
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "the merchant has no APIv3 key configured in merchants.json");
  }
  std::string nonce = crypto::RandomNonce(12);
  auto ct =
      crypto::AesGcmEncrypt(m.apiv3_key.view(), nonce, "certificate", id_.platform_cert.ToPem());
  if (!ct) return V3Reply::Err(500, "SYSTEM_ERROR", "cannot encrypt the certificate");
  Json item = Json::object();
  item["serial_no"] = id_.platform_cert.serial();
  item["effective_time"] = FormatRfc3339(id_.platform_cert.not_before());
  item["expire_time"] = FormatRfc3339(id_.platform_cert.not_after());
  item["encrypt_certificate"] = {{"algorithm", "AEAD_AES_256_GCM"},
                                 {"nonce", nonce},
                                 {"associated_data", "certificate"},
                                 {"ciphertext", *ct}};
  Json body = Json::object();
  body["data"] = Json::array({item});
  return V3Reply::Ok(std::move(body));
}

namespace {
// Copies identifying request values into a synthesized response where the names agree, so that
// e.g. a query by out_trade_no answers with that out_trade_no.
void EchoIdentifiers(const catalog::FieldSchema& schema, const V3Call& call, Json& body) {
  if (!body.is_object()) return;
  for (const catalog::FieldSchema* f : schema.fields) {
    if (f->type != catalog::FieldType::kString || !f->enum_values.empty() ||
        f->constraints.pattern) {
      continue;
    }
    std::string name(f->name);
    bool id_like =
        name == "mchid" || name == "sp_mchid" || name == "sub_mchid" || name == "appid" ||
        name == "sp_appid" || name == "sub_appid" || StartsWith(name, "out_") ||
        (name.size() > 3 &&
         (name.substr(name.size() - 3) == "_id" || name.substr(name.size() - 3) == "_no"));
    if (!id_like) continue;
    std::string value = call.Param(name);
    if (value.empty()) value = call.Query(name);
    if (value.empty() && call.body.is_object()) {
      auto it = call.body.find(name);
      if (it != call.body.end() && it->is_string()) value = it->get<std::string>();
    }
    if (value.empty() && name == "mchid" && call.merchant) value = call.merchant->mchid;
    if (value.empty()) continue;
    if (f->constraints.max_length && Utf8Length(value) > *f->constraints.max_length) continue;
    if (f->constraints.min_length && Utf8Length(value) < *f->constraints.min_length) continue;
    body[name] = value;
  }
}
}  // namespace

V3Reply Engine::Generic(V3Call& call) {
  const catalog::Endpoint& ep = *call.endpoint;
  int status = ep.response.status > 0 ? ep.response.status : 200;
  switch (ep.response_kind) {
    case catalog::ResponseKind::kEmpty:
      return V3Reply::Empty(status == 200 ? 204 : status);
    case catalog::ResponseKind::kBinary: {
      V3Reply r;
      r.status = 200;
      r.raw = "wxpay sandbox file for " + std::string(ep.id) + "\n";
      r.raw_content_type = "application/octet-stream";
      r.sign = false;  // downloads are checked by digest, not signed
      return r;
    }
    case catalog::ResponseKind::kHtml:
    case catalog::ResponseKind::kRedirect: {
      V3Reply r;
      r.status = 200;
      r.raw = "<!doctype html><title>wxpay sandbox</title>";
      r.raw_content_type = "text/html; charset=utf-8";
      return r;
    }
    case catalog::ResponseKind::kJson:
    case catalog::ResponseKind::kXml:
      break;
  }
  nlohmann::json sample = wechatpay::testing::SynthesizeResponse(ep);
  Json body = sample.is_null() ? Json::object() : Json(sample);
  if (ep.response.schema) EchoIdentifiers(*ep.response.schema, call, body);
  return V3Reply::Ok(std::move(body), status);
}

}  // namespace wechatpay::sandbox
