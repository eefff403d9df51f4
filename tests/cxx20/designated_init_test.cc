// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Built as C++20 (tests/CMakeLists.txt, cxx20_tests): the generated model structs are
// aggregates, so a user on C++20 writes a request with designated initialisers, nested ones
// included, and gets exactly the members named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v3/pay.h"
#include "wechatpay/services/payments/native.h"

namespace wechatpay {
namespace {

namespace native = services::payments::native;

TEST(DesignatedInitialisers, APrepayRequestWrittenByMemberName) {
  native::PrepayRequest req{
      .appid = "wxd678efh567hg6787",
      .mchid = "1900000109",
      .description = "Image形象店-深圳腾大-QQ公仔",
      .out_trade_no = "1217752501201407033233368018",
      .amount = {.total = 100, .currency = "CNY"},
      .notify_url = "https://www.example.com/wxpay/notify",
      .scene_info = native::PrepayRequest::SceneInfo{.payer_client_ip = "14.23.150.211"},
  };
  nlohmann::json j = nlohmann::json::parse(models::ToJsonString(req));
  EXPECT_EQ(j, nlohmann::json::parse(R"({
    "appid": "wxd678efh567hg6787", "mchid": "1900000109",
    "description": "Image形象店-深圳腾大-QQ公仔",
    "out_trade_no": "1217752501201407033233368018",
    "amount": {"total": 100, "currency": "CNY"},
    "notify_url": "https://www.example.com/wxpay/notify",
    "scene_info": {"payer_client_ip": "14.23.150.211"}})"));
}

TEST(DesignatedInitialisers, AResponseIsAnAggregateToo) {
  models::Response<native::PrepayResponse> r{.value = {.code_url = "weixin://wxpay/x"},
                                             .status = 200};
  r.headers.Set("Request-ID", "08F0ABC");
  EXPECT_EQ(r.request_id(), "08F0ABC");
  EXPECT_EQ(*r.value.code_url, "weixin://wxpay/x");
}

}  // namespace
}  // namespace wechatpay
