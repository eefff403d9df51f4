// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/miniprogram.h"

namespace wechatpay::miniprogram {

namespace {

using Json = nlohmann::json;

const Json* Member(const Json* obj, const char* name) {
  if (obj == nullptr || !obj->is_object()) return nullptr;
  auto it = obj->find(name);
  return it == obj->end() || it->is_null() ? nullptr : &*it;
}

std::string Str(const Json* obj, const char* name) {
  const Json* v = Member(obj, name);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int FromTable(const Json& v, std::initializer_list<std::pair<const char*, int>> names, int max) {
  if (v.is_number_integer()) {
    int64_t x = v.get<int64_t>();
    return x >= 1 && x <= max ? static_cast<int>(x) : 0;
  }
  if (v.is_string()) {
    for (const auto& [name, n] : names) {
      if (v.get_ref<const std::string&>() == name) return n;
    }
  }
  return 0;
}

RuleViolation V(int64_t code, std::string path, std::string message) {
  return RuleViolation{code, std::move(path), std::move(message)};
}

std::optional<RuleViolation> CheckOrderKey(const Json* key, int expected, const std::string& at) {
  const Json* t = Member(key, "order_number_type");
  int type = t != nullptr ? OrderNumberType(*t) : 0;
  if (type == 0) return V(268485194, at + ".order_number_type", "订单单号类型非法");
  if (expected != 0 && type != expected) {
    return V(268485253, at + ".order_number_type",
             "上传的合单购物详情主单的订单单号类型与子单的单号类型不一致");
  }
  if (type == 2 && Str(key, "transaction_id").empty()) {
    return V(268485195, at + ".transaction_id", "微信支付单号形式下transaction_id字段必须设置");
  }
  if (type == 1) {
    if (Str(key, "mchid").empty()) {
      return V(268485196, at + ".mchid", "商户侧单号形式下mchid字段必须设置");
    }
    if (Str(key, "out_trade_no").empty()) {
      return V(268485197, at + ".out_trade_no", "商户侧单号形式out_trade_no字段必须设置");
    }
  }
  std::string mchid = Str(key, "mchid");
  if (!mchid.empty() && (!Digits(mchid) || mchid.size() < 8 || mchid.size() > 12)) {
    return V(268485217, at + ".mchid", "商户号不合法,请确认后重试");
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckLink(const Json* link, const std::string& at, bool item,
                                       std::string_view appid) {
  if (link == nullptr || !link->is_object()) {
    if (item) return V(268485272, at, "商品详情链接不能为空");
    return V(268435461, at, "参数错误: 缺少链接");
  }
  const Json* t = Member(link, "type");
  int type = t != nullptr ? LinkType(*t) : 0;
  if (type == 0) return V(268485202, at + ".type", "链接类型非法");
  if (type == 2) {
    if (Str(link, "appid").empty())
      return V(268485204, at + ".appid", "链接类型为小程序时,appid不能为空");
    if (Str(link, "path").empty())
      return V(268485205, at + ".path", "链接类型为小程序时,path不能为空");
    if (!appid.empty() && Str(link, "appid") != appid) {
      return V(268435461, at + ".appid", "参数错误: 小程序链接的appid必须是调用接口的appid");
    }
  } else if (Str(link, "url").empty()) {
    return V(268485206, at + ".url", "链接类型为URL时,需要设置url");
  }
  return std::nullopt;
}

}  // namespace

int OrderNumberType(const nlohmann::json& v) {
  return FromTable(v, {{"MERCHANT_TRADE_NUMBER", 1}, {"WXPAY_TRADE_NUMBER", 2}}, 2);
}
int LinkType(const nlohmann::json& v) {
  return FromTable(v, {{"URL", 1}, {"MINI_PROGRAM", 2}, {"MINIAPP", 2}}, 2);
}
int LogisticsType(const nlohmann::json& v) {
  return FromTable(
      v, {{"PHYSICAL_LOGISTICS", 1}, {"LOCATION_BASED_LOGISTICS", 2}, {"VIRTUAL_GOODS", 3}}, 3);
}

bool IsRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t pos, size_t n) {
    if (pos + n > s.size()) return false;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' ||
      !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  int hour = (s[11] - '0') * 10 + (s[12] - '0');
  int minute = (s[14] - '0') * 10 + (s[15] - '0');
  int second = (s[17] - '0') * 10 + (s[18] - '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    return i + 6 == s.size() && digits(i + 1, 2) && s[i + 3] == ':' && digits(i + 4, 2);
  }
  return false;
}

std::optional<RuleViolation> CheckCombineOrders(const nlohmann::json& b, std::string_view appid) {
  const Json* payer = Member(&b, "payer");
  std::string openid = Str(payer, "openid");
  if (openid.empty()) return V(268485192, "payer.openid", "用户标识openid为空");
  for (char c : openid) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-';
    if (!ok || openid.size() > 128) return V(268457013, "payer.openid", "解码openid失败");
  }
  if (openid.find_first_not_of('0') == std::string::npos) {
    return V(268457014, "payer.openid", "openid解码后为0");
  }
  const Json* upload = Member(&b, "upload_time");
  if (upload == nullptr || !upload->is_string() || upload->get_ref<const std::string&>().empty()) {
    return V(268485214, "upload_time", "上传时间必须设置");
  }
  if (!IsRfc3339(upload->get_ref<const std::string&>())) {
    return V(268485216, "upload_time", "上传时间非法,请按照Rfc3399格式填写");
  }
  const Json* main_key = Member(&b, "order_key");
  if (main_key == nullptr || !main_key->is_object()) {
    return V(268435461, "order_key", "参数错误: 缺少order_key");
  }
  if (auto r = CheckOrderKey(main_key, 0, "order_key")) return r;
  int main_type = OrderNumberType((*main_key)["order_number_type"]);
  const Json* subs = Member(&b, "sub_orders");
  if (subs == nullptr || !subs->is_array() || subs->empty()) {
    return V(268435461, "sub_orders", "参数错误: sub_orders不能为空");
  }
  size_t si = 0;
  for (const Json& sub : *subs) {
    std::string at = "sub_orders[" + std::to_string(si++) + "]";
    if (!sub.is_object()) return V(268435461, at, "参数错误: 子单必须是对象");
    const Json* key = Member(&sub, "order_key");
    if (key == nullptr || !key->is_object()) {
      return V(268435461, at + ".order_key", "参数错误: 缺少order_key");
    }
    if (auto r = CheckOrderKey(key, main_type, at + ".order_key")) return r;
    if (OrderNumberType((*key)["order_number_type"]) == 1 &&
        Str(&sub, "merchant_order_no").empty()) {
      return V(268485201, at + ".merchant_order_no", "商户交易订单编号为空");
    }
    if (auto r = CheckLink(Member(&sub, "order_detail_jump_link"), at + ".order_detail_jump_link",
                           false, appid)) {
      return r;
    }
    const Json* items = Member(&sub, "item_list");
    if (items == nullptr || !items->is_array() || items->empty()) {
      return V(268485211, at + ".item_list", "订单购买的商品列表不能为空");
    }
    size_t with_id = 0, ii = 0;
    for (const Json& item : *items) {
      std::string iat = at + ".item_list[" + std::to_string(ii++) + "]";
      if (!item.is_object()) return V(268435461, iat, "参数错误: 商品必须是对象");
      if (!Str(&item, "merchant_item_id").empty()) ++with_id;
      if (Str(&item, "name").empty()) return V(268485207, iat + ".name", "商品名称不能为空");
      if (Member(&item, "unit_price") == nullptr) {
        return V(268485208, iat + ".unit_price", "商品单价不能为空");
      }
      if (Member(&item, "quantity") == nullptr) {
        return V(268485209, iat + ".quantity", "购买数量不能为空");
      }
      const Json* images = Member(&item, "image_url");
      if (images == nullptr || !images->is_array() || images->empty()) {
        return V(268485210, iat + ".image_url", "商品图片链接不能为空");
      }
      if (auto r = CheckLink(Member(&item, "item_detail_jump_link"), iat + ".item_detail_jump_link",
                             true, appid)) {
        return r;
      }
    }
    if (with_id != 0 && with_id != items->size()) {
      return V(268485213, at + ".item_list", "订单购买的商品列表中的商户侧商品ID必须全部设置");
    }
    const Json* logistics = Member(&sub, "logistics_type");
    if (logistics != nullptr && LogisticsType(*logistics) == 0) {
      return V(268435461, at + ".logistics_type", "参数错误: logistics_type必须是1、2或3");
    }
  }
  return std::nullopt;
}

nlohmann::json NormalizeCombineOrderEnums(nlohmann::json b) {
  auto fix_key = [](Json& key) {
    if (key.is_object() && key.contains("order_number_type")) {
      int n = OrderNumberType(key["order_number_type"]);
      if (n != 0) key["order_number_type"] = n;
    }
  };
  auto fix_link = [](Json& link) {
    if (link.is_object() && link.contains("type")) {
      int n = LinkType(link["type"]);
      if (n != 0) link["type"] = n;
    }
  };
  if (!b.is_object()) return b;
  if (b.contains("order_key")) fix_key(b["order_key"]);
  if (!b.contains("sub_orders") || !b["sub_orders"].is_array()) return b;
  for (Json& sub : b["sub_orders"]) {
    if (!sub.is_object()) continue;
    if (sub.contains("order_key")) fix_key(sub["order_key"]);
    if (sub.contains("order_detail_jump_link")) fix_link(sub["order_detail_jump_link"]);
    if (sub.contains("logistics_type")) {
      int n = LogisticsType(sub["logistics_type"]);
      if (n != 0) sub["logistics_type"] = n;
    }
    if (!sub.contains("item_list") || !sub["item_list"].is_array()) continue;
    for (Json& item : sub["item_list"]) {
      if (item.is_object() && item.contains("item_detail_jump_link")) {
        fix_link(item["item_detail_jump_link"]);
      }
    }
  }
  return b;
}

}  // namespace wechatpay::miniprogram
