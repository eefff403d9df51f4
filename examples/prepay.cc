// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// A native order by its official name, services::payments::native::Prepay, against the client
// configuration that `wxpay sandbox --state-dir DIR` writes (DIR/client.json): prints the
// code_url to show the payer and the Request-ID to keep for support, then queries the order.
//
//   wxpay sandbox --state-dir ./sbx &
//   build/dev/examples/prepay ./sbx/client.json
#include <wechatpay/wechatpay.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include <wechatpay/services/payments/native.h>

namespace native = wechatpay::services::payments::native;

// Client options from client.json (base_url, mchid, serial, private_key, platform_keys,
// apiv3_key).
static wechatpay::Result<wechatpay::Client> ClientFrom(const std::string& path) {
  std::ifstream in(path);
  nlohmann::json c = nlohmann::json::parse(in, nullptr, false);
  if (!c.is_object()) {
    return wechatpay::Error(wechatpay::ErrorCode::kInvalidArgument, "cannot read " + path);
  }
  wechatpay::ClientOptions o;
  o.base_url = c.value("base_url", "");
  o.mchid = c.value("mchid", "");
  o.merchant_serial = c.value("serial", "");
  auto key = wechatpay::PrivateKey::FromFile(c.value("private_key", ""));
  if (!key) return key.error();
  o.private_key = std::move(*key);
  for (const auto& [id, file] : c["platform_keys"].items()) {
    if (id.rfind("PUB_KEY_ID_", 0) == 0) {
      auto pub = wechatpay::PublicKey::FromFile(file.get<std::string>());
      if (!pub) return pub.error();
      o.platform_public_keys[id] = std::move(*pub);
    } else {
      auto cert = wechatpay::Certificate::FromFile(file.get<std::string>());
      if (!cert) return cert.error();
      o.platform_certificates.push_back(std::move(*cert));
    }
  }
  o.apiv3_key = wechatpay::SecretString(c.value("apiv3_key", ""));
  o.appid = c.value("appid", "wxd678efh567hg6787");
  return wechatpay::Client::Create(std::move(o));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CLIENT_JSON (from wxpay sandbox --state-dir DIR)\n", argv[0]);
    return 2;
  }
  auto client = ClientFrom(argv[1]);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().ToString().c_str());
    return 1;
  }
  native::PrepayRequest req;
  req.appid = client->options().appid;
  req.mchid = client->options().mchid;
  req.description = "Image形象店-深圳腾大-QQ公仔";
  req.out_trade_no = "EXAMPLE" + std::to_string(std::time(nullptr));
  req.notify_url = "https://www.example.com/wxpay/notify";
  req.amount.total = 100;  // fen
  auto r = native::Prepay(*client, req);
  if (!r) {  // the message, HTTP status, WeChat Pay's code and the Request-ID when answered
    std::fprintf(stderr, "prepay failed: %s\n", r.error().ToString().c_str());
    return 1;
  }
  std::printf("code_url %s\n", r->value.code_url.value_or("(none)").c_str());
  std::printf("Request-ID %s\n", r->request_id().c_str());

  native::QueryOrderByOutTradeNoRequest query;
  query.mchid = req.mchid;
  auto order = native::QueryOrderByOutTradeNo(*client, req.out_trade_no, query);
  if (!order) {
    std::fprintf(stderr, "query failed: %s\n", order.error().ToString().c_str());
    return 1;
  }
  std::string state(wechatpay::models::WireName(order->value.trade_state));
  std::printf("trade_state %s\n", state.c_str());
  std::printf("Request-ID %s\n", order->request_id().c_str());
  return 0;
}
