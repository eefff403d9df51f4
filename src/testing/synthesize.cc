// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support (testing/catalog.h): deterministic sample values that conform to catalog schemas
// (the sandbox answers every endpoint with them; tests prove that requests round-trip through
// validation; `wxpay catalog` prints sample requests).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/catalog.h"
#include "wechatpay/testing/catalog.h"

namespace wechatpay::testing {

// This file is about catalog schemas throughout.
using namespace wechatpay::catalog;  // NOLINT(google-build-using-namespace)

namespace {

using nlohmann::json;

constexpr int kMaxDepth = 48;

// Shortest string matched by a regular expression, for the usual subset: literals, escapes
// (\d \w \s and their negations, escaped punctuation), '.', bracket classes with ranges and
// negation, groups (capturing or (?:...)), alternation (the first branch is taken), anchors and
// the quantifiers ? * + {n} {n,} {n,m} (the minimum count is used). nullopt for anything else.
class PatternSampler {
 public:
  explicit PatternSampler(std::string_view pattern) : p_(pattern) {}

  std::optional<std::string> Sample() {
    std::string out;
    if (!Alternation(&out) || pos_ != p_.size()) return std::nullopt;
    return out;
  }

 private:
  bool AtEnd() const { return pos_ >= p_.size(); }
  char Peek() const { return p_[pos_]; }

  bool Alternation(std::string* out) {
    std::string first;
    if (!Sequence(&first)) return false;
    while (!AtEnd() && Peek() == '|') {
      ++pos_;
      std::string ignored;
      if (!Sequence(&ignored)) return false;
    }
    out->append(first);
    return true;
  }

  bool Sequence(std::string* out) {
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      std::string atom;
      if (!Atom(&atom)) return false;
      std::size_t count = 1;
      if (!Quantifier(&count)) return false;
      for (std::size_t i = 0; i < count; ++i) out->append(atom);
    }
    return true;
  }

  bool Quantifier(std::size_t* count) {
    if (AtEnd()) return true;
    char c = Peek();
    if (c == '?' || c == '*') {
      *count = 0;
      ++pos_;
    } else if (c == '+') {
      *count = 1;
      ++pos_;
    } else if (c == '{') {
      std::size_t close = p_.find('}', pos_);
      if (close == std::string_view::npos) return false;
      std::string_view body = p_.substr(pos_ + 1, close - pos_ - 1);
      std::string_view low = body.substr(0, body.find(','));
      auto n = internal::ParseInt64(low);
      if (!n || *n < 0 || *n > 4096) return false;
      *count = static_cast<std::size_t>(*n);
      pos_ = close + 1;
    } else {
      return true;
    }
    if (!AtEnd() && Peek() == '?') ++pos_;  // lazy
    return true;
  }

  bool Atom(std::string* out) {
    char c = Peek();
    ++pos_;
    switch (c) {
      case '^':
      case '$':
        return true;
      case '.':
        out->push_back('a');
        return true;
      case '(': {
        if (p_.substr(pos_, 2) == "?:") {
          pos_ += 2;
        } else if (!AtEnd() && Peek() == '?') {
          return false;  // lookaround
        }
        if (!Alternation(out) || AtEnd() || Peek() != ')') return false;
        ++pos_;
        return true;
      }
      case '[':
        return Class(out);
      case '\\': {
        if (AtEnd()) return false;
        char e = Peek();
        ++pos_;
        switch (e) {
          case 'd':
            out->push_back('0');
            return true;
          case 'D':
          case 'w':
          case 'S':
            out->push_back('a');
            return true;
          case 'W':
            out->push_back('-');
            return true;
          case 's':
            out->push_back(' ');
            return true;
          case 'b':
          case 'B':
            return true;
          case 'n':
            out->push_back('\n');
            return true;
          case 't':
            out->push_back('\t');
            return true;
          default:
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
              return false;  // \u, \x, back references, ...
            }
            out->push_back(e);
            return true;
        }
      }
      case ')':
      case '|':
      case '*':
      case '+':
      case '?':
      case '{':
        return false;
      default:
        out->push_back(c);
        return true;
    }
  }

  // Bracket class: picks a member (for a negated class, the first allowed of a few candidates).
  bool Class(std::string* out) {
    bool negated = !AtEnd() && Peek() == '^';
    if (negated) ++pos_;
    bool excluded[128] = {};
    std::optional<char> first;
    bool any = false;
    auto add_range = [&](unsigned char lo, unsigned char hi) {
      for (unsigned c = lo; c <= hi && c < 128; ++c) excluded[c] = true;
      if (!first && lo < 128) first = static_cast<char>(lo);
    };
    while (!AtEnd() && (Peek() != ']' || !any)) {
      any = true;
      char c = Peek();
      ++pos_;
      if (c == '\\') {
        if (AtEnd()) return false;
        char e = Peek();
        ++pos_;
        switch (e) {
          case 'd':
            add_range('0', '9');
            continue;
          case 'w':
            add_range('a', 'z');
            add_range('A', 'Z');
            add_range('0', '9');
            add_range('_', '_');
            continue;
          case 's':
            add_range(' ', ' ');
            add_range('\t', '\r');
            continue;
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          default:
            if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
              return false;
            }
            c = e;
        }
      }
      if (pos_ + 1 < p_.size() && Peek() == '-' && p_[pos_ + 1] != ']') {
        char hi = p_[pos_ + 1];
        if (hi == '\\') return false;
        pos_ += 2;
        if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(c)) return false;
        add_range(static_cast<unsigned char>(c), static_cast<unsigned char>(hi));
      } else {
        add_range(static_cast<unsigned char>(c), static_cast<unsigned char>(c));
      }
    }
    if (AtEnd()) return false;
    ++pos_;  // ']'
    if (!negated) {
      if (!first) return false;
      out->push_back(*first);
      return true;
    }
    for (char cand : std::string_view("a0A_-.~x")) {
      if (!excluded[static_cast<unsigned char>(cand)]) {
        out->push_back(cand);
        return true;
      }
    }
    return false;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
};

