// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#ifndef WECHATPAY_VERSION_H_
#define WECHATPAY_VERSION_H_

#define WECHATPAY_VERSION_MAJOR 0
#define WECHATPAY_VERSION_MINOR 1
#define WECHATPAY_VERSION_PATCH 0
#define WECHATPAY_VERSION_STRING "0.1.0"

namespace wechatpay {
// The library's version as built (may differ from the header's if linked against another build).
const char* Version();
}  // namespace wechatpay

#endif  // WECHATPAY_VERSION_H_
