// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay configuration: the client.json file, WECHATPAY_* environment variables and flags, merged
// with the precedence flag > environment > file. Every setting remembers where it came from so
// that an error can say "mchid from environment variable WECHATPAY_MCHID: ...". Secret values
// (APIv3/APIv2 keys, the mini-program AppSecret) are held in SecretString and never printed.
#ifndef WXPAY_CONFIG_H_
#define WXPAY_CONFIG_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wechatpay/client.h"
#include "wechatpay/loaders.h"
#include "wechatpay/crypto.h"
#include "wechatpay/result.h"

namespace wxpay {

// Options every command accepts (before or after the command name).
struct GlobalOptions {
  std::string config_path;  // --config
  std::optional<std::string> base_url;
  std::optional<std::string> mchid;
  std::optional<std::string> serial;
  std::optional<std::string> private_key;
  std::optional<std::string> apiv3_key;
  std::optional<std::string> apiv2_key;
  std::vector<std::string> platform_keys;  // ID=PATH, repeatable
  std::optional<std::string> ca_file;
  std::optional<std::string> merchant_cert;
  std::optional<std::string> merchant_key;
  std::optional<std::string> merchant_p12;
  // A file holding the PKCS#12 passphrase ("-": stdin); never the passphrase itself, which would
  // be visible in the process list.
  std::optional<std::string> merchant_p12_passphrase_file;
  double timeout_seconds = 30;
  bool verbose = false;
  bool pretty = false;
  bool compact = false;
};

// A value and where it came from ("flag --mchid", "environment variable WECHATPAY_MCHID",
// "config file /x/client.json (\"mchid\")"). `source` is empty when the value was never set.
template <typename T>
struct Setting {
  T value{};
  std::string source;
  bool set() const { return !source.empty(); }
};

// A platform verification key: a certificate (id = its serial) or a WeChat Pay public key
// (id = PUB_KEY_ID_...). `location` is a file path or inline PEM text.
struct PlatformKeySpec {
  std::string id;
  std::string location;
};

struct Config {
  std::string file;  // the config file that was read, empty when none
  Setting<std::string> base_url;
  Setting<std::string> mchid;
  Setting<std::string> serial;
  Setting<std::string> private_key;  // path or inline PEM
  // The merchant's TLS client certificate (APIv2 `secapi` endpoints): PEM certificate + key
  // (merchant_key defaults to private_key), or a PKCS#12 file, never both from one source; a
  // later source's client certificate replaces an earlier one's as a whole.
  Setting<std::string> merchant_cert;                        // path or inline PEM
  Setting<std::string> merchant_key;                         // path or inline PEM
  Setting<std::string> merchant_p12;                         // path
  Setting<wechatpay::SecretString> merchant_p12_passphrase;  // default: the mchid
  Setting<std::string> ca_file;  // PEM CA bundle trusted for the server instead of the system's
  Setting<std::string> appid;
  Setting<wechatpay::SecretString> apiv3_key;
  Setting<wechatpay::SecretString> apiv2_key;
  Setting<std::vector<PlatformKeySpec>> platform_keys;
  Setting<std::string> mp_appid;
  Setting<wechatpay::SecretString> mp_appsecret;
  Setting<std::string> mp_base_url;
  double timeout_seconds = 30;
  bool verbose = false;

  // Filled by LoadConfig from the settings above once they are checked: the client certificate
  // as the transport takes it (null when none is configured), and the merchant certificate it
  // holds.
  std::shared_ptr<const wechatpay::ClientCertificate> client_certificate;
  std::optional<wechatpay::Certificate> client_certificate_x509;
};

// Reads the config file (--config, else WECHATPAY_CONFIG), then the environment (unless
// `use_environment` is false), then the flags, and checks the TLS files (CA bundle, client
// certificate: readable, well-formed, key matching, passphrase right). kInvalidArgument names the
// source and the field, never a secret.
wechatpay::Result<Config> LoadConfig(const GlobalOptions& flags, bool use_environment = true);

// What a command needs from the configuration.
enum Need : unsigned {
  kNeedMerchant = 1u << 0,      // mchid, serial, private key (request signing)
  kNeedPlatformKeys = 1u << 1,  // at least one platform certificate or public key
  kNeedApiV3Key = 1u << 2,
  kNeedApiV2Key = 1u << 3,
  kNeedMiniProgram = 1u << 4,
};

// Checks what `needs` asks for, loads keys and certificates, and fills ClientOptions (a logger
// on stderr when verbose). `allow_empty_platform_keys` is for the certificate download.
wechatpay::Result<wechatpay::ClientOptions> MakeClientOptions(const Config& config, unsigned needs);

// The platform keys of the configuration, loaded (certificates and public keys).
wechatpay::Result<wechatpay::PlatformKeys> LoadPlatformKeys(const Config& config);

// Loads the merchant private key named by the configuration.
wechatpay::Result<wechatpay::PrivateKey> LoadPrivateKey(const Config& config);

// "missing mchid: set --mchid, WECHATPAY_MCHID or \"mchid\" in the config file".
wechatpay::Error MissingSetting(const char* field, const char* flag, const char* env);

// One line per setting with its source, never a secret value (for --verbose).
std::vector<std::string> DescribeConfig(const Config& config);

// Prints a verbose line on stderr ("wxpay: ...") when enabled.
void Verbose(const Config& config, const std::string& line);

}  // namespace wxpay

#endif  // WXPAY_CONFIG_H_
