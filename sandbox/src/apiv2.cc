// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 on the wire: XML bodies served at their real paths (/payitil/report, /pay/unifiedorder,
// ...), the MD5 / HMAC-SHA256 `sign` check, schema validation and signed XML answers.
// Over TLS, endpoints the catalog marks needs_client_cert want the merchant's client certificate.
// POST /payitil/report and the payment flow (apiv2_pay.cc) have real behaviour; every other
// APIv2 endpoint answers a schema-conforming sample.
#include <algorithm>

#include "engine.h"
#include "tls.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

namespace wechatpay::sandbox {

namespace {

WireResponse XmlResponse(int status, const std::string& xml) {
  WireResponse res;
  res.status = status;
  res.body = xml;
  res.headers.Set("Content-Type", "text/xml; charset=utf-8");
  return res;
}

// What WeChat Pay's front end answers when a client-certificate endpoint is called without a
// usable certificate: nginx's 400 page, not XML (it never reaches the APIv2 service).
WireResponse CertificateRefused(bool presented) {
  std::string reason =
      presented ? "The SSL certificate error" : "No required SSL certificate was sent";
  WireResponse res;
  res.status = 400;
  res.body = "<html>\r\n<head><title>400 " + reason +
             "</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
             "<center>" +
             reason + "</center>\r\n<hr><center>wxpay sandbox</center>\r\n</body>\r\n</html>\r\n";
  res.headers.Set("Content-Type", "text/html");
  return res;
}

WireResponse ReturnFail(const std::string& message, int status = 200) {
  apiv2::Fields f{{"return_code", "FAIL"}, {"return_msg", message}};
  return XmlResponse(status, apiv2::EncodeXml(f));
}

// The XML elements as the validator wants them: nested elements ("a.b" fields) become objects.
nlohmann::json FieldsToJson(const apiv2::Fields& fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : fields) {
    nlohmann::json* node = &out;
    std::string_view key = k;
    size_t dot;
    while ((dot = key.find('.')) != std::string_view::npos) {
      nlohmann::json& child = (*node)[std::string(key.substr(0, dot))];
      if (!child.is_object()) child = nlohmann::json::object();
      node = &child;
      key.remove_prefix(dot + 1);
    }
    (*node)[std::string(key)] = v;
  }
  return out;
}

}  // namespace

std::string Engine::V2Reply(const apiv2::Fields& fields, const Merchant* merchant,
                            apiv2::SignType type) const {
  apiv2::Fields out = fields;
  if (merchant && !merchant->apiv2_key.empty()) {
    out.Remove("sign");
    if (!out.Has("nonce_str")) out.Set("nonce_str", crypto::RandomNonce(32));
    out.Set("sign", apiv2::Sign(out, merchant->apiv2_key.view(), type));
  }
  return apiv2::EncodeXml(out);
}

