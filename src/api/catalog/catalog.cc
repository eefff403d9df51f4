// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Loading the embedded catalog blob and looking endpoints up.
//
// Blob format (written by tools/gen_catalog.py; see docs/adr/0002-catalog-data.md): lines of text.
//   wpcat1 <strings> <nodes> <endpoints>
//   <strings> lines, one string each (the first three: repository, commit, index version)
//   <nodes> lines, one schema node each; children always precede their parents
//   <endpoints> lines
// A node line is space-separated tokens: first the type letter (s i n b o a f) followed by flags
// (r required, z nullable, d deprecated, c cdata), then tagged tokens whose payload is a string
// index, a node index, a comma-separated list of them, or a number:
//   N name, F format, E enum, D default, l minLength, L maxLength, B byte lengths, P pattern,
//   m minimum, M maximum, i minItems, I maxItems, X xml_name, S sensitive, f fields, a items,
//   j json, k json_key, w urlencoded, o one_of, R required_any (groups of string indices
//   separated by ';', e.g. R12,13;40,41).
// An endpoint line: I id, V version, R protocol, K kind, M method, H host, T path, C chain,
//   U uri_rules, G tags, D deprecated, c consumes, p produces, q request kind, r response kind,
//   X client certificate, W Wechatpay-Serial, A auth, a path params, Q query, h headers, b body,
//   e encrypted fields, E response encrypted fields, g response AEAD fields, s status,
//   S response schema, Y response headers, k error kind, u response unsigned (APIv2).

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/catalog.h"
#include "wechatpay/validation.h"

