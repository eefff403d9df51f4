// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Rules of the mini-program server API that the catalog schema cannot express, with the errcode
// WeChat answers for each (POST user-order/combine-orders: upload combined shopping details).
// The client applies them before sending; the sandbox answers with them. JSON-model header.
#ifndef WECHATPAY_MINIPROGRAM_H_
#define WECHATPAY_MINIPROGRAM_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wechatpay::miniprogram {

// One broken rule: the errcode from the page's error-code table, where, and what.
struct RuleViolation {
  int64_t errcode = 0;
  std::string path;     // "sub_orders[0].item_list[1].item_detail_jump_link"
  std::string message;  // the table's meaning of errcode (Chinese, as WeChat answers it)
};

// Enum values are accepted as numbers or as the names the page's example uses; these map a value
// to its number (0 when it is neither).
//   order_number_type: 1 MERCHANT_TRADE_NUMBER, 2 WXPAY_TRADE_NUMBER
//   link type:         1 URL, 2 MINI_PROGRAM (the page's field table; its notes number them the
//                      other way round, the field table is what we follow)
//   logistics_type:    1 PHYSICAL_LOGISTICS, 2 LOCATION_BASED_LOGISTICS, 3 VIRTUAL_GOODS
int OrderNumberType(const nlohmann::json& value);
int LinkType(const nlohmann::json& value);
int LogisticsType(const nlohmann::json& value);

// The first rule `body` breaks, in the order WeChat checks them, or nullopt. `appid` is the
// mini-program calling the API (links of type MINI_PROGRAM must name it).
std::optional<RuleViolation> CheckCombineOrders(const nlohmann::json& body, std::string_view appid);

// A copy of `body` with enum names replaced by their numbers (for schema validation; what is sent
// is what the caller gave).
nlohmann::json NormalizeCombineOrderEnums(nlohmann::json body);

// True for "2026-11-23T10:35:00+08:00", "…Z", with optional fractional seconds.
bool IsRfc3339(std::string_view text);

}  // namespace wechatpay::miniprogram

#endif  // WECHATPAY_MINIPROGRAM_H_
