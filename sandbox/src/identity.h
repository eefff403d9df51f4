// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The sandbox's identities, kept in the state directory: the WeChat Pay side's platform key and
// certificate and its `PUB_KEY_ID_…` public key, the merchants it accepts (merchants.json), the
// mini-program apps it knows (miniprograms.json), and the client.json a client loads. Files that
// exist are reused, never replaced (client.json only has its base_url brought up to date).
#ifndef WECHATPAY_SANDBOX_SRC_IDENTITY_H_
#define WECHATPAY_SANDBOX_SRC_IDENTITY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "wechatpay/crypto.h"
#include "wechatpay/result.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox {

struct Merchant {
  std::string mchid;
  std::string serial;
  PublicKey key;
  SecretString apiv3_key;  // 32 bytes; may be empty for a merchant without one
  SecretString apiv2_key;
};

struct MiniApp {
  std::string appid;
  SecretString appsecret;
};

struct Identity {
  std::string dir;
  PrivateKey platform_key;
  Certificate platform_cert;
  std::string platform_cert_path;
  PrivateKey pubkey_private;
  PublicKey pubkey;
  std::string pubkey_id;
  std::string pubkey_path;
  std::map<std::string, Merchant> merchants;  // by mchid
  std::map<std::string, MiniApp> apps;        // by appid
  std::optional<DemoMerchant> demo;           // absent when merchants.json no longer has it
  std::string demo_app_id;
};

// Loads the identities from `dir`, creating whatever is missing. Errors name the file and field
// at fault, never a secret.
Result<Identity> LoadOrCreateIdentity(const std::string& dir, int64_t now);

// The port of the base_url recorded in DIR/client.json when its host is `host`.
std::optional<int> PreviousPort(const std::string& dir, const std::string& host);

// Creates DIR/client.json for the demo merchant, or updates the base_url of an existing one
// (every other member is kept as the user left it). With HTTPS, `tls_ca_file` is the listener's
// certificate: the file gets it as "ca_file" (kept up to date like base_url) and the demo
// merchant's certificate as "merchant_cert" (added when the file names no client certificate).
// Empty for plain HTTP: nothing TLS-related is written.
Status WriteClientConfig(const Identity& id, const std::string& base_url,
                         const std::string& tls_ca_file);

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_IDENTITY_H_
