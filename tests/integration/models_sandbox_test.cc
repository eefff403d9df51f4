// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The typed models against the sandbox on 127.0.0.1: the five seed endpoints with the seed
// examples, blocking (E::Call) and asynchronous (E::CallAsync: the future, and a continuation
// attached with then()), answers parsed into the typed responses with their HTTP status and
// headers; and the broken variants rejected by the client before anything is sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "integration/sandbox_fixture.h"
#include "unit/models_seeds.h"
#include "wechatpay/client.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/future.h"
#include "wechatpay/http.h"
#include "wechatpay/models/miniprogram/user_order.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/marketing.h"
#include "wechatpay/models/v3/merchant.h"
#include "wechatpay/models/v3/merchant_risk_manage.h"
#include "wechatpay/models/v3/transaction_block.h"
#include "wechatpay/multipart.h"

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
namespace seeds = testing::seeds;
namespace mrm = models::v3::merchant_risk_manage;
namespace tb = models::v3::transaction_block;
namespace payitil = models::v2::payitil;
namespace uo = models::miniprogram::user_order;

constexpr auto kWait = std::chrono::seconds(20);

// The curl transport, counting what is handed to it (to prove a rejected call sent nothing).
class CountingTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    ++sent_;
    return inner_->Send(request);
  }
  Cancel SendAsync(HttpRequest request, Callback done) override {
    ++sent_;
    return inner_->SendAsync(std::move(request), std::move(done));
  }
  int sent() const { return sent_.load(); }

 private:
  std::shared_ptr<HttpTransport> inner_ = MakeCurlTransport();
  std::atomic<int> sent_{0};
};

template <class T>
nlohmann::json AsJson(const T& value, models::Encoding encoding = models::Encoding::kJson) {
  nlohmann::json out;
  models::ToJson(value, &out, encoding);
  return out;
}

// Attaches a continuation to a call's future and hands back what it received (bounded wait).
template <class T>
Result<T> ViaThen(Future<T> f) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  f.then([promise](Result<T> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(kWait) != std::future_status::ready) {
    return Error(ErrorCode::kTimeout, "the continuation never ran");
  }
  return future.get();
}

template <class T>
Result<T> Await(Future<T> f) {
  if (!f.wait_for(kWait)) return Error(ErrorCode::kTimeout, "the future never completed");
  return std::move(f.get());
}

class ModelsSandboxTest : public sandbox::testing::SandboxTest {
 protected:
  void SetUp() override {
    SandboxTest::SetUp();
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
    o.transport = transport_;
    auto c = Client::Create(std::move(o));
    ASSERT_TRUE(c) << c.error().ToString();
    sdk_ = std::make_unique<Client>(std::move(*c));
  }
  const Client& client() const { return *sdk_; }

  std::shared_ptr<CountingTransport> transport_ = std::make_shared<CountingTransport>();
  std::unique_ptr<Client> sdk_;  // (client_ is the fixture's raw signed HTTP client)
};

