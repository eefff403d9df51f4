// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// libcurl's global initialisation for the SDK's transport.
#ifndef WECHATPAY_SRC_TRANSPORT_CURL_MEMORY_H_
#define WECHATPAY_SRC_TRANSPORT_CURL_MEMORY_H_

namespace wechatpay::internal {

// curl_global_init, with (on glibc) allocation functions that wipe a block before freeing or
// moving it, so libcurl's copies of URLs and small POST bodies do not outlive a transfer. Call
// once, before any other libcurl call; libcurl keeps its allocator if it was set up before.
void CurlGlobalInitWiping();

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_TRANSPORT_CURL_MEMORY_H_
