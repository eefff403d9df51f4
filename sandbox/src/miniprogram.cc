// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The mini-program server API: access tokens (GET /cgi-bin/token, POST /cgi-bin/stable_token)
// and POST /user-order/combine-orders with the page's rules and error codes (the library's
// wechatpay/miniprogram.h, shared with the client). Every answer is HTTP 200 with
// {"errcode", "errmsg"} as WeChat does.
#include "wechatpay/miniprogram.h"
#include "engine.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

namespace wechatpay::sandbox {

namespace {

constexpr int64_t kTokenLifetime = 7200;

WireResponse JsonResponse(int status, const Json& body) {
  WireResponse res;
  res.status = status;
  res.body = DumpJson(body);
  res.headers.Set("Content-Type", "application/json; encoding=utf-8");
  return res;
}

WireResponse ErrCode(int64_t code, const std::string& msg) {
  Json j = Json::object();
  j["errcode"] = code;
  j["errmsg"] = msg + " rid: " + ToLowerAscii(RandomHex(12));
  return JsonResponse(200, j);
}

const Json* Member(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* obj, const char* name) {
  const Json* v = obj ? Member(*obj, name) : nullptr;
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string MainKey(const Json& b) {
  const Json* k = Member(b, "order_key");
  const Json* type = k ? Member(*k, "order_number_type") : nullptr;
  if (type && miniprogram::OrderNumberType(*type) == 2) return "tx:" + Str(k, "transaction_id");
  return "mch:" + Str(k, "mchid") + "/" + Str(k, "out_trade_no");
}

}  // namespace

Json Engine::IssueToken(const std::string& appid, bool stable, bool force_refresh) {
  // mu_ is held by the caller.
  int64_t now = Now();
  const char* kind = stable ? "stable" : "token";
  std::vector<std::string> drop;
  for (const auto& [token, t] : tokens_->items()) {
    if (t.value("appid", std::string()) != appid) continue;
    int64_t expires = t.value("expires_at", int64_t{0});
    if (t.value("kind", std::string()) != kind) {
      if (expires + 86400 < now) drop.push_back(token);
      continue;
    }
    if (stable && !force_refresh && expires > now) {
      Json res = Json::object();
      res["access_token"] = token;
      res["expires_in"] = expires - now;
      return res;
    }
    drop.push_back(token);  // a new token invalidates the previous one
  }
  for (const auto& t : drop) (void)tokens_->Erase(t);
  std::string token = "SBX_" + crypto::RandomNonce(96);
  Json rec = Json::object();
  rec["appid"] = appid;
  rec["kind"] = kind;
  rec["issued_at"] = now;
  rec["expires_at"] = now + kTokenLifetime;
  if (Status s = tokens_->Put(token, rec); !s) return Json();
  Json res = Json::object();
  res["access_token"] = token;
  res["expires_in"] = kTokenLifetime;
  return res;
}

WireResponse Engine::HandleMiniProgram(const WireRequest& req, const std::string& path,
                                       const std::string& raw_query,
                                       const FaultTable::Applied& fault) {
  if (fault.status != 0) {
    return JsonResponse(fault.status, Json{{"errcode", -1}, {"errmsg", "system error"}});
  }
  QueryList query = ParseQuery(raw_query);
  auto q = [&](const char* name) {
    const std::string* v = FindQuery(query, name);
    return v ? *v : std::string();
  };

  if (path == "/cgi-bin/token" || path == "/cgi-bin/stable_token") {
    bool stable = path == "/cgi-bin/stable_token";
    if (stable && req.method != "POST") return ErrCode(43002, "require POST method");
    if (!stable && req.method != "GET") return ErrCode(43001, "require GET method");
    std::string grant_type, appid, secret;
    bool force_refresh = false;
    if (stable) {
      auto b = IsValidUtf8(req.body) ? ParseJson(req.body) : std::nullopt;
      if (!b || !b->is_object()) return ErrCode(47001, "data format error");
      grant_type = Str(&*b, "grant_type");
      appid = Str(&*b, "appid");
      secret = Str(&*b, "secret");
      const Json* fr = Member(*b, "force_refresh");
      force_refresh = fr && fr->is_boolean() && fr->get<bool>();
    } else {
      grant_type = q("grant_type");
      appid = q("appid");
      secret = q("secret");
    }
    if (grant_type != "client_credential") return ErrCode(40002, "invalid grant_type");
    if (appid.empty()) return ErrCode(41002, "appid missing");
    if (secret.empty()) return ErrCode(41004, "appsecret missing");
    auto app = id_.apps.find(appid);
    if (app == id_.apps.end()) return ErrCode(40013, "invalid appid");
    if (!crypto::ConstantTimeEquals(secret, app->second.appsecret.view())) {
      return ErrCode(40125, "invalid appsecret");
    }
    std::lock_guard<std::mutex> lock(mu_);
    Json res = IssueToken(appid, stable, force_refresh);
    if (res.is_null()) return ErrCode(-1, "system error");
    return JsonResponse(200, res);
  }

  auto match = wechatpay::testing::MatchPath(catalog_, req.method, path);
  if (!match || match->endpoint->protocol != catalog::Protocol::kMiniProgram) {
    return JsonResponse(404, Json{{"errcode", 404}, {"errmsg", "invalid url"}});
  }

  // access_token first, as WeChat does.
  std::string token = q("access_token");
  if (token.empty()) return ErrCode(41001, "access_token missing");
  std::string appid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Json* t = tokens_->Get(token);
    if (!t) {
      return ErrCode(40001, "invalid credential, access_token is invalid or not latest");
    }
    if (t->value("expires_at", int64_t{0}) <= Now()) return ErrCode(42001, "access_token expired");
    appid = t->value("appid", std::string());
  }
  if (!IsValidUtf8(req.body)) return ErrCode(47001, "data format error");
  auto body = ParseJson(req.body);
  if (!body || !body->is_object()) return ErrCode(47001, "data format error");

