// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The string formats request validation checks: date, RFC 3339 date-time and http(s) URL.

#include <cstddef>
#include <string_view>

#include "api/catalog/catalog_internal.h"

namespace wechatpay::internal {
namespace {

bool IsDigits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int Num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

// YYYY-MM-DD with a real day of a real month.
bool IsFullDate(std::string_view s) {
  if (s.size() != 10 || !IsDigits(s, 0, 4) || s[4] != '-' || !IsDigits(s, 5, 2) || s[7] != '-' ||
      !IsDigits(s, 8, 2)) {
    return false;
  }
  int y = Num(s, 0, 4);
  int m = Num(s, 5, 2);
  int d = Num(s, 8, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// RFC 3339 date-time: 2018-06-08T10:34:56+08:00, with optional fraction; the offset is required
// (Z or +hh:mm / -hh:mm); second 60 (a leap second) is accepted.
bool IsRfc3339(std::string_view s) {
  if (s.size() < 20 || !IsFullDate(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  if (!IsDigits(s, 11, 2) || s[13] != ':' || !IsDigits(s, 14, 2) || s[16] != ':' ||
      !IsDigits(s, 17, 2)) {
    return false;
  }
  if (Num(s, 11, 2) > 23 || Num(s, 14, 2) > 59 || Num(s, 17, 2) > 60) return false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    if (j == i + 1) return false;
    i = j;
  }
  std::string_view zone = s.substr(i);
  if (zone == "Z" || zone == "z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && IsDigits(zone, 1, 2) &&
         zone[3] == ':' && IsDigits(zone, 4, 2) && Num(zone, 1, 2) <= 23 && Num(zone, 4, 2) <= 59;
}

// An absolute http(s) URL with a host and no whitespace or control characters.
bool IsHttpUrl(std::string_view s) {
  std::size_t scheme_end = s.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = s.substr(0, scheme_end);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
    return false;
  }
  std::string_view rest = s.substr(scheme_end + 3);
  std::size_t host_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, host_end);
  std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (authority.empty() || authority[0] == ':') return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace wechatpay::internal
