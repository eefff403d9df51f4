// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The fake-transport fixture of the typed-model unit tests: a client with the test keys whose
// requests go to a FakeTransport, signed and APIv2 answers, and decryption of what it encrypted.
#ifndef WECHATPAY_TESTS_UNIT_MODELS_FAKE_FIXTURE_H_
#define WECHATPAY_TESTS_UNIT_MODELS_FAKE_FIXTURE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "support/test_util.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/crypto.h"
#include "wechatpay/testing/fake_transport.h"

namespace wechatpay::testing {

inline constexpr int64_t kNow = 1800000000;
inline constexpr char kOrigin[] = "https://api.mch.weixin.qq.com";

class ModelsSeedTest : public ::testing::Test {
 protected:
  ClientOptions Options() {
    ClientOptions o;
    o.mchid = Vectors()["mchid"];
    o.merchant_serial = Vectors()["merchant_serial"];
    o.private_key = LoadPrivateKey("merchant_key.pem");
    o.platform_certificates = {LoadCertificate("platform_cert.pem")};
    o.platform_public_keys[Vectors()["pub_key_id"]] = LoadPublicKey("pubkey_mode_public.pem");
    o.apiv3_key = SecretString(Vectors()["apiv3_key"].get<std::string>());
    o.apiv2_key = SecretString(Vectors()["apiv2_key"].get<std::string>());
    o.miniprogram.appid = "wxd678efh567hg6787";
    o.miniprogram.appsecret = SecretString(std::string("APPSECRET"));
    o.transport = fake_;
    o.clock = [] { return kNow; };
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
  }
  Client MakeClient() {
    auto c = Client::Create(Options());
    EXPECT_TRUE(c) << c.error().ToString();
    return std::move(*c);
  }
  HttpResponse Signed(int status, std::string body) {
    return SignedResponse(platform_key_, Vectors()["platform_serial"], status, std::move(body),
                          kNow);
  }
  // Decrypts a field the client encrypted, with the private key of the key the request named.
  std::string Decrypt(const HttpRequest& sent, const std::string& ciphertext) {
    std::string serial = sent.headers.Get("Wechatpay-Serial");
    PrivateKey key = serial == Vectors()["pub_key_id"].get<std::string>()
                         ? LoadPrivateKey("pubkey_mode_private.pem")
                         : platform_key_;
    auto plain = crypto::RsaOaepDecrypt(key, ciphertext);
    EXPECT_TRUE(plain) << plain.error().message;
    return plain ? *plain : std::string();
  }

  std::shared_ptr<FakeTransport> fake_ = std::make_shared<FakeTransport>();
  PrivateKey platform_key_ = LoadPrivateKey("platform_key.pem");
};

inline HttpResponse XmlAnswer(apiv2::Fields fields) {
  fields.Set("sign",
             apiv2::Sign(fields, Vectors()["apiv2_key"].get<std::string>(), apiv2::SignType::kMd5));
  HttpResponse r;
  r.status = 200;
  r.body = apiv2::EncodeXml(fields);
  r.headers.Set("Content-Type", "text/xml");
  return r;
}

// The mini-program API: an access_token, then {"errcode":0} for every call.
class ModelsMiniProgramTest : public ModelsSeedTest {
 protected:
  void SetUp() override {
    fake_->SetHandler([](const HttpRequest& req) -> Result<HttpResponse> {
      HttpResponse r;
      r.status = 200;
      if (req.url.find("/cgi-bin/") != std::string::npos) {
        r.body = R"({"access_token":"TOKEN-1","expires_in":7200})";
      } else {
        r.body = R"({"errcode":0,"errmsg":"ok"})";
      }
      return r;
    });
  }
};

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTS_UNIT_MODELS_FAKE_FIXTURE_H_
