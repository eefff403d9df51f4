// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The typed-model runtime: JsonValue, the Archive primitives (JSON <-> generated structs),
// preparing typed calls and parsing their answers. Generated code only calls into this file, so
// it is the only models source that includes <nlohmann/json.hpp>. See docs/adr/0005.

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/models/archive.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/multipart.h"

namespace wechatpay::models {

using Ordered = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// JsonValue

JsonValue::JsonValue() = default;
JsonValue::JsonValue(const nlohmann::json& value)
    : value_(value.is_null() ? nullptr : std::make_unique<nlohmann::json>(value)) {}
JsonValue::JsonValue(const JsonValue& other)
    : value_(other.value_ ? std::make_unique<nlohmann::json>(*other.value_) : nullptr) {}
JsonValue::JsonValue(JsonValue&& other) noexcept = default;
JsonValue& JsonValue::operator=(const JsonValue& other) {
  if (this != &other) {
    value_ = other.value_ ? std::make_unique<nlohmann::json>(*other.value_) : nullptr;
  }
  return *this;
}
JsonValue& JsonValue::operator=(JsonValue&& other) noexcept = default;
JsonValue::~JsonValue() = default;

bool JsonValue::empty() const {
  return !value_ || value_->is_null() ||
         ((value_->is_object() || value_->is_array()) && value_->empty());
}

const nlohmann::json& JsonValue::get() const {
  static const nlohmann::json kNull;
  return value_ ? *value_ : kNull;
}

nlohmann::json& JsonValue::mutable_get() {
  if (!value_) value_ = std::make_unique<nlohmann::json>();
  return *value_;
}

std::string JsonValue::dump() const {
  return get().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool operator==(const JsonValue& a, const JsonValue& b) { return a.get() == b.get(); }

// ---------------------------------------------------------------------------------------------
// Archive state

namespace internal {

struct Frame {
  enum class Kind : std::uint8_t { kRoot, kMember, kIndex, kEmbedded };
  Kind kind = Kind::kRoot;
  Ordered* out = nullptr;        // encoding: the node being written
  const Ordered* in = nullptr;   // decoding: the node being read
  const char* name = nullptr;    // kMember: the member name (a literal), unless `owned` is set
  std::string owned;             // kMember: a family member name ("coupon_fee_3")
  std::size_t index = 0;         // kIndex
  bool single = false;           // decoding, kText: an object read as a one-element array
  std::unique_ptr<Ordered> doc;  // kEmbedded: the document
  Encoding saved = Encoding::kJson;
  std::vector<std::string_view> known;  // decoding an object: the member names asked for
};

struct ArchiveState {
  bool decoding = false;
  Encoding encoding = Encoding::kJson;
  bool request = false;  // encoding a request to send: omit empty required strings, strict UTF-8
  std::vector<Frame> frames;
  std::optional<std::string> error;

  Frame& top() { return frames.back(); }

  std::string Path() const {
    std::string path;
    for (const Frame& f : frames) {
      switch (f.kind) {
        case Frame::Kind::kRoot:
          break;
        case Frame::Kind::kMember:
          if (!path.empty() && path.back() != '~') path.push_back('.');
          path += f.owned.empty() ? std::string(f.name) : f.owned;
          break;
        case Frame::Kind::kIndex:
          path += "[" + std::to_string(f.index) + "]";
          break;
        case Frame::Kind::kEmbedded:
          path.push_back('~');
          break;
      }
    }
    return path;
  }

  void Fail(const char* what) {
    if (error) return;
    std::string path = Path();
    error = path.empty() ? std::string("the document ") + what : "field '" + path + "' " + what;
  }
};

namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::size_t> ParseIndex(std::string_view s) {
  if (!IsDigits(s) || s.size() > 9) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::size_t>(c - '0');
  return v;
}

std::optional<std::int64_t> ParseInt64(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Runs `fn` over `value` in one direction; the root must be an object.
void Run(ArchiveState* st, SerializeFn fn, void* value, const JsonValue* extra) {
  Archive archive(st);
  fn(archive, value);
  if (extra != nullptr && !st->error) archive.Extra(*const_cast<JsonValue*>(extra));
}

Status ParseError(std::string message) { return Error(ErrorCode::kParse, std::move(message)); }

}  // namespace
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Archive primitives

Archive::Archive(internal::ArchiveState* state) : state_(state), decoding_(state->decoding) {}

Archive::TextScope::TextScope(Archive& archive)
    : archive_(archive), saved_(archive.state_->encoding == Encoding::kText) {
  archive_.state_->encoding = Encoding::kText;
}
Archive::TextScope::~TextScope() {
  archive_.state_->encoding = saved_ ? Encoding::kText : Encoding::kJson;
}

bool Archive::Enter(const char* name) {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame& f = st.top();
  internal::Frame child;
  child.kind = internal::Frame::Kind::kMember;
  child.name = name;
  if (decoding_) {
    if (f.in == nullptr || !f.in->is_object()) return false;
    auto it = f.in->find(name);
    // A member that is JSON null is not typed (the member stays absent): it stays unknown, so
    // Extra() keeps it and encoding writes the null back.
    if (it == f.in->end() || it->is_null()) return false;
    f.known.emplace_back(name);
    child.in = &*it;
  } else {
    child.out = &(*f.out)[name];
  }
  st.frames.push_back(std::move(child));
  return true;
}

bool Archive::EnterIndex(std::size_t index) {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame& f = st.top();
  internal::Frame child;
  child.kind = internal::Frame::Kind::kIndex;
  child.index = index;
  if (decoding_) {
    if (f.single) {
      child.in = f.in;
    } else {
      if (index >= f.in->size()) return false;
      child.in = &(*f.in)[index];
    }
  } else {
    f.out->push_back(nullptr);
    child.out = &f.out->back();
  }
  st.frames.push_back(std::move(child));
  return true;
}

void Archive::Leave() { state_->frames.pop_back(); }

std::size_t Archive::BeginArray(std::size_t size) {
  internal::ArchiveState& st = *state_;
  if (st.error) return 0;
  internal::Frame& f = st.top();
  if (!decoding_) {
    *f.out = Ordered::array();
    return size;
  }
  if (f.in->is_array()) return f.in->size();
  if (st.encoding == Encoding::kText && f.in->is_object()) {
    // APIv2 XML: a repeated element that occurs once is an object, not a list.
    f.single = true;
    return 1;
  }
  st.Fail("is not an array");
  return 0;
}

bool Archive::BeginObject() {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame& f = st.top();
  if (!decoding_) {
    *f.out = Ordered::object();
    return true;
  }
  if (f.in->is_object()) return true;
  st.Fail("is not an object");
  return false;
}

bool Archive::BeginEmbedded() {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame child;
  child.kind = internal::Frame::Kind::kEmbedded;
  child.saved = st.encoding;
  if (decoding_) {
    const Ordered* in = st.top().in;
    if (!in->is_string()) {
      st.Fail("is not a string (it carries a JSON document)");
      return false;
    }
    const std::string& text = in->get_ref<const std::string&>();
    if (text.empty()) {
      // No document: the member stays absent, and the "" is kept in `extra` (so that encoding
      // writes it back) by forgetting that the member was asked for.
      if (st.frames.size() >= 2 && st.top().kind == internal::Frame::Kind::kMember) {
        auto& known = st.frames[st.frames.size() - 2].known;
        if (!known.empty()) known.pop_back();
      }
      return false;
    }
    Ordered doc = Ordered::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      st.Fail("does not hold a valid JSON document");
      return false;
    }
    child.doc = std::make_unique<Ordered>(std::move(doc));
    child.in = child.doc.get();
  } else {
    child.doc = std::make_unique<Ordered>();
    child.out = child.doc.get();
  }
  st.encoding = Encoding::kJson;  // a carried document is typed JSON
  st.frames.push_back(std::move(child));
  return true;
}

void Archive::EndEmbedded() {
  internal::ArchiveState& st = *state_;
  internal::Frame f = std::move(st.top());
  st.frames.pop_back();
  st.encoding = f.saved;
  if (decoding_ || st.error) return;
  std::string text;
  try {
    text = f.doc->dump(
        -1, ' ', false,
        st.request ? Ordered::error_handler_t::strict : Ordered::error_handler_t::replace);
  } catch (const std::exception&) {
    st.Fail("is not valid UTF-8");
    return;
  }
  *st.top().out = std::move(text);
}

std::size_t Archive::FamilyCount(const char* prefix, std::size_t size) {
  internal::ArchiveState& st = *state_;
  if (st.error) return 0;
  if (!decoding_) return size;
  internal::Frame& f = st.top();
  std::string_view p(prefix);
  std::size_t n = 0;
  for (auto it = f.in->begin(); it != f.in->end(); ++it) {
    std::string_view key = it.key();
    if (it->is_null() || key.size() <= p.size() || key.compare(0, p.size(), p) != 0) continue;
    auto idx = internal::ParseIndex(key.substr(p.size()));
    if (!idx) continue;
    f.known.push_back(key);
    if (*idx + 1 > n && *idx < 1024) n = *idx + 1;
  }
  return n;
}

bool Archive::FamilyEnter(const char* prefix, std::size_t index) {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame& f = st.top();
  internal::Frame child;
  child.kind = internal::Frame::Kind::kMember;
  child.owned = std::string(prefix) + std::to_string(index);
  if (decoding_) {
    auto it = f.in->find(child.owned);
    if (it == f.in->end() || it->is_null()) return false;
    child.in = &*it;
  } else {
    child.out = &(*f.out)[child.owned];
  }
  st.frames.push_back(std::move(child));
  return true;
}

std::size_t Archive::FamilyCount2(const char* prefix, std::size_t size) {
  internal::ArchiveState& st = *state_;
  if (st.error) return 0;
  if (!decoding_) return size;
  internal::Frame& f = st.top();
  std::string_view p(prefix);
  std::size_t n = 0;
  for (auto it = f.in->begin(); it != f.in->end(); ++it) {
    std::string_view key = it.key();
    if (it->is_null() || key.size() <= p.size() || key.compare(0, p.size(), p) != 0) continue;
    std::string_view rest = key.substr(p.size());
    std::size_t sep = rest.find('_');
    if (sep == std::string_view::npos) continue;
    auto i = internal::ParseIndex(rest.substr(0, sep));
    auto j = internal::ParseIndex(rest.substr(sep + 1));
    if (!i || !j) continue;
    f.known.push_back(key);
    if (*i + 1 > n && *i < 1024) n = *i + 1;
  }
  return n;
}

std::size_t Archive::FamilyCountInner(const char* prefix, std::size_t index, std::size_t size) {
  internal::ArchiveState& st = *state_;
  if (st.error) return 0;
  if (!decoding_) return size;
  internal::Frame& f = st.top();
  std::string p = std::string(prefix) + std::to_string(index) + "_";
  std::size_t n = 0;
  for (auto it = f.in->begin(); it != f.in->end(); ++it) {
    std::string_view key = it.key();
    if (key.size() <= p.size() || key.compare(0, p.size(), p) != 0) continue;
    auto j = internal::ParseIndex(key.substr(p.size()));
    if (j && *j + 1 > n && *j < 1024) n = *j + 1;
  }
  return n;
}

bool Archive::FamilyEnter2(const char* prefix, std::size_t index, std::size_t inner) {
  internal::ArchiveState& st = *state_;
  if (st.error) return false;
  internal::Frame& f = st.top();
  internal::Frame child;
  child.kind = internal::Frame::Kind::kMember;
  child.owned = std::string(prefix) + std::to_string(index) + "_" + std::to_string(inner);
  if (decoding_) {
    auto it = f.in->find(child.owned);
    if (it == f.in->end() || it->is_null()) return false;
    child.in = &*it;
  } else {
    child.out = &(*f.out)[child.owned];
  }
  st.frames.push_back(std::move(child));
  return true;
}

#define WECHATPAY_MODELS_FIELD(NAME, TYPE)                                \
  void Archive::NAME(const char* name, TYPE& value) {                     \
    if (Enter(name)) {                                                    \
      Value(value);                                                       \
      Leave();                                                            \
    }                                                                     \
  }                                                                       \
  void Archive::Opt##NAME(const char* name, std::optional<TYPE>& value) { \
    if (!decoding_ && !value) return;                                     \
    if (Enter(name)) {                                                    \
      if (decoding_) value.emplace();                                     \
      Value(*value);                                                      \
      Leave();                                                            \
    }                                                                     \
  }
WECHATPAY_MODELS_FIELD(I64, std::int64_t)
WECHATPAY_MODELS_FIELD(I32, std::int32_t)
WECHATPAY_MODELS_FIELD(F64, double)
WECHATPAY_MODELS_FIELD(Bool, bool)
WECHATPAY_MODELS_FIELD(Any, JsonValue)
#undef WECHATPAY_MODELS_FIELD

void Archive::StrList(const char* name, std::vector<std::string>& value) {
  if (Enter(name)) {
    Value(value);
    Leave();
  }
}
void Archive::I64List(const char* name, std::vector<std::int64_t>& value) {
  if (Enter(name)) {
    Value(value);
    Leave();
  }
}
void Archive::OptStrList(const char* name, std::vector<std::string>& value) {
  if (!decoding_ && value.empty()) return;
  StrList(name, value);
}
void Archive::OptI64List(const char* name, std::vector<std::int64_t>& value) {
  if (!decoding_ && value.empty()) return;
  I64List(name, value);
}
void Archive::OptStrList(const char* name, List<std::string>& value) {
  if (!decoding_ && !value.has_value()) return;
  if (Enter(name)) {
    Value(value.vector());
    if (decoding_) value.set_present();
    Leave();
  }
}
void Archive::OptI64List(const char* name, List<std::int64_t>& value) {
  if (!decoding_ && !value.has_value()) return;
  if (Enter(name)) {
    Value(value.vector());
    if (decoding_) value.set_present();
    Leave();
  }
}

void Archive::Str(const char* name, std::string& value) {
  if (!decoding_ && state_->request && value.empty()) return;
  if (Enter(name)) {
    Value(value);
    Leave();
  }
}

void Archive::OptStr(const char* name, std::optional<std::string>& value) {
  if (!decoding_ && !value) return;
  if (Enter(name)) {
    if (decoding_) value.emplace();
    Value(*value);
    Leave();
  }
}

void Archive::Extra(JsonValue& extra) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (decoding_) {
    if (!f.in->is_object()) return;
    nlohmann::json unknown = nlohmann::json::object();
    for (auto it = f.in->begin(); it != f.in->end(); ++it) {
      std::string_view key = it.key();
      bool known = false;
      for (std::string_view k : f.known) {
        if (k == key) {
          known = true;
          break;
        }
      }
      if (!known) unknown[it.key()] = nlohmann::json(it.value());
    }
    extra = unknown.empty() ? JsonValue() : JsonValue(unknown);
    return;
  }
  const nlohmann::json& add = extra.get();
  if (!add.is_object() || !f.out->is_object()) return;
  for (auto it = add.begin(); it != add.end(); ++it) {
    if (!f.out->contains(it.key())) (*f.out)[it.key()] = Ordered(it.value());
  }
}

