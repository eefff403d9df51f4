// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// URL building for the chain: percent-encoding, query strings, path templates.
#ifndef WECHATPAY_URL_H_
#define WECHATPAY_URL_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay {

using QueryParams = std::vector<std::pair<std::string, std::string>>;
using PathParams = std::map<std::string, std::string, std::less<>>;

namespace url {

// RFC 3986: every byte except ALPHA / DIGIT / "-" / "." / "_" / "~" becomes %XX (upper-case hex).
std::string PercentEncode(std::string_view s);
// The same, appended to `out`. It grows `out` only as push_back does: a caller that reserved
// 3 * s.size() beforehand gets no reallocation (so no stray copy of a secret in freed memory).
void AppendPercentEncoded(std::string& out, std::string_view s);
// Decodes %XX (and '+' to space when `plus_as_space`). kParse on a bad escape.
Result<std::string> PercentDecode(std::string_view s, bool plus_as_space = false);
// "k1=v1&k2=v2", each key and value percent-encoded once, in the given order.
std::string EncodeQuery(const QueryParams& query);
// Parses "k1=v1&k2=v2" (no leading '?'); values are decoded.
Result<QueryParams> ParseQuery(std::string_view query);

// Binds `{name}` placeholders of `path_template` from `params`, percent-encoding each value.
// kInvalidArgument when a placeholder has no (or an empty) value, or when a parameter names no
// placeholder. Never changes the case of anything.
Result<std::string> BindPath(std::string_view path_template, const PathParams& params);

}  // namespace url
}  // namespace wechatpay

#endif  // WECHATPAY_URL_H_
