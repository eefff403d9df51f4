// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The client against a hostile HTTP server on 127.0.0.1 (a raw socket server that answers what
// it likes): a request closed without an answer is never sent twice unless it may be.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>

#include "support/raw_server.h"
#include "support/test_util.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
using testing::RawConnection;
using testing::RawResponse;
using testing::RawServer;

HttpRequest Request(const std::string& method, const std::string& url, std::string body = {}) {
  HttpRequest r;
  r.method = method;
  r.url = url;
  r.body = std::move(body);
  r.timeout = std::chrono::seconds(10);
  return r;
}

// Answers GETs on a kept-alive connection; the first request of `method` is read and the
// connection closed without an answer; later ones are answered 200.
struct CloseAfterReading {
  explicit CloseAfterReading(std::string m) : method(std::move(m)) {}
  std::string method;
  std::atomic<int> seen{0};
  void operator()(RawConnection& c) {
    while (auto req = c.ReadRequest()) {
      if (req->method == method && ++seen == 1) return;
      if (!c.Write(RawResponse(200, R"({"ok":true})"))) return;
    }
  }
};

TEST(HostileServer, PostClosedWithoutAnswerOnAReusedConnectionIsNotSentAgain) {
  CloseAfterReading h("POST");
  RawServer server([&](RawConnection& c) { h(c); });
  auto transport = MakeCurlTransport();
  auto warm = transport->Send(Request("GET", server.url("/v3/warm")));
  ASSERT_TRUE(warm) << warm.error().message;
  auto r = transport->Send(Request("POST", server.url("/v3/pay"), R"({"out_trade_no":"1"})"));
  EXPECT_EQ(h.seen.load(), 1) << "the POST reached the server more than once";
  ASSERT_FALSE(r) << "HTTP " << r->status;
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_THAT(r.error().message, HasSubstr("it was not sent again (POST is not idempotent)"));
}

TEST(HostileServer, AsyncPostClosedWithoutAnswerIsNotSentAgain) {
  CloseAfterReading h("PUT");
  RawServer server([&](RawConnection& c) { h(c); });
  auto transport = MakeCurlTransport();
  auto send = [&](HttpRequest req) {
    std::promise<Result<HttpResponse>> p;
    auto f = p.get_future();
    transport->SendAsync(std::move(req), [&p](Result<HttpResponse> r) { p.set_value(r); });
    return f.get();
  };
  ASSERT_TRUE(send(Request("GET", server.url("/v3/warm"))));
  auto r = send(Request("PUT", server.url("/v3/thing"), R"({"a":1})"));
  EXPECT_EQ(h.seen.load(), 1);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("(PUT is not idempotent)"));
}

// The control: a GET asks nothing to be done, so curl's resend on a fresh connection stays.
TEST(HostileServer, GetClosedWithoutAnswerIsResentOnAFreshConnection) {
  std::atomic<int> gets{0};
  RawServer server([&](RawConnection& c) {
    while (auto req = c.ReadRequest()) {
      if (++gets == 2) return;  // the second GET: on the kept-alive connection
      if (!c.Write(RawResponse(200, "{}"))) return;
    }
  });
  auto transport = MakeCurlTransport();
  ASSERT_TRUE(transport->Send(Request("GET", server.url("/a"))));
  auto r = transport->Send(Request("GET", server.url("/b")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(gets.load(), 3);
}

// The mini-program API: the token fetch (GET /cgi-bin/token) leaves a kept-alive connection
// that the business POST then reuses.
TEST(HostileServer, MiniProgramPostAfterTokenFetchIsNotSentAgain) {
  std::atomic<int> posts{0};
  RawServer server([&](RawConnection& c) {
    while (auto req = c.ReadRequest()) {
      if (req->target.rfind("/cgi-bin/token", 0) == 0) {
        if (!c.Write(RawResponse(200, R"({"access_token":"TOKEN","expires_in":7200})"))) return;
        continue;
      }
      if (req->method == "POST" && ++posts == 1) return;
      if (!c.Write(RawResponse(200, R"({"errcode":0})"))) return;
    }
  });
  ClientOptions o;
  o.miniprogram.appid = "wx0000000000000001";
  o.miniprogram.appsecret = SecretString("0123456789abcdef0123456789abcdef");
  o.miniprogram.stable_token = false;
  o.miniprogram.base_url = server.url("/");
  o.allow_empty_platform_keys = true;
  auto client = Client::Create(o);
  ASSERT_TRUE(client) << client.error().message;
  CallOptions call;
  call.validate = false;
  call.body = R"({"openid":"o1"})";
  auto r = client->chain("wxa/business/getuserriskrank").request("POST", call);
  EXPECT_EQ(posts.load(), 1) << "the mini-program POST reached the server more than once";
  ASSERT_FALSE(r) << r->body;
  EXPECT_EQ(r.error().code, ErrorCode::kNetwork);
  EXPECT_THAT(r.error().message, HasSubstr("not sent again (POST is not idempotent)"));
}

}  // namespace
}  // namespace wechatpay
