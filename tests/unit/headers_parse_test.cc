// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Headers::Parse on raw header text (found by tests/fuzz/headers_fuzz.cc).
#include <gtest/gtest.h>

#include <string>

#include "wechatpay/http.h"

namespace wechatpay {
namespace {

TEST(HeadersParseTest, ANameThatIsOnlyACarriageReturnIsRefused) {
  // "\r: " used to parse as a header with an empty name, which written back does not parse.
  auto h = Headers::Parse(std::string("\r: \n", 4));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, ErrorCode::kParse);
  EXPECT_FALSE(Headers::Parse("A: 1\r\n \t: 2\r\n"));
}

TEST(HeadersParseTest, WrittenBackHeadersParseToTheSameList) {
  auto h = Headers::Parse("HTTP/1.1 200 OK\r\nX-A:\r\n  X-B :\tv w\t\r\nX-C: a:b\n\nx-a: 2\n");
  ASSERT_TRUE(h) << h.error().ToString();
  std::string text = "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : *h) text += name + ": " + value + "\r\n";
  auto again = Headers::Parse(text);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->entries(), h->entries());
  ASSERT_EQ(h->size(), 4u);
  EXPECT_EQ(h->Get("X-B"), "v w");
  EXPECT_EQ(h->Get("X-A"), "");
}

}  // namespace
}  // namespace wechatpay
