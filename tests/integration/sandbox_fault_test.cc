// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Fault injection through the control API, and bad input that must get a 4xx without harming the
// server.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "integration/sandbox_fixture.h"

namespace wechatpay::sandbox::testing {
namespace {

class SandboxFaultTest : public SandboxTest {
 protected:
  void Inject(const nlohmann::json& fault) {
    auto res = client_->Raw("POST", "/sandbox/faults", fault.dump());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }
  httplib::Result Certificates() { return client_->Send("GET", "/v3/certificates"); }
};

TEST_F(SandboxFaultTest, StatusForTheNextNCalls) {
  Inject({{"kind", "status"}, {"status", 503}, {"count", 2}});
  for (int i = 0; i < 2; ++i) {
    auto res = Certificates();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    EXPECT_TRUE(client_->Verify(*res).ok());  // still a signed WeChat Pay answer
  }
  auto res = Certificates();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  Inject({{"kind", "status"}, {"status", 429}});
  res = Certificates();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(client_->Json(*res)["code"], "FREQUENCY_LIMITED");
  Inject({{"kind", "status"}, {"status", 500}});
  res = Certificates();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(client_->Json(*res)["code"], "SYSTEM_ERROR");
  EXPECT_EQ(Certificates()->status, 200);
}

TEST_F(SandboxFaultTest, FaultsApplyOnlyUnderTheirPathPrefix) {
  Inject({{"kind", "status"}, {"status", 503}, {"count", -1}, {"path_prefix", "/v3/refund/"}});
  EXPECT_EQ(Certificates()->status, 200);
  auto res = client_->Send("GET", "/v3/refund/domestic/refunds/X1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  res = client_->Send("GET", "/v3/refund/domestic/refunds/X1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);  // count -1: until cleared
  auto list = client_->http().Get("/sandbox/faults");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["data"].size(), 1u);
  ASSERT_EQ(client_->Raw("DELETE", "/sandbox/faults")->status, 200);
  res = client_->Send("GET", "/v3/refund/domestic/refunds/X1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(SandboxFaultTest, BadResponseSignature) {
  Inject({{"kind", "bad_signature"}});
  auto res = Certificates();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  Status s = client_->Verify(*res);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kBadSignature);
  EXPECT_TRUE(client_->Verify(*Certificates()).ok());
}

TEST_F(SandboxFaultTest, SkewedResponseTimestamp) {
  Inject({{"kind", "skew_timestamp"}, {"skew_seconds", 900}});
  auto res = Certificates();
  ASSERT_TRUE(res);
  Status s = client_->Verify(*res);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kTimestampSkew);
  EXPECT_TRUE(client_->Verify(*Certificates()).ok());
}

TEST_F(SandboxFaultTest, AddedLatency) {
  Inject({{"kind", "latency"}, {"latency_ms", 300}});
  auto t0 = std::chrono::steady_clock::now();
  auto res = Certificates();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
}

TEST_F(SandboxFaultTest, DroppedConnection) {
  Inject({{"kind", "drop_connection"}});
  httplib::Client fresh(sandbox_->base_url());
  fresh.set_read_timeout(5, 0);
  auto auth = client_->signer().Authorization("GET", "/v3/certificates", "");
  ASSERT_TRUE(auth.ok());
  auto res = fresh.Get("/v3/certificates", {{"Authorization", *auth}});
  // No usable response: either no result at all or a truncated one.
  EXPECT_TRUE(!res || res->body.empty()) << (res ? res->body : "");
  EXPECT_EQ(Certificates()->status, 200);
}

TEST_F(SandboxFaultTest, FaultInjectionInProcess) {
  Fault f;
  f.kind = Fault::Kind::kStatus;
  f.status = 500;
  sandbox_->InjectFault(f);
  EXPECT_EQ(Certificates()->status, 500);
  EXPECT_EQ(Certificates()->status, 200);
  auto bad = client_->Raw("POST", "/sandbox/faults", R"({"kind":"meteor"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

// ---- bad input ----

TEST_F(SandboxFaultTest, GarbageNeverKillsTheServer) {
  std::vector<std::string> bodies = {"",
                                     "{",
                                     "null",
                                     "\xff\xfe\xfd",
                                     std::string(100000, '['),
                                     std::string("{\"a\":\"\xc3\x28\"}"),
                                     "<xml><a>1</a></xml>",
                                     "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>"};
  std::vector<std::string> targets = {"/v3/pay/transactions/native",
                                      "/v3/refund/domestic/refunds",
                                      "/payitil/report",
                                      "/pay/unifiedorder",
                                      "/user-order/combine-orders?access_token=x",
                                      "/cgi-bin/stable_token",
                                      "/sandbox/faults",
                                      "/v3/%zz/..%2f",
                                      "/"};
  for (const auto& t : targets) {
    for (const auto& b : bodies) {
      auto res = client_->Raw("POST", t, b, {{"Authorization", "WECHATPAY2-SHA256-RSA2048 x"}});
      ASSERT_TRUE(res) << t;
      EXPECT_LT(res->status, 500) << t;
      if (res->status != 200) {
        EXPECT_GE(res->status, 400) << t;
      }
      // Signed APIv3 calls with garbage bodies are 400, not 401/500.
      auto signed_res = client_->Send("POST", t, b);
      ASSERT_TRUE(signed_res) << t;
      EXPECT_LT(signed_res->status, 500) << t;
    }
  }
  EXPECT_EQ(Certificates()->status, 200);
}

TEST_F(SandboxFaultTest, HugeBodyIs413) {
  SandboxOptions o = TestOptions();
  o.max_body_bytes = 1 << 16;
  auto sb = Sandbox::Start(o);
  ASSERT_TRUE(sb.ok());
  V3Client c(**sb);
  std::string big(1 << 17, 'a');
  auto res = c.Raw("POST", "/v3/pay/transactions/native", big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  auto ok = c.Send("GET", "/v3/certificates");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(SandboxFaultTest, InProcessHandleMatchesTheWire) {
  WireRequest req;
  req.method = "GET";
  req.target = "/v3/certificates";
  auto auth = client_->signer().Authorization("GET", req.target, "");
  ASSERT_TRUE(auth.ok());
  req.headers.Add("Authorization", *auth);
  WireResponse res = sandbox_->Handle(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(client_->verifier().Verify(res.headers, res.body).ok());
  // Replaying the same Authorization in process is caught too.
  EXPECT_EQ(sandbox_->Handle(req).status, 401);
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
