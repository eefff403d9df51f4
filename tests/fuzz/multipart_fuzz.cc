// Fuzzes the multipart/form-data codec (the sandbox reads uploads with the decoder, the client
// writes them with the encoder). Two properties, both on every input:
//  1. decode -> encode -> decode is the identity. The input is read as the Content-Type header
//     line, a newline, then the body; whatever decodes, in a shape the encoder can write (text
//     parts, then one file part last), is encoded again with a fresh boundary and must decode to
//     the same parts (names, filenames, data, the file's content type).
//  2. encode -> decode is the identity, as documented in wechatpay/multipart.h: the input split
//     at '|' gives a text field's name, a filename, the file field's name and the file's data;
//     names come back unchanged, except that the text %22, %0D and %0A reads back as '"', CR
//     and LF, and a name holding a NUL is refused (kParse).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "wechatpay/multipart.h"
#include "wechatpay/testing/server.h"

namespace {

using wechatpay::fuzz::Fail;

void DecodeEncodeDecode(std::string_view in) {
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return;
  auto parts = wechatpay::testing::DecodeMultipart(in.substr(0, nl), in.substr(nl + 1));
  if (!parts) {
    if (parts.error().code != wechatpay::ErrorCode::kParse) Fail("decode error code");
    return;
  }
  if (parts->empty() || parts->back().filename.empty()) return;  // the encoder writes a file
  wechatpay::MultipartForm form;
  for (size_t i = 0; i + 1 < parts->size(); ++i) {
    const wechatpay::testing::MultipartPart& p = (*parts)[i];
    if (!p.filename.empty()) return;  // only the last part can be a file
    if (i == 0 && p.name == "meta" && !p.data.empty()) {
      form.meta = p.data;
    } else {
      form.fields.emplace_back(p.name, p.data);
    }
  }
  const wechatpay::testing::MultipartPart& last = parts->back();
  form.file = {last.name, last.filename, last.content_type, last.data};
  std::string boundary = wechatpay::NewMultipartBoundary(form);
  std::string body = wechatpay::EncodeMultipart(form, boundary);
  auto again =
      wechatpay::testing::DecodeMultipart("multipart/form-data; boundary=" + boundary, body);
  if (!again) Fail("an encoded form does not decode", again.error().message);
  if (again->size() != parts->size()) Fail("an encoded form decodes to another number of parts");
  for (size_t i = 0; i < parts->size(); ++i) {
    const wechatpay::testing::MultipartPart& a = (*parts)[i];
    const wechatpay::testing::MultipartPart& b = (*again)[i];
    if (b.data != a.data) Fail("a part's data changed", a.name);
    if (b.name != a.name) Fail("a part's name changed", a.name + " -> " + b.name);
    if (b.filename != a.filename) Fail("a filename changed", a.filename + " -> " + b.filename);
  }
  if (!last.content_type.empty() && again->back().content_type != last.content_type) {
    Fail("the file's content type changed", last.content_type);
  }
}

// What the decoder gives back for a name the encoder wrote (see wechatpay/multipart.h).
std::string Expected(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    std::string_view code = i + 2 < name.size() ? name.substr(i + 1, 2) : std::string_view();
    if (name[i] == '%' && (code == "22" || code == "0D" || code == "0A")) {
      out.push_back(code == "22" ? '"' : code == "0D" ? '\r' : '\n');
      i += 2;
    } else {
      out.push_back(name[i]);
    }
  }
  return out;
}

void EncodeDecode(std::string_view in) {
  std::vector<std::string> piece;
  while (piece.size() < 3) {
    size_t bar = in.find('|');
    if (bar == std::string_view::npos) break;
    piece.emplace_back(in.substr(0, bar));
    in.remove_prefix(bar + 1);
  }
  piece.resize(3);
  wechatpay::MultipartForm form;
  form.meta = R"({"filename":"x"})";
  form.fields = {{piece[0].empty() ? "field" : piece[0], "value"}};
  form.file = {piece[2].empty() ? "file" : piece[2], piece[1].empty() ? "a.bin" : piece[1], "",
               std::string(in)};
  std::string boundary = wechatpay::NewMultipartBoundary(form);
  auto parts =
      wechatpay::testing::DecodeMultipart("multipart/form-data; boundary=\"" + boundary + "\"",
                                          wechatpay::EncodeMultipart(form, boundary));
  bool nul = false;
  for (const std::string* s : {&form.fields[0].first, &form.file.field, &form.file.filename}) {
    nul = nul || s->find('\0') != std::string::npos;
  }
  if (nul) {
    if (parts || parts.error().code != wechatpay::ErrorCode::kParse) {
      Fail("a name with a NUL was not refused with kParse");
    }
    return;
  }
  if (!parts) Fail("an encoded form does not decode", parts.error().message);
  if (parts->size() != 3) Fail("an encoded form decodes to another number of parts");
  const auto& p = *parts;
  if (p[0].name != "meta" || p[0].data != form.meta) Fail("the meta part changed");
  if (p[1].name != Expected(form.fields[0].first) || p[1].data != "value") {
    Fail("a field name did not round-trip", form.fields[0].first);
  }
  if (p[2].name != Expected(form.file.field)) Fail("a file field name", form.file.field);
  if (p[2].filename != Expected(form.file.filename)) Fail("a filename", form.file.filename);
  if (p[2].data != form.file.data) Fail("the file's data changed");
  if (p[2].content_type != wechatpay::GuessContentType(form.file.filename)) {
    Fail("the file's content type", p[2].content_type);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  DecodeEncodeDecode(in);
  EncodeDecode(in);
  return 0;
}