namespace wechatpay {
namespace internal {
namespace {

using catalog::ApiVersion;
using catalog::Endpoint;
using catalog::EndpointKind;
using catalog::FieldSchema;
using catalog::FieldType;
using catalog::Protocol;
using catalog::RequestKind;
using catalog::ResponseKind;

constexpr std::string_view kMagic = "wpcat1";

std::vector<std::string_view> SplitChar(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

template <typename T>
std::optional<T> ParseUnsigned(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Reads the blob into a CatalogImpl. Every index is range-checked; a node may only reference
// nodes defined before it, so the graph is acyclic by construction.
class Loader {
 public:
  explicit Loader(CatalogImpl& impl) : impl_(impl) {}

  bool Run(const std::vector<std::string_view>& chunks) {
    std::vector<std::string_view> lines;
    for (std::string_view chunk : chunks) {
      if (chunk.empty()) continue;
      if (chunk.back() != '\n') return Fail(0, "chunk does not end with a line break");
      chunk.remove_suffix(1);
      for (std::string_view line : SplitChar(chunk, '\n')) lines.push_back(line);
    }
    if (lines.empty()) return Fail(0, "no data");
    std::vector<std::string_view> head = SplitChar(lines[0], ' ');
    if (head.size() != 4 || head[0] != kMagic) return Fail(1, "bad header");
    auto ns = ParseUnsigned<std::size_t>(head[1]);
    auto nn = ParseUnsigned<std::size_t>(head[2]);
    auto ne = ParseUnsigned<std::size_t>(head[3]);
    if (!ns || !nn || !ne || *ns < 3) return Fail(1, "bad header counts");
    if (lines.size() != 1 + *ns + *nn + *ne) return Fail(1, "line count does not match header");
    strings_.assign(lines.begin() + 1, lines.begin() + 1 + static_cast<std::ptrdiff_t>(*ns));
    impl_.repository = strings_[0];
    impl_.commit = strings_[1];
    impl_.index_version = strings_[2];
    impl_.nodes.reserve(*nn);  // exact: pointers into it stay valid
    std::size_t line_no = 1 + *ns;
    for (std::size_t i = 0; i < *nn; ++i, ++line_no) {
      if (!ParseNode(line_no, lines[line_no])) return false;
    }
    impl_.endpoints.reserve(*ne);
    for (std::size_t i = 0; i < *ne; ++i, ++line_no) {
      if (!ParseEndpoint(line_no, lines[line_no])) return false;
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(std::size_t line, std::string_view what) {
    error_ = "catalog data line " + std::to_string(line + 1) + ": " + std::string(what);
    return false;
  }

  bool Str(std::string_view payload, std::string_view* out) {
    auto i = ParseUnsigned<std::size_t>(payload);
    if (!i || *i >= strings_.size()) return false;
    *out = strings_[*i];
    return true;
  }
  bool StrList(std::string_view payload, std::vector<std::string_view>* out) {
    for (std::string_view item : SplitChar(payload, ',')) {
      std::string_view s;
      if (!Str(item, &s)) return false;
      out->push_back(s);
    }
    return true;
  }
  static bool Count(std::string_view payload, std::optional<std::uint64_t>* out) {
    *out = ParseUnsigned<std::uint64_t>(payload);
    return out->has_value();
  }
  static bool Number(std::string_view payload, std::optional<double>* out) {
    *out = ParseDouble(payload);
    return out->has_value();
  }
  bool Node(std::string_view payload, const FieldSchema** out) {
    auto i = ParseUnsigned<std::size_t>(payload);
    if (!i || *i >= impl_.nodes.size()) return false;
    *out = &impl_.nodes[*i];
    return true;
  }
  bool NodeList(std::string_view payload, std::vector<const FieldSchema*>* out) {
    for (std::string_view item : SplitChar(payload, ',')) {
      const FieldSchema* n = nullptr;
      if (!Node(item, &n)) return false;
      out->push_back(n);
    }
    return true;
  }

  bool ParseNode(std::size_t line_no, std::string_view line) {
    std::vector<std::string_view> tokens = SplitChar(line, ' ');
    FieldSchema n;
    std::string_view first = tokens[0];
    if (first.empty()) return Fail(line_no, "empty node");
    switch (first[0]) {
      case 's':
        n.type = FieldType::kString;
        break;
      case 'i':
        n.type = FieldType::kInteger;
        break;
      case 'n':
        n.type = FieldType::kNumber;
        break;
      case 'b':
        n.type = FieldType::kBoolean;
        break;
      case 'o':
        n.type = FieldType::kObject;
        break;
      case 'a':
        n.type = FieldType::kArray;
        break;
      case 'f':
        n.type = FieldType::kFile;
        break;
      default:
        return Fail(line_no, "unknown field type");
    }
    for (char flag : first.substr(1)) {
      switch (flag) {
        case 'r':
          n.required = true;
          break;
        case 'z':
          n.nullable = true;
          break;
        case 'd':
          n.deprecated = true;
          break;
        case 'c':
          n.cdata = true;
          break;
        default:
          return Fail(line_no, "unknown node flag");
      }
    }
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      std::string_view tok = tokens[t];
      if (tok.empty()) return Fail(line_no, "empty token");
      std::string_view p = tok.substr(1);
      bool ok = true;
      switch (tok[0]) {
        case 'N':
          ok = Str(p, &n.name);
          break;
        case 'F':
          ok = Str(p, &n.format);
          break;
        case 'E':
          ok = StrList(p, &n.enum_values);
          break;
        case 'D': {
          std::string_view d;
          ok = Str(p, &d);
          n.default_value = d;
          break;
        }
        case 'l':
          ok = Count(p, &n.constraints.min_length);
          break;
        case 'L':
          ok = Count(p, &n.constraints.max_length);
          break;
        case 'B':
          n.constraints.byte_length = true;
          break;
        case 'P': {
          std::string_view pat;
          ok = Str(p, &pat);
          n.constraints.pattern = pat;
          break;
        }
        case 'm':
          ok = Number(p, &n.constraints.minimum);
          break;
        case 'M':
          ok = Number(p, &n.constraints.maximum);
          break;
        case 'i':
          ok = Count(p, &n.constraints.min_items);
          break;
        case 'I':
          ok = Count(p, &n.constraints.max_items);
          break;
        case 'X':
          ok = Str(p, &n.xml_name);
          break;
        case 'S':
          ok = StrList(p, &n.sensitive);
          break;
        case 'f':
          ok = NodeList(p, &n.fields);
          break;
        case 'a':
          ok = Node(p, &n.items);
          break;
        case 'j':
          ok = Node(p, &n.json);
          break;
        case 'k':
          ok = Str(p, &n.json_key);
          break;
        case 'w':
          ok = Node(p, &n.urlencoded);
          break;
        case 'o':
          ok = NodeList(p, &n.one_of);
          break;
        case 'R':
          for (std::string_view group : SplitChar(p, ';')) {
            std::vector<std::string_view> names;
            ok = ok && StrList(group, &names) && names.size() >= 2;
            n.required_any.push_back(std::move(names));
          }
          break;
        default:
          return Fail(line_no, "unknown node token");
      }
      if (!ok) return Fail(line_no, "bad node token");
    }
    impl_.nodes.push_back(std::move(n));
    return true;
  }

  template <typename E, std::size_t N>
  static bool ToEnum(std::string_view s, const std::pair<std::string_view, E> (&table)[N], E* out) {
    for (const auto& [name, value] : table) {
      if (s == name) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  bool ParseEndpoint(std::size_t line_no, std::string_view line) {
    static constexpr std::pair<std::string_view, ApiVersion> kVersions[] = {
        {"v2", ApiVersion::kV2},
        {"v3", ApiVersion::kV3},
        {"hk", ApiVersion::kHk},
        {"global", ApiVersion::kGlobal},
        {"miniprogram", ApiVersion::kMiniProgram}};
    static constexpr std::pair<std::string_view, Protocol> kProtocols[] = {
        {"apiv2", Protocol::kApiV2},
        {"apiv3", Protocol::kApiV3},
        {"miniprogram", Protocol::kMiniProgram}};
    static constexpr std::pair<std::string_view, EndpointKind> kKinds[] = {
        {"api", EndpointKind::kApi},
        {"page", EndpointKind::kPage},
        {"notification", EndpointKind::kNotification}};
    static constexpr std::pair<std::string_view, RequestKind> kRequestKinds[] = {
        {"none", RequestKind::kNone},
        {"json", RequestKind::kJson},
        {"xml", RequestKind::kXml},
        {"multipart", RequestKind::kMultipart}};
    static constexpr std::pair<std::string_view, ResponseKind> kResponseKinds[] = {
        {"json", ResponseKind::kJson},     {"xml", ResponseKind::kXml},
        {"binary", ResponseKind::kBinary}, {"empty", ResponseKind::kEmpty},
        {"html", ResponseKind::kHtml},     {"redirect", ResponseKind::kRedirect}};

    Endpoint e;
    for (std::string_view tok : SplitChar(line, ' ')) {
      if (tok.empty()) return Fail(line_no, "empty token");
      std::string_view p = tok.substr(1);
      std::string_view s;
      bool ok = true;
      switch (tok[0]) {
        case 'I':
          ok = Str(p, &e.id);
          break;
        case 'V':
          ok = Str(p, &s) && ToEnum(s, kVersions, &e.version);
          break;
        case 'R':
          ok = Str(p, &s) && ToEnum(s, kProtocols, &e.protocol);
          break;
        case 'K':
          ok = Str(p, &s) && ToEnum(s, kKinds, &e.kind);
          break;
        case 'M':
          ok = Str(p, &e.method);
          break;
        case 'H':
          ok = Str(p, &e.host);
          break;
        case 'T':
          ok = Str(p, &e.path);
          break;
        case 'C':
          ok = Str(p, &e.chain);
          break;
        case 'U':
          ok = StrList(p, &e.uri_rules);
          break;
        case 'G':
          ok = StrList(p, &e.tags);
          break;
        case 'D':
          e.deprecated = true;
          break;
        case 'c':
          ok = StrList(p, &e.consumes);
          break;
        case 'p':
          ok = StrList(p, &e.produces);
          break;
        case 'q':
          ok = Str(p, &s) && ToEnum(s, kRequestKinds, &e.request_kind);
          break;
        case 'r':
          ok = Str(p, &s) && ToEnum(s, kResponseKinds, &e.response_kind);
          break;
        case 'X':
          e.needs_client_cert = true;
          break;
        case 'W':
          e.uses_wechatpay_serial = true;
          break;
        case 'A':
          ok = Str(p, &e.auth);
          break;
        case 'a':
          ok = NodeList(p, &e.path_params);
          break;
        case 'Q':
          ok = NodeList(p, &e.query);
          break;
        case 'h':
          ok = NodeList(p, &e.headers);
          break;
        case 'b':
          ok = Node(p, &e.body);
          break;
        case 'e':
          ok = StrList(p, &e.encrypted_fields);
          break;
        case 'E':
          ok = StrList(p, &e.response_encrypted_fields);
          break;
        case 'g':
          ok = StrList(p, &e.response_aead_fields);
          break;
        case 's': {
          auto status = ParseUnsigned<unsigned>(p);
          ok = status && *status < 1000;
          if (ok) e.response.status = static_cast<int>(*status);
          break;
        }
        case 'S':
          ok = Node(p, &e.response.schema);
          break;
        case 'Y':
          ok = StrList(p, &e.response.headers);
          break;
        case 'k':
          ok = Str(p, &e.response.error_kind);
          break;
        case 'u':
          ok = p.empty();
          e.response_unsigned = true;
          break;
        default:
          return Fail(line_no, "unknown endpoint token");
      }
      if (!ok) return Fail(line_no, "bad endpoint token");
    }
    std::size_t sp = e.id.find(' ');
    if (sp == std::string_view::npos || e.id.substr(0, sp) != e.method || e.path.empty() ||
        e.path[0] != '/') {
      return Fail(line_no, "inconsistent endpoint id, method and path");
    }
    impl_.endpoints.push_back(std::move(e));
    return true;
  }

  CatalogImpl& impl_;
  std::vector<std::string_view> strings_;
  std::string error_;
};

// Adds `e` under `key` unless an endpoint of the same method is already there.
void AddPathKey(CatalogImpl& impl, std::string_view key, const Endpoint* e) {
  std::vector<const Endpoint*>& v = impl.by_path[key];
  for (const Endpoint* other : v) {
    if (other->method == e->method) return;
  }
  v.push_back(e);
}

void BuildIndexes(CatalogImpl& impl) {
  impl.by_path.reserve(impl.endpoints.size() * 2);
  for (const Endpoint& e : impl.endpoints) AddPathKey(impl, e.template_path(), &e);
  for (const Endpoint& e : impl.endpoints) {
    if (e.chain != e.template_path()) AddPathKey(impl, e.chain, &e);
    if (e.version == ApiVersion::kV2) AddPathKey(impl, e.path.substr(1), &e);
  }

  impl.trie.assign(1, PathTrieNode());
  for (const Endpoint& e : impl.endpoints) {
    std::uint32_t cur = 0;
    for (std::string_view seg : PathSegments(e.path)) {
      std::uint32_t next = PathTrieNode::kNoChild;
      if (IsPlaceholder(seg)) {
        next = impl.trie[cur].placeholder;
        if (next == PathTrieNode::kNoChild) {
          next = static_cast<std::uint32_t>(impl.trie.size());
          impl.trie[cur].placeholder = next;
          impl.trie.emplace_back();
        }
      } else {
        for (const auto& [lit, child] : impl.trie[cur].literals) {
          if (lit == seg) next = child;
        }
        if (next == PathTrieNode::kNoChild) {
          next = static_cast<std::uint32_t>(impl.trie.size());
          impl.trie[cur].literals.emplace_back(seg, next);
          impl.trie.emplace_back();
        }
      }
      cur = next;
    }
    impl.trie[cur].endpoints.push_back(&e);
  }
  for (PathTrieNode& node : impl.trie) {
    std::sort(node.literals.begin(), node.literals.end());
    node.literals.shrink_to_fit();
  }
}

// Strips scheme://host, the query and the fragment; the result starts with '/'.
std::string_view NormalizeConcretePath(std::string_view p) {
  std::size_t scheme = p.find("://");
  if (scheme != std::string_view::npos && p.find('/') > scheme) {
    std::size_t slash = p.find('/', scheme + 3);
    p = slash == std::string_view::npos ? std::string_view("/") : p.substr(slash);
  }
  std::size_t cut = p.find_first_of("?#");
  if (cut != std::string_view::npos) p = p.substr(0, cut);
  return p;
}

// Depth-first walk preferring literal children. Calls `visit(endpoint)` for each endpoint at a
// matching leaf; stops as soon as `visit` returns true.
template <typename Visit>
bool WalkTrie(const CatalogImpl& impl, std::uint32_t node,
              const std::vector<std::string_view>& segs, std::size_t i, Visit& visit) {
  const PathTrieNode& n = impl.trie[node];
  if (i == segs.size()) {
    for (const Endpoint* e : n.endpoints) {
      if (visit(e)) return true;
    }
    return false;
  }
  std::string_view seg = segs[i];
  auto it = std::lower_bound(n.literals.begin(), n.literals.end(), seg,
                             [](const std::pair<std::string_view, std::uint32_t>& a,
                                std::string_view b) { return a.first < b; });
  if (it != n.literals.end() && it->first == seg &&
      WalkTrie(impl, it->second, segs, i + 1, visit)) {
    return true;
  }
  if (n.placeholder != PathTrieNode::kNoChild && !seg.empty() &&
      WalkTrie(impl, n.placeholder, segs, i + 1, visit)) {
    return true;
  }
  return false;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The endpoint's placeholders bound to the concrete segments (percent-decoded).
catalog::PathMatch BindMatch(const Endpoint& e, const std::vector<std::string_view>& segs) {
  catalog::PathMatch m;
  m.endpoint = &e;
  std::vector<std::string_view> tsegs = PathSegments(e.path);
  for (std::size_t i = 0; i < tsegs.size() && i < segs.size(); ++i) {
    if (IsPlaceholder(tsegs[i])) {
      std::string_view name = tsegs[i].substr(1, tsegs[i].size() - 2);
      m.path_params.emplace(std::string(name), PercentDecodeLenient(segs[i]));
    }
  }
  return m;
}

// True when every bound value passes validation against its path-parameter schema (numeric
// string formats included).
bool PathParamsConform(const Endpoint& e, const catalog::PathMatch& m) {
  for (const FieldSchema* p : e.path_params) {
    if (p == nullptr) continue;
    auto it = m.path_params.find(p->name);
    if (it == m.path_params.end()) return false;
    if (p->type == FieldType::kString && IsNumericFormat(p->format) && !AllDigits(it->second)) {
      return false;
    }
    if (!catalog::ValidateValue(*p, nlohmann::json(it->second), catalog::ValueEncoding::kText)
             .empty()) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsPlaceholder(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// "/a/b/" -> {"a", "b", ""}. `path` starts with '/'.
std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  return SplitChar(path, '/');
}

std::unique_ptr<CatalogImpl> LoadCatalog(const std::vector<std::string_view>& chunks) {
  auto impl = std::make_unique<CatalogImpl>();
  Loader loader(*impl);
  if (!loader.Run(chunks)) {
    auto failed = std::make_unique<CatalogImpl>();
    failed->load_error = loader.error();
    failed->trie.assign(1, PathTrieNode());
    return failed;
  }
  BuildIndexes(*impl);
  return impl;
}

bool IsNumericFormat(std::string_view f) {
  return f == "numeric" || f == "integer" || f == "int32" || f == "int64" || f == "uint" ||
         f == "uint32" || f == "uint64";
}

std::size_t Utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

std::string PercentDecodeLenient(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string FamilyInstanceName(std::string_view family) {
  std::string out;
  out.reserve(family.size());
  for (std::size_t i = 0; i < family.size(); ++i) {
    if (family[i] == '$' && i + 1 < family.size() && family[i + 1] >= 'a' && family[i + 1] <= 'z') {
      out.push_back('0');
      ++i;
    } else {
      out.push_back(family[i]);
    }
  }
  return out;
}

std::optional<std::int64_t> ParseInt64(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<catalog::PathMatch> MatchConcretePath(const CatalogImpl& impl,
                                                    std::string_view method,
                                                    std::string_view concrete_path) {
  std::string_view path = NormalizeConcretePath(concrete_path);
  std::vector<std::string_view> segs = PathSegments(path);
  // Candidates come literal-first. The first whose placeholder values conform to their schemas
  // wins (this separates templates of the same shape, such as .../applyment/{applyment_id}/cancel
  // with a numeric id and .../applyment/{business_code}/cancel); when none conforms, the first.
  std::optional<catalog::PathMatch> first;
  std::optional<catalog::PathMatch> conforming;
  auto visit = [&](const Endpoint* e) {
    if (!EqualsIgnoreCase(e->method, method)) return false;
    catalog::PathMatch m = BindMatch(*e, segs);
    bool ok = PathParamsConform(*e, m);
    if (ok) {
      conforming = std::move(m);
      return true;
    }
    if (!first) first = std::move(m);
    return false;
  };
  WalkTrie(impl, 0, segs, 0, visit);
  if (conforming) return conforming;
  return first;
}

}  // namespace internal

namespace catalog {

using internal::CatalogImpl;

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kObject:
      return "object";
    case FieldType::kArray:
      return "array";
    case FieldType::kFile:
      return "file";
  }
  return "unknown";
}

std::string_view ApiVersionName(ApiVersion v) {
  switch (v) {
    case ApiVersion::kV2:
      return "v2";
    case ApiVersion::kV3:
      return "v3";
    case ApiVersion::kHk:
      return "hk";
    case ApiVersion::kGlobal:
      return "global";
    case ApiVersion::kMiniProgram:
      return "miniprogram";
  }
  return "unknown";
}

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kApiV2:
      return "apiv2";
    case Protocol::kApiV3:
      return "apiv3";
    case Protocol::kMiniProgram:
      return "miniprogram";
  }
  return "unknown";
}

std::string_view EndpointKindName(EndpointKind k) {
  switch (k) {
    case EndpointKind::kApi:
      return "api";
    case EndpointKind::kPage:
      return "page";
    case EndpointKind::kNotification:
      return "notification";
  }
  return "unknown";
}

std::string_view RequestKindName(RequestKind k) {
  switch (k) {
    case RequestKind::kNone:
      return "none";
    case RequestKind::kJson:
      return "json";
    case RequestKind::kXml:
      return "xml";
    case RequestKind::kMultipart:
      return "multipart";
  }
  return "unknown";
}

std::string_view ResponseKindName(ResponseKind k) {
  switch (k) {
    case ResponseKind::kJson:
      return "json";
    case ResponseKind::kXml:
      return "xml";
    case ResponseKind::kBinary:
      return "binary";
    case ResponseKind::kEmpty:
      return "empty";
    case ResponseKind::kHtml:
      return "html";
    case ResponseKind::kRedirect:
      return "redirect";
  }
  return "unknown";
}

const FieldSchema* FieldSchema::Field(std::string_view member_name) const {
  for (const FieldSchema* f : fields) {
    if (f != nullptr && f->name == member_name) return f;
  }
  return nullptr;
}

bool FieldSchema::NameMatches(std::string_view member) const {
  if (!IsIndexedFamily()) return member == name;
  std::size_t m = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '$' && i + 1 < name.size() && name[i + 1] >= 'a' && name[i + 1] <= 'z') {
      std::size_t digits = 0;
      while (m < member.size() && member[m] >= '0' && member[m] <= '9') {
        ++m;
        ++digits;
      }
      if (digits == 0) return false;
      ++i;
    } else {
      if (m >= member.size() || member[m] != name[i]) return false;
      ++m;
    }
  }
  return m == member.size();
}

std::string_view Endpoint::template_path() const {
  std::size_t sp = id.find(' ');
  return sp == std::string_view::npos ? id : id.substr(sp + 1);
}

Catalog::Catalog(std::unique_ptr<CatalogImpl> impl) : impl_(std::move(impl)) {}
Catalog::~Catalog() = default;

const Catalog& Catalog::Default() {
  // Intentionally leaked: endpoints are referenced for the whole life of the program.
  static const Catalog* const instance = [] {
    std::vector<std::string_view> chunks;
    chunks.reserve(internal::CatalogDataChunkCount());
    for (std::size_t i = 0; i < internal::CatalogDataChunkCount(); ++i) {
      chunks.push_back(internal::CatalogDataChunk(i));
    }
    return new Catalog(internal::LoadCatalog(chunks));
  }();
  return *instance;
}

std::size_t Catalog::size() const { return impl_->endpoints.size(); }

const std::vector<Endpoint>& Catalog::endpoints() const { return impl_->endpoints; }

const Endpoint* Catalog::Find(std::string_view method, std::string_view path_template_or_id) const {
  std::string_view key = path_template_or_id;
  std::size_t sp = key.find(' ');
  if (sp != std::string_view::npos) {
    std::string_view id_method = key.substr(0, sp);
    if (!method.empty() && !internal::EqualsIgnoreCase(method, id_method)) return nullptr;
    method = id_method;
    key = key.substr(sp + 1);
  }
  if (!key.empty() && key[0] == '/') key.remove_prefix(1);
  auto it = impl_->by_path.find(key);
  if (it == impl_->by_path.end()) return nullptr;
  for (const Endpoint* e : it->second) {
    if (internal::EqualsIgnoreCase(e->method, method)) return e;
  }
  return nullptr;
}

std::vector<const Endpoint*> Catalog::Search(std::string_view filter) const {
  std::vector<const Endpoint*> out;
  for (const Endpoint& e : impl_->endpoints) {
    bool hit =
        internal::ContainsIgnoreCase(e.id, filter) || internal::ContainsIgnoreCase(e.chain, filter);
    for (std::size_t i = 0; !hit && i < e.tags.size(); ++i) {
      hit = internal::ContainsIgnoreCase(e.tags[i], filter);
    }
    if (hit) out.push_back(&e);
  }
  return out;
}

std::string_view Catalog::source_repository() const { return impl_->repository; }
std::string_view Catalog::source_commit() const { return impl_->commit; }
std::string_view Catalog::source_index_version() const { return impl_->index_version; }
const std::string& Catalog::load_error() const { return impl_->load_error; }

}  // namespace catalog
}  // namespace wechatpay
