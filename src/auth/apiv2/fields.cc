// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include <algorithm>

#include "wechatpay/apiv2.h"

namespace wechatpay::apiv2 {

Fields::Fields(std::initializer_list<Entry> init) {
  entries_.reserve(init.size());
  for (const Entry& e : init) Set(e.first, e.second);
}

void Fields::Set(std::string key, std::string value) {
  for (Entry& e : entries_) {
    if (e.first == key) {
      e.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

const std::string* Fields::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.first == key) return &e.second;
  }
  return nullptr;
}

std::string Fields::Get(std::string_view key, std::string_view fallback) const {
  const std::string* v = Find(key);
  return v ? *v : std::string(fallback);
}

void Fields::Remove(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [key](const Entry& e) { return e.first == key; });
  if (it != entries_.end()) entries_.erase(it);
}

}  // namespace wechatpay::apiv2
