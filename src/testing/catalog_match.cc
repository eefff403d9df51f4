// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support (testing/catalog.h): a server's view of the catalog: which endpoint a concrete
// request path is, and which methods a path allows (the sandbox's 404/405 answers).
#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/testing/catalog.h"

namespace wechatpay::testing {

std::optional<catalog::PathMatch> MatchPath(const catalog::Catalog& catalog,
                                            std::string_view method,
                                            std::string_view concrete_path) {
  return internal::MatchConcretePath(internal::CatalogAccess::Impl(catalog), method, concrete_path);
}

std::vector<std::string_view> AllowedMethods(const catalog::Catalog& catalog,
                                             std::string_view concrete_path) {
  const internal::CatalogImpl& impl = internal::CatalogAccess::Impl(catalog);
  // Every catalog endpoint uses one of these (catalog::Endpoint::method).
  constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<const catalog::Endpoint*> hits;
  for (std::string_view m : kMethods) {
    if (auto match = internal::MatchConcretePath(impl, m, concrete_path)) {
      hits.push_back(match->endpoint);
    }
  }
  std::sort(hits.begin(), hits.end());  // catalog order (endpoints live in one vector)
  std::vector<std::string_view> out;
  out.reserve(hits.size());
  for (const catalog::Endpoint* e : hits) out.push_back(e->method);
  return out;
}

}  // namespace wechatpay::testing
