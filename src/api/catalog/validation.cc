// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.

#include "wechatpay/validation.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/catalog.h"
#include "wechatpay/result.h"

namespace wechatpay::catalog {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxEnumInMessage = 12;
constexpr std::size_t kMaxViolationsInMessage = 10;
constexpr std::size_t kMaxValueCodePoints = 64;

// The last member name of a violation path: "a.b[0].secret_key" -> "secret_key".
std::string LastName(std::string_view path) {
  std::size_t end = path.size();
  while (end > 0 && path[end - 1] == ']') {
    std::size_t open = path.rfind('[', end - 1);
    if (open == std::string_view::npos) break;
    end = open;
  }
  std::size_t start = path.find_last_of(".~", end == 0 ? 0 : end - 1);
  start = start == std::string_view::npos ? 0 : start + 1;
  if (start > end) start = end;
  return internal::AsciiLowerCopy(path.substr(start, end - start));
}

// Names whose values are secrets by their nature (keys, signatures, tokens, passwords).
bool SecretName(std::string_view lower_name) {
  static constexpr std::string_view kContains[] = {"secret", "password",   "passwd",
                                                   "token",  "ciphertext", "private"};
  for (std::string_view part : kContains) {
    if (lower_name.find(part) != std::string_view::npos) return true;
  }
  static constexpr std::string_view kEquals[] = {"sign",    "key",    "paysign",  "pay_sign",
                                                 "api_key", "apikey", "signature"};
  for (std::string_view name : kEquals) {
    if (lower_name == name) return true;
  }
  return false;
}

// "a[3].b~c[0].d" -> "a[].b~c[].d": the spelling of Endpoint::encrypted_fields.
std::string WithoutIndexes(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    out.push_back(path[i]);
    if (path[i] == '[') {
      std::size_t j = i + 1;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
      if (j < path.size() && path[j] == ']') i = j - 1;
    }
  }
  return out;
}

// The value as a message shows it: JSON-quoted (control characters escaped, invalid UTF-8
// replaced), cut after kMaxValueCodePoints code points.
std::string QuoteValue(std::string_view value) {
  std::size_t cut = value.size();
  std::size_t points = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) != 0x80) {
      if (points == kMaxValueCodePoints) {
        cut = i;
        break;
      }
      ++points;
    }
  }
  std::string quoted =
      json(std::string(value.substr(0, cut))).dump(-1, ' ', false, json::error_handler_t::replace);
  if (cut < value.size()) {
    quoted.insert(quoted.size() - 1, "...");
    quoted += " (cut, " + std::to_string(value.size()) + " bytes)";
  }
  return quoted;
}

std::string NumberText(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
    return std::to_string(static_cast<std::int64_t>(d));
  }
  return json(d).dump();
}

const char* JsonTypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::binary:
      return "binary";
    case json::value_t::discarded:
      return "discarded";
  }
  return "unknown";
}

