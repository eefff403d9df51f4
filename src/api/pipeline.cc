// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The request pipeline: plans, the retry decision, and the two runners (blocking and async).
#include <cmath>
#include <thread>

#include "api/client_impl.h"
#include "transport/executor.h"

namespace wechatpay::internal {

namespace {

std::string UpperMethod(std::string_view m) {
  std::string out(m);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IsRetryableTransportError(ErrorCode c) {
  return c == ErrorCode::kNetwork || c == ErrorCode::kTimeout;
}

// APIv3: sign every attempt afresh; verify 2xx responses.
class ApiV3Plan final : public CallPlan {
 public:
  ApiV3Plan(const ClientImpl& impl, std::string method, ClientImpl::Target target, std::string body,
            Headers headers, const CallOptions& opts, bool verify)
      : method_(std::move(method)),
        target_(std::move(target)),
        auth_(impl.authenticator()),
        verify_(verify && !opts.sink) {
    base_ = impl.BaseRequest(method_, target_.url, opts);
    base_.body = std::move(body);
    for (const auto& [k, v] : headers) base_.headers.Set(k, v);
    if (!base_.body.empty() && !base_.headers.Has("Content-Type")) {
      base_.headers.Set("Content-Type", "application/json");
    }
  }
  ~ApiV3Plan() override { SecureWipe(base_.body); }

  // Multipart uploads: the signature covers the `meta` text, not the body.
  void SignOver(std::string text) { signed_body_ = std::move(text); }

  Result<HttpRequest> Build(int /*attempt*/) override {
    auto auth = auth_->Authorization(method_, target_.signed_path,
                                     signed_body_ ? *signed_body_ : base_.body);
    if (!auth) return auth.error();
    HttpRequest req = base_;
    req.headers.Set("Authorization", std::move(*auth));
    return req;
  }

  std::optional<Result<Response>> Complete(HttpResponse r, int /*attempt*/) override {
    if (r.status < 200 || r.status >= 300) return Result<Response>(ClientImpl::ApiError(r));
    if (verify_) {
      if (Status s = auth_->Verify(r); !s) return Result<Response>(std::move(s).error());
    }
    return Result<Response>(Response{r.status, std::move(r.headers), std::move(r.body)});
  }

 private:
  std::string method_;
  ClientImpl::Target target_;
  std::shared_ptr<const CallAuthenticator> auth_;
  bool verify_;
  HttpRequest base_;
  std::optional<std::string> signed_body_;
};

}  // namespace

HttpRequest ClientImpl::BaseRequest(const std::string& method, const std::string& url,
                                    const CallOptions& opts) const {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.connect_timeout = options_.connect_timeout;
  req.timeout = opts.timeout.value_or(options_.timeout);
  req.sink = opts.sink;
  req.client_certificate = options_.client_certificate;
  req.max_body_bytes = options_.max_response_bytes;
  req.max_sink_bytes = options_.max_download_bytes;
  req.headers = opts.headers;
  if (!req.headers.Has("Accept")) req.headers.Set("Accept", "application/json");
  req.headers.Set("User-Agent", user_agent_);
  return req;
}

std::unique_ptr<CallPlan> ClientImpl::MakeApiV3Plan(std::string method, Target target,
                                                    std::string body, Headers headers,
                                                    const CallOptions& opts, bool verify,
                                                    std::optional<std::string> sign_over) const {
  auto plan = std::make_unique<ApiV3Plan>(*this, method, target, std::move(body),
                                          std::move(headers), opts, verify);
  if (sign_over) plan->SignOver(std::move(*sign_over));
  plan->what = method + " " + target.template_path;
  plan->idempotent =
      opts.idempotent.value_or(method == "GET" || method == "HEAD" || method == "DELETE");
  if (opts.deadline) plan->deadline = std::chrono::steady_clock::now() + *opts.deadline;
  return plan;
}

Result<std::unique_ptr<CallPlan>> ClientImpl::Plan(std::string_view method_in, std::string_view uri,
                                                   CallOptions opts,
                                                   const nlohmann::json* parsed_body) const {
  std::string method = UpperMethod(method_in);
  if (method.empty()) return Error(ErrorCode::kInvalidArgument, "empty HTTP method");
  auto target = ResolveTarget(uri, opts);
  if (!target) return target.error();
  Family family = target->absolute ? Family::kApiV3 : FamilyOf(target->template_path);
  if (family == Family::kApiV2) return MakeApiV2Plan(method, *target, opts);
  if (family == Family::kMiniProgram) {
    return MakeMiniProgramPlan(method, *target, opts, parsed_body);
  }
  if (Status s = RequireApiV3(); !s) return std::move(s).error();
  // Sensitive query parameters ("query:NAME" in encrypt_fields) are encrypted before the URL is
  // built, validated and signed.
  auto encrypted_query = EncryptQueryFields(opts);
  if (!encrypted_query) return encrypted_query.error();
  if (*encrypted_query) {
    target = ResolveTarget(uri, opts);
    if (!target) return target.error();
  }
  if (opts.multipart) return PlanMultipart(method, std::move(*target), opts);  // src/api/upload.cc
  if (!target->absolute) {
    if (Status s = ValidateRequest(method, *target, opts, parsed_body, /*xml=*/nullptr); !s) {
      return std::move(s).error();
    }
  }
  MaybeScheduledRefresh();
  std::string body = opts.body.value_or(std::string());
  Headers headers;
  if (!opts.encrypt_fields.empty()) {
    if (Status s = EncryptFields(body, opts.encrypt_fields, headers); !s) {
      return std::move(s).error();
    }
  }
  return MakeApiV3Plan(method, std::move(*target), std::move(body), std::move(headers), opts,
                       /*verify=*/true);
}

namespace {
// Retry-After in delay-seconds (RFC 9110 10.2.3): digits only, saturating at kMaxRetryAfter so
// that no value overflows. An HTTP-date or anything else is treated as absent.
constexpr int64_t kMaxRetryAfterSeconds = int64_t{1} << 40;  // far past any max_backoff
std::optional<int64_t> RetryAfterSeconds(const HttpResponse& r) {
  const std::string* ra = r.headers.Find("Retry-After");
  if (ra == nullptr) return std::nullopt;
  std::string_view v = *ra;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  int64_t secs = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    secs = std::min(kMaxRetryAfterSeconds, secs * 10 + (c - '0'));
  }
  return secs;
}
}  // namespace

std::chrono::milliseconds ClientImpl::Backoff(int attempt, const HttpResponse* last) const {
  const RetryPolicy& p = options_.retry;
  double cap = static_cast<double>(p.initial_backoff.count()) *
               std::pow(p.multiplier, static_cast<double>(attempt - 1));
  cap = std::min(cap, static_cast<double>(p.max_backoff.count()));
  auto wait = std::chrono::milliseconds(static_cast<int64_t>(cap * options_.jitter()));
  if (last != nullptr) {
    // Decide() has already given up when the server asks for more than max_backoff.
    if (auto secs = RetryAfterSeconds(*last); secs && *secs > 0) {
      auto server = std::chrono::milliseconds(*secs * 1000);
      if (server <= p.max_backoff && server > wait) wait = server;
    }
  }
  return wait;
}

Decision ClientImpl::Decide(CallPlan& plan, int attempt, Result<HttpResponse> res) const {
  int max_attempts = plan.idempotent ? options_.retry.max_attempts : 1;
  Decision d;
  bool retry = false;
  if (!res) {
    retry = plan.idempotent && IsRetryableTransportError(res.error().code);
    Log(LogLevel::kWarning, plan.what + ": " + res.error().message);
    if (!retry || attempt >= max_attempts) {
      d.result = Result<Response>(std::move(res).error());
      return d;
    }
    d.delay = Backoff(attempt, nullptr);
  } else {
    if (options_.logger) {  // every response passes here: build the line only for a listener
      Log(res->status < 400 ? LogLevel::kInfo : LogLevel::kWarning,
          plan.what + " -> " + std::to_string(res->status) + " (Request-ID " +
              res->headers.Get("Request-ID") + ")");
    }
    retry = plan.idempotent && (res->status == 429 || res->status >= 500);
    // A server that asks for a longer wait than RetryPolicy::max_backoff is not retried early
    // (which would only add load where it asked for less): the call ends with its answer.
    std::optional<int64_t> asked;
    if (retry && attempt < max_attempts) {
      asked = RetryAfterSeconds(*res);
      if (asked && *asked * 1000 > options_.retry.max_backoff.count()) {
        retry = false;
      } else {
        asked.reset();
      }
    }
    if (retry && attempt < max_attempts) {
      d.delay = Backoff(attempt, &*res);
    } else {
      auto done = plan.Complete(std::move(*res), attempt);
      if (done && asked && !*done) {
        Error e = std::move(*done).error();
        e.message += "; not retried: the server asked to wait " +
                     (*asked >= kMaxRetryAfterSeconds ? std::string("more than ") : std::string()) +
                     std::to_string(*asked) +
                     " s (Retry-After), longer than RetryPolicy::max_backoff (" +
                     std::to_string(options_.retry.max_backoff.count()) + " ms)";
        Log(LogLevel::kWarning, plan.what + ": " + e.message);
        done = Result<Response>(std::move(e));
      }
      if (done) {
        d.result = std::move(done);
        return d;
      }
      if (attempt > max_attempts) {  // a plan asking to resend forever
        d.result = Result<Response>(Error(ErrorCode::kInternal, plan.what + ": gave up resending"));
        return d;
      }
      return d;  // resend at once
    }
  }
  if (plan.deadline && std::chrono::steady_clock::now() + d.delay > *plan.deadline) {
    d.result = Result<Response>(
        Error(ErrorCode::kTimeout, plan.what + ": the call's deadline leaves no time to retry"));
    return d;
  }
  Log(LogLevel::kInfo, plan.what + ": retrying (attempt " + std::to_string(attempt + 1) + " of " +
                           std::to_string(max_attempts) + ") in " +
                           std::to_string(d.delay.count()) + " ms");
  return d;
}

namespace {
// Per-attempt timeout: never past the call's deadline.
Status ApplyDeadline(const CallPlan& plan, HttpRequest& req) {
  if (!plan.deadline) return {};
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      *plan.deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) {
    return Error(ErrorCode::kTimeout, plan.what + ": the call's deadline has passed");
  }
  if (left < req.timeout) req.timeout = left;
  return {};
}
}  // namespace