void Archive::Value(std::string& value) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    *f.out = value;
  } else if (f.in->is_string()) {
    value = f.in->get_ref<const std::string&>();
  } else {
    st.Fail("is not a string");
  }
}

void Archive::Value(std::int64_t& value) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    if (st.encoding == Encoding::kText) {
      *f.out = std::to_string(value);
    } else {
      *f.out = value;
    }
    return;
  }
  const Ordered& in = *f.in;
  if (in.is_number_integer()) {
    if (in.is_number_unsigned() &&
        in.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      st.Fail("is out of range for a 64-bit integer");
      return;
    }
    value = in.get<std::int64_t>();
  } else if (in.is_number_float()) {
    double d = in.get<double>();
    if (!(d >= -9.2e18 && d <= 9.2e18) || static_cast<double>(static_cast<std::int64_t>(d)) != d) {
      st.Fail("is not an integer");
      return;
    }
    value = static_cast<std::int64_t>(d);
  } else if (in.is_string() && st.encoding == Encoding::kText) {
    auto v = internal::ParseInt64(in.get_ref<const std::string&>());
    if (!v) {
      st.Fail("is not an integer");
      return;
    }
    value = *v;
  } else {
    st.Fail("is not an integer");
  }
}

void Archive::Value(std::int32_t& value) {
  std::int64_t wide = value;
  Value(wide);
  if (!decoding_ || state_->error) return;
  if (wide < std::numeric_limits<std::int32_t>::min() ||
      wide > std::numeric_limits<std::int32_t>::max()) {
    state_->Fail("is out of range for a 32-bit integer");
    return;
  }
  value = static_cast<std::int32_t>(wide);
}

