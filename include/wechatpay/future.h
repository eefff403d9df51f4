// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Future<T>: the result of an asynchronous call, a Result<T> that arrives later.
//
//   client["v3/…"].getAsync(opts)
//       .then([](wechatpay::Result<wechatpay::Response> r) { … })
//       .wait();
//
// Continuations run on the thread that completes the future (an SDK worker thread), or at once on
// the calling thread when the future is already complete. They never run under an SDK lock.
#ifndef WECHATPAY_FUTURE_H_
#define WECHATPAY_FUTURE_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay {

template <typename T>
class Future;
template <typename T>
class Promise;

namespace internal {

template <typename T>
struct FutureState {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<T>> result;
  std::vector<std::function<void()>> continuations;
  std::function<void()> cancel;  // set by the producer; called at most once

  // Returns false when a result was already set.
  bool Set(Result<T> r) {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu);
      if (result) return false;
      result.emplace(std::move(r));
      run.swap(continuations);
      cancel = nullptr;
    }
    cv.notify_all();
    for (auto& f : run) f();  // outside the lock
    return true;
  }
  void OnReady(std::function<void()> f) {
    {
      std::lock_guard lock(mu);
      if (!result) {
        continuations.push_back(std::move(f));
        return;
      }
    }
    f();
  }
};

template <typename T>
struct UnwrapResult {
  using type = T;
};
template <typename T>
struct UnwrapResult<Result<T>> {
  using type = T;
};

}  // namespace internal

// The value of a continuation that returns nothing.
struct Unit {};

template <typename T>
class Future {
 public:
  Future() = default;

  bool valid() const { return state_ != nullptr; }
  bool ready() const {
    std::lock_guard lock(state_->mu);
    return state_->result.has_value();
  }
  void wait() const {
    std::unique_lock lock(state_->mu);
    state_->cv.wait(lock, [&] { return state_->result.has_value(); });
  }
  template <typename Rep, typename Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, d, [&] { return state_->result.has_value(); });
  }
  // Waits, then gives the result. May be called more than once.
  Result<T>& get() {
    wait();
    return *state_->result;
  }

  // Asks the producer to stop; the future completes with ErrorCode::kCancelled unless it already
  // completed. Safe to call at any time, from any thread.
  void cancel() {
    std::function<void()> c;
    {
      std::lock_guard lock(state_->mu);
      if (state_->result) return;
      c = std::move(state_->cancel);
      state_->cancel = nullptr;
    }
    if (c) c();
    state_->Set(Error(ErrorCode::kCancelled, "the call was cancelled"));
  }

  // Runs `f(Result<T>&)` once this completes and returns a future of what it returns: a Result<U>
  // becomes Future<U>, void becomes Future<Unit>, any other U becomes Future<U>.
  template <typename F>
  auto then(F f) {
    using R = std::invoke_result_t<F, Result<T>&>;
    using U = std::conditional_t<std::is_void_v<R>, Unit, typename internal::UnwrapResult<R>::type>;
    auto next = std::make_shared<internal::FutureState<U>>();
    auto self = state_;
    // Cancelling the continuation's future cancels this one.
    next->cancel = [self] { Future<T>(self).cancel(); };
    state_->OnReady([self, next, f = std::move(f)]() mutable {
      if constexpr (std::is_void_v<R>) {
        f(*self->result);
        next->Set(Unit{});
      } else {
        next->Set(f(*self->result));
      }
    });
    return Future<U>(next);
  }

  explicit Future(std::shared_ptr<internal::FutureState<T>> s) : state_(std::move(s)) {}

 private:
  std::shared_ptr<internal::FutureState<T>> state_;
};

// The producing side. Set the value once; later sets are ignored (and return false).
template <typename T>
class Promise {
 public:
  Promise() : state_(std::make_shared<internal::FutureState<T>>()) {}
  Future<T> future() const { return Future<T>(state_); }
  bool set(Result<T> r) const { return state_->Set(std::move(r)); }
  // Installed by the producer: how to stop the work when the consumer cancels.
  void on_cancel(std::function<void()> f) const {
    std::lock_guard lock(state_->mu);
    if (!state_->result) state_->cancel = std::move(f);
  }
  bool done() const {
    std::lock_guard lock(state_->mu);
    return state_->result.has_value();
  }

 private:
  std::shared_ptr<internal::FutureState<T>> state_;
};

// An already-completed future.
template <typename T>
Future<T> MakeReadyFuture(Result<T> r) {
  Promise<T> p;
  p.set(std::move(r));
  return p.future();
}

}  // namespace wechatpay

#endif  // WECHATPAY_FUTURE_H_
