// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The HTTP side (cpp-httplib) and the public Sandbox class: binds, converts requests and
// responses, applies the delay and drop-connection faults, and RunSandboxCommand for `wxpay
// sandbox`.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "engine.h"
#include "identity.h"
#include "tls.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox {

struct Sandbox::Impl {
  SandboxOptions options;
  std::string state_dir;
  bool temp_dir = false;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = 0;
  std::string base_url;
  std::string tls_cert_path;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool stopped = false;

  void Serve(const httplib::Request& req, httplib::Response& res);
};

void Sandbox::Impl::Serve(const httplib::Request& req, httplib::Response& res) {
  WireRequest w;
  w.method = req.method;
  w.target = req.target;
  for (const auto& [k, v] : req.headers) w.headers.Add(k, v);
  w.body = req.body;
  for (const auto& [name, file] : req.files) {
    w.form.push_back(FormPart{file.name, file.filename, file.content_type, file.content});
  }
  w.remote_addr = req.remote_addr;
  if (req.ssl != nullptr) {
    w.tls = true;
    PeerCertificate(req.ssl, &w.client_cert_pem, &w.client_cert_verified);
  }
  WireResponse r = engine->Handle(w);
  if (r.delay_ms > 0) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(std::min(r.delay_ms, 60000)),
                [this] { return stopping; });
  }
  if (r.drop_connection) {
    // Headers go out, then the body never comes and the connection is closed: the client sees a
    // broken response, as with a connection reset mid-way.
    res.status = 200;
    res.set_content_provider(1024, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.status = r.status;
  std::string content_type;
  for (const auto& [k, v] : r.headers) {
    if (EqualsIgnoreCase(k, "Content-Type")) {
      content_type = v;
    } else {
      res.set_header(k.c_str(), v);
    }
  }
  if (!r.body.empty() || !content_type.empty()) {
    res.set_content(r.body, content_type.empty() ? "text/plain" : content_type.c_str());
  }
}

Sandbox::Sandbox() : impl_(std::make_unique<Impl>()) {}

Sandbox::~Sandbox() { Stop(); }

namespace {
std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/wxpay-sandbox-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) return {};
  return std::string(buf.data());
}

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

