// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "config.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "output.h"
#include "wechatpay/curl_transport.h"

// The CA bundle check (the client certificate loads through wechatpay/loaders.h).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace wxpay {

using wechatpay::Error;
using wechatpay::ErrorCode;
using wechatpay::Result;
using wechatpay::SecretString;

namespace {

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

bool IsInlinePem(std::string_view s) { return s.rfind("-----BEGIN", 0) == 0; }

// Paths in a config file are relative to the file's directory.
std::string ResolvePath(const std::string& base_file, const std::string& path) {
  if (path.empty() || IsInlinePem(path) || base_file.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(base_file).parent_path() / p).lexically_normal().string();
}

std::string FileSource(const std::string& file, const std::string& field) {
  return "config file " + file + " (\"" + field + "\")";
}

// Splits "ID=PATH"; an entry without '=' is a path whose id is read from the certificate.
Result<PlatformKeySpec> ParseKeySpec(std::string_view text, const std::string& source) {
  if (text.empty()) return Invalid(source + ": empty platform key entry (expected ID=PATH)");
  PlatformKeySpec spec;
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || IsInlinePem(text)) {
    spec.location = std::string(text);
  } else {
    spec.id = std::string(text.substr(0, eq));
    spec.location = std::string(text.substr(eq + 1));
    if (spec.id.empty() || spec.location.empty()) {
      return Invalid(source +
                     ": expected ID=PATH (a certificate serial or PUB_KEY_ID_... = a PEM "
                     "file), got an entry with an empty " +
                     (spec.id.empty() ? std::string("ID") : std::string("PATH")));
    }
  }
  return spec;
}

// Line and column (1-based) of a byte offset, for JSON syntax errors (never the text itself:
// the file holds secrets).
std::string Position(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

template <typename T>
void Put(Setting<T>& s, T value, std::string source) {
  s.value = std::move(value);
  s.source = std::move(source);
}

Result<std::string> StringField(const nlohmann::json& obj, const std::string& file,
                                const std::string& field) {
  const auto& v = obj.at(field);
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());  // "mchid": 1900000109
  if (!v.is_string()) {
    return Invalid("config file " + file + ": \"" + field + "\" must be a string");
  }
  return v.get<std::string>();
}

