// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// What the generated typed models (<wechatpay/models/VERSION/GROUP.h>) are made of: JsonValue
// (any JSON, and the `extra` member that keeps unknown fields), Enum<E> (an enum that keeps the
// text of values this SDK does not know), Optional<T> (the optional of generated types), List<T>
// (a list that knows whether it was present), PreparedCall (a typed call as method + URI +
// CallOptions, so sync and async callers share it), Response<T> (a typed call's answer with its
// status, headers and Request-ID), and ToJson/FromJson for every top-level request and response
// type. See docs/adr/0005-typed-models.md.
//
// This is a JSON-model header: it names nlohmann::json (forward-declared only; include
// <nlohmann/json.hpp> to use JsonValue::get() or ToJson/FromJson).
#ifndef WECHATPAY_MODELS_RUNTIME_H_
#define WECHATPAY_MODELS_RUNTIME_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "wechatpay/client.h"
#include "wechatpay/future.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"

namespace wechatpay::models {

// The (de)serializer the generated Serialize() functions drive. Opaque to users.
class Archive;

// How scalars are carried. kJson: typed JSON (APIv3 and mini-program bodies, JSON documents held
// in strings). kText: every scalar is a string (APIv2 XML fields, query parameters, headers).
enum class Encoding : std::uint8_t { kJson, kText };

// Any JSON value: free-form objects, and the `extra` member of every generated struct, which
// holds the members this SDK does not know (a response's new fields; for a request, additional
// body members sent as given). Copyable; a default JsonValue is null.
class JsonValue {
 public:
  JsonValue();
  explicit JsonValue(const nlohmann::json& value);
  JsonValue(const JsonValue& other);
  JsonValue(JsonValue&& other) noexcept;
  JsonValue& operator=(const JsonValue& other);
  JsonValue& operator=(JsonValue&& other) noexcept;
  ~JsonValue();

  // True when null, or an empty object or array.
  bool empty() const;
  // The value (JSON null when unset).
  const nlohmann::json& get() const;
  nlohmann::json& mutable_get();
  // Compact JSON text ("null" when unset); invalid UTF-8 is replaced, never thrown.
  std::string dump() const;

  friend bool operator==(const JsonValue& a, const JsonValue& b);
  friend bool operator!=(const JsonValue& a, const JsonValue& b) { return !(a == b); }

 private:
  std::unique_ptr<nlohmann::json> value_;  // null pointer: JSON null
};

// The wire names of a generated enum: names[0] is "" (kUnrecognized), names[i] the text of the
// enumerator whose value is i.
struct EnumTable {
  const std::string_view* names = nullptr;
  std::size_t size = 0;
};

// A string enum. Generated enum classes have kUnrecognized = 0 and one enumerator per catalog
// value; a value this SDK does not know decodes to kUnrecognized and keeps its text, so it is
// sent back unchanged (an empty string too: it is present, unrecognized, with empty text). A
// default Enum is unset, and omitted when encoding: an Enum member is its own optional
// (`if (resp.state)`, `resp.state.has_value()`, `resp.state.value()`, `resp.state.reset()`).
//
//   req.risk_type = RiskType::kFraud;
//   if (resp.state == State::kSuccess) ...
//   WireName(resp.state)  // "SUCCESS", or the unrecognized text as received
template <class E>
class Enum {
 public:
  Enum() = default;
  Enum(E value) : value_(value) {}  // NOLINT(google-explicit-constructor): enum-like

  // A value given by its wire text; text this SDK does not know is kept as kUnrecognized.
  static Enum FromWire(std::string_view text) {
    Enum e;
    const EnumTable& table = EnumTableOf(E{});
    for (std::size_t i = 1; i < table.size; ++i) {
      if (table.names[i] == text) {
        e.value_ = static_cast<E>(i);
        return e;
      }
    }
    e.text_ = std::string(text);
    e.present_ = true;
    return e;
  }

  E value() const { return value_; }
  bool known() const { return value_ != E{}; }
  // False for a default-constructed Enum: the member is absent (an Enum is its own optional).
  bool has_value() const { return present_ || known() || !text_.empty(); }
  explicit operator bool() const { return has_value(); }
  // Back to unset (absent).
  void reset() { *this = Enum(); }
  // The text as received when the value is not one this SDK knows; empty otherwise.
  const std::string& unrecognized_text() const { return text_; }

  friend bool operator==(const Enum& a, const Enum& b) {
    return a.value_ == b.value_ && a.text_ == b.text_ && a.has_value() == b.has_value();
  }
  friend bool operator!=(const Enum& a, const Enum& b) { return !(a == b); }
  friend bool operator==(const Enum& a, E b) { return a.value_ == b; }
  friend bool operator!=(const Enum& a, E b) { return a.value_ != b; }
  friend bool operator==(E a, const Enum& b) { return a == b.value_; }
  friend bool operator!=(E a, const Enum& b) { return a != b.value_; }

