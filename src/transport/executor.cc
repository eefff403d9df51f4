// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "transport/executor.h"

#include <pthread.h>

#include <algorithm>

#include "wechatpay/http.h"

namespace wechatpay {
namespace internal {

namespace {
thread_local const Executor* current_executor = nullptr;
}  // namespace

bool Executor::OnWorkerThread() const { return current_executor == this; }

Executor& Executor::Default() {
  // Leaked on purpose: worker threads may still hold tasks when static destructors run.
  static Executor* pool = new Executor(std::max<size_t>(2, std::thread::hardware_concurrency()));
  return *pool;
}

Executor::Executor(size_t threads) {
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

Executor::~Executor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& t : workers_) t.join();
  timer_thread_.join();
}

void Executor::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

uint64_t Executor::PostAfter(std::chrono::milliseconds delay, std::function<void()> task) {
  if (delay.count() <= 0) {
    Post(std::move(task));
    return 0;
  }
  auto due = std::chrono::steady_clock::now() + delay;
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_timer_id_++;
    timers_.emplace(due, std::make_pair(id, std::move(task)));
    timer_ids_[id] = due;
  }
  timer_cv_.notify_one();
  return id;
}

bool Executor::CancelTimer(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = timer_ids_.find(id);
  if (it == timer_ids_.end()) return false;
  auto range = timers_.equal_range(it->second);
  for (auto t = range.first; t != range.second; ++t) {
    if (t->second.first == id) {
      timers_.erase(t);
      break;
    }
  }
  timer_ids_.erase(it);
  return true;
}

void Executor::WorkerLoop() {
  current_executor = this;
  pthread_setname_np(pthread_self(), "wxpay-worker");  // shown by top -H, gdb, perf
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stop_ and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void Executor::TimerLoop() {
  pthread_setname_np(pthread_self(), "wxpay-timer");
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (timers_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    auto due = timers_.begin()->first;
    if (std::chrono::steady_clock::now() < due) {
      timer_cv_.wait_until(lock, due);
      continue;
    }
    auto node = timers_.extract(timers_.begin());
    timer_ids_.erase(node.mapped().first);
    tasks_.push_back(std::move(node.mapped().second));
    cv_.notify_one();
  }
}

}  // namespace internal

HttpTransport::Cancel HttpTransport::SendAsync(HttpRequest request, Callback done) {
  // A transport without its own event loop: a worker thread blocks in Send.
  internal::Executor::Default().Post(
      [this, request = std::move(request), done = std::move(done)] { done(Send(request)); });
  return nullptr;
}

}  // namespace wechatpay
