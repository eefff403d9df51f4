// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "notifier.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

#include "engine.h"
#include "util.h"

namespace wechatpay::sandbox {

int64_t RetryDelayMs(int attempts_made, double scale) {
  // Seconds between attempts, as WeChat Pay documents it (15 retries after the first attempt).
  static constexpr int64_t kSchedule[] = {15,   15,   30,    180,   600,   1200,  1800, 1800,
                                          1800, 3600, 10800, 10800, 10800, 21600, 21600};
  constexpr int kRetries = static_cast<int>(sizeof kSchedule / sizeof kSchedule[0]);
  static_assert(kRetries + 1 == kMaxDeliveryAttempts);
  if (attempts_made < 1 || attempts_made > kRetries) return -1;
  double ms = static_cast<double>(kSchedule[attempts_made - 1]) * 1000.0 * scale;
  return std::max<int64_t>(1, static_cast<int64_t>(ms));
}

void Notifier::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(client_mu_);
    if (active_) active_->stop();
  }
  if (thread_.joinable()) thread_.join();
}

void Notifier::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Notifier::Loop() {
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      woken_ = false;
    }
    int64_t next_due = -1;
    std::vector<DueDelivery> due = engine_->TakeDue(NowMillis(), &next_due);
    for (const DueDelivery& d : due) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
      }
      std::string error;
      int status = 0;
      auto cb = engine_->BuildCallback(d);
      if (!cb) {
        error = cb.error().message;
      } else {
        status = Post(d.url, cb->body, cb->headers, &error);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        // An attempt cut short by Stop() is not counted: it is retried after a restart.
        if (stop_) return;
      }
      engine_->RecordAttempt(d.id, status, error);
    }
    if (!due.empty()) continue;  // records changed; compute the next due time again
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) return;
    if (woken_) continue;
    // Wake up at the next due time, or at least once a second.
    int64_t wait_ms = 1000;
    if (next_due >= 0) wait_ms = std::clamp<int64_t>(next_due - NowMillis(), 0, 1000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stop_ || woken_; });
  }
}

int Notifier::Post(const std::string& url, const std::string& body, const Headers& headers,
                   std::string* error) {
  // scheme://host[:port]/path
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    *error = "notify_url is not absolute";
    return 0;
  }
  size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  if (!client.is_valid()) {
    *error = "unsupported notify_url";
    return 0;
  }
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  client.set_keep_alive(false);
  httplib::Headers h;
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, "Content-Type")) continue;
    h.emplace(k, v);
  }
  h.emplace("User-Agent", "Mozilla/4.0 (wxpay-sandbox)");
  {
    std::lock_guard<std::mutex> lock(client_mu_);
    std::lock_guard<std::mutex> stop_lock(mu_);
    if (stop_) return 0;
    active_ = &client;
  }
  auto res = client.Post(path.c_str(), h, body, "application/json");
  {
    std::lock_guard<std::mutex> lock(client_mu_);
    active_ = nullptr;
  }
  if (!res) {
    *error = httplib::to_string(res.error());
    return 0;
  }
  if (res->status < 200 || res->status >= 300) *error = "HTTP " + std::to_string(res->status);
  return res->status;
}

}  // namespace wechatpay::sandbox