// seeds 000 + 001: report the trade union information, then query the risk verdict.
TEST_F(ModelsSandboxTest, RiskReportThenQuerySyncAndAsync) {
  auto report = seeds::Report();
  report.out_trade_no = NewNo("MRISK");
  auto sync = mrm::PostReportTradeUnionInformation::Call(client(), report);
  ASSERT_TRUE(sync) << sync.error().ToString();
  EXPECT_EQ(sync->status, 200);
  EXPECT_FALSE(sync->request_id().empty());
  EXPECT_EQ(sync->value.out_trade_no, report.out_trade_no);
  EXPECT_EQ(sync->value.sp_mchid, "1900000109");
  EXPECT_EQ(sync->value.sub_mchid, "1900009231");
  EXPECT_EQ(sync->value.channel_id, "1900000108");
  EXPECT_TRUE(sync->value.extra.empty()) << sync->value.extra.dump();
  // The sandbox decrypted phone and certificates_number (it refuses what does not decrypt), and
  // reporting the same order again is accepted: the async answer equals the blocking one.
  auto async = Await(mrm::PostReportTradeUnionInformation::CallAsync(client(), report));
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  EXPECT_EQ(async->status, 200);
  EXPECT_FALSE(async->request_id().empty());

  // risk_level 2 (16) + a complaint (30) = 46: REFUND; the complaint text says FRAUD.
  auto query = seeds::RiskQuery();
  query.out_trade_no = *report.out_trade_no;
  using Resp = mrm::GetTradeRiskInformationResponse;
  auto risk = mrm::GetTradeRiskInformation::Call(client(), query);
  ASSERT_TRUE(risk) << risk.error().ToString();
  EXPECT_EQ(risk->status, 200);
  EXPECT_FALSE(risk->request_id().empty());
  EXPECT_EQ(risk->value.risk_score, 46);
  EXPECT_EQ(risk->value.risk_type, Resp::RiskType::kFraud);
  EXPECT_EQ(risk->value.punish_type, Resp::PunishType::kRefund);
  EXPECT_FALSE(risk->value.punish_description.value_or("").empty());
  auto risk_async = Await(mrm::GetTradeRiskInformation::CallAsync(client(), query));
  ASSERT_TRUE(risk_async) << risk_async.error().ToString();
  EXPECT_EQ(AsJson(risk_async->value), AsJson(risk->value));
  auto risk_then = ViaThen(mrm::GetTradeRiskInformation::CallAsync(client(), query));
  ASSERT_TRUE(risk_then) << risk_then.error().ToString();
  EXPECT_EQ(AsJson(risk_then->value), AsJson(risk->value));
  EXPECT_EQ(risk_then->status, 200);

  // An order never reported: the sandbox's 404 as a typed-call error, through the future too.
  query.out_trade_no = NewNo("NEVER");
  auto missing = Await(mrm::GetTradeRiskInformation::CallAsync(client(), query));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kApi);
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_EQ(missing.error().api_code, "RESOURCE_NOT_EXISTS");
}

// seed 004: the block submission, its submit_data a JSON document in a string.
TEST_F(ModelsSandboxTest, BlockSubmissionSyncAndAsync) {
  auto req = seeds::Submission();
  req.merchant_submit_id = NewNo("MBLK");
  auto sync = tb::PostTransactionBlockSubmissionsSubMchid::Call(client(), "123000110", req);
  ASSERT_TRUE(sync) << sync.error().ToString();
  EXPECT_EQ(sync->status, 200);
  EXPECT_FALSE(sync->request_id().empty());
  ASSERT_TRUE(sync->value.block_submission_id.has_value());
  EXPECT_FALSE(sync->value.submit_time.value_or("").empty());
  EXPECT_EQ(sync->value.review_result,
            tb::PostTransactionBlockSubmissionsSubMchidResponse::ReviewResult::kEmpty);
  // The same merchant_submit_id: the same submission, through the future and a continuation.
  auto async =
      Await(tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client(), "123000110", req));
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  auto then =
      ViaThen(tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client(), "123000110", req));
  ASSERT_TRUE(then) << then.error().ToString();
  EXPECT_EQ(then->value.block_submission_id, sync->value.block_submission_id);
  // And it can be read back with the typed GET.
  auto back = tb::GetTransactionBlockSubmissionsByBlockSubmissionId::Call(
      client(), *sync->value.block_submission_id);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(back->value.block_submission_id, sync->value.block_submission_id);
}

