// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/http.h"

#include <algorithm>

#include "transport/ascii.h"

namespace wechatpay {

namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (internal::AsciiLower(a[i]) != internal::AsciiLower(b[i])) return false;
  }
  return true;
}

void Headers::Set(std::string_view name, std::string value) {
  Remove(name);
  entries_.emplace_back(std::string(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); }),
                 entries_.end());
}

const std::string* Headers::Find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (EqualsIgnoreCase(e.first, name)) return &e.second;
  }
  return nullptr;
}

Result<Headers> Headers::Parse(std::string_view text) {
  Headers out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = Trim(line);
    if (line.empty()) continue;
    if (line_no == 1 && line.rfind("HTTP/", 0) == 0) continue;  // status line
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Error(ErrorCode::kParse,
                   "header line " + std::to_string(line_no) + " is not 'Name: value'");
    }
    std::string_view name = Trim(line.substr(0, colon));
    if (name.empty()) {  // e.g. "\r: v": only a CR before the colon, trimmed away
      return Error(ErrorCode::kParse,
                   "header line " + std::to_string(line_no) + " has an empty name");
    }
    if (name.find_first_of(" \t") != std::string_view::npos) {
      return Error(ErrorCode::kParse,
                   "header line " + std::to_string(line_no) + " has a space in its name");
    }
    out.Add(std::string(name), std::string(Trim(line.substr(colon + 1))));
  }
  return out;
}

}  // namespace wechatpay
