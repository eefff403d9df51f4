// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Helpers shared by the test binaries: test data files, the known-answer vectors, fixed clocks.
#ifndef WECHATPAY_TESTS_SUPPORT_TEST_UTIL_H_
#define WECHATPAY_TESTS_SUPPORT_TEST_UTIL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"

// Defined when the tests are built with AddressSanitizer (gcc defines __SANITIZE_ADDRESS__,
// clang answers __has_feature): tests whose figures depend on the allocator say so.
#if defined(__SANITIZE_ADDRESS__)
#define WECHATPAY_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WECHATPAY_TEST_ASAN 1
#endif
#endif

namespace wechatpay::testing {

// Path of a file under tests/data.
std::string DataPath(const std::string& name);
// Contents of a file under tests/data (aborts the test binary if missing).
std::string ReadData(const std::string& name);
// tests/data/vectors.json, parsed once.
const nlohmann::json& Vectors();

PrivateKey LoadPrivateKey(const std::string& name);
PublicKey LoadPublicKey(const std::string& name);
Certificate LoadCertificate(const std::string& name);
// The vectors were signed at unix times around 1700000000 (2023), before platform_cert.pem's
// validity begins. This certificate holds the same key and serial and is valid from 1690000000
// for ten years, so that the vectors verify at their own times.
Certificate VectorEraPlatformCertificate();

inline Clock FixedClock(int64_t t) {
  return [t] { return t; };
}
inline NonceSource FixedNonce(std::string n) {
  return [n] { return n; };
}

// Headers from a JSON object {"Name": "value"}.
Headers HeadersFromJson(const nlohmann::json& obj);

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTS_SUPPORT_TEST_UTIL_H_