 private:
  friend class Archive;
  E value_{};
  std::string text_;
  bool present_ = false;  // decoded (or FromWire) with a value that is not known, "" included
};

// The wire text of an enum value: "SUCCESS", or the unrecognized text as received.
template <class E>
std::string_view WireName(const Enum<E>& e) {
  if (!e.known()) return e.unrecognized_text();
  const EnumTable& table = EnumTableOf(e.value());
  auto i = static_cast<std::size_t>(e.value());
  return i < table.size ? table.names[i] : std::string_view();
}

// An optional member of a generated type (a nested struct, a numeric enum, a struct carried as
// JSON text): what std::optional<T> is for them, with the operations members need (`if (m)`,
// `m->x`, `*m`, `m.has_value()`, `m.value()`, `m.emplace()`, `m.reset()`, `m = T{}`,
// `m = std::nullopt`). Not std::optional because each distinct std::optional<T> costs GCC ~17 ms
// and ~1 MB in every file that includes the header, and the models have one per struct: this
// class costs a tenth of that (v3/marketing.h: 17.6 s to include with std::optional<S>, 6.1 s
// with Optional<S>; see docs/adr/0005). Scalars keep std::optional (a few shared instances).
template <class T>
class Optional {
 public:
  Optional() noexcept {}
  Optional(std::nullopt_t) noexcept {}     // NOLINT(google-explicit-constructor): as std::optional
  Optional(const T& value) { emplace(value); }        // NOLINT(google-explicit-constructor)
  Optional(T&& value) { emplace(std::move(value)); }  // NOLINT(google-explicit-constructor)
  Optional(const Optional& other) {
    if (other.has_) emplace(other.value_);
  }
  Optional(Optional&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (other.has_) emplace(std::move(other.value_));
  }
  Optional& operator=(const Optional& other) {
    if (this == &other) return *this;
    if (!other.has_) {
      reset();
    } else if (has_) {
      value_ = other.value_;
    } else {
      emplace(other.value_);
    }
    return *this;
  }
  Optional& operator=(Optional&& other) noexcept(std::is_nothrow_move_assignable_v<T> &&
                                                 std::is_nothrow_move_constructible_v<T>) {
    if (this == &other) return *this;
    if (!other.has_) {
      reset();
    } else if (has_) {
      value_ = std::move(other.value_);
    } else {
      emplace(std::move(other.value_));
    }
    return *this;
  }
  Optional& operator=(std::nullopt_t) noexcept {
    reset();
    return *this;
  }
  ~Optional() { reset(); }

  template <class... A>
  T& emplace(A&&... args) {
    reset();
    ::new (static_cast<void*>(&value_)) T(std::forward<A>(args)...);
    has_ = true;
    return value_;
  }
  void reset() noexcept {
    if (has_) {
      value_.~T();
      has_ = false;
    }
  }
  bool has_value() const noexcept { return has_; }
  explicit operator bool() const noexcept { return has_; }
  // The member must be present (as for std::optional, unchecked).
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  // Throws std::bad_optional_access when absent, as std::optional::value() does.
  T& value() & {
    if (!has_) throw std::bad_optional_access();
    return value_;
  }
  const T& value() const& {
    if (!has_) throw std::bad_optional_access();
    return value_;
  }
  template <class U>
  T value_or(U&& fallback) const& {
    return has_ ? value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  union {
    T value_;
  };
  bool has_ = false;
};

// A list member of a response (and of an inbound notification): a std::vector that also knows
// whether the member was present, so that an absent list and `[]` both survive decoding and
// encoding. It is written when present or not empty: filling it (`push_back`, assigning a
// vector) makes it present; `set_present()` makes an empty one present (written as `[]`);
// `reset()` (or `= {}`) makes it absent. Everything else is std::vector's.
//
//   for (const auto& d : resp.promotion_detail) ...          // absent: no elements
//   if (resp.promotion_detail.has_value()) ...               // present, possibly `[]`
template <class T>
class List : public std::vector<T> {
 public:
  using std::vector<T>::vector;
  List() = default;
  List(std::vector<T> values)  // NOLINT(google-explicit-constructor): a vector is a present list
      : std::vector<T>(std::move(values)), present_(true) {}

  bool has_value() const { return present_ || !this->empty(); }
  explicit operator bool() const { return has_value(); }
  void set_present(bool present = true) { present_ = present; }
  void reset() {
    this->clear();
    present_ = false;
  }
  std::vector<T>& vector() { return *this; }
  const std::vector<T>& vector() const { return *this; }

