// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The example data of the seed endpoint pages that `wxpay demo` sends (docs/cli.md says what was
// adapted so that the sandbox's business rules accept it).
#ifndef WXPAY_DEMO_DATA_H_
#define WXPAY_DEMO_DATA_H_

#include <nlohmann/json.hpp>
#include <string>

#include "wechatpay/apiv2.h"
#include "wechatpay/url.h"

namespace wxpay::demo {

// POST v3/merchant-risk-manage/report-trade-union-information. `phone` and
// `certificates_number` are plaintext here; the SDK encrypts them.
nlohmann::json TradeUnionReport();

// GET v3/merchant-risk-manage/trade-risk-information (the page's query, same order as reported).
wechatpay::QueryParams TradeRiskQuery();

// POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}.
inline constexpr const char* kBlockSubMchid = "123000110";
nlohmann::json BlockSubmission();

// POST v2/payitil/report (mch_id is the sandbox merchant's).
wechatpay::apiv2::Fields PayitilReport(const std::string& mchid);

// POST user-order/combine-orders: the page's example with the table's numeric enums, the calling
// mini-program's appid in mini-program links, valid order keys and a current upload_time.
nlohmann::json CombineOrders(const std::string& appid, const std::string& upload_time);

}  // namespace wxpay::demo

#endif  // WXPAY_DEMO_DATA_H_