// seed 002: APIv2, XML, MD5/HMAC-SHA256 sign; the client fills appid and mch_id.
TEST_F(ModelsSandboxTest, PayitilReportSyncAndAsync) {
  auto req = seeds::Payitil();
  req.appid.reset();
  req.mch_id.reset();
  req.nonce_str.reset();
  auto sync = payitil::PostReport::Call(client(), req);
  ASSERT_TRUE(sync) << sync.error().ToString();
  EXPECT_EQ(sync->status, 200);
  EXPECT_EQ(sync->value.return_code, payitil::PostReportResponse::ReturnCode::kSuccess);
  EXPECT_EQ(sync->value.result_code, payitil::PostReportResponse::ResultCode::kSuccess);
  auto async = Await(payitil::PostReport::CallAsync(client(), req));
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(async->value.return_code, sync->value.return_code);
  EXPECT_EQ(async->value.result_code, sync->value.result_code);
  EXPECT_EQ(async->value.return_msg, sync->value.return_msg);
  auto then = ViaThen(payitil::PostReport::CallAsync(client(), req));
  ASSERT_TRUE(then) << then.error().ToString();
  EXPECT_EQ(then->value.result_code, payitil::PostReportResponse::ResultCode::kSuccess);
}

// seed 003: the mini-program API with its access_token.
TEST_F(ModelsSandboxTest, CombineOrdersSyncAndAsync) {
  auto req = seeds::CombineOrder();
  auto sync = uo::PostCombineOrders::Call(client(), req);
  ASSERT_TRUE(sync) << sync.error().ToString();
  EXPECT_EQ(sync->status, 200);
  EXPECT_EQ(sync->value.errcode, 0);
  // The sandbox wants each upload of an order later than the previous one.
  req.upload_time = "2026-11-23T10:35:01+08:00";
  auto async = Await(uo::PostCombineOrders::CallAsync(client(), req));
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(AsJson(async->value), AsJson(sync->value));
  req.upload_time = "2026-11-23T10:35:02+08:00";
  auto then = ViaThen(uo::PostCombineOrders::CallAsync(client(), req, CallOptions{}));
  ASSERT_TRUE(then) << then.error().ToString();
  EXPECT_EQ(then->value.errcode, 0);
  // A rule only the sandbox enforces (an empty openid passes the catalog's checks when
  // validation is off): its errcode comes back through the typed future.
  req.payer.openid = "";
  req.upload_time = "2026-11-23T10:35:03+08:00";
  CallOptions no_validation;
  no_validation.validate = false;
  auto bad = Await(uo::PostCombineOrders::CallAsync(client(), req, no_validation));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kApi);
  EXPECT_EQ(bad.error().api_code, "268485192") << bad.error().ToString();
}

TEST_F(ModelsSandboxTest, BrokenSeedVariantsAreRejectedBeforeSending) {
  // Missing out_trade_no.
  auto query = seeds::RiskQuery();
  query.out_trade_no.clear();
  auto r1 = mrm::GetTradeRiskInformation::Call(client(), query);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r1.error().message, HasSubstr("query.out_trade_no"));
  auto r1a = Await(mrm::GetTradeRiskInformation::CallAsync(client(), query));
  ASSERT_FALSE(r1a);
  EXPECT_EQ(r1a.error().message, r1.error().message);
  auto r1b = ViaThen(mrm::GetTradeRiskInformation::CallAsync(client(), query));
  ASSERT_FALSE(r1b);
  EXPECT_THAT(r1b.error().message, HasSubstr("query.out_trade_no"));

  // The seed page's own bad enum (type 0).
  auto block = seeds::Submission();
  using Fields = tb::PostTransactionBlockSubmissionsSubMchidRequest::SubmitData::RecordFields;
  block.submit_data.record_fields[0].type = static_cast<Fields::Type>(0);
  auto r2 = tb::PostTransactionBlockSubmissionsSubMchid::Call(client(), "123000110", block);
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message, HasSubstr("submit_data~record_fields[0].type"));
  auto r2a =
      Await(tb::PostTransactionBlockSubmissionsSubMchid::CallAsync(client(), "123000110", block));
  ASSERT_FALSE(r2a);
  EXPECT_EQ(r2a.error().code, ErrorCode::kInvalidArgument);
  // An APIv2 state outside OK/FAIL/CANCLE.
  auto v2 = seeds::Payitil();
  v2.trades[0].state = models::Enum<payitil::PostReportRequest::Trades::State>::FromWire("DONE");
  auto r3 = Await(payitil::PostReport::CallAsync(client(), v2));
  ASSERT_FALSE(r3);
  EXPECT_THAT(r3.error().message, HasSubstr("trades~[0].state"));

  // Too many item_list entries; a non-https image_url.
  auto many = seeds::CombineOrder();
  while (many.sub_orders[0].item_list.size() < 51) {
    many.sub_orders[0].item_list.push_back(many.sub_orders[0].item_list[0]);
  }
  auto r4 = uo::PostCombineOrders::Call(client(), many);
  ASSERT_FALSE(r4);
  EXPECT_THAT(r4.error().message, HasSubstr("51 items, at most 50 allowed"));
  auto r4a = Await(uo::PostCombineOrders::CallAsync(client(), many));
  ASSERT_FALSE(r4a);
  EXPECT_THAT(r4a.error().message, HasSubstr("sub_orders[0].item_list"));
  auto bad_url = seeds::CombineOrder();
  bad_url.sub_orders[0].item_list[0].image_url = {"ftp://qpic.cn/x.png"};
  auto r5 = ViaThen(uo::PostCombineOrders::CallAsync(client(), bad_url));
  ASSERT_FALSE(r5);
  EXPECT_EQ(r5.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r5.error().message, HasSubstr("sub_orders[0].item_list[0].image_url[0]"));

  EXPECT_EQ(transport_->sent(), 0);  // not one request, not even an access_token
}

