// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Delivers callbacks (payment and refund results, SIGNTEST probes) to merchants' notify_url on one
// background thread. The schedule follows WeChat Pay: a first attempt at once, then retries after
// 15 s, 15 s, 30 s, 3 min, 10 min, 20 min, 30 min, 30 min, 30 min, 60 min, 3 h, 3 h, 3 h, 6 h,
// 6 h (scaled by SandboxOptions::notify_time_scale), 16 attempts at most. A 2xx answer is
// success. Stop() interrupts an attempt in flight and returns promptly.
#ifndef WECHATPAY_SANDBOX_SRC_NOTIFIER_H_
#define WECHATPAY_SANDBOX_SRC_NOTIFIER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "wechatpay/http.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace wechatpay::sandbox {

class Engine;

// Milliseconds to wait before attempt number `attempts_made` + 1; negative when no attempt is
// left.
int64_t RetryDelayMs(int attempts_made, double scale);
inline constexpr int kMaxDeliveryAttempts = 16;

class Notifier {
 public:
  explicit Notifier(Engine* engine) : engine_(engine) {}
  ~Notifier() { Stop(); }
  void Start();
  void Stop();
  // Something was enqueued: look again now.
  void Wake();

 private:
  void Loop();
  // HTTP status (0 when there was no answer) and an error text.
  int Post(const std::string& url, const std::string& body, const Headers& headers,
           std::string* error);

  Engine* engine_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::mutex client_mu_;
  httplib::Client* active_ = nullptr;
};

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_NOTIFIER_H_