void Archive::Value(double& value) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    if (st.encoding == Encoding::kText) {
      // Integral values as integers ("100", not "100.0"), others in shortest form.
      if (value >= -9.0e15 && value <= 9.0e15 &&
          static_cast<double>(static_cast<std::int64_t>(value)) == value) {
        *f.out = std::to_string(static_cast<std::int64_t>(value));
      } else {
        *f.out = Ordered(value).dump();
      }
    } else {
      *f.out = value;
    }
    return;
  }
  if (f.in->is_number()) {
    value = f.in->get<double>();
  } else if (f.in->is_string() && st.encoding == Encoding::kText) {
    auto v = internal::ParseDouble(f.in->get_ref<const std::string&>());
    if (!v) {
      st.Fail("is not a number");
      return;
    }
    value = *v;
  } else {
    st.Fail("is not a number");
  }
}

void Archive::Value(bool& value) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    if (st.encoding == Encoding::kText) {
      *f.out = value ? "true" : "false";
    } else {
      *f.out = value;
    }
    return;
  }
  if (f.in->is_boolean()) {
    value = f.in->get<bool>();
  } else if (f.in->is_string() && st.encoding == Encoding::kText &&
             (*f.in == "true" || *f.in == "false")) {
    value = *f.in == "true";
  } else {
    st.Fail("is not a boolean");
  }
}

