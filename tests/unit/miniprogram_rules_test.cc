// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// POST user-order/combine-orders: the page's rules and errcodes, checked before sending.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "wechatpay/client.h"
#include "wechatpay/miniprogram.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kAppid = "wxd678efh567hg6787";

json ValidOrder() {
  return json::parse(R"({
    "order_key": {"order_number_type": "MERCHANT_TRADE_NUMBER", "mchid": "1230000109",
                  "out_trade_no": "1217752501201407033233368018"},
    "sub_orders": [{
      "order_key": {"order_number_type": 1, "mchid": "1230000109",
                    "out_trade_no": "1217752501201407033233368018"},
      "merchant_order_no": "SUB-1",
      "order_detail_jump_link": {"type": "MINI_PROGRAM", "appid": "wxd678efh567hg6787",
                                 "path": "/pages/order?id=1"},
      "item_list": [{"merchant_item_id": "ITEM-1", "name": "QQ公仔", "unit_price": 100,
                     "quantity": 1, "image_url": ["https://qpic.cn/x.png"],
                     "item_detail_jump_link": {"type": 1, "url": "https://example.com/i/1"}}],
      "logistics_type": "VIRTUAL_GOODS"
    }],
    "upload_time": "2026-11-23T10:35:00+08:00",
    "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
  })");
}

TEST(CombineOrdersRules, ValidOrderPassesWithNamesOrNumbers) {
  EXPECT_FALSE(miniprogram::CheckCombineOrders(ValidOrder(), kAppid));
  json numbers = miniprogram::NormalizeCombineOrderEnums(ValidOrder());
  EXPECT_EQ(numbers["order_key"]["order_number_type"], 1);
  EXPECT_EQ(numbers["sub_orders"][0]["order_detail_jump_link"]["type"], 2);
  EXPECT_EQ(numbers["sub_orders"][0]["logistics_type"], 3);
  EXPECT_FALSE(miniprogram::CheckCombineOrders(numbers, kAppid));
}

TEST(CombineOrdersRules, EveryErrcodeFromItsRule) {
  struct Case {
    int64_t errcode;
    const char* path;
    std::function<void(json&)> mutate;
  };
  const Case cases[] = {
      {268485192, "payer.openid", [](json& b) { b["payer"]["openid"] = ""; }},
      {268457013, "payer.openid", [](json& b) { b["payer"]["openid"] = "bad openid!"; }},
      {268457014, "payer.openid", [](json& b) { b["payer"]["openid"] = "0000"; }},
      {268485214, "upload_time", [](json& b) { b.erase("upload_time"); }},
      {268485216, "upload_time", [](json& b) { b["upload_time"] = "2026-11-23 10:35:00"; }},
      {268485194, "order_key.order_number_type",
       [](json& b) { b["order_key"]["order_number_type"] = 3; }},
      {268485196, "order_key.mchid", [](json& b) { b["order_key"].erase("mchid"); }},
      {268485197, "order_key.out_trade_no", [](json& b) { b["order_key"].erase("out_trade_no"); }},
      {268485217, "order_key.mchid", [](json& b) { b["order_key"]["mchid"] = "12ab"; }},
      {268485253, "sub_orders[0].order_key.order_number_type",
       [](json& b) {
         b["sub_orders"][0]["order_key"] = {{"order_number_type", 2},
                                            {"transaction_id", "4200001234202611230000000001"}};
       }},
      {268485195, "order_key.transaction_id",
       [](json& b) {
         b["order_key"] = {{"order_number_type", "WXPAY_TRADE_NUMBER"}};
       }},
      {268485201, "sub_orders[0].merchant_order_no",
       [](json& b) { b["sub_orders"][0].erase("merchant_order_no"); }},
      {268485202, "sub_orders[0].order_detail_jump_link.type",
       [](json& b) { b["sub_orders"][0]["order_detail_jump_link"]["type"] = 9; }},
      {268485204, "sub_orders[0].order_detail_jump_link.appid",
       [](json& b) { b["sub_orders"][0]["order_detail_jump_link"].erase("appid"); }},
      {268485205, "sub_orders[0].order_detail_jump_link.path",
       [](json& b) { b["sub_orders"][0]["order_detail_jump_link"].erase("path"); }},
      {268485206, "sub_orders[0].item_list[0].item_detail_jump_link.url",
       [](json& b) { b["sub_orders"][0]["item_list"][0]["item_detail_jump_link"].erase("url"); }},
      {268485211, "sub_orders[0].item_list",
       [](json& b) { b["sub_orders"][0]["item_list"] = json::array(); }},
      {268485207, "sub_orders[0].item_list[0].name",
       [](json& b) { b["sub_orders"][0]["item_list"][0]["name"] = ""; }},
      {268485208, "sub_orders[0].item_list[0].unit_price",
       [](json& b) { b["sub_orders"][0]["item_list"][0].erase("unit_price"); }},
      {268485209, "sub_orders[0].item_list[0].quantity",
       [](json& b) { b["sub_orders"][0]["item_list"][0].erase("quantity"); }},
      {268485210, "sub_orders[0].item_list[0].image_url",
       [](json& b) { b["sub_orders"][0]["item_list"][0]["image_url"] = json::array(); }},
      {268485272, "sub_orders[0].item_list[0].item_detail_jump_link",
       [](json& b) { b["sub_orders"][0]["item_list"][0].erase("item_detail_jump_link"); }},
      {268485213, "sub_orders[0].item_list",
       [](json& b) {
         json second = b["sub_orders"][0]["item_list"][0];
         second.erase("merchant_item_id");
         b["sub_orders"][0]["item_list"].push_back(second);
       }},
      // 参数错误: what the page's rules leave to the general parameter check.
      {268435461, "order_key", [](json& b) { b.erase("order_key"); }},
      {268435461, "sub_orders", [](json& b) { b["sub_orders"] = json::array(); }},
      {268435461, "sub_orders[0].order_detail_jump_link.appid",
       [](json& b) {
         b["sub_orders"][0]["order_detail_jump_link"]["appid"] = "wx0000000000000000";
       }},
      {268435461, "sub_orders[0].logistics_type",
       [](json& b) { b["sub_orders"][0]["logistics_type"] = "BY_PIGEON"; }},
  };
  // Every errcode of the page's table but -1 (system error, WeChat's side) has a case here.
  std::set<int64_t> covered;
  for (const auto& c : cases) covered.insert(c.errcode);
  EXPECT_EQ(covered.size(), 24u);
  for (const auto& c : cases) {
    json b = ValidOrder();
    c.mutate(b);
    auto v = miniprogram::CheckCombineOrders(b, kAppid);
    ASSERT_TRUE(v) << c.errcode;
    EXPECT_EQ(v->errcode, c.errcode) << c.path;
    EXPECT_EQ(v->path, c.path) << c.errcode;
    EXPECT_FALSE(v->message.empty());
  }
}

