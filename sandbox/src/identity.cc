// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "identity.h"

#include <filesystem>

#include "tls.h"
#include "util.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::sandbox {

namespace {

constexpr char kStateFormat[] = "wechatpay-sandbox-state/1";

// A certificate serial WeChat Pay style: 20 bytes, positive, no leading zero byte.
std::string NewSerialHex() {
  std::string raw = crypto::RandomBytes(20);
  raw[0] = static_cast<char>((static_cast<unsigned char>(raw[0]) & 0x7F) | 0x10);
  return crypto::HexEncode(raw, true);
}

Result<PrivateKey> LoadOrCreateKey(const std::string& path) {
  if (FileExists(path)) {
    auto key = PrivateKey::FromFile(path);
    if (!key) return Error(key.error().code, path + ": " + key.error().message);
    return key;
  }
  auto key = wechatpay::testing::GeneratePrivateKey(2048);
  if (!key) return key;
  SecretString pem = key->ToPem();
  if (Status s = CreateFileExclusive(path, pem.view(), 0600); !s) return std::move(s).error();
  // Another process may have won the race: use what is on disk.
  return PrivateKey::FromFile(path);
}

Result<Certificate> LoadOrCreateCert(const std::string& path, const PrivateKey& key,
                                     std::string_view common_name, int64_t now) {
  if (!FileExists(path)) {
    auto cert = Certificate::SelfSigned(key, common_name, NewSerialHex(), now - 86400, 5 * 365);
    if (!cert) return cert;
    if (Status s = CreateFileExclusive(path, cert->ToPem(), 0644); !s) {
      return std::move(s).error();
    }
  }
  auto cert = Certificate::FromFile(path);
  if (!cert) return Error(cert.error().code, path + ": " + cert.error().message);
  return cert;
}

Result<Json> LoadJsonFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return text.error();
  auto j = ParseJson(*text, 64);
  if (!j) return Error(ErrorCode::kParse, path + " is not valid JSON");
  return *j;
}

std::string ResolvePath(const std::string& dir, const std::string& p) {
  if (std::filesystem::path(p).is_absolute()) return p;
  return AbsolutePath(JoinPath(dir, p));
}

Status LoadMerchants(Identity& id, const std::string& path) {
  auto j = LoadJsonFile(path);
  if (!j) return std::move(j).error();
  if (!j->is_array()) return Error(ErrorCode::kParse, path + ": expected a JSON array");
  size_t index = 0;
  for (const auto& m : *j) {
    std::string where = path + "[" + std::to_string(index++) + "]";
    if (!m.is_object()) return Error(ErrorCode::kParse, where + ": expected an object");
    auto str = [&](const char* name) -> std::string {
      auto it = m.find(name);
      return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    Merchant mer;
    mer.mchid = str("mchid");
    mer.serial = str("serial");
    std::string key_path = str("public_key");
    if (mer.mchid.empty()) return Error(ErrorCode::kInvalidArgument, where + ": mchid is missing");
    if (mer.serial.empty()) {
      return Error(ErrorCode::kInvalidArgument, where + ": serial is missing");
    }
    if (key_path.empty()) {
      return Error(ErrorCode::kInvalidArgument, where + ": public_key is missing");
    }
    key_path = ResolvePath(id.dir, key_path);
    auto key = PublicKey::FromFile(key_path);
    if (!key) {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": public_key " + key_path + ": " + key.error().message);
    }
    mer.key = *key;
    mer.apiv3_key = SecretString(str("apiv3_key"));
    mer.apiv2_key = SecretString(str("apiv2_key"));
    if (!mer.apiv3_key.empty() && mer.apiv3_key.size() != 32) {
      return Error(ErrorCode::kInvalidArgument, where + ": apiv3_key must be 32 bytes");
    }
    id.merchants[mer.mchid] = std::move(mer);
  }
  return {};
}

Status LoadApps(Identity& id, const std::string& path) {
  auto j = LoadJsonFile(path);
  if (!j) return std::move(j).error();
  if (!j->is_array()) return Error(ErrorCode::kParse, path + ": expected a JSON array");
  size_t index = 0;
  for (const auto& a : *j) {
    std::string where = path + "[" + std::to_string(index++) + "]";
    if (!a.is_object() || !a.contains("appid") || !a["appid"].is_string() ||
        !a.contains("appsecret") || !a["appsecret"].is_string()) {
      return Error(ErrorCode::kInvalidArgument, where + ": needs string appid and appsecret");
    }
    MiniApp app;
    app.appid = a["appid"].get<std::string>();
    app.appsecret = SecretString(a["appsecret"].get<std::string>());
    id.apps[app.appid] = std::move(app);
  }
  return {};
}

}  // namespace