Result<std::unique_ptr<Sandbox>> Sandbox::Start(const SandboxOptions& options) {
  // A client that hangs up must not kill the process with SIGPIPE.
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
    ::signal(SIGPIPE, SIG_IGN);
  }
  std::unique_ptr<Sandbox> sb(new Sandbox());
  Impl& d = *sb->impl_;
  d.options = options;
  if (options.state_dir.empty()) {
    d.state_dir = MakeTempDir();
    if (d.state_dir.empty()) {
      return Error(ErrorCode::kInternal, "cannot create a temporary state directory");
    }
    d.temp_dir = true;
  } else {
    d.state_dir = AbsolutePath(options.state_dir);
  }
  auto engine = Engine::Create(options, d.state_dir);
  if (!engine) {
    if (d.temp_dir) {
      std::error_code ec;
      std::filesystem::remove_all(d.state_dir, ec);
    }
    return std::move(engine).error();
  }
  d.engine = std::move(*engine);

  if (options.listen && options.tls.enabled) {
    std::string key_path;
    Status s = EnsureServerCertificate(d.state_dir, options.host, d.engine->Now(), options.tls,
                                       &d.tls_cert_path, &key_path);
    std::string problem = s ? std::string() : s.error().message;
    if (problem.empty()) {
      SandboxTlsOptions tls = options.tls;
      std::string cert_path = d.tls_cert_path;
      auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
        problem = SetupServerContext(&ctx, tls, cert_path, key_path);
        return problem.empty();
      });
      if (problem.empty() && !server->is_valid()) problem = "cannot create the TLS context";
      if (problem.empty()) d.server = std::move(server);
    }
    if (!problem.empty()) {
      d.engine->Shutdown();
      if (d.temp_dir) {
        std::error_code ec;
        std::filesystem::remove_all(d.state_dir, ec);
      }
      return Error(ErrorCode::kInvalidArgument, "TLS: " + problem);
    }
  } else if (options.listen) {
    d.server = std::make_unique<httplib::Server>();
  }
  if (options.listen) {
    size_t workers = options.worker_threads > 0
                         ? static_cast<size_t>(options.worker_threads)
                         : std::max<size_t>(4, std::thread::hardware_concurrency());
    d.server->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
    d.server->set_payload_max_length(options.max_body_bytes);
    d.server->set_keep_alive_max_count(1000);
    // httplib 0.11 workers wait out an idle keep-alive connection before Stop() can finish, so
    // the timeout bounds how long stopping takes while a client still holds a connection.
    d.server->set_keep_alive_timeout(2);
    d.server->set_read_timeout(10, 0);
    d.server->set_write_timeout(10, 0);
    d.server->set_tcp_nodelay(true);
    Impl* impl = &d;
    auto handler = [impl](const httplib::Request& req, httplib::Response& res) {
      impl->Serve(req, res);
    };
    d.server->Get(".*", handler);
    d.server->Post(".*", handler);
    d.server->Put(".*", handler);
    d.server->Patch(".*", handler);
    d.server->Delete(".*", handler);
    d.server->Options(".*", handler);
    d.server->set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                       std::exception_ptr) {
      res.status = 500;
      res.set_content(R"({"code":"SYSTEM_ERROR","message":"internal error"})", "application/json");
    });
    int port = -1;
    if (options.port > 0) {
      if (d.server->bind_to_port(options.host, options.port)) port = options.port;
    } else {
      if (auto prev = PreviousPort(d.state_dir, options.host)) {
        if (d.server->bind_to_port(options.host, *prev)) port = *prev;
      }
      if (port < 0) port = d.server->bind_to_any_port(options.host);
    }
    if (port <= 0) {
      d.engine->Shutdown();
      if (d.temp_dir) {
        std::error_code ec;
        std::filesystem::remove_all(d.state_dir, ec);
      }
      return Error(ErrorCode::kNetwork,
                   "cannot listen on " + options.host + ":" + std::to_string(options.port));
    }
    d.port = port;
    d.base_url = std::string(options.tls.enabled ? "https://" : "http://") +
                 HostForUrl(options.host) + ":" + std::to_string(port);
    httplib::Server* server = d.server.get();
    d.thread = std::thread([server] { server->listen_after_bind(); });
    // httplib's stop() is a no-op until the accept loop runs: wait for it (bounded) so that a
    // Stop() right after Start() cannot leave the thread blocked in accept().
    for (int i = 0; i < 5000 && !server->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  } else {
    d.base_url = "http://" + HostForUrl(options.host) + ":0";
  }
  d.engine->set_base_url(d.base_url);
  // Without a socket there is no URL to record: an existing client.json keeps its base_url.
  bool keep = !options.listen && FileExists(sb->client_config_path());
  std::string ca_file = options.listen && options.tls.enabled ? d.tls_cert_path : std::string();
  if (Status s = keep ? Status() : WriteClientConfig(d.engine->identity(), d.base_url, ca_file);
      !s) {
    sb->Stop();
    return std::move(s).error();
  }
  d.engine->StartNotifier();
  return sb;
}

void Sandbox::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    if (d.stopped) return;
    d.stopped = true;
    d.stopping = true;
  }
  d.cv.notify_all();
  if (d.server) d.server->stop();
  if (d.thread.joinable()) d.thread.join();
  if (d.engine) d.engine->Shutdown();
  if (d.temp_dir) {
    std::error_code ec;
    std::filesystem::remove_all(d.state_dir, ec);
  }
}

int Sandbox::port() const { return impl_->port; }
std::string Sandbox::base_url() const { return impl_->base_url; }
std::string Sandbox::tls_server_cert_path() const { return impl_->tls_cert_path; }

