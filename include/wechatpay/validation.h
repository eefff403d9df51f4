// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Request (and response) validation against the endpoint catalog: required fields, types, enums,
// lengths, patterns, numeric ranges, array sizes, nested objects and arrays, JSON documents
// carried inside string fields. Every violation is reported, not just the first; members the
// schema does not know are accepted. No function throws.
//
// This is a JSON-purpose header: bodies are nlohmann::json values.
#ifndef WECHATPAY_VALIDATION_H_
#define WECHATPAY_VALIDATION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wechatpay/catalog.h"
#include "wechatpay/result.h"

namespace wechatpay::catalog {

// One broken rule.
//   path: where — "sub_orders[2].item_list[0].image_url" (body), "query.out_trade_no",
//         "path.sub_mchid", "header.Wechatpay-Serial", "submit_data~record_fields[0].type" (inside
//         the JSON document held by string field submit_data), "body" (the body itself).
//   rule: which — "required", "required_any" (no member of a "give one of these" group is
//         present; the path is the object's), "type", "enum", "minLength", "maxLength", "pattern",
//         "minimum", "maximum", "minItems", "maxItems", "format" (rfc3339, date, url), "json"
//         (a JSON-carrying string does not parse), "depth" (nesting too deep to check).
//   message: what, for a human: the value sent (JSON-quoted, cut after 64 characters) and what
//         is allowed, e.g. `"NATVE" is not allowed; it must be one of: JSAPI, NATIVE, APP`. The
//         value is never shown for the endpoint's encrypted fields, nor for members whose names
//         say they are secret (…secret…, …password…, …token…, …private…, …ciphertext…, sign,
//         key, paysign). Requests only: a required string that is empty is a "required"
//         violation ("required field is empty"), and formats are checked.
struct Violation {
  std::string path;
  std::string rule;
  std::string message;

  bool operator==(const Violation& o) const {
    return path == o.path && rule == o.rule && message == o.message;
  }
};

// The parts of a request to check.
struct RequestParts {
  // Path template values by placeholder name (same type as wechatpay::PathParams).
  std::map<std::string, std::string, std::less<>> path_params;
  // Query parameters in order (same type as wechatpay::QueryParams). An array parameter may be
  // repeated or comma-separated.
  std::vector<std::pair<std::string, std::string>> query;
  // The body: JSON for APIv3; for APIv2 the XML elements as a JSON object (values are strings,
  // nested elements are objects); for multipart the form parts by name. nullptr: no body.
  const nlohmann::json* body = nullptr;
  // Request headers; checked against the endpoint's header list only when present.
  std::optional<std::vector<std::pair<std::string, std::string>>> headers;
  // True when validating before the SDK signs the request: the values it adds then may be
  // missing (APIv2 nonce_str/sign/sign_type, the Wechatpay-Serial header, the mini-program
  // access_token). False (the default) checks the request as it goes on the wire.
  bool pre_signing = false;
};

// Checks a request against its endpoint. Empty when it conforms.
std::vector<Violation> Validate(const Endpoint& endpoint, const RequestParts& request);

// Checks a success response body (APIv2: the XML elements as a JSON object of strings).
std::vector<Violation> ValidateResponse(const Endpoint& endpoint, const nlohmann::json& body);

// Checks one value against a schema. `path` prefixes every violation path (empty: violations of
// the value itself are reported at "value").
std::vector<Violation> ValidateValue(const FieldSchema& schema, const nlohmann::json& value,
                                     ValueEncoding encoding = ValueEncoding::kJson,
                                     std::string_view path = {});

// OK when `violations` is empty, else Error{kInvalidArgument,
// "request validation failed: 2 violations: a.b: required field is missing; c: \"x…\" is 40
// characters long, at most 32 allowed"} (the first 10 listed) whose `detail` is
// a JSON array of {"path", "rule", "message"} objects.
Status ToStatus(const std::vector<Violation>& violations);

}  // namespace wechatpay::catalog

#endif  // WECHATPAY_VALIDATION_H_
