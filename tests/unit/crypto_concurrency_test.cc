// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Each key sets up its RSA-SHA256 context once and every signature or verification copies it,
// from any number of threads. RSA PKCS#1 v1.5 signatures are deterministic, so every copy must
// produce the known-answer signature.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_util.h"
#include "wechatpay/crypto.h"

namespace wechatpay {
namespace {

using testing::LoadCertificate;
using testing::LoadPrivateKey;
using testing::Vectors;

TEST(RsaContexts, ManyThreadsOnAFreshKeyProduceTheKnownAnswer) {
  const auto& v = Vectors()["request_signing"][0];
  const std::string msg = v["message"];
  const std::string expected = v["signature"];
  // Fresh key objects: the first uses race to set the shared contexts up.
  PrivateKey key = LoadPrivateKey("merchant_key.pem");
  PublicKey pub = LoadCertificate("merchant_cert.pem").public_key();
  std::atomic<int> good{0};
  std::atomic<int> wrong{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 10; ++i) {
        auto sig = crypto::RsaSha256Sign(key, msg);
        bool ok = sig && *sig == expected && crypto::RsaSha256Verify(pub, msg, *sig).ok() &&
                  !crypto::RsaSha256Verify(pub, msg + "x", *sig).ok();
        (ok ? good : wrong)++;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(good.load(), 80);
}

TEST(RsaContexts, AFailedVerificationLeavesTheKeyUsable) {
  const auto& v = Vectors()["request_signing"][0];
  const std::string msg = v["message"];
  const std::string sig = v["signature"];
  PublicKey pub = LoadCertificate("merchant_cert.pem").public_key();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(crypto::RsaSha256Verify(pub, msg, sig.substr(4) + "AAAA").error().code,
              ErrorCode::kBadSignature);
    EXPECT_EQ(crypto::RsaSha256Verify(pub, "other", sig).error().code, ErrorCode::kBadSignature);
    EXPECT_TRUE(crypto::RsaSha256Verify(pub, msg, sig).ok());
  }
}

TEST(RsaContexts, EveryKeyUsesItsOwnContext) {
  // Two different keys signing the same message alternately: a context shared by mistake
  // between keys would give one key's signature for the other.
  const std::string msg = "GET\n/v3/certificates\n1554208460\nabc\n\n";
  PrivateKey a = LoadPrivateKey("merchant_key.pem");
  PrivateKey b = LoadPrivateKey("other_rsa_key.pem");
  auto sa = crypto::RsaSha256Sign(a, msg);
  auto sb = crypto::RsaSha256Sign(b, msg);
  ASSERT_TRUE(sa);
  ASSERT_TRUE(sb);
  EXPECT_NE(*sa, *sb);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*crypto::RsaSha256Sign(a, msg), *sa);
    EXPECT_EQ(*crypto::RsaSha256Sign(b, msg), *sb);
  }
  EXPECT_TRUE(crypto::RsaSha256Verify(a.public_key(), msg, *sa).ok());
  EXPECT_FALSE(crypto::RsaSha256Verify(b.public_key(), msg, *sa).ok());
}

}  // namespace
}  // namespace wechatpay