  if (match->endpoint->id != "POST user-order/combine-orders") {
    nlohmann::json sample = wechatpay::testing::SynthesizeResponse(*match->endpoint);
    Json res = sample.is_null() ? Json::object() : Json(sample);
    res["errcode"] = 0;
    res["errmsg"] = "ok";
    return JsonResponse(200, res);
  }

  // The library's rules, the very ones the client applies before sending (wechatpay/miniprogram.h).
  nlohmann::json as_sent = *body;
  if (auto v = miniprogram::CheckCombineOrders(as_sent, appid)) {
    return ErrCode(v->errcode, v->message + " (" + v->path + ")");
  }
  nlohmann::json plain = miniprogram::NormalizeCombineOrderEnums(std::move(as_sent));
  catalog::RequestParts parts;
  parts.query = query;
  parts.body = &plain;
  auto violations = catalog::Validate(*match->endpoint, parts);
  if (!violations.empty()) {
    const auto& v = violations.front();
    return ErrCode(268435461, "参数错误 " + v.path + ": " + v.message);
  }
  std::string key = appid + "|" + MainKey(*body);
  std::string upload_time = (*body)["upload_time"].get<std::string>();
  int64_t upload = ParseRfc3339(upload_time).value_or(0);
  std::lock_guard<std::mutex> lock(mu_);
  if (const Json* prev = combine_->Get(key)) {
    if (prev->value("upload_unix", int64_t{0}) >= upload) {
      return ErrCode(268435461, "参数错误: upload_time must be later than the previous upload");
    }
  }
  Json rec = Json::object();
  rec["appid"] = appid;
  rec["upload_unix"] = upload;
  rec["order"] = *body;
  rec["received_time"] = FormatRfc3339(Now());
  if (Status s = combine_->Put(key, rec); !s) return ErrCode(-1, "system error");
  return JsonResponse(200, Json{{"errcode", 0}, {"errmsg", "ok"}});
}

}  // namespace wechatpay::sandbox
