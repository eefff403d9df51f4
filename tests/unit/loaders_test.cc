// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wechatpay/loaders.h: platform keys from PEM, files and directories; client certificates from PEM
// pairs and PKCS#12 (tests/data/tls_client.p12), with the errors a user sees for each wrong input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_util.h"
#include "wechatpay/auth.h"
#include "wechatpay/client.h"
#include "wechatpay/loaders.h"
#include "wechatpay/pkcs12.h"
#include "wechatpay/testing/matchers.h"

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::DataPath;
using testing::ReadData;
using testing::Vectors;

namespace fs = std::filesystem;

class LoadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wechatpay-loaders-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (fs::path(dir_) / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(LoadersTest, ACertificateFileByItsSerialAndAPublicKeyByItsId) {
  const std::string serial = Vectors()["platform_serial"];
  const std::string pub_id = Vectors()["pub_key_id"];
  PlatformKeys keys;
  ASSERT_THAT(AddPlatformKeyFile(serial, DataPath("platform_cert.pem"), &keys), testing::IsOk());
  ASSERT_THAT(AddPlatformKeyFile(pub_id, DataPath("pubkey_mode_public.pem"), &keys),
              testing::IsOk());
  // An empty id takes the certificate's own serial.
  ASSERT_THAT(AddPlatformKeyFile("", DataPath("platform_cert.pem"), &keys), testing::IsOk());
  EXPECT_EQ(keys.certificates.size(), 2u);
  EXPECT_EQ(keys.public_keys.count(pub_id), 1u);

  ClientOptions o;
  keys.AddTo(o);
  EXPECT_EQ(o.platform_certificates.size(), 2u);
  EXPECT_EQ(o.platform_public_keys.count(pub_id), 1u);
  PlatformKeyStore store;
  ASSERT_TRUE(keys.AddTo(store));
  EXPECT_TRUE(store.Find(serial).has_value());
  EXPECT_TRUE(store.Find(pub_id).has_value());
}

TEST_F(LoadersTest, EachWrongPlatformKeySaysWhatItIs) {
  PlatformKeys keys;
  auto wrong_serial = AddPlatformKeyFile("0123ABCD", DataPath("platform_cert.pem"), &keys);
  EXPECT_THAT(wrong_serial.error().message,
              HasSubstr("has serial " + Vectors()["platform_serial"].get<std::string>() +
                        ", not 0123ABCD"));
  auto key_without_id = AddPlatformKeyFile("", DataPath("pubkey_mode_public.pem"), &keys);
  EXPECT_THAT(key_without_id.error().message, HasSubstr("needs its id (PUB_KEY_ID_"));
  auto cert_as_public_key = AddPlatformKeyFile("PUB_KEY_ID_01", DataPath("merchant_key.pem"), &keys);
  EXPECT_THAT(cert_as_public_key.error().message, HasSubstr("is not a public key"));
  auto missing = AddPlatformKeyFile("", dir_ + "/missing.pem", &keys);
  EXPECT_THAT(missing.error().message, HasSubstr("cannot open " + dir_ + "/missing.pem"));
  auto directory = AddPlatformKeyFile("", dir_, &keys);
  EXPECT_THAT(directory.error().message, HasSubstr("is a directory"));
  EXPECT_TRUE(keys.empty());
}

TEST_F(LoadersTest, ADirectoryAsWxpayCrtWritesIt) {
  const std::string serial = Vectors()["platform_serial"];
  const std::string pub_id = Vectors()["pub_key_id"];
  Write(serial + ".pem", ReadData("platform_cert.pem"));
  Write(pub_id + ".pem", ReadData("pubkey_mode_public.pem"));
  Write("README.txt", "not a key");
  auto keys = LoadPlatformKeyDirectory(dir_);
  ASSERT_THAT(keys, testing::IsOk());
  ASSERT_EQ(keys->certificates.size(), 1u);
  EXPECT_EQ(keys->certificates[0].serial(), serial);
  EXPECT_EQ(keys->public_keys.count(pub_id), 1u);
  // A hexadecimal file name is a serial, and must be the certificate's.
  Write("0123ABCD.pem", ReadData("platform_cert.pem"));
  auto mismatch = LoadPlatformKeyDirectory(dir_);
  ASSERT_FALSE(mismatch);
  EXPECT_THAT(mismatch.error().message, HasSubstr("0123ABCD.pem has serial"));
}

TEST_F(LoadersTest, AnEmptyOrMissingDirectoryIsAnError) {
  auto empty = LoadPlatformKeyDirectory(dir_);
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message, HasSubstr("holds no platform key"));
  auto missing = LoadPlatformKeyDirectory(dir_ + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("is not a directory"));
}