wechatpay::Status LoadFile(const std::string& path, Config& c) {
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Invalid("config file " + path + ": cannot open it (" + std::strerror(errno) +
                     "); check --config / WECHATPAY_CONFIG");
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string where = Position(text, e.byte == 0 ? 0 : e.byte - 1);
    wechatpay::SecureWipe(text);
    return Invalid("config file " + path + ": not valid JSON (syntax error at " + where + ")");
  }
  wechatpay::SecureWipe(text);
  if (!j.is_object()) return Invalid("config file " + path + ": must hold a JSON object");
  c.file = path;

  struct Plain {
    const char* field;
    Setting<std::string>* target;
    bool is_path;
  };
  const Plain plain[] = {
      {"base_url", &c.base_url, false},
      {"mchid", &c.mchid, false},
      {"serial", &c.serial, false},
      {"private_key", &c.private_key, true},
      {"merchant_cert", &c.merchant_cert, true},
      {"merchant_key", &c.merchant_key, true},
      {"merchant_p12", &c.merchant_p12, true},
      {"ca_file", &c.ca_file, true},
      {"appid", &c.appid, false},
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    bool handled = false;
    for (const Plain& p : plain) {
      if (key != p.field) continue;
      handled = true;
      auto v = StringField(j, path, key);
      if (!v) return v.error();
      if (v->empty()) break;
      Put(*p.target, p.is_path ? ResolvePath(path, *v) : *v, FileSource(path, key));
    }
    if (handled) continue;
    if (key == "apiv3_key" || key == "apiv2_key" || key == "merchant_p12_passphrase") {
      if (!it->is_string())
        return Invalid("config file " + path + ": \"" + key + "\" must be a string");
      if (it->get_ref<const std::string&>().empty()) continue;
      auto& target = key == "apiv3_key"   ? c.apiv3_key
                     : key == "apiv2_key" ? c.apiv2_key
                                          : c.merchant_p12_passphrase;
      Put(target, SecretString(it->get<std::string>()), FileSource(path, key));
    } else if (key == "platform_keys") {
      std::vector<PlatformKeySpec> specs;
      std::string src = FileSource(path, key);
      if (it->is_object()) {
        for (auto k = it->begin(); k != it->end(); ++k) {
          if (!k.value().is_string()) {
            return Invalid(src + ": the value of \"" + k.key() + "\" must be a file path");
          }
          specs.push_back({k.key(), ResolvePath(path, k.value().get<std::string>())});
        }
      } else if (it->is_array()) {
        for (const auto& e : *it) {
          if (e.is_string()) {
            auto spec = ParseKeySpec(e.get<std::string>(), src);
            if (!spec) return spec.error();
            spec->location = ResolvePath(path, spec->location);
            specs.push_back(*spec);
          } else if (e.is_object() && e.contains("path") && e["path"].is_string()) {
            std::string id = e.contains("id") && e["id"].is_string() ? e["id"].get<std::string>()
                                                                     : std::string();
            specs.push_back({id, ResolvePath(path, e["path"].get<std::string>())});
          } else {
            return Invalid(src + ": entries must be \"ID=PATH\" strings or {\"id\", \"path\"}");
          }
        }
      } else {
        return Invalid(src + ": must be an object {\"ID\": \"PATH\", ...}");
      }
      if (!specs.empty()) Put(c.platform_keys, std::move(specs), src);
    } else if (key == "miniprogram") {
      if (it->is_null()) continue;
      if (!it->is_object())
        return Invalid("config file " + path + ": \"miniprogram\" must be an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        std::string field = "miniprogram." + m.key();
        if (!m.value().is_string()) {
          return Invalid("config file " + path + ": \"" + field + "\" must be a string");
        }
        std::string v = m.value().get<std::string>();
        if (v.empty()) continue;
        if (m.key() == "appid") {
          Put(c.mp_appid, v, FileSource(path, field));
        } else if (m.key() == "appsecret") {
          Put(c.mp_appsecret, SecretString(v), FileSource(path, field));
        } else if (m.key() == "base_url") {
          Put(c.mp_base_url, v, FileSource(path, field));
        } else {
          std::fprintf(stderr, "wxpay: warning: config file %s: unknown field \"%s\" ignored\n",
                       path.c_str(), field.c_str());
        }
        wechatpay::SecureWipe(v);
      }
    } else {
      std::fprintf(stderr, "wxpay: warning: config file %s: unknown field \"%s\" ignored\n",
                   path.c_str(), key.c_str());
    }
  }
  // Wipe the secrets' copies held by the parsed document.
  for (const char* k : {"apiv3_key", "apiv2_key", "merchant_p12_passphrase"}) {
    if (j.contains(k) && j[k].is_string()) wechatpay::SecureWipe(j[k].get_ref<std::string&>());
  }
  if (j.contains("miniprogram") && j["miniprogram"].is_object() &&
      j["miniprogram"].contains("appsecret") && j["miniprogram"]["appsecret"].is_string()) {
    wechatpay::SecureWipe(j["miniprogram"]["appsecret"].get_ref<std::string&>());
  }
  return {};
}

