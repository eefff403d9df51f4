// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "output.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace wxpay {

using wechatpay::Error;
using wechatpay::ErrorCode;

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return kExitOk;
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kNetwork:
    case ErrorCode::kTimeout:
    case ErrorCode::kTls:
    case ErrorCode::kResponseTooLarge:
      return kExitNetwork;
    case ErrorCode::kApi:
      return kExitApi;
    case ErrorCode::kDecryption:
    case ErrorCode::kParse:
      return kExitDecryption;
    case ErrorCode::kCancelled:
    case ErrorCode::kInternal:
      return kExitFailure;
    default:
      break;
  }
  if (wechatpay::IsVerificationError(code)) return kExitVerification;
  return kExitFailure;
}

const char* VerificationCheckName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMissingHeader:
      return "header missing";
    case ErrorCode::kUnknownSerial:
      return "unknown serial";
    case ErrorCode::kInvalidCertificate:
      return "certificate not valid";
    case ErrorCode::kTimestampSkew:
      return "timestamp skew";
    case ErrorCode::kBadSignature:
      return "bad signature";
    case ErrorCode::kSignatureProbe:
      return "signature probe";
    case ErrorCode::kDigestMismatch:
      return "digest mismatch";
    default:
      return "verification";
  }
}

std::string ApiMessage(const Error& e) {
  std::string_view m = e.message;
  constexpr std::string_view kPrefix = "WeChat Pay answered HTTP ";
  if (m.rfind(kPrefix, 0) == 0) {
    size_t colon = m.find(": ");
    if (colon == std::string_view::npos) return {};
    return std::string(m.substr(colon + 2));
  }
  return std::string(m);
}

namespace {

void Line(const char* label, const std::string& value) {
  if (value.empty()) return;
  // Values come from the server (status text, code, Request-ID): never raw to the terminal.
  std::fprintf(stderr, "  %-11s %s\n", label, wechatpay::EscapeControls(value).c_str());
}

std::string Prefixed(std::string_view context, const std::string& message) {
  if (context.empty()) return message;
  return std::string(context) + ": " + message;
}

}  // namespace

int ReportError(const Error& e, std::string_view context) {
  int code = ExitCodeFor(e.code);
  std::string msg = wechatpay::EscapeControls(Prefixed(context, e.message));
  switch (code) {
    case kExitUsage:
      std::fprintf(stderr, "wxpay: error: %s\n", msg.c_str());
      break;
    case kExitNetwork: {
      const char* what = e.code == ErrorCode::kTimeout            ? "timeout"
                         : e.code == ErrorCode::kTls              ? "TLS error"
                         : e.code == ErrorCode::kResponseTooLarge ? "refused"
                                                                  : "network error";
      std::fprintf(stderr, "wxpay: %s: %s\n", what, msg.c_str());
      if (e.code == ErrorCode::kNetwork) {
        std::fprintf(stderr, "  check --base-url and that the server is reachable\n");
      }
      break;
    }
    case kExitApi:
      std::fprintf(stderr, "wxpay: the API answered an error%s%s\n", context.empty() ? "" : ": ",
                   std::string(context).c_str());
      Line("status:", e.http_status != 0 ? std::to_string(e.http_status) : std::string());
      Line("code:", e.api_code.empty() ? std::string("(none)") : e.api_code);
      Line("message:", ApiMessage(e).empty() ? e.message : ApiMessage(e));
      Line("detail:", e.detail);
      Line("Request-ID:", e.request_id.empty() ? std::string("(none)") : e.request_id);
      break;
    case kExitVerification:
      std::fprintf(stderr, "wxpay: verification failed (check: %s): %s\n",
                   VerificationCheckName(e.code), msg.c_str());
      Line("status:", e.http_status != 0 ? std::to_string(e.http_status) : std::string());
      Line("Request-ID:", e.request_id);
      std::fprintf(stderr, "  the response was not trusted and has not been printed\n");
      break;
    case kExitDecryption:
      std::fprintf(stderr, "wxpay: %s: %s\n",
                   e.code == ErrorCode::kDecryption ? "decryption failed" : "parse error",
                   msg.c_str());
      Line("Request-ID:", e.request_id);
      break;
    default:
      std::fprintf(stderr, "wxpay: %s: %s\n", wechatpay::ErrorCodeName(e.code), msg.c_str());
      break;
  }
  return code;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "wxpay: error: %s\n", message.c_str());
  return kExitUsage;
}

bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }

bool WantPretty(bool pretty_flag, bool compact_flag) {
  if (pretty_flag) return true;
  if (compact_flag) return false;
  return StdoutIsTerminal();
}

void WriteStdout(std::string_view data) {
  std::fwrite(data.data(), 1, data.size(), stdout);
  std::fflush(stdout);
}

wechatpay::Result<std::string> ReadFileBytes(const std::string& path, std::string_view what) {
  if (path == "-") {
    std::string s((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return s;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": cannot open " + path + " (" + std::strerror(errno) + ")");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

wechatpay::Status WriteFileBytes(const std::string& path, std::string_view data,
                                 std::string_view what) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": cannot create directory " +
                                                  p.parent_path().string() + " (" + ec.message() +
                                                  ")");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": cannot write " + path + " (" + std::strerror(errno) + ")");
  }
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": writing " + path + " failed");
  }
  return {};
}

wechatpay::Result<std::pair<std::string, std::string>> SplitKeyValue(std::string_view text,
                                                                     std::string_view flag) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    std::string shown(text.substr(0, std::min<size_t>(text.size(), 40)));
    return Error(ErrorCode::kInvalidArgument, std::string(flag) + " expects KEY=VALUE, got '" +
                                                  shown + "'" +
                                                  (eq == 0 ? " (empty KEY)" : " (no '=')"));
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

std::string Ellipsize(const std::string& text, size_t max) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (count == max) return text.substr(0, i) + "…";
      ++count;
    }
  }
  return text;
}

}  // namespace wxpay
