// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay crt: download, decrypt and verify the platform certificates; save them as SERIAL.pem.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "output.h"
#include "wechatpay/client.h"

namespace wxpay {

namespace {

bool IsPublicKeyMerchant(const wechatpay::Error& e) {
  return e.code == wechatpay::ErrorCode::kApi &&
         (e.http_status == 404 || e.api_code == "RESOURCE_NOT_EXISTS");
}

}  // namespace

int RunCrt(const GlobalOptions& g, const CrtOptions& o) {
  auto config = LoadConfig(g);
  if (!config) return ReportError(config.error());
  auto options = MakeClientOptions(*config, kNeedMerchant | kNeedApiV3Key);
  if (!options) return ReportError(options.error());
  options->allow_empty_platform_keys = true;  // bootstrap: the download verifies itself
  auto client = wechatpay::Client::Create(std::move(*options));
  if (!client) return ReportError(client.error(), "invalid configuration");

  auto certs = client->RefreshPlatformCertificates();
  if (!certs) {
    const wechatpay::Error& e = certs.error();
    if (IsPublicKeyMerchant(e)) {
      std::fprintf(stderr,
                   "wxpay: this merchant uses the WeChat Pay public key (PUB_KEY_ID_…) instead of "
                   "platform certificates: there are no certificates to download.\n"
                   "  Download the public key from the merchant platform (API安全 → 微信支付公钥) "
                   "and configure it with --platform-key PUB_KEY_ID_…=pub_key.pem or "
                   "\"platform_keys\" in the config file.\n");
      if (!e.request_id.empty())
        std::fprintf(stderr, "  Request-ID: %s\n", wechatpay::EscapeControls(e.request_id).c_str());
      return kExitApi;
    }
    return ReportError(e, "downloading platform certificates");
  }
  if (certs->empty()) {
    std::fprintf(stderr, "wxpay: /v3/certificates returned no valid certificate\n");
    return kExitApi;
  }

  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& d : *certs) {
    std::string serial = d.serial_no.empty() ? d.certificate.serial() : d.serial_no;
    std::string path = (std::filesystem::path(o.output_dir) / (serial + ".pem")).string();
    if (wechatpay::Status s = WriteFileBytes(path, d.certificate.ToPem(), "--output"); !s) {
      return ReportError(s.error());
    }
    if (o.json) {
      nlohmann::ordered_json item;
      item["serial_no"] = serial;
      // The certificate's own dates; the answer's effective_time/expire_time are only a claim.
      item["not_before"] = wechatpay::UtcTimeText(d.certificate.not_before());
      item["not_after"] = wechatpay::UtcTimeText(d.certificate.not_after());
      item["subject"] = d.certificate.subject();
      item["path"] = path;
      list.push_back(std::move(item));
    } else {
      WriteStdout(serial + "  valid " + wechatpay::UtcTimeText(d.certificate.not_before()) +
                  " to " + wechatpay::UtcTimeText(d.certificate.not_after()) + "  saved " + path +
                  "\n");
    }
  }
  if (o.json) WriteStdout(DumpJson(list, WantPretty(g.pretty, g.compact)) + "\n");
  std::fprintf(stderr,
               "wxpay: %zu certificate%s decrypted with the APIv3 key; the response signature "
               "verified\n",
               certs->size(), certs->size() == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace wxpay