wechatpay::Status LoadEnvironment(Config& c) {
  struct Plain {
    const char* var;
    Setting<std::string>* target;
  };
  const Plain plain[] = {
      {"WECHATPAY_BASE_URL", &c.base_url},
      {"WECHATPAY_MCHID", &c.mchid},
      {"WECHATPAY_SERIAL", &c.serial},
      {"WECHATPAY_PRIVATE_KEY", &c.private_key},
      {"WECHATPAY_MERCHANT_CERT", &c.merchant_cert},
      {"WECHATPAY_MERCHANT_KEY", &c.merchant_key},
      {"WECHATPAY_MERCHANT_P12", &c.merchant_p12},
      {"WECHATPAY_CA_FILE", &c.ca_file},
      {"WECHATPAY_APPID", &c.appid},
      {"WECHATPAY_MINIPROGRAM_APPID", &c.mp_appid},
      {"WECHATPAY_MINIPROGRAM_BASE_URL", &c.mp_base_url},
  };
  for (const Plain& p : plain) {
    if (const char* v = Env(p.var))
      Put(*p.target, std::string(v), "environment variable " + std::string(p.var));
  }
  struct Secret {
    const char* var;
    Setting<SecretString>* target;
  };
  const Secret secrets[] = {
      {"WECHATPAY_APIV3_KEY", &c.apiv3_key},
      {"WECHATPAY_APIV2_KEY", &c.apiv2_key},
      {"WECHATPAY_MINIPROGRAM_APPSECRET", &c.mp_appsecret},
      {"WECHATPAY_MERCHANT_P12_PASSPHRASE", &c.merchant_p12_passphrase},
  };
  for (const Secret& s : secrets) {
    if (const char* v = Env(s.var))
      Put(*s.target, SecretString(v), "environment variable " + std::string(s.var));
  }
  if (const char* v = Env("WECHATPAY_PLATFORM_KEYS")) {
    std::string src = "environment variable WECHATPAY_PLATFORM_KEYS";
    std::vector<PlatformKeySpec> specs;
    std::string_view rest(v);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      if (!item.empty()) {
        auto spec = ParseKeySpec(item, src);
        if (!spec) return spec.error();
        specs.push_back(*spec);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (specs.empty()) return Invalid(src + ": expected ID=PATH[,ID=PATH...]");
    Put(c.platform_keys, std::move(specs), src);
  }
  return {};
}

wechatpay::Status LoadFlags(const GlobalOptions& g, Config& c) {
  auto flag = [](const std::optional<std::string>& v, Setting<std::string>& s, const char* name) {
    if (v && !v->empty()) Put(s, *v, std::string("flag ") + name);
  };
  flag(g.base_url, c.base_url, "--base-url");
  flag(g.mchid, c.mchid, "--mchid");
  flag(g.serial, c.serial, "--serial");
  flag(g.private_key, c.private_key, "--private-key");
  flag(g.merchant_cert, c.merchant_cert, "--merchant-cert");
  flag(g.merchant_key, c.merchant_key, "--merchant-key");
  flag(g.merchant_p12, c.merchant_p12, "--merchant-p12");
  flag(g.ca_file, c.ca_file, "--ca-file");
  if (g.merchant_p12_passphrase_file) {
    const std::string& file = *g.merchant_p12_passphrase_file;
    std::string where = file == "-" ? std::string("stdin") : file;
    std::string src = "flag --merchant-p12-passphrase-file (" + where + ")";
    if (file.empty()) {
      return Invalid("flag --merchant-p12-passphrase-file: give a file name, or - for stdin");
    }
    std::string text;
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      if (std::filesystem::is_directory(file)) {
        return Invalid("flag --merchant-p12-passphrase-file: " + file + " is a directory");
      }
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        return Invalid("flag --merchant-p12-passphrase-file: cannot open " + file + " (" +
                       std::strerror(errno) + ")");
      }
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    // One line: the line break an editor or `echo` adds is not part of the passphrase.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) {
      return Invalid("flag --merchant-p12-passphrase-file: " + where +
                     " is empty (expected the passphrase on one line)");
    }
    Put(c.merchant_p12_passphrase, SecretString(text), src);
    wechatpay::SecureWipe(text);
  }
  if (g.apiv3_key && !g.apiv3_key->empty()) {
    Put(c.apiv3_key, SecretString(*g.apiv3_key), "flag --apiv3-key");
  }
  if (g.apiv2_key && !g.apiv2_key->empty()) {
    Put(c.apiv2_key, SecretString(*g.apiv2_key), "flag --apiv2-key");
  }
  if (!g.platform_keys.empty()) {
    std::vector<PlatformKeySpec> specs;
    for (const std::string& item : g.platform_keys) {
      auto spec = ParseKeySpec(item, "flag --platform-key");
      if (!spec) return spec.error();
      specs.push_back(*spec);
    }
    Put(c.platform_keys, std::move(specs), "flag --platform-key");
  }
  return {};
}

bool AllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

bool AllHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
  });
}

