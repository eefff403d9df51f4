// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Fuzz target: arbitrary bytes as a JSON request body (and as path, query and header values)
// validated against endpoints that exercise every rule kind. Must never crash or throw.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "wechatpay/catalog.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

namespace {

using wechatpay::catalog::Catalog;
using wechatpay::catalog::Endpoint;
using wechatpay::catalog::RequestParts;

constexpr std::string_view kEndpoints[] = {
    "POST user-order/combine-orders",
    "POST v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}",
    "POST v2/payitil/report",
    "POST v2/mmpaymkttransfers/sendgroupredpack",
    "POST v2/transit/partnerpay/payapply",
    "POST v3/merchant-risk-manage/report-trade-union-information",
    "GET v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text =
      size == 0 ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
  const Catalog& catalog = Catalog::Default();
  nlohmann::json body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) body = text;  // not JSON: validate the raw text as a body value

  for (std::string_view id : kEndpoints) {
    const Endpoint* e = catalog.Find("", id);
    if (e == nullptr) continue;
    RequestParts parts;
    parts.body = &body;
    for (const auto* p : e->path_params) parts.path_params[std::string(p->name)] = text;
    for (const auto* q : e->query) parts.query.emplace_back(std::string(q->name), text);
    parts.headers.emplace();
    parts.headers->emplace_back("Wechatpay-Serial", text);
    (void)wechatpay::catalog::Validate(*e, parts);
    parts.pre_signing = true;
    (void)wechatpay::catalog::ToStatus(wechatpay::catalog::Validate(*e, parts));
    (void)wechatpay::catalog::ValidateResponse(*e, body);
  }
  // The same bytes as a request path for the server-side matcher.
  (void)wechatpay::testing::MatchPath(catalog, "POST", text);
  (void)wechatpay::testing::AllowedMethods(catalog, text);
  (void)catalog.Find("GET", text);
  (void)catalog.Search(text.substr(0, 64));
  return 0;
}