TEST_F(LoadersTest, AClientCertificateFromAPemPair) {
  std::string cert = ReadData("tls_client_cert.pem");
  std::string key = ReadData("tls_client_key.pem");
  auto loaded = LoadClientCertificatePem(cert, key, "apiclient_cert.pem", "apiclient_key.pem");
  ASSERT_THAT(loaded, testing::IsOk());
  EXPECT_EQ(loaded->tls->cert_pem, cert);
  EXPECT_EQ(loaded->tls->key_pem, key);
  EXPECT_FALSE(loaded->certificate.serial().empty());

  auto not_cert = LoadClientCertificatePem(key, key, "a.pem", "b.pem");
  EXPECT_EQ(not_cert.error().code, ErrorCode::kParse);
  EXPECT_THAT(not_cert.error().message, HasSubstr("a.pem is not a PEM certificate"));
  auto bad_key = LoadClientCertificatePem(cert, cert, "a.pem", "b.pem");
  EXPECT_THAT(bad_key.error().message, HasSubstr("cannot load b.pem"));
  auto other = LoadClientCertificatePem(cert, ReadData("merchant_key.pem"), "a.pem", "b.pem");
  EXPECT_THAT(other.error().message,
              HasSubstr("the certificate in a.pem does not belong to the key from b.pem"));
}

TEST_F(LoadersTest, AClientCertificateFromPkcs12) {
  auto loaded = LoadClientCertificatePkcs12File(DataPath("tls_client.p12"), "test-only-p12");
  ASSERT_THAT(loaded, testing::IsOk());
  EXPECT_EQ(loaded->tls->pkcs12, ReadData("tls_client.p12"));
  EXPECT_EQ(loaded->tls->passphrase, "test-only-p12");
  auto pem = Certificate::FromPem(ReadData("tls_client_cert.pem"));
  ASSERT_TRUE(pem);
  EXPECT_EQ(loaded->certificate.serial(), pem->serial());
  // The key inside is the certificate's.
  auto contents = ParsePkcs12(ReadData("tls_client.p12"), "test-only-p12");
  ASSERT_TRUE(contents);
  EXPECT_TRUE(contents->key.public_key().Equals(pem->public_key()));
}

TEST_F(LoadersTest, Pkcs12ErrorsNameTheFileAndNeverThePassphrase) {
  auto wrong = LoadClientCertificatePkcs12File(DataPath("tls_client.p12"), "Wrong-Passphrase-77");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kDecryption);
  EXPECT_THAT(wrong.error().message, HasSubstr("wrong passphrase for " + DataPath("tls_client.p12")));
  EXPECT_THAT(wrong.error().message, Not(HasSubstr("Wrong-Passphrase-77")));
  auto not_p12 = LoadClientCertificatePkcs12File(DataPath("tls_client_cert.pem"), "x");
  EXPECT_EQ(not_p12.error().code, ErrorCode::kParse);
  EXPECT_THAT(not_p12.error().message, HasSubstr("is not a PKCS#12 file"));
  // Truncated and garbage bytes never crash and are not PKCS#12.
  std::string der = ReadData("tls_client.p12");
  for (size_t n : {size_t{0}, size_t{1}, der.size() / 2, der.size() - 1}) {
    auto cut = LoadClientCertificatePkcs12(der.substr(0, n), "test-only-p12", "cut.p12");
    EXPECT_FALSE(cut) << n;
  }
}

}  // namespace
}  // namespace wechatpay
