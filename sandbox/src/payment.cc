// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The payment flow: placing an order (native, JSAPI, APP, H5), querying and closing it, refunds,
// and the control operations that make an order paid or a refund complete, which queue the
// signed, encrypted callbacks.
#include "engine.h"

namespace wechatpay::sandbox {

namespace {

const Json* Member(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<int64_t> Int(const Json* v) {
  if (!v || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

V3Reply Missing(const std::string& field) {
  return V3Reply::Err(400, "PARAM_ERROR", "missing required field: " + field, field);
}

bool IsOutTradeNo(std::string_view s) {
  if (s.size() < 6 || s.size() > 32) return false;
  for (char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-' || c == '|' || c == '*';
    if (!ok) return false;
  }
  return true;
}

bool IsHttpUrl(std::string_view s) {
  return (StartsWith(s, "http://") || StartsWith(s, "https://")) && s.size() <= 256 &&
         s.find_first_of(" \t\r\n") == std::string_view::npos;
}

std::string TradeStateDesc(const std::string& state) {
  if (state == "SUCCESS") return "支付成功";
  if (state == "REFUND") return "转入退款";
  if (state == "NOTPAY") return "未支付";
  if (state == "CLOSED") return "已关闭";
  if (state == "REVOKED") return "已撤销";
  if (state == "USERPAYING") return "用户支付中";
  return "支付失败";
}

// The parts of an order request that make it "the same order" when it is placed again.
Json OrderIdentity(const Json& body) {
  Json id = Json::object();
  for (const char* k : {"appid", "mchid", "description", "notify_url", "attach"}) {
    id[k] = Str(body, k);
  }
  const Json* amount = Member(body, "amount");
  id["total"] = amount ? Int(Member(*amount, "total")).value_or(0) : 0;
  return id;
}

}  // namespace

Json Engine::OrderView(const Json& o) const {
  Json v = Json::object();
  v["appid"] = Str(o, "appid");
  v["mchid"] = Str(o, "mchid");
  v["out_trade_no"] = Str(o, "out_trade_no");
  std::string state = Str(o, "trade_state");
  if (!Str(o, "transaction_id").empty()) v["transaction_id"] = Str(o, "transaction_id");
  v["trade_type"] = Str(o, "trade_type");
  v["trade_state"] = state;
  v["trade_state_desc"] = TradeStateDesc(state);
  if (!Str(o, "bank_type").empty()) v["bank_type"] = Str(o, "bank_type");
  v["attach"] = Str(o, "attach");
  if (!Str(o, "success_time").empty()) v["success_time"] = Str(o, "success_time");
  Json payer = Json::object();
  if (!Str(o, "openid").empty()) payer["openid"] = Str(o, "openid");
  v["payer"] = payer;
  int64_t total = o.value("total", int64_t{0});
  Json amount = Json::object();
  amount["total"] = total;
  bool paid = state == "SUCCESS" || state == "REFUND";
  if (paid) amount["payer_total"] = total;
  amount["currency"] = o.value("currency", std::string("CNY"));
  amount["payer_currency"] = o.value("currency", std::string("CNY"));
  v["amount"] = amount;
  if (paid) v["promotion_detail"] = Json::array();
  return v;
}

V3Reply Engine::CreateOrder(V3Call& call, const std::string& trade_type) {
  const Json& b = call.body;
  if (!b.is_object()) return Missing("appid");
  for (const char* f : {"appid", "mchid", "description", "out_trade_no", "notify_url"}) {
    if (Str(b, f).empty()) return Missing(f);
  }
  const Json* amount = Member(b, "amount");
  auto total = amount ? Int(Member(*amount, "total")) : std::nullopt;
  if (!total) return Missing("amount.total");
  if (*total <= 0) {
    return V3Reply::Err(400, "PARAM_ERROR", "amount.total must be a positive number of fen",
                        "amount.total");
  }
  std::string currency = amount ? Str(*amount, "currency") : std::string();
  if (currency.empty()) currency = "CNY";
  if (currency != "CNY") {
    return V3Reply::Err(400, "PARAM_ERROR", "amount.currency must be CNY", "amount.currency");
  }
  std::string openid = Str(Member(b, "payer") ? *Member(b, "payer") : Json(), "openid");
  if (trade_type == "JSAPI" && openid.empty()) return Missing("payer.openid");
  if (trade_type == "MWEB") {
    const Json* scene = Member(b, "scene_info");
    if (!scene || Str(*scene, "payer_client_ip").empty())
      return Missing("scene_info.payer_client_ip");
    const Json* h5 = Member(*scene, "h5_info");
    if (!h5 || Str(*h5, "type").empty()) return Missing("scene_info.h5_info.type");
  }
  std::string mchid = Str(b, "mchid");
  if (mchid != call.merchant->mchid) {
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "mchid does not match the merchant in the Authorization header", "mchid");
  }
  std::string out_trade_no = Str(b, "out_trade_no");
  if (!IsOutTradeNo(out_trade_no)) {
    return V3Reply::Err(400, "PARAM_ERROR",
                        "out_trade_no must be 6-32 characters of [0-9A-Za-z_-|*]", "out_trade_no");
  }
  std::string notify_url = Str(b, "notify_url");
  if (!IsHttpUrl(notify_url)) {
    return V3Reply::Err(400, "PARAM_ERROR", "notify_url must be an http(s) URL", "notify_url");
  }
  std::string time_expire = Str(b, "time_expire");
  if (!time_expire.empty() && !ParseRfc3339(time_expire)) {
    return V3Reply::Err(400, "PARAM_ERROR", "time_expire must be RFC 3339", "time_expire");
  }

  Json identity = OrderIdentity(b);
  std::string key = OrderKey(mchid, out_trade_no);
  std::lock_guard<std::mutex> lock(mu_);
  Json order;
  if (const Json* existing = orders_->Get(key)) {
    std::string state = Str(*existing, "trade_state");
    if (state == "SUCCESS" || state == "REFUND") {
      return V3Reply::Err(403, "ORDERPAID", "该订单已支付 (the order is already paid)");
    }
    if (state == "CLOSED") return V3Reply::Err(400, "ORDER_CLOSED", "订单已关闭 (order closed)");
    if ((*existing)["identity"] != identity || Str(*existing, "trade_type") != trade_type) {
      return V3Reply::Err(400, "INVALID_REQUEST",
                          "201 商户订单号重复: out_trade_no was used with different parameters",
                          "out_trade_no");
    }
    order = *existing;  // the same order placed again: the same prepay answer
  } else {
    int64_t now = Now();
    order = Json::object();
    order["mchid"] = mchid;
    order["appid"] = Str(b, "appid");
    order["out_trade_no"] = out_trade_no;
    order["trade_type"] = trade_type;
    order["description"] = Str(b, "description");
    order["notify_url"] = notify_url;
    order["attach"] = Str(b, "attach");
    order["total"] = *total;
    order["currency"] = currency;
    order["openid"] = openid;
    order["trade_state"] = "NOTPAY";
    order["create_time"] = FormatRfc3339(now);
    order["time_expire"] = time_expire;
    order["identity"] = identity;
    std::string prepay = "wx" + FormatCompactTime(now) + ToLowerAscii(RandomHex(9));
    order["prepay_id"] = prepay;
    if (Status s = orders_->Put(key, order); !s) {
      return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the order");
    }
  }
  std::string prepay = Str(order, "prepay_id");
  Json res = Json::object();
  if (trade_type == "NATIVE") {
    res["code_url"] = "weixin://wxpay/bizpayurl?pr=" + prepay.substr(prepay.size() - 7);
  } else if (trade_type == "MWEB") {
    res["h5_url"] = "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=" + prepay +
                    "&package=" + std::to_string(std::hash<std::string>()(prepay) % 10000000000);
  } else {
    res["prepay_id"] = prepay;
  }
  return V3Reply::Ok(std::move(res));
}

V3Reply Engine::QueryOrder(V3Call& call, bool by_transaction_id) {
  std::string mchid = call.Query("mchid");
  if (mchid.empty()) return V3Reply::Err(400, "PARAM_ERROR", "missing mchid", "mchid", "query");
  if (mchid != call.merchant->mchid) {
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "mchid does not match the merchant in the Authorization header", "mchid",
                        "query");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const Json* order = nullptr;
  if (by_transaction_id) {
    auto it = by_transaction_id_.find(call.Param("transaction_id"));
    if (it != by_transaction_id_.end()) order = orders_->Get(it->second);
    if (order && Str(*order, "mchid") != mchid) order = nullptr;
  } else {
    order = orders_->Get(OrderKey(mchid, call.Param("out_trade_no")));
  }
  if (!order) return V3Reply::Err(404, "ORDER_NOT_EXIST", "订单不存在 (no such order)");
  return V3Reply::Ok(OrderView(*order));
}

V3Reply Engine::CloseOrder(V3Call& call) {
  std::string mchid = Str(call.body, "mchid");
  if (mchid.empty()) return Missing("mchid");
  if (mchid != call.merchant->mchid) {
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "mchid does not match the merchant in the Authorization header", "mchid");
  }
  std::string key = OrderKey(mchid, call.Param("out_trade_no"));
  std::lock_guard<std::mutex> lock(mu_);
  const Json* existing = orders_->Get(key);
  if (!existing) return V3Reply::Err(404, "ORDER_NOT_EXIST", "订单不存在 (no such order)");
  std::string state = Str(*existing, "trade_state");
  if (state == "SUCCESS" || state == "REFUND") {
    return V3Reply::Err(400, "ORDERPAID", "订单已支付 (the order is paid and cannot be closed)");
  }
  if (state != "CLOSED") {
    Json order = *existing;
    order["trade_state"] = "CLOSED";
    order["close_time"] = FormatRfc3339(Now());
    if (Status s = orders_->Put(key, order); !s) {
      return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the order");
    }
  }
  return V3Reply::Empty(204);
}

Json Engine::RefundView(const Json& r) const {
  Json v = Json::object();
  v["refund_id"] = Str(r, "refund_id");
  v["out_refund_no"] = Str(r, "out_refund_no");
  v["transaction_id"] = Str(r, "transaction_id");
  v["out_trade_no"] = Str(r, "out_trade_no");
  v["channel"] = "ORIGINAL";
  v["user_received_account"] = "支付用户零钱";
  if (!Str(r, "success_time").empty()) v["success_time"] = Str(r, "success_time");
  v["create_time"] = Str(r, "create_time");
  v["status"] = Str(r, "status");
  v["funds_account"] = Str(r, "funds_account").empty() ? "AVAILABLE" : Str(r, "funds_account");
  int64_t total = r.value("total", int64_t{0});
  int64_t refund = r.value("refund", int64_t{0});
  Json amount = Json::object();
  amount["total"] = total;
  amount["refund"] = refund;
  amount["from"] = Json::array();
  amount["payer_total"] = total;
  amount["payer_refund"] = refund;
  amount["settlement_refund"] = refund;
  amount["settlement_total"] = total;
  amount["discount_refund"] = 0;
  amount["currency"] = "CNY";
  amount["refund_fee"] = 0;
  v["amount"] = amount;
  v["promotion_detail"] = Json::array();
  return v;
}

V3Reply Engine::CreateRefund(V3Call& call) {
  const Json& b = call.body;
  std::string out_refund_no = Str(b, "out_refund_no");
  if (out_refund_no.empty()) return Missing("out_refund_no");
  std::string transaction_id = Str(b, "transaction_id");
  std::string out_trade_no = Str(b, "out_trade_no");
  if (transaction_id.empty() && out_trade_no.empty()) {
    return V3Reply::Err(400, "PARAM_ERROR", "transaction_id or out_trade_no is required",
                        "out_trade_no");
  }
  const Json* amount = Member(b, "amount");
  auto refund = amount ? Int(Member(*amount, "refund")) : std::nullopt;
  auto total = amount ? Int(Member(*amount, "total")) : std::nullopt;
  if (!refund) return Missing("amount.refund");
  if (!total) return Missing("amount.total");
  if (amount && Str(*amount, "currency").empty()) return Missing("amount.currency");
  if (*refund <= 0) {
    return V3Reply::Err(400, "PARAM_ERROR", "amount.refund must be positive", "amount.refund");
  }
  std::string notify_url = Str(b, "notify_url");
  if (!notify_url.empty() && !IsHttpUrl(notify_url)) {
    return V3Reply::Err(400, "PARAM_ERROR", "notify_url must be an http(s) URL", "notify_url");
  }
  const std::string& mchid = call.merchant->mchid;
  std::lock_guard<std::mutex> lock(mu_);
  std::string order_key;
  if (!transaction_id.empty()) {
    auto it = by_transaction_id_.find(transaction_id);
    if (it != by_transaction_id_.end()) order_key = it->second;
  } else {
    order_key = OrderKey(mchid, out_trade_no);
  }
  const Json* order_ptr = order_key.empty() ? nullptr : orders_->Get(order_key);
  if (!order_ptr || Str(*order_ptr, "mchid") != mchid) {
    return V3Reply::Err(404, "RESOURCE_NOT_EXISTS", "订单不存在 (no such order)");
  }
  Json order = *order_ptr;
  std::string refund_key = OrderKey(mchid, out_refund_no);
  if (const Json* existing = refunds_->Get(refund_key)) {
    if (Str(*existing, "out_trade_no") == Str(order, "out_trade_no") &&
        existing->value("refund", int64_t{0}) == *refund) {
      return V3Reply::Ok(RefundView(*existing));  // the same refund asked again
    }
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "out_refund_no was already used with different parameters",
                        "out_refund_no");
  }
  std::string state = Str(order, "trade_state");
  if (state != "SUCCESS" && state != "REFUND") {
    return V3Reply::Err(400, "INVALID_REQUEST", "订单未支付 (the order is not paid)");
  }
  if (*total != order.value("total", int64_t{0})) {
    return V3Reply::Err(400, "PARAM_ERROR", "amount.total does not match the order amount",
                        "amount.total");
  }
  int64_t refunded = order.value("refunded", int64_t{0});
  if (refunded + *refund > *total) {
    return V3Reply::Err(400, "INVALID_REQUEST",
                        "申请退款金额超过订单可退金额 (refund exceeds the refundable amount)",
                        "amount.refund");
  }
  int64_t now = Now();
  Json r = Json::object();
  r["mchid"] = mchid;
  r["refund_id"] = "50" + RandomDigits(27);
  r["out_refund_no"] = out_refund_no;
  r["transaction_id"] = Str(order, "transaction_id");
  r["out_trade_no"] = Str(order, "out_trade_no");
  r["reason"] = Str(b, "reason");
  r["notify_url"] = notify_url;
  r["funds_account"] = Str(b, "funds_account");
  r["create_time"] = FormatRfc3339(now);
  r["status"] = "PROCESSING";
  r["total"] = *total;
  r["refund"] = *refund;
  order["refunded"] = refunded + *refund;
  order["trade_state"] = "REFUND";
  if (Status s = refunds_->Put(refund_key, r); !s) {
    return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the refund");
  }
  by_refund_id_[Str(r, "refund_id")] = refund_key;
  if (Status s = orders_->Put(order_key, order); !s) {
    return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the order");
  }
  return V3Reply::Ok(RefundView(r));
}

V3Reply Engine::QueryRefund(V3Call& call) {
  std::string sub = call.Query("sub_mchid");
  std::lock_guard<std::mutex> lock(mu_);
  const Json* r = refunds_->Get(OrderKey(call.merchant->mchid, call.Param("out_refund_no")));
  if (!r) return V3Reply::Err(404, "RESOURCE_NOT_EXISTS", "退款单不存在 (no such refund)");
  return V3Reply::Ok(RefundView(*r));
}

// ---- control operations ----

namespace {
// The key of the record `no` of `mchid`, or the only/demo merchant's when mchid is empty.
std::string FindKey(const Collection& c, const std::string& no, const std::string& mchid,
                    const std::string& demo_mchid) {
  if (!mchid.empty()) return c.Get(OrderKey(mchid, no)) ? OrderKey(mchid, no) : std::string();
  if (c.Get(OrderKey(demo_mchid, no))) return OrderKey(demo_mchid, no);
  std::string found;
  std::string suffix = "|" + no;
  for (const auto& [k, v] : c.items()) {
    if (k.size() > suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found = k;
      break;
    }
  }
  return found;
}
}  // namespace

Status Engine::PayOrder(const std::string& out_trade_no, const std::string& mchid,
                        const Json& options) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = FindKey(*orders_, out_trade_no, mchid, id_.demo ? id_.demo->mchid : "");
  const Json* existing = key.empty() ? nullptr : orders_->Get(key);
  if (!existing) return Error(ErrorCode::kInvalidArgument, "no such order: " + out_trade_no);
  Json order = *existing;
  std::string state = Str(order, "trade_state");
  if (state != "NOTPAY" && state != "USERPAYING") {
    return Error(ErrorCode::kInvalidArgument, "the order is " + state + ", not NOTPAY");
  }
  int64_t now = Now();
  std::string tx = "42000" + FormatCompactTime(now).substr(0, 8) + RandomDigits(15);
  order["trade_state"] = "SUCCESS";
  order["transaction_id"] = tx;
  order["success_time"] = FormatRfc3339(now);
  order["bank_type"] = Str(options, "bank_type").empty() ? "OTHERS" : Str(options, "bank_type");
  if (!Str(options, "openid").empty()) order["openid"] = Str(options, "openid");
  if (Str(order, "openid").empty()) order["openid"] = "o" + ToLowerAscii(RandomHex(13)) + "sbx";
  if (Status s = orders_->Put(key, order); !s) return s;
  by_transaction_id_[tx] = key;
  if (Str(order, "notify_url").empty()) return {};  // APIv2 payment-code orders have none
  return EnqueueDelivery(Str(order, "notify_url"), Str(order, "mchid"), "TRANSACTION.SUCCESS",
                         "支付成功", "transaction", OrderView(order), false);
}

