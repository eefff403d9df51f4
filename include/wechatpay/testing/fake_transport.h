// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support (library wechatpay::testing, installed beside the payment library): a transport that
// records requests and replays responses, so code built on the SDK can be tested without a network.
// Thread-safe.
//
//   auto fake = std::make_shared<wechatpay::testing::FakeTransport>();
//   fake->Enqueue(wechatpay::testing::SignedResponse(platform_key, serial, 200, R"({"ok":true})",
//                                                    wechatpay::SystemClock()()));
//   options.transport = fake;
#ifndef WECHATPAY_TESTING_FAKE_TRANSPORT_H_
#define WECHATPAY_TESTING_FAKE_TRANSPORT_H_

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::testing {

class FakeTransport : public HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  // Responses (or transport errors) replayed in order, one per request.
  void Enqueue(Result<HttpResponse> response) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(response));
  }
  // Answers requests once the queue is empty.
  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    Result<HttpResponse> out = Error(ErrorCode::kNetwork, "FakeTransport: no response queued");
    Handler handler;
    {
      std::lock_guard lock(mu_);
      HttpRequest copy = request;
      copy.sink = nullptr;
      requests_.push_back(std::move(copy));
      if (!queue_.empty()) {
        out = std::move(queue_.front());
        queue_.pop_front();
      } else {
        handler = handler_;
      }
    }
    if (handler) out = handler(request);  // outside the lock: handlers may be slow
    if (out && request.sink && out->status >= 200 && out->status < 300) {
      std::string body = std::move(out->body);
      out->body.clear();
      // Stream in small chunks, as a network would.
      for (size_t i = 0; i < body.size(); i += 1000) {
        if (!request.sink(std::string_view(body).substr(i, 1000))) {
          return Error(ErrorCode::kCancelled, "the response sink stopped the download");
        }
      }
    }
    return out;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const {
    std::lock_guard lock(mu_);
    return requests_.size();
  }
  size_t pending() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<HttpResponse>> queue_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

// A response signed the way WeChat Pay signs it (Wechatpay-* headers, Request-ID).
inline HttpResponse SignedResponse(const PrivateKey& platform_key, const std::string& serial,
                                   int status, std::string body, int64_t timestamp,
                                   std::string content_type = "application/json") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.Set("Content-Type", std::move(content_type));
  r.headers.Set("Request-ID", "08F0" + crypto::RandomNonce(24));
  (void)SignResponse(platform_key, serial, timestamp, crypto::RandomNonce(32), r.body, r.headers);
  return r;
}

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTING_FAKE_TRANSPORT_H_
