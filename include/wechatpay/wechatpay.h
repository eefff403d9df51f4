// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Umbrella header: everything a user of the SDK needs.
#ifndef WECHATPAY_WECHATPAY_H_
#define WECHATPAY_WECHATPAY_H_

#include "wechatpay/apiv2.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/crypto.h"
#include "wechatpay/curl_transport.h"
#include "wechatpay/loaders.h"
#include "wechatpay/future.h"
#include "wechatpay/http.h"
#include "wechatpay/result.h"
#include "wechatpay/url.h"
#include "wechatpay/version.h"

// The endpoint catalog and request validation (<wechatpay/catalog.h>, <wechatpay/validation.h>)
// and the typed models (<wechatpay/models/…>) are included separately: they bring in
// nlohmann/json and are only needed by code that uses them.

#endif  // WECHATPAY_WECHATPAY_H_