bool IsIntegerText(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "k=v&k=v" -> {"k": "v", ...} (percent-decoded, '+' is a space; the last duplicate wins).
json ParseForm(std::string_view s) {
  json obj = json::object();
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t amp = s.find('&', start);
    if (amp == std::string_view::npos) amp = s.size();
    std::string_view pair = s.substr(start, amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string key(pair.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      for (char& c : key) c = c == '+' ? ' ' : c;
      for (char& c : value) c = c == '+' ? ' ' : c;
      obj[internal::PercentDecodeLenient(key)] = internal::PercentDecodeLenient(value);
    }
    start = amp + 1;
  }
  return obj;
}

class Validator {
 public:
  Validator(std::vector<Violation>* out, std::string root_label)
      : out_(out), root_label_(std::move(root_label)) {}

  // Names (at the top level of the value) that may be missing although required.
  void set_excused(const std::vector<std::string_view>* excused) { excused_ = excused; }
  // Paths whose values are never shown in messages (the endpoint's encrypted fields, spelled as
  // in Endpoint::encrypted_fields, each prefixed by `prefix`: "" for the body, "query:" ...).
  void set_hidden(const std::vector<std::string_view>* hidden, std::string prefix) {
    hidden_ = hidden;
    hidden_prefix_ = std::move(prefix);
  }
  // Values under this top-level label ("query.id_card", "query.id_card[0]") are never shown.
  void set_hidden_label(std::string label) { hidden_label_ = std::move(label); }
  // Checking a request (not a response): required strings must not be empty, formats are
  // checked.
  void set_request(bool request) { request_ = request; }

  void Check(const FieldSchema& s, const json& v, ValueEncoding enc, std::string& path, int depth) {
    if (depth > kMaxDepth) {
      Add(path, "depth", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
      return;
    }
    if (v.is_null()) {
      if (!s.nullable) TypeError(s, v, path);
      return;
    }
    bool text = enc == ValueEncoding::kText;
    switch (s.type) {
      case FieldType::kString:
        if (v.is_string()) {
          CheckString(s, v.get_ref<const std::string&>(), path, depth);
        } else if (text && (v.is_number() || v.is_boolean())) {
          CheckString(s, v.dump(), path, depth);
        } else {
          TypeError(s, v, path);
        }
        return;
      case FieldType::kInteger:
      case FieldType::kNumber:
        CheckNumber(s, v, text, path);
        return;
      case FieldType::kBoolean: {
        std::string_view b;
        if (v.is_boolean()) {
          b = v.get<bool>() ? "true" : "false";
        } else if (text && v.is_string() &&
                   (v.get_ref<const std::string&>() == "true" ||
                    v.get_ref<const std::string&>() == "false")) {
          b = v.get_ref<const std::string&>();
        } else {
          TypeError(s, v, path);
          return;
        }
        if (!s.enum_values.empty() && !InEnum(s, b)) EnumError(s, b, path);
        return;
      }
      case FieldType::kObject:
      case FieldType::kArray: {
        bool is_object = s.type == FieldType::kObject;
        if (is_object ? v.is_object() : v.is_array()) {
          if (is_object) {
            CheckObject(s, v, enc, path, depth);
          } else {
            CheckArray(s, v, enc, path, depth);
          }
        } else if (text && v.is_string()) {
          // APIv2 carries structured values as JSON text.
          json doc = json::parse(v.get_ref<const std::string&>(), nullptr, false);
          if (doc.is_discarded() || (is_object ? !doc.is_object() : !doc.is_array())) {
            TypeError(s, v, path);
            return;
          }
          std::size_t mark = path.size();
          path.push_back('~');
          Check(s, doc, ValueEncoding::kJson, path, depth + 1);
          path.resize(mark);
        } else {
          TypeError(s, v, path);
        }
        return;
      }
      case FieldType::kFile:
        return;  // any non-null part
    }
  }

 private:
  void Add(const std::string& path, std::string rule, std::string message) {
    out_->push_back(
        Violation{path.empty() ? root_label_ : path, std::move(rule), std::move(message)});
  }

  bool Hidden(const std::string& path) const {
    if (SecretName(LastName(path))) return true;
    if (!hidden_label_.empty() && path.compare(0, hidden_label_.size(), hidden_label_) == 0) {
      return true;
    }
    if (hidden_ == nullptr || hidden_->empty()) return false;
    std::string key = hidden_prefix_ + WithoutIndexes(path);
    for (std::string_view h : *hidden_) {
      if (h == key) return true;
    }
    return false;
  }

  // `value` quoted for a message, or "the value" for secret and encrypted fields.
  std::string Shown(const std::string& path, std::string_view value) const {
    if (Hidden(path)) return "the value (not shown: the field is secret or encrypted)";
    return QuoteValue(value);
  }
  // A JSON scalar as sent: numbers and booleans as they are, strings quoted.
  std::string ShownScalar(const std::string& path, const json& v) const {
    if (v.is_string()) return Shown(path, v.get_ref<const std::string&>());
    if (Hidden(path)) return Shown(path, "");
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  void TypeError(const FieldSchema& s, const json& v, const std::string& path) {
    std::string msg = "expected " + std::string(FieldTypeName(s.type)) + ", got " + JsonTypeName(v);
    if (v.is_primitive() && !v.is_null()) msg += " " + ShownScalar(path, v);
    Add(path, "type", std::move(msg));
  }

  static bool InEnum(const FieldSchema& s, std::string_view text) {
    for (std::string_view e : s.enum_values) {
      if (e == text) return true;
    }
    return false;
  }

  void EnumError(const FieldSchema& s, std::string_view value, const std::string& path) {
    EnumErrorShown(s, Shown(path, value), path);
  }

  void EnumErrorShown(const FieldSchema& s, const std::string& shown, const std::string& path) {
    std::string msg = shown + " is not allowed; it must be one of: ";
    for (std::size_t i = 0; i < s.enum_values.size(); ++i) {
      if (i == kMaxEnumInMessage) {
        msg += ", ... (" + std::to_string(s.enum_values.size()) + " values)";
        break;
      }
      if (i > 0) msg += ", ";
      msg += s.enum_values[i];
    }
    Add(path, "enum", std::move(msg));
  }

  void CheckLength(const FieldSchema& s, std::string_view str, const std::string& path) {
    const Constraints& c = s.constraints;
    if (!c.min_length && !c.max_length) return;
    std::size_t n = c.byte_length ? str.size() : internal::Utf8Length(str);
    const char* unit = c.byte_length ? " bytes" : " characters";
    if (c.min_length && n < *c.min_length) {
      Add(path, "minLength",
          Shown(path, str) + " is " + std::to_string(n) + unit + " long, at least " +
              std::to_string(*c.min_length) + " required");
    }
    if (c.max_length && n > *c.max_length) {
      Add(path, "maxLength",
          Shown(path, str) + " is " + std::to_string(n) + unit + " long, at most " +
              std::to_string(*c.max_length) + " allowed");
    }
  }

  void CheckFormat(const FieldSchema& s, std::string_view str, const std::string& path) {
    if (str.empty()) return;  // reported as empty where that matters
    const char* expected = nullptr;
    if (s.format == "rfc3339") {
      if (!internal::IsRfc3339(str))
        expected = "an RFC 3339 date-time such as 2018-06-08T10:34:56+08:00";
    } else if (s.format == "date") {
      if (!internal::IsFullDate(str)) expected = "a date such as 2019-06-11 (YYYY-MM-DD)";
    } else if (s.format == "url") {
      if (!internal::IsHttpUrl(str)) expected = "an http:// or https:// URL with a host";
    }
    if (expected != nullptr) {
      Add(path, "format", Shown(path, str) + " is not " + expected);
    }
  }

  void CheckString(const FieldSchema& s, std::string_view str, std::string& path, int depth) {
    bool listed = !s.enum_values.empty() && InEnum(s, str);
    if (!s.enum_values.empty() && !listed) EnumError(s, str, path);
    if (request_ && s.required && str.empty() && s.enum_values.empty()) {
      Add(path, "required", "required field is empty");
      return;
    }
    if (request_ && !listed) CheckFormat(s, str, path);
    // An enumerated value is valid as listed: the catalog has fields whose maxLength is shorter
    // than their own enum values (e.g. sign_type HMAC-SHA256 with maxLength 10).
    if (!listed) CheckLength(s, str, path);
    if (s.constraints.pattern && !listed) {
      switch (internal::RegexSearch(*s.constraints.pattern, str)) {
        case internal::RegexResult::kMatch:
        case internal::RegexResult::kBadPattern:  // a schema defect is not the caller's fault
          break;
        case internal::RegexResult::kNoMatch:
          Add(path, "pattern",
              Shown(path, str) + " does not match pattern " + std::string(*s.constraints.pattern));
          break;
        case internal::RegexResult::kTooLong:
          Add(path, "pattern",
              "too long to be checked against pattern " + std::string(*s.constraints.pattern));
          break;
      }
    }
    if (s.json != nullptr) {
      json doc = json::parse(str, nullptr, false);
      if (doc.is_discarded()) {
        Add(path, "json", "must hold a JSON document");
      } else {
        std::size_t mark = path.size();
        path.push_back('~');
        Check(*s.json, doc, ValueEncoding::kJson, path, depth + 1);
        path.resize(mark);
      }
    }
    if (s.urlencoded != nullptr) {
      std::size_t mark = path.size();
      path.push_back('~');
      Check(*s.urlencoded, ParseForm(str), ValueEncoding::kText, path, depth + 1);
      path.resize(mark);
    }
  }

  void CheckNumber(const FieldSchema& s, const json& v, bool text, const std::string& path) {
    bool integer = s.type == FieldType::kInteger;
    std::optional<double> num;
    if (v.is_number_integer()) {
      num = v.get<double>();
    } else if (v.is_number_float()) {
      double d = v.get<double>();
      if (!integer || (std::isfinite(d) && std::floor(d) == d)) num = d;
    } else if (text && v.is_string()) {
      const std::string& str = v.get_ref<const std::string&>();
      if (!integer || IsIntegerText(str)) num = internal::ParseDouble(str);
      if (num && !std::isfinite(*num)) num.reset();  // "inf", "nan"
      if (num) CheckLength(s, str, path);
    }
    if (!num) {
      TypeError(s, v, path);
      return;
    }
    const Constraints& c = s.constraints;
    if (c.minimum && *num < *c.minimum) {
      Add(path, "minimum",
          ShownScalar(path, v) + " is below the minimum " + NumberText(*c.minimum));
    }
    if (c.maximum && *num > *c.maximum) {
      Add(path, "maximum",
          ShownScalar(path, v) + " is above the maximum " + NumberText(*c.maximum));
    }
    if (!s.enum_values.empty()) {
      bool any_numeric = false;
      bool found = false;
      for (std::string_view e : s.enum_values) {
        if (auto d = internal::ParseDouble(e)) {
          any_numeric = true;
          found = found || *d == *num;
        }
      }
      // An enum of non-numbers on a numeric field is a schema defect: not checked.
      if (any_numeric && !found) EnumErrorShown(s, ShownScalar(path, v), path);
    }
  }

  bool Excused(const FieldSchema& f, int depth) const {
    if (excused_ == nullptr || depth != 0) return false;
    for (std::string_view name : *excused_) {
      if (name == f.name) return true;
    }
    return false;
  }

  void CheckObject(const FieldSchema& s, const json& v, ValueEncoding enc, std::string& path,
                   int depth) {
    std::size_t mark = path.size();
    auto member_path = [&](std::string_view name) {
      path.resize(mark);
      if (!path.empty() && path.back() != '~') path.push_back('.');
      path.append(name);
    };
    for (const FieldSchema* f : s.fields) {
      if (f == nullptr) continue;
      if (f->IsIndexedFamily()) {
        // coupon_fee_$n: every member of the family is checked; none is required.
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (f->NameMatches(it.key())) {
            member_path(it.key());
            Check(*f, it.value(), enc, path, depth + 1);
          }
        }
        continue;
      }
      auto it = v.find(f->name);
      if (it == v.end()) {
        if (f->required && !Excused(*f, depth)) {
          member_path(f->name);
          Add(path, "required", "required field is missing");
        }
        continue;
      }
      member_path(f->name);
      Check(*f, *it, enc, path, depth + 1);
    }
    path.resize(mark);
    for (const std::vector<std::string_view>& group : s.required_any) {
      if (!AnyPresent(group, v)) Add(path, "required_any", RequiredAnyMessage(group));
    }
    if (!s.one_of.empty()) CheckOneOf(s, v, enc, path, depth);
  }

  // True when `obj` has a non-null member named in `group`.
  static bool AnyPresent(const std::vector<std::string_view>& group, const json& obj) {
    for (std::string_view name : group) {
      auto it = obj.find(name);
      if (it != obj.end() && !it->is_null()) return true;
    }
    return group.empty();
  }

  static std::string RequiredAnyMessage(const std::vector<std::string_view>& group) {
    std::string msg = "one of ";
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += group[i];
    }
    return msg + " is required";
  }

  // The value must conform to one alternative (the first that does wins); when none does, the
  // violations of the closest alternative are reported.
  void CheckOneOf(const FieldSchema& s, const json& v, ValueEncoding enc, std::string& path,
                  int depth) {
    std::vector<Violation> best;
    bool have_best = false;
    for (const FieldSchema* alt : s.one_of) {
      if (alt == nullptr) continue;
      std::vector<Violation> found;
      Validator sub(&found, root_label_);
      sub.hidden_ = hidden_;
      sub.hidden_prefix_ = hidden_prefix_;
      sub.hidden_label_ = hidden_label_;
      sub.request_ = request_;
      sub.Check(*alt, v, enc, path, depth + 1);
      if (found.empty()) return;
      if (!have_best || found.size() < best.size()) {
        best = std::move(found);
        have_best = true;
      }
    }
    std::string suffix = " (closest of " + std::to_string(s.one_of.size()) + " alternatives)";
    for (Violation& viol : best) {
      viol.message += suffix;
      out_->push_back(std::move(viol));
    }
  }

  void CheckArray(const FieldSchema& s, const json& v, ValueEncoding enc, std::string& path,
                  int depth) {
    const Constraints& c = s.constraints;
    if (c.min_items && v.size() < *c.min_items) {
      Add(path, "minItems",
          std::to_string(v.size()) + " items, at least " + std::to_string(*c.min_items) +
              " required");
    }
    if (c.max_items && v.size() > *c.max_items) {
      Add(path, "maxItems",
          std::to_string(v.size()) + " items, at most " + std::to_string(*c.max_items) +
              " allowed");
    }
    if (s.items == nullptr) return;
    std::size_t mark = path.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      path.resize(mark);
      path += "[" + std::to_string(i) + "]";
      Check(*s.items, v[i], enc, path, depth + 1);
    }
    path.resize(mark);
  }

  std::vector<Violation>* out_;
  std::string root_label_;
  const std::vector<std::string_view>* excused_ = nullptr;
  const std::vector<std::string_view>* hidden_ = nullptr;
  std::string hidden_prefix_;
  std::string hidden_label_;
  bool request_ = false;
};

