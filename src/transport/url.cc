// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/url.h"

namespace wechatpay::url {

namespace {
bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentEncode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3 / 2 + 4);
  AppendPercentEncoded(out, s);
  return out;
}

void AppendPercentEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

Result<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return Error(ErrorCode::kParse, "truncated percent-escape");
      }
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return Error(ErrorCode::kParse, "invalid percent-escape");
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EncodeQuery(const QueryParams& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out.push_back('&');
    out += PercentEncode(k);
    out.push_back('=');
    out += PercentEncode(v);
  }
  return out;
}

Result<QueryParams> ParseQuery(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto k = PercentDecode(pair.substr(0, eq), true);
    auto v = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                           true);
    if (!k || !v) return Error(ErrorCode::kParse, "malformed query string");
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

Result<std::string> BindPath(std::string_view path_template, const PathParams& params) {
  std::string out;
  out.reserve(path_template.size() + 32);
  size_t used = 0;
  size_t i = 0;
  while (i < path_template.size()) {
    char c = path_template[i];
    if (c != '{') {
      if (c == '}') {
        return Error(ErrorCode::kInvalidArgument,
                     "unbalanced '}' in URL template '" + std::string(path_template) + "'");
      }
      out.push_back(c);
      ++i;
      continue;
    }
    size_t close = path_template.find('}', i);
    if (close == std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "unterminated '{' in URL template '" + std::string(path_template) + "'");
    }
    std::string_view name = path_template.substr(i + 1, close - i - 1);
    auto it = params.find(name);
    if (it == params.end() || it->second.empty()) {
      return Error(ErrorCode::kInvalidArgument, "path parameter '" + std::string(name) + "' of '" +
                                                    std::string(path_template) +
                                                    "' has no value; pass it in CallOptions::path");
    }
    out += PercentEncode(it->second);
    ++used;
    i = close + 1;
  }
  if (used < params.size()) {
    for (const auto& [k, v] : params) {
      std::string ph = "{" + k + "}";
      if (path_template.find(ph) == std::string_view::npos) {
        return Error(ErrorCode::kInvalidArgument, "path parameter '" + k +
                                                      "' names no {placeholder} in '" +
                                                      std::string(path_template) + "'");
      }
    }
  }
  return out;
}

}  // namespace wechatpay::url