Result<Response> ClientImpl::RunSync(CallPlan& plan) const {
  for (int attempt = 1;; ++attempt) {
    auto req = plan.Build(attempt);
    if (!req) return req.error();
    if (Status s = ApplyDeadline(plan, *req); !s) return std::move(s).error();
    Result<HttpResponse> res = options_.transport->Send(*req);
    SecureWipe(req->body);
    Decision d = Decide(plan, attempt, std::move(res));
    if (d.result) return std::move(*d.result);
    if (d.delay.count() > 0) options_.sleep(d.delay);
  }
}

Result<Response> ClientImpl::Call(std::string_view method, std::string_view uri, CallOptions opts,
                                  const nlohmann::json* parsed_body) const {
  auto plan = Plan(method, uri, std::move(opts), parsed_body);
  if (!plan) return plan.error();
  return RunSync(**plan);
}

// ---------------------------------------------------------------------------------------------
// Asynchronous runner

namespace {

class AsyncRun : public std::enable_shared_from_this<AsyncRun> {
 public:
  AsyncRun(std::shared_ptr<const ClientImpl> impl, Promise<Response> promise)
      : impl_(std::move(impl)), promise_(std::move(promise)) {}

  // Runs on a worker: plan (validation, encryption), then the first attempt.
  void Start(std::string method, std::string uri, CallOptions opts,
             std::shared_ptr<const nlohmann::json> parsed) {
    auto plan = impl_->Plan(method, uri, std::move(opts), parsed.get());
    if (!plan) return Finish(plan.error());
    plan_ = std::move(*plan);
    Attempt();
  }

