// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Internals of the endpoint catalog: the embedded data (generated catalog_data.cc), the loaded
// tables, and small helpers shared by catalog.cc, synthesize.cc and validation.cc.
#ifndef WECHATPAY_SRC_API_CATALOG_CATALOG_INTERNAL_H_
#define WECHATPAY_SRC_API_CATALOG_CATALOG_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/catalog/catalog_data.h"
#include "api/catalog/regex_search.h"
#include "transport/ascii.h"  // EqualsIgnoreCase, ContainsIgnoreCase, AsciiLowerCopy, ...
#include "wechatpay/catalog.h"

namespace wechatpay::internal {

// One node of the path trie used by MatchConcretePath.
struct PathTrieNode {
  // Literal segment -> child index, sorted by segment for binary search.
  std::vector<std::pair<std::string_view, std::uint32_t>> literals;
  std::uint32_t placeholder = kNoChild;             // child for a `{name}` segment
  std::vector<const catalog::Endpoint*> endpoints;  // endpoints whose path ends here

  static constexpr std::uint32_t kNoChild = 0xffffffffu;
};

struct CatalogImpl {
  std::vector<catalog::FieldSchema> nodes;  // children precede parents; never reallocated
  std::vector<catalog::Endpoint> endpoints;
  std::string_view repository;
  std::string_view commit;
  std::string_view index_version;
  std::string load_error;
  // Find: template path / chain / APIv2 HTTP path (no leading '/') -> endpoints (any method).
  std::unordered_map<std::string_view, std::vector<const catalog::Endpoint*>> by_path;
  std::vector<PathTrieNode> trie;  // trie[0] is the root
};

// The loaded tables of a Catalog (src/api/catalog and the test-support library).
struct CatalogAccess {
  static const CatalogImpl& Impl(const catalog::Catalog& c) { return *c.impl_; }
};

// The endpoint of `method` (ASCII case-insensitive) whose template matches a concrete request
// path (a whole URL, or a path with or without query): literal segments before placeholders, with
// backtracking; of several matches, the first whose placeholder values pass their path-parameter
// schemas, else the first. Catalog::Resolve and testing::MatchPath use it.
std::optional<catalog::PathMatch> MatchConcretePath(const CatalogImpl& impl,
                                                    std::string_view method,
                                                    std::string_view concrete_path);

// Parses blob chunks (each a whole number of lines). On malformed data the result has
// `load_error` set and no endpoints.
std::unique_ptr<CatalogImpl> LoadCatalog(const std::vector<std::string_view>& chunks);

// Number of Unicode code points in UTF-8 text (each byte that does not continue a sequence
// counts; invalid sequences never make it fail).
std::size_t Utf8Length(std::string_view s);

// Formats that make a string (or number) a decimal integer: numeric, integer, int32, ...
bool IsNumericFormat(std::string_view format);

// A template segment such as "{out_trade_no}".
bool IsPlaceholder(std::string_view seg);
// "/a/b/" -> {"a", "b", ""}: views into `path`, which starts with '/'.
std::vector<std::string_view> PathSegments(std::string_view path);

// String formats (src/api/catalog/formats.cc): YYYY-MM-DD with a real day; RFC 3339 date-time with
// a required offset; an absolute http(s) URL with a host and no whitespace or control bytes.
bool IsFullDate(std::string_view s);
bool IsRfc3339(std::string_view s);
bool IsHttpUrl(std::string_view s);

// Percent-decodes %XX escapes; malformed escapes are kept as they are.
std::string PercentDecodeLenient(std::string_view s);

// Expands an APIv2 family name with index 0 for every `$x` ("coupon_fee_$n" -> "coupon_fee_0").
std::string FamilyInstanceName(std::string_view family);

// Parsers for scalars written as text (APIv2 XML, query strings). Whole string, no spaces.
std::optional<std::int64_t> ParseInt64(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_API_CATALOG_CATALOG_INTERNAL_H_
