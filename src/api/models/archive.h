// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The Archive the generated Serialize() functions drive: one function per struct serves both
// directions (encode: struct -> JSON; decode: JSON -> struct). The JSON work lives in
// runtime.cc, so the generated sources never include <nlohmann/json.hpp>: they only call the
// small non-template primitives below, plus a few templates for optionals, vectors, nested
// structs and enums. Internal to the library.
#ifndef WECHATPAY_SRC_API_MODELS_ARCHIVE_H_
#define WECHATPAY_SRC_API_MODELS_ARCHIVE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "wechatpay/client.h"
#include "wechatpay/models/runtime.h"
#include "wechatpay/result.h"

namespace wechatpay::models {

namespace internal {
struct ArchiveState;  // runtime.cc
}  // namespace internal

class Archive {
 public:
  explicit Archive(internal::ArchiveState* state);
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  bool decoding() const { return decoding_; }

  // Query parameters and headers are text whatever the body encoding.
  class TextScope {
   public:
    explicit TextScope(Archive& archive);
    ~TextScope();
    TextScope(const TextScope&) = delete;
    TextScope& operator=(const TextScope&) = delete;

   private:
    Archive& archive_;
    bool saved_;
  };

  // ---- members of the current object ----

  template <class T>
  void Field(const char* name, T& value) {
    if (Enter(name)) {
      Value(value);
      Leave();
    }
  }
  template <class T>
  void Field(const char* name, std::optional<T>& value) {
    if (!decoding_ && !value) return;
    if (Enter(name)) {
      if (decoding_) value.emplace();
      Value(*value);
      Leave();
    }
  }
  template <class T>
  void Field(const char* name, Optional<T>& value) {
    if (!decoding_ && !value) return;
    if (Enter(name)) {
      if (decoding_) value.emplace();
      Value(*value);
      Leave();
    }
  }
  template <class E>
  void Field(const char* name, Enum<E>& value) {
    if (!decoding_ && !value.has_value()) return;  // unset: absent
    if (Enter(name)) {
      Value(value);
      Leave();
    }
  }
  // A required string; when encoding a request, an empty one is left out (so that validation
  // reports it as missing rather than sending "").
  void Field(const char* name, std::string& value) { Str(name, value); }

  // The common member shapes, out of line: generated code calls these by name, so a member costs
  // the compiler no overload resolution and no template instantiation.
  void Str(const char* name, std::string& value);
  void OptStr(const char* name, std::optional<std::string>& value);
  void I64(const char* name, std::int64_t& value);
  void OptI64(const char* name, std::optional<std::int64_t>& value);
  void I32(const char* name, std::int32_t& value);
  void OptI32(const char* name, std::optional<std::int32_t>& value);
  void F64(const char* name, double& value);
  void OptF64(const char* name, std::optional<double>& value);
  void Bool(const char* name, bool& value);
  void OptBool(const char* name, std::optional<bool>& value);
  void Any(const char* name, JsonValue& value);
  void OptAny(const char* name, std::optional<JsonValue>& value);
  void StrList(const char* name, std::vector<std::string>& value);
  void I64List(const char* name, std::vector<std::int64_t>& value);
  // Optional request lists are plain vectors: empty means absent (not written).
  void OptStrList(const char* name, std::vector<std::string>& value);
  void OptI64List(const char* name, std::vector<std::int64_t>& value);
  template <class T>
  void OptList(const char* name, std::vector<T>& values) {
    if (!decoding_ && values.empty()) return;
    Field(name, values);
  }
  template <class T>
  void OptJsonField(const char* name, std::vector<T>& values) {
    if (!decoding_ && values.empty()) return;
    JsonField(name, values);
  }
  // Response lists (List<T>): written when present, `[]` included; decoding marks them present.
  void OptStrList(const char* name, List<std::string>& value);
  void OptI64List(const char* name, List<std::int64_t>& value);
  template <class T>
  void OptList(const char* name, List<T>& values) {
    if (!decoding_ && !values.has_value()) return;
    if (Enter(name)) {
      Value(values.vector());
      if (decoding_) values.set_present();
      Leave();
    }
  }
  template <class T>
  void OptJsonField(const char* name, List<T>& values) {
    if (!decoding_ && !values.has_value()) return;
    if (Enter(name)) {
      if (BeginEmbedded()) {
        Value(values.vector());
        if (decoding_) values.set_present();
        EndEmbedded();
      }
      Leave();
    }
  }

  // A string member that carries a JSON document, typed as that document.
  template <class T>
  void JsonField(const char* name, T& value) {
    if (Enter(name)) {
      if (BeginEmbedded()) {
        Value(value);
        EndEmbedded();
      }
      Leave();
    }
  }
  template <class T>
  void JsonField(const char* name, std::optional<T>& value) {
    if (!decoding_ && !value) return;
    if (Enter(name)) {
      if (BeginEmbedded()) {
        if (decoding_) value.emplace();
        Value(*value);
        EndEmbedded();
      }
      Leave();
    }
  }

  template <class T>
  void JsonField(const char* name, Optional<T>& value) {
    if (!decoding_ && !value) return;
    if (Enter(name)) {
      if (BeginEmbedded()) {
        if (decoding_) value.emplace();
        Value(*value);
        EndEmbedded();
      }
      Leave();
    }
  }

