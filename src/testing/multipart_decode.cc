// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support: the multipart/form-data decoder (testing/server.h), the reverse of the payment
// library's EncodeMultipart (src/transport/multipart.cc), for the sandbox and tests.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/ascii.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::testing {

namespace {

// The inverse of Quoted's escapes: %22, %0D and %0A (upper case, as written) become '"', CR and
// LF; every other '%' is kept. The result never contains those three sequences, so decoding what
// EncodeMultipart wrote from a decoded name gives that name back.
std::string Unescape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      std::string_view code = v.substr(i + 1, 2);
      char c = code == "22" ? '"' : code == "0D" ? '\r' : code == "0A" ? '\n' : '\0';
      if (c != '\0') {
        out.push_back(c);
        i += 2;
        continue;
      }
    }
    out.push_back(v[i]);
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a header value like `form-data; name="meta"`, or nullopt when
// absent. A quoted value runs to its closing quote, so it may contain ';' (a file called
// "a;b.png").
std::optional<std::string> Param(std::string_view header, std::string_view name) {
  std::size_t pos = header.find(';');
  while (pos != std::string_view::npos && pos < header.size()) {
    ++pos;  // past ';'
    std::size_t eq = header.find('=', pos);
    if (eq == std::string_view::npos) break;
    std::string key = internal::AsciiLowerCopy(Trim(header.substr(pos, eq - pos)));
    std::size_t v = eq + 1;
    while (v < header.size() && (header[v] == ' ' || header[v] == '\t')) ++v;
    std::string_view value;
    std::size_t next;
    if (v < header.size() && header[v] == '"') {
      std::size_t close = header.find('"', v + 1);
      if (close == std::string_view::npos) return std::nullopt;  // unterminated: no value
      value = header.substr(v + 1, close - v - 1);
      next = header.find(';', close + 1);
    } else {
      next = header.find(';', v);
      value = Trim(header.substr(v, next == std::string_view::npos ? next : next - v));
    }
    if (key == name) return std::string(value);
    pos = next;
  }
  return std::nullopt;
}

// A CR, LF or NUL in a header value: part headers end at CRLF, so such a byte can only be bare
// (never written by a sender, which escapes line breaks in names as %0D and %0A).
bool HasBareControl(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

Error ParseError(const std::string& what) {
  return Error(ErrorCode::kParse, "multipart body: " + what);
}

}  // namespace

Result<std::vector<MultipartPart>> DecodeMultipart(std::string_view content_type,
                                                   std::string_view body) {
  if (internal::AsciiLowerCopy(Trim(content_type.substr(0, content_type.find(';')))) !=
      "multipart/form-data") {
    return ParseError("the Content-Type is not multipart/form-data");
  }
  if (HasBareControl(content_type)) {
    return ParseError("the Content-Type holds a bare CR, LF or NUL");
  }
  std::string boundary = Param(content_type, "boundary").value_or(std::string());
  if (boundary.empty()) return ParseError("the Content-Type names no boundary");
  const std::string delim = "--" + boundary;
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return ParseError("no part delimiter");
  std::vector<MultipartPart> parts;
  while (true) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return ParseError("a delimiter is not followed by CRLF");
    pos += 2;
    std::size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return ParseError("a part has no end of headers");
    MultipartPart part;
    std::string_view head = body.substr(pos, head_end - pos);
    std::size_t line_start = 0;
    while (line_start <= head.size()) {
      std::size_t eol = head.find("\r\n", line_start);
      std::string_view line =
          head.substr(line_start, eol == std::string_view::npos ? eol : eol - line_start);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string key = internal::AsciiLowerCopy(Trim(line.substr(0, colon)));
        std::string_view value = Trim(line.substr(colon + 1));
        if (key == "content-disposition") {
          // Quoted parameters included: a name or filename carries a line break as %0D/%0A.
          if (HasBareControl(value)) {
            return ParseError("a part's Content-Disposition holds a bare CR, LF or NUL");
          }
          part.name = Unescape(Param(value, "name").value_or(std::string()));
          part.filename = Unescape(Param(value, "filename").value_or(std::string()));
        } else if (key == "content-type") {
          if (HasBareControl(value)) {
            return ParseError("a part's Content-Type holds a bare CR, LF or NUL");
          }
          part.content_type = std::string(value);
        }
      }
      if (eol == std::string_view::npos) break;
      line_start = eol + 2;
    }
    if (part.name.empty()) return ParseError("a part has no name");
    std::size_t data_start = head_end + 4;
    std::size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return ParseError("the closing delimiter is missing");
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace wechatpay::testing
