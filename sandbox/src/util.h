// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Small helpers of the sandbox: JSON without exceptions, time formats, URL pieces, ids, files.
#ifndef WECHATPAY_SANDBOX_SRC_UTIL_H_
#define WECHATPAY_SANDBOX_SRC_UTIL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay::sandbox {

using Json = nlohmann::ordered_json;

// Serializes without throwing (invalid UTF-8 is replaced by U+FFFD).
std::string DumpJson(const Json& j, int indent = -1);
// Parses a JSON document; nullopt for malformed text, invalid UTF-8 or nesting deeper than
// `max_depth` (checked before parsing so that hostile input cannot exhaust the stack).
std::optional<Json> ParseJson(std::string_view text, int max_depth = 64);
// The string member `name` of `obj`; empty when `obj` is not an object or the member is absent
// or not a string.
std::string Str(const Json& obj, const char* name);
bool IsValidUtf8(std::string_view s);
// Code points in valid UTF-8 text.
size_t Utf8Length(std::string_view s);

// "2018-06-08T10:34:56+08:00" (WeChat Pay writes Beijing time).
std::string FormatRfc3339(int64_t unix_seconds);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)"; returns unix seconds.
std::optional<int64_t> ParseRfc3339(std::string_view text);
// "20180608103456" (APIv2 time format), Beijing time.
std::string FormatCompactTime(int64_t unix_seconds);
int64_t NowMillis();

// URL pieces. The query is kept raw in `target`; these decode it for the handlers.
std::pair<std::string, std::string> SplitTarget(std::string_view target);  // path, raw query
std::string PercentDecode(std::string_view s, bool plus_is_space);
using QueryList = std::vector<std::pair<std::string, std::string>>;
QueryList ParseQuery(std::string_view raw_query);
const std::string* FindQuery(const QueryList& q, std::string_view name);

// [0-9] random digits (first one non-zero).
std::string RandomDigits(size_t n);
// Upper-case hex of `bytes` random bytes.
std::string RandomHex(size_t bytes);

// Files.
Result<std::string> ReadFile(const std::string& path);
bool FileExists(const std::string& path);
// Writes via a temporary file in the same directory, fsync and rename: readers see the old or the
// new content, never a mix. `mode` is applied to the new file.
Status WriteFileAtomic(const std::string& path, std::string_view content, unsigned mode = 0600);
// Creates `path` with `content` only when it does not exist yet (never overwrites).
Status CreateFileExclusive(const std::string& path, std::string_view content, unsigned mode);
std::string JoinPath(const std::string& dir, const std::string& name);
std::string AbsolutePath(const std::string& path);

// Ascii helpers.
bool StartsWith(std::string_view s, std::string_view prefix);
bool IsDigits(std::string_view s);
std::string ToLowerAscii(std::string_view s);

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_UTIL_H_
