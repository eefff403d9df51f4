// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Test support: gMock matchers for Result<T> and Status (header-only; needs GoogleTest).
//
//   EXPECT_THAT(client.chain("v3/pay/transactions/native").post(o), wechatpay::testing::IsOk());
//   EXPECT_THAT(r, wechatpay::testing::ErrorIs(wechatpay::ErrorCode::kBadSignature));
//
// A failed match prints the error's code and message.
#ifndef WECHATPAY_TESTING_MATCHERS_H_
#define WECHATPAY_TESTING_MATCHERS_H_

#include <gmock/gmock.h>

#include "wechatpay/result.h"

namespace wechatpay::testing {

// Matches a Result<T> or Status that holds no error.
MATCHER(IsOk, negation ? "is an error" : "is OK") {
  if (arg.ok()) return true;
  *result_listener << "which is " << arg.error().ToString();
  return false;
}

// Matches a Result<T> or Status whose code is `code` (kOk matches success).
MATCHER_P(ErrorIs, code,
          std::string(negation ? "is not " : "is ") + ::wechatpay::ErrorCodeName(code)) {
  if (arg.code() == code) return true;
  if (arg.ok()) {
    *result_listener << "which is OK";
  } else {
    *result_listener << "which is " << arg.error().ToString();
  }
  return false;
}

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTING_MATCHERS_H_
