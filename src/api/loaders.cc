// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Platform keys from PEM text, files and directories, and client certificates from PEM pairs or
// PKCS#12, for ClientOptions (wechatpay/loaders.h).
#include "wechatpay/loaders.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace wechatpay {

namespace {

Error Invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

bool IsHexName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

constexpr std::string_view kPublicKeyPrefix = "PUB_KEY_ID_";

}  // namespace

void PlatformKeys::AddTo(ClientOptions& options) const {
  options.platform_certificates.insert(options.platform_certificates.end(), certificates.begin(),
                                       certificates.end());
  for (const auto& [id, key] : public_keys) options.platform_public_keys[id] = key;
}

Status PlatformKeys::AddTo(PlatformKeyStore& store) const {
  for (const Certificate& c : certificates) store.AddCertificate(c);
  for (const auto& [id, key] : public_keys) {
    if (Status s = store.AddPublicKey(id, key); !s) return s;
  }
  return {};
}

Result<std::string> ReadFileText(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Invalid("cannot read " + path + ": it is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid("cannot open " + path + " (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Invalid("cannot read " + path + " (" + std::strerror(errno) + ")");
  return ss.str();
}

Status AddPlatformKeyPem(std::string_view id, std::string_view pem, std::string_view origin,
                         PlatformKeys* keys) {
  const std::string where(origin);
  if (id.rfind(kPublicKeyPrefix, 0) == 0) {
    auto key = PublicKey::FromPem(pem);
    if (!key) {
      return Invalid(where + " is not a public key (" + key.error().message + ")");
    }
    keys->public_keys[std::string(id)] = std::move(*key);
    return {};
  }
  auto cert = Certificate::FromPem(pem);
  if (!cert) {
    if (id.empty()) {
      return Invalid(where + " is not a certificate; a WeChat Pay public key needs its id " +
                     "(PUB_KEY_ID_…)");
    }
    return Invalid(where + " is not a platform certificate (" + cert.error().message +
                   "); a WeChat Pay public key's id starts with PUB_KEY_ID_");
  }
  if (!id.empty() && !EqualsIgnoreCase(id, cert->serial())) {
    return Invalid("the certificate in " + where + " has serial " + cert->serial() + ", not " +
                   std::string(id));
  }
  keys->certificates.push_back(std::move(*cert));
  return {};
}

Status AddPlatformKeyFile(std::string_view id, const std::string& path, PlatformKeys* keys) {
  auto text = ReadFileText(path);
  if (!text) return text.error();
  return AddPlatformKeyPem(id, *text, path, keys);
}

Result<PlatformKeys> LoadPlatformKeyDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Invalid(dir + " is not a directory");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".pem" && entry.is_regular_file(ec)) {
      files.push_back(entry.path());
    }
  }
  if (ec) return Invalid("cannot list " + dir + " (" + ec.message() + ")");
  std::sort(files.begin(), files.end());
  PlatformKeys keys;
  for (const auto& f : files) {
    std::string stem = f.stem().string();
    std::string id = stem.rfind(kPublicKeyPrefix, 0) == 0 || IsHexName(stem) ? stem : "";
    if (Status s = AddPlatformKeyFile(id, f.string(), &keys); !s) return std::move(s).error();
  }
  if (keys.empty()) {
    return Invalid(dir + " holds no platform key (*.pem: SERIAL.pem certificates, "
                         "PUB_KEY_ID_….pem public keys)");
  }
  return keys;
}

Result<LoadedClientCertificate> LoadClientCertificatePem(std::string_view cert_pem,
                                                         std::string_view key_pem,
                                                         std::string_view cert_origin,
                                                         std::string_view key_origin) {
  auto cert = Certificate::FromPem(cert_pem);
  if (!cert || cert_pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return Error(ErrorCode::kParse, std::string(cert_origin) + " is not a PEM certificate");
  }
  auto key = PrivateKey::FromPem(key_pem);
  if (!key) {
    return Invalid("cannot load " + std::string(key_origin) + ": " + key.error().message);
  }
  if (!cert->public_key().Equals(key->public_key())) {
    return Invalid("the certificate in " + std::string(cert_origin) +
                   " does not belong to the key from " + std::string(key_origin));
  }
  auto cc = std::make_shared<ClientCertificate>();
  cc->cert_pem = std::string(cert_pem);
  cc->key_pem = std::string(key_pem);
  return LoadedClientCertificate{std::move(cc), std::move(*cert)};
}

Result<LoadedClientCertificate> LoadClientCertificatePkcs12(std::string_view der,
                                                            std::string_view passphrase,
                                                            std::string_view origin) {
  auto contents = ParsePkcs12(der, passphrase, origin);
  if (!contents) return contents.error();
  auto cc = std::make_shared<ClientCertificate>();
  cc->pkcs12 = std::string(der);
  cc->passphrase = std::string(passphrase);
  return LoadedClientCertificate{std::move(cc), std::move(contents->certificate)};
}

Result<LoadedClientCertificate> LoadClientCertificatePkcs12File(const std::string& path,
                                                                std::string_view passphrase) {
  auto bytes = ReadFileText(path);
  if (!bytes) return bytes.error();
  return LoadClientCertificatePkcs12(*bytes, passphrase, path);
}

}  // namespace wechatpay
