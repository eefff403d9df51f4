// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Platform certificates: the /v3/certificates download (decrypt, check serial and validity,
// verify the answer with the set it carries) and when the client refreshes it (an unknown
// Wechatpay-Serial, the refresh interval).
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/client_impl.h"

namespace wechatpay {
namespace internal {

bool ClientImpl::MaybeRefreshForSerial(const Headers& headers) const {
  std::string serial = headers.Get("Wechatpay-Serial");
  if (options_.apiv3_key.empty() || serial.rfind("PUB_KEY_ID_", 0) == 0) return false;
  {
    std::lock_guard lock(refresh_mu_);
    int64_t now = options_.clock();
    if (now - last_unknown_serial_refresh_ < 60) return false;  // at most once a minute
    last_unknown_serial_refresh_ = now;
  }
  Log(LogLevel::kInfo,
      "unknown Wechatpay-Serial " + serial + ": downloading platform certificates");
  auto r2 = RefreshCertificates();
  return r2.ok() && keys_->Find(serial).has_value();
}

void ClientImpl::MaybeScheduledRefresh() const {
  if (!downloaded_once_.load(std::memory_order_relaxed)) return;
  int64_t now = options_.clock();
  {
    std::lock_guard lock(refresh_mu_);
    if (now - last_refresh_ < options_.certificate_refresh_interval.count()) return;
    last_refresh_ = now;  // claim it: one refresh even when many threads pass here
  }
  if (auto r = RefreshCertificates(); !r) {
    Log(LogLevel::kWarning, "scheduled platform certificate refresh failed: " + r.error().message);
  }
}

Result<std::vector<DownloadedCertificate>> ClientImpl::RefreshCertificates() const {
  if (options_.apiv3_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "downloading platform certificates needs ClientOptions.apiv3_key");
  }
  if (Status s = RequireApiV3(); !s) return std::move(s).error();
  std::lock_guard single_flight(download_mu_);
  CallOptions opts;
  auto target = ResolveTarget("v3/certificates", opts);
  if (!target) return target.error();
  // Verified below with the downloaded certificates, which the store may not hold yet.
  auto plan = MakeApiV3Plan("GET", std::move(*target), "", Headers(), opts, /*verify=*/false);
  auto res = RunSync(*plan);
  if (!res) {
    Error e = std::move(res).error();
    if (e.http_status == 404) {
      e.message =
          "this merchant uses the WeChat Pay public key (PUB_KEY_ID_…) instead of platform "
          "certificates: /v3/certificates answered 404" +
          (e.api_code.empty() ? std::string() : " " + e.api_code) +
          "; configure the public key and its id (merchant platform, API security)";
    }
    return e;
  }
  Response& r = *res;
  nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("data") || !doc["data"].is_array()) {
    return Error(ErrorCode::kParse, "/v3/certificates: response has no 'data' array");
  }
  int64_t now = options_.clock();
  std::vector<DownloadedCertificate> out;
  std::vector<Certificate> held;
  auto candidate = std::make_shared<PlatformKeyStore>();
  for (const auto& k : keys_->All()) {
    if (k.certificate) {
      candidate->AddCertificate(*k.certificate);
    } else {
      (void)candidate->AddPublicKey(k.id, k.key);
    }
  }
  for (const auto& item : doc["data"]) {
    auto str = [](const nlohmann::json& o, const char* k) {
      auto it = o.find(k);
      return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (!item.is_object() || !item.contains("encrypt_certificate") ||
        !item["encrypt_certificate"].is_object()) {
      return Error(ErrorCode::kParse, "/v3/certificates: an entry lacks encrypt_certificate");
    }
    const auto& ec = item["encrypt_certificate"];
    if (str(ec, "algorithm") != "AEAD_AES_256_GCM") {
      return Error(ErrorCode::kParse,
                   "/v3/certificates: unsupported algorithm '" + str(ec, "algorithm") + "'");
    }
    auto pem = crypto::AesGcmDecrypt(options_.apiv3_key.view(), str(ec, "nonce"),
                                     str(ec, "associated_data"), str(ec, "ciphertext"));
    if (!pem) {
      return Error(ErrorCode::kDecryption,
                   "/v3/certificates: cannot decrypt certificate " + str(item, "serial_no") +
                       " with the APIv3 key (is ClientOptions.apiv3_key right?)");
    }
    auto cert = Certificate::FromPem(*pem);
    if (!cert) {
      return Error(ErrorCode::kParse, "/v3/certificates: certificate " + str(item, "serial_no") +
                                          " does not parse: " + cert.error().message);
    }
    if (!EqualsIgnoreCase(cert->serial(), str(item, "serial_no"))) {
      return Error(ErrorCode::kInvalidCertificate,
                   "/v3/certificates: entry serial_no " + str(item, "serial_no") +
                       " does not match its certificate's serial " + cert->serial());
    }
    candidate->AddCertificate(*cert);
    held.push_back(*cert);
    if (Status v = cert->CheckValidAt(now); !v) {
      // Held, so that a response it signs is refused as expired / not yet valid (and a future
      // one verifies once valid), but never returned, so never saved by `wxpay crt`.
      Log(LogLevel::kWarning,
          "/v3/certificates: platform " + v.error().message + "; not used until valid");
      continue;
    }
    out.push_back(
        {*cert, str(item, "serial_no"), str(item, "effective_time"), str(item, "expire_time")});
  }
  ResponseVerifier check(candidate, options_.clock, options_.max_clock_skew_seconds);
  if (Status s = check.Verify(r.headers, r.body); !s) {
    Error e = std::move(s).error();
    e.message = "/v3/certificates response does not verify: " + e.message;
    return e;
  }
  for (const auto& c : held) keys_->AddCertificate(c);
  {
    std::lock_guard lock(refresh_mu_);
    last_refresh_ = now;
  }
  downloaded_once_.store(true, std::memory_order_relaxed);
  return out;
}

}  // namespace internal
}  // namespace wechatpay
