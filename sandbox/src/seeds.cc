// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The seed endpoints with real behaviour: trade union information reports and the risk verdict
// derived from them, and transaction-block submissions.
#include <algorithm>

#include "engine.h"

namespace wechatpay::sandbox {

namespace {

double Num(const Json& obj, const char* name, double fallback = 0) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(name);
  return it != obj.end() && it->is_number() ? it->get<double>() : fallback;
}

std::optional<bool> Bool(const Json& obj, const char* name) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

// Keeps the first `head` and last `tail` code units, masks the rest: stored reports never hold a
// decrypted phone number or identity number.
std::string Mask(const std::string& s, size_t head, size_t tail) {
  if (s.size() <= head + tail) return std::string(s.size(), '*');
  return s.substr(0, head) + std::string(s.size() - head - tail, '*') + s.substr(s.size() - tail);
}

bool Contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

V3Reply Engine::ReportTradeUnion(V3Call& call) {
  const Json& b = call.body;
  std::string out_trade_no = Str(b, "out_trade_no");
  if (out_trade_no.empty()) {
    return V3Reply::Err(400, "PARAM_ERROR",
                        "out_trade_no is required: the report is attached to an order",
                        "out_trade_no");
  }
  Json report = Json::object();
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (it.key() == "phone" || it.key() == "certificates_number") continue;
    report[it.key()] = it.value();
  }
  if (!Str(b, "phone").empty()) report["phone_masked"] = Mask(Str(b, "phone"), 3, 4);
  if (!Str(b, "certificates_number").empty()) {
    report["certificates_number_masked"] = Mask(Str(b, "certificates_number"), 1, 1);
  }
  report["mchid"] = call.merchant->mchid;
  report["report_time"] = FormatRfc3339(Now());
  std::string key = call.merchant->mchid + "|" + Str(b, "sub_mchid") + "|" + out_trade_no;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Status s = reports_->Put(key, report); !s) {
      return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the report");
    }
  }
  Json res = Json::object();
  for (const char* f :
       {"sp_mchid", "acquiring_bank_id", "channel_id", "sub_mchid", "out_trade_no"}) {
    if (!Str(b, f).empty()) res[f] = Str(b, f);
  }
  return V3Reply::Ok(std::move(res));
}

V3Reply Engine::TradeRiskInformation(V3Call& call) {
  std::string out_trade_no = call.Query("out_trade_no");
  if (out_trade_no.empty()) {
    return V3Reply::Err(400, "PARAM_ERROR", "missing out_trade_no", "out_trade_no", "query");
  }
  std::string sub_mchid = call.Query("sub_mchid");
  const std::string& mchid = call.merchant->mchid;
  Json report;
  Json verdict;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Json* r = reports_->Get(mchid + "|" + sub_mchid + "|" + out_trade_no);
    if (!r && sub_mchid.empty()) {
      std::string prefix = mchid + "|";
      std::string suffix = "|" + out_trade_no;
      for (const auto& [k, v] : reports_->items()) {
        if (StartsWith(k, prefix) && k.size() >= suffix.size() &&
            k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
          r = &v;
          break;
        }
      }
    }
    if (!r) {
      return V3Reply::Err(404, "RESOURCE_NOT_EXISTS",
                          "no trade union information was reported for this order");
    }
    report = *r;
    if (const Json* v = risk_->Get(mchid + "|" + out_trade_no)) verdict = *v;
  }
  if (verdict.is_object()) {
    Json res = Json::object();
    res["risk_score"] = verdict.value("risk_score", 0);
    for (const char* f : {"risk_type", "punish_type", "punish_description"}) {
      if (!Str(verdict, f).empty()) res[f] = Str(verdict, f);
    }
    return V3Reply::Ok(std::move(res));
  }

  // A deterministic verdict from what was reported (docs/adr/0003-sandbox.md).
  std::string complaints = call.Query("complaints_information");
  double score = 0;
  score += std::clamp(Num(report, "risk_level"), 0.0, 10.0) * 8;
  score += std::max(0.0, Num(report, "user_risk_level", 1) - 1) * 6;
  score += std::max(0.0, Num(report, "sp_risk_level", 1) - 1) * 3;
  if (Num(report, "risky_goods") > 0) score += 15;
  if (Num(report, "high_risk_goods") > 0) score += 10;
  if (Bool(report, "proxy_payment").value_or(false)) score += 10;
  if (!Bool(report, "same_deviced").value_or(true)) score += 5;
  if (!Bool(report, "reliable_device").value_or(true)) score += 5;
  if (Bool(report, "new_address").value_or(false)) score += 5;
  if (Bool(report, "new_store").value_or(false)) score += 5;
  if (!complaints.empty()) score += 30;
  int risk_score = static_cast<int>(std::clamp(score, 0.0, 100.0));

  std::string risk_type = "OTHER_RISK";
  if (Contains(complaints, "赌") || Contains(complaints, "gambl")) {
    risk_type = "GAMBLING";
  } else if (Contains(complaints, "色情") || Contains(complaints, "porn")) {
    risk_type = "CYBERSEX";
  } else if (Contains(complaints, "骗") || Contains(complaints, "返利") ||
             Contains(complaints, "fraud") || Contains(complaints, "scam")) {
    risk_type = "FRAUD";
  } else if (Contains(complaints, "诱导") || Contains(complaints, "induc")) {
    risk_type = "INDUCE_PAYMENT";
  }
  std::string punish_type = "OTHER_PUNISH";
  std::string punish_description = "风险较低，暂不处置";
  if (risk_score >= 80) {
    punish_type = "DISABLE_PAYMENT";
    punish_description = "关闭支付权限";
  } else if (risk_score >= 60) {
    punish_type = "SUSPEND_SETTLEMENT";
    punish_description = "暂停结算";
  } else if (risk_score >= 40) {
    punish_type = "REFUND";
    punish_description = "建议退款给用户";
  }
  Json res = Json::object();
  res["risk_score"] = risk_score;
  res["risk_type"] = risk_type;
  res["punish_type"] = punish_type;
  res["punish_description"] = punish_description;
  return V3Reply::Ok(std::move(res));
}

