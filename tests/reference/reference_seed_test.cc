// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The examples of the seed endpoints' reference pages, extracted from docs/reference by
// tools/gen_reference.py --extract, run against the sandbox on 127.0.0.1: each one must succeed
// and print the answer it got.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "wechatpay/client.h"
#include "wechatpay/sandbox/sandbox.h"

// The extracted examples (reference_seed_examples.cc).
namespace reference_examples {
namespace v3::merchant_risk_manage {
wechatpay::Status PostReportTradeUnionInformationTyped(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostReportTradeUnionInformationTypedAsync(
    const wechatpay::Client& client);
wechatpay::Status PostReportTradeUnionInformationChain(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostReportTradeUnionInformationChainAsync(
    const wechatpay::Client& client);
wechatpay::Status GetTradeRiskInformationTyped(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> GetTradeRiskInformationTypedAsync(
    const wechatpay::Client& client);
wechatpay::Status GetTradeRiskInformationChain(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> GetTradeRiskInformationChainAsync(
    const wechatpay::Client& client);
}  // namespace v3::merchant_risk_manage
namespace v3::transaction_block {
wechatpay::Status PostTransactionBlockSubmissionsSubMchidTyped(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostTransactionBlockSubmissionsSubMchidTypedAsync(
    const wechatpay::Client& client);
wechatpay::Status PostTransactionBlockSubmissionsSubMchidChain(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostTransactionBlockSubmissionsSubMchidChainAsync(
    const wechatpay::Client& client);
}  // namespace v3::transaction_block
namespace v2::payitil {
wechatpay::Status PostReportTyped(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostReportTypedAsync(const wechatpay::Client& client);
wechatpay::Status PostReportChain(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostReportChainAsync(const wechatpay::Client& client);
}  // namespace v2::payitil
namespace miniprogram::user_order {
wechatpay::Status PostCombineOrdersTyped(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostCombineOrdersTypedAsync(const wechatpay::Client& client);
wechatpay::Status PostCombineOrdersChain(const wechatpay::Client& client);
wechatpay::Future<wechatpay::Status> PostCombineOrdersChainAsync(const wechatpay::Client& client);
}  // namespace miniprogram::user_order
}  // namespace reference_examples

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
namespace ex = ::reference_examples;

using SyncExample = Status (*)(const Client&);
using AsyncExample = Future<Status> (*)(const Client&);

class ReferenceSeedTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start() {
    sandbox::SandboxOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    auto sb = sandbox::Sandbox::Start(so);
    ASSERT_TRUE(sb) << sb.error().ToString();
    if (sandbox_) sandbox_->Stop();
    sandbox_ = std::move(*sb);
    sandbox::DemoMerchant m = sandbox_->demo_merchant();
    sandbox::PlatformKeys pk = sandbox_->platform_keys();
    ClientOptions o;
    o.base_url = sandbox_->base_url() + "/";
    o.mchid = m.mchid;
    o.merchant_serial = m.serial;
    o.private_key = *PrivateKey::FromFile(m.private_key_path);
    o.platform_certificates = {*Certificate::FromFile(pk.certificate_path)};
    o.platform_public_keys[pk.public_key_id] = *PublicKey::FromFile(pk.public_key_path);
    o.apiv3_key = m.apiv3_key;
    o.apiv2_key = m.apiv2_key;
    o.appid = m.appid;
    o.miniprogram.appid = sandbox_->miniprogram_appid();
    o.miniprogram.appsecret = sandbox_->miniprogram_appsecret();
    o.miniprogram.base_url = sandbox_->base_url() + "/";
    auto c = Client::Create(std::move(o));
    ASSERT_TRUE(c) << c.error().ToString();
    client_ = std::make_unique<Client>(std::move(*c));
  }

  // Runs an example and returns what it printed; the example must succeed.
  std::string Run(SyncExample f) {
    ::testing::internal::CaptureStdout();
    Status s = f(*client_);
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return out;
  }
  std::string Run(AsyncExample f) {
    ::testing::internal::CaptureStdout();
    Future<Status> fut = f(*client_);
    Result<Status>& r = fut.get();
    std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (r.ok()) {
      EXPECT_TRUE(r->ok()) << r->error().ToString();
    }
    return out;
  }

  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<Client> client_;
};

TEST_F(ReferenceSeedTest, RiskQueryBeforeAnyReportIsAnApiError) {
  namespace mrm = ex::v3::merchant_risk_manage;
  // The sandbox answers the risk query only for a reported order: the example reaches it and
  // passes WeChat Pay's error through.
  Status s = mrm::GetTradeRiskInformationTyped(*client_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kApi) << s.error().ToString();
  EXPECT_EQ(s.error().http_status, 404);
}

TEST_F(ReferenceSeedTest, TradeUnionReportExamples) {
  namespace mrm = ex::v3::merchant_risk_manage;
  // Every style reports the same order (the sandbox keeps the latest report); phone and
  // certificates_number are sent encrypted, which the sandbox checks by decrypting them.
  EXPECT_THAT(Run(&mrm::PostReportTradeUnionInformationTyped),
              HasSubstr("1217752501201407033233368018"));
  EXPECT_THAT(Run(&mrm::PostReportTradeUnionInformationChain),
              HasSubstr("1217752501201407033233368018"));
  EXPECT_THAT(Run(&mrm::PostReportTradeUnionInformationChainAsync),
              HasSubstr("1217752501201407033233368018"));
#ifdef WECHATPAY_DOCS_TYPED_ASYNC
  EXPECT_THAT(Run(&mrm::PostReportTradeUnionInformationTypedAsync),
              HasSubstr("1217752501201407033233368018"));
#endif

  // The query finds the reported order; the complaint text makes it FRAUD.
  EXPECT_THAT(Run(&mrm::GetTradeRiskInformationTyped), HasSubstr("\"risk_type\":\"FRAUD\""));
  EXPECT_THAT(Run(&mrm::GetTradeRiskInformationChain), HasSubstr("FRAUD"));
  EXPECT_THAT(Run(&mrm::GetTradeRiskInformationChainAsync), HasSubstr("FRAUD"));
#ifdef WECHATPAY_DOCS_TYPED_ASYNC
  EXPECT_THAT(Run(&mrm::GetTradeRiskInformationTypedAsync), HasSubstr("FRAUD"));
#endif
}

TEST_F(ReferenceSeedTest, TransactionBlockSubmissionExamples) {
  namespace tb = ex::v3::transaction_block;
  // The sandbox validates submit_data (a JSON document in a string) against the catalog.
  std::string first = Run(&tb::PostTransactionBlockSubmissionsSubMchidTyped);
  EXPECT_THAT(first, HasSubstr("\"review_result\":\"EMPTY\""));
  EXPECT_THAT(first, HasSubstr("block_submission_id"));
  EXPECT_THAT(Run(&tb::PostTransactionBlockSubmissionsSubMchidChain),
              HasSubstr("block_submission_id"));
  EXPECT_THAT(Run(&tb::PostTransactionBlockSubmissionsSubMchidChainAsync),
              HasSubstr("block_submission_id"));
#ifdef WECHATPAY_DOCS_TYPED_ASYNC
  EXPECT_THAT(Run(&tb::PostTransactionBlockSubmissionsSubMchidTypedAsync),
              HasSubstr("block_submission_id"));
#endif
}

TEST_F(ReferenceSeedTest, PayitilReportApiV2Examples) {
  namespace pi = ex::v2::payitil;
  EXPECT_THAT(Run(&pi::PostReportTyped), HasSubstr("\"result_code\":\"SUCCESS\""));
  EXPECT_THAT(Run(&pi::PostReportChain), HasSubstr("SUCCESS"));
  EXPECT_THAT(Run(&pi::PostReportChainAsync), HasSubstr("SUCCESS"));
#ifdef WECHATPAY_DOCS_TYPED_ASYNC
  EXPECT_THAT(Run(&pi::PostReportTypedAsync), HasSubstr("SUCCESS"));
#endif
}

TEST_F(ReferenceSeedTest, CombineOrdersMiniProgramExamples) {
  namespace uo = ex::miniprogram::user_order;
  // A re-upload of the same order needs a later upload_time: a fresh sandbox for each style.
  EXPECT_THAT(Run(&uo::PostCombineOrdersTyped), HasSubstr("\"errcode\":0"));
  Start();
  EXPECT_THAT(Run(&uo::PostCombineOrdersChain), HasSubstr("\"errcode\":0"));
  Start();
  EXPECT_THAT(Run(&uo::PostCombineOrdersChainAsync), HasSubstr("\"errcode\":0"));
#ifdef WECHATPAY_DOCS_TYPED_ASYNC
  Start();
  EXPECT_THAT(Run(&uo::PostCombineOrdersTypedAsync), HasSubstr("\"errcode\":0"));
#endif
}

}  // namespace
}  // namespace wechatpay
