// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay demo: starts an embedded sandbox on a free loopback port, then walks through the SDK —
// certificate download, the seed endpoints (APIv3 with encrypted fields, APIv2 XML, the
// mini-program API), a native order paid with its callback received and verified, and a forged
// response rejected — printing each step, then a summary. Exit 0 only when every step verified.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "demo_data.h"
#include "output.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/client.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wxpay {

using wechatpay::Error;
using wechatpay::ErrorCode;

namespace {

constexpr int kSteps = 10;
constexpr size_t kShown = 118;  // characters of a response body shown on one line

std::string ShortJson(const std::string& body) {
  auto j = nlohmann::ordered_json::parse(body, nullptr, false);
  std::string text = j.is_discarded() ? body : DumpJson(j, false);
  return Ellipsize(text, kShown);
}

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// "2024-05-20T13:29:35+08:00" (China Standard Time, as WeChat Pay writes times).
std::string NowRfc3339Cst() {
  std::time_t t = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
  return buf;
}

// Prints the walk-through and remembers each step's outcome.
class Walkthrough {
 public:
  struct Step {
    std::string title;
    bool ok = false;
    std::string outcome;
    int exit_code = kExitOk;
  };

  void Begin(const std::string& title, const std::string& request) {
    current_ = Step{title, false, {}, kExitOk};
    Print("\n[" + std::to_string(steps_.size() + 1) + "/" + std::to_string(kSteps) + "] " + title);
    if (!request.empty()) Info(request);
  }
  void Info(const std::string& line) { Print("      " + line); }
  void Ok(const std::string& what) {
    current_.ok = true;
    current_.outcome = what;
    Print("      ok: " + what);
    steps_.push_back(current_);
  }
  void Fail(const std::string& what, int exit_code) {
    current_.ok = false;
    current_.outcome = what;
    current_.exit_code = exit_code == kExitOk ? kExitFailure : exit_code;
    Print("      FAILED: " + what);
    steps_.push_back(current_);
  }
  void Fail(const Error& e) { Fail(Describe(e), ExitCodeFor(e.code)); }

  static std::string Describe(const Error& e) {
    std::string s = std::string(wechatpay::ErrorCodeName(e.code)) + ": " + e.message;
    if (e.code == ErrorCode::kApi) {
      if (e.http_status != 0) s += " [HTTP " + std::to_string(e.http_status) + "]";
      if (!e.request_id.empty()) s += " [Request-ID " + e.request_id + "]";
    }
    return s;
  }

  int Summary() const {
    Print("\nSummary");
    int failed = 0;
    int exit_code = kExitOk;
    for (size_t i = 0; i < steps_.size(); ++i) {
      const Step& s = steps_[i];
      std::string mark = s.ok ? "  ok      " : "  FAILED  ";
      std::string number = std::to_string(i + 1) + ".";
      if (number.size() < 3) number.insert(0, 3 - number.size(), ' ');
      Print(mark + number + " " + s.title +
            (s.ok ? std::string() : " — " + Ellipsize(s.outcome, 100)));
      if (!s.ok) {
        ++failed;
        if (exit_code == kExitOk) exit_code = s.exit_code;
      }
    }
    if (failed == 0 && steps_.size() == static_cast<size_t>(kSteps)) {
      Print("\nAll " + std::to_string(kSteps) + " steps verified.");
      return kExitOk;
    }
    Print("\n" + std::to_string(failed) + " of " + std::to_string(steps_.size()) +
          " steps failed.");
    return exit_code == kExitOk ? kExitFailure : exit_code;
  }

 private:
  static void Print(const std::string& line) { WriteStdout(line + "\n"); }
  std::vector<Step> steps_;
  Step current_;
};

// The merchant's callback endpoint: a tiny HTTP server on 127.0.0.1 that verifies each callback
// with the client and answers 204 (or 401 when it does not verify, so WeChat Pay retries).
class CallbackListener {
 public:
  struct Received {
    bool verified = false;
    Error error;
    wechatpay::Notification notification;
    std::string serial;
  };

  explicit CallbackListener(wechatpay::Client client) : client_(std::move(client)) {}
  ~CallbackListener() { Stop(); }

  bool Start() {
    server_.Post("/wxpay/notify", [this](const httplib::Request& req, httplib::Response& res) {
      wechatpay::Headers headers;
      for (const auto& [k, v] : req.headers) headers.Add(k, v);
      auto n = client_.ParseNotification(headers, req.body);
      {
        std::lock_guard<std::mutex> lock(mu_);
        Received r;
        r.serial = headers.Get("Wechatpay-Serial");
        if (n) {
          r.verified = true;
          r.notification = std::move(*n);
        } else {
          r.error = n.error();
        }
        received_ = std::move(r);
      }
      cv_.notify_all();
      if (n) {
        res.status = 204;
      } else {
        res.status = 401;
        res.set_content(R"({"code":"FAIL","message":"verification failed"})", "application/json");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_.is_running();
  }

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/wxpay/notify"; }

  std::optional<Received> Wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return received_.has_value(); });
    return received_;
  }