// ---- multipart uploads ----

const std::string kImage = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR sandbox image\xff", 30);

std::string Sha256Hex(const std::string& s) { return crypto::HexEncode(crypto::Sha256(s)); }

TEST_F(ModelsSandboxTest, MediaUploadSignedOverMetaGetsAMediaId) {
  namespace merchant = models::v3::merchant;
  merchant::PostMediaUploadRequest req;
  req.file = kImage;
  req.meta.filename = "logo.png";
  req.meta.sha256 = Sha256Hex(kImage);
  auto r = merchant::PostMediaUpload::Call(client(), req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->request_id().empty());
  // The sandbox's id is derived from the SHA-256 of the file part it received: the bytes arrived
  // intact (NUL, CR LF and high bytes included).
  EXPECT_EQ(r->value.media_id, "SBX-MEDIA-" + Sha256Hex(kImage).substr(0, 40));
  auto async = Await(merchant::PostMediaUpload::CallAsync(client(), req));
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(async->value.media_id, r->value.media_id);
  merchant::PostMediaVideoUploadRequest v;
  v.file = "mp4 bytes";
  v.meta.filename = "clip.mp4";
  v.meta.sha256 = Sha256Hex("mp4 bytes");
  auto video = ViaThen(merchant::PostMediaVideoUpload::CallAsync(client(), v));
  ASSERT_TRUE(video) << video.error().ToString();
  EXPECT_EQ(video->value.media_id, "SBX-MEDIA-" + Sha256Hex("mp4 bytes").substr(0, 40));
}

TEST_F(ModelsSandboxTest, UploadWithAnEncryptedMetaField) {
  namespace mk = models::v3::marketing;
  mk::PostShoppingReceiptShoppingreceiptsRequest req;
  req.file = kImage;
  req.meta.transaction_id = "4200001234202611230000000001";
  req.meta.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  req.meta.sha256 = Sha256Hex(kImage);
  req.meta.merchant_contact_information.emplace();
  req.meta.merchant_contact_information->consultation_phone_number = "13800138000";
  // The sandbox decrypts meta~merchant_contact_information.consultation_phone_number with the
  // key Wechatpay-Serial names (and refuses the upload when that fails).
  auto r = mk::PostShoppingReceiptShoppingreceipts::Call(client(), req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  // The same meta sent in the clear through the chain: the sandbox cannot decrypt the phone.
  auto form = std::make_shared<MultipartForm>();
  form->meta = R"({"transaction_id":"4200001234202611230000000001",)"
               R"("openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","sha256":")" +
               Sha256Hex(kImage) +
               R"(","merchant_contact_information":{"consultation_phone_number":"13800138000"}})";
  form->file = {"file", "receipt.png", "", kImage};
  CallOptions o;
  o.multipart = form;
  o.headers.Set("Wechatpay-Serial", sandbox_->platform_keys().public_key_id);
  auto plain = client().chain("v3/marketing/shopping-receipt/shoppingreceipts").post(o);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().http_status, 400) << plain.error().ToString();
  EXPECT_THAT(plain.error().message, HasSubstr("consultation_phone_number"));
}

