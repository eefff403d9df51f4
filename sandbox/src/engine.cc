// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Engine core: construction, dispatch by protocol, faults, the replay cache and the callback
// queue the notifier drains.
#include "engine.h"

#include <algorithm>
#include <cstdio>

#include "notifier.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignedCallback;

namespace wechatpay::sandbox {

// ---- small types ----

V3Reply V3Reply::Ok(Json b, int status) {
  V3Reply r;
  r.status = status;
  r.body = std::move(b);
  return r;
}

V3Reply V3Reply::Empty(int status) {
  V3Reply r;
  r.status = status;
  return r;
}

V3Reply V3Reply::Err(int status, std::string code, std::string message, std::string field,
                     std::string location) {
  V3Reply r;
  r.status = status;
  r.body = Json::object();
  r.body["code"] = std::move(code);
  r.body["message"] = std::move(message);
  if (!field.empty()) {
    Json detail = Json::object();
    detail["field"] = std::move(field);
    detail["location"] = location.empty() ? "body" : std::move(location);
    r.body["detail"] = std::move(detail);
  }
  return r;
}

std::string V3Call::Param(std::string_view name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::string V3Call::Query(std::string_view name) const {
  const std::string* v = FindQuery(query, name);
  return v ? *v : std::string();
}

std::string OrderKey(const std::string& mchid, const std::string& out_trade_no) {
  return mchid + "|" + out_trade_no;
}

std::string StatusCodeName(int status) {
  switch (status) {
    case 400:
      return "PARAM_ERROR";
    case 401:
      return "SIGN_ERROR";
    case 403:
      return "NO_AUTH";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "FREQUENCY_LIMITED";
    case 502:
      return "BAD_GATEWAY";
    case 503:
      return "SERVICE_UNAVAILABLE";
    default:
      return "SYSTEM_ERROR";
  }
}

// ---- faults ----

void FaultTable::Add(const Fault& f) {
  std::lock_guard<std::mutex> lock(mu_);
  if (f.count == 0) return;
  faults_.push_back(f);
}

void FaultTable::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

FaultTable::Applied FaultTable::Take(std::string_view path) {
  Applied a;
  std::lock_guard<std::mutex> lock(mu_);
  if (faults_.empty()) return a;
  for (Fault& f : faults_) {
    if (f.count == 0 || !StartsWith(path, f.path_prefix)) continue;
    switch (f.kind) {
      case Fault::Kind::kLatency:
        a.latency_ms += f.latency_ms;
        break;
      case Fault::Kind::kStatus:
        if (a.status != 0) continue;  // one status per call; the next fault waits its turn
        a.status = f.status;
        break;
      case Fault::Kind::kBadSignature:
        a.bad_signature = true;
        break;
      case Fault::Kind::kSkewTimestamp:
        a.skew_seconds = f.skew_seconds;
        break;
      case Fault::Kind::kDropConnection:
        a.drop = true;
        break;
    }
    if (f.count > 0) --f.count;
  }
  faults_.erase(
      std::remove_if(faults_.begin(), faults_.end(), [](const Fault& f) { return f.count == 0; }),
      faults_.end());
  return a;
}

Json FaultTable::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json list = Json::array();
  for (const Fault& f : faults_) {
    Json j = Json::object();
    switch (f.kind) {
      case Fault::Kind::kLatency:
        j["kind"] = "latency";
        j["latency_ms"] = f.latency_ms;
        break;
      case Fault::Kind::kStatus:
        j["kind"] = "status";
        j["status"] = f.status;
        break;
      case Fault::Kind::kBadSignature:
        j["kind"] = "bad_signature";
        break;
      case Fault::Kind::kSkewTimestamp:
        j["kind"] = "skew_timestamp";
        j["skew_seconds"] = f.skew_seconds;
        break;
      case Fault::Kind::kDropConnection:
        j["kind"] = "drop_connection";
        break;
    }
    j["count"] = f.count;
    j["path_prefix"] = f.path_prefix;
    list.push_back(std::move(j));
  }
  return list;
}

// ---- replay cache ----

bool NonceCache::Insert(const std::string& mchid, const std::string& nonce, int64_t now) {
  // A request is accepted for 5 minutes either side of its timestamp, so a nonce must be
  // remembered for 10 minutes to cover the whole window.
  constexpr int64_t kRemember = 600;
  std::string key = mchid + "|" + nonce;
  std::lock_guard<std::mutex> lock(mu_);
  if (now - last_purge_ > 60 || seen_.size() > 1000000) {
    for (auto it = seen_.begin(); it != seen_.end();) {
      it = it->second < now ? seen_.erase(it) : std::next(it);
    }
    last_purge_ = now;
  }
  auto [it, inserted] = seen_.emplace(key, now + kRemember);
  if (inserted) return true;
  if (it->second < now) {
    it->second = now + kRemember;
    return true;
  }
  return false;
}

// ---- construction ----

Engine::Engine(const SandboxOptions& options, Identity id)
    : options_(options),
      id_(std::move(id)),
      catalog_(catalog::Catalog::Default()),
      clock_(options.clock ? options.clock : SystemClock()),
      store_(id_.dir) {}

Engine::~Engine() { Shutdown(); }

Result<std::unique_ptr<Engine>> Engine::Create(const SandboxOptions& options,
                                               const std::string& state_dir) {
  Clock clock = options.clock ? options.clock : SystemClock();
  auto id = LoadOrCreateIdentity(state_dir, clock());
  if (!id) return std::move(id).error();
  std::unique_ptr<Engine> e(new Engine(options, std::move(*id)));
  if (Status s = e->OpenCollections(); !s) return std::move(s).error();
  if (!e->catalog_.load_error().empty()) {
    std::fprintf(stderr, "wxpay sandbox: endpoint catalog unavailable: %s\n",
                 e->catalog_.load_error().c_str());
  }
  e->notifier_ = std::make_unique<Notifier>(e.get());
  return e;
}

Status Engine::OpenCollections() {
  std::lock_guard<std::mutex> lock(mu_);
  struct Slot {
    const char* name;
    Collection** ptr;
  } slots[] = {{"orders", &orders_},
               {"refunds", &refunds_},
               {"trade_union_reports", &reports_},
               {"risk_verdicts", &risk_},
               {"block_submissions", &blocks_},
               {"payitil_reports", &payitil_},
               {"combine_orders", &combine_},
               {"access_tokens", &tokens_},
               {"notifications", &deliveries_}};
  for (auto& slot : slots) {
    auto c = store_.Open(slot.name);
    if (!c) return std::move(c).error();
    *slot.ptr = *c;
  }
  for (const auto& [key, order] : orders_->items()) {
    std::string tx = order.value("transaction_id", std::string());
    if (!tx.empty()) by_transaction_id_[tx] = key;
  }
  for (const auto& [key, refund] : refunds_->items()) {
    by_refund_id_[refund.value("refund_id", std::string())] = key;
  }
  for (const auto& [key, d] : deliveries_->items()) {
    if (d.value("status", std::string()) == "PENDING") pending_deliveries_.insert(key);
  }
  sequence_ = orders_->size() + refunds_->size() + deliveries_->size() + blocks_->size();
  return {};
}

void Engine::set_base_url(std::string url) {
  std::lock_guard<std::mutex> lock(url_mu_);
  base_url_ = std::move(url);
}

std::string Engine::base_url() const {
  std::lock_guard<std::mutex> lock(url_mu_);
  return base_url_;
}

void Engine::StartNotifier() { notifier_->Start(); }

void Engine::Shutdown() {
  if (shut_down_.exchange(true)) return;
  if (notifier_) notifier_->Stop();
  std::lock_guard<std::mutex> lock(mu_);
  store_.Close();
}

// ---- dispatch ----

namespace {
bool IsV3Path(std::string_view path) {
  return StartsWith(path, "/v3/") || StartsWith(path, "/hk/v3/") || StartsWith(path, "/global/v3/");
}
}  // namespace

bool Engine::IsMiniProgram(const std::string& method, const std::string& path) const {
  if (path == "/cgi-bin/token" || path == "/cgi-bin/stable_token") return true;
  auto m = wechatpay::testing::MatchPath(catalog_, method, path);
  return m && m->endpoint->protocol == catalog::Protocol::kMiniProgram;
}

WireResponse Engine::Handle(const WireRequest& req) {
  auto [path, raw_query] = SplitTarget(req.target);
  WireResponse res;
  if (path == "/sandbox" || StartsWith(path, "/sandbox/")) {
    res = HandleControl(req, path, raw_query);
  } else {
    FaultTable::Applied fault = faults_.Take(path);
    if (IsV3Path(path)) {
      res = HandleApiV3(req, path, raw_query, fault);
    } else if (IsMiniProgram(req.method, path)) {
      res = HandleMiniProgram(req, path, raw_query, fault);
    } else {
      res = HandleApiV2(req, path, raw_query, fault);  // APIv2 paths have no common prefix
    }
    res.delay_ms = fault.latency_ms;
    res.drop_connection = fault.drop;
  }
  if (options_.log_requests) {
    // The path only: query strings can carry access tokens and app secrets.
    std::fprintf(stderr, "wxpay sandbox: %s %s -> %d\n", req.method.c_str(),
                 IsValidUtf8(path) && path.size() < 512 ? path.c_str() : "(path)", res.status);
  }
  return res;
}

// ---- callbacks ----

Status Engine::EnqueueDelivery(const std::string& url, const std::string& mchid,
                               const std::string& event_type, const std::string& summary,
                               const std::string& original_type, const Json& resource, bool probe) {
  // mu_ is held by the caller.
  Json d = Json::object();
  std::string id = crypto::HexEncode(crypto::RandomBytes(16));
  id = id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) +
       "-" + id.substr(20, 12);
  d["id"] = id;
  d["seq"] = ++sequence_;
  d["url"] = url;
  d["mchid"] = mchid;
  d["event_type"] = event_type;
  d["summary"] = summary;
  d["original_type"] = original_type;
  d["resource"] = resource;
  d["create_time"] = FormatRfc3339(Now());
  d["probe"] = probe;
  d["status"] = "PENDING";
  d["attempts"] = 0;
  d["next_at_ms"] = 0;
  d["last_http_status"] = 0;
  d["last_error"] = "";
  if (Status s = deliveries_->Put(id, d); !s) return s;
  pending_deliveries_.insert(id);
  if (notifier_) notifier_->Wake();
  return {};
}

