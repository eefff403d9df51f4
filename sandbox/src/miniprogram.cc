// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The mini-program server API: access tokens (GET /cgi-bin/token, POST /cgi-bin/stable_token)
// and POST /user-order/combine-orders with the page's rules and error codes. Every answer is HTTP
// 200 with {"errcode", "errmsg"} as WeChat does.
#include "engine.h"
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

// order_number_type: 1 merchant order number, 2 WeChat Pay transaction id. The page's example
// spells them MERCHANT_TRADE_NUMBER / WXPAY_TRADE_NUMBER; both forms are accepted. 0: invalid.
int OrderType(const Json* key) {
  const Json* t = key ? Member(*key, "order_number_type") : nullptr;
  if (!t) return 0;
  if (t->is_number_integer()) {
    int64_t v = t->get<int64_t>();
    return v == 1 || v == 2 ? static_cast<int>(v) : 0;
  }
  if (t->is_string()) {
    if (t->get<std::string>() == "MERCHANT_TRADE_NUMBER") return 1;
    if (t->get<std::string>() == "WXPAY_TRADE_NUMBER") return 2;
  }
  return 0;
}

// Link type, per the page's field table: 1 URL, 2 MINI_PROGRAM (strings accepted). 0: invalid.
int LinkType(const Json* link) {
  const Json* t = link ? Member(*link, "type") : nullptr;
  if (!t) return 0;
  if (t->is_number_integer()) {
    int64_t v = t->get<int64_t>();
    return v == 1 || v == 2 ? static_cast<int>(v) : 0;
  }
  if (t->is_string()) {
    if (t->get<std::string>() == "URL") return 1;
    if (t->get<std::string>() == "MINI_PROGRAM" || t->get<std::string>() == "MINIAPP") return 2;
  }
  return 0;
}

int LogisticsType(const Json* v) {
  if (!v) return 1;
  if (v->is_number_integer()) {
    int64_t x = v->get<int64_t>();
    return x >= 1 && x <= 3 ? static_cast<int>(x) : 0;
  }
  if (v->is_string()) {
    const std::string& s = v->get<std::string>();
    if (s == "PHYSICAL_LOGISTICS") return 1;
    if (s == "LOCATION_BASED_LOGISTICS") return 2;
    if (s == "VIRTUAL_GOODS") return 3;
  }
  return 0;
}

struct Rule {
  int64_t code = 0;
  std::string msg;
};

std::optional<Rule> CheckOrderKey(const Json* key, int expected_type, const std::string& where) {
  int type = OrderType(key);
  if (type == 0) return Rule{268485194, "订单单号类型非法 (" + where + ".order_number_type)"};
  if (expected_type != 0 && type != expected_type) {
    return Rule{268485253, "上传的合单购物详情主单的订单单号类型与子单的单号类型不一致"};
  }
  if (type == 2 && Str(key, "transaction_id").empty()) {
    return Rule{268485195, "微信支付单号形式下transaction_id字段必须设置 (" + where + ")"};
  }
  if (type == 1) {
    if (Str(key, "mchid").empty()) {
      return Rule{268485196, "商户侧单号形式下mchid字段必须设置 (" + where + ")"};
    }
    if (Str(key, "out_trade_no").empty()) {
      return Rule{268485197, "商户侧单号形式out_trade_no字段必须设置 (" + where + ")"};
    }
  }
  std::string mchid = Str(key, "mchid");
  if (!mchid.empty() && (!IsDigits(mchid) || mchid.size() < 8 || mchid.size() > 12)) {
    return Rule{268485217, "商户号不合法,请确认后重试 (" + where + ".mchid)"};
  }
  return std::nullopt;
}

std::optional<Rule> CheckLink(const Json* link, const std::string& where, bool is_item,
                              const std::string& appid) {
  if (!link || !link->is_object()) {
    if (is_item) return Rule{268485272, "商品详情链接不能为空 (" + where + ")"};
    return Rule{268435461, "参数错误: " + where + " is required"};
  }
  int type = LinkType(link);
  if (type == 0) return Rule{268485202, "链接类型非法 (" + where + ".type)"};
  if (type == 2) {
    if (Str(link, "appid").empty()) {
      return Rule{268485204, "链接类型为小程序时,appid不能为空 (" + where + ")"};
    }
    if (Str(link, "path").empty()) {
      return Rule{268485205, "链接类型为小程序时,path不能为空 (" + where + ")"};
    }
    if (Str(link, "appid") != appid) {
      return Rule{268435461, "参数错误: " + where + ".appid must be the appid calling the API"};
    }
  } else if (Str(link, "url").empty()) {
    return Rule{268485206, "链接类型为URL时,需要设置url (" + where + ")"};
  }
  return std::nullopt;
}