Json Engine::BlockSubmissionView(const Json& s) const {
  Json v = Json::object();
  v["block_submission_id"] = Str(s, "block_submission_id");
  v["submit_time"] = Str(s, "submit_time");
  v["review_result"] = Str(s, "review_result");
  if (!Str(s, "review_time").empty()) v["review_time"] = Str(s, "review_time");
  if (!Str(s, "review_reject_reason").empty()) {
    v["review_reject_reason"] = Str(s, "review_reject_reason");
  }
  return v;
}

V3Reply Engine::CreateBlockSubmission(V3Call& call) {
  const Json& b = call.body;
  std::string sub_mchid = call.Param("sub_mchid");
  std::string submit_id = Str(b, "merchant_submit_id");
  if (submit_id.empty()) {
    return V3Reply::Err(400, "PARAM_ERROR", "missing required field: merchant_submit_id",
                        "merchant_submit_id");
  }
  if (!b.contains("submit_data") || !b["submit_data"].is_string()) {
    return V3Reply::Err(400, "PARAM_ERROR", "submit_data must be a string holding JSON",
                        "submit_data");
  }
  auto data = ParseJson(b["submit_data"].get<std::string>());
  if (!data || !data->is_object()) {
    return V3Reply::Err(400, "PARAM_ERROR", "submit_data is not a JSON object", "submit_data");
  }
  auto rf = data->find("record_fields");
  if (rf == data->end() || !rf->is_array() || rf->empty()) {
    return V3Reply::Err(400, "PARAM_ERROR", "submit_data must hold a non-empty record_fields array",
                        "submit_data~record_fields");
  }
  size_t i = 0;
  for (const Json& field : *rf) {
    std::string where = "submit_data~record_fields[" + std::to_string(i++) + "]";
    if (!field.is_object()) {
      return V3Reply::Err(400, "PARAM_ERROR", where + " must be an object", where);
    }
    auto rfd = field.find("repeated_field_data");
    if (rfd != field.end() && rfd->is_string() && !rfd->get<std::string>().empty()) {
      auto inner = ParseJson(rfd->get<std::string>());
      if (!inner || !inner->is_array()) {
        return V3Reply::Err(400, "PARAM_ERROR",
                            where + ".repeated_field_data must hold a JSON array",
                            where + ".repeated_field_data");
      }
    }
  }
  const std::string& mchid = call.merchant->mchid;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, s] : blocks_->items()) {
    if (Str(s, "mchid") == mchid && Str(s, "sub_mchid") == sub_mchid &&
        Str(s, "merchant_submit_id") == submit_id) {
      return V3Reply::Ok(BlockSubmissionView(s));  // the same submission sent again
    }
  }
  Json s = Json::object();
  std::string id = "10" + FormatCompactTime(Now()).substr(0, 8) + RandomDigits(12);
  s["block_submission_id"] = id;
  s["mchid"] = mchid;
  s["sub_mchid"] = sub_mchid;
  s["merchant_submit_id"] = submit_id;
  s["record_field_count"] = rf->size();
  s["submit_time"] = FormatRfc3339(Now());
  s["review_result"] = "EMPTY";
  if (Status st = blocks_->Put(id, s); !st) {
    return V3Reply::Err(500, "SYSTEM_ERROR", "cannot persist the submission");
  }
  return V3Reply::Ok(BlockSubmissionView(s));
}

V3Reply Engine::QueryBlockSubmission(V3Call& call) {
  std::lock_guard<std::mutex> lock(mu_);
  const Json* s = blocks_->Get(call.Param("block_submission_id"));
  if (!s || Str(*s, "mchid") != call.merchant->mchid) {
    return V3Reply::Err(404, "RESOURCE_NOT_EXISTS", "no such block submission");
  }
  return V3Reply::Ok(BlockSubmissionView(*s));
}

}  // namespace wechatpay::sandbox