bool HasRequired(const FieldSchema& s, const std::vector<std::string_view>& excused) {
  if (!s.required_any.empty()) return true;
  for (const FieldSchema* f : s.fields) {
    if (f == nullptr || !f->required || f->IsIndexedFamily()) continue;
    bool skip = false;
    for (std::string_view e : excused) skip = skip || e == f->name;
    if (!skip) return true;
  }
  return false;
}

// Checks a query, path or header value; `encrypted` hides the value from messages.
void CheckTextValue(const FieldSchema& s, const json& value, std::string path, bool encrypted,
                    std::vector<Violation>* out) {
  Validator v(out, path);
  v.set_request(true);
  if (encrypted) v.set_hidden_label(path);
  v.Check(s, value, ValueEncoding::kText, path, 1);
}

bool QueryEncrypted(const Endpoint& e, std::string_view name) {
  for (std::string_view h : e.encrypted_fields) {
    if (h.size() == name.size() + 6 && h.substr(0, 6) == "query:" && h.substr(6) == name) {
      return true;
    }
  }
  return false;
}

void ValidateRequestInto(const Endpoint& e, const RequestParts& r, std::vector<Violation>* out) {
  for (const FieldSchema* p : e.path_params) {
    if (p == nullptr) continue;
    std::string path = "path." + std::string(p->name);
    auto it = r.path_params.find(p->name);
    if (it == r.path_params.end()) {
      out->push_back({path, "required", "required path parameter is missing"});
    } else if (it->second.empty()) {
      out->push_back({path, "required", "required path parameter is empty"});
    } else {
      CheckTextValue(*p, json(it->second), path, false, out);
    }
  }

  for (const FieldSchema* q : e.query) {
    if (q == nullptr) continue;
    std::string path = "query." + std::string(q->name);
    std::vector<std::string_view> values;
    for (const auto& [k, val] : r.query) {
      if (k == q->name) values.push_back(val);
    }
    if (values.empty()) {
      bool excused =
          r.pre_signing && e.protocol == Protocol::kMiniProgram && q->name == "access_token";
      if (q->required && !excused) {
        out->push_back({path, "required", "required query parameter is missing"});
      }
      continue;
    }
    bool encrypted = QueryEncrypted(e, q->name);
    if (q->type == FieldType::kArray) {
      json arr = json::array();
      for (std::string_view val : values) {
        std::size_t start = 0;
        while (start <= val.size()) {
          std::size_t comma = val.find(',', start);
          if (comma == std::string_view::npos) comma = val.size();
          arr.push_back(std::string(val.substr(start, comma - start)));
          start = comma + 1;
        }
      }
      CheckTextValue(*q, arr, path, encrypted, out);
      continue;
    }
    for (std::string_view val : values) {
      if (q->required && val.empty() && q->enum_values.empty()) {
        out->push_back({path, "required", "required query parameter is empty"});
        continue;
      }
      CheckTextValue(*q, json(std::string(val)), path, encrypted, out);
    }
  }

  if (r.headers) {
    for (const FieldSchema* h : e.headers) {
      if (h == nullptr) continue;
      std::string path = "header." + std::string(h->name);
      const std::string* found = nullptr;
      for (const auto& [k, val] : *r.headers) {
        if (found == nullptr && internal::EqualsIgnoreCase(k, h->name)) found = &val;
      }
      if (found == nullptr) {
        bool excused = r.pre_signing && internal::EqualsIgnoreCase(h->name, "Wechatpay-Serial");
        if (h->required && !excused)
          out->push_back({path, "required", "required header is missing"});
        continue;
      }
      if (h->required && found->empty()) {
        out->push_back({path, "required", "required header is empty"});
        continue;
      }
      CheckTextValue(*h, json(*found), path, false, out);
    }
  }

  if (e.body != nullptr) {
    static const std::vector<std::string_view> kSigningFields = {"nonce_str", "sign", "sign_type"};
    static const std::vector<std::string_view> kNone;
    const std::vector<std::string_view>& excused =
        (r.pre_signing && e.protocol == Protocol::kApiV2) ? kSigningFields : kNone;
    if (r.body == nullptr || r.body->is_null()) {
      if (HasRequired(*e.body, excused)) {
        out->push_back({"body", "required", "request body is missing"});
      }
      return;
    }
    ValueEncoding enc =
        e.request_kind == RequestKind::kJson ? ValueEncoding::kJson : ValueEncoding::kText;
    Validator v(out, "body");
    v.set_excused(&excused);
    v.set_hidden(&e.encrypted_fields, "");
    v.set_request(true);
    std::string path;
    v.Check(*e.body, *r.body, enc, path, 0);
  }
}

}  // namespace