std::optional<Rule> CheckCombineOrder(const Json& b, const std::string& appid) {
  const Json* payer = Member(b, "payer");
  std::string openid = Str(payer, "openid");
  if (openid.empty()) return Rule{268485192, "用户标识openid为空"};
  for (char c : openid) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-';
    if (!ok || openid.size() > 128) return Rule{268457013, "解码openid失败"};
  }
  if (openid.find_first_not_of('0') == std::string::npos) return Rule{268457014, "openid解码后为0"};
  const Json* upload = Member(b, "upload_time");
  if (!upload || !upload->is_string() || upload->get<std::string>().empty()) {
    return Rule{268485214, "上传时间必须设置"};
  }
  if (!ParseRfc3339(upload->get<std::string>())) {
    return Rule{268485216, "上传时间非法,请按照Rfc3399格式填写"};
  }
  const Json* main_key = Member(b, "order_key");
  if (!main_key || !main_key->is_object()) {
    return Rule{268435461, "参数错误: order_key is required"};
  }
  if (auto r = CheckOrderKey(main_key, 0, "order_key")) return r;
  int main_type = OrderType(main_key);
  const Json* subs = Member(b, "sub_orders");
  if (!subs || !subs->is_array() || subs->empty()) {
    return Rule{268435461, "参数错误: sub_orders must be a non-empty array"};
  }
  size_t si = 0;
  for (const Json& sub : *subs) {
    std::string where = "sub_orders[" + std::to_string(si++) + "]";
    if (!sub.is_object()) return Rule{268435461, "参数错误: " + where + " must be an object"};
    const Json* key = Member(sub, "order_key");
    if (!key || !key->is_object()) {
      return Rule{268435461, "参数错误: " + where + ".order_key is required"};
    }
    if (auto r = CheckOrderKey(key, main_type, where + ".order_key")) return r;
    if (OrderType(key) == 1 && Str(&sub, "merchant_order_no").empty()) {
      return Rule{268485201, "商户交易订单编号为空 (" + where + ".merchant_order_no)"};
    }
    if (auto r = CheckLink(Member(sub, "order_detail_jump_link"), where + ".order_detail_jump_link",
                           false, appid)) {
      return r;
    }
    const Json* items = Member(sub, "item_list");
    if (!items || !items->is_array() || items->empty()) {
      return Rule{268485211, "订单购买的商品列表不能为空 (" + where + ".item_list)"};
    }
    size_t with_id = 0;
    size_t ii = 0;
    for (const Json& item : *items) {
      std::string iw = where + ".item_list[" + std::to_string(ii++) + "]";
      if (!item.is_object()) return Rule{268435461, "参数错误: " + iw + " must be an object"};
      if (!Str(&item, "merchant_item_id").empty()) ++with_id;
      if (Str(&item, "name").empty()) return Rule{268485207, "商品名称不能为空 (" + iw + ")"};
      if (!Member(item, "unit_price")) return Rule{268485208, "商品单价不能为空 (" + iw + ")"};
      if (!Member(item, "quantity")) return Rule{268485209, "购买数量不能为空 (" + iw + ")"};
      const Json* images = Member(item, "image_url");
      if (!images || !images->is_array() || images->empty()) {
        return Rule{268485210, "商品图片链接不能为空 (" + iw + ")"};
      }
      if (auto r = CheckLink(Member(item, "item_detail_jump_link"), iw + ".item_detail_jump_link",
                             true, appid)) {
        return r;
      }
    }
    if (with_id != 0 && with_id != items->size()) {
      return Rule{268485213, "订单购买的商品列表中的商户侧商品ID必须全部设置 (" + where + ")"};
    }
    if (LogisticsType(Member(sub, "logistics_type")) == 0) {
      return Rule{268435461, "参数错误: " + where + ".logistics_type must be 1, 2 or 3"};
    }
  }
  return std::nullopt;
}

// The request with the page example's enum spellings turned into the table's numbers, for the
// schema check.
void NormalizeEnums(Json& b) {
  auto fix_key = [](Json* key) {
    if (key && key->is_object() && key->contains("order_number_type")) {
      (*key)["order_number_type"] = OrderType(key);
    }
  };
  auto fix_link = [](Json* link) {
    if (link && link->is_object() && link->contains("type")) (*link)["type"] = LinkType(link);
  };
  if (b.contains("order_key")) fix_key(&b["order_key"]);
  if (!b.contains("sub_orders") || !b["sub_orders"].is_array()) return;
  for (Json& sub : b["sub_orders"]) {
    if (!sub.is_object()) continue;
    if (sub.contains("order_key")) fix_key(&sub["order_key"]);
    if (sub.contains("order_detail_jump_link")) fix_link(&sub["order_detail_jump_link"]);
    if (sub.contains("logistics_type"))
      sub["logistics_type"] = LogisticsType(&sub["logistics_type"]);
    if (!sub.contains("item_list") || !sub["item_list"].is_array()) continue;
    for (Json& item : sub["item_list"]) {
      if (item.is_object() && item.contains("item_detail_jump_link")) {
        fix_link(&item["item_detail_jump_link"]);
      }
    }
  }
}

std::string MainKey(const Json& b) {
  const Json* k = Member(b, "order_key");
  if (OrderType(k) == 2) return "tx:" + Str(k, "transaction_id");
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

  auto match = catalog_.Match(req.method, path);
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
    nlohmann::json sample = catalog::SynthesizeResponse(*match->endpoint);
    Json res = sample.is_null() ? Json::object() : Json(sample);
    res["errcode"] = 0;
    res["errmsg"] = "ok";
    return JsonResponse(200, res);
  }

  if (auto rule = CheckCombineOrder(*body, appid)) return ErrCode(rule->code, rule->msg);
  Json normalized = *body;
  NormalizeEnums(normalized);
  catalog::RequestParts parts;
  parts.query = query;
  nlohmann::json plain = normalized;
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