wechatpay::Status Validate(const Config& c) {
  if (c.mchid.set() && !AllDigits(c.mchid.value)) {
    return Invalid("mchid from " + c.mchid.source +
                   " must be digits only (the merchant id, 商户号, e.g. 1900000109)");
  }
  if (c.serial.set() && !AllHex(c.serial.value)) {
    return Invalid("serial from " + c.serial.source +
                   " must be the hexadecimal serial number of the merchant API certificate");
  }
  if (c.apiv3_key.set() && c.apiv3_key.value.size() != 32) {
    return Invalid("apiv3_key from " + c.apiv3_key.source + " must be exactly 32 bytes, got " +
                   std::to_string(c.apiv3_key.value.size()));
  }
  if (c.apiv2_key.set() && c.apiv2_key.value.size() != 32) {
    return Invalid("apiv2_key from " + c.apiv2_key.source + " must be exactly 32 bytes, got " +
                   std::to_string(c.apiv2_key.value.size()));
  }
  for (const Setting<std::string>* u : {&c.base_url, &c.mp_base_url}) {
    if (u->set() && u->value.rfind("https://", 0) != 0 && u->value.rfind("http://", 0) != 0) {
      return Invalid(std::string(u == &c.base_url ? "base_url" : "miniprogram.base_url") +
                     " from " + u->source +
                     " must start with https:// (or http:// for a local "
                     "sandbox)");
    }
  }
  return {};
}

Result<std::string> ReadText(const std::string& path, const std::string& what) {
  auto text = wechatpay::ReadFileText(path);
  if (!text) return Invalid(what + ": " + text.error().message);
  return text;
}

// ---- the client certificate and the CA bundle ----

// Where each part of the client certificate came from, to treat it as one setting: a source that
// gives a PEM pair replaces a PKCS#12 file from an earlier source and the other way round; one
// source giving both is an error.
struct ClientCertSources {
  std::string cert, key, p12;
};

ClientCertSources CertSources(const Config& c) {
  return {c.merchant_cert.source, c.merchant_key.source, c.merchant_p12.source};
}