Result<Identity> LoadOrCreateIdentity(const std::string& dir, int64_t now) {
  Identity id;
  id.dir = AbsolutePath(dir);
  std::error_code ec;
  std::filesystem::create_directories(id.dir, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, "cannot create state dir " + id.dir);
  auto path = [&](const char* name) { return JoinPath(id.dir, name); };

  // sandbox.json: ids that must stay stable across restarts. No secrets.
  if (!FileExists(path("sandbox.json"))) {
    Json s = Json::object();
    s["format"] = kStateFormat;
    s["public_key_id"] = "PUB_KEY_ID_01" + RandomDigits(10) + RandomDigits(10);
    s["demo_merchant"] = {{"mchid", "19" + RandomDigits(8)}};
    s["demo_miniprogram"] = {{"appid", "wx" + ToLowerAscii(RandomHex(8))}};
    if (Status st = CreateFileExclusive(path("sandbox.json"), DumpJson(s, 2) + "\n", 0644); !st) {
      return std::move(st).error();
    }
  }
  auto meta = LoadJsonFile(path("sandbox.json"));
  if (!meta) return std::move(meta).error();
  auto meta_str = [&](const char* obj, const char* name) -> std::string {
    const Json* o = &*meta;
    if (obj) {
      auto it = meta->find(obj);
      if (it == meta->end() || !it->is_object()) return {};
      o = &*it;
    }
    auto it = o->find(name);
    return it != o->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  id.pubkey_id = meta_str(nullptr, "public_key_id");
  if (!StartsWith(id.pubkey_id, "PUB_KEY_ID_")) {
    return Error(ErrorCode::kInvalidArgument, path("sandbox.json") + ": bad public_key_id");
  }

  // Platform key + self-signed certificate.
  auto pk = LoadOrCreateKey(path("platform_private_key.pem"));
  if (!pk) return std::move(pk).error();
  id.platform_key = *pk;
  id.platform_cert_path = path("platform_certificate.pem");
  auto pc =
      LoadOrCreateCert(id.platform_cert_path, id.platform_key, "WeChat Pay Sandbox Platform", now);
  if (!pc) return std::move(pc).error();
  id.platform_cert = *pc;

  // WeChat Pay public key (PUB_KEY_ID_...).
  auto wk = LoadOrCreateKey(path("wechatpay_public_key_private.pem"));
  if (!wk) return std::move(wk).error();
  id.pubkey_private = *wk;
  id.pubkey_path = path("wechatpay_public_key.pem");
  if (Status s = CreateFileExclusive(id.pubkey_path, id.pubkey_private.public_key().ToPem(), 0644);
      !s) {
    return std::move(s).error();
  }
  auto pub = PublicKey::FromFile(id.pubkey_path);
  if (!pub) return Error(pub.error().code, id.pubkey_path + ": " + pub.error().message);
  id.pubkey = *pub;

  // Demo merchant and merchants.json.
  std::string demo_mchid = meta_str("demo_merchant", "mchid");
  std::string merchants_path = path("merchants.json");
  std::string mkey_path = path("merchant_private_key.pem");
  std::string mcert_path = path("merchant_certificate.pem");
  bool fresh = !FileExists(merchants_path);
  if (fresh || FileExists(mkey_path)) {
    auto mk = LoadOrCreateKey(mkey_path);
    if (!mk) return std::move(mk).error();
    auto mc = LoadOrCreateCert(mcert_path, *mk, "Sandbox Merchant " + demo_mchid, now);
    if (!mc) return std::move(mc).error();
    if (fresh) {
      Json list = Json::array();
      list.push_back({{"mchid", demo_mchid},
                      {"serial", mc->serial()},
                      {"public_key", mcert_path},
                      {"apiv3_key", crypto::RandomNonce(32)},
                      {"apiv2_key", crypto::RandomNonce(32)}});
      if (Status s = CreateFileExclusive(merchants_path, DumpJson(list, 2) + "\n", 0600); !s) {
        return std::move(s).error();
      }
    }
  }
  if (Status s = LoadMerchants(id, merchants_path); !s) return std::move(s).error();

  std::string apps_path = path("miniprograms.json");
  if (!FileExists(apps_path)) {
    Json list = Json::array();
    list.push_back({{"appid", meta_str("demo_miniprogram", "appid")},
                    {"appsecret", ToLowerAscii(RandomHex(16))}});
    if (Status s = CreateFileExclusive(apps_path, DumpJson(list, 2) + "\n", 0600); !s) {
      return std::move(s).error();
    }
  }
  if (Status s = LoadApps(id, apps_path); !s) return std::move(s).error();
  id.demo_app_id = meta_str("demo_miniprogram", "appid");
  if (!id.apps.count(id.demo_app_id)) {
    id.demo_app_id = id.apps.empty() ? std::string() : id.apps.begin()->first;
  }

  auto it = id.merchants.find(demo_mchid);
  if (it != id.merchants.end() && FileExists(mkey_path)) {
    DemoMerchant d;
    d.mchid = demo_mchid;
    d.serial = it->second.serial;
    d.private_key_path = mkey_path;
    d.certificate_path = mcert_path;
    d.pkcs12_path = path("apiclient_cert.p12");
    if (Status s = WritePkcs12(mcert_path, mkey_path, d.pkcs12_path, demo_mchid); !s) {
      return std::move(s).error();
    }
    d.apiv3_key = it->second.apiv3_key;
    d.apiv2_key = it->second.apiv2_key;
    d.appid = id.demo_app_id.empty() ? "wxd678efh567hg6787" : id.demo_app_id;
    id.demo = std::move(d);
  }
  return id;
}

std::optional<int> PreviousPort(const std::string& dir, const std::string& host) {
  std::string p = JoinPath(dir, "client.json");
  if (!FileExists(p)) return std::nullopt;
  auto j = LoadJsonFile(p);
  if (!j || !j->is_object() || !j->contains("base_url") || !(*j)["base_url"].is_string()) {
    return std::nullopt;
  }
  std::string url = (*j)["base_url"].get<std::string>();
  std::string port;
  for (const char* scheme : {"http://", "https://"}) {
    std::string prefix = scheme + host + ":";
    if (StartsWith(url, prefix)) port = url.substr(prefix.size());
  }
  while (!port.empty() && port.back() == '/') port.pop_back();
  if (!IsDigits(port) || port.size() > 5) return std::nullopt;
  int v = std::stoi(port);
  if (v <= 0 || v > 65535) return std::nullopt;
  return v;
}

Status WriteClientConfig(const Identity& id, const std::string& base_url,
                         const std::string& tls_ca_file) {
  std::string p = JoinPath(id.dir, "client.json");
  std::string ca_file = tls_ca_file.empty() ? std::string() : AbsolutePath(tls_ca_file);
  if (FileExists(p)) {
    auto j = LoadJsonFile(p);
    if (!j || !j->is_object()) return {};  // the user's file; leave it alone
    bool changed = false;
    if (j->value("base_url", std::string()) != base_url) {
      (*j)["base_url"] = base_url;
      changed = true;
    }
    if (!ca_file.empty()) {
      // The listener's certificate is the sandbox's to name, like its URL.
      if (!j->contains("ca_file") || !(*j)["ca_file"].is_string() ||
          (*j)["ca_file"].get<std::string>() != ca_file) {
        (*j)["ca_file"] = ca_file;
        changed = true;
      }
      // The demo merchant's client certificate, unless the file already names one (or another
      // merchant).
      bool has_client_cert = j->contains("merchant_cert") || j->contains("merchant_p12");
      bool demo = id.demo && j->contains("mchid") && (*j)["mchid"].is_string() &&
                  (*j)["mchid"].get<std::string>() == id.demo->mchid;
      if (!has_client_cert && demo) {
        (*j)["merchant_cert"] = id.demo->certificate_path;
        changed = true;
      }
    }
    if (!changed) return {};
    return WriteFileAtomic(p, DumpJson(*j, 2) + "\n", 0600);
  }
  if (!id.demo) return {};
  Json c = Json::object();
  c["base_url"] = base_url;
  c["mchid"] = id.demo->mchid;
  c["serial"] = id.demo->serial;
  c["private_key"] = id.demo->private_key_path;
  c["platform_keys"] = {{id.platform_cert.serial(), id.platform_cert_path},
                        {id.pubkey_id, id.pubkey_path}};
  c["apiv3_key"] = id.demo->apiv3_key.reveal();
  c["apiv2_key"] = id.demo->apiv2_key.reveal();
  if (!ca_file.empty()) {
    // HTTPS: trust the listener's certificate, and present the merchant's certificate (its key
    // is private_key) to the secapi endpoints.
    c["ca_file"] = ca_file;
    c["merchant_cert"] = id.demo->certificate_path;
  }
  auto app = id.apps.find(id.demo_app_id);
  if (app != id.apps.end()) {
    c["miniprogram"] = {{"appid", app->second.appid},
                        {"appsecret", app->second.appsecret.reveal()}};
  }
  return CreateFileExclusive(p, DumpJson(c, 2) + "\n", 0600);
}

}  // namespace wechatpay::sandbox
