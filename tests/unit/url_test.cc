// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wechatpay {
namespace {

using ::testing::HasSubstr;

TEST(Url, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(url::PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url::PercentEncode(" /?#&=+%"), "%20%2F%3F%23%26%3D%2B%25");
  EXPECT_EQ(url::PercentEncode("商家"), "%E5%95%86%E5%AE%B6");
  EXPECT_EQ(url::PercentEncode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(Url, PercentDecode) {
  EXPECT_EQ(*url::PercentDecode("%E5%95%86a+b"), "商a+b");
  EXPECT_EQ(*url::PercentDecode("a+b", true), "a b");
  for (const char* bad : {"%", "%2", "%zz", "abc%4"}) {
    EXPECT_FALSE(url::PercentDecode(bad)) << bad;
  }
}

TEST(Url, QueryRoundTrip) {
  QueryParams q = {{"a", "1"}, {"b c", "x&y"}, {"empty", ""}, {"中", "文"}};
  std::string encoded = url::EncodeQuery(q);
  EXPECT_EQ(encoded, "a=1&b%20c=x%26y&empty=&%E4%B8%AD=%E6%96%87");
  auto back = url::ParseQuery(encoded);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, q);
  EXPECT_EQ(url::EncodeQuery({}), "");
  EXPECT_TRUE(url::ParseQuery("&&a=1&")->size() == 1);
  EXPECT_FALSE(url::ParseQuery("a=%G1"));
}

TEST(Url, BindPath) {
  EXPECT_EQ(*url::BindPath("v3/a/{x}/b/{y}", {{"x", "1/2"}, {"y", "Q"}}), "v3/a/1%2F2/b/Q");
  EXPECT_EQ(*url::BindPath("v3/plain", {}), "v3/plain");
  auto missing = url::BindPath("v3/{x}", {});
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("'x'"));
  EXPECT_FALSE(url::BindPath("v3/{x}", {{"x", ""}}));
  EXPECT_FALSE(url::BindPath("v3/{x", {{"x", "1"}}));
  EXPECT_FALSE(url::BindPath("v3/x}", {}));
  auto extra = url::BindPath("v3/{x}", {{"x", "1"}, {"y", "2"}});
  ASSERT_FALSE(extra);
  EXPECT_THAT(extra.error().message, HasSubstr("'y'"));
}

}  // namespace
}  // namespace wechatpay