wechatpay::Status ApplyClientCertLayer(Config& c, const ClientCertSources& before) {
  bool cert_now = c.merchant_cert.set() && c.merchant_cert.source != before.cert;
  bool key_now = c.merchant_key.set() && c.merchant_key.source != before.key;
  bool p12_now = c.merchant_p12.set() && c.merchant_p12.source != before.p12;
  if (p12_now && (cert_now || key_now)) {
    const char* pem_field = cert_now ? "merchant_cert" : "merchant_key";
    const std::string& pem_source = cert_now ? c.merchant_cert.source : c.merchant_key.source;
    return Invalid("client certificate given twice: " + std::string(pem_field) + " from " +
                   pem_source + " and merchant_p12 from " + c.merchant_p12.source +
                   "; give either a PEM certificate and key (merchant_cert, merchant_key) or a "
                   "PKCS#12 file (merchant_p12), not both");
  }
  if (p12_now) {
    c.merchant_cert = {};
    c.merchant_key = {};
  } else if (cert_now || key_now) {
    c.merchant_p12 = {};
  }
  return {};
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// The number of PEM certificates in `text`; -1 (with the position) when one is malformed.
int CountPemCertificates(const std::string& text, int* bad_index) {
  BioPtr bio = MemBio(text);
  int n = 0;
  ERR_clear_error();
  while (X509Ptr x{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) ++n;
  unsigned long e = ERR_peek_last_error();
  bool clean_end =
      e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  if (!clean_end) {
    *bad_index = n + 1;
    return -1;
  }
  return n;
}

wechatpay::Status CheckCaFile(const Config& c) {
  if (!c.ca_file.set()) return {};
  std::string what = "ca_file from " + c.ca_file.source;
  if (IsInlinePem(c.ca_file.value)) {
    return Invalid(what + ": must be a file name (curl reads the CA bundle from a file)");
  }
  auto text = ReadText(c.ca_file.value, what);
  if (!text) return text.error();
  int bad = 0;
  int n = CountPemCertificates(*text, &bad);
  if (n < 0) {
    return Invalid(what + ": certificate " + std::to_string(bad) + " in " + c.ca_file.value +
                   " is malformed PEM");
  }
  if (n == 0) {
    return Invalid(what + ": " + c.ca_file.value +
                   " holds no PEM certificate (expected a CA bundle in PEM, such as the "
                   "sandbox's tls_server_cert.pem)");
  }
  return {};
}

// The text of a path-or-inline-PEM setting.
Result<std::string> PemText(const Setting<std::string>& s, const std::string& what) {
  if (IsInlinePem(s.value)) return s.value;
  return ReadText(s.value, what);
}

std::string Where(const Setting<std::string>& s) {
  return IsInlinePem(s.value) ? std::string("the inline PEM") : s.value;
}

wechatpay::Status LoadPemClientCertificate(Config& c) {
  std::string what = "merchant_cert from " + c.merchant_cert.source;
  auto cert_text = PemText(c.merchant_cert, what);
  if (!cert_text) return cert_text.error();
  const Setting<std::string>& key_setting = c.merchant_key.set() ? c.merchant_key : c.private_key;
  const char* key_field = c.merchant_key.set() ? "merchant_key" : "private_key";
  std::string key_what = std::string(key_field) + " from " + key_setting.source;
  Result<std::string> key_text = std::string();
  if (key_setting.set()) {
    key_text = PemText(key_setting, key_what);
    if (!key_text) return key_text.error();
  }
  auto wipe = [&] {
    if (key_text) wechatpay::SecureWipe(*key_text);
  };
  // The certificate first: its error is the one to report when both are wrong.
  auto probe = wechatpay::LoadClientCertificatePem(*cert_text, *cert_text, Where(c.merchant_cert),
                                                   key_what);
  if (!probe && probe.error().code == wechatpay::ErrorCode::kParse) {
    wipe();
    return Invalid(what + ": " + probe.error().message + " (expected apiclient_cert.pem)");
  }
  if (!key_setting.set()) {
    return Invalid(what +
                   ": the certificate needs its private key: set --merchant-key, "
                   "WECHATPAY_MERCHANT_KEY or \"merchant_key\" in the config file (default: "
                   "private_key, which is not set either)");
  }
  if (auto key = wechatpay::PrivateKey::FromPem(*key_text); !key) {
    wipe();
    std::string hint = key.error().message.find("apiclient_key.pem") == std::string::npos
                           ? " (expected apiclient_key.pem, an unencrypted RSA private key in PEM)"
                           : "";
    return Invalid(key_what + ": cannot load " + Where(key_setting) + ": " + key.error().message +
                   hint);
  }
  auto loaded = wechatpay::LoadClientCertificatePem(*cert_text, *key_text, Where(c.merchant_cert),
                                                    key_what);
  wipe();
  if (!loaded) {
    return Invalid(what + ": " + loaded.error().message + " (a TLS server would refuse the pair)");
  }
  c.client_certificate = std::move(loaded->tls);
  c.client_certificate_x509 = std::move(loaded->certificate);
  return {};
}

wechatpay::Status LoadPkcs12ClientCertificate(Config& c) {
  std::string what = "merchant_p12 from " + c.merchant_p12.source;
  if (IsInlinePem(c.merchant_p12.value)) {
    return Invalid(what +
                   ": must be the path of a PKCS#12 file (apiclient_cert.p12), not PEM text");
  }
  const std::string& path = c.merchant_p12.value;
  auto bytes = ReadText(path, what);
  if (!bytes) return bytes.error();
  std::string passphrase_from;
  std::string passphrase;
  if (c.merchant_p12_passphrase.set()) {
    passphrase = c.merchant_p12_passphrase.value.reveal();
    passphrase_from = "the passphrase from " + c.merchant_p12_passphrase.source;
  } else if (c.mchid.set()) {
    passphrase = c.mchid.value;
    passphrase_from =
        "the default passphrase, the mchid (as for WeChat Pay's apiclient_cert.p12); set "
        "WECHATPAY_MERCHANT_P12_PASSPHRASE, \"merchant_p12_passphrase\" in the config file or "
        "--merchant-p12-passphrase-file FILE for another";
  } else {
    return Invalid(what + ": no passphrase for " + path +
                   ": set WECHATPAY_MERCHANT_P12_PASSPHRASE, \"merchant_p12_passphrase\" in the "
                   "config file or --merchant-p12-passphrase-file FILE (WeChat Pay's "
                   "apiclient_cert.p12 uses the mchid, the default when mchid is set)");
  }
  auto loaded = wechatpay::LoadClientCertificatePkcs12(*bytes, passphrase, path);
  wechatpay::SecureWipe(passphrase);
  if (!loaded) {
    const wechatpay::Error& e = loaded.error();
    if (e.code == wechatpay::ErrorCode::kParse) {
      return Invalid(what + ": " + e.message +
                     " (expected apiclient_cert.p12; a PEM pair goes in merchant_cert and "
                     "merchant_key)");
    }
    if (e.code == wechatpay::ErrorCode::kDecryption) {
      return Invalid(what + ": " + e.message + " (tried " + passphrase_from + ")");
    }
    return Invalid(what + ": " + e.message);
  }
  c.client_certificate = std::move(loaded->tls);
  c.client_certificate_x509 = std::move(loaded->certificate);
  return {};
}

// Checks the CA bundle and loads the client certificate, so that a bad file is reported when the
// configuration is read, by the setting that names it.
wechatpay::Status LoadTls(Config& c) {
  if (wechatpay::Status s = CheckCaFile(c); !s) return s;
  if (c.merchant_key.set() && !c.merchant_cert.set()) {
    return Invalid("merchant_key from " + c.merchant_key.source +
                   " is the key of the client certificate, but merchant_cert is not set: set "
                   "--merchant-cert, WECHATPAY_MERCHANT_CERT or \"merchant_cert\" in the config "
                   "file");
  }
  if (c.merchant_cert.set()) return LoadPemClientCertificate(c);
  if (c.merchant_p12.set()) return LoadPkcs12ClientCertificate(c);
  return {};
}

}  // namespace

Error MissingSetting(const char* field, const char* flag, const char* env) {
  std::string m = std::string("missing ") + field + ": set ";
  if (flag != nullptr) m += std::string(flag) + ", ";
  if (env != nullptr) m += std::string(env) + " or ";
  m += "\"" + std::string(field) + "\" in the config file (--config FILE)";
  return Invalid(m);
}

Result<Config> LoadConfig(const GlobalOptions& flags, bool use_environment) {
  Config c;
  c.timeout_seconds = flags.timeout_seconds;
  c.verbose = flags.verbose;
  std::string file = flags.config_path;
  if (file.empty() && use_environment) {
    if (const char* v = Env("WECHATPAY_CONFIG")) file = v;
  }
  ClientCertSources before = CertSources(c);
  if (!file.empty()) {
    if (wechatpay::Status s = LoadFile(file, c); !s) return std::move(s).error();
    if (wechatpay::Status s = ApplyClientCertLayer(c, before); !s) return std::move(s).error();
  }
  if (use_environment) {
    before = CertSources(c);
    if (wechatpay::Status s = LoadEnvironment(c); !s) return std::move(s).error();
    if (wechatpay::Status s = ApplyClientCertLayer(c, before); !s) return std::move(s).error();
  }
  before = CertSources(c);
  if (wechatpay::Status s = LoadFlags(flags, c); !s) return std::move(s).error();
  if (wechatpay::Status s = ApplyClientCertLayer(c, before); !s) return std::move(s).error();
  if (wechatpay::Status s = Validate(c); !s) return std::move(s).error();
  if (!(flags.timeout_seconds > 0) || flags.timeout_seconds > 3600) {
    return Invalid("--timeout must be between 0 and 3600 seconds");
  }
  if (wechatpay::Status s = LoadTls(c); !s) return std::move(s).error();
  for (const std::string& line : DescribeConfig(c)) Verbose(c, "config: " + line);
  return c;
}

Result<wechatpay::PrivateKey> LoadPrivateKey(const Config& c) {
  if (!c.private_key.set()) {
    return MissingSetting("private_key", "--private-key", "WECHATPAY_PRIVATE_KEY");
  }
  const std::string& loc = c.private_key.value;
  Result<wechatpay::PrivateKey> key =
      IsInlinePem(loc) ? wechatpay::PrivateKey::FromPem(loc) : wechatpay::PrivateKey::FromFile(loc);
  if (!key) {
    std::string where = IsInlinePem(loc) ? std::string("the inline PEM") : loc;
    return Invalid("private_key from " + c.private_key.source + ": cannot load " + where + ": " +
                   key.error().message + " (expected apiclient_key.pem, an RSA private key)");
  }
  return key;
}

Result<wechatpay::PlatformKeys> LoadPlatformKeys(const Config& c) {
  wechatpay::PlatformKeys out;
  if (!c.platform_keys.set()) return out;
  for (const PlatformKeySpec& spec : c.platform_keys.value) {
    std::string what = "platform key " + (spec.id.empty() ? std::string("(no id)") : spec.id) +
                       " from " + c.platform_keys.source;
    std::string pem;
    std::string origin = spec.location;
    if (IsInlinePem(spec.location)) {
      pem = spec.location;
      origin = "the inline PEM";
    } else {
      auto text = ReadText(spec.location, what);
      if (!text) return text.error();
      pem = std::move(*text);
    }
    if (wechatpay::Status s = wechatpay::AddPlatformKeyPem(spec.id, pem, origin, &out); !s) {
      std::string hint = spec.id.empty() ? ": --platform-key PUB_KEY_ID_...=" + origin : "";
      return Invalid(what + ": " + s.error().message + hint);
    }
  }
  return out;
}

Result<wechatpay::ClientOptions> MakeClientOptions(const Config& c, unsigned needs) {
  wechatpay::ClientOptions o;
  if ((needs & kNeedMerchant) != 0) {
    if (!c.mchid.set()) return MissingSetting("mchid", "--mchid", "WECHATPAY_MCHID");
    if (!c.serial.set() && !c.merchant_cert.set()) {
      return MissingSetting("serial", "--serial", "WECHATPAY_SERIAL");
    }
    if (!c.private_key.set()) {
      return MissingSetting("private_key", "--private-key", "WECHATPAY_PRIVATE_KEY");
    }
  }
  if ((needs & kNeedApiV3Key) != 0 && !c.apiv3_key.set()) {
    return MissingSetting("apiv3_key", "--apiv3-key", "WECHATPAY_APIV3_KEY");
  }
  if ((needs & kNeedApiV2Key) != 0 && !c.apiv2_key.set()) {
    return MissingSetting("apiv2_key", "--apiv2-key", "WECHATPAY_APIV2_KEY");
  }
  if ((needs & kNeedPlatformKeys) != 0 && !c.platform_keys.set()) {
    return Invalid(
        "missing platform_keys: responses cannot be verified without a WeChat Pay platform "
        "certificate or public key; set --platform-key ID=PATH, WECHATPAY_PLATFORM_KEYS or "
        "\"platform_keys\" in the config file (download certificates with `wxpay crt`)");
  }
  if ((needs & kNeedMiniProgram) != 0 && (!c.mp_appid.set() || !c.mp_appsecret.set())) {
    return Invalid(
        "missing miniprogram.appid / miniprogram.appsecret: mini-program calls need them; set "
        "\"miniprogram\": {\"appid\", \"appsecret\"} in the config file or "
        "WECHATPAY_MINIPROGRAM_APPID / WECHATPAY_MINIPROGRAM_APPSECRET");
  }

  o.mchid = c.mchid.value;
  o.merchant_serial = c.serial.value;
  if (c.private_key.set()) {
    auto key = LoadPrivateKey(c);
    if (!key) return key.error();
    o.private_key = *key;
  }
  if (c.client_certificate) {
    o.client_certificate = c.client_certificate;
    // A PEM certificate whose key is the signing key is the merchant API certificate too: the
    // client checks the pair and the serial.
    if (c.merchant_cert.set() && !c.merchant_key.set() && c.client_certificate_x509) {
      o.merchant_certificate = *c.client_certificate_x509;
    }
  }
  if (c.ca_file.set()) {
    wechatpay::CurlTransportOptions to;
    to.ca_file = c.ca_file.value;
    o.transport = wechatpay::MakeCurlTransport(to);
  }
  auto keys = LoadPlatformKeys(c);
  if (!keys) return keys.error();
  keys->AddTo(o);
  o.apiv3_key = c.apiv3_key.value;
  o.apiv2_key = c.apiv2_key.value;
  o.appid = c.appid.value;
  if (c.base_url.set()) o.base_url = c.base_url.value;
  if (c.mp_appid.set()) {
    o.miniprogram.appid = c.mp_appid.value;
    o.miniprogram.appsecret = c.mp_appsecret.value;
    // With a sandbox or a proxy as base_url, mini-program calls go there too.
    if (c.mp_base_url.set()) {
      o.miniprogram.base_url = c.mp_base_url.value;
    } else if (c.base_url.set() && c.base_url.value != wechatpay::kDefaultBaseUrl) {
      o.miniprogram.base_url = c.base_url.value;
    }
  }
  auto ms = std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000));
  o.timeout = ms;
  o.connect_timeout = std::min(ms, std::chrono::milliseconds(10000));
  o.user_agent = "wxpay-cli";
  if (c.verbose) {
    o.logger = [](wechatpay::LogLevel level, std::string_view line) {
      const char* tag = level == wechatpay::LogLevel::kDebug     ? "debug"
                        : level == wechatpay::LogLevel::kInfo    ? "info"
                        : level == wechatpay::LogLevel::kWarning ? "warning"
                                                                 : "error";
      std::string safe = wechatpay::EscapeControls(line);  // log lines quote server headers
      std::fprintf(stderr, "wxpay: [%s] %s\n", tag, safe.c_str());
    };
  }
  return o;
}

