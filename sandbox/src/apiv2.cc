// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 on the wire: XML bodies served at their real paths (/payitil/report, /pay/unifiedorder,
// ...), the MD5 / HMAC-SHA256 `sign` check, schema validation and signed XML answers.
// POST /payitil/report has real behaviour (the upload is stored); every other APIv2 endpoint
// answers a schema-conforming sample.
#include <algorithm>

#include "engine.h"
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
  auto match = catalog_.Match(req.method, path);
  if (!match || match->endpoint->protocol != catalog::Protocol::kApiV2) {
    if (!match && !catalog_.AllowedMethods(path).empty()) {
      return ReturnFail("method not allowed", 405);
    }
    return ReturnFail("no such API: " + std::string(IsValidUtf8(path) ? path : "(path)"), 404);
  }
  const catalog::Endpoint& ep = *match->endpoint;
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
  nlohmann::json sample = catalog::SynthesizeResponse(ep);
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