void Archive::Value(JsonValue& value) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    *f.out = Ordered(value.get());
  } else {
    value = JsonValue(nlohmann::json(*f.in));
  }
}

void Archive::Value(std::vector<bool>& values) {
  std::size_t n = BeginArray(values.size());
  if (decoding_) values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (EnterIndex(i)) {
      bool b = values[i];
      Value(b);
      if (decoding_) values[i] = b;
      Leave();
    }
  }
}

void Archive::ValueEnum(std::int32_t* value, std::string* text, const EnumTable& table) {
  internal::ArchiveState& st = *state_;
  if (st.error) return;
  internal::Frame& f = st.top();
  if (!decoding_) {
    if (*value > 0 && static_cast<std::size_t>(*value) < table.size) {
      *f.out = std::string(table.names[*value]);
    } else {
      *f.out = *text;
    }
    return;
  }
  if (!f.in->is_string()) {
    st.Fail("is not a string");
    return;
  }
  const std::string& s = f.in->get_ref<const std::string&>();
  for (std::size_t i = 1; i < table.size; ++i) {
    if (table.names[i] == s) {
      *value = static_cast<std::int32_t>(i);
      text->clear();
      return;
    }
  }
  *value = 0;
  *text = s;
}

// ---------------------------------------------------------------------------------------------
// JSON entry points