std::vector<std::string> DescribeConfig(const Config& c) {
  std::vector<std::string> out;
  auto plain = [&](const char* name, const Setting<std::string>& s, bool show) {
    if (!s.set()) return;
    std::string v = show ? s.value : (IsInlinePem(s.value) ? "(inline PEM)" : s.value);
    out.push_back(std::string(name) + " = " + v + "  [" + s.source + "]");
  };
  auto secret = [&](const char* name, const Setting<SecretString>& s) {
    if (!s.set()) return;
    out.push_back(std::string(name) + " = (set, " + std::to_string(s.value.size()) +
                  " bytes, not shown)  [" + s.source + "]");
  };
  if (!c.file.empty()) out.push_back("config file " + c.file);
  plain("base_url", c.base_url, true);
  plain("mchid", c.mchid, true);
  plain("serial", c.serial, true);
  plain("private_key", c.private_key, false);
  plain("merchant_cert", c.merchant_cert, false);
  plain("merchant_key", c.merchant_key, false);
  plain("merchant_p12", c.merchant_p12, false);
  if (c.merchant_p12_passphrase.set()) {
    out.push_back("merchant_p12_passphrase = (set, not shown)  [" +
                  c.merchant_p12_passphrase.source + "]");
  } else if (c.merchant_p12.set()) {
    out.push_back("merchant_p12_passphrase = (not set: the mchid, WeChat Pay's default)");
  }
  plain("ca_file", c.ca_file, true);
  plain("appid", c.appid, true);
  secret("apiv3_key", c.apiv3_key);
  secret("apiv2_key", c.apiv2_key);
  if (c.platform_keys.set()) {
    std::string ids;
    for (const auto& k : c.platform_keys.value) {
      if (!ids.empty()) ids += ", ";
      ids += k.id.empty() ? "(id from certificate)" : k.id;
    }
    out.push_back("platform_keys = " + ids + "  [" + c.platform_keys.source + "]");
  }
  plain("miniprogram.appid", c.mp_appid, true);
  secret("miniprogram.appsecret", c.mp_appsecret);
  plain("miniprogram.base_url", c.mp_base_url, true);
  return out;
}

void Verbose(const Config& c, const std::string& line) {
  if (c.verbose) std::fprintf(stderr, "wxpay: %s\n", wechatpay::EscapeControls(line).c_str());
}

}  // namespace wxpay
