// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Resolving a written path (concrete or template, with or without a query) to its catalog
// endpoint, and the "did you mean" suggestions for paths the catalog does not know.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/catalog.h"

namespace wechatpay {
namespace catalog {

namespace {

std::string_view StripUri(std::string_view uri) {
  std::size_t cut = uri.find_first_of("?#");
  if (cut != std::string_view::npos) uri = uri.substr(0, cut);
  while (!uri.empty() && uri.front() == '/') uri.remove_prefix(1);
  return uri;
}

// Levenshtein distance, capped: strings longer than 64 bytes compare by equality only.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.size() > 64 || b.size() > 64) return std::max(a.size(), b.size());
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Alignment cost of a written path against a template, segment by segment: a placeholder
// matches any segment at cost 1 (a literal that matches exactly is closer); a literal costs its
// edit distance; a missing or extra segment costs its length (at least 3).
std::size_t PathDistance(const std::vector<std::string_view>& written,
                         const std::vector<std::string_view>& tmpl) {
  auto gap = [](std::string_view s) { return std::max<std::size_t>(3, s.size()); };
  std::vector<std::size_t> prev(tmpl.size() + 1);
  std::vector<std::size_t> cur(tmpl.size() + 1);
  prev[0] = 0;
  for (std::size_t j = 1; j <= tmpl.size(); ++j) prev[j] = prev[j - 1] + gap(tmpl[j - 1]);
  for (std::size_t i = 1; i <= written.size(); ++i) {
    cur[0] = prev[0] + gap(written[i - 1]);
    for (std::size_t j = 1; j <= tmpl.size(); ++j) {
      std::string_view t = tmpl[j - 1];
      std::string_view w = written[i - 1];
      std::size_t sub = internal::IsPlaceholder(t) ? 1 : EditDistance(w, t);
      cur[j] = std::min({prev[j - 1] + sub, prev[j] + gap(w), cur[j - 1] + gap(t)});
    }
    std::swap(prev, cur);
  }
  return prev[tmpl.size()];
}

std::string_view FirstSegment(std::string_view path) { return path.substr(0, path.find('/')); }

}  // namespace

std::optional<PathMatch> Catalog::Resolve(std::string_view method, std::string_view uri) const {
  std::string_view path = StripUri(uri);
  if (path.empty()) return std::nullopt;
  if (const Endpoint* e = Find(method, path)) {
    PathMatch m;
    m.endpoint = e;
    return m;
  }
  std::string concrete = "/" + std::string(path);
  // APIv2 endpoints are matched on their HTTP path: "v2/pay/micropay" is "/pay/micropay".
  if (path.rfind("v2/", 0) == 0) {
    if (auto m = internal::MatchConcretePath(*impl_, method, concrete.substr(3))) {
      if (m->endpoint->version == ApiVersion::kV2) return m;
    }
    return std::nullopt;
  }
  // Also a bare APIv2 HTTP path ("pay/micropay"), as Find.
  return internal::MatchConcretePath(*impl_, method, concrete);
}

std::vector<const Endpoint*> Catalog::Suggest(std::string_view method, std::string_view uri,
                                              std::size_t limit) const {
  std::string_view path = StripUri(uri);
  std::string rooted = "/" + std::string(path);
  std::vector<std::string_view> written = internal::PathSegments(rooted);  // views into rooted
  std::string_view family = FirstSegment(path);
  struct Scored {
    std::size_t score;
    bool same_method;
    const Endpoint* e;
  };
  std::vector<Scored> scored;
  std::size_t written_len = path.size();
  for (const Endpoint& e : impl_->endpoints) {
    std::string_view tmpl = e.version == ApiVersion::kV2 ? e.chain : e.template_path();
    if (FirstSegment(tmpl) != family && e.version != ApiVersion::kV2) continue;
    std::string t = "/" + std::string(tmpl);
    std::size_t d = PathDistance(written, internal::PathSegments(t));
    // Close means: at most a third of what was written differs (and at least a typo or two).
    if (d > std::max<std::size_t>(3, written_len / 3)) continue;
    scored.push_back({d, internal::EqualsIgnoreCase(e.method, method), &e});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.same_method && !b.same_method;
  });
  std::vector<const Endpoint*> out;
  if (scored.empty()) return out;
  std::size_t best = scored.front().score;
  for (const Scored& s : scored) {
    if (out.size() == limit || s.score > best + 1) break;
    out.push_back(s.e);
  }
  return out;
}

std::string Catalog::ExplainUnknown(std::string_view method, std::string_view uri) const {
  std::string_view path = StripUri(uri);
  std::string head = internal::AsciiUpperCopy(method) + " " + std::string(path) +
                     " is not an endpoint this SDK knows";
  std::vector<std::string_view> methods;
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (internal::EqualsIgnoreCase(m, method)) continue;
    if (Resolve(m, path)) methods.emplace_back(m);
  }
  if (!methods.empty()) {
    std::string list;
    for (std::size_t i = 0; i < methods.size(); ++i) {
      if (i > 0) list += i + 1 == methods.size() ? " or " : ", ";
      list += methods[i];
    }
    return head + "; that path is called with " + list;
  }
  std::vector<const Endpoint*> near = Suggest(method, path);
  if (near.empty()) return head;
  std::string list;
  for (std::size_t i = 0; i < near.size(); ++i) {
    if (i > 0) list += i + 1 == near.size() ? " or " : ", ";
    list += std::string(near[i]->method) + " " +
            std::string(near[i]->version == ApiVersion::kV2 ? near[i]->chain
                                                            : near[i]->template_path());
  }
  return head + "; did you mean " + list + "?";
}

}  // namespace catalog
}  // namespace wechatpay
