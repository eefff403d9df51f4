// Fuzzes the multipart/form-data decoder (the sandbox reads uploads with it). Input: the
// Content-Type header line, a newline, then the body. Whatever decodes is encoded again with a
// fresh boundary and must decode to the same parts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wechatpay/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto parts = wechatpay::DecodeMultipart(in.substr(0, nl), in.substr(nl + 1));
  if (!parts) return 0;
  // Rebuild a form from parts shaped like an upload: text parts, then one file part last.
  wechatpay::MultipartForm form;
  for (size_t i = 0; i < parts->size(); ++i) {
    const wechatpay::MultipartPart& p = (*parts)[i];
    if (i + 1 == parts->size() && !p.filename.empty()) {
      form.file = {p.name, p.filename, p.content_type, p.data};
    } else if (p.name == "meta" && form.meta.empty() && form.fields.empty() && i == 0) {
      form.meta = p.data;
    } else {
      form.fields.emplace_back(p.name, p.data);
    }
  }
  if (form.file.filename.empty()) return 0;  // EncodeMultipart always writes a file part
  std::string boundary = wechatpay::NewMultipartBoundary(form);
  std::string body = wechatpay::EncodeMultipart(form, boundary);
  auto again = wechatpay::DecodeMultipart("multipart/form-data; boundary=" + boundary, body);
  if (!again) std::abort();
  if (again->size() != parts->size()) std::abort();
  for (size_t i = 0; i < parts->size(); ++i) {
    const wechatpay::MultipartPart& a = (*parts)[i];
    const wechatpay::MultipartPart& b = (*again)[i];
    if (b.data != a.data) std::abort();
    // An unquoted name with a '"' in it is written back escaped (%22): compare the others.
    if (a.name.find('"') == std::string::npos && b.name != a.name) std::abort();
    if (a.filename.find('"') == std::string::npos && b.filename != a.filename) std::abort();
  }
  return 0;
}
