// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The control API under /sandbox/: what a test does that a real user would do on their phone
// (pay an order), what WeChat Pay does by itself (complete a refund, review a submission, expire
// a token), and fault injection. Plain JSON, unsigned, no authentication: the sandbox binds to
// loopback by default for this reason.
#include "engine.h"

namespace wechatpay::sandbox {

namespace {

WireResponse ControlJson(int status, const Json& body) {
  WireResponse res;
  res.status = status;
  res.body = DumpJson(body);
  res.headers.Set("Content-Type", "application/json; charset=utf-8");
  return res;
}

WireResponse ControlError(int status, const std::string& code, const std::string& message) {
  return ControlJson(status, Json{{"code", code}, {"message", message}});
}

WireResponse FromStatus(const Status& s) {
  if (s) return ControlJson(200, Json{{"ok", true}});
  return ControlError(
      s.error().code == ErrorCode::kInvalidArgument ? 400 : 500,
      s.error().code == ErrorCode::kInvalidArgument ? "INVALID_REQUEST" : "SYSTEM_ERROR",
      s.error().message);
}

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (!seg.empty()) out.push_back(PercentDecode(seg, false));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Result<Fault> ParseFault(const Json& b) {
  Fault f;
  std::string kind = Str(b, "kind");
  if (kind == "latency") {
    f.kind = Fault::Kind::kLatency;
  } else if (kind == "status") {
    f.kind = Fault::Kind::kStatus;
  } else if (kind == "bad_signature") {
    f.kind = Fault::Kind::kBadSignature;
  } else if (kind == "skew_timestamp") {
    f.kind = Fault::Kind::kSkewTimestamp;
  } else if (kind == "drop_connection") {
    f.kind = Fault::Kind::kDropConnection;
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "kind must be latency, status, bad_signature, skew_timestamp or "
                 "drop_connection");
  }
  auto integer = [&](const char* name, int fallback, int lo, int hi) -> Result<int> {
    auto it = b.find(name);
    if (it == b.end()) return fallback;
    if (!it->is_number_integer()) {
      return Error(ErrorCode::kInvalidArgument, std::string(name) + " must be an integer");
    }
    int64_t v = it->get<int64_t>();
    if (v < lo || v > hi) {
      return Error(ErrorCode::kInvalidArgument, std::string(name) + " is out of range");
    }
    return static_cast<int>(v);
  };
  auto count = integer("count", 1, -1, 1000000);
  if (!count) return std::move(count).error();
  f.count = *count;
  auto status = integer("status", 503, 400, 599);
  if (!status) return std::move(status).error();
  f.status = *status;
  auto latency = integer("latency_ms", 0, 0, 60000);
  if (!latency) return std::move(latency).error();
  f.latency_ms = *latency;
  auto skew = integer("skew_seconds", 600, -86400, 86400);
  if (!skew) return std::move(skew).error();
  f.skew_seconds = *skew;
  f.path_prefix = Str(b, "path_prefix");
  return f;
}

}  // namespace

