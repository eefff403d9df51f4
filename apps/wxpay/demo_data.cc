// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "demo_data.h"

namespace wxpay::demo {

using nlohmann::json;

json TradeUnionReport() {
  // The page lists the fields without example values; these follow its types and enums, and use
  // the order numbers of the trade-risk-information page so that the query finds the report.
  return json{
      {"sp_mchid", "1900000109"},
      {"acquiring_bank_id", "1356485"},
      {"channel_id", "1900000108"},
      {"sub_mchid", "1900009231"},
      {"out_trade_no", "1217752501201407033233368018"},
      {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
      {"phone", "13800138000"},
      {"certificates_number", "110101199003071234"},
      {"client_ip", "203.0.113.8"},
      {"risk_level", 3},
      {"line_type", 1},
      {"goods_type", 1},
      {"seller_type", 1},
      {"is_need_deliver", false},
      {"device_type", 1},
      {"userid", "user-10086"},
      {"phone_from", 1},
      {"seller_userid", "seller-2048"},
      {"scene", 1},
      {"recharge_fields", {{"account_type", 1}, {"account", "game-account-777"}}},
      {"extra_fields1", "demo"},
  };
}

wechatpay::QueryParams TradeRiskQuery() {
  return {
      {"sp_mchid", "1900000109"},
      {"acquiring_bank_id", "1356485"},
      {"channel_id", "1900000108"},
      {"sub_mchid", "1900009231"},
      {"out_trade_no", "1217752501201407033233368018"},
      {"complaints_information", "商家说高额返利,支付很大金额之后发现并没有返利,是骗子"},
  };
}

json BlockSubmission() {
  // The page's example; `type` is 1 instead of 0 (the field's enum is 1-6).
  json repeated = json::array({json{
      {"longitude", ""},
      {"latitude", ""},
      {"province", ""},
      {"city", ""},
      {"area", ""},
      {"street", ""},
      {"address", ""},
      {"name", ""},
      {"wechat_order_id", ""},
      {"merchant_order_id", ""},
      {"trade_time", ""},
      {"trade_money_amount", ""},
      {"trade_goods", ""},
      {"logistic_flag", 0},
      {"evidence_img_list", json::array({"凭证图片1"})},
  }});
  json record = {
      {"item_id", ""},
      {"field_name", ""},
      {"name", ""},
      {"type", 1},
      {"repeated_field_data", repeated.dump()},
      {"tips", ""},
      {"placeholder", ""},
      {"tooltip", ""},
      {"required", 0},
      {"need_encrypt", true},
      {"string_check_rule",
       {{"min_string_length", 0}, {"max_string_length", 0}, {"validator", "number"}}},
      {"enum_check_rule",
       {{"min_list_length", 0}, {"max_list_length", 0}, {"enum_values", json::array({"string"})}}},
      {"file_check_rule",
       {{"min_list_length", 0},
        {"max_list_length", 0},
        {"enum_file_exts", json::array({"png"})},
        {"max_file_size", 0}}},
      {"time_interval_check_rule", {{"min_list_length", 2}, {"max_list_length", 2}}},
      {"order_interval_check_rule",
       {{"min_list_length", 0},
        {"max_list_length", 0},
        {"enum_file_exts", json::array({"png"})},
        {"max_file_size", 0}}},
      {"relations", json::array({json{{"source_key", 0}, {"source_value", ""}}})},
  };
  json submit_data = {{"record_fields", json::array({record})}};
  return json{{"merchant_submit_id", "ABC123456789"}, {"submit_data", submit_data.dump()}};
}

wechatpay::apiv2::Fields PayitilReport(const std::string& mchid) {
  json trades = json::array({json{
      {"out_trade_no", "out_trade_no_test_1"},
      {"begin_time", "20160602203256"},
      {"end_time", "20160602203257"},
      {"state", "OK"},
      {"err_msg", ""},
  }});
  return wechatpay::apiv2::Fields{
      {"appid", "wx8888888888888888"},
      {"mch_id", mchid},
      {"device_info", "013467007045764"},
      {"interface_url", "https://api.mch.weixin.qq.com/pay/batchreport/micropay/total"},
      {"user_ip", "8.8.8.8"},
      {"trades", trades.dump()},
  };
}

namespace {

json Item(const std::string& appid, int link_type) {
  json link = {{"url", "https://www.weixin.qq.com/wxpay/pay.php"},
               {"appid", appid},
               {"path", "/path/index/index"},
               {"type", link_type}};
  return json{
      {"merchant_item_id", "1246464644"},
      {"name", "iPhoneX 256G"},
      {"description", "Image形象店-深圳腾大-QQ公仔"},
      {"unit_price", 828800},
      {"quantity", 2},
      {"image_url", json::array({"https://qpic.cn/xxx", "https://qpic.cn/xxx"})},
      {"item_detail_jump_link", link},
  };
}

json SubOrder(const std::string& appid, const std::string& transaction_id, int logistics) {
  return json{
      {"order_key", {{"order_number_type", 2}, {"transaction_id", transaction_id}}},
      {"merchant_order_no", "2343454667633"},
      {"order_detail_jump_link",
       {{"url", "https://www.weixin.qq.com/wxpay/pay.php"},
        {"appid", appid},
        {"path", "/path/index/index"},
        {"type", 2}}},
      {"item_list", json::array({Item(appid, 1), Item(appid, 2)})},
      {"logistics_type", logistics},
  };
}

}  // namespace

json CombineOrders(const std::string& appid, const std::string& upload_time) {
  // The page's example uses WXPAY_TRADE_NUMBER (2) for the main order: every order key uses it,
  // since sub-orders must have the main order's type.
  return json{
      {"order_key", {{"order_number_type", 2}, {"transaction_id", "4200000001202105201234567890"}}},
      {"sub_orders", json::array({SubOrder(appid, "4200000002202105201234567891", 3),
                                  SubOrder(appid, "4200000003202105201234567892", 2)})},
      {"payer", {{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}},
      {"upload_time", upload_time},
  };
}

}  // namespace wxpay::demo