std::vector<DueDelivery> Engine::TakeDue(int64_t now_ms, int64_t* next_due_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<int64_t, DueDelivery>> due;
  int64_t next = -1;
  for (const std::string& id : pending_deliveries_) {
    const Json* found = deliveries_->Get(id);
    if (!found || found->value("status", std::string()) != "PENDING") continue;
    const Json& d = *found;
    int64_t at = d.value("next_at_ms", int64_t{0});
    if (at > now_ms) {
      if (next < 0 || at < next) next = at;
      continue;
    }
    DueDelivery x;
    x.id = id;
    x.url = d.value("url", std::string());
    x.mchid = d.value("mchid", std::string());
    x.event_type = d.value("event_type", std::string());
    x.summary = d.value("summary", std::string());
    x.original_type = d.value("original_type", std::string());
    x.plaintext = d.contains("resource") ? DumpJson(d["resource"]) : std::string("{}");
    x.create_time = d.value("create_time", std::string());
    x.probe = d.value("probe", false);
    x.attempt = d.value("attempts", 0);
    due.emplace_back(d.value("seq", int64_t{0}), std::move(x));
  }
  std::sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DueDelivery> out;
  out.reserve(due.size());
  for (auto& p : due) out.push_back(std::move(p.second));
  *next_due_ms = next;
  return out;
}

