// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The payment flow: order, query, pay (control API), signed + encrypted callback with retries,
// refund, close, and the SIGNTEST probe.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/sandbox_fixture.h"

namespace wechatpay::sandbox::testing {
namespace {

class SandboxPaymentTest : public SandboxTest {
 protected:
  nlohmann::json OrderBody(const std::string& out_trade_no, const std::string& notify_url,
                           int64_t total = 100) {
    return {{"appid", client_->merchant().appid},
            {"mchid", client_->merchant().mchid},
            {"description", "Sandbox test order"},
            {"out_trade_no", out_trade_no},
            {"notify_url", notify_url},
            {"amount", {{"total", total}, {"currency", "CNY"}}}};
  }

  httplib::Result Place(const std::string& kind, const nlohmann::json& body) {
    return client_->Send("POST", "/v3/pay/transactions/" + kind, body.dump());
  }

  nlohmann::json Query(const std::string& out_trade_no, int expect_status = 200) {
    auto res = client_->Send("GET", "/v3/pay/transactions/out-trade-no/" + out_trade_no +
                                        "?mchid=" + client_->merchant().mchid);
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, expect_status) << res->body;
    EXPECT_TRUE(client_->Verify(*res).ok());
    return client_->Json(*res);
  }

  // Control API over HTTP.
  httplib::Result Control(const std::string& path,
                          const nlohmann::json& body = nlohmann::json::object()) {
    return client_->Raw("POST", path, body.dump());
  }

  Result<Notification> Parse(const CallbackReceiver::Received& r) {
    return ParseNotification(client_->verifier(), client_->merchant().apiv3_key, r.headers, r.body);
  }
};

TEST_F(SandboxPaymentTest, NativeOrderPaidThenRefunded) {
  CallbackReceiver receiver;
  std::string no = NewNo("NATIVE");
  auto res = Place("native", OrderBody(no, receiver.url()));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(client_->Verify(*res).ok());
  EXPECT_EQ(client_->Json(*res)["code_url"].get<std::string>().rfind("weixin://wxpay/bizpayurl", 0),
            0u);

  auto q = Query(no);
  EXPECT_EQ(q["trade_state"], "NOTPAY");
  EXPECT_EQ(q["out_trade_no"], no);
  EXPECT_EQ(q["amount"]["total"], 100);

  // The user pays (control API) -> TRANSACTION.SUCCESS callback, signed and encrypted.
  auto pay = Control("/sandbox/orders/" + no + "/pay");
  ASSERT_TRUE(pay);
  ASSERT_EQ(pay->status, 200) << pay->body;
  ASSERT_TRUE(receiver.WaitFor(1));
  auto cb = receiver.received()[0];
  EXPECT_EQ(cb.path, "/notify");
  auto n = Parse(cb);
  ASSERT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(n->event_type, "TRANSACTION.SUCCESS");
  EXPECT_EQ(n->resource_type, "encrypt-resource");
  EXPECT_EQ(n->original_type, "transaction");
  auto resource = nlohmann::json::parse(n->plaintext.reveal());
  EXPECT_EQ(resource["out_trade_no"], no);
  EXPECT_EQ(resource["trade_state"], "SUCCESS");
  std::string transaction_id = resource["transaction_id"];
  EXPECT_FALSE(transaction_id.empty());

  q = Query(no);
  EXPECT_EQ(q["trade_state"], "SUCCESS");
  EXPECT_EQ(q["transaction_id"], transaction_id);
  EXPECT_EQ(q["amount"]["payer_total"], 100);

  auto by_id = client_->Send(
      "GET", "/v3/pay/transactions/id/" + transaction_id + "?mchid=" + client_->merchant().mchid);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->status, 200);
  EXPECT_EQ(client_->Json(*by_id)["out_trade_no"], no);

  // Paying again is refused; placing the same order again is ORDERPAID.
  auto again = Control("/sandbox/orders/" + no + "/pay");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
  auto replace = Place("native", OrderBody(no, receiver.url()));
  ASSERT_TRUE(replace);
  EXPECT_EQ(replace->status, 403);
  EXPECT_EQ(client_->Json(*replace)["code"], "ORDERPAID");

