// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// multipart/form-data uploads (media, images, invoices). WeChat Pay signs such a request over
// the `meta` part's JSON text only, not over the multipart body; set CallOptions::multipart and
// the client signs the meta text and sends a multipart body with a random boundary:
//
//   std::string png = ReadFile("logo.png");
//   wechatpay::CallOptions o;
//   auto form = std::make_shared<wechatpay::MultipartForm>();
//   form->meta = R"({"filename":"logo.png","sha256":")" +
//                wechatpay::crypto::HexEncode(wechatpay::crypto::Sha256(png)) + R"("})";
//   form->file = {"file", "logo.png", "image/png", png};
//   o.multipart = form;
//   auto r = client.chain("v3/merchant/media/upload").post(o);  // {"media_id": "..."}
#ifndef WECHATPAY_MULTIPART_H_
#define WECHATPAY_MULTIPART_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay {

// The file part of an upload.
struct MultipartFile {
  std::string field = "file";  // the form field name ("file", "media", "submission_file", ...)
  std::string filename;        // sent in Content-Disposition; empty: the field name
  std::string content_type;    // empty: guessed from the filename's extension
  std::string data;            // the file's bytes
};

// An upload's parts. APIv3: `meta` is the JSON text of the `meta` part and exactly what the
// request signature covers (encrypt_fields "meta~a.b" encrypt inside it first). APIv2
// (v2/secapi/mch/uploadmedia): `meta` is unused; the text fields are CallOptions::xml, signed
// as any APIv2 request, and sent as form fields next to the file.
struct MultipartForm {
  std::string meta;
  // Further text parts, in order, after `meta` (e.g. item_id, manage_record_id).
  std::vector<std::pair<std::string, std::string>> fields;
  MultipartFile file;
};

// The body of `form` with `boundary`: the meta part (application/json) when `meta` is not empty,
// the text fields, then the file part. The boundary must not occur in any part (NewBoundary
// gives one that does not).
//
// Names and filenames are written as quoted strings escaped the way browsers escape them (WHATWG
// HTML, RFC 7578 4.2): '"' as %22, CR as %0D, LF as %0A, nothing else (no %25: a server sees what
// a browser would send). The decoder (testing::DecodeMultipart, <wechatpay/testing/server.h>)
// turns exactly these three sequences back, so decoding what this wrote gives every name and
// filename back unchanged unless it contains the text %22, %0D or %0A (read back as '"', CR, LF,
// the ambiguity every browser form has) or a NUL (refused by the decoder). Whatever the decoder
// returns encodes and decodes to itself.
std::string EncodeMultipart(const MultipartForm& form, std::string_view boundary);
// What a form must satisfy before EncodeMultipart: the file part has a field name, and its
// content_type (written as the part's header value, unescaped) holds no control character
// (CR, LF, NUL, any byte below 0x20 except tab, or DEL), which would start a header or part of
// the caller's making. kInvalidArgument naming the problem; the client checks every upload.
Status CheckMultipartForm(const MultipartForm& form);
// A random boundary (CSPRNG) occurring in none of the form's parts.
std::string NewMultipartBoundary(const MultipartForm& form);
// "image/jpeg" for x.jpg/x.jpeg, image/png, image/bmp, image/gif, video/mp4, application/pdf,
// text/csv, text/plain (txt), application/zip; otherwise application/octet-stream.
std::string GuessContentType(std::string_view filename);

}  // namespace wechatpay

#endif  // WECHATPAY_MULTIPART_H_