void Engine::RecordAttempt(const std::string& id, int http_status, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  const Json* cur = deliveries_->Get(id);
  if (!cur) return;
  Json d = *cur;
  int attempts = d.value("attempts", 0) + 1;
  d["attempts"] = attempts;
  d["last_http_status"] = http_status;
  d["last_error"] = error;
  d["last_attempt_time"] = FormatRfc3339(Now());
  bool ok = http_status >= 200 && http_status < 300;
  if (ok) {
    d["status"] = "DELIVERED";
    pending_deliveries_.erase(id);
  } else {
    int64_t delay =
        d.value("probe", false) ? -1 : RetryDelayMs(attempts, options_.notify_time_scale);
    if (delay < 0) {
      d["status"] = "FAILED";
      pending_deliveries_.erase(id);
    } else {
      d["next_at_ms"] = NowMillis() + delay;
    }
  }
  if (Status s = deliveries_->Put(id, d); !s) {
    std::fprintf(stderr, "wxpay sandbox: cannot persist a delivery: %s\n",
                 s.error().message.c_str());
  }
}

Result<SignedCallback> Engine::BuildCallback(const DueDelivery& d) const {
  SecretString apiv3;
  auto m = id_.merchants.find(d.mchid);
  if (m != id_.merchants.end()) apiv3 = m->second.apiv3_key;
  if (apiv3.empty() && id_.demo) apiv3 = id_.demo->apiv3_key;
  if (apiv3.size() != 32) {
    return Error(ErrorCode::kInvalidArgument, "merchant " + d.mchid + " has no APIv3 key");
  }
  auto cb =
      MakeNotification(id_.pubkey_private, id_.pubkey_id, apiv3, d.id, d.event_type, d.summary,
                       d.original_type, d.plaintext, Now(), crypto::RandomNonce(32), d.create_time);
  if (!cb) return cb;
  if (d.probe) {
    cb->headers.Set("Wechatpay-Signature",
                    std::string(kSignTestPrefix) + crypto::Base64Encode(crypto::RandomBytes(48)));
  }
  return cb;
}

std::vector<DeliveryRecord> Engine::Deliveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<int64_t, DeliveryRecord>> tmp;
  for (const auto& [id, d] : deliveries_->items()) {
    DeliveryRecord r;
    r.id = id;
    r.url = d.value("url", std::string());
    r.event_type = d.value("probe", false) ? "SIGNTEST" : d.value("event_type", std::string());
    r.status = d.value("status", std::string());
    r.attempts = d.value("attempts", 0);
    r.last_http_status = d.value("last_http_status", 0);
    r.last_error = d.value("last_error", std::string());
    tmp.emplace_back(d.value("seq", int64_t{0}), std::move(r));
  }
  std::sort(tmp.begin(), tmp.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DeliveryRecord> out;
  for (auto& p : tmp) out.push_back(std::move(p.second));
  return out;
}

Status Engine::SendSignTest(const std::string& url) {
  if (!StartsWith(url, "http://") && !StartsWith(url, "https://")) {
    return Error(ErrorCode::kInvalidArgument, "url must be http:// or https://");
  }
  std::string mchid = id_.demo ? id_.demo->mchid : std::string();
  Json resource = {{"probe", true}};
  std::lock_guard<std::mutex> lock(mu_);
  return EnqueueDelivery(url, mchid, "TRANSACTION.SUCCESS", "支付成功", "transaction", resource,
                         /*probe=*/true);
}

}  // namespace wechatpay::sandbox
