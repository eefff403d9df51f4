// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The multipart codec's agreement between encoder and decoder (wechatpay/multipart.h): names and
// filenames escaped the browser way (%22, %0D, %0A) come back unchanged, and the decoder refuses
// bare CR, LF and NUL in part headers instead of passing them on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "wechatpay/multipart.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::DecodeMultipart;
using wechatpay::testing::MultipartPart;

namespace wechatpay {
namespace {

using ::testing::HasSubstr;

Result<std::vector<MultipartPart>> RoundTrip(const MultipartForm& form) {
  std::string boundary = NewMultipartBoundary(form);
  return DecodeMultipart("multipart/form-data; boundary=" + boundary,
                         EncodeMultipart(form, boundary));
}

TEST(MultipartHardeningTest, LineBreaksAndQuotesInNamesRoundTrip) {
  MultipartForm form;
  form.fields = {{"line\r\nbreak", "1"}, {"say \"hi\"", "2"}, {"cr\ronly", "3"}};
  form.file = {"fi\nle", "a\"b\r\nc.png", "", "DATA"};
  std::string boundary = NewMultipartBoundary(form);
  std::string body = EncodeMultipart(form, boundary);
  // Written the WHATWG way: no bare CR or LF inside a header, no raw quote inside a name.
  EXPECT_THAT(body, HasSubstr("name=\"line%0D%0Abreak\""));
  EXPECT_THAT(body, HasSubstr("name=\"say %22hi%22\""));
  EXPECT_THAT(body, HasSubstr("filename=\"a%22b%0D%0Ac.png\""));
  auto parts = DecodeMultipart("multipart/form-data; boundary=" + boundary, body);
  ASSERT_TRUE(parts) << parts.error().ToString();
  ASSERT_EQ(parts->size(), 4u);
  EXPECT_EQ((*parts)[0].name, "line\r\nbreak");
  EXPECT_EQ((*parts)[1].name, "say \"hi\"");
  EXPECT_EQ((*parts)[2].name, "cr\ronly");
  EXPECT_EQ((*parts)[3].name, "fi\nle");
  EXPECT_EQ((*parts)[3].filename, "a\"b\r\nc.png");
  EXPECT_EQ((*parts)[3].data, "DATA");
}

TEST(MultipartHardeningTest, OnlyTheThreeEscapesAreDecoded) {
  std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"100%\"\r\n\r\nx\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"a%25b%0d%41\"\r\n\r\ny\r\n"
      "--B\r\nContent-Disposition: form-data; name=unquoted%22; filename=\"%0A%2\"\r\n\r\nz\r\n"
      "--B--\r\n";
  auto parts = DecodeMultipart("multipart/form-data; boundary=B", body);
  ASSERT_TRUE(parts) << parts.error().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "100%");
  EXPECT_EQ((*parts)[1].name, "a%25b%0d%41");  // lower case and other codes are kept as sent
  EXPECT_EQ((*parts)[2].name, "unquoted\"");
  EXPECT_EQ((*parts)[2].filename, "\n%2");
  // Whatever decodes encodes and decodes to itself.
  MultipartForm form;
  form.fields = {{(*parts)[0].name, "x"}, {(*parts)[1].name, "y"}};
  form.file = {(*parts)[2].name, (*parts)[2].filename, "text/plain", "z"};
  auto again = RoundTrip(form);
  ASSERT_TRUE(again) << again.error().ToString();
  ASSERT_EQ(again->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*again)[i].name, (*parts)[i].name);
    EXPECT_EQ((*again)[i].filename, (*parts)[i].filename);
  }
}

TEST(MultipartHardeningTest, BareCrLfNulInPartHeadersAreParseErrors) {
  const std::string cases[] = {
      "name=\"a\rb\"",
      "name=\"a\nb\"",
      std::string("name=\"a\0b\"", 10),
      "name=\"x\"; filename=\"a\rb.png\"",
      "name=x\rfoo",
      "name=\"x\"; other=\"\n\"",
  };
  for (const std::string& disposition : cases) {
    std::string body =
        "--B\r\nContent-Disposition: form-data; " + disposition + "\r\n\r\ndata\r\n--B--\r\n";
    auto parts = DecodeMultipart("multipart/form-data; boundary=B", body);
    ASSERT_FALSE(parts) << "accepted: " << disposition;
    EXPECT_EQ(parts.error().code, ErrorCode::kParse);
    EXPECT_THAT(parts.error().message, HasSubstr("bare CR, LF or NUL"));
  }
  std::string bad_type =
      "--B\r\nContent-Disposition: form-data; name=\"x\"\r\n"
      "Content-Type: text/plain\rX-Injected: 1\r\n\r\ndata\r\n--B--\r\n";
  auto parts = DecodeMultipart("multipart/form-data; boundary=B", bad_type);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, ErrorCode::kParse);
  auto boundary = DecodeMultipart("multipart/form-data; boundary=\"B\nC\"", "--B\nC--");
  ASSERT_FALSE(boundary);
  EXPECT_THAT(boundary.error().message, HasSubstr("bare CR, LF or NUL"));
}

TEST(MultipartHardeningTest, ANulInANameIsRefusedAfterEncoding) {
  MultipartForm form;
  form.file = {"file", std::string("a\0b.png", 7), "", "DATA"};
  auto parts = RoundTrip(form);
  ASSERT_FALSE(parts);
  EXPECT_EQ(parts.error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace wechatpay
