// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The five seed endpoints' examples as typed requests, shared by the unit tests
// (models_seed_test.cc, models_async_test.cc) and the sandbox round trips
// (integration/models_sandbox_test.cc).
#ifndef WECHATPAY_TESTS_UNIT_MODELS_SEEDS_H_
#define WECHATPAY_TESTS_UNIT_MODELS_SEEDS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_util.h"
#include "wechatpay/models/miniprogram/user_order.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/merchant_risk_manage.h"
#include "wechatpay/models/v3/transaction_block.h"

namespace wechatpay::testing::seeds {

namespace mrm = models::v3::merchant_risk_manage;
namespace tb = models::v3::transaction_block;
namespace payitil = models::v2::payitil;
namespace uo = models::miniprogram::user_order;

// seed 000: POST v3/merchant-risk-manage/report-trade-union-information
inline mrm::PostReportTradeUnionInformationRequest Report() {
  using R = mrm::PostReportTradeUnionInformationRequest;
  R r;
  r.sp_mchid = "1900000109";
  r.acquiring_bank_id = "1356485";
  r.channel_id = "1900000108";
  r.sub_mchid = "1900009231";
  r.out_trade_no = "1217752501201407033233368018";
  r.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  r.phone = "13800138000";
  r.certificates_number = "110101199003072316";
  r.client_ip = "58.213.1.1";
  r.risk_level = 2;
  r.line_type = R::LineType::k1;
  r.goods_type = R::GoodsType::k2;
  r.seller_type = R::SellerType::k1;
  r.is_need_deliver = true;
  r.device_type = R::DeviceType::k3;
  r.scene = R::Scene::k1;
  r.recharge_fields.emplace();
  r.recharge_fields->account_type = 1;
  r.recharge_fields->account = "13900139000";
  return r;
}

// seed 001: GET v3/merchant-risk-manage/trade-risk-information
inline mrm::GetTradeRiskInformationRequest RiskQuery() {
  mrm::GetTradeRiskInformationRequest q;
  q.sp_mchid = "1900000109";
  q.acquiring_bank_id = "1356485";
  q.channel_id = "1900000108";
  q.sub_mchid = "1900009231";
  q.out_trade_no = "1217752501201407033233368018";
  q.complaints_information = "商家说高额返利,支付很大金额之后发现并没有返利,是骗子";
  return q;
}

// seed 004: POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}
inline tb::PostTransactionBlockSubmissionsSubMchidRequest Submission() {
  using Fields = tb::PostTransactionBlockSubmissionsSubMchidRequest::SubmitData::RecordFields;
  tb::PostTransactionBlockSubmissionsSubMchidRequest req;
  req.merchant_submit_id = "ABC123456789";
  Fields f;
  f.item_id = "";
  f.field_name = "";
  f.name = "";
  f.type = Fields::Type::k1;  // the seed page shows 0, which its own enum forbids
  Fields::RepeatedFieldData d;
  d.longitude = "";
  d.trade_goods = "";
  d.logistic_flag = Fields::RepeatedFieldData::LogisticFlag::k0;
  d.evidence_img_list = std::vector<std::string>{"凭证图片1"};
  f.repeated_field_data = std::vector<Fields::RepeatedFieldData>{d};
  f.required = Fields::Required::k0;
  f.need_encrypt = true;
  f.string_check_rule.emplace();
  f.string_check_rule->min_string_length = 0;
  f.string_check_rule->max_string_length = 0;
  f.string_check_rule->validator = Fields::StringCheckRule::Validator::kNumber;
  f.file_check_rule.emplace();
  f.file_check_rule->enum_file_exts =
      std::vector<models::Enum<Fields::FileCheckRule::EnumFileExts>>{
          Fields::FileCheckRule::EnumFileExts::kPng};
  f.time_interval_check_rule.emplace();
  f.time_interval_check_rule->min_list_length = 2;
  f.time_interval_check_rule->max_list_length = 2;
  Fields::Relations rel;
  rel.source_key = 0;
  rel.source_value = "";
  f.relations = std::vector<Fields::Relations>{rel};
  req.submit_data.record_fields.push_back(f);
  return req;
}

// seed 002: POST v2/payitil/report (the fields of the APIv2 signing vector).
inline payitil::PostReportRequest Payitil() {
  const nlohmann::json& v = Vectors()["apiv2_sign"]["fields"];
  payitil::PostReportRequest req;
  req.appid = v["appid"];
  req.mch_id = v["mch_id"];
  req.device_info = v["device_info"];
  req.interface_url = v["interface_url"];
  req.user_ip = v["user_ip"];
  req.nonce_str = v["nonce_str"];
  payitil::PostReportRequest::Trades t;
  t.out_trade_no = "out_trade_no_test_1";
  t.begin_time = "20160602203256";
  t.end_time = "20160602203257";
  t.state = payitil::PostReportRequest::Trades::State::kOk;
  t.err_msg = "";
  req.trades.push_back(t);
  return req;
}

// seed 003: POST user-order/combine-orders (mini-program)
inline uo::PostCombineOrdersRequest CombineOrder() {
  using Req = uo::PostCombineOrdersRequest;
  Req req;
  req.order_key.order_number_type = Req::OrderKey::OrderNumberType::kTransactionId;
  req.order_key.transaction_id = "4200001234202611230000000001";
  Req::SubOrders sub;
  sub.order_key = req.order_key;
  Req::SubOrders::ItemList item;
  item.merchant_item_id = "ITEM-1";
  item.name = "QQ公仔";
  item.unit_price = 100;
  item.quantity = 1;
  item.image_url = {"https://qpic.cn/x.png"};
  item.item_detail_jump_link.type = Req::SubOrders::OrderDetailJumpLink::Type::kUrl;
  item.item_detail_jump_link.url = "https://example.com/item/1";
  sub.item_list.push_back(item);
  sub.order_detail_jump_link.type = Req::SubOrders::OrderDetailJumpLink::Type::kUrl;
  sub.order_detail_jump_link.url = "https://example.com/order/1";
  req.sub_orders.push_back(sub);
  req.payer.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
  req.upload_time = "2026-11-23T10:35:00+08:00";
  return req;
}

}  // namespace wechatpay::testing::seeds

#endif  // WECHATPAY_TESTS_UNIT_MODELS_SEEDS_H_
