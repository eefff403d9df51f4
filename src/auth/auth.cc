// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/auth.h"

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

namespace wechatpay {

Clock SystemClock() {
  return [] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  };
}

NonceSource RandomNonceSource() {
  return [] { return crypto::RandomNonce(32); };
}

std::string RequestSigningMessage(std::string_view method, std::string_view url,
                                  std::string_view timestamp, std::string_view nonce,
                                  std::string_view body) {
  std::string m;
  m.reserve(method.size() + url.size() + timestamp.size() + nonce.size() + body.size() + 5);
  m.append(method).push_back('\n');
  m.append(url).push_back('\n');
  m.append(timestamp).push_back('\n');
  m.append(nonce).push_back('\n');
  m.append(body).push_back('\n');
  return m;
}

std::string ResponseSigningMessage(std::string_view timestamp, std::string_view nonce,
                                   std::string_view body) {
  std::string m;
  m.reserve(timestamp.size() + nonce.size() + body.size() + 3);
  m.append(timestamp).push_back('\n');
  m.append(nonce).push_back('\n');
  m.append(body).push_back('\n');
  return m;
}

Result<AuthorizationParts> ParseAuthorization(std::string_view header) {
  std::string_view h = header;
  if (h.substr(0, kAuthScheme.size()) != kAuthScheme ||
      (h.size() > kAuthScheme.size() && h[kAuthScheme.size()] != ' ')) {
    return Error(ErrorCode::kParse,
                 "Authorization does not use the " + std::string(kAuthScheme) + " scheme");
  }
  h.remove_prefix(kAuthScheme.size());
  AuthorizationParts parts;
  while (!h.empty()) {
    while (!h.empty() && (h.front() == ' ' || h.front() == ',')) h.remove_prefix(1);
    if (h.empty()) break;
    size_t eq = h.find('=');
    if (eq == std::string_view::npos) return Error(ErrorCode::kParse, "Authorization: missing '='");
    std::string_view key = h.substr(0, eq);
    h.remove_prefix(eq + 1);
    if (h.empty() || h.front() != '"') {
      return Error(ErrorCode::kParse,
                   "Authorization: value of '" + std::string(key) + "' is not quoted");
    }
    h.remove_prefix(1);
    size_t q = h.find('"');
    if (q == std::string_view::npos) {
      return Error(ErrorCode::kParse, "Authorization: unterminated value");
    }
    std::string value(h.substr(0, q));
    h.remove_prefix(q + 1);
    std::string* slot = nullptr;
    if (key == "mchid")
      slot = &parts.mchid;
    else if (key == "serial_no")
      slot = &parts.serial_no;
    else if (key == "timestamp")
      slot = &parts.timestamp;
    else if (key == "nonce_str")
      slot = &parts.nonce_str;
    else if (key == "signature")
      slot = &parts.signature;
    if (slot == nullptr) continue;  // unknown parameters are ignored
    if (!slot->empty()) {
      return Error(ErrorCode::kParse, "Authorization: '" + std::string(key) + "' given twice");
    }
    *slot = std::move(value);
  }
  const char* missing = parts.mchid.empty()       ? "mchid"
                        : parts.serial_no.empty() ? "serial_no"
                        : parts.timestamp.empty() ? "timestamp"
                        : parts.nonce_str.empty() ? "nonce_str"
                        : parts.signature.empty() ? "signature"
                                                  : nullptr;
  if (missing != nullptr) {
    return Error(ErrorCode::kParse, std::string("Authorization: '") + missing + "' is missing");
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------

RequestSigner::RequestSigner(std::string mchid, std::string serial_no, PrivateKey key, Clock clock,
                             NonceSource nonce)
    : mchid_(std::move(mchid)),
      serial_no_(std::move(serial_no)),
      key_(std::move(key)),
      clock_(clock ? std::move(clock) : SystemClock()),
      nonce_(nonce ? std::move(nonce) : RandomNonceSource()) {}

Result<std::string> RequestSigner::Authorization(std::string_view method, std::string_view url,
                                                 std::string_view body) const {
  std::string ts = std::to_string(clock_());
  std::string nonce = nonce_();
  return Authorization(method, url, body, ts, nonce);
}

Result<std::string> RequestSigner::Authorization(std::string_view method, std::string_view url,
                                                 std::string_view body, std::string_view timestamp,
                                                 std::string_view nonce) const {
  if (url.empty() || url.front() != '/') {
    return Error(ErrorCode::kInvalidArgument,
                 "the signed URL must be the absolute path (and query) starting with '/'");
  }
  auto sig =
      crypto::RsaSha256Sign(key_, RequestSigningMessage(method, url, timestamp, nonce, body));
  if (!sig) return sig.error();
  std::string h;
  h.reserve(kAuthScheme.size() + mchid_.size() + serial_no_.size() + sig->size() + 100);
  h.append(kAuthScheme);
  h.append(" mchid=\"").append(mchid_);
  h.append("\",nonce_str=\"").append(nonce);
  h.append("\",signature=\"").append(*sig);
  h.append("\",timestamp=\"").append(timestamp);
  h.append("\",serial_no=\"").append(serial_no_);
  h.push_back('"');
  return h;
}

// ---------------------------------------------------------------------------------------------

void PlatformKeyStore::AddCertificate(const Certificate& cert) {
  std::unique_lock lock(mu_);
  keys_[cert.serial()] = VerificationKey{cert.serial(), cert.public_key(), cert};
}

Status PlatformKeyStore::AddPublicKey(std::string id, PublicKey key) {
  if (id.rfind("PUB_KEY_ID_", 0) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "a WeChat Pay public key id starts with PUB_KEY_ID_, got '" + id + "'");
  }
  if (!key.ok()) return Error(ErrorCode::kInvalidArgument, "public key '" + id + "' is empty");
  std::unique_lock lock(mu_);
  keys_[id] = VerificationKey{id, std::move(key), std::nullopt};
  return {};
}

Status PlatformKeyStore::AddFromPem(std::string_view id, std::string_view pem) {
  std::string sid(id);
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    auto cert = Certificate::FromPem(pem);
    if (!cert)
      return Error(cert.error().code,
                   "platform certificate '" + sid + "': " + cert.error().message);
    if (!sid.empty() && !EqualsIgnoreCase(sid, cert->serial())) {
      return Error(ErrorCode::kInvalidArgument,
                   "platform certificate configured as '" + sid + "' has serial " + cert->serial());
    }
    AddCertificate(*cert);
    return {};
  }
  auto key = PublicKey::FromPem(pem);
  if (!key) {
    return Error(key.error().code, "platform public key '" + sid + "': " + key.error().message);
  }
  return AddPublicKey(sid, std::move(*key));
}

