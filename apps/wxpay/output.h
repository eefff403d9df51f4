// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay output: exit codes, error reports on stderr, JSON on stdout (pretty on a terminal,
// compact otherwise), file helpers.
#ifndef WXPAY_OUTPUT_H_
#define WXPAY_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wechatpay/result.h"

namespace wxpay {

// Exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;       // internal error, or a demo step without an error code
inline constexpr int kExitUsage = 2;         // bad usage or invalid input
inline constexpr int kExitNetwork = 3;       // network, timeout, TLS
inline constexpr int kExitApi = 4;           // the API answered an error
inline constexpr int kExitVerification = 5;  // a signature / digest check failed
inline constexpr int kExitDecryption = 6;    // decryption or parse failure

int ExitCodeFor(wechatpay::ErrorCode code);

// The check a verification error code stands for: "header missing", "unknown serial", ...
const char* VerificationCheckName(wechatpay::ErrorCode code);

// The WeChat message of an API error, without the SDK's "WeChat Pay answered HTTP …" prefix.
std::string ApiMessage(const wechatpay::Error& e);

// Prints `e` on stderr for a human (status/code/message/Request-ID for API errors, the failed
// check for verification errors) and returns the exit code for it. `context` (e.g. "--json")
// prefixes the message when given.
int ReportError(const wechatpay::Error& e, std::string_view context = {});

// Prints "wxpay: error: MESSAGE" on stderr and returns kExitUsage.
int UsageError(const std::string& message);

bool StdoutIsTerminal();

// Serializes without throwing (invalid UTF-8 is replaced), non-ASCII kept as is.
template <typename Json>
std::string DumpJson(const Json& j, bool pretty) {
  return j.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
}

// Whether JSON goes out pretty: --pretty / --compact, else a terminal on stdout.
bool WantPretty(bool pretty_flag, bool compact_flag);

// Writes `data` to stdout exactly (binary safe).
void WriteStdout(std::string_view data);

// Reads a whole file ("-" is stdin). kInvalidArgument naming `what` (a flag) on failure.
wechatpay::Result<std::string> ReadFileBytes(const std::string& path, std::string_view what);
// Writes a file (creating parent directories), mode 0644.
wechatpay::Status WriteFileBytes(const std::string& path, std::string_view data,
                                 std::string_view what);

// "KEY=VALUE" -> pair; kInvalidArgument naming the flag when there is no '=' or no key.
wechatpay::Result<std::pair<std::string, std::string>> SplitKeyValue(std::string_view text,
                                                                     std::string_view flag);

// Shortens a one-line text to `max` characters (UTF-8 aware) with an ellipsis.
std::string Ellipsize(const std::string& text, size_t max);

}  // namespace wxpay

#endif  // WXPAY_OUTPUT_H_