std::size_t TextLength(const Constraints& c, std::string_view s) {
  return c.byte_length ? s.size() : internal::Utf8Length(s);
}

bool LengthOk(const Constraints& c, std::string_view s) {
  std::size_t n = TextLength(c, s);
  return (!c.min_length || n >= *c.min_length) && (!c.max_length || n <= *c.max_length);
}

bool PatternOk(const Constraints& c, std::string_view s) {
  return !c.pattern || internal::RegexSearch(*c.pattern, s) != internal::RegexResult::kNoMatch;
}

std::string FormatSample(const FieldSchema& s) {
  std::string_view f = s.format;
  if (f == "rfc3339") return "2024-01-01T08:00:00+08:00";
  if (f == "date") return "2024-01-01";
  if (f == "yyyyMMddHHmmss") return "20240101080000";
  if (f == "mm/yy") return "01/30";
  if (f == "base64") return "c2FtcGxl";
  if (f == "rfc2397") return "data:image/png;base64,c2FtcGxl";
  if (f == "url" || f == "MediaUrl") return "https://example.com/sample";
  if (f == "MediaId") return "MEDIA_ID_0";
  if (f == "jsonObjectLike") return "{}";
  if (f == "jsonArrayLike") return "[]";
  if (internal::IsNumericFormat(f)) return "1";
  if (!s.name.empty()) return internal::FamilyInstanceName(s.name);
  return "sample";
}

// Truncates or pads (ASCII) `v` into the length constraints.
std::string FitLength(const FieldSchema& s, std::string v) {
  const Constraints& c = s.constraints;
  if (c.max_length && TextLength(c, v) > *c.max_length) {
    // Drop whole code points from the end until it fits.
    while (!v.empty() && TextLength(c, v) > *c.max_length) {
      std::size_t cut = v.size() - 1;
      while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0u) == 0x80u) --cut;
      v.resize(cut);
    }
  }
  if (c.min_length) {
    char pad = internal::IsNumericFormat(s.format) ? '0' : 'x';
    while (TextLength(c, v) < *c.min_length) v.push_back(pad);
  }
  return v;
}

std::string NumberText(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
    return std::to_string(static_cast<std::int64_t>(d));
  }
  return json(d).dump();
}

class Synthesizer {
 public:
  Synthesizer(ValueEncoding encoding, bool required_only)
      : encoding_(encoding), required_only_(required_only) {}

  json Value(const FieldSchema& s, int depth) const {
    if (depth > kMaxDepth) return json();
    switch (s.type) {
      case FieldType::kString:
        return json(String(s, depth));
      case FieldType::kInteger:
      case FieldType::kNumber:
        return Number(s);
      case FieldType::kBoolean: {
        bool b = true;
        if (!s.enum_values.empty()) b = s.enum_values[0] == "true";
        if (encoding_ == ValueEncoding::kText) return json(b ? "true" : "false");
        return json(b);
      }
      case FieldType::kObject:
        return Object(s, depth);
      case FieldType::kArray:
        return Array(s, depth);
      case FieldType::kFile:
        return json("sample-file-content");
    }
    return json();
  }

 private:
  std::string String(const FieldSchema& s, int depth) const {
    if (!s.enum_values.empty()) return std::string(s.enum_values[0]);
    if (s.json != nullptr) {
      // The carried document is typed JSON whatever the outer encoding.
      std::string doc = Synthesizer(ValueEncoding::kJson, required_only_)
                            .Value(*s.json, depth + 1)
                            .dump(-1, ' ', false, json::error_handler_t::replace);
      if (!LengthOk(s.constraints, doc) && !required_only_) {
        doc = Synthesizer(ValueEncoding::kJson, true)
                  .Value(*s.json, depth + 1)
                  .dump(-1, ' ', false, json::error_handler_t::replace);
      }
      return doc;
    }
    if (s.urlencoded != nullptr) {
      json form = Synthesizer(ValueEncoding::kText, required_only_).Value(*s.urlencoded, depth + 1);
      std::string out;
      if (form.is_object()) {
        for (const auto& [k, v] : form.items()) {
          if (!out.empty()) out.push_back('&');
          out += k;
          out.push_back('=');
          out += v.is_string() ? v.get<std::string>() : v.dump();
        }
      }
      return FitLength(s, out);
    }
    if (s.constraints.pattern) {
      if (auto sample = PatternSampler(*s.constraints.pattern).Sample()) {
        if (LengthOk(s.constraints, *sample) && PatternOk(s.constraints, *sample)) return *sample;
        std::string fitted = FitLength(s, *sample);
        if (PatternOk(s.constraints, fitted)) return fitted;
      }
    }
    return FitLength(s, FormatSample(s));
  }