namespace internal {

namespace {

// Encodes `value` into `root` (an object). Returns the archive's error, if any.
std::optional<std::string> EncodeTo(SerializeFn fn, const void* value, Encoding encoding,
                                    bool request, const JsonValue* extra, Ordered* root) {
  ArchiveState st;
  st.decoding = false;
  st.encoding = encoding;
  st.request = request;
  *root = Ordered::object();
  Frame f;
  f.out = root;
  st.frames.push_back(std::move(f));
  Run(&st, fn, const_cast<void*>(value), extra);
  return st.error;
}

std::optional<std::string> DecodeFrom(SerializeFn fn, void* value, const Ordered& root,
                                      Encoding encoding) {
  if (!root.is_object()) return std::string("the document is not a JSON object");
  ArchiveState st;
  st.decoding = true;
  st.encoding = encoding;
  Frame f;
  f.in = &root;
  st.frames.push_back(std::move(f));
  Run(&st, fn, value, nullptr);
  return st.error;
}

}  // namespace

void EncodeJson(SerializeFn fn, const void* value, Encoding encoding, nlohmann::json* out) {
  try {
    Ordered root;
    (void)EncodeTo(fn, value, encoding, false, nullptr, &root);
    *out = nlohmann::json(root);
  } catch (const std::exception&) {
    *out = nlohmann::json();
  }
}

std::string EncodeJsonText(SerializeFn fn, const void* value, Encoding encoding) {
  try {
    Ordered root;
    (void)EncodeTo(fn, value, encoding, false, nullptr, &root);
    return root.dump(-1, ' ', false, Ordered::error_handler_t::replace);
  } catch (const std::exception&) {
    return "null";
  }
}

Status DecodeJson(SerializeFn fn, void* value, const nlohmann::json& in, Encoding encoding) {
  try {
    Ordered root(in);
    if (auto err = DecodeFrom(fn, value, root, encoding)) return ParseError(*err);
    return {};
  } catch (const std::exception&) {
    return Error(ErrorCode::kInternal, "decoding a typed model failed");
  }
}

Status DecodeJsonText(SerializeFn fn, void* value, std::string_view text, Encoding encoding) {
  try {
    Ordered root = Ordered::parse(text, nullptr, false);
    if (root.is_discarded()) return ParseError("the text is not valid JSON");
    if (auto err = DecodeFrom(fn, value, root, encoding)) return ParseError(*err);
    return {};
  } catch (const std::exception&) {
    return Error(ErrorCode::kInternal, "decoding a typed model failed");
  }
}

namespace {

std::string ScalarText(const Ordered& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, Ordered::error_handler_t::replace);
}

// Object members as text pairs; arrays become repeated parameters.
void AppendText(const Ordered& obj, std::vector<std::pair<std::string, std::string>>* out) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->is_array()) {
      for (const Ordered& el : *it) out->emplace_back(it.key(), ScalarText(el));
    } else if (!it->is_null()) {
      out->emplace_back(it.key(), ScalarText(*it));
    }
  }
}