TEST_F(ModelsSandboxTest, UploadWhoseDigestDoesNotMatchIsRefused) {
  namespace merchant = models::v3::merchant;
  merchant::PostMediaUploadRequest req;
  req.file = kImage;
  req.meta.filename = "logo.png";
  req.meta.sha256 = Sha256Hex("some other bytes");
  auto r = merchant::PostMediaUpload::Call(client(), req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kApi);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().api_code, "PARAM_ERROR");
  EXPECT_THAT(r.error().message, HasSubstr("meta.sha256 does not match"));
}

TEST_F(ModelsSandboxTest, UploadsTheClientWouldNotSendAreRefusedByTheSandbox) {
  // Without the client's checks: no meta part at all.
  auto form = std::make_shared<MultipartForm>();
  form->file = {"file", "logo.png", "image/png", kImage};
  CallOptions o;
  o.multipart = form;
  o.validate = false;
  auto no_meta = client().chain("v3/merchant/media/upload").post(o);
  ASSERT_FALSE(no_meta);
  EXPECT_EQ(no_meta.error().http_status, 400) << no_meta.error().ToString();
  EXPECT_THAT(no_meta.error().message, HasSubstr("meta"));

  // By hand: a meta part but no file part; then a signature over the whole body instead of meta.
  const std::string path = "/v3/merchant/media/upload";
  std::string meta = R"({"filename":"logo.png","sha256":")" + Sha256Hex(kImage) + R"("})";
  auto send = [&](const std::string& body, const std::string& boundary,
                  const std::string& signed_text) {
    auto auth = client_->signer().Authorization("POST", path, signed_text);
    EXPECT_TRUE(auth.ok());
    httplib::Headers h{{"Authorization", auth.ok() ? *auth : std::string()}};
    return client_->Raw("POST", path, body, h, "multipart/form-data; boundary=" + boundary);
  };
  std::string meta_only =
      "--B0\r\nContent-Disposition: form-data; name=\"meta\"\r\n"
      "Content-Type: application/json\r\n\r\n" +
      meta + "\r\n--B0--\r\n";
  auto no_file = send(meta_only, "B0", meta);
  ASSERT_TRUE(no_file);
  EXPECT_EQ(no_file->status, 400) << no_file->body;
  EXPECT_THAT(no_file->body, HasSubstr("file"));

  MultipartForm full;
  full.meta = meta;
  full.file = {"file", "logo.png", "image/png", kImage};
  std::string boundary = NewMultipartBoundary(full);
  std::string body = EncodeMultipart(full, boundary);
  auto over_body = send(body, boundary, body);
  ASSERT_TRUE(over_body);
  EXPECT_EQ(over_body->status, 401) << over_body->body;
  EXPECT_THAT(over_body->body, HasSubstr("SIGN_ERROR"));
  auto over_meta = send(body, boundary, meta);  // the same request signed as WeChat Pay wants
  ASSERT_TRUE(over_meta);
  EXPECT_EQ(over_meta->status, 200) << over_meta->body;
  EXPECT_TRUE(client_->Verify(*over_meta).ok());
}

}  // namespace
}  // namespace wechatpay