  // Refund.
  std::string refund_no = NewNo("RF");
  nlohmann::json refund = {{"out_trade_no", no},
                           {"out_refund_no", refund_no},
                           {"reason", "test"},
                           {"notify_url", receiver.url("/refund")},
                           {"amount", {{"refund", 40}, {"total", 100}, {"currency", "CNY"}}}};
  auto r = client_->Send("POST", "/v3/refund/domestic/refunds", refund.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(client_->Verify(*r).ok());
  auto rj = client_->Json(*r);
  EXPECT_EQ(rj["status"], "PROCESSING");
  EXPECT_EQ(rj["out_refund_no"], refund_no);
  EXPECT_EQ(rj["transaction_id"], transaction_id);
  EXPECT_EQ(rj["amount"]["refund"], 40);

  // More than the rest is refused.
  nlohmann::json too_much = refund;
  too_much["out_refund_no"] = NewNo("RF");
  too_much["amount"]["refund"] = 61;
  auto r2 = client_->Send("POST", "/v3/refund/domestic/refunds", too_much.dump());
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);

  auto done = Control("/sandbox/refunds/" + refund_no + "/succeed");
  ASSERT_TRUE(done);
  ASSERT_EQ(done->status, 200) << done->body;
  ASSERT_TRUE(receiver.WaitFor(2));
  auto rcb = receiver.received()[1];
  EXPECT_EQ(rcb.path, "/refund");
  auto rn = Parse(rcb);
  ASSERT_TRUE(rn.ok()) << rn.error().ToString();
  EXPECT_EQ(rn->event_type, "REFUND.SUCCESS");
  auto rres = nlohmann::json::parse(rn->plaintext.reveal());
  EXPECT_EQ(rres["refund_status"], "SUCCESS");
  EXPECT_EQ(rres["out_refund_no"], refund_no);

  auto rq = client_->Send("GET", "/v3/refund/domestic/refunds/" + refund_no);
  ASSERT_TRUE(rq);
  ASSERT_EQ(rq->status, 200);
  EXPECT_EQ(client_->Json(*rq)["status"], "SUCCESS");
  EXPECT_EQ(Query(no)["trade_state"], "REFUND");