WireResponse Engine::HandleApiV2(const WireRequest& req, const std::string& path,
                                 const std::string& raw_query, const FaultTable::Applied& fault) {
  if (fault.status != 0) return ReturnFail("SYSTEMERROR: injected by the sandbox", fault.status);
  auto match = wechatpay::testing::MatchPath(catalog_, req.method, path);
  if (!match || match->endpoint->protocol != catalog::Protocol::kApiV2) {
    if (!match && !wechatpay::testing::AllowedMethods(catalog_, path).empty()) {
      return ReturnFail("method not allowed", 405);
    }
    return ReturnFail("no such API: " + std::string(IsValidUtf8(path) ? path : "(path)"), 404);
  }
  const catalog::Endpoint& ep = *match->endpoint;
  // The certificate is checked before the body is read, as the TLS front end does it.
  bool check_cert = req.tls && ep.needs_client_cert;
  if (check_cert && (req.client_cert_pem.empty() || !req.client_cert_verified)) {
    return CertificateRefused(!req.client_cert_pem.empty());
  }
  apiv2::XmlOptions xo;
  xo.max_bytes = options_.max_body_bytes;
  auto fields = apiv2::DecodeXml(req.body, xo);
  if (!fields) return ReturnFail("XML格式错误 (the body is not valid APIv2 XML)");
  std::string mchid = fields->Get("mch_id");
  if (mchid.empty()) mchid = fields->Get("mchid");
  if (mchid.empty()) mchid = fields->Get("sp_mchid");
  if (mchid.empty()) return ReturnFail("mch_id 参数缺失 (mch_id is missing)");
  auto m = id_.merchants.find(mchid);
  if (m == id_.merchants.end() || m->second.apiv2_key.empty()) {
    return ReturnFail("mch_id 不存在 (not a merchant of this sandbox, or no apiv2_key)");
  }
  const Merchant& merchant = m->second;
  if (check_cert &&
      !CertificateBelongsTo(req.client_cert_pem, merchant, !options_.tls.client_ca_file.empty())) {
    return ReturnFail("证书与商户号不匹配 (the client certificate is not this merchant's)");
  }
  auto type = apiv2::ParseSignType(fields->Get("sign_type"));
  if (!type) return ReturnFail("sign_type 参数错误 (use MD5 or HMAC-SHA256)");
  if (Status s = apiv2::VerifySign(*fields, merchant.apiv2_key.view(), *type); !s) {
    return ReturnFail("签名错误 (the sign does not verify with the merchant's APIv2 key)");
  }

  catalog::RequestParts parts;
  parts.path_params = match->path_params;
  parts.query = ParseQuery(raw_query);
  nlohmann::json body = FieldsToJson(*fields);
  parts.body = &body;
  auto violations = catalog::Validate(ep, parts);
  // `sign` was verified above; the catalog's 32-character limit predates HMAC-SHA256 (64).
  violations.erase(std::remove_if(violations.begin(), violations.end(),
                                  [](const catalog::Violation& v) { return v.path == "sign"; }),
                   violations.end());
  if (!violations.empty()) {
    const auto& v = violations.front();
    return ReturnFail("参数错误 " + v.path + ": " + v.message);
  }

  apiv2::Fields out;
  out.Set("return_code", "SUCCESS");
  out.Set("return_msg", "OK");
  using Flow =
      std::optional<std::string> (Engine::*)(const apiv2::Fields&, const Merchant&, apiv2::Fields&);
  static const std::pair<std::string_view, Flow> kFlows[] = {
      {"POST v2/pay/micropay", &Engine::V2Micropay},
      {"POST v2/pay/orderquery", &Engine::V2OrderQuery},
      {"POST v2/secapi/pay/reverse", &Engine::V2Reverse},
      {"POST v2/secapi/pay/refund", &Engine::V2Refund},
      {"POST v2/pay/refundquery", &Engine::V2RefundQuery},
  };
  for (const auto& [id, flow] : kFlows) {
    if (ep.id != id) continue;
    if (auto problem = (this->*flow)(*fields, merchant, out)) return ReturnFail(*problem);
    if (!out.Has("nonce_str")) out.Set("nonce_str", crypto::RandomNonce(32));
    return XmlResponse(200, V2Reply(out, &merchant, *type));
  }
  if (ep.id == "POST v2/payitil/report") {
    // The trades document is checked by the schema (a JSON array of transactions); keep it.
    auto trades = ParseJson(fields->Get("trades"));
    if (!trades || !trades->is_array()) {
      out.Set("result_code", "FAIL");
      out.Set("err_code", "PARAM_ERROR");
      out.Set("err_code_des", "trades must be a JSON array");
      return XmlResponse(200, V2Reply(out, &merchant, *type));
    }
    Json rec = Json::object();
    rec["mch_id"] = mchid;
    rec["appid"] = fields->Get("appid");
    rec["device_info"] = fields->Get("device_info");
    rec["interface_url"] = fields->Get("interface_url");
    rec["user_ip"] = fields->Get("user_ip");
    rec["trades"] = *trades;
    rec["report_time"] = FormatRfc3339(Now());
    std::lock_guard<std::mutex> lock(mu_);
    std::string key = std::to_string(++sequence_) + "-" + RandomHex(4);
    if (Status s = payitil_->Put(key, rec); !s) return ReturnFail("SYSTEMERROR", 500);
    out.Set("result_code", "SUCCESS");
    return XmlResponse(200, V2Reply(out, &merchant, *type));
  }

  // Any other endpoint: a sample conforming to the response schema, with the caller's ids.
  nlohmann::json sample = wechatpay::testing::SynthesizeResponse(ep);
  if (sample.is_object()) {
    for (auto it = sample.begin(); it != sample.end(); ++it) {
      if (it.key() == "sign" || it.key() == "return_code" || it.key() == "return_msg") continue;
      if (it.value().is_string()) {
        out.Set(it.key(), it.value().get<std::string>());
      } else if (it.value().is_number() || it.value().is_boolean()) {
        out.Set(it.key(), it.value().dump());
      }
    }
  }
  out.Set("result_code", "SUCCESS");
  out.Remove("err_code");
  out.Remove("err_code_des");
  for (const char* echo : {"appid", "mch_id", "sub_mch_id", "sub_appid", "device_info",
                           "out_trade_no", "out_refund_no", "transaction_id"}) {
    if (out.Has(echo) && fields->Has(echo)) out.Set(echo, fields->Get(echo));
  }
  if (ep.response_kind != catalog::ResponseKind::kXml) {
    WireResponse res;
    res.status = 200;
    res.body = "wxpay sandbox file for " + std::string(ep.id) + "\n";
    res.headers.Set("Content-Type", "application/octet-stream");
    return res;
  }
  return XmlResponse(200, V2Reply(out, &merchant, *type));
}

}  // namespace wechatpay::sandbox
