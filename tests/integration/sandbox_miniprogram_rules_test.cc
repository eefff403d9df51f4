// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// POST user-order/combine-orders: every errcode of the page's error-code table is reproduced by a
// request, once refused by the client before sending and once answered by the sandbox (the client
// told not to validate), with the same errcode both ways: client and sandbox share the rules of
// wechatpay/miniprogram.h and cannot drift.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "wechatpay/client.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay {
namespace {

using nlohmann::json;
using sandbox::Sandbox;
using ::testing::HasSubstr;

// The error-code table of the page (uploadCombinedShoppingInfo), -1 and 0 aside.
const std::set<int64_t> kPageErrcodes = {
    268435461, 268485192, 268485214, 268485253, 268485201, 268485195, 268485196, 268485197,
    268485194, 268485202, 268485204, 268485205, 268485206, 268485211, 268485213, 268485207,
    268485208, 268485209, 268485210, 268485272, 268457013, 268457014, 268485216, 268485217};

json ValidOrder(const std::string& appid) {
  json b = json::parse(R"({
    "order_key": {"order_number_type": 1, "mchid": "1230000109",
                  "out_trade_no": "1217752501201407033233368018"},
    "sub_orders": [{
      "order_key": {"order_number_type": "MERCHANT_TRADE_NUMBER", "mchid": "1230000109",
                    "out_trade_no": "1217752501201407033233368018"},
      "merchant_order_no": "SUB-1",
      "order_detail_jump_link": {"type": "MINI_PROGRAM", "path": "/pages/order?id=1"},
      "item_list": [{"merchant_item_id": "ITEM-1", "name": "QQ公仔", "unit_price": 100,
                     "quantity": 1, "image_url": ["https://qpic.cn/x.png"],
                     "item_detail_jump_link": {"type": 1, "url": "https://example.com/i/1"}}],
      "logistics_type": 3
    }],
    "upload_time": "2026-11-23T10:35:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
  })");
  b["sub_orders"][0]["order_detail_jump_link"]["appid"] = appid;
  return b;
}

struct Case {
  int64_t errcode;
  const char* what;
  std::function<void(json&)> mutate;
};

std::vector<Case> Cases() {
  auto sub = [](json& b) -> json& { return b["sub_orders"][0]; };
  auto item = [](json& b) -> json& { return b["sub_orders"][0]["item_list"][0]; };
  return {
      {268485192, "no openid", [](json& b) { b["payer"].erase("openid"); }},
      {268457013, "openid with spaces", [](json& b) { b["payer"]["openid"] = "o p!"; }},
      {268457014, "openid of zeros", [](json& b) { b["payer"]["openid"] = "000000"; }},
      {268485214, "no upload_time", [](json& b) { b.erase("upload_time"); }},
      {268485216, "upload_time not RFC 3339",
       [](json& b) { b["upload_time"] = "2021-05-20T13:29:35.120 08:00"; }},
      {268435461, "no order_key", [](json& b) { b.erase("order_key"); }},
      {268485194, "order_number_type 3", [](json& b) { b["order_key"]["order_number_type"] = 3; }},
      {268485195, "WXPAY_TRADE_NUMBER without transaction_id",
       [](json& b) {
         b["order_key"] = {{"order_number_type", "WXPAY_TRADE_NUMBER"}};
       }},
      {268485196, "no mchid", [](json& b) { b["order_key"].erase("mchid"); }},
      {268485197, "no out_trade_no", [](json& b) { b["order_key"].erase("out_trade_no"); }},
      {268485217, "mchid not digits", [](json& b) { b["order_key"]["mchid"] = "12ab5678"; }},
      {268485253, "sub-order type differs",
       [sub](json& b) {
         sub(b)["order_key"] = {{"order_number_type", 2}, {"transaction_id", "4200001"}};
       }},
      {268485201, "no merchant_order_no", [sub](json& b) { sub(b).erase("merchant_order_no"); }},
      {268485202, "link type 9", [sub](json& b) { sub(b)["order_detail_jump_link"]["type"] = 9; }},
      {268485204, "mini-program link without appid",
       [sub](json& b) { sub(b)["order_detail_jump_link"].erase("appid"); }},
      {268485205, "mini-program link without path",
       [sub](json& b) { sub(b)["order_detail_jump_link"].erase("path"); }},
      {268485206, "URL link without url",
       [item](json& b) { item(b)["item_detail_jump_link"].erase("url"); }},
      {268485211, "no items", [sub](json& b) { sub(b)["item_list"] = json::array(); }},
      {268485207, "item without name", [item](json& b) { item(b).erase("name"); }},
      {268485208, "item without unit_price", [item](json& b) { item(b).erase("unit_price"); }},
      {268485209, "item without quantity", [item](json& b) { item(b).erase("quantity"); }},
      {268485210, "item without images", [item](json& b) { item(b)["image_url"] = json::array(); }},
      {268485272, "item without link", [item](json& b) { item(b).erase("item_detail_jump_link"); }},
      {268485213, "merchant_item_id on some items only",
       [sub](json& b) {
         json second = sub(b)["item_list"][0];
         second.erase("merchant_item_id");
         sub(b)["item_list"].push_back(second);
       }},
      {268435461, "mini-program link to another app",
       [sub](json& b) { sub(b)["order_detail_jump_link"]["appid"] = "wx0000000000000000"; }},
      {268435461, "logistics_type 7", [sub](json& b) { sub(b)["logistics_type"] = 7; }},
  };
}

class SandboxMiniProgramRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sb = Sandbox::Start({});
    ASSERT_TRUE(sb) << sb.error().ToString();
    sandbox_ = std::move(*sb);
    ClientOptions o;
    o.miniprogram.appid = sandbox_->miniprogram_appid();
    o.miniprogram.appsecret = sandbox_->miniprogram_appsecret();
    o.miniprogram.base_url = sandbox_->base_url() + "/";
    o.retry.max_attempts = 1;
    auto c = Client::Create(std::move(o));
    ASSERT_TRUE(c) << c.error().ToString();
    client_ = std::make_unique<Client>(std::move(*c));
  }
  Result<Response> Upload(const json& body, bool validate) {
    CallOptions co;
    co.validate = validate;
    return client_->chain("user-order/combine-orders").post(body, co);
  }
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<Client> client_;
};

TEST_F(SandboxMiniProgramRulesTest, EveryPageErrcodeClientSideAndSandboxSide) {
  const std::string appid = sandbox_->miniprogram_appid();
  auto ok = Upload(ValidOrder(appid), true);
  ASSERT_TRUE(ok) << ok.error().ToString();

  std::set<int64_t> seen;
  for (const Case& c : Cases()) {
    json b = ValidOrder(appid);
    c.mutate(b);
    std::string code = std::to_string(c.errcode);
    // The client refuses before sending...
    auto local = Upload(b, true);
    ASSERT_FALSE(local) << c.what;
    EXPECT_EQ(local.error().code, ErrorCode::kInvalidArgument) << c.what;
    EXPECT_EQ(local.error().api_code, code) << c.what << ": " << local.error().ToString();
    // ...and the sandbox, sent the same body, answers the same errcode (HTTP 200, errmsg with
    // the table's meaning, where, and a rid).
    auto remote = Upload(b, false);
    ASSERT_FALSE(remote) << c.what;
    EXPECT_EQ(remote.error().code, ErrorCode::kApi) << c.what;
    EXPECT_EQ(remote.error().http_status, 200) << c.what;
    EXPECT_EQ(remote.error().api_code, code) << c.what << ": " << remote.error().ToString();
    EXPECT_THAT(remote.error().detail, HasSubstr(" rid: ")) << c.what;
    seen.insert(c.errcode);
  }
  EXPECT_EQ(seen, kPageErrcodes);
}

TEST_F(SandboxMiniProgramRulesTest, SystemErrorIsMinusOne) {
  // -1 (system error) comes from WeChat's side, not from a request: a fault stands for it.
  sandbox::Fault f;
  f.kind = sandbox::Fault::Kind::kStatus;
  f.status = 200;
  f.count = 1;
  f.path_prefix = "/user-order/";
  ASSERT_TRUE(Upload(ValidOrder(sandbox_->miniprogram_appid()), true));  // token fetched first
  sandbox_->InjectFault(f);
  auto r = Upload(ValidOrder(sandbox_->miniprogram_appid()), true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().api_code, "-1") << r.error().ToString();
  auto after = Upload(ValidOrder(sandbox_->miniprogram_appid()), true);
  ASSERT_FALSE(after);  // the same upload_time again: a re-upload needs a later one
  EXPECT_EQ(after.error().api_code, "268435461");
}

}  // namespace
}  // namespace wechatpay
