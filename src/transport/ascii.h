// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// ASCII case helpers for protocol text (header names, methods, paths, hex digests, MIME types),
// shared by every layer from the transport up; locale-independent, other bytes kept as they are.
// The public case-insensitive comparison is wechatpay::EqualsIgnoreCase (wechatpay/http.h).
#ifndef WECHATPAY_SRC_TRANSPORT_ASCII_H_
#define WECHATPAY_SRC_TRANSPORT_ASCII_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "wechatpay/http.h"

namespace wechatpay::internal {

using ::wechatpay::EqualsIgnoreCase;

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char AsciiUpper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}
inline std::string AsciiUpperCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiUpper(c);
  return out;
}

inline bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_TRANSPORT_ASCII_H_
