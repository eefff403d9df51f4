// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/multipart.h"

#include <cctype>
#include <optional>

#include "wechatpay/crypto.h"

namespace wechatpay {

namespace {

// A header parameter value as a quoted-string, escaped the way browsers escape form field names
// and filenames (WHATWG HTML, "multipart/form-data encoding algorithm"; RFC 7578 4.2): '"' as
// %22, CR as %0D, LF as %0A, nothing else. DecodeMultipart reverses exactly these three escapes.
std::string Quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
    std::string key = Lower(Trim(header.substr(pos, eq - pos)));
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

std::string GuessContentType(std::string_view filename) {
  std::size_t dot = filename.rfind('.');
  std::string ext = dot == std::string_view::npos ? "" : Lower(filename.substr(dot + 1));
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "bmp") return "image/bmp";
  if (ext == "gif") return "image/gif";
  if (ext == "mp4") return "video/mp4";
  if (ext == "pdf") return "application/pdf";
  if (ext == "csv") return "text/csv";
  if (ext == "txt") return "text/plain";
  if (ext == "zip") return "application/zip";
  return "application/octet-stream";
}

std::string EncodeMultipart(const MultipartForm& form, std::string_view boundary) {
  std::string out;
  out.reserve(form.meta.size() + form.file.data.size() + 512);
  auto open = [&](std::string_view name) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Disposition: form-data; name=";
    out += Quoted(name);
  };
  if (!form.meta.empty()) {
    open("meta");
    out += "\r\nContent-Type: application/json\r\n\r\n";
    out += form.meta;
    out += "\r\n";
  }
  for (const auto& [name, value] : form.fields) {
    open(name);
    out += "\r\n\r\n";
    out += value;
    out += "\r\n";
  }
  const MultipartFile& f = form.file;
  std::string filename = f.filename.empty() ? f.field : f.filename;
  open(f.field);
  out += "; filename=";
  out += Quoted(filename);
  out += "\r\nContent-Type: ";
  out += f.content_type.empty() ? GuessContentType(filename) : f.content_type;
  out += "\r\n\r\n";
  out += f.data;
  out += "\r\n--";
  out += boundary;
  out += "--\r\n";
  return out;
}

Status CheckMultipartForm(const MultipartForm& form) {
  if (form.file.field.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the multipart file part has no name");
  }
  for (unsigned char c : form.file.content_type) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return Error(ErrorCode::kInvalidArgument,
                   "the multipart file part's content_type contains a control character (byte " +
                       std::to_string(c) + "); a content type is one header value, e.g. image/png");
    }
  }
  return Status();
}

std::string NewMultipartBoundary(const MultipartForm& form) {
  while (true) {
    std::string b = "----WechatPayBoundary" + crypto::RandomNonce(24);
    bool clash = form.meta.find(b) != std::string::npos ||
                 form.file.data.find(b) != std::string::npos ||
                 form.file.filename.find(b) != std::string::npos ||
                 form.file.field.find(b) != std::string::npos;
    for (const auto& [k, v] : form.fields) {
      clash = clash || k.find(b) != std::string::npos || v.find(b) != std::string::npos;
    }
    if (!clash) return b;  // 143 random bits: a clash is astronomically unlikely, but checked
  }
}

Result<std::vector<MultipartPart>> DecodeMultipart(std::string_view content_type,
                                                   std::string_view body) {
  if (Lower(Trim(content_type.substr(0, content_type.find(';')))) != "multipart/form-data") {
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
        std::string key = Lower(Trim(line.substr(0, colon)));
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

}  // namespace wechatpay
