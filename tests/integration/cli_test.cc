// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The built `wxpay` binary against an in-process sandbox on 127.0.0.1: every command, every exit
// code, configuration precedence (flag > environment > file), and that no secret reaches stdout
// or stderr, even with --verbose. Every wait is bounded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_util.h"
#include "wechatpay/auth.h"
#include "wechatpay/crypto.h"
#include "wechatpay/sandbox/sandbox.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::MakeNotification;
using wechatpay::testing::SignResponse;

extern char** environ;

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kWxpay = WECHATPAY_BINARY_DIR "/apps/wxpay/wxpay";

// ---- running the binary ------------------------------------------------------------------------

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
  std::string all() const { return out + err; }
};

using Env = std::map<std::string, std::string>;

// argv / envp built before fork(): the child only calls async-signal-safe functions.
struct ExecArgs {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;

  ExecArgs(const std::vector<std::string>& args, const Env& env) {
    storage.push_back(kWxpay);
    storage.insert(storage.end(), args.begin(), args.end());
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    // The test's environment without any WECHATPAY_* variable, plus `env`.
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "WECHATPAY_", 10) != 0) env_storage.emplace_back(*e);
    }
    for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
    for (auto& s : env_storage) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
};

// A running wxpay process with its stdout and stderr on pipes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const Env& env, const std::string& stdin_file = {}) {
    ExecArgs ea(args, env);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return;
    std::string in_path = stdin_file.empty() ? "/dev/null" : stdin_file;
    pid_ = fork();
    if (pid_ == 0) {
      int in = open(in_path.c_str(), O_RDONLY);
      if (in >= 0) dup2(in, 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      execve(kWxpay, ea.argv.data(), ea.envp.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Reads until `done(out)` holds, both pipes close, or the deadline passes.
  template <typename Pred>
  bool ReadUntil(std::chrono::steady_clock::time_point deadline, Pred done) {
    while (!done(out_)) {
      if (out_fd_ < 0 && err_fd_ < 0) return false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return false;
      pollfd fds[2];
      int n = 0;
      if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
      if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
      int r = poll(fds, static_cast<nfds_t>(n), static_cast<int>(std::min<int64_t>(left, 200)));
      if (r < 0 && errno != EINTR) return false;
      for (int i = 0; i < n; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        char buf[8192];
        ssize_t got = read(fds[i].fd, buf, sizeof buf);
        bool is_out = fds[i].fd == out_fd_;
        if (got > 0) {
          (is_out ? out_ : err_).append(buf, static_cast<size_t>(got));
        } else {
          close(fds[i].fd);
          (is_out ? out_fd_ : err_fd_) = -1;
        }
      }
    }
    return true;
  }

  // Waits for the exit (bounded); kills the process when the deadline passes.
  RunResult Finish(std::chrono::seconds timeout) {
    RunResult r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    ReadUntil(deadline, [](const std::string&) { return false; });
    int status = 0;
    while (true) {
      pid_t w = waitpid(pid_, &status, WNOHANG);
      if (w == pid_) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reaped_ = true;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = out_;
    r.err = err_;
    return r;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
};

RunResult RunWxpay(const std::vector<std::string>& args, const Env& env = {},
                   int timeout_seconds = 60, const std::string& stdin_file = {}) {
  Child c(args, env, stdin_file);
  if (!c.started()) return RunResult{};
  return c.Finish(std::chrono::seconds(timeout_seconds));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// A loopback port nothing listens on.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wxpay-cli-test-XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

// An httplib server on a free loopback port, on its own thread.
class LocalServer {
 public:
  httplib::Server& server() { return server_; }
  bool Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_.is_running();
  }
  ~LocalServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

// ---- the fixture: one sandbox for the whole suite ----------------------------------------------

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox::SandboxOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.notify_time_scale = 0.001;
    auto sb = sandbox::Sandbox::Start(o);
    ASSERT_TRUE(sb.ok()) << sb.error().ToString();
    sandbox_ = std::move(*sb).release();
    config_ = new std::string(sandbox_->client_config_path());
    tmp_ = new std::string(MakeTempDir());

    // Every secret the CLI could leak.
    auto m = sandbox_->demo_merchant();
    auto* s = new std::vector<std::string>();
    s->push_back(m.apiv3_key.reveal());
    s->push_back(m.apiv2_key.reveal());
    s->push_back(sandbox_->miniprogram_appsecret().reveal());
    std::istringstream pem(ReadFile(m.private_key_path));
    for (std::string line; std::getline(pem, line);) {
      if (line.size() >= 40 && line.find("-----") == std::string::npos) s->push_back(line);
    }
    secrets_ = s;
  }
  static void TearDownTestSuite() {
    if (sandbox_ != nullptr) sandbox_->Stop();
    delete sandbox_;
    sandbox_ = nullptr;
    if (tmp_ != nullptr && !tmp_->empty()) std::filesystem::remove_all(*tmp_);
    delete tmp_;
    delete config_;
    delete secrets_;
  }
  void SetUp() override {
    ASSERT_NE(sandbox_, nullptr);
    ASSERT_TRUE(std::filesystem::exists(kWxpay)) << kWxpay << " was not built";
  }
  void TearDown() override { sandbox_->ClearFaults(); }

  static std::string Tmp(const std::string& name) { return *tmp_ + "/" + name; }

  // Runs wxpay with the sandbox's client.json.
  static RunResult Wxpay(std::vector<std::string> args, const Env& env = {}, int timeout = 60) {
    args.insert(args.begin(), {"--config", *config_});
    return RunWxpay(args, env, timeout);
  }

  // No secret in stdout or stderr. `allow_authorization` for `wxpay sign`, whose output is one.
  static void ExpectNoSecrets(const RunResult& r, bool allow_authorization = false) {
    for (const std::string& s : *secrets_) {
      EXPECT_THAT(r.out, Not(HasSubstr(s))) << "a secret reached stdout";
      EXPECT_THAT(r.err, Not(HasSubstr(s))) << "a secret reached stderr";
    }
    EXPECT_THAT(r.all(), Not(HasSubstr("PRIVATE KEY")));
    EXPECT_THAT(r.all(), Not(HasSubstr("SBX_"))) << "a mini-program access_token was printed";
    EXPECT_FALSE(std::regex_search(r.all(), std::regex("access_token=[A-Za-z0-9_-]")))
        << "an access_token was printed";
    if (!allow_authorization) {
      EXPECT_THAT(r.all(), Not(HasSubstr("signature=\"")));
      EXPECT_THAT(r.all(), Not(HasSubstr(std::string(kAuthScheme))));
    }
  }

  // Reports a trade union record for `out_trade_no` through the CLI.
  static RunResult Report(const std::string& out_trade_no, std::vector<std::string> extra = {}) {
    nlohmann::json body = {{"sub_mchid", "1900009231"},
                           {"out_trade_no", out_trade_no},
                           {"phone", "13800138000"},
                           {"certificates_number", "110101199003071234"},
                           {"risk_level", 2}};
    std::vector<std::string> args = {"request", "POST",
                                     "v3/merchant-risk-manage/report-trade-union-information",
                                     "--json", body.dump()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Wxpay(args);
  }

  static sandbox::Sandbox* sandbox_;
  static std::string* config_;
  static std::string* tmp_;
  static std::vector<std::string>* secrets_;
};

sandbox::Sandbox* CliTest::sandbox_ = nullptr;
std::string* CliTest::config_ = nullptr;
std::string* CliTest::tmp_ = nullptr;
std::vector<std::string>* CliTest::secrets_ = nullptr;

// ---- basics ------------------------------------------------------------------------------------

TEST_F(CliTest, VersionAndHelp) {
  auto v = RunWxpay({"--version"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr("wxpay 0.1.0"));
  auto h = RunWxpay({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd :
       {"request", "sign", "crt", "notify", "endpoints", "describe", "sandbox", "demo"}) {
    EXPECT_THAT(h.out, HasSubstr(cmd));
  }
  auto rh = RunWxpay({"request", "--help"});
  EXPECT_EQ(rh.exit_code, 0);
  EXPECT_THAT(rh.out, HasSubstr("--query"));
}

TEST_F(CliTest, BadUsageExitsTwo) {
  auto none = RunWxpay({});
  EXPECT_EQ(none.exit_code, 2);
  auto unknown = RunWxpay({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  auto flag = RunWxpay({"endpoints", "--no-such-flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.err, HasSubstr("--no-such-flag"));
  auto missing = RunWxpay({"request", "GET"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("uri"));
  // A mistyped secret flag: the value must not be echoed.
  auto typo = RunWxpay({"endpoints", "--apiv3key", "TOPSECRETVALUE0123456789abcdefgh"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("--apiv3key"));
  EXPECT_THAT(typo.all(), Not(HasSubstr("TOPSECRETVALUE")));
}

// ---- request -----------------------------------------------------------------------------------

TEST_F(CliTest, RequestEncryptsSignsVerifiesAndPrints) {
  auto r = Report("CLI-RISK-0001");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j.value("out_trade_no", ""), "CLI-RISK-0001");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "compact when not a terminal";
  ExpectNoSecrets(r);

  // Global options after the command name, and query parameters.
  auto q = RunWxpay({"request", "GET", "v3/merchant-risk-manage/trade-risk-information", "-q",
                     "sub_mchid=1900009231", "--query", "out_trade_no=CLI-RISK-0001", "--config",
                     *config_, "--pretty"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto risk = nlohmann::json::parse(q.out, nullptr, false);
  ASSERT_TRUE(risk.is_object()) << q.out;
  EXPECT_TRUE(risk.contains("risk_score"));
  EXPECT_THAT(q.out, HasSubstr("\n  \"")) << "--pretty indents";
  ExpectNoSecrets(q);
}

TEST_F(CliTest, RequestIncludeShowsStatusAndHeaders) {
  auto r = Wxpay({"request", "GET", "v3/certificates", "--include"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("HTTP 200\n"));
  EXPECT_THAT(r.out, HasSubstr("Request-ID: "));
  EXPECT_THAT(r.out, HasSubstr("Wechatpay-Serial: "));
  EXPECT_THAT(r.out, HasSubstr("\"data\""));
}

TEST_F(CliTest, RequestWithPathParameterAndJsonFile) {
  nlohmann::json submission = {
      {"merchant_submit_id", "CLI-APPEAL-1"},
      {"submit_data", nlohmann::json{{"record_fields", {{{"item_id", "1"}, {"type", 1}}}}}.dump()}};
  WriteFile(Tmp("appeal.json"), submission.dump());
  auto r = Wxpay({"request", "POST",
                  "v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}",
                  "--path", "sub_mchid=123000110", "--json", "@" + Tmp("appeal.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_FALSE(j.value("block_submission_id", "").empty());
}

TEST_F(CliTest, RequestValidatesConcretePathsAndSuggestsForUnknownEndpoints) {
  // A concrete path is checked against its template before anything is sent.
  auto missing = Wxpay({"request", "GET", "v3/pay/transactions/out-trade-no/NC1"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("query.mchid: required query parameter is missing"));
  // An unknown endpoint is refused with a suggestion and the way to send it anyway.
  auto typo = Wxpay({"request", "POST", "v3/pay/transactions/natve", "--json", "{}"});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_THAT(typo.err, HasSubstr("did you mean POST v3/pay/transactions/native?"));
  EXPECT_THAT(typo.err, HasSubstr("--allow-unknown"));
  // With --allow-unknown it goes to the server (the sandbox answers 404 for it).
  auto sent =
      Wxpay({"request", "POST", "v3/pay/transactions/natve", "--json", "{}", "--allow-unknown"});
  EXPECT_EQ(sent.exit_code, 4) << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("404"));
}

TEST_F(CliTest, RequestApiV2) {
  nlohmann::json trades = nlohmann::json::array({{{"out_trade_no", "out_trade_no_test_1"},
                                                  {"begin_time", "20160602203256"},
                                                  {"end_time", "20160602203257"},
                                                  {"state", "OK"},
                                                  {"err_msg", ""}}});
  auto r = Wxpay({"request", "POST", "v2/payitil/report", "--xml", "appid=wx8888888888888888",
                  "--xml", "mch_id=" + sandbox_->demo_merchant().mchid, "--xml",
                  "interface_url=https://api.mch.weixin.qq.com/pay/batchreport/micropay/total",
                  "--xml", "user_ip=8.8.8.8", "--xml", "trades=" + trades.dump(), "--verbose"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.value("return_code", ""), "SUCCESS");
  EXPECT_EQ(j.value("result_code", ""), "SUCCESS");
  ExpectNoSecrets(r);
}

TEST_F(CliTest, RequestMiniProgram) {
  nlohmann::json body = {
      {"order_key", {{"order_number_type", 2}, {"transaction_id", "4200000001202105201234567890"}}},
      {"sub_orders",
       {{{"order_key", {{"order_number_type", 2}, {"transaction_id", "4200000002202105201234"}}},
         {"order_detail_jump_link",
          {{"type", 1}, {"url", "https://www.weixin.qq.com/wxpay/pay.php"}}},
         {"item_list",
          {{{"name", "iPhoneX 256G"},
            {"unit_price", 828800},
            {"quantity", 1},
            {"image_url", {"https://qpic.cn/xxx"}},
            {"item_detail_jump_link",
             {{"type", 1}, {"url", "https://www.weixin.qq.com/wxpay/pay.php"}}}}}},
         {"logistics_type", 3}}}},
      {"payer", {{"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}},
      {"upload_time", "2030-05-20T13:29:35+08:00"}};
  auto r = Wxpay({"request", "POST", "user-order/combine-orders", "--json", body.dump(), "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.value("errcode", -1), 0);
  ExpectNoSecrets(r);
}

TEST_F(CliTest, InvalidInputExitsTwoAndNamesTheFlagOrField) {
  auto json = Wxpay({"request", "POST", "v3/pay/transactions/native", "--json", "{bad"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_THAT(json.err, HasSubstr("--json"));
  auto query = Wxpay({"request", "GET", "v3/certificates", "--query", "novalue"});
  EXPECT_EQ(query.exit_code, 2);
  EXPECT_THAT(query.err, HasSubstr("--query"));
  auto path = Wxpay({"request", "GET", "v3/certificates", "--path", "x=1"});
  EXPECT_EQ(path.exit_code, 2);
  EXPECT_THAT(path.err, HasSubstr("{x}"));
  auto method = Wxpay({"request", "FETCH", "v3/certificates"});
  EXPECT_EQ(method.exit_code, 2);
  EXPECT_THAT(method.err, HasSubstr("METHOD"));
  auto xml = Wxpay({"request", "POST", "v3/pay/transactions/native", "--xml", "a=b"});
  EXPECT_EQ(xml.exit_code, 2);
  EXPECT_THAT(xml.err, HasSubstr("--xml is for APIv2"));
  auto v2json = Wxpay({"request", "POST", "v2/payitil/report", "--json", "{}"});
  EXPECT_EQ(v2json.exit_code, 2);
  EXPECT_THAT(v2json.err, HasSubstr("--xml KEY=VALUE"));
  auto header = Wxpay({"request", "GET", "v3/certificates", "-H", "NoColon"});
  EXPECT_EQ(header.exit_code, 2);
  EXPECT_THAT(header.err, HasSubstr("--header"));
  auto mchid = Wxpay({"request", "GET", "v3/certificates", "--mchid", "not-digits"});
  EXPECT_EQ(mchid.exit_code, 2);
  EXPECT_THAT(mchid.err, HasSubstr("mchid from flag --mchid"));
  auto key = Wxpay({"request", "GET", "v3/certificates"}, {{"WECHATPAY_APIV3_KEY", "tooshort"}});
  EXPECT_EQ(key.exit_code, 2);
  EXPECT_THAT(key.err, HasSubstr("environment variable WECHATPAY_APIV3_KEY"));
  EXPECT_THAT(key.err, Not(HasSubstr("tooshort")));
  auto pk = Wxpay({"request", "GET", "v3/certificates", "--private-key", Tmp("missing.pem")});
  EXPECT_EQ(pk.exit_code, 2);
  EXPECT_THAT(pk.err, HasSubstr("private_key from flag --private-key"));
  auto file = RunWxpay({"--config", Tmp("nope.json"), "request", "GET", "v3/certificates"});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_THAT(file.err, HasSubstr("config file"));
  WriteFile(Tmp("broken.json"), "{\"mchid\": \"1900000109\",\n \"apiv3_key\": \"SECRETSECRET\" x}");
  auto broken = RunWxpay({"--config", Tmp("broken.json"), "request", "GET", "v3/certificates"});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("line 2"));
  EXPECT_THAT(broken.err, Not(HasSubstr("SECRETSECRET")));
  auto nothing = RunWxpay({"request", "GET", "v3/certificates"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("missing mchid"));
}

TEST_F(CliTest, NetworkFailureExitsThree) {
  std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/";
  auto r = Wxpay({"request", "GET", "v3/certificates", "--base-url", url, "--timeout", "5"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("network"));

  // A server slower than --timeout: every attempt times out.
  sandbox::Fault slow;
  slow.kind = sandbox::Fault::Kind::kLatency;
  slow.latency_ms = 1500;
  slow.count = 3;
  slow.path_prefix = "/v3/certificates";
  sandbox_->InjectFault(slow);
  auto t = Wxpay({"request", "GET", "v3/certificates", "--timeout", "0.3"});
  EXPECT_EQ(t.exit_code, 3) << t.err;
  EXPECT_THAT(t.err, HasSubstr("timeout"));
}

TEST_F(CliTest, ApiErrorExitsFourWithStatusCodeMessageAndRequestId) {
  auto r = Wxpay({"request", "GET", "v3/merchant-risk-manage/trade-risk-information", "-q",
                  "out_trade_no=NEVER-REPORTED-1"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("status:"));
  EXPECT_THAT(r.err, HasSubstr("404"));
  EXPECT_THAT(r.err, HasSubstr("RESOURCE_NOT_EXISTS"));
  EXPECT_THAT(r.err, HasSubstr("message:"));
  EXPECT_THAT(r.err, HasSubstr("Request-ID:"));
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliTest, VerificationFailuresExitFiveAndNameTheCheck) {
  ASSERT_EQ(Report("CLI-RISK-0002").exit_code, 0);
  std::vector<std::string> query = {"request", "GET",
                                    "v3/merchant-risk-manage/trade-risk-information", "-q",
                                    "out_trade_no=CLI-RISK-0002"};

  sandbox::Fault bad;
  bad.kind = sandbox::Fault::Kind::kBadSignature;
  bad.path_prefix = "/v3/merchant-risk-manage/trade-risk-information";
  sandbox_->InjectFault(bad);
  auto r1 = Wxpay(query);
  EXPECT_EQ(r1.exit_code, 5) << r1.err;
  EXPECT_THAT(r1.err, HasSubstr("bad signature"));
  EXPECT_TRUE(r1.out.empty()) << "an untrusted body must not be printed";

  sandbox::Fault skew;
  skew.kind = sandbox::Fault::Kind::kSkewTimestamp;
  skew.skew_seconds = 900;
  skew.path_prefix = bad.path_prefix;
  sandbox_->InjectFault(skew);
  auto r2 = Wxpay(query);
  EXPECT_EQ(r2.exit_code, 5) << r2.err;
  EXPECT_THAT(r2.err, HasSubstr("timestamp skew"));

  // A wrong key under the right id.
  auto keys = sandbox_->platform_keys();
  auto wrong = Wxpay([&] {
    auto a = query;
    a.push_back("--platform-key");
    a.push_back(keys.public_key_id + "=" + testing::DataPath("pubkey_mode_public.pem"));
    return a;
  }());
  EXPECT_EQ(wrong.exit_code, 5) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("bad signature"));

  // Only the certificate: the answer is signed with the public key, which we do not hold.
  auto unknown = Wxpay([&] {
    auto a = query;
    a.push_back("--platform-key");
    a.push_back(keys.certificate_serial + "=" + keys.certificate_path);
    return a;
  }());
  EXPECT_EQ(unknown.exit_code, 5) << unknown.err;
  EXPECT_THAT(unknown.err, HasSubstr("unknown serial"));
}

// ---- configuration precedence ------------------------------------------------------------------

TEST_F(CliTest, FlagBeatsEnvironmentBeatsFile) {
  std::string file_mchid = sandbox_->demo_merchant().mchid;
  std::vector<std::string> sign = {"sign",       "--method",         "GET",
                                   "--uri",      "/v3/certificates", "--timestamp",
                                   "1700000000", "--nonce",          "N1"};
  auto file_only = Wxpay(sign);
  ASSERT_EQ(file_only.exit_code, 0) << file_only.err;
  EXPECT_THAT(file_only.out, HasSubstr("mchid=\"" + file_mchid + "\""));

  Env env = {{"WECHATPAY_MCHID", "1900000001"}};
  auto env_wins = Wxpay(sign, env);
  ASSERT_EQ(env_wins.exit_code, 0) << env_wins.err;
  EXPECT_THAT(env_wins.out, HasSubstr("mchid=\"1900000001\""));

  auto flag_wins = Wxpay(
      [&] {
        auto a = sign;
        a.insert(a.end(), {"--mchid", "1900000002"});
        return a;
      }(),
      env);
  ASSERT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
  EXPECT_THAT(flag_wins.out, HasSubstr("mchid=\"1900000002\""));

  // base_url: an unreachable one from the environment beats the file; the flag beats both.
  std::string dead = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/";
  Env dead_env = {{"WECHATPAY_BASE_URL", dead}};
  auto env_url = Wxpay({"request", "GET", "v3/certificates", "--timeout", "5"}, dead_env);
  EXPECT_EQ(env_url.exit_code, 3) << env_url.err;
  auto flag_url =
      Wxpay({"request", "GET", "v3/certificates", "--base-url", sandbox_->base_url()}, dead_env);
  EXPECT_EQ(flag_url.exit_code, 0) << flag_url.err;

  // WECHATPAY_CONFIG names the file; WECHATPAY_PLATFORM_KEYS replaces the file's keys.
  auto keys = sandbox_->platform_keys();
  Env cfg = {
      {"WECHATPAY_CONFIG", *config_},
      {"WECHATPAY_PLATFORM_KEYS", keys.certificate_serial + "=" + keys.certificate_path + "," +
                                      keys.public_key_id + "=" + keys.public_key_path}};
  auto by_env = RunWxpay({"request", "GET", "v3/certificates"}, cfg);
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;
  // A certificate listed under an id that is not its serial: only the environment's list has it.
  cfg["WECHATPAY_PLATFORM_KEYS"] = "0123456789ABCDEF=" + keys.certificate_path;
  auto replaced = RunWxpay({"request", "GET", "v3/certificates"}, cfg);
  EXPECT_EQ(replaced.exit_code, 2)
      << "the environment's key list replaced the file's: " << replaced.err;

  // --verbose names each setting's source, never a secret value.
  auto verbose = Wxpay({"request", "GET", "v3/certificates", "--verbose"},
                       {{"WECHATPAY_SERIAL", sandbox_->demo_merchant().serial}});
  EXPECT_EQ(verbose.exit_code, 0) << verbose.err;
  EXPECT_THAT(verbose.err, HasSubstr("serial = " + sandbox_->demo_merchant().serial +
                                     "  [environment variable WECHATPAY_SERIAL]"));
  EXPECT_THAT(verbose.err, HasSubstr("apiv3_key = (set, 32 bytes, not shown)  [config file"));
  ExpectNoSecrets(verbose);
}

TEST_F(CliTest, VerboseNeverPrintsSecrets) {
  auto r = Report("CLI-RISK-0003", {"--verbose"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("wxpay:")) << "verbose logs go to stderr";
  ExpectNoSecrets(r);
  auto s = Wxpay({"sign", "--method", "POST", "--uri", "/v3/x", "--body", "{}", "--verbose"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  ExpectNoSecrets(s, /*allow_authorization=*/true);
}

// ---- sign --------------------------------------------------------------------------------------

TEST_F(CliTest, SignMatchesTheLibrary) {
  auto m = sandbox_->demo_merchant();
  auto key = PrivateKey::FromFile(m.private_key_path);
  ASSERT_TRUE(key.ok());
  RequestSigner signer(m.mchid, m.serial, *key);
  std::string body = R"({"a":1})";
  auto expected = signer.Authorization("POST", "/v3/pay/transactions/native?x=1", body,
                                       "1700000000", "NONCE123");
  ASSERT_TRUE(expected.ok());
  auto r = Wxpay({"sign", "--method", "post", "--uri",
                  "https://api.mch.weixin.qq.com/v3/pay/transactions/native?x=1", "--body", body,
                  "--timestamp", "1700000000", "--nonce", "NONCE123"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, *expected + "\n");
  WriteFile(Tmp("body.json"), body);
  auto f =
      Wxpay({"sign", "--method", "POST", "--uri", "v3/pay/transactions/native?x=1", "--body-file",
             Tmp("body.json"), "--timestamp", "1700000000", "--nonce", "NONCE123"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(f.out, *expected + "\n");
  auto fresh = Wxpay({"sign", "--method", "GET", "--uri", "/v3/certificates"});
  ASSERT_EQ(fresh.exit_code, 0);
  EXPECT_THAT(fresh.out, HasSubstr(std::string(kAuthScheme) + " "));
  auto bad = Wxpay({"sign", "--method", "GET", "--uri", "/x", "--timestamp", "soon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--timestamp"));
  auto both = Wxpay({"sign", "--method", "GET", "--uri", "/x", "--body", "a", "--body-file", "b"});
  EXPECT_EQ(both.exit_code, 2);
}

// ---- crt ---------------------------------------------------------------------------------------

TEST_F(CliTest, CrtDownloadsVerifiesAndSaves) {
  std::string dir = Tmp("certs");
  auto r = Wxpay({"crt", "--output", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string serial = sandbox_->platform_keys().certificate_serial;
  EXPECT_THAT(r.out, HasSubstr(serial));
  EXPECT_THAT(r.out, HasSubstr("valid "));
  std::string saved = ReadFile(dir + "/" + serial + ".pem");
  EXPECT_THAT(saved, HasSubstr("BEGIN CERTIFICATE"));
  auto cert = Certificate::FromPem(saved);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->serial(), serial);
  ExpectNoSecrets(r);

  auto json = Wxpay({"crt", "-o", dir, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(j.is_array()) << json.out;
  EXPECT_EQ(j.at(0).value("serial_no", ""), serial);
  // The certificate's own dates (issue 18, item 5), also on the text line.
  EXPECT_EQ(j.at(0).value("not_before", ""), UtcTimeText(cert->not_before()));
  EXPECT_EQ(j.at(0).value("not_after", ""), UtcTimeText(cert->not_after()));
  EXPECT_THAT(r.out, HasSubstr("valid " + UtcTimeText(cert->not_before()) + " to " +
                               UtcTimeText(cert->not_after())));

  auto no_key = RunWxpay({"--config", *config_, "crt", "-o", dir}, {{"WECHATPAY_APIV3_KEY", ""}});
  EXPECT_EQ(no_key.exit_code, 0) << "an empty variable is unset: the file's key is used";
}

TEST_F(CliTest, CrtOnAPublicKeyMerchantSaysSo) {
  LocalServer fake;
  fake.server().Get("/v3/certificates", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_header("Request-ID", "FAKE-REQUEST-1");
    res.set_content(R"({"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书"})",
                    "application/json");
  });
  ASSERT_TRUE(fake.Start());
  auto r = Wxpay({"crt", "-o", Tmp("pk-certs"), "--base-url",
                  "http://127.0.0.1:" + std::to_string(fake.port()) + "/"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("public key"));
  EXPECT_THAT(r.err, HasSubstr("PUB_KEY_ID_"));
  EXPECT_THAT(r.err, HasSubstr("FAKE-REQUEST-1"));
}

// ---- notify ------------------------------------------------------------------------------------

// Writes a callback capture (headers file as a web server logs it, body file) and returns the
// arguments for `wxpay notify`.
std::vector<std::string> Capture(const std::string& dir, const std::string& name,
                                 const Headers& headers, const std::string& body) {
  std::string h = "POST /wxpay/notify HTTP/1.1\r\n";
  for (const auto& [k, v] : headers) h += k + ": " + v + "\r\n";
  WriteFile(dir + "/" + name + ".headers", h);
  WriteFile(dir + "/" + name + ".body", body);
  return {"notify", "--headers", dir + "/" + name + ".headers", "--body",
          dir + "/" + name + ".body"};
}

TEST_F(CliTest, NotifyVerifiesARealSandboxCallback) {
  // A merchant server capturing the callback of a paid order.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::pair<Headers, std::string>> captured;
  LocalServer merchant;
  merchant.server().Post("/notify", [&](const httplib::Request& req, httplib::Response& res) {
    Headers h;
    for (const auto& [k, v] : req.headers) h.Add(k, v);
    {
      std::lock_guard<std::mutex> lock(mu);
      captured = std::make_pair(h, req.body);
    }
    cv.notify_all();
    res.status = 204;
  });
  ASSERT_TRUE(merchant.Start());
  auto m = sandbox_->demo_merchant();
  std::string out_trade_no = "CLINOTIFY" + std::to_string(std::time(nullptr));
  nlohmann::json order = {
      {"appid", m.appid},
      {"mchid", m.mchid},
      {"description", "cli test"},
      {"out_trade_no", out_trade_no},
      {"notify_url", "http://127.0.0.1:" + std::to_string(merchant.port()) + "/notify"},
      {"amount", {{"total", 101}, {"currency", "CNY"}}}};
  auto created = Wxpay({"request", "POST", "v3/pay/transactions/native", "--json", order.dump()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("code_url"));
  ASSERT_TRUE(sandbox_->PayOrder(out_trade_no).ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(15), [&] { return captured.has_value(); }))
        << "no callback within 15 s";
  }
  auto args = Capture(*tmp_, "real", captured->first, captured->second);
  auto r = Wxpay(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.value("out_trade_no", ""), out_trade_no);
  EXPECT_EQ(j.value("trade_state", ""), "SUCCESS");
  ExpectNoSecrets(r);

  auto env = Wxpay([&] {
    auto a = args;
    a.push_back("--envelope");
    return a;
  }());
  ASSERT_EQ(env.exit_code, 0) << env.err;
  auto e = nlohmann::json::parse(env.out, nullptr, false);
  EXPECT_EQ(e.value("event_type", ""), "TRANSACTION.SUCCESS");
  EXPECT_EQ(e["resource"].value("out_trade_no", ""), out_trade_no);

  // A trailing newline added by an editor is tolerated (the signed bytes still verify).
  WriteFile(args[4], captured->second + "\n");
  auto nl = Wxpay(args);
  EXPECT_EQ(nl.exit_code, 0) << nl.err;
  EXPECT_THAT(nl.err, HasSubstr("line break"));

  // Tampered body: verification fails (exit 5), nothing is decrypted.
  std::string tampered = captured->second;
  tampered.replace(tampered.find("TRANSACTION.SUCCESS"), 19, "TRANSACTION.FAILURE");
  auto t = Wxpay(Capture(*tmp_, "tampered", captured->first, tampered));
  EXPECT_EQ(t.exit_code, 5) << t.err;
  EXPECT_THAT(t.err, HasSubstr("bad signature"));
  EXPECT_TRUE(t.out.empty());

  // Headers missing: exit 5 naming the check.
  Headers partial = captured->first;
  partial.Remove("Wechatpay-Signature");
  auto p = Wxpay(Capture(*tmp_, "partial", partial, captured->second));
  EXPECT_EQ(p.exit_code, 5) << p.err;
  EXPECT_THAT(p.err, HasSubstr("header missing"));
}

TEST_F(CliTest, NotifyDecryptionAndParseFailuresExitSix) {
  // Callbacks signed with the test platform key, encrypted with another APIv3 key.
  auto platform_key = testing::LoadPrivateKey("platform_key.pem");
  auto platform_cert = testing::LoadCertificate("platform_cert.pem");
  SecretString right("0123456789abcdef0123456789abcdef");
  SecretString wrong("fedcba9876543210fedcba9876543210");
  int64_t now = std::time(nullptr);
  auto cb = MakeNotification(platform_key, platform_cert.serial(), wrong, "EV-1",
                             "TRANSACTION.SUCCESS", "支付成功", "transaction",
                             R"({"out_trade_no":"X1","trade_state":"SUCCESS"})", now, "nonce1",
                             "2024-05-20T13:29:35+08:00");
  ASSERT_TRUE(cb.ok());
  std::vector<std::string> keys = {
      "--platform-key", platform_cert.serial() + "=" + testing::DataPath("platform_cert.pem"),
      "--apiv3-key", right.reveal()};
  auto args = Capture(*tmp_, "wrongkey", cb->headers, cb->body);
  args.insert(args.end(), keys.begin(), keys.end());
  auto r = RunWxpay(args);
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_THAT(r.err, HasSubstr("decryption"));
  EXPECT_THAT(r.all(), Not(HasSubstr(right.reveal())));

  // The right key decrypts it.
  auto ok = MakeNotification(
      platform_key, platform_cert.serial(), right, "EV-2", "TRANSACTION.SUCCESS", "支付成功",
      "transaction", R"({"out_trade_no":"X2"})", now, "nonce2", "2024-05-20T13:29:35+08:00");
  ASSERT_TRUE(ok.ok());
  auto good_args = Capture(*tmp_, "rightkey", ok->headers, ok->body);
  good_args.insert(good_args.end(), keys.begin(), keys.end());
  auto good = RunWxpay(good_args);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_THAT(good.out, HasSubstr("X2"));

  // A signed body that is not a callback envelope: parse failure.
  Headers h;
  ASSERT_TRUE(
      SignResponse(platform_key, platform_cert.serial(), now, "nonce3", "not json", h).ok());
  auto bad_args = Capture(*tmp_, "notjson", h, "not json");
  bad_args.insert(bad_args.end(), keys.begin(), keys.end());
  auto bad = RunWxpay(bad_args);
  EXPECT_EQ(bad.exit_code, 6) << bad.err;

  // An old capture: timestamp skew (exit 5), accepted with a wider window.
  auto old = MakeNotification(
      platform_key, platform_cert.serial(), right, "EV-3", "TRANSACTION.SUCCESS", "支付成功",
      "transaction", R"({"out_trade_no":"X3"})", now - 3600, "nonce4", "2024-05-20T13:29:35+08:00");
  ASSERT_TRUE(old.ok());
  auto old_args = Capture(*tmp_, "old", old->headers, old->body);
  old_args.insert(old_args.end(), keys.begin(), keys.end());
  auto skew = RunWxpay(old_args);
  EXPECT_EQ(skew.exit_code, 5) << skew.err;
  EXPECT_THAT(skew.err, HasSubstr("timestamp skew"));
  old_args.insert(old_args.end(), {"--max-skew", "7200"});
  EXPECT_EQ(RunWxpay(old_args).exit_code, 0);

  auto missing = RunWxpay({"notify", "--headers", Tmp("none.headers"), "--body", Tmp("none.body"),
                           "--apiv3-key", right.reveal(), "--platform-key",
                           platform_cert.serial() + "=" + testing::DataPath("platform_cert.pem")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("--headers"));
}

// ---- catalog -----------------------------------------------------------------------------------

// A server's header values never reach the terminal raw: a Wechatpay-Serial carrying escape
// sequences is printed escaped (issue 18, item 7).
TEST_F(CliTest, ServerValuesNeverReachTheTerminalAsEscapeSequences) {
  auto platform_key = testing::LoadPrivateKey("platform_key.pem");
  auto platform_cert = testing::LoadCertificate("platform_cert.pem");
  SecretString key("0123456789abcdef0123456789abcdef");
  auto cb = MakeNotification(platform_key,
                             "\x1b[2J\x1b]0;pwned\x07"
                             "EVIL",
                             key, "EV-ESC", "TRANSACTION.SUCCESS", "ok", "transaction",
                             R"({"out_trade_no":"E1"})", std::time(nullptr), "nonce-esc",
                             "2024-05-20T13:29:35+08:00");
  ASSERT_TRUE(cb.ok());
  auto args = Capture(*tmp_, "escape", cb->headers, cb->body);
  std::vector<std::string> keys = {
      "--platform-key", platform_cert.serial() + "=" + testing::DataPath("platform_cert.pem"),
      "--apiv3-key", key.reveal()};
  args.insert(args.end(), keys.begin(), keys.end());
  auto r = RunWxpay(args);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.all().find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.all().find('\x07'), std::string::npos) << r.err;
  EXPECT_THAT(r.err, HasSubstr("\\x1b[2J\\x1b]0;pwned\\x07EVIL"));
}

TEST_F(CliTest, EndpointsListsAndFilters) {
  auto r = RunWxpay({"endpoints", "trade-risk"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("GET    v3/merchant-risk-manage/trade-risk-information"));
  auto all = RunWxpay({"endpoints"});
  ASSERT_EQ(all.exit_code, 0);
  EXPECT_GT(std::count(all.out.begin(), all.out.end(), '\n'), 500);
  EXPECT_THAT(all.out, HasSubstr("v2/payitil/report"));
  EXPECT_THAT(all.out, HasSubstr("user-order/combine-orders"));
  auto j = RunWxpay({"endpoints", "payitil", "--json"});
  ASSERT_EQ(j.exit_code, 0);
  auto list = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(list.is_array());
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0].value("protocol", ""), "apiv2");
  auto none = RunWxpay({"endpoints", "no-such-endpoint-anywhere"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_TRUE(none.out.empty());
}

TEST_F(CliTest, DescribeShowsFieldsTypesAndEncryption) {
  auto r = RunWxpay({"describe", "POST", "v3/merchant-risk-manage/report-trade-union-information"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("api.mch.weixin.qq.com"));
  EXPECT_THAT(r.out, HasSubstr("Wechatpay-Serial"));
  EXPECT_THAT(r.out, HasSubstr("encrypted"));
  EXPECT_THAT(r.out, HasSubstr("certificates_number"));
  EXPECT_THAT(r.out, HasSubstr("recharge_fields"));
  EXPECT_THAT(r.out, HasSubstr("    account_type")) << "nested fields are indented";
  EXPECT_THAT(r.out, HasSubstr("enum 1 | 2"));
  EXPECT_THAT(r.out, HasSubstr("Response"));

  auto block = RunWxpay({"describe",
                         "POST v3/transaction-block/transaction-block-submissions/"
                         "sub-mchid/{sub_mchid}"});
  ASSERT_EQ(block.exit_code, 0) << block.err;
  EXPECT_THAT(block.out, HasSubstr("Path parameters"));
  EXPECT_THAT(block.out, HasSubstr("(JSON object)"));
  EXPECT_THAT(block.out, HasSubstr("record_fields"));
  EXPECT_THAT(block.out, HasSubstr("evidence_img_list")) << "JSON inside JSON is expanded";

  auto v2 = RunWxpay({"describe", "v2/payitil/report"});
  ASSERT_EQ(v2.exit_code, 0) << v2.err;
  EXPECT_THAT(v2.out, HasSubstr("XML"));
  EXPECT_THAT(v2.out, HasSubstr("OK | FAIL | CANCLE"));

  auto concrete = RunWxpay({"describe", "GET", "v3/pay/transactions/id/4200000000001"});
  EXPECT_EQ(concrete.exit_code, 0) << concrete.err;

  auto sample =
      RunWxpay({"describe", "GET", "v3/merchant-risk-manage/trade-risk-information", "--sample"});
  ASSERT_EQ(sample.exit_code, 0) << sample.err;
  auto s = nlohmann::json::parse(sample.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << sample.out;
  EXPECT_FALSE(s["query"].empty());

  auto unknown = RunWxpay({"describe", "GET", "v3/no/such/thing"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no endpoint"));
  auto wrong_method =
      RunWxpay({"describe", "DELETE", "v3/merchant-risk-manage/trade-risk-information"});
  EXPECT_EQ(wrong_method.exit_code, 2);
  EXPECT_THAT(wrong_method.err, HasSubstr("GET v3/merchant-risk-manage/trade-risk-information"));
}

// ---- sandbox and demo --------------------------------------------------------------------------

TEST_F(CliTest, SandboxCommandListensAndStopsOnSigterm) {
  std::string state = Tmp("sandbox-state");
  Child c({"sandbox", "--state-dir", state}, {});
  ASSERT_TRUE(c.started());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  ASSERT_TRUE(c.ReadUntil(
      deadline, [](const std::string& out) { return out.find('\n') != std::string::npos; }))
      << "no first line; stderr: " << c.err();
  std::string first = c.out().substr(0, c.out().find('\n'));
  std::smatch m;
  ASSERT_TRUE(std::regex_match(first, m, std::regex(R"(listening on (http://127\.0\.0\.1:\d+))")))
      << first;

  // It serves: a request with the client.json it wrote.
  auto r = RunWxpay({"--config", state + "/client.json", "request", "GET", "v3/certificates"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"data\""));

  ASSERT_EQ(kill(c.pid(), SIGTERM), 0);
  auto done = c.Finish(std::chrono::seconds(15));
  EXPECT_FALSE(done.timed_out);
  EXPECT_EQ(done.exit_code, 0) << done.err;
}

TEST_F(CliTest, DemoVerifiesEveryStep) {
  auto r = RunWxpay({"demo", "--verbose"}, {}, 180);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("Summary"));
  EXPECT_THAT(r.out, HasSubstr("All 10 steps verified."));
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED")));
  for (const char* step : {"platform certificates", "trade union", "trade risk", "block appeal",
                           "APIv2", "Mini-program", "native", "callback", "Reject a forged"}) {
    EXPECT_THAT(r.out, HasSubstr(step));
  }
  ExpectNoSecrets(r);
}

}  // namespace
}  // namespace wechatpay