  json Number(const FieldSchema& s) const {
    double v = 1;
    bool from_enum = false;
    for (std::string_view e : s.enum_values) {
      if (auto d = internal::ParseDouble(e)) {
        v = *d;
        from_enum = true;
        break;
      }
    }
    if (!from_enum) {
      const Constraints& c = s.constraints;
      if (c.minimum && v < *c.minimum) v = std::ceil(*c.minimum);
      if (c.maximum && v > *c.maximum) v = std::floor(*c.maximum);
      if (c.minimum && v < *c.minimum) v = *c.minimum;  // a fractional range
    }
    std::string text = NumberText(v);
    if (encoding_ == ValueEncoding::kText) return json(text);
    if (std::floor(v) == v && std::fabs(v) < 9.0e15) return json(static_cast<std::int64_t>(v));
    return json(v);
  }

  json Object(const FieldSchema& s, int depth) const {
    json obj = json::object();
    auto add_fields = [&](const FieldSchema& from) {
      for (const FieldSchema* f : from.fields) {
        if (f == nullptr || (required_only_ && !f->required)) continue;
        std::string key =
            f->IsIndexedFamily() ? internal::FamilyInstanceName(f->name) : std::string(f->name);
        obj[key] = Value(*f, depth + 1);
      }
    };
    // Required-only samples still name one member of every "give one of these" group (the first
    // alternative); full samples already hold every member.
    auto add_alternatives = [&](const FieldSchema& from) {
      if (!required_only_) return;
      for (const std::vector<std::string_view>& group : from.required_any) {
        bool present = false;
        for (std::string_view name : group) present = present || obj.contains(name);
        const FieldSchema* first = group.empty() ? nullptr : from.Field(group[0]);
        if (!present && first != nullptr) obj[std::string(first->name)] = Value(*first, depth + 1);
      }
    };
    add_fields(s);
    add_alternatives(s);
    if (!s.one_of.empty() && s.one_of[0] != nullptr) {
      add_fields(*s.one_of[0]);
      add_alternatives(*s.one_of[0]);
    }
    return obj;
  }

  json Array(const FieldSchema& s, int depth) const {
    json arr = json::array();
    std::uint64_t n = std::max<std::uint64_t>(1, s.constraints.min_items.value_or(0));
    if (s.constraints.max_items) n = std::min(n, *s.constraints.max_items);
    n = std::min<std::uint64_t>(n, 16);
    for (std::uint64_t i = 0; i < n; ++i) {
      arr.push_back(s.items != nullptr ? Value(*s.items, depth + 1) : json("sample"));
    }
    return arr;
  }

  ValueEncoding encoding_;
  bool required_only_;
};

void AddText(std::vector<std::pair<std::string, std::string>>* out, std::string_view name,
             const json& v) {
  if (v.is_array()) {
    for (const json& item : v) AddText(out, name, item);
    return;
  }
  out->emplace_back(std::string(name), v.is_string() ? v.get<std::string>() : v.dump());
}

}  // namespace

json SynthesizeValue(const FieldSchema& schema, ValueEncoding encoding) {
  try {
    return Synthesizer(encoding, false).Value(schema, 0);
  } catch (const std::exception&) {
    return json();
  }
}

json SynthesizeResponse(const Endpoint& endpoint) {
  if (endpoint.response.schema == nullptr) return json();
  bool text = endpoint.response_kind == ResponseKind::kXml || endpoint.response.error_kind == "xml";
  return SynthesizeValue(*endpoint.response.schema,
                         text ? ValueEncoding::kText : ValueEncoding::kJson);
}

SampleRequest SynthesizeRequest(const Endpoint& endpoint) {
  SampleRequest req;
  try {
    for (const FieldSchema* p : endpoint.path_params) {
      if (p == nullptr) continue;
      json v = SynthesizeValue(*p, ValueEncoding::kText);
      req.path_params[std::string(p->name)] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    for (const FieldSchema* q : endpoint.query) {
      if (q != nullptr) AddText(&req.query, q->name, SynthesizeValue(*q, ValueEncoding::kText));
    }
    for (const FieldSchema* h : endpoint.headers) {
      if (h != nullptr) AddText(&req.headers, h->name, SynthesizeValue(*h, ValueEncoding::kText));
    }
    if (endpoint.body != nullptr) {
      req.body = SynthesizeValue(*endpoint.body, endpoint.request_kind == RequestKind::kJson
                                                     ? ValueEncoding::kJson
                                                     : ValueEncoding::kText);
    }
  } catch (const std::exception&) {
    // Only allocation can fail here; return what we have.
  }
  return req;
}

}  // namespace wechatpay::testing
