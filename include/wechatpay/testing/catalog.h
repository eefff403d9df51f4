// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support (library wechatpay::testing, installed beside the payment library): what a server
// built on the endpoint catalog needs and a payment integration does not: matching a concrete
// request path to its endpoint, the methods a path allows, and deterministic sample requests and
// responses that conform to an endpoint's schemas (the sandbox's answers, `wxpay catalog --sample`,
// tests).
#ifndef WECHATPAY_TESTING_CATALOG_H_
#define WECHATPAY_TESTING_CATALOG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wechatpay/catalog.h"

namespace wechatpay::testing {

// Resolves a concrete request path ("/v3/pay/transactions/id/4200001?mchid=1", or a whole
// "https://host/..." URL) as a server receives it. Literal segments beat placeholders when several
// templates match (with backtracking); between templates of the same shape, the first whose
// placeholder values pass their path-parameter schemas wins. APIv2 endpoints are matched on their
// HTTP path ("/payitil/report"), hk and global ones on "/hk/v3/...", "/global/v3/...". Segments
// are case-sensitive; a placeholder never matches an empty segment. nullopt when no endpoint of
// that method (ASCII case-insensitive) matches.
std::optional<catalog::PathMatch> MatchPath(const catalog::Catalog& catalog,
                                            std::string_view method,
                                            std::string_view concrete_path);

// The methods (catalog order) that have an endpoint matching `concrete_path`; empty when the
// path is unknown. A server answers 405 with these when MatchPath fails for the request's method.
std::vector<std::string_view> AllowedMethods(const catalog::Catalog& catalog,
                                             std::string_view concrete_path);

// Deterministic sample values that conform to a schema: every field present (required and
// optional), enums take their first value, strings honour format, length and pattern (the
// catalog's patterns and the usual regular-expression subset), numbers honour minimum/maximum,
// arrays hold max(1, minItems) elements, APIv2 families appear as index 0, a JSON-carrying string
// holds the serialized sample document. With kText scalars are written as strings.
nlohmann::json SynthesizeValue(const catalog::FieldSchema& schema,
                               catalog::ValueEncoding encoding = catalog::ValueEncoding::kJson);

// A sample success response body (kText for XML responses); null when the response has no schema.
nlohmann::json SynthesizeResponse(const catalog::Endpoint& endpoint);

// A complete sample request: path parameters, query, headers and body.
struct SampleRequest {
  std::map<std::string, std::string, std::less<>> path_params;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  nlohmann::json body;  // null when the endpoint takes no body
};
SampleRequest SynthesizeRequest(const catalog::Endpoint& endpoint);

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTING_CATALOG_H_