uint64_t Sandbox::tls_handshakes() const {
  auto* tls = dynamic_cast<httplib::SSLServer*>(impl_->server.get());
  if (tls == nullptr || tls->ssl_context() == nullptr) return 0;
  return static_cast<uint64_t>(SSL_CTX_sess_accept(tls->ssl_context()));
}
const std::string& Sandbox::state_dir() const { return impl_->state_dir; }
std::string Sandbox::client_config_path() const {
  return JoinPath(impl_->state_dir, "client.json");
}

WireResponse Sandbox::Handle(const WireRequest& request) { return impl_->engine->Handle(request); }

DemoMerchant Sandbox::demo_merchant() const {
  const auto& id = impl_->engine->identity();
  return id.demo ? *id.demo : DemoMerchant{};
}

PlatformKeys Sandbox::platform_keys() const {
  const auto& id = impl_->engine->identity();
  PlatformKeys k;
  k.certificate_serial = id.platform_cert.serial();
  k.certificate_path = id.platform_cert_path;
  k.public_key_id = id.pubkey_id;
  k.public_key_path = id.pubkey_path;
  return k;
}

std::string Sandbox::miniprogram_appid() const { return impl_->engine->identity().demo_app_id; }

SecretString Sandbox::miniprogram_appsecret() const {
  const auto& id = impl_->engine->identity();
  auto it = id.apps.find(id.demo_app_id);
  return it == id.apps.end() ? SecretString() : it->second.appsecret;
}

Status Sandbox::PayOrder(const std::string& out_trade_no, const std::string& mchid) {
  return impl_->engine->PayOrder(out_trade_no, mchid, Json::object());
}

Status Sandbox::CompleteRefund(const std::string& out_refund_no, const std::string& status,
                               const std::string& mchid) {
  return impl_->engine->CompleteRefund(out_refund_no, status, mchid);
}

Status Sandbox::SendSignTest(const std::string& url) { return impl_->engine->SendSignTest(url); }

void Sandbox::InjectFault(const Fault& fault) { impl_->engine->faults().Add(fault); }

void Sandbox::ClearFaults() { impl_->engine->faults().Clear(); }

std::vector<DeliveryRecord> Sandbox::Deliveries() const { return impl_->engine->Deliveries(); }

int RunSandboxCommand(const SandboxOptions& options) {
  // Block the stop signals in every thread (the server's threads inherit the mask) and wait for
  // them here.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  auto sb = Sandbox::Start(options);
  if (!sb) {
    std::fprintf(stderr, "wxpay sandbox: %s\n", sb.error().ToString().c_str());
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return 1;
  }
  std::printf("listening on %s\n", (*sb)->base_url().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "wxpay sandbox: state dir %s%s\nwxpay sandbox: client config %s\n",
               (*sb)->state_dir().c_str(), options.state_dir.empty() ? " (temporary)" : "",
               (*sb)->client_config_path().c_str());
  if (options.tls.enabled) {
    const DemoMerchant demo = (*sb)->demo_merchant();
    std::fprintf(stderr, "wxpay sandbox: TLS server certificate (a client's CA file) %s\n",
                 (*sb)->tls_server_cert_path().c_str());
    std::fprintf(
        stderr, "wxpay sandbox: client certificates %s%s%s\n",
        options.tls.require_client_cert ? "required" : "optional (secapi endpoints need one)",
        options.tls.client_ca_file.empty() ? ", accepted when they hold a merchant's registered key"
                                           : ", verified against ",
        options.tls.client_ca_file.c_str());
    if (!demo.pkcs12_path.empty()) {
      std::fprintf(
          stderr, "wxpay sandbox: demo client certificate %s + %s, or %s (passphrase: the mchid)\n",
          demo.certificate_path.c_str(), demo.private_key_path.c_str(), demo.pkcs12_path.c_str());
    }
  }
  int sig = 0;
  sigwait(&set, &sig);
  std::fprintf(stderr, "wxpay sandbox: %s received, stopping\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*sb)->Stop();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return 0;
}

}  // namespace wechatpay::sandbox
