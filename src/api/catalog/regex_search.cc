// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Pattern checks: std::regex (ECMAScript) with a per-thread cache of compiled expressions. Kept in
// its own translation unit because <regex> is slow to compile.

#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include "api/catalog/regex_search.h"

namespace wechatpay::internal {
namespace {

// libstdc++'s default regex executor recurses once per input character; its breadth-first
// executor (selected by the __polynomial extension flag) does not. Other libraries get a lower
// input cap instead.
#if defined(__GLIBCXX__)
constexpr std::regex_constants::syntax_option_type kRegexFlags =
    std::regex_constants::ECMAScript | std::regex_constants::__polynomial;
constexpr std::size_t kRegexInputLimit = 4096;
#else
constexpr std::regex_constants::syntax_option_type kRegexFlags = std::regex_constants::ECMAScript;
constexpr std::size_t kRegexInputLimit = 1024;
#endif
constexpr std::size_t kRegexCacheLimit = 256;

}  // namespace

RegexResult RegexSearch(std::string_view pattern, std::string_view value) {
  // Compiled patterns, per thread (no locking); nullptr marks a pattern that does not compile.
  thread_local std::map<std::string, std::unique_ptr<const std::regex>, std::less<>> cache;
  try {
    auto it = cache.find(pattern);
    if (it == cache.end()) {
      if (cache.size() >= kRegexCacheLimit) cache.clear();
      std::unique_ptr<const std::regex> re;
      try {
        re = std::make_unique<const std::regex>(pattern.begin(), pattern.end(), kRegexFlags);
      } catch (const std::regex_error&) {
        re = nullptr;
      }
      it = cache.emplace(std::string(pattern), std::move(re)).first;
    }
    if (it->second == nullptr) return RegexResult::kBadPattern;
    if (value.size() > kRegexInputLimit) return RegexResult::kTooLong;
    return std::regex_search(value.begin(), value.end(), *it->second) ? RegexResult::kMatch
                                                                      : RegexResult::kNoMatch;
  } catch (const std::exception&) {
    return RegexResult::kBadPattern;  // regex_error (complexity/stack) or allocation failure
  }
}

}  // namespace wechatpay::internal