 private:
  bool present_ = false;
};

// A typed call ready for the pipeline: method, chain URI with {placeholders}, and the options
// (path values, query, body, headers, encrypt_fields, xml). `Send` runs it.
struct PreparedCall {
  std::string method;
  std::string uri;
  CallOptions options;
};

// What a typed call gives back: the decoded answer with the HTTP status and the response headers
// it came with, so that a successful call can be logged or quoted in a support ticket by its
// Request-ID. Endpoints without a JSON/XML answer have the raw ::wechatpay::Response as `value`.
//
//   auto r = services::payments::native::Prepay(client, request);
//   if (r) std::cout << *r->value.code_url << " " << r->request_id() << "\n";
template <class T>
struct Response {
  T value;
  int status = 0;   // HTTP status (2xx)
  Headers headers;  // the response headers
  // The `Request-ID` header, which WeChat Pay asks for when a call is investigated.
  std::string request_id() const { return headers.Get("Request-ID"); }
};

namespace internal {
// One attempt of the pipeline for a prepared call: client.chain(uri).request(method, options).
Result<::wechatpay::Response> Send(const Client& client, Result<PreparedCall> call);
// The same without blocking; a failed Prepare gives a future that is already complete.
Future<::wechatpay::Response> SendAsync(const Client& client, Result<PreparedCall> call);

template <class R>
Result<Response<R>> Typed(Result<::wechatpay::Response>& response,
                          Status (*parse)(const ::wechatpay::Response&, R*)) {
  if (!response) return std::move(response).error();
  Response<R> out;
  if (Status s = parse(*response, &out.value); !s) return std::move(s).error();
  out.status = response->status;
  out.headers = std::move(response->headers);
  return out;
}
}  // namespace internal

// Runs a prepared call and parses the answer (the descriptors' Call).
template <class R>
Result<Response<R>> Execute(const Client& client, Result<PreparedCall> call,
                            Status (*parse)(const ::wechatpay::Response&, R*)) {
  Result<::wechatpay::Response> response = internal::Send(client, std::move(call));
  return internal::Typed(response, parse);
}

// The asynchronous Execute (the descriptors' CallAsync): the answer is parsed in the
// continuation, on the SDK thread that completes the call.
template <class R>
Future<Response<R>> ExecuteAsync(const Client& client, Result<PreparedCall> call,
                                 Status (*parse)(const ::wechatpay::Response&, R*)) {
  return internal::SendAsync(client, std::move(call))
      .then([parse](Result<::wechatpay::Response>& response) -> Result<Response<R>> {
        return internal::Typed(response, parse);
      });
}

namespace internal {
using SerializeFn = void (*)(Archive&, void*);
template <class T>
void SerializeErased(Archive& archive, void* value) {
  Serialize(archive, *static_cast<T*>(value));  // found by ADL in the model's namespace
}
void EncodeJson(SerializeFn fn, const void* value, Encoding encoding, nlohmann::json* out);
Status DecodeJson(SerializeFn fn, void* value, const nlohmann::json& in, Encoding encoding);
std::string EncodeJsonText(SerializeFn fn, const void* value, Encoding encoding);
Status DecodeJsonText(SerializeFn fn, void* value, std::string_view text, Encoding encoding);
}  // namespace internal

// JSON of a top-level request or response type. A request's JSON is its body members plus its
// query parameters and headers (as strings); kText writes every scalar as a string (APIv2).
template <class T>
void ToJson(const T& value, nlohmann::json* out, Encoding encoding = Encoding::kJson) {
  internal::EncodeJson(&internal::SerializeErased<T>, &value, encoding, out);
}
template <class T>
std::string ToJsonString(const T& value, Encoding encoding = Encoding::kJson) {
  return internal::EncodeJsonText(&internal::SerializeErased<T>, &value, encoding);
}
// The reverse. Unknown members (and JSON nulls) go to `extra`; a member of the wrong type is kParse
// naming the member (never quoting its value). An absent member stays absent (a request's required
// one keeps its default), so decoding then encoding a response gives back exactly its members.
template <class T>
Status FromJson(const nlohmann::json& in, T* out, Encoding encoding = Encoding::kJson) {
  *out = T();
  return internal::DecodeJson(&internal::SerializeErased<T>, out, in, encoding);
}
template <class T>
Result<T> FromJsonString(std::string_view text, Encoding encoding = Encoding::kJson) {
  T out;
  Status s = internal::DecodeJsonText(&internal::SerializeErased<T>, &out, text, encoding);
  if (!s) return std::move(s).error();
  return out;
}

}  // namespace wechatpay::models

#endif  // WECHATPAY_MODELS_RUNTIME_H_