  // APIv2 indexed families: `prefix` + n ("coupon_fee_0", "coupon_fee_1", ...).
  template <class T>
  void Family(const char* prefix, std::vector<T>& values) {
    std::size_t n = FamilyCount(prefix, values.size());
    if (decoding_) values = std::vector<T>(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (FamilyEnter(prefix, i)) {
        Value(values[i]);
        Leave();
      }
    }
  }
  // `prefix` + n + "_" + m ("coupon_refund_id_0_1").
  template <class T>
  void Family2(const char* prefix, std::vector<std::vector<T>>& values) {
    std::size_t n = FamilyCount2(prefix, values.size());
    if (decoding_) values = std::vector<std::vector<T>>(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t m = FamilyCountInner(prefix, i, values[i].size());
      if (decoding_) values[i] = std::vector<T>(m);
      for (std::size_t j = 0; j < m; ++j) {
        if (FamilyEnter2(prefix, i, j)) {
          Value(values[i][j]);
          Leave();
        }
      }
    }
  }

  // The members not named by any Field call so far: decoded into `extra`, or (encoding) written
  // from it where no member of that name was written.
  void Extra(JsonValue& extra);

  // ---- the current value ----

  void Value(std::string& value);
  void Value(std::int64_t& value);
  void Value(std::int32_t& value);
  void Value(double& value);
  void Value(bool& value);
  void Value(JsonValue& value);
  void Value(std::vector<bool>& values);
  template <class E>
  void Value(Enum<E>& value) {
    auto raw = static_cast<std::int32_t>(value.value_);
    ValueEnum(&raw, &value.text_, EnumTableOf(E{}));
    if (decoding_) {
      value.value_ = static_cast<E>(raw);
      value.present_ = true;
    }
  }
  // Numeric enums (enum class X : std::int64_t): any number round-trips.
  template <class E, std::enable_if_t<std::is_enum_v<E>, int> = 0>
  void Value(E& value) {
    auto raw = static_cast<std::int64_t>(value);
    Value(raw);
    if (decoding_) value = static_cast<E>(raw);
  }
  template <class T>
  void Value(std::vector<T>& values) {
    std::size_t n = BeginArray(values.size());
    if (decoding_) values = std::vector<T>(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (EnterIndex(i)) {
        Value(values[i]);
        Leave();
      }
    }
  }
  // A generated struct: its Serialize() is found by argument-dependent lookup.
  template <class T, std::enable_if_t<std::is_class_v<T>, int> = 0>
  void Value(T& value) {
    if (BeginObject()) Serialize(*this, value);
  }

 private:
  bool Enter(const char* name);
  bool EnterIndex(std::size_t index);
  void Leave();
  std::size_t BeginArray(std::size_t size);
  bool BeginObject();
  bool BeginEmbedded();
  void EndEmbedded();
  std::size_t FamilyCount(const char* prefix, std::size_t size);
  bool FamilyEnter(const char* prefix, std::size_t index);
  std::size_t FamilyCount2(const char* prefix, std::size_t size);
  std::size_t FamilyCountInner(const char* prefix, std::size_t index, std::size_t size);
  bool FamilyEnter2(const char* prefix, std::size_t index, std::size_t inner);
  void ValueEnum(std::int32_t* value, std::string* text, const EnumTable& table);

  internal::ArchiveState* state_;
  bool decoding_;
};

namespace internal {

enum class Protocol : std::uint8_t { kApiV3, kApiV2, kMiniProgram };

// What Prepare and Parse need to know about an endpoint (generated, constexpr).
struct EndpointSpec {
  std::string_view id;      // "GET v3/merchant-risk-manage/trade-risk-information"
  std::string_view method;  // "GET"
  std::string_view uri;     // "v3/merchant-risk-manage/trade-risk-information"
  Protocol protocol = Protocol::kApiV3;
  bool has_body = false;
  const std::string_view* path_names = nullptr;  // placeholders, in template order
  std::size_t path_count = 0;
  // Catalog `encrypted_fields`: body paths ("a.b", "a[].b") and "query:name".
  const std::string_view* encrypted = nullptr;
  std::size_t encrypted_count = 0;
  // Multipart uploads: the file part's name ("file", "media", ...); empty otherwise. The other
  // body members become text parts (`meta` the signed JSON part; APIv2: the signed fields).
  std::string_view multipart_file;
};

// Builds the (method, uri, CallOptions) of a typed call. `headers`, `query`, `body` serialize
// the request's parts (nullptr when the endpoint has none); `extra` goes to the body, or to the
// query when there is no body. Options given by the caller are kept (their query parameters and
// headers come after the typed ones). `options` is taken by pointer (and moved from) so that the
// generated callers stay tiny.
Result<PreparedCall> Prepare(const Client& client, const EndpointSpec& spec,
                             const std::string* path_values, const void* request,
                             SerializeFn headers, SerializeFn query, SerializeFn body,
                             const JsonValue* extra, CallOptions* options);

// Decodes a success response (JSON, or APIv2 XML fields) into `out`.
Status ParseResponse(const EndpointSpec& spec, const ::wechatpay::Response& response, SerializeFn fn,
                     void* out);

}  // namespace internal
}  // namespace wechatpay::models

#endif  // WECHATPAY_SRC_API_MODELS_ARCHIVE_H_
