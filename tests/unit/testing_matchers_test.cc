// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The gMock matchers of the test-support library (wechatpay/testing/matchers.h): what they
// accept, what they refuse, and what a failed match tells the reader.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "wechatpay/result.h"
#include "wechatpay/testing/matchers.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using wechatpay::Error;
using wechatpay::ErrorCode;
using wechatpay::Result;
using wechatpay::Status;
using wechatpay::testing::ErrorIs;
using wechatpay::testing::IsOk;

Result<int> Parsed() { return 7; }
Result<int> Refused() { return Error(ErrorCode::kParse, "body is not JSON"); }

TEST(TestingMatchersTest, IsOkAcceptsSuccessOnly) {
  EXPECT_THAT(Parsed(), IsOk());
  EXPECT_THAT(Status(), IsOk());
  EXPECT_THAT(Refused(), Not(IsOk()));
  EXPECT_THAT(Status(Error(ErrorCode::kNetwork, "down")), Not(IsOk()));
}

TEST(TestingMatchersTest, ErrorIsComparesTheCode) {
  EXPECT_THAT(Refused(), ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(Refused(), Not(ErrorIs(ErrorCode::kNetwork)));
  EXPECT_THAT(Parsed(), ErrorIs(ErrorCode::kOk));
  EXPECT_THAT(Parsed(), Not(ErrorIs(ErrorCode::kParse)));
}

TEST(TestingMatchersTest, AFailedMatchNamesTheError) {
  ::testing::StringMatchResultListener listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(IsOk(), Refused(), &listener));
  EXPECT_THAT(listener.str(), HasSubstr("body is not JSON"));
  ::testing::StringMatchResultListener ok_listener;
  EXPECT_FALSE(::testing::ExplainMatchResult(ErrorIs(ErrorCode::kParse), Parsed(), &ok_listener));
  EXPECT_EQ(ok_listener.str(), "which is OK");
  EXPECT_THAT(::testing::DescribeMatcher<Result<int>>(ErrorIs(ErrorCode::kParse)),
              HasSubstr(wechatpay::ErrorCodeName(ErrorCode::kParse)));
}

}  // namespace