  void Cancel() {
    HttpTransport::Cancel transport_cancel;
    uint64_t timer = 0;
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      cancelled_ = true;
      transport_cancel = std::move(transport_cancel_);
      timer = timer_;
      timer_ = 0;
    }
    if (timer != 0) Executor::Default().CancelTimer(timer);
    if (transport_cancel) transport_cancel();
    Finish(Error(ErrorCode::kCancelled, "the call was cancelled"));
  }

 private:
  void Attempt() {
    ++attempt_;
    auto req = plan_->Build(attempt_);  // RSA signing happens here, on a worker
    if (!req) return Finish(req.error());
    if (plan_->deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *plan_->deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Finish(Error(ErrorCode::kTimeout, plan_->what + ": the call's deadline has passed"));
      }
      if (left < req->timeout) req->timeout = left;
    }
    auto self = shared_from_this();
    const AsyncRun* outer = sending_;
    sending_ = this;
    HttpTransport::Cancel c =
        impl_->options().transport->SendAsync(std::move(*req), [self](Result<HttpResponse> r) {
          // Off the I/O thread: verification (RSA) runs on the worker pool. A transport that
          // already calls back on a worker (CurlTransport does) saves a hop; one that calls back
          // from inside SendAsync is queued, never re-entered.
          Executor& pool = Executor::Default();
          if (pool.OnWorkerThread() && sending_ != self.get()) {
            self->OnResponse(std::move(r));
          } else {
            pool.Post([self, r = std::move(r)]() mutable { self->OnResponse(std::move(r)); });
          }
        });
    sending_ = outer;
    std::lock_guard lock(mu_);
    if (!done_) transport_cancel_ = std::move(c);
  }

  void OnResponse(Result<HttpResponse> r) {
    {
      std::lock_guard lock(mu_);
      transport_cancel_ = nullptr;
      if (done_ || cancelled_) return;
    }
    Decision d = impl_->Decide(*plan_, attempt_, std::move(r));
    if (d.result) return Finish(std::move(*d.result));
    auto self = shared_from_this();
    std::lock_guard lock(mu_);
    if (done_ || cancelled_) return;
    timer_ = Executor::Default().PostAfter(d.delay, [self] {
      {
        std::lock_guard inner(self->mu_);
        self->timer_ = 0;
        if (self->done_ || self->cancelled_) return;
      }
      self->Attempt();
    });
  }

  void Finish(Result<Response> r) {
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      done_ = true;
    }
    impl_->Untrack(this);
    promise_.set(std::move(r));  // continuations run here, outside our lock
  }

  static thread_local const AsyncRun* sending_;  // the run inside SendAsync on this thread

  std::shared_ptr<const ClientImpl> impl_;
  Promise<Response> promise_;
  std::unique_ptr<CallPlan> plan_;
  int attempt_ = 0;
  std::mutex mu_;
  bool done_ = false;
  bool cancelled_ = false;
  HttpTransport::Cancel transport_cancel_;
  uint64_t timer_ = 0;
};

