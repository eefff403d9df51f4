// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Pattern checks for catalog constraints (implemented in regex_search.cc, away from <regex>'s
// compile cost for everyone else).
#ifndef WECHATPAY_SRC_API_CATALOG_REGEX_SEARCH_H_
#define WECHATPAY_SRC_API_CATALOG_REGEX_SEARCH_H_

#include <cstdint>
#include <string_view>

namespace wechatpay::internal {

// Unanchored ECMAScript regular-expression search with a per-thread cache of compiled patterns.
enum class RegexResult : std::uint8_t {
  kMatch,
  kNoMatch,
  kTooLong,     // the value is too long to be checked safely
  kBadPattern,  // the pattern does not compile (or the engine gave up)
};
RegexResult RegexSearch(std::string_view pattern, std::string_view value);

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_API_CATALOG_REGEX_SEARCH_H_
