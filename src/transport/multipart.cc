// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/multipart.h"

#include <optional>

#include "transport/ascii.h"
#include "wechatpay/crypto.h"

namespace wechatpay {

namespace {

// A header parameter value as a quoted-string, escaped the way browsers escape form field names
// and filenames (WHATWG HTML, "multipart/form-data encoding algorithm"; RFC 7578 4.2): '"' as
// %22, CR as %0D, LF as %0A, nothing else. testing::DecodeMultipart reverses exactly these three.
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

}  // namespace

std::string GuessContentType(std::string_view filename) {
  std::size_t dot = filename.rfind('.');
  std::string ext =
      dot == std::string_view::npos ? "" : internal::AsciiLowerCopy(filename.substr(dot + 1));
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

}  // namespace wechatpay