  auto missing = client_->Send("GET", "/v3/refund/domestic/refunds/NOSUCHREFUND");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(SandboxPaymentTest, EveryOrderKindAnswersItsShape) {
  CallbackReceiver receiver;
  auto jsapi = OrderBody(NewNo("JSAPI"), receiver.url());
  jsapi["payer"] = {{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}};
  auto res = Place("jsapi", jsapi);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::string prepay = client_->Json(*res)["prepay_id"];
  EXPECT_EQ(prepay.rfind("wx", 0), 0u);
  // Placing the identical order again answers the same prepay_id.
  res = Place("jsapi", jsapi);
  ASSERT_TRUE(res);
  EXPECT_EQ(client_->Json(*res)["prepay_id"], prepay);
  // The same out_trade_no with another amount is refused.
  auto changed = jsapi;
  changed["amount"]["total"] = 999;
  res = Place("jsapi", changed);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  // JSAPI needs payer.openid.
  res = Place("jsapi", OrderBody(NewNo("JSAPI"), receiver.url()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(client_->Json(*res)["code"], "PARAM_ERROR");

  res = Place("app", OrderBody(NewNo("APP"), receiver.url()));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(client_->Json(*res).contains("prepay_id"));

  auto h5 = OrderBody(NewNo("H5"), receiver.url());
  h5["scene_info"] = {{"payer_client_ip", "127.0.0.1"}, {"h5_info", {{"type", "Wap"}}}};
  res = Place("h5", h5);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(client_->Json(*res)["h5_url"].get<std::string>().rfind("https://", 0), 0u);

  // Another merchant's mchid in the body is refused.
  auto other = OrderBody(NewNo("X"), receiver.url());
  other["mchid"] = "1999999999";
  res = Place("native", other);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(SandboxPaymentTest, CloseOrder) {
  CallbackReceiver receiver;
  std::string no = NewNo("CLOSE");
  ASSERT_EQ(Place("native", OrderBody(no, receiver.url()))->status, 200);
  std::string body = nlohmann::json{{"mchid", client_->merchant().mchid}}.dump();
  auto res = client_->Send("POST", "/v3/pay/transactions/out-trade-no/" + no + "/close", body);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_TRUE(res->body.empty());
  EXPECT_TRUE(client_->Verify(*res).ok());
  EXPECT_EQ(Query(no)["trade_state"], "CLOSED");
  auto pay = Control("/sandbox/orders/" + no + "/pay");
  ASSERT_TRUE(pay);
  EXPECT_EQ(pay->status, 400);
  auto missing = client_->Send("POST", "/v3/pay/transactions/out-trade-no/NOSUCHORDER/close", body);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  Query("NOSUCHORDER1", 404);
}

TEST_F(SandboxPaymentTest, CallbackIsRetriedUntilAccepted) {
  CallbackReceiver receiver;
  receiver.FailNext(3);
  std::string no = NewNo("RETRY");
  ASSERT_EQ(Place("native", OrderBody(no, receiver.url()))->status, 200);
  ASSERT_TRUE(sandbox_->PayOrder(no).ok());
  ASSERT_TRUE(receiver.WaitFor(1, std::chrono::seconds(10)));
  EXPECT_EQ(receiver.failed(), 3);
  auto n = Parse(receiver.received()[0]);
  ASSERT_TRUE(n.ok());
  // The delivery log shows four attempts.
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    for (const auto& d : sandbox_->Deliveries()) {
      if (d.url == receiver.url() && d.status == "DELIVERED") {
        EXPECT_EQ(d.attempts, 4);
        found = true;
      }
    }
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(found);
}

TEST(SandboxNotifierTest, UnreachableCallbackGivesUpAfterBoundedAttempts) {
  // A sandbox of its own with a much faster schedule: WeChat Pay's 16 attempts span about 24 h;
  // scaled by 0.00001 that is under a second.
  SandboxOptions o = TestOptions();
  o.notify_time_scale = 0.00001;
  auto sb = Sandbox::Start(o);
  ASSERT_TRUE(sb.ok());
  V3Client client(**sb);
  // A port nothing listens on: bound, never listened on, closed.
  int dead_port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    dead_port = ntohs(addr.sin_port);
    ::close(fd);
  }
  std::string url = "http://127.0.0.1:" + std::to_string(dead_port) + "/notify";
  nlohmann::json order = {{"appid", client.merchant().appid},
                          {"mchid", client.merchant().mchid},
                          {"description", "dead callback"},
                          {"out_trade_no", "DEAD123456"},
                          {"notify_url", url},
                          {"amount", {{"total", 1}}}};
  auto res = client.Send("POST", "/v3/pay/transactions/native", order.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ASSERT_TRUE((*sb)->PayOrder("DEAD123456").ok());
  std::string status;
  int attempts = 0;
  for (int i = 0; i < 200 && status != "FAILED"; ++i) {
    for (const auto& d : (*sb)->Deliveries()) {
      status = d.status;
      attempts = d.attempts;
    }
    if (status != "FAILED") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, "FAILED");
  EXPECT_EQ(attempts, 16);
  // Stop is prompt even with the notifier running.
  auto t0 = std::chrono::steady_clock::now();
  (*sb)->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(SandboxPaymentTest, SignTestProbe) {
  CallbackReceiver receiver;
  auto res = Control("/sandbox/notifications/signtest", {{"url", receiver.url("/probe")}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ASSERT_TRUE(receiver.WaitFor(1));
  auto cb = receiver.received()[0];
  EXPECT_EQ(cb.headers.Get("Wechatpay-Signature").rfind("WECHATPAY/SIGNTEST/", 0), 0u);
  Status s = client_->verifier().Verify(cb.headers, cb.body);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kSignatureProbe);
}

TEST_F(SandboxPaymentTest, ControlApiInfoAndErrors) {
  auto info = client_->http().Get("/sandbox/");
  ASSERT_TRUE(info);
  ASSERT_EQ(info->status, 200);
  auto j = nlohmann::json::parse(info->body);
  EXPECT_EQ(j["base_url"], sandbox_->base_url());
  EXPECT_EQ(j["public_key_id"], client_->keys().public_key_id);
  // No secrets in the info.
  EXPECT_EQ(info->body.find(client_->merchant().apiv3_key.reveal()), std::string::npos);
  auto bad = Control("/sandbox/orders/NOSUCH/pay");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto unknown = Control("/sandbox/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto garbage = client_->Raw("POST", "/sandbox/faults", "{{{");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
