// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Error and Result<T>: every fallible public function returns one of these; none throws.
#ifndef WECHATPAY_RESULT_H_
#define WECHATPAY_RESULT_H_

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wechatpay {

// What went wrong, coarse enough to branch on. The verification codes are distinct so that a
// caller (and `wxpay`) can say which check failed.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something unusable (bad key, missing field, ...)
  kNetwork,             // connection refused/reset, DNS failure, ...
  kTimeout,             // connect or transfer timeout, or a deadline passed
  kTls,                 // TLS handshake or certificate failure
  kResponseTooLarge,    // the response (body or headers) is over a configured limit
  kApi,                 // the server answered an error (HTTP status + WeChat code/message)
  kMissingHeader,       // a Wechatpay-* header needed for verification is absent
  kUnknownSerial,       // Wechatpay-Serial names no key we hold
  kInvalidCertificate,  // a platform certificate is expired, not yet valid, or not the one
                        // its stated serial names
  kTimestampSkew,       // Wechatpay-Timestamp outside the accepted window
  kBadSignature,        // the signature does not verify
  kSignatureProbe,      // a WECHATPAY/SIGNTEST/ probe signature (never a real response)
  kDigestMismatch,      // a downloaded file does not match the expected digest
  kDecryption,          // AES-GCM / RSA-OAEP / AES-ECB decryption failed
  kParse,               // malformed JSON / XML / PEM / response shape
  kCancelled,           // the call was cancelled or the client went away
  kInternal,            // a bug or an OpenSSL/curl failure that fits nothing above
};

// Stable name of a code, e.g. "INVALID_ARGUMENT".
const char* ErrorCodeName(ErrorCode code);

// True for the codes that mean "the response could not be trusted".
constexpr bool IsVerificationError(ErrorCode code) {
  return code == ErrorCode::kMissingHeader || code == ErrorCode::kUnknownSerial ||
         code == ErrorCode::kInvalidCertificate || code == ErrorCode::kTimestampSkew ||
         code == ErrorCode::kBadSignature || code == ErrorCode::kSignatureProbe ||
         code == ErrorCode::kDigestMismatch;
}

// An error. `message` is written for a human and never contains secret material.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int http_status = 0;     // HTTP status when the server answered, else 0
  std::string api_code;    // WeChat `code` (APIv3), `err_code` (APIv2), `errcode` (mini-program)
  std::string detail;      // WeChat `detail` (JSON text) or APIv2 `err_code_des`, when present
  std::string request_id;  // `Request-ID` response header, when present

  Error() = default;
  // `msg` is kept with its control characters escaped (EscapeControls): a message can carry
  // values a server sent, and none of them may reach a terminal as an escape sequence.
  Error(ErrorCode c, std::string msg);

  // "BAD_SIGNATURE: ..." plus status / code / request id when known; control characters of
  // every part escaped.
  std::string ToString() const;
};

// `s` with C0 controls (newline and tab included), DEL and the C1 controls U+0080-U+009F
// written as \xNN / \u00NN, so that text from a server (a header, a JSON message) printed to a
// terminal cannot move the cursor, change colours or ring the bell. Other bytes (UTF-8 text)
// are kept; applying it twice changes nothing more.
std::string EscapeControls(std::string_view s);

class Status;

namespace internal {
// The Error an accessor gives on the wrong side: code kOk, empty message.
const Error& OkError();
// Called by value() / operator* / operator-> on a Result that holds an error: writes
// "wechatpay: Result::value() on an error: <error>" to stderr and aborts. Never throws.
[[noreturn]] void ValueOnError(const Error& error);
}  // namespace internal

// Either a T or an Error. Use `if (auto r = f()) { use(*r); } else { log(r.error()); }`.
// Wrong-side access never throws: error() on a value is an Error with code kOk; value() (and *,
// ->) on an error aborts the process with the error written to stderr, as a failed assertion
// would, in every build type.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}     // NOLINT implicit
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {  // NOLINT implicit
    assert(std::get<1>(v_).code != ErrorCode::kOk);
  }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // kOk with a value, else the error's code.
  ErrorCode code() const { return ok() ? ErrorCode::kOk : std::get<1>(v_).code; }
  // The outcome without the value: an OK Status, or one holding a copy of the error.
  Status status() const&;
  Status status() &&;

  T& value() & { return *Checked(); }
  const T& value() const& { return *Checked(); }
  T&& value() && { return std::move(*Checked()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return Checked(); }
  const T* operator->() const { return Checked(); }

  const Error& error() const& { return ok() ? internal::OkError() : std::get<1>(v_); }
  Error error() && { return ok() ? internal::OkError() : std::get<1>(std::move(v_)); }

  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  T* Checked() {
    if (!ok()) internal::ValueOnError(std::get<1>(v_));
    return &std::get<0>(v_);
  }
  const T* Checked() const {
    if (!ok()) internal::ValueOnError(std::get<1>(v_));
    return &std::get<0>(v_);
  }
  std::variant<T, Error> v_;
};

// Result<void>: success, or an Error. error() of an OK Status is an Error with code kOk.
class [[nodiscard]] Status {
 public:
  Status() { error_.code = ErrorCode::kOk; }
  Status(Error error) : error_(std::move(error)), ok_(false) {  // NOLINT implicit
    assert(error_.code != ErrorCode::kOk);
  }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // kOk on success, else the error's code.
  ErrorCode code() const { return ok_ ? ErrorCode::kOk : error_.code; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

template <typename T>
Status Result<T>::status() const& {
  if (ok()) return Status();
  return Status(std::get<1>(v_));
}
template <typename T>
Status Result<T>::status() && {
  if (ok()) return Status();
  return Status(std::get<1>(std::move(v_)));
}

// Shorthand used throughout the implementation.
inline Error MakeError(ErrorCode code, std::string message) {
  return Error(code, std::move(message));
}

}  // namespace wechatpay

#endif  // WECHATPAY_RESULT_H_