 private:
  wechatpay::Client client_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Received> received_;
};

void StepCertificates(Walkthrough& w, const wechatpay::Client& client) {
  w.Begin("Download the platform certificates", "GET /v3/certificates");
  auto certs = client.RefreshPlatformCertificates();
  if (!certs) return w.Fail(certs.error());
  for (const auto& d : *certs) {
    w.Info("serial " + d.serial_no + "  valid " +
           wechatpay::UtcTimeText(d.certificate.not_before()) + " to " +
           wechatpay::UtcTimeText(d.certificate.not_after()));
  }
  w.Ok(std::to_string(certs->size()) + " certificate" + (certs->size() == 1 ? "" : "s") +
       " decrypted with the APIv3 key (AEAD_AES_256_GCM); the response signature verified");
}

void StepTradeUnion(Walkthrough& w, const wechatpay::Client& client) {
  w.Begin("Report trade union information (phone and certificates_number encrypted)",
          "POST /v3/merchant-risk-manage/report-trade-union-information");
  auto key = client.platform_keys().EncryptionKey(static_cast<int64_t>(std::time(nullptr)));
  if (key) {
    w.Info("phone, certificates_number: RSA-OAEP encrypted with " + key->id +
           " (sent as Wechatpay-Serial)");
  }
  wechatpay::CallOptions call;
  call.encrypt_fields = {"phone", "certificates_number"};
  auto res = client.chain("v3/merchant-risk-manage/report-trade-union-information")
                 .post(demo::TradeUnionReport(), std::move(call));
  if (!res) return w.Fail(res.error());
  w.Info("-> " + std::to_string(res->status) + " " + ShortJson(res->body));
  w.Ok("response signature verified (" + res->headers.Get("Wechatpay-Serial") + ")");
}

void StepTradeRisk(Walkthrough& w, const wechatpay::Client& client) {
  w.Begin("Query trade risk information", "GET /v3/merchant-risk-manage/trade-risk-information");
  wechatpay::CallOptions call;
  call.query = demo::TradeRiskQuery();
  w.Info("out_trade_no 1217752501201407033233368018, with the page's complaints_information");
  auto res = client.chain("v3/merchant-risk-manage/trade-risk-information").get(std::move(call));
  if (!res) return w.Fail(res.error());
  auto j = res->json();
  if (!j) return w.Fail(j.error());
  w.Info("-> " + std::to_string(res->status) + " risk_score " + Str(*j, "risk_score") +
         ", risk_type " + Str(*j, "risk_type") + ", punish_type " + Str(*j, "punish_type") + " (" +
         Str(*j, "punish_description") + ")");
  w.Ok("response signature verified (" + res->headers.Get("Wechatpay-Serial") + ")");
}

void StepBlockSubmission(Walkthrough& w, const wechatpay::Client& client) {
  w.Begin("Submit a transaction block appeal",
          std::string("POST /v3/transaction-block/transaction-block-submissions/sub-mchid/") +
              demo::kBlockSubMchid);
  w.Info("submit_data is a JSON document in a string, holding another one (repeated_field_data)");
  wechatpay::CallOptions call;
  call.path = {{"sub_mchid", demo::kBlockSubMchid}};
  auto res =
      client.chain("v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}")
          .post(demo::BlockSubmission(), std::move(call));
  if (!res) return w.Fail(res.error());
  auto j = res->json();
  if (!j) return w.Fail(j.error());
  w.Info("-> " + std::to_string(res->status) + " block_submission_id " +
         Str(*j, "block_submission_id") + ", review_result " + Str(*j, "review_result"));
  w.Ok("response signature verified (" + res->headers.Get("Wechatpay-Serial") + ")");
}

void StepPayitil(Walkthrough& w, const wechatpay::Client& client, const std::string& mchid) {
  w.Begin("APIv2: report interface call quality", "POST /payitil/report (XML, HMAC-SHA256 sign)");
  wechatpay::CallOptions call;
  call.xml = std::make_shared<wechatpay::apiv2::Fields>(demo::PayitilReport(mchid));
  auto res = client.chain("v2/payitil/report").request("POST", std::move(call));
  if (!res) return w.Fail(res.error());
  auto fields = wechatpay::apiv2::DecodeXml(res->body);
  if (!fields) return w.Fail(fields.error());
  std::string shown;
  for (const auto& [k, v] : *fields) {
    if (k == "sign" || k == "nonce_str") continue;
    shown += (shown.empty() ? "" : ", ") + k + "=" + v;
  }
  w.Info("-> " + std::to_string(res->status) + " " + Ellipsize(shown, kShown));
  if (fields->Get("return_code") != "SUCCESS" || fields->Get("result_code") != "SUCCESS") {
    return w.Fail("the APIv2 answer is not SUCCESS", kExitApi);
  }
  w.Ok("response sign verified with the APIv2 key");
}

void StepCombineOrders(Walkthrough& w, const wechatpay::Client& client, const std::string& appid) {
  w.Begin("Mini-program: upload combined shopping details",
          "POST /user-order/combine-orders?access_token=…");
  w.Info("the SDK gets an access_token for " + appid + " and adds it (never shown)");
  auto res =
      client.chain("user-order/combine-orders").post(demo::CombineOrders(appid, NowRfc3339Cst()));
  if (!res) return w.Fail(res.error());
  auto j = res->json();
  if (!j) return w.Fail(j.error());
  w.Info("-> " + std::to_string(res->status) + " " + ShortJson(res->body));
  if (Str(*j, "errcode") != "0") {
    return w.Fail("errcode " + Str(*j, "errcode") + ": " + Str(*j, "errmsg"), kExitApi);
  }
  w.Ok("errcode 0");
}

int Walk(const GlobalOptions& g, const DemoOptions& o, wechatpay::sandbox::Sandbox& sandbox) {
  GlobalOptions demo_flags;
  demo_flags.config_path = sandbox.client_config_path();
  demo_flags.verbose = g.verbose;
  demo_flags.timeout_seconds = 10;
  auto config = LoadConfig(demo_flags, /*use_environment=*/false);
  if (!config) return ReportError(config.error(), "the sandbox's client.json");
  auto options = MakeClientOptions(*config, kNeedMerchant | kNeedPlatformKeys | kNeedApiV3Key |
                                                kNeedApiV2Key | kNeedMiniProgram);
  if (!options) return ReportError(options.error(), "the sandbox's client.json");
  auto client = wechatpay::Client::Create(std::move(*options));
  if (!client) return ReportError(client.error(), "creating the client");
  wechatpay::sandbox::DemoMerchant merchant = sandbox.demo_merchant();

  std::string keys;
  for (const auto& k : client->platform_keys().All()) {
    keys +=
        (keys.empty() ? "" : ", ") + k.id + (k.certificate ? " (certificate)" : " (public key)");
  }
  WriteStdout(
      "  sandbox     " + sandbox.base_url() +
      (o.state_dir.empty() ? "  (temporary state)" : "  (state in " + sandbox.state_dir() + ")") +
      "\n");
  WriteStdout("  config      " + sandbox.client_config_path() + "\n");
  WriteStdout("  merchant    " + config->mchid.value + ", API certificate serial " +
              config->serial.value + "\n");
  WriteStdout("  verify with " + keys + "\n");
  WriteStdout(
      "  secrets     APIv3 key, APIv2 key and the mini-program AppSecret are loaded, never "
      "shown\n");

  Walkthrough w;
  StepCertificates(w, *client);
  StepTradeUnion(w, *client);
  StepTradeRisk(w, *client);
  StepBlockSubmission(w, *client);
  StepPayitil(w, *client, config->mchid.value);
  StepCombineOrders(w, *client, config->mp_appid.value);

  // A native order, paid, with its callback.
  CallbackListener listener(*client);
  bool listening = listener.Start();
  std::string out_trade_no =
      "DEMO" + std::to_string(std::time(nullptr)) + wechatpay::crypto::RandomNonce(4);
  bool order_created = false;
  w.Begin("Create a native (QR code) order", "POST /v3/pay/transactions/native");
  if (!listening) {
    w.Fail("cannot listen on 127.0.0.1 for the callback", kExitNetwork);
  } else {
    nlohmann::json order = {
        {"appid", merchant.appid},
        {"mchid", config->mchid.value},
        {"description", "Image形象店-深圳腾大-QQ公仔"},
        {"out_trade_no", out_trade_no},
        {"notify_url", listener.url()},
        {"amount", {{"total", 1}, {"currency", "CNY"}}},
    };
    w.Info("out_trade_no " + out_trade_no + ", 1 fen, notify_url " + listener.url());
    auto res = client->chain("v3/pay/transactions/native").post(order);
    if (!res) {
      w.Fail(res.error());
    } else {
      auto j = res->json();
      w.Info("-> " + std::to_string(res->status) + " code_url " + (j ? Str(*j, "code_url") : ""));
      order_created = true;
      w.Ok("response signature verified (" + res->headers.Get("Wechatpay-Serial") + ")");
    }
  }

  w.Begin("Pay the order; receive and verify the callback",
          "the sandbox marks it paid and POSTs TRANSACTION.SUCCESS to the notify_url");
  if (!order_created) {
    w.Fail("no order to pay (the previous step failed)", kExitFailure);
  } else if (wechatpay::Status s = sandbox.PayOrder(out_trade_no); !s) {
    w.Fail(s.error());
  } else {
    auto received = listener.Wait(std::chrono::seconds(o.callback_timeout_seconds));
    if (!received) {
      w.Fail("no callback within " + std::to_string(o.callback_timeout_seconds) + " s",
             kExitNetwork);
    } else if (!received->verified) {
      w.Fail(received->error);
    } else {
      const wechatpay::Notification& n = received->notification;
      auto resource = nlohmann::json::parse(n.plaintext.view(), nullptr, false);
      w.Info("callback " + n.event_type + " (" + n.summary + "), signed by " + received->serial);
      w.Info("decrypted: trade_state " + Str(resource, "trade_state") + ", transaction_id " +
             Str(resource, "transaction_id") + ", amount " +
             Str(resource.value("amount", nlohmann::json::object()), "total") + " fen");
      if (Str(resource, "trade_state") != "SUCCESS" ||
          Str(resource, "out_trade_no") != out_trade_no) {
        w.Fail("the callback does not describe the paid order", kExitDecryption);
      } else {
        w.Ok("callback signature verified, resource decrypted with the APIv3 key; answered 204");
      }
    }
  }
  listener.Stop();

  const std::string query_uri = "v3/pay/transactions/out-trade-no/{out_trade_no}";
  auto query_order = [&]() {
    wechatpay::CallOptions call;
    call.path = {{"out_trade_no", out_trade_no}};
    call.query = {{"mchid", config->mchid.value}};
    return client->chain(query_uri).get(std::move(call));
  };
  w.Begin("Query the order", "GET /v3/pay/transactions/out-trade-no/" + out_trade_no);
  if (auto res = query_order(); !res) {
    w.Fail(res.error());
  } else {
    auto j = res->json();
    std::string state = j ? Str(*j, "trade_state") : std::string();
    w.Info("-> " + std::to_string(res->status) + " trade_state " + state +
           (j ? " (" + Str(*j, "trade_state_desc") + ")" : std::string()));
    if (order_created && state != "SUCCESS") {
      w.Fail("the order is " + state + ", not SUCCESS", kExitApi);
    } else {
      w.Ok("response signature verified (" + res->headers.Get("Wechatpay-Serial") + ")");
    }
  }

  w.Begin("Reject a forged response",
          "the same query; the sandbox signs other bytes than it sends (fault injection)");
  wechatpay::sandbox::Fault fault;
  fault.kind = wechatpay::sandbox::Fault::Kind::kBadSignature;
  fault.count = 1;
  fault.path_prefix = "/v3/pay/transactions/out-trade-no/";
  sandbox.InjectFault(fault);
  if (auto res = query_order(); res) {
    w.Fail("a response with a forged signature was accepted", kExitVerification);
  } else if (res.error().code != ErrorCode::kBadSignature) {
    w.Fail(res.error());
  } else {
    w.Info("-> rejected: " + Ellipsize(Walkthrough::Describe(res.error()), kShown));
    w.Ok("the forged response was rejected (bad signature) and never reached the caller");
  }
  sandbox.ClearFaults();

  int rc = w.Summary();
  if (rc == kExitOk) {
    WriteStdout(
        "\nTry it yourself: `wxpay sandbox --state-dir ./sbx` in one terminal, then\n"
        "  wxpay --config ./sbx/client.json crt -o ./sbx/certs\n"
        "  wxpay --config ./sbx/client.json describe POST v3/pay/transactions/native\n");
  }
  return rc;
}

}  // namespace

int RunDemo(const GlobalOptions& g, const DemoOptions& o) {
  WriteStdout("wxpay demo: the WeChat Pay SDK against a local sandbox\n\n");
  wechatpay::sandbox::SandboxOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.state_dir = o.state_dir;
  so.log_requests = g.verbose;
  so.notify_time_scale = 0.01;  // callback retries within a fraction of a second
  auto started = wechatpay::sandbox::Sandbox::Start(so);
  if (!started) return ReportError(started.error(), "starting the sandbox");
  std::unique_ptr<wechatpay::sandbox::Sandbox> sandbox = std::move(*started);
  // The walk's client goes away before the sandbox stops: its idle keep-alive connections would
  // otherwise hold the server's workers until their keep-alive timeout.
  int rc = Walk(g, o, *sandbox);
  sandbox->Stop();
  return rc;
}

}  // namespace wxpay
