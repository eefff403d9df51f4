// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Umbrella header: everything a user of the SDK needs.
#ifndef WECHATPAY_WECHATPAY_H_
#define WECHATPAY_WECHATPAY_H_

#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"
#include "wechatpay/version.h"

#endif  // WECHATPAY_WECHATPAY_H_
