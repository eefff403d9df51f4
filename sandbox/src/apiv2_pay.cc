// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The APIv2 payment flow with real behaviour, on the same orders and refunds as the APIv3 side:
// POST /pay/micropay (payment code), /pay/orderquery, /secapi/pay/reverse (client certificate),
// /secapi/pay/refund (client certificate) and /pay/refundquery. Business failures answer
// return_code=SUCCESS, result_code=FAIL with WeChat Pay's err_code; see docs/adr/0003-sandbox.md.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "engine.h"

namespace wechatpay::sandbox {

namespace {

// A positive amount in fen written as decimal digits; nullopt otherwise.
std::optional<int64_t> Fen(const std::string& s) {
  if (s.empty() || s.size() > 12 || !IsDigits(s) || (s.size() > 1 && s[0] == '0')) {
    return std::nullopt;
  }
  int64_t v = std::strtoll(s.c_str(), nullptr, 10);
  if (v <= 0) return std::nullopt;
  return v;
}

void Fail(apiv2::Fields& out, const std::string& code, const std::string& des) {
  out.Set("result_code", "FAIL");
  out.Set("err_code", code);
  out.Set("err_code_des", des);
}

void Echo(const apiv2::Fields& in, apiv2::Fields& out) {
  for (const char* f : {"appid", "mch_id", "sub_appid", "sub_mch_id", "device_info"}) {
    if (in.Has(f)) out.Set(f, in.Get(f));
  }
}

// APIv2 times: "20180608103456", Beijing time.
std::string CompactTime(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  return t ? FormatCompactTime(*t) : std::string();
}

std::string TradeStateDesc(const std::string& state) {
  if (state == "SUCCESS") return "支付成功";
  if (state == "REFUND") return "转入退款";
  if (state == "NOTPAY") return "未支付";
  if (state == "CLOSED") return "已关闭";
  if (state == "REVOKED") return "已撤销(付款码支付)";
  if (state == "USERPAYING") return "用户支付中(付款码支付)";
  return "支付失败";
}

bool IsPaid(const std::string& state) { return state == "SUCCESS" || state == "REFUND"; }

// Payment codes are 18 digits starting with 10-15.
bool IsAuthCode(const std::string& code) {
  return code.size() == 18 && IsDigits(code) && code[0] == '1' && code[1] >= '0' && code[1] <= '5';
}

std::string RefundStatusV2(const std::string& v3) {
  if (v3 == "CLOSED") return "REFUNDCLOSE";
  if (v3 == "ABNORMAL") return "CHANGE";
  return v3;  // SUCCESS, PROCESSING
}

}  // namespace

std::string Engine::FindOrderKey(const std::string& mchid, const std::string& transaction_id,
                                 const std::string& out_trade_no) const {
  if (!transaction_id.empty()) {
    auto it = by_transaction_id_.find(transaction_id);
    if (it == by_transaction_id_.end()) return {};
    const Json* o = orders_->Get(it->second);
    return o && Str(*o, "mchid") == mchid ? it->second : std::string();
  }
  if (out_trade_no.empty()) return {};
  std::string key = OrderKey(mchid, out_trade_no);
  return orders_->Get(key) ? key : std::string();
}

std::optional<std::string> Engine::V2Micropay(const apiv2::Fields& in, const Merchant& m,
                                              apiv2::Fields& out) {
  Echo(in, out);
  auto total = Fen(in.Get("total_fee"));
  if (!total) return "total_fee 参数错误 (a positive whole number of fen)";
  std::string fee_type = in.Has("fee_type") ? in.Get("fee_type") : "CNY";
  if (fee_type != "CNY") {
    Fail(out, "PARAM_ERROR", "fee_type 只支持 CNY");
    return std::nullopt;
  }
  std::string auth_code = in.Get("auth_code");
  if (!IsAuthCode(auth_code)) {
    Fail(out, "AUTH_CODE_INVALID",
         "付款码无效 (auth_code must be the 18 digits starting with 10-15 a payment code shows)");
    return std::nullopt;
  }
  std::string out_trade_no = in.Get("out_trade_no");
  std::string key = OrderKey(m.mchid, out_trade_no);
  std::lock_guard<std::mutex> lock(mu_);
  if (const Json* existing = orders_->Get(key)) {
    std::string state = Str(*existing, "trade_state");
    if (IsPaid(state)) {
      Fail(out, "ORDERPAID", "订单已支付");
    } else if (state == "REVOKED") {
      Fail(out, "ORDERREVERSED", "订单已撤销");
    } else if (state == "CLOSED") {
      Fail(out, "ORDERCLOSED", "订单已关闭");
    } else if (state == "USERPAYING") {
      Fail(out, "USERPAYING", "需要用户输入支付密码");
    } else {
      Fail(out, "OUT_TRADE_NO_USED", "商户订单号重复");
    }
    return std::nullopt;
  }
  int64_t now = Now();
  Json order = Json::object();
  order["api"] = "v2";
  order["mchid"] = m.mchid;
  order["appid"] = in.Get("appid");
  order["out_trade_no"] = out_trade_no;
  order["trade_type"] = "MICROPAY";
  order["description"] = in.Get("body");
  order["notify_url"] = "";
  order["attach"] = in.Get("attach");
  order["device_info"] = in.Get("device_info");
  order["total"] = *total;
  order["currency"] = "CNY";
  order["openid"] = "o" + ToLowerAscii(RandomHex(13)) + "sbx";
  order["create_time"] = FormatRfc3339(now);
  // A code ending in six zeros stands for a user who must still enter the password: the order
  // waits in USERPAYING (POST /sandbox/orders/{out_trade_no}/pay completes it; reverse cancels).
  if (auth_code.compare(12, 6, "000000") == 0) {
    order["trade_state"] = "USERPAYING";
    if (Status s = orders_->Put(key, order); !s) return "SYSTEMERROR";
    Fail(out, "USERPAYING", "需要用户输入支付密码");
    return std::nullopt;
  }
  std::string tx = "42000" + FormatCompactTime(now).substr(0, 8) + RandomDigits(15);
  order["trade_state"] = "SUCCESS";
  order["transaction_id"] = tx;
  order["success_time"] = FormatRfc3339(now);
  order["bank_type"] = "OTHERS";
  if (Status s = orders_->Put(key, order); !s) return "SYSTEMERROR";
  by_transaction_id_[tx] = key;
  out.Set("result_code", "SUCCESS");
  out.Set("openid", Str(order, "openid"));
  out.Set("is_subscribe", "N");
  out.Set("trade_type", "MICROPAY");
  out.Set("bank_type", "OTHERS");
  out.Set("fee_type", "CNY");
  out.Set("total_fee", std::to_string(*total));
  out.Set("cash_fee_type", "CNY");
  out.Set("cash_fee", std::to_string(*total));
  out.Set("transaction_id", tx);
  out.Set("out_trade_no", out_trade_no);
  if (!in.Get("attach").empty()) out.Set("attach", in.Get("attach"));
  out.Set("time_end", FormatCompactTime(now));
  return std::nullopt;
}

std::optional<std::string> Engine::V2OrderQuery(const apiv2::Fields& in, const Merchant& m,
                                                apiv2::Fields& out) {
  Echo(in, out);
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = FindOrderKey(m.mchid, in.Get("transaction_id"), in.Get("out_trade_no"));
  const Json* o = key.empty() ? nullptr : orders_->Get(key);
  if (!o) {
    Fail(out, "ORDERNOTEXIST", "此交易订单号不存在");
    return std::nullopt;
  }
  std::string state = Str(*o, "trade_state");
  out.Set("result_code", "SUCCESS");
  out.Set("trade_state", state);
  out.Set("trade_state_desc", TradeStateDesc(state));
  out.Set("out_trade_no", Str(*o, "out_trade_no"));
  out.Set("trade_type", Str(*o, "trade_type"));
  out.Set("total_fee", std::to_string(o->value("total", int64_t{0})));
  out.Set("fee_type", "CNY");
  if (!Str(*o, "attach").empty()) out.Set("attach", Str(*o, "attach"));
  if (!Str(*o, "device_info").empty()) out.Set("device_info", Str(*o, "device_info"));
  // Payment details exist once the user has paid (a reversed payment keeps them).
  if (!Str(*o, "transaction_id").empty()) {
    out.Set("transaction_id", Str(*o, "transaction_id"));
    out.Set("openid", Str(*o, "openid"));
    out.Set("is_subscribe", "N");
    out.Set("bank_type", Str(*o, "bank_type").empty() ? "OTHERS" : Str(*o, "bank_type"));
    out.Set("cash_fee", std::to_string(o->value("total", int64_t{0})));
    out.Set("cash_fee_type", "CNY");
    out.Set("time_end", CompactTime(Str(*o, "success_time")));
  }
  return std::nullopt;
}

std::optional<std::string> Engine::V2Reverse(const apiv2::Fields& in, const Merchant& m,
                                             apiv2::Fields& out) {
  Echo(in, out);
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = FindOrderKey(m.mchid, in.Get("transaction_id"), in.Get("out_trade_no"));
  const Json* existing = key.empty() ? nullptr : orders_->Get(key);
  if (!existing) {
    Fail(out, "ORDERNOTEXIST", "订单不存在");
    return std::nullopt;
  }
  Json order = *existing;
  std::string state = Str(order, "trade_state");
  if (Str(order, "trade_type") != "MICROPAY") {
    Fail(out, "TRADE_ERROR", "只能撤销付款码支付的订单 (only payment-code orders are reversed)");
    return std::nullopt;
  }
  auto created = ParseRfc3339(Str(order, "create_time"));
  if (created && Now() - *created > 7 * 86400) {
    Fail(out, "REVERSE_EXPIRE", "订单已超过7天，不能撤销");
    return std::nullopt;
  }
  if (state == "REFUND") {
    Fail(out, "TRADE_ERROR", "订单已发生退款，不能撤销");
    return std::nullopt;
  }
  if (state != "REVOKED") {
    // A paid order's money goes back to the payer; an unpaid one is closed.
    if (state == "SUCCESS") order["refunded"] = order.value("total", int64_t{0});
    order["trade_state"] = "REVOKED";
    order["revoke_time"] = FormatRfc3339(Now());
    if (Status s = orders_->Put(key, order); !s) return "SYSTEMERROR";
  }
  out.Set("result_code", "SUCCESS");
  out.Set("recall", "N");
  return std::nullopt;
}

std::optional<std::string> Engine::V2Refund(const apiv2::Fields& in, const Merchant& m,
                                            apiv2::Fields& out) {
  Echo(in, out);
  auto total = Fen(in.Get("total_fee"));
  auto refund = Fen(in.Get("refund_fee"));
  if (!total) return "invalid total_fee";
  if (!refund || *refund > *total) return "invalid refund_fee";
  std::string out_refund_no = in.Get("out_refund_no");
  std::lock_guard<std::mutex> lock(mu_);
  std::string order_key = FindOrderKey(m.mchid, in.Get("transaction_id"), in.Get("out_trade_no"));
  const Json* order_ptr = order_key.empty() ? nullptr : orders_->Get(order_key);
  if (!order_ptr) {
    Fail(out, "ORDERNOTEXIST", "订单不存在");
    return std::nullopt;
  }
  Json order = *order_ptr;
  auto answer = [&](const Json& r) {
    out.Set("result_code", "SUCCESS");
    out.Set("transaction_id", Str(r, "transaction_id"));
    out.Set("out_trade_no", Str(r, "out_trade_no"));
    out.Set("out_refund_no", Str(r, "out_refund_no"));
    out.Set("refund_id", Str(r, "refund_id"));
    out.Set("refund_fee", std::to_string(r.value("refund", int64_t{0})));
    out.Set("total_fee", std::to_string(r.value("total", int64_t{0})));
    out.Set("fee_type", "CNY");
    out.Set("cash_fee", std::to_string(r.value("total", int64_t{0})));
    out.Set("cash_refund_fee", std::to_string(r.value("refund", int64_t{0})));
  };
  std::string refund_key = OrderKey(m.mchid, out_refund_no);
  if (const Json* existing = refunds_->Get(refund_key)) {
    if (Str(*existing, "out_trade_no") != Str(order, "out_trade_no")) {
      Fail(out, "INVALID_REQUEST", "out_refund_no 已用于另一笔订单");
    } else if (existing->value("refund", int64_t{0}) != *refund) {
      Fail(out, "REFUND_FEE_MISMATCH", "同一个out_refund_no退款金额要一致");
    } else {
      answer(*existing);  // the same refund asked again
    }
    return std::nullopt;
  }
  std::string state = Str(order, "trade_state");
  if (!IsPaid(state)) {
    Fail(out, "TRADE_STATE_ERROR", "订单状态错误 (the order is " + state + ", not paid)");
    return std::nullopt;
  }
  if (*total != order.value("total", int64_t{0})) {
    Fail(out, "INVALID_REQUEST", "total_fee 与订单金额不一致");
    return std::nullopt;
  }
  int64_t refunded = order.value("refunded", int64_t{0});
  if (refunded + *refund > *total) {
    Fail(out, "INVALID_REQUEST", "申请退款金额超过订单可退金额");
    return std::nullopt;
  }
  Json r = Json::object();
  r["api"] = "v2";
  r["mchid"] = m.mchid;
  r["refund_id"] = "50" + RandomDigits(27);
  r["out_refund_no"] = out_refund_no;
  r["transaction_id"] = Str(order, "transaction_id");
  r["out_trade_no"] = Str(order, "out_trade_no");
  r["reason"] = in.Get("refund_desc");
  r["notify_url"] = "";  // APIv2 refund callbacks (req_info) are not sent by the sandbox
  r["funds_account"] = "";
  r["create_time"] = FormatRfc3339(Now());
  r["status"] = "PROCESSING";
  r["total"] = *total;
  r["refund"] = *refund;
  order["refunded"] = refunded + *refund;
  order["trade_state"] = "REFUND";
  if (Status s = refunds_->Put(refund_key, r); !s) return "SYSTEMERROR";
  by_refund_id_[Str(r, "refund_id")] = refund_key;
  if (Status s = orders_->Put(order_key, order); !s) return "SYSTEMERROR";
  answer(r);
  return std::nullopt;
}

std::optional<std::string> Engine::V2RefundQuery(const apiv2::Fields& in, const Merchant& m,
                                                 apiv2::Fields& out) {
  Echo(in, out);
  std::lock_guard<std::mutex> lock(mu_);
  // refund_id > out_refund_no > transaction_id > out_trade_no, as WeChat Pay documents.
  std::string out_trade_no;
  if (in.Has("refund_id") || in.Has("out_refund_no")) {
    const Json* r = nullptr;
    if (in.Has("refund_id")) {
      auto it = by_refund_id_.find(in.Get("refund_id"));
      if (it != by_refund_id_.end()) r = refunds_->Get(it->second);
    } else {
      r = refunds_->Get(OrderKey(m.mchid, in.Get("out_refund_no")));
    }
    if (r && Str(*r, "mchid") == m.mchid) out_trade_no = Str(*r, "out_trade_no");
  } else {
    std::string key = FindOrderKey(m.mchid, in.Get("transaction_id"), in.Get("out_trade_no"));
    if (const Json* o = key.empty() ? nullptr : orders_->Get(key)) {
      out_trade_no = Str(*o, "out_trade_no");
    }
  }
  const Json* order =
      out_trade_no.empty() ? nullptr : orders_->Get(OrderKey(m.mchid, out_trade_no));
  std::vector<std::pair<std::string, const Json*>> list;
  if (order) {
    for (const auto& [k, r] : refunds_->items()) {
      if (Str(r, "mchid") == m.mchid && Str(r, "out_trade_no") == out_trade_no) {
        list.emplace_back(Str(r, "create_time") + k, &r);
      }
    }
  }
  if (list.empty()) {
    Fail(out, "REFUNDNOTEXIST", "退款订单查询失败 (no refund matches)");
    return std::nullopt;
  }
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.Set("result_code", "SUCCESS");
  out.Set("transaction_id", Str(*order, "transaction_id"));
  out.Set("out_trade_no", out_trade_no);
  out.Set("total_fee", std::to_string(order->value("total", int64_t{0})));
  out.Set("fee_type", "CNY");
  out.Set("cash_fee", std::to_string(order->value("total", int64_t{0})));
  out.Set("total_refund_count", std::to_string(list.size()));
  out.Set("refund_count", std::to_string(list.size()));
  for (size_t n = 0; n < list.size(); ++n) {
    const Json& r = *list[n].second;
    std::string i = "_" + std::to_string(n);
    out.Set("out_refund_no" + i, Str(r, "out_refund_no"));
    out.Set("refund_id" + i, Str(r, "refund_id"));
    out.Set("refund_channel" + i, "ORIGINAL");
    out.Set("refund_fee" + i, std::to_string(r.value("refund", int64_t{0})));
    out.Set("settlement_refund_fee" + i, std::to_string(r.value("refund", int64_t{0})));
    out.Set("refund_status" + i, RefundStatusV2(Str(r, "status")));
    out.Set("refund_account" + i, "REFUND_SOURCE_UNSETTLED_FUNDS");
    out.Set("refund_recv_accout" + i, "支付用户的零钱");
    if (Str(r, "status") == "SUCCESS") {
      auto t = ParseRfc3339(Str(r, "success_time"));
      std::string c = t ? FormatCompactTime(*t) : std::string();
      if (c.size() == 14) {
        out.Set("refund_success_time" + i, c.substr(0, 4) + "-" + c.substr(4, 2) + "-" +
                                               c.substr(6, 2) + " " + c.substr(8, 2) + ":" +
                                               c.substr(10, 2) + ":" + c.substr(12, 2));
      }
    }
  }
  return std::nullopt;
}

}  // namespace wechatpay::sandbox