thread_local const AsyncRun* AsyncRun::sending_ = nullptr;

}  // namespace

Future<Response> ClientImpl::CallAsync(std::string_view method, std::string_view uri,
                                       CallOptions opts,
                                       std::shared_ptr<const nlohmann::json> parsed_body) const {
  Promise<Response> promise;
  auto run = std::make_shared<AsyncRun>(shared_from_this(), promise);
  std::weak_ptr<AsyncRun> weak = run;
  auto cancel = [weak] {
    if (auto r = weak.lock()) r->Cancel();
  };
  promise.on_cancel(cancel);
  Track(run, cancel);
  Executor::Default().Post([run, method = std::string(method), uri = std::string(uri),
                            opts = std::move(opts), parsed = std::move(parsed_body)]() mutable {
    run->Start(std::move(method), std::move(uri), std::move(opts), std::move(parsed));
  });
  return promise.future();
}

void ClientImpl::Track(const std::shared_ptr<void>& run, std::function<void()> cancel) const {
  std::lock_guard lock(inflight_mu_);
  inflight_[run.get()] = {run, std::move(cancel)};
}

void ClientImpl::Untrack(const void* run) const {
  std::lock_guard lock(inflight_mu_);
  inflight_.erase(run);
}

void ClientImpl::CancelAll() const {
  std::vector<std::function<void()>> cancels;
  {
    std::lock_guard lock(inflight_mu_);
    for (auto& [ptr, entry] : inflight_) cancels.push_back(entry.second);
  }
  for (auto& c : cancels) c();  // outside the lock: Cancel calls Untrack
}

}  // namespace wechatpay::internal