Status Engine::CompleteRefund(const std::string& out_refund_no, const std::string& status,
                              const std::string& mchid) {
  if (status != "SUCCESS" && status != "ABNORMAL" && status != "CLOSED") {
    return Error(ErrorCode::kInvalidArgument, "status must be SUCCESS, ABNORMAL or CLOSED");
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = FindKey(*refunds_, out_refund_no, mchid, id_.demo ? id_.demo->mchid : "");
  const Json* existing = key.empty() ? nullptr : refunds_->Get(key);
  if (!existing) return Error(ErrorCode::kInvalidArgument, "no such refund: " + out_refund_no);
  Json r = *existing;
  if (Str(r, "status") != "PROCESSING") {
    return Error(ErrorCode::kInvalidArgument, "the refund is " + Str(r, "status"));
  }
  int64_t now = Now();
  r["status"] = status;
  if (status == "SUCCESS") r["success_time"] = FormatRfc3339(now);
  std::string order_key = OrderKey(Str(r, "mchid"), Str(r, "out_trade_no"));
  const Json* order = orders_->Get(order_key);
  if (status != "SUCCESS" && order) {
    // The money goes back to the order's refundable balance.
    Json o = *order;
    o["refunded"] =
        std::max<int64_t>(0, o.value("refunded", int64_t{0}) - r.value("refund", int64_t{0}));
    if (Status s = orders_->Put(order_key, o); !s) return s;
    order = orders_->Get(order_key);
  }
  if (Status s = refunds_->Put(key, r); !s) return s;
  std::string url = Str(r, "notify_url");
  // APIv2 refunds would call back with an encrypted req_info, which the sandbox does not send.
  if (url.empty() && order && Str(r, "api") != "v2") url = Str(*order, "notify_url");
  if (url.empty()) return {};
  Json resource = Json::object();
  resource["mchid"] = Str(r, "mchid");
  resource["out_trade_no"] = Str(r, "out_trade_no");
  resource["transaction_id"] = Str(r, "transaction_id");
  resource["out_refund_no"] = Str(r, "out_refund_no");
  resource["refund_id"] = Str(r, "refund_id");
  resource["refund_status"] = status;
  if (status == "SUCCESS") resource["success_time"] = Str(r, "success_time");
  resource["user_received_account"] = "支付用户零钱";
  resource["amount"] = {{"total", r.value("total", int64_t{0})},
                        {"refund", r.value("refund", int64_t{0})},
                        {"payer_total", r.value("total", int64_t{0})},
                        {"payer_refund", r.value("refund", int64_t{0})}};
  std::string summary = status == "SUCCESS"  ? "退款成功"
                        : status == "CLOSED" ? "退款关闭"
                                             : "退款异常";
  return EnqueueDelivery(url, Str(r, "mchid"), "REFUND." + status, summary, "refund", resource,
                         false);
}

}  // namespace wechatpay::sandbox
