// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "support/test_util.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wechatpay::testing {

std::string DataPath(const std::string& name) {
  return std::string(WECHATPAY_TEST_DATA_DIR) + "/" + name;
}

std::string ReadData(const std::string& name) {
  std::ifstream in(DataPath(name), std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "missing test data file %s\n", DataPath(name).c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const nlohmann::json& Vectors() {
  static const nlohmann::json v = nlohmann::json::parse(ReadData("vectors.json"));
  return v;
}

namespace {
template <typename T>
T OrDie(Result<T> r, const std::string& what) {
  if (!r) {
    std::fprintf(stderr, "loading %s: %s\n", what.c_str(), r.error().ToString().c_str());
    std::abort();
  }
  return std::move(*r);
}
}  // namespace

PrivateKey LoadPrivateKey(const std::string& name) {
  return OrDie(PrivateKey::FromFile(DataPath(name)), name);
}
PublicKey LoadPublicKey(const std::string& name) {
  return OrDie(PublicKey::FromFile(DataPath(name)), name);
}
Certificate LoadCertificate(const std::string& name) {
  return OrDie(Certificate::FromFile(DataPath(name)), name);
}

Certificate VectorEraPlatformCertificate() {
  static const Certificate cert = OrDie(
      Certificate::SelfSigned(LoadPrivateKey("platform_key.pem"), "vector-era platform",
                              LoadCertificate("platform_cert.pem").serial(), 1690000000, 3650),
      "vector-era platform certificate");
  return cert;
}

Headers HeadersFromJson(const nlohmann::json& obj) {
  Headers h;
  for (auto it = obj.begin(); it != obj.end(); ++it) h.Add(it.key(), it.value().get<std::string>());
  return h;
}

}  // namespace wechatpay::testing