std::vector<Violation> Validate(const Endpoint& endpoint, const RequestParts& request) {
  std::vector<Violation> out;
  try {
    ValidateRequestInto(endpoint, request, &out);
  } catch (const std::exception&) {
    out.push_back({"body", "internal", "validation could not complete"});
  }
  return out;
}

std::vector<Violation> ValidateResponse(const Endpoint& endpoint, const nlohmann::json& body) {
  std::vector<Violation> out;
  if (endpoint.response.schema == nullptr) return out;
  try {
    bool text =
        endpoint.response_kind == ResponseKind::kXml || endpoint.response.error_kind == "xml";
    Validator v(&out, "body");
    v.set_hidden(&endpoint.response_encrypted_fields, "");
    std::string path;
    v.Check(*endpoint.response.schema, body, text ? ValueEncoding::kText : ValueEncoding::kJson,
            path, 0);
  } catch (const std::exception&) {
    out.push_back({"body", "internal", "validation could not complete"});
  }
  return out;
}

std::vector<Violation> ValidateValue(const FieldSchema& schema, const nlohmann::json& value,
                                     ValueEncoding encoding, std::string_view path) {
  std::vector<Violation> out;
  try {
    std::string p(path);
    Validator v(&out, p.empty() ? "value" : p);
    v.Check(schema, value, encoding, p, 0);
  } catch (const std::exception&) {
    out.push_back(
        {path.empty() ? "value" : std::string(path), "internal", "validation could not complete"});
  }
  return out;
}

Status ToStatus(const std::vector<Violation>& violations) {
  if (violations.empty()) return Status();
  std::string msg = "request validation failed: " + std::to_string(violations.size()) +
                    (violations.size() == 1 ? " violation: " : " violations: ");
  std::string detail;
  try {
    json arr = json::array();
    for (std::size_t i = 0; i < violations.size(); ++i) {
      const Violation& v = violations[i];
      if (i < kMaxViolationsInMessage) {
        if (i > 0) msg += "; ";
        msg += v.path + ": " + v.message;
      } else if (i == kMaxViolationsInMessage) {
        msg += "; ... (" + std::to_string(violations.size() - i) + " more)";
      }
      arr.push_back({{"path", v.path}, {"rule", v.rule}, {"message", v.message}});
    }
    detail = arr.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception&) {
    detail.clear();
  }
  Error err(ErrorCode::kInvalidArgument, std::move(msg));
  err.detail = std::move(detail);
  return Status(std::move(err));
}

}  // namespace wechatpay::catalog