Error PrepareError(const EndpointSpec& spec, ErrorCode code, const std::string& what) {
  return Error(code, std::string(spec.id) + ": " + what);
}

// APIv2 answers flatten nested elements ("hblist.hbinfo[0].openid"): rebuild the tree.
Ordered Unflatten(const apiv2::Fields& fields) {
  Ordered root = Ordered::object();
  for (const auto& [key, value] : fields) {
    if (key.find_first_of(".[") == std::string::npos) {
      root[key] = value;
      continue;
    }
    Ordered* node = &root;
    bool ok = true;
    std::size_t start = 0;
    while (ok) {
      std::size_t dot = key.find('.', start);
      std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
      std::optional<std::size_t> index;
      if (std::size_t br = part.find('['); br != std::string::npos && part.back() == ']') {
        index = ParseIndex(std::string_view(part).substr(br + 1, part.size() - br - 2));
        if (!index || *index > 1024) {
          ok = false;
          break;
        }
        part.resize(br);
      }
      if (!node->is_object()) {
        ok = false;
        break;
      }
      Ordered* child = &(*node)[part];
      if (index) {
        if (child->is_null()) *child = Ordered::array();
        if (!child->is_array()) {
          ok = false;
          break;
        }
        while (child->size() <= *index) child->push_back(Ordered::object());
        child = &(*child)[*index];
      }
      if (dot == std::string::npos) {
        if (!child->is_null() && !(child->is_object() && child->empty())) ok = false;
        if (ok) *child = value;
        break;
      }
      if (child->is_null()) *child = Ordered::object();
      node = child;
      start = dot + 1;
    }
    if (!ok) root[key] = value;  // an odd shape: keep the flat name
  }
  return root;
}

