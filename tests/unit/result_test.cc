// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Result<T> and Status: the outcome's code on both sides, status(), and wrong-side access that
// never throws (error() on success is kOk; value() on an error aborts, naming the error).
#include "wechatpay/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace wechatpay {
namespace {

Result<int> Ok() { return 7; }
Result<int> Fails() { return MakeError(ErrorCode::kParse, "bad \"amount\""); }

TEST(ResultTest, CodeAndStatusOnBothSides) {
  Result<int> ok = Ok();
  EXPECT_EQ(ok.code(), ErrorCode::kOk);
  EXPECT_TRUE(ok.status());
  EXPECT_EQ(ok.status().code(), ErrorCode::kOk);
  EXPECT_EQ(*ok, 7);

  Result<int> bad = Fails();
  EXPECT_EQ(bad.code(), ErrorCode::kParse);
  Status s = bad.status();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code(), ErrorCode::kParse);
  EXPECT_EQ(s.error().message, "bad \"amount\"");
  EXPECT_EQ(bad.error().message, "bad \"amount\"");  // status() copied, did not move
  Status moved = std::move(bad).status();
  EXPECT_EQ(moved.error().message, "bad \"amount\"");
  EXPECT_EQ(Fails().value_or(3), 3);
}

TEST(ResultTest, ErrorOfASuccessIsOkNotInternal) {
  Status ok;
  EXPECT_EQ(ok.code(), ErrorCode::kOk);
  EXPECT_EQ(ok.error().code, ErrorCode::kOk);
  EXPECT_EQ(ok.error().message, "");
  Result<std::string> r = std::string("x");
  EXPECT_EQ(r.error().code, ErrorCode::kOk);
  EXPECT_EQ(std::move(r).error().code, ErrorCode::kOk);
}

TEST(ResultTest, MoveOnlyValuesAndErrorsMoveOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
  Error e = Fails().error();
  EXPECT_EQ(e.code, ErrorCode::kParse);
}

using ResultDeathTest = ::testing::Test;

TEST_F(ResultDeathTest, ValueOfAnErrorAbortsNamingTheErrorWithoutThrowing) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        Result<int> bad = Fails();
        int v = *bad;
        (void)v;
      },
      "Result::value\\(\\) on an error: PARSE: bad \"amount\"");
  EXPECT_DEATH(
      {
        Result<std::string> bad = MakeError(ErrorCode::kNetwork, "refused");
        std::size_t n = bad->size();
        (void)n;
      },
      "NETWORK: refused");
}

TEST(EscapeControlsTest, NoEscapeSequenceSurvives) {
  EXPECT_EQ(EscapeControls("serial \x1b[31mRED\x07\n\tok"), "serial \\x1b[31mRED\\x07\\x0a\\x09ok");
  EXPECT_EQ(EscapeControls("C1 \xc2\x9b"
                           "2J DEL \x7f"),
            "C1 \\u009b2J DEL \\x7f");
  EXPECT_EQ(EscapeControls("微信支付 ok \xc2\xa0"), "微信支付 ok \xc2\xa0");  // text and NBSP kept
  std::string once = EscapeControls("\x1b]0;title\x07");
  EXPECT_EQ(EscapeControls(once), once);
}

TEST(EscapeControlsTest, ErrorsNeverCarryControlCharacters) {
  Error e(ErrorCode::kUnknownSerial, "Wechatpay-Serial \x1b[2J is unknown");
  EXPECT_EQ(e.message.find('\x1b'), std::string::npos);
  EXPECT_EQ(e.message, "Wechatpay-Serial \\x1b[2J is unknown");
  Error direct;
  direct.code = ErrorCode::kApi;
  direct.message = "bell\x07";
  direct.request_id = "id\x1b[0m";
  std::string shown = direct.ToString();
  EXPECT_EQ(shown.find('\x07'), std::string::npos);
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_NE(shown.find("\\x1b[0m"), std::string::npos);
}

}  // namespace
}  // namespace wechatpay