void PlatformKeyStore::Remove(std::string_view id) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(id);
  if (it != keys_.end()) keys_.erase(it);
}

std::optional<VerificationKey> PlatformKeyStore::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::optional<VerificationKey> PlatformKeyStore::EncryptionKey(int64_t now) const {
  std::shared_lock lock(mu_);
  const VerificationKey* best = nullptr;
  for (const auto& [id, k] : keys_) {
    if (!k.certificate) return k;  // a PUB_KEY_ID_ key is preferred
    if (!k.certificate->ValidAt(now)) continue;
    if (best == nullptr || k.certificate->not_after() > best->certificate->not_after()) best = &k;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::vector<VerificationKey> PlatformKeyStore::All() const {
  std::shared_lock lock(mu_);
  std::vector<VerificationKey> out;
  out.reserve(keys_.size());
  for (const auto& [id, k] : keys_) out.push_back(k);
  return out;
}

size_t PlatformKeyStore::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

// ---------------------------------------------------------------------------------------------

ResponseVerifier::ResponseVerifier(std::shared_ptr<const PlatformKeyStore> keys, Clock clock,
                                   int64_t max_skew_seconds)
    : keys_(std::move(keys)),
      clock_(clock ? std::move(clock) : SystemClock()),
      max_skew_(max_skew_seconds) {}

namespace {
bool ParseInt64(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}
}  // namespace

Status ResponseVerifier::Verify(const Headers& headers, std::string_view body) const {
  static constexpr const char* kNames[] = {"Wechatpay-Timestamp", "Wechatpay-Nonce",
                                           "Wechatpay-Signature", "Wechatpay-Serial"};
  const std::string* values[4];
  for (int i = 0; i < 4; ++i) {
    values[i] = headers.Find(kNames[i]);
    if (values[i] == nullptr || values[i]->empty()) {
      return Error(ErrorCode::kMissingHeader,
                   std::string("response is not signed: header ") + kNames[i] + " is missing");
    }
  }
  const std::string& ts = *values[0];
  const std::string& nonce = *values[1];
  const std::string& signature = *values[2];
  const std::string& serial = *values[3];
  if (signature.rfind(kSignTestPrefix, 0) == 0) {
    return Error(ErrorCode::kSignatureProbe,
                 "Wechatpay-Signature is a WECHATPAY/SIGNTEST/ probe, not a real signature "
                 "(WeChat Pay sends these to check that verification is enforced)");
  }
  int64_t t = 0;
  if (!ParseInt64(ts, t)) {
    return Error(ErrorCode::kTimestampSkew, "Wechatpay-Timestamp is not a unix time in seconds");
  }
  int64_t now = clock_();
  int64_t skew = now > t ? now - t : t - now;
  if (skew > max_skew_) {
    return Error(ErrorCode::kTimestampSkew,
                 "Wechatpay-Timestamp " + ts + " is " + std::to_string(skew) +
                     " s away from local time (allowed " + std::to_string(max_skew_) +
                     " s); check the clock or suspect a replay");
  }
  std::optional<VerificationKey> key = keys_ ? keys_->Find(serial) : std::nullopt;
  if (!key) {
    return Error(ErrorCode::kUnknownSerial,
                 "Wechatpay-Serial " + serial +
                     " names no platform certificate or WeChat Pay public key this client holds");
  }
  // A certificate outside its validity is not a key to trust, whatever it signed. (ValidAt
  // first: the message is built only for a refusal.)
  if (key->certificate && !key->certificate->ValidAt(now)) {
    return Error(ErrorCode::kInvalidCertificate,
                 "the signing platform " + key->certificate->CheckValidAt(now).error().message +
                     "; download current certificates (Client::RefreshPlatformCertificates, "
                     "`wxpay crt`)");
  }
  Status s = crypto::RsaSha256Verify(key->key, ResponseSigningMessage(ts, nonce, body), signature);
  if (!s) {
    return Error(ErrorCode::kBadSignature,
                 "Wechatpay-Signature does not verify with key " + serial +
                     " (the body or headers were altered, or the key is wrong)");
  }
  return {};
}

// ---------------------------------------------------------------------------------------------

Result<Notification> ParseNotification(const ResponseVerifier& verifier,
                                       const SecretString& apiv3_key, const Headers& headers,
                                       std::string_view body) {
  if (Status s = verifier.Verify(headers, body); !s) {
    Error e = std::move(s).error();
    e.message = "callback verification failed: " + e.message;
    return e;
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error(ErrorCode::kParse, "callback body is not a JSON object");
  }
  auto str = [&](const nlohmann::json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto res = doc.find("resource");
  if (res == doc.end() || !res->is_object()) {
    return Error(ErrorCode::kParse, "callback body has no 'resource' object");
  }
  Notification n;
  n.id = str(doc, "id");
  n.create_time = str(doc, "create_time");
  n.event_type = str(doc, "event_type");
  n.resource_type = str(doc, "resource_type");
  n.summary = str(doc, "summary");
  n.original_type = str(*res, "original_type");
  n.algorithm = str(*res, "algorithm");
  n.associated_data = str(*res, "associated_data");
  n.envelope = std::string(body);
  if (n.algorithm != "AEAD_AES_256_GCM") {
    return Error(ErrorCode::kInvalidArgument, "callback resource uses algorithm '" + n.algorithm +
                                                  "'; only AEAD_AES_256_GCM is supported");
  }
  std::string nonce = str(*res, "nonce");
  std::string ciphertext = str(*res, "ciphertext");
  if (nonce.empty() || ciphertext.empty()) {
    return Error(ErrorCode::kParse, "callback resource lacks 'nonce' or 'ciphertext'");
  }
  auto plain = crypto::AesGcmDecrypt(apiv3_key.view(), nonce, n.associated_data, ciphertext);
  if (!plain) {
    Error e = plain.error();
    e.message = "callback decryption failed: " + e.message;
    return e;
  }
  n.plaintext = SecretString(std::move(*plain));
  return n;
}

// ---------------------------------------------------------------------------------------------

std::string JsapiPayParams::ToJson() const {
  nlohmann::ordered_json j{{"appId", app_id},    {"timeStamp", time_stamp}, {"nonceStr", nonce_str},
                           {"package", package}, {"signType", sign_type},   {"paySign", pay_sign}};
  return j.dump();
}

Result<JsapiPayParams> JsapiPaySign(const RequestSigner& signer, std::string_view appid,
                                    std::string_view prepay_id) {
  if (appid.empty() || prepay_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "JSAPI pay-sign needs an appid and a prepay_id");
  }
  JsapiPayParams p;
  p.app_id = std::string(appid);
  p.time_stamp = std::to_string(signer.Now());
  p.nonce_str = signer.NewNonce();
  p.package = "prepay_id=" + std::string(prepay_id);
  p.sign_type = "RSA";
  std::string msg = p.app_id + "\n" + p.time_stamp + "\n" + p.nonce_str + "\n" + p.package + "\n";
  auto sig = crypto::RsaSha256Sign(signer.key(), msg);
  if (!sig) return sig.error();
  p.pay_sign = std::move(*sig);
  return p;
}

std::string AppPayParams::ToJson() const {
  nlohmann::ordered_json j{{"appid", appid},     {"partnerid", partnerid}, {"prepayid", prepayid},
                           {"package", package}, {"noncestr", noncestr},   {"timestamp", timestamp},
                           {"sign", sign}};
  return j.dump();
}

Result<AppPayParams> AppPaySign(const RequestSigner& signer, std::string_view appid,
                                std::string_view prepay_id) {
  if (appid.empty() || prepay_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "APP pay-sign needs an appid and a prepay_id");
  }
  AppPayParams p;
  p.appid = std::string(appid);
  p.partnerid = signer.mchid();
  p.prepayid = std::string(prepay_id);
  p.package = "Sign=WXPay";
  p.noncestr = signer.NewNonce();
  p.timestamp = std::to_string(signer.Now());
  std::string msg = p.appid + "\n" + p.timestamp + "\n" + p.noncestr + "\n" + p.prepayid + "\n";
  auto sig = crypto::RsaSha256Sign(signer.key(), msg);
  if (!sig) return sig.error();
  p.sign = std::move(*sig);
  return p;
}

}  // namespace wechatpay