TEST(CombineOrdersRules, Rfc3339) {
  for (const char* ok :
       {"2026-11-23T10:35:00+08:00", "2026-11-23T10:35:00Z", "2026-11-23T10:35:00.123-05:30"}) {
    EXPECT_TRUE(miniprogram::IsRfc3339(ok)) << ok;
  }
  for (const char* bad : {"", "2026-11-23", "2026-11-23T10:35:00", "2026-13-23T10:35:00Z",
                          "2026-11-23T10:35:00 08:00", "2026-11-23T10:35:00+0800"}) {
    EXPECT_FALSE(miniprogram::IsRfc3339(bad)) << bad;
  }
}

TEST(CombineOrdersRules, TheClientRefusesBeforeSending) {
  auto fake = std::make_shared<testing::FakeTransport>();
  fake->SetHandler([](const HttpRequest& req) -> Result<HttpResponse> {
    HttpResponse r;
    r.status = 200;
    r.body = req.url.find("cgi-bin") != std::string::npos
                 ? R"({"access_token":"T","expires_in":7200})"
                 : R"({"errcode":0,"errmsg":"ok"})";
    return r;
  });
  ClientOptions o;
  o.miniprogram.appid = kAppid;
  o.miniprogram.appsecret = SecretString(std::string("secret"));
  o.transport = fake;
  auto client = Client::Create(std::move(o));
  ASSERT_TRUE(client) << client.error().ToString();
  // Names and numbers both pass, and the body goes out as given.
  auto ok = client->chain("user-order/combine-orders").post(ValidOrder());
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(json::parse(fake->requests().back().body), ValidOrder());
  size_t sent = fake->request_count();
  json bad = ValidOrder();
  bad["payer"]["openid"] = "";
  auto r = client->chain("user-order/combine-orders").post(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().api_code, "268485192");
  EXPECT_THAT(r.error().message, HasSubstr("payer.openid"));
  // Schema rules too: more than 50 items; an image_url that is not a URL.
  json many = ValidOrder();
  for (int i = 0; i < 50; ++i) {
    many["sub_orders"][0]["item_list"].push_back(many["sub_orders"][0]["item_list"][0]);
  }
  auto r2 = client->chain("user-order/combine-orders").post(many);
  ASSERT_FALSE(r2);
  EXPECT_THAT(r2.error().message, HasSubstr("item_list"));
  EXPECT_EQ(fake->request_count(), sent);  // nothing was sent for the broken ones
}

}  // namespace
}  // namespace wechatpay
