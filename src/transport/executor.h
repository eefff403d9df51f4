// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The SDK's worker pool (RSA signing and verification, continuations) and its timers (retry
// backoff). One per process, sized to the cores, created on first use and never destroyed (so no
// task can outlive it at exit). Internal only.
#ifndef WECHATPAY_SRC_TRANSPORT_EXECUTOR_H_
#define WECHATPAY_SRC_TRANSPORT_EXECUTOR_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace wechatpay::internal {

class Executor {
 public:
  static Executor& Default();

  explicit Executor(size_t threads);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  ~Executor();

  void Post(std::function<void()> task);
  // Posts `task` to the pool once `delay` has passed. Returns an id for CancelTimer.
  uint64_t PostAfter(std::chrono::milliseconds delay, std::function<void()> task);
  // True when the timer was still pending (its task will not run).
  bool CancelTimer(uint64_t id);
  size_t threads() const { return workers_.size(); }
  // True on one of this executor's worker threads (a task may then continue inline instead of
  // queueing another task: one thread hop less).
  bool OnWorkerThread() const;

 private:
  void WorkerLoop();
  void TimerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::condition_variable timer_cv_;
  // Due time -> (id, task); ids_ maps id -> due time for cancellation.
  std::multimap<std::chrono::steady_clock::time_point, std::pair<uint64_t, std::function<void()>>>
      timers_;
  std::map<uint64_t, std::chrono::steady_clock::time_point> timer_ids_;
  uint64_t next_timer_id_ = 1;
  bool stop_ = false;
  std::vector<std::thread> workers_;
  std::thread timer_thread_;
};

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_TRANSPORT_EXECUTOR_H_