WireResponse Engine::HandleControl(const WireRequest& req, const std::string& path,
                                   const std::string& /*raw_query*/) {
  std::vector<std::string> seg = Segments(path);  // seg[0] == "sandbox"
  Json body = Json::object();
  if (!req.body.empty()) {
    auto j = IsValidUtf8(req.body) ? ParseJson(req.body) : std::nullopt;
    if (!j || !j->is_object()) {
      return ControlError(400, "PARAM_ERROR", "the control API takes a JSON object body");
    }
    body = std::move(*j);
  }
  const std::string& method = req.method;
  auto is = [&](std::initializer_list<const char*> parts) {
    if (seg.size() != parts.size() + 1) return false;
    size_t i = 1;
    for (const char* p : parts) {
      if (std::string_view(p) != "*" && seg[i] != p) return false;
      ++i;
    }
    return true;
  };

  if (seg.size() == 1 || is({"info"}) || is({"health"})) {
    if (method != "GET") return ControlError(405, "METHOD_NOT_ALLOWED", "use GET");
    Json info = Json::object();
    info["status"] = "ok";
    info["base_url"] = base_url();
    info["state_dir"] = id_.dir;
    info["client_config"] = JoinPath(id_.dir, "client.json");
    info["platform_certificate_serial"] = id_.platform_cert.serial();
    info["public_key_id"] = id_.pubkey_id;
    Json mchids = Json::array();
    for (const auto& [mchid, m] : id_.merchants) mchids.push_back(mchid);
    info["merchants"] = mchids;
    return ControlJson(200, info);
  }
  if (method == "POST" && is({"orders", "*", "pay"})) {
    return FromStatus(PayOrder(seg[2], Str(body, "mchid"), body));
  }
  if (method == "POST" && is({"refunds", "*", "succeed"})) {
    return FromStatus(CompleteRefund(seg[2], "SUCCESS", Str(body, "mchid")));
  }
  if (method == "POST" && is({"refunds", "*", "complete"})) {
    std::string status = Str(body, "status").empty() ? "SUCCESS" : Str(body, "status");
    return FromStatus(CompleteRefund(seg[2], status, Str(body, "mchid")));
  }
  if (is({"notifications", "signtest"}) && method == "POST") {
    std::string url = Str(body, "url");
    if (url.empty() && !Str(body, "out_trade_no").empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string mchid = Str(body, "mchid");
      if (mchid.empty() && id_.demo) mchid = id_.demo->mchid;
      if (const Json* o = orders_->Get(OrderKey(mchid, Str(body, "out_trade_no")))) {
        url = Str(*o, "notify_url");
      }
    }
    if (url.empty()) {
      return ControlError(400, "PARAM_ERROR", "give url, or out_trade_no of an existing order");
    }
    return FromStatus(SendSignTest(url));
  }
  if (is({"notifications"}) && method == "GET") {
    Json list = Json::array();
    for (const DeliveryRecord& d : Deliveries()) {
      list.push_back({{"id", d.id},
                      {"url", d.url},
                      {"event_type", d.event_type},
                      {"status", d.status},
                      {"attempts", d.attempts},
                      {"last_http_status", d.last_http_status},
                      {"last_error", d.last_error}});
    }
    return ControlJson(200, Json{{"data", list}});
  }
  if (is({"faults"})) {
    if (method == "GET") return ControlJson(200, Json{{"data", faults_.ToJson()}});
    if (method == "DELETE") {
      faults_.Clear();
      return ControlJson(200, Json{{"ok", true}});
    }
    if (method == "POST") {
      auto f = ParseFault(body);
      if (!f) return ControlError(400, "PARAM_ERROR", f.error().message);
      faults_.Add(*f);
      return ControlJson(200, Json{{"ok", true}});
    }
    return ControlError(405, "METHOD_NOT_ALLOWED", "use GET, POST or DELETE");
  }
  if (method == "POST" && is({"risk", "*"})) {
    auto score = body.find("risk_score");
    if (score == body.end() || !score->is_number()) {
      return ControlError(400, "PARAM_ERROR", "risk_score (a number) is required");
    }
    Json v = Json::object();
    v["risk_score"] = *score;
    for (const char* f : {"risk_type", "punish_type", "punish_description"}) {
      if (!Str(body, f).empty()) v[f] = Str(body, f);
    }
    std::string mchid = Str(body, "mchid");
    if (mchid.empty() && id_.demo) mchid = id_.demo->mchid;
    std::lock_guard<std::mutex> lock(mu_);
    return FromStatus(risk_->Put(mchid + "|" + seg[2], v));
  }
  if (method == "POST" && is({"block-submissions", "*", "review"})) {
    std::string result = Str(body, "review_result");
    if (result != "PASS" && result != "REJECT" && result != "EMPTY") {
      return ControlError(400, "PARAM_ERROR", "review_result must be PASS, REJECT or EMPTY");
    }
    std::lock_guard<std::mutex> lock(mu_);
    const Json* s = blocks_->Get(seg[2]);
    if (!s) return ControlError(404, "RESOURCE_NOT_EXISTS", "no such block submission");
    Json v = *s;
    v["review_result"] = result;
    v["review_time"] = result == "EMPTY" ? "" : FormatRfc3339(Now());
    v["review_reject_reason"] = result == "REJECT" ? Str(body, "review_reject_reason") : "";
    return FromStatus(blocks_->Put(seg[2], v));
  }
  if (method == "POST" && is({"miniprogram", "expire-tokens"})) {
    std::string only = Str(body, "access_token");
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, Json>> changed;
    for (const auto& [token, t] : tokens_->items()) {
      if (!only.empty() && token != only) continue;
      Json v = t;
      v["expires_at"] = Now() - 1;
      changed.emplace_back(token, std::move(v));
    }
    for (auto& [token, v] : changed) {
      if (Status s = tokens_->Put(token, v); !s) return FromStatus(s);
    }
    return ControlJson(200, Json{{"ok", true}, {"expired", changed.size()}});
  }
  return ControlError(404, "NOT_FOUND", "no such control API");
}

}  // namespace wechatpay::sandbox