// A multipart upload's body members as CallOptions::multipart: the file part's bytes, `meta`
// (JSON text; APIv3 signs it), the other members as text parts (APIv2: as the signed fields,
// CallOptions::xml). A filename and content type the caller set in options->multipart are kept;
// otherwise the filename is meta's `filename`/`file_name` (or the part's name).
Status PrepareMultipart(const EndpointSpec& spec, const void* request, SerializeFn body,
                        const JsonValue* extra, CallOptions* options) {
  bool v2 = spec.protocol == Protocol::kApiV2;
  Ordered b;
  if (auto err = EncodeTo(body, request, v2 ? Encoding::kText : Encoding::kJson, true, extra, &b)) {
    return PrepareError(spec, ErrorCode::kInvalidArgument, *err);
  }
  auto form =
      std::make_shared<MultipartForm>(options->multipart ? *options->multipart : MultipartForm());
  form->file.field = std::string(spec.multipart_file);
  form->file.data.clear();
  form->meta.clear();
  form->fields.clear();
  auto fields = std::make_shared<apiv2::Fields>();
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (it->is_null()) continue;
    if (it.key() == spec.multipart_file) {
      if (!it->is_string()) {
        return PrepareError(spec, ErrorCode::kInvalidArgument,
                            "'" + it.key() + "' must hold the file's bytes");
      }
      form->file.data = it->get<std::string>();
    } else if (!v2 && it.key() == "meta") {
      form->meta = ScalarText(*it);
    } else if (v2) {
      fields->Set(it.key(), ScalarText(*it));
    } else {
      form->fields.emplace_back(it.key(), ScalarText(*it));
    }
  }
  if (form->file.filename.empty() && !form->meta.empty()) {
    Ordered meta = Ordered::parse(form->meta, nullptr, false);
    if (meta.is_object()) {
      for (const char* key : {"filename", "file_name"}) {
        auto f = meta.find(key);
        if (f != meta.end() && f->is_string() && !f->get<std::string>().empty()) {
          form->file.filename = f->get<std::string>();
          break;
        }
      }
    }
  }
  for (std::size_t i = 0; i < spec.encrypted_count; ++i) {
    std::string_view enc = spec.encrypted[i];
    if (enc.substr(0, 6) != "query:") options->encrypt_fields.emplace_back(enc);
  }
  if (v2) options->xml = std::move(fields);
  options->multipart = std::move(form);
  return {};
}

}  // namespace

