// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Every catalog endpoint without real behaviour: a conforming request (synthesized from the
// catalog) gets a signed answer that conforms to the endpoint's response schema; a request that
// breaks the schema gets 400 PARAM_ERROR naming the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "integration/sandbox_fixture.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/catalog.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

namespace wechatpay::sandbox::testing {
namespace {

std::string Encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string Target(const catalog::Endpoint& ep, const wechatpay::testing::SampleRequest& s) {
  std::string path(ep.path);
  for (const auto& [name, value] : s.path_params) {
    std::string ph = "{" + name + "}";
    size_t at = path.find(ph);
    if (at != std::string::npos) path.replace(at, ph.size(), Encode(value));
  }
  std::string q;
  for (const auto& [k, v] : s.query) q += (q.empty() ? "?" : "&") + Encode(k) + "=" + Encode(v);
  return path + q;
}

const std::set<std::string_view>& RealBehaviour() {
  static const std::set<std::string_view> ids = {
      "POST v3/pay/transactions/native", "POST v3/pay/transactions/jsapi",
      "POST v3/pay/transactions/app", "POST v3/pay/transactions/h5",
      "GET v3/pay/transactions/id/{transaction_id}",
      "GET v3/pay/transactions/out-trade-no/{out_trade_no}",
      "POST v3/pay/transactions/out-trade-no/{out_trade_no}/close",
      "POST v3/refund/domestic/refunds", "GET v3/refund/domestic/refunds/{out_refund_no}",
      "GET v3/certificates", "POST v3/merchant-risk-manage/report-trade-union-information",
      "GET v3/merchant-risk-manage/trade-risk-information",
      "POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}",
      "GET v3/transaction-block/transaction-block-submissions/{block_submission_id}",
      "POST v2/payitil/report",
      // APIv2 payment-code flow: sandbox_apiv2_tls_test.cc
      "POST v2/pay/micropay", "POST v2/pay/orderquery", "POST v2/secapi/pay/reverse",
      "POST v2/secapi/pay/refund", "POST v2/pay/refundquery"};
  return ids;
}

class SandboxCatalogTest : public SandboxTest {};

TEST_F(SandboxCatalogTest, EveryApiV3EndpointAnswersItsSchema) {
  const auto& cat = catalog::Catalog::Default();
  ASSERT_TRUE(cat.load_error().empty()) << cat.load_error();
  int checked = 0;
  for (const catalog::Endpoint& ep : cat) {
    if (ep.protocol != catalog::Protocol::kApiV3 || ep.kind != catalog::EndpointKind::kApi) {
      continue;
    }
    if (RealBehaviour().count(ep.id) || ep.request_kind == catalog::RequestKind::kMultipart ||
        !ep.encrypted_fields.empty()) {
      continue;
    }
    SCOPED_TRACE(std::string(ep.id));
    wechatpay::testing::SampleRequest s = wechatpay::testing::SynthesizeRequest(ep);
    httplib::Headers h;
    for (const auto& [k, v] : s.headers) {
      h.emplace(k, EqualsIgnoreCase(k, "Wechatpay-Serial") ? client_->keys().public_key_id : v);
    }
    std::string body = s.body.is_null() ? std::string() : s.body.dump();
    std::string target = Target(ep, s);
    auto res = client_->Send(std::string(ep.method), target, body, h);
    ASSERT_TRUE(res) << target;
    ++checked;
    int want = ep.response.status > 0 ? ep.response.status : 200;
    if (ep.response_kind == catalog::ResponseKind::kEmpty && want == 200) want = 204;
    ASSERT_EQ(res->status, want) << target << " " << res->body;
    if (ep.response_kind == catalog::ResponseKind::kBinary) continue;
    EXPECT_TRUE(client_->Verify(*res).ok()) << target;
    if (ep.response_kind == catalog::ResponseKind::kJson && ep.response.schema) {
      auto j = nlohmann::json::parse(res->body, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << res->body;
      auto v = catalog::ValidateResponse(ep, j);
      EXPECT_TRUE(v.empty()) << target << ": " << (v.empty() ? "" : v[0].path + " " + v[0].message);
    }
  }
  EXPECT_GT(checked, 500);
}

TEST_F(SandboxCatalogTest, SchemaViolationsAre400) {
  const auto* ep = catalog::Catalog::Default().Find("POST", "v3/pay/partner/transactions/native");
  ASSERT_NE(ep, nullptr);
  wechatpay::testing::SampleRequest s = wechatpay::testing::SynthesizeRequest(*ep);
  ASSERT_TRUE(s.body.is_object());
  nlohmann::json body = s.body;
  body.erase("sp_mchid");
  auto res = client_->Send("POST", Target(*ep, s), body.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  auto j = client_->Json(*res);
  EXPECT_EQ(j["code"], "PARAM_ERROR");
  EXPECT_EQ(j["detail"]["field"], "sp_mchid");
  EXPECT_TRUE(client_->Verify(*res).ok());

  body = s.body;
  body["amount"]["total"] = "one yuan";
  res = client_->Send("POST", Target(*ep, s), body.dump());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(client_->Json(*res)["message"].get<std::string>().find("amount.total"),
            std::string::npos)
      << res->body;
}

TEST_F(SandboxCatalogTest, MultipartUploadSignsTheMetaPart) {
  std::string file = "\x89PNG fake image bytes";
  std::string meta =
      nlohmann::json{{"filename", "a.png"}, {"sha256", crypto::HexEncode(crypto::Sha256(file))}}
          .dump();
  auto auth = client_->signer().Authorization("POST", "/v3/merchant/media/upload", meta);
  ASSERT_TRUE(auth.ok());
  httplib::MultipartFormDataItems items = {{"meta", meta, "", "application/json"},
                                           {"file", file, "a.png", "image/png"}};
  auto res = client_->http().Post("/v3/merchant/media/upload", {{"Authorization", *auth}}, items);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(client_->Verify(*res).ok());
  EXPECT_FALSE(client_->Json(*res)["media_id"].get<std::string>().empty());

  // The signature covers the meta part: another meta does not verify.
  auto auth2 = client_->signer().Authorization("POST", "/v3/merchant/media/upload", "{}");
  ASSERT_TRUE(auth2.ok());
  res = client_->http().Post("/v3/merchant/media/upload", {{"Authorization", *auth2}}, items);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  // meta must be JSON.
  httplib::MultipartFormDataItems bad = {{"meta", "not json", "", "application/json"},
                                         {"file", file, "a.png", "image/png"}};
  auto auth3 = client_->signer().Authorization("POST", "/v3/merchant/media/upload", "not json");
  ASSERT_TRUE(auth3.ok());
  res = client_->http().Post("/v3/merchant/media/upload", {{"Authorization", *auth3}}, bad);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
}

TEST_F(SandboxCatalogTest, EveryApiV2EndpointAnswersSignedXml) {
  const auto& cat = catalog::Catalog::Default();
  const DemoMerchant& m = client_->merchant();
  int checked = 0;
  for (const catalog::Endpoint& ep : cat) {
    if (ep.protocol != catalog::Protocol::kApiV2 || ep.kind != catalog::EndpointKind::kApi ||
        ep.request_kind != catalog::RequestKind::kXml ||
        ep.response_kind != catalog::ResponseKind::kXml || RealBehaviour().count(ep.id)) {
      continue;
    }
    SCOPED_TRACE(std::string(ep.id));
    wechatpay::testing::SampleRequest s = wechatpay::testing::SynthesizeRequest(ep);
    if (!s.body.is_object()) continue;
    apiv2::Fields f;
    bool flat = true;
    for (auto it = s.body.begin(); it != s.body.end(); ++it) {
      if (!it.value().is_string()) {
        flat = false;
        break;
      }
      f.Set(it.key(), it.value().get<std::string>());
    }
    if (!flat) continue;
    std::string id_field = f.Has("mch_id") ? "mch_id" : f.Has("mchid") ? "mchid" : "";
    if (id_field.empty()) continue;
    f.Set(id_field, m.mchid);
    auto type = apiv2::ParseSignType(f.Get("sign_type"));
    if (!type) continue;
    apiv2::SignRequest(f, m.apiv2_key.view(), *type);
    auto res =
        client_->Raw(std::string(ep.method), Target(ep, s), apiv2::EncodeXml(f), {}, "text/xml");
    ASSERT_TRUE(res);
    ++checked;
    auto out = apiv2::DecodeXml(res->body);
    ASSERT_TRUE(out.ok()) << res->body;
    EXPECT_EQ(out->Get("return_code"), "SUCCESS") << res->body;
    EXPECT_TRUE(apiv2::CheckResponse(*out, m.apiv2_key.view(), *type, true).ok()) << res->body;
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace wechatpay::sandbox::testing
