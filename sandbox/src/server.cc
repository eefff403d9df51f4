// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The public Sandbox class: prepares the engine, serves it over HTTP(S) with HttpServer
// (http_server.h), and RunSandboxCommand for `wxpay sandbox`.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "engine.h"
#include "http_server.h"
#include "identity.h"
#include "tls.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox {

struct Sandbox::Impl {
  SandboxOptions options;
  std::string state_dir;
  bool temp_dir = false;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<HttpServer> server;
  SSL_CTX* ssl_ctx = nullptr;
  int port = 0;
  std::string base_url;
  std::string tls_cert_path;

  std::mutex mu;
  bool stopped = false;

  ~Impl() {
    if (ssl_ctx != nullptr) SSL_CTX_free(ssl_ctx);
  }
};

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

// The connection limit: as given, else 4096 or what the open-file limit leaves (128 descriptors
// kept for the state files, callbacks and the process's own use).
size_t DefaultMaxConnections(int requested) {
  if (requested > 0) return static_cast<size_t>(requested);
  size_t n = 4096;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    size_t room = rl.rlim_cur > 256 ? static_cast<size_t>(rl.rlim_cur) - 128 : 128;
    n = std::min(n, room);
  }
  return n;
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

  auto fail = [&d](Error e) -> Result<std::unique_ptr<Sandbox>> {
    d.engine->Shutdown();
    if (d.temp_dir) {
      std::error_code ec;
      std::filesystem::remove_all(d.state_dir, ec);
    }
    return e;
  };
  if (options.listen && options.tls.enabled) {
    std::string key_path;
    Status s = EnsureServerCertificate(d.state_dir, options.host, d.engine->Now(), options.tls,
                                       &d.tls_cert_path, &key_path);
    std::string problem = s ? std::string() : s.error().message;
    if (problem.empty()) {
      d.ssl_ctx = SSL_CTX_new(TLS_server_method());
      if (d.ssl_ctx == nullptr) {
        problem = "cannot create the TLS context";
        ERR_clear_error();
      } else {
        problem = SetupServerContext(d.ssl_ctx, options.tls, d.tls_cert_path, key_path);
      }
    }
    if (!problem.empty()) return fail(Error(ErrorCode::kInvalidArgument, "TLS: " + problem));
  }
  if (options.listen) {
    HttpServerOptions so;
    so.workers = options.worker_threads > 0
                     ? static_cast<size_t>(options.worker_threads)
                     : std::max<size_t>(4, std::thread::hardware_concurrency());
    so.max_connections = DefaultMaxConnections(options.max_connections);
    so.request_timeout_ms = options.request_timeout_ms > 0 ? options.request_timeout_ms : 10000;
    so.idle_timeout_ms = options.idle_timeout_ms > 0 ? options.idle_timeout_ms : 5000;
    so.max_body_bytes = options.max_body_bytes;
    so.ssl_ctx = d.ssl_ctx;
    Engine* eng = d.engine.get();
    d.server = std::make_unique<HttpServer>(
        so, [eng](const WireRequest& req) { return eng->Handle(req); });
    Result<int> bound = Error(ErrorCode::kNetwork, "");
    if (options.port > 0) {
      bound = d.server->Bind(options.host, options.port);
    } else {
      if (auto prev = PreviousPort(d.state_dir, options.host)) {
        bound = d.server->Bind(options.host, *prev);
      }
      if (!bound) bound = d.server->Bind(options.host, 0);
    }
    if (!bound) return fail(std::move(bound).error());
    if (Status st = d.server->Start(); !st) return fail(std::move(st).error());
    d.port = *bound;
    d.base_url = std::string(options.tls.enabled ? "https://" : "http://") +
                 HostForUrl(options.host) + ":" + std::to_string(d.port);
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
  if (options.send_callbacks) d.engine->StartNotifier();
  return sb;
}

void Sandbox::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    if (d.stopped) return;
    d.stopped = true;
  }
  if (d.server) d.server->Stop();
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
  if (impl_->ssl_ctx == nullptr) return 0;
  return static_cast<uint64_t>(SSL_CTX_sess_accept(impl_->ssl_ctx));
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
  // The server holds one descriptor per connection: make room for the connection limit, as far
  // as the hard open-file limit allows (the default soft limit is often 1024).
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want =
        static_cast<rlim_t>(options.max_connections > 0 ? options.max_connections : 4096) + 256;
    if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
      rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
      (void)::setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
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