// `client` is unused since the pipeline encrypts sensitive query parameters itself; the generated
// E::Prepare(client, ...) still passes it, and preparation stays a pure function of the request.
Result<PreparedCall> Prepare([[maybe_unused]] const Client& client, const EndpointSpec& spec,
                             const std::string* path_values, const void* request,
                             SerializeFn headers, SerializeFn query, SerializeFn body,
                             const JsonValue* extra, CallOptions* options_in) {
  try {
    CallOptions options = std::move(*options_in);
    PreparedCall call;
    call.method = std::string(spec.method);
    call.uri = std::string(spec.uri);
    for (std::size_t i = 0; i < spec.path_count; ++i) {
      options.path[std::string(spec.path_names[i])] = path_values[i];
    }
    bool extra_in_body = spec.has_body && body != nullptr;
    const JsonValue* query_extra = extra_in_body ? nullptr : extra;

    if (headers != nullptr) {
      Ordered h;
      if (auto err = EncodeTo(headers, request, Encoding::kText, true, nullptr, &h)) {
        return PrepareError(spec, ErrorCode::kInvalidArgument, *err);
      }
      std::vector<std::pair<std::string, std::string>> pairs;
      AppendText(h, &pairs);
      for (auto& [name, value] : pairs) {
        if (!options.headers.Has(name)) options.headers.Set(name, std::move(value));
      }
    }

    QueryParams q;
    if (query != nullptr || (query_extra != nullptr && !query_extra->empty())) {
      Ordered qo;
      SerializeFn fn = query;
      if (fn == nullptr) fn = +[](Archive&, void*) {};
      if (auto err = EncodeTo(fn, request, Encoding::kText, true, query_extra, &qo)) {
        return PrepareError(spec, ErrorCode::kInvalidArgument, *err);
      }
      AppendText(qo, &q);
    }
    // Sensitive query parameters: the client's pipeline encrypts them before the URL is built
    // (ClientImpl::EncryptQueryFields), as for the chain and the CLI.
    for (std::size_t i = 0; i < spec.encrypted_count; ++i) {
      std::string_view enc = spec.encrypted[i];
      if (enc.substr(0, 6) == "query:") options.encrypt_fields.emplace_back(enc);
    }
    if (!q.empty()) {
      q.insert(q.end(), options.query.begin(), options.query.end());
      options.query = std::move(q);
    }

    if (!spec.multipart_file.empty() && body != nullptr) {
      if (Status s = PrepareMultipart(spec, request, body, extra, &options); !s) {
        return std::move(s).error();
      }
    } else if (spec.has_body && body != nullptr) {
      bool xml = spec.protocol == Protocol::kApiV2;
      Ordered b;
      if (auto err =
              EncodeTo(body, request, xml ? Encoding::kText : Encoding::kJson, true, extra, &b)) {
        return PrepareError(spec, ErrorCode::kInvalidArgument, *err);
      }
      if (xml) {
        auto fields = std::make_shared<apiv2::Fields>();
        for (auto it = b.begin(); it != b.end(); ++it) {
          if (!it->is_null()) fields->Set(it.key(), ScalarText(*it));
        }
        options.xml = std::move(fields);
      } else {
        try {
          options.body = b.dump(-1, ' ', false, Ordered::error_handler_t::strict);
        } catch (const nlohmann::json::exception&) {
          return PrepareError(spec, ErrorCode::kInvalidArgument,
                              "the request holds a string that is not valid UTF-8");
        }
        for (std::size_t i = 0; i < spec.encrypted_count; ++i) {
          std::string_view enc = spec.encrypted[i];
          if (enc.substr(0, 6) == "query:" || enc.find('~') != std::string_view::npos) continue;
          options.encrypt_fields.emplace_back(enc);
        }
      }
    }
    call.options = std::move(options);
    return call;
  } catch (const std::exception&) {
    return PrepareError(spec, ErrorCode::kInternal, "preparing the request failed");
  }
}

Status ParseResponse(const EndpointSpec& spec, const ::wechatpay::Response& response, SerializeFn fn,
                     void* out) {
  auto fail = [&](ErrorCode code, const std::string& what) {
    Error e(code, std::string(spec.id) + ": " + what);
    e.http_status = response.status;
    e.request_id = response.request_id();
    return e;
  };
  try {
    Ordered doc;
    Encoding encoding = Encoding::kJson;
    if (spec.protocol == Protocol::kApiV2) {
      auto fields = apiv2::DecodeXml(response.body);
      if (!fields) return fail(fields.error().code, "response " + fields.error().message);
      doc = Unflatten(*fields);
      encoding = Encoding::kText;
    } else if (response.body.find_first_not_of(" \t\r\n") == std::string::npos) {
      doc = Ordered::object();
    } else {
      doc = Ordered::parse(response.body, nullptr, false);
      if (doc.is_discarded()) return fail(ErrorCode::kParse, "the response body is not JSON");
    }
    if (!doc.is_object()) return fail(ErrorCode::kParse, "the response is not a JSON object");
    if (auto err = DecodeFrom(fn, out, doc, encoding)) {
      return fail(ErrorCode::kParse, "response " + *err);
    }
    return {};
  } catch (const std::exception&) {
    return fail(ErrorCode::kInternal, "parsing the response failed");
  }
}

Result<::wechatpay::Response> Send(const Client& client, Result<PreparedCall> call) {
  if (!call) return std::move(call).error();
  return client.chain(call->uri).request(call->method, std::move(call->options));
}

Future<::wechatpay::Response> SendAsync(const Client& client, Result<PreparedCall> call) {
  if (!call) return MakeReadyFuture<::wechatpay::Response>(std::move(call).error());
  return client.chain(call->uri).requestAsync(call->method, std::move(call->options));
}

}  // namespace internal

}  // namespace wechatpay::models
