// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The built `wxpay` binary against an in-process HTTPS sandbox on 127.0.0.1: the CA file and the
// merchant's client certificate (PEM, PKCS#12 with the default or a given passphrase) from the
// config file, the environment and flags; an APIv3 call and the APIv2 client-certificate endpoint
// v2/secapi/pay/refund; the refusal without a client certificate; every configuration error;
// and that the PKCS#12 passphrase (and every other secret) stays out of stdout and stderr, even
// with --verbose. Also what the sandbox writes into client.json with and without TLS.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "wechatpay/sandbox/sandbox.h"

extern char** environ;

namespace wechatpay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kWxpay = WECHATPAY_BINARY_DIR "/apps/wxpay/wxpay";

// A passphrase that appears nowhere else, to look for in every output.
constexpr char kPassphrase[] = "Kx7-p12-passphrase-Qm4Zr9";
constexpr char kWrongPassphrase[] = "Wrong-p12-passphrase-Tz81";

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

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wxpay-cli-tls-XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

// ---- running the binary ------------------------------------------------------------------------

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

using Env = std::map<std::string, std::string>;

// Runs wxpay with `args`, the test's environment minus WECHATPAY_* plus `env`, stdin from
// `stdin_file` (default /dev/null); stdout and stderr go to files in `dir`. Killed after 60 s.
RunResult RunWxpay(const std::string& dir, const std::vector<std::string>& args, const Env& env,
                   const std::string& stdin_file = {}) {
  std::vector<std::string> storage{kWxpay};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "WECHATPAY_", 10) != 0) env_storage.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string out_path = dir + "/run.stdout";
  std::string err_path = dir + "/run.stderr";
  std::string in_path = stdin_file.empty() ? "/dev/null" : stdin_file;

  RunResult r;
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(kWxpay, argv.data(), envp.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

// A PKCS#12 bundle of the PEM certificate and key, protected with `passphrase`; with `rc2`, the
// way older apiclient_cert.p12 files are (RC2-40, which OpenSSL 3 writes only with its legacy
// provider).
bool WritePkcs12(const std::string& cert_path, const std::string& key_path,
                 const std::string& passphrase, const std::string& out_path, bool rc2 = false) {
  if (rc2 && (OSSL_PROVIDER_load(nullptr, "legacy") == nullptr ||
              OSSL_PROVIDER_load(nullptr, "default") == nullptr)) {
    return false;
  }
  int nid = rc2 ? NID_pbe_WithSHA1And40BitRC2_CBC : 0;
  std::string cert_pem = ReadFile(cert_path);
  std::string key_pem = ReadFile(key_path);
  BIO* cb = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  BIO* kb = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  PKCS12* p12 = cert != nullptr && key != nullptr
                    ? PKCS12_create(passphrase.c_str(), "apiclient_cert", key, cert, nullptr, nid,
                                    nid, 0, 0, 0)
                    : nullptr;
  bool ok = false;
  if (p12 != nullptr) {
    unsigned char* der = nullptr;
    int len = i2d_PKCS12(p12, &der);
    if (len > 0) {
      WriteFile(out_path, std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
      ok = true;
    }
    OPENSSL_free(der);
  }
  PKCS12_free(p12);
  EVP_PKEY_free(key);
  X509_free(cert);
  BIO_free(kb);
  BIO_free(cb);
  return ok;
}

// ---- the fixture: one HTTPS sandbox for the suite ----------------------------------------------

class CliTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new std::string(MakeTempDir());
    sandbox::SandboxOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.state_dir = *tmp_ + "/state";
    o.tls.enabled = true;
    auto sb = sandbox::Sandbox::Start(o);
    ASSERT_TRUE(sb.ok()) << sb.error().ToString();
    sandbox_ = std::move(*sb).release();
    demo_ = new sandbox::DemoMerchant(sandbox_->demo_merchant());
    config_ = new nlohmann::json(nlohmann::json::parse(ReadFile(sandbox_->client_config_path())));

    // The same merchant certificate under a passphrase of our own.
    ASSERT_TRUE(WritePkcs12(demo_->certificate_path, demo_->private_key_path, kPassphrase,
                            Tmp("custom.p12")));
    // A configuration without any client certificate.
    nlohmann::json no_cert = *config_;
    no_cert.erase("merchant_cert");
    WriteFile(Tmp("no_cert.json"), no_cert.dump(2));
    WriteFile(Tmp("passphrase.txt"), std::string(kPassphrase) + "\n");

    auto* s = new std::vector<std::string>{kPassphrase, kWrongPassphrase, demo_->apiv3_key.reveal(),
                                           demo_->apiv2_key.reveal(),
                                           sandbox_->miniprogram_appsecret().reveal()};
    std::istringstream pem(ReadFile(demo_->private_key_path));
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
    delete demo_;
    delete config_;
    delete secrets_;
  }
  void SetUp() override {
    ASSERT_NE(sandbox_, nullptr);
    ASSERT_TRUE(std::filesystem::exists(kWxpay)) << kWxpay << " was not built";
  }

  static std::string Tmp(const std::string& name) { return *tmp_ + "/" + name; }

  // wxpay with `config` (default: the sandbox's client.json) and `env`.
  static RunResult Wxpay(std::vector<std::string> args, const Env& env = {},
                         const std::string& config = {}, const std::string& stdin_file = {}) {
    args.insert(args.begin(),
                {"--config", config.empty() ? sandbox_->client_config_path() : config});
    RunResult r = RunWxpay(*tmp_, args, env, stdin_file);
    ExpectNoSecrets(r);
    return r;
  }

  static void ExpectNoSecrets(const RunResult& r) {
    for (const std::string& s : *secrets_) {
      EXPECT_THAT(r.out, Not(HasSubstr(s))) << "a secret reached stdout";
      EXPECT_THAT(r.err, Not(HasSubstr(s))) << "a secret reached stderr";
    }
    EXPECT_THAT(r.all(), Not(HasSubstr("PRIVATE KEY-----"))) << "PEM key text was printed";
  }

  // Pays an order with a payment code (no client certificate needed); returns the response.
  static RunResult Micropay(const std::string& out_trade_no) {
    return Wxpay({"request", "POST", "v2/pay/micropay", "--xml", "appid=" + demo_->appid, "--xml",
                  "body=sandbox POS", "--xml", "out_trade_no=" + out_trade_no, "--xml",
                  "total_fee=1000", "--xml", "spbill_create_ip=127.0.0.1", "--xml",
                  "auth_code=134567890123456789"});
  }

  // `wxpay request POST v2/secapi/pay/refund` for 100 fen of `out_trade_no`, plus `extra` args.
  static std::vector<std::string> RefundArgs(const std::string& out_trade_no,
                                             const std::string& out_refund_no,
                                             std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"request",
                                     "POST",
                                     "v2/secapi/pay/refund",
                                     "--xml",
                                     "appid=" + demo_->appid,
                                     "--xml",
                                     "out_trade_no=" + out_trade_no,
                                     "--xml",
                                     "out_refund_no=" + out_refund_no,
                                     "--xml",
                                     "total_fee=1000",
                                     "--xml",
                                     "refund_fee=100"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // A refund that went through: the JSON of its XML fields.
  static void ExpectRefunded(const RunResult& r, const std::string& out_refund_no) {
    ASSERT_EQ(r.exit_code, 0) << r.all();
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.out;
    EXPECT_EQ(j.value("return_code", ""), "SUCCESS");
    EXPECT_EQ(j.value("result_code", ""), "SUCCESS") << r.out;
    EXPECT_EQ(j.value("out_refund_no", ""), out_refund_no);
    EXPECT_EQ(j.value("refund_fee", ""), "100");
    EXPECT_EQ(j.value("refund_id", "").size(), 29u) << r.out;
  }

  // A configuration error: exit 2, one "wxpay: error:" line holding every part of `expected`.
  static void ExpectConfigError(const RunResult& r, const std::vector<std::string>& expected) {
    EXPECT_EQ(r.exit_code, 2) << r.all();
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_THAT(r.err, HasSubstr("wxpay: error: "));
    for (const std::string& e : expected) EXPECT_THAT(r.err, HasSubstr(e));
  }

  static sandbox::Sandbox* sandbox_;
  static sandbox::DemoMerchant* demo_;
  static nlohmann::json* config_;
  static std::string* tmp_;
  static std::vector<std::string>* secrets_;
};

sandbox::Sandbox* CliTlsTest::sandbox_ = nullptr;
sandbox::DemoMerchant* CliTlsTest::demo_ = nullptr;
nlohmann::json* CliTlsTest::config_ = nullptr;
std::string* CliTlsTest::tmp_ = nullptr;
std::vector<std::string>* CliTlsTest::secrets_ = nullptr;

// ---- client.json -------------------------------------------------------------------------------

TEST_F(CliTlsTest, GeneratedClientConfigNamesTheCaFileAndTheMerchantCertificate) {
  EXPECT_EQ(config_->value("base_url", ""), sandbox_->base_url());
  EXPECT_EQ(sandbox_->base_url().rfind("https://127.0.0.1:", 0), 0u);
  EXPECT_EQ(config_->value("ca_file", ""), sandbox_->tls_server_cert_path());
  EXPECT_TRUE(std::filesystem::path(config_->value("ca_file", "")).is_absolute());
  EXPECT_EQ(config_->value("merchant_cert", ""), demo_->certificate_path);
  EXPECT_EQ(config_->value("private_key", ""), demo_->private_key_path);
  EXPECT_FALSE(config_->contains("merchant_key"));
  EXPECT_FALSE(config_->contains("merchant_p12"));
}

TEST_F(CliTlsTest, PlainHttpClientConfigHasNoTlsSettingsAndTlsAddsThemToAnExistingOne) {
  std::string dir = Tmp("http-then-tls");
  sandbox::SandboxOptions o;
  o.host = "127.0.0.1";
  o.state_dir = dir;
  {
    auto sb = sandbox::Sandbox::Start(o);
    ASSERT_TRUE(sb.ok()) << sb.error().ToString();
    auto j = nlohmann::json::parse(ReadFile((*sb)->client_config_path()));
    EXPECT_EQ(j.value("base_url", "").rfind("http://127.0.0.1:", 0), 0u);
    EXPECT_FALSE(j.contains("ca_file"));
    EXPECT_FALSE(j.contains("merchant_cert"));
    EXPECT_FALSE(j.contains("merchant_p12"));
    (*sb)->Stop();
  }
  // The user's own member survives the upgrade to TLS.
  auto j = nlohmann::json::parse(ReadFile(dir + "/client.json"));
  j["appid"] = "wx_user_edit";
  WriteFile(dir + "/client.json", j.dump(2));
  o.tls.enabled = true;
  auto sb = sandbox::Sandbox::Start(o);
  ASSERT_TRUE(sb.ok()) << sb.error().ToString();
  j = nlohmann::json::parse(ReadFile((*sb)->client_config_path()));
  EXPECT_EQ(j.value("base_url", ""), (*sb)->base_url());
  EXPECT_EQ(j.value("ca_file", ""), (*sb)->tls_server_cert_path());
  EXPECT_EQ(j.value("merchant_cert", ""), (*sb)->demo_merchant().certificate_path);
  EXPECT_EQ(j.value("appid", ""), "wx_user_edit");
  // And that file works as it is.
  RunResult r = RunWxpay(
      *tmp_,
      {"--config", (*sb)->client_config_path(), "request", "GET",
       "v3/merchant-risk-manage/trade-risk-information", "-q", "out_trade_no=1217752501201407033"},
      {});
  EXPECT_EQ(r.exit_code, 4) << r.all();  // the sandbox's answer: no such record
  EXPECT_THAT(r.err, HasSubstr("status:     404"));
  (*sb)->Stop();
}

// ---- calls over HTTPS --------------------------------------------------------------------------

TEST_F(CliTlsTest, ApiV3RequestOverHttps) {
  uint64_t handshakes = sandbox_->tls_handshakes();
  nlohmann::json body = {{"sub_mchid", "1900009231"},
                         {"out_trade_no", "CLI-TLS-V3-0001"},
                         {"phone", "13800138000"},
                         {"certificates_number", "110101199003071234"},
                         {"risk_level", 2}};
  RunResult r = Wxpay({"request", "POST", "v3/merchant-risk-manage/report-trade-union-information",
                       "--json", body.dump()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j.value("out_trade_no", ""), "CLI-TLS-V3-0001") << r.out;
  EXPECT_GT(sandbox_->tls_handshakes(), handshakes);
}

TEST_F(CliTlsTest, WithoutTheCaFileTheServerIsNotTrusted) {
  nlohmann::json j = *config_;
  j.erase("ca_file");
  WriteFile(Tmp("no_ca.json"), j.dump(2));
  RunResult r = Wxpay({"request", "GET", "v3/merchant-risk-manage/trade-risk-information", "-q",
                       "out_trade_no=1217752501201407033"},
                      {}, Tmp("no_ca.json"));
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_THAT(r.err, HasSubstr("TLS"));
}

TEST_F(CliTlsTest, RefundWithThePemClientCertificateOfClientJson) {
  RunResult pay = Micropay("CLI-TLS-PEM-1");
  ASSERT_EQ(pay.exit_code, 0) << pay.all();
  ExpectRefunded(Wxpay(RefundArgs("CLI-TLS-PEM-1", "R-CLI-PEM-1")), "R-CLI-PEM-1");
  // The same pair given by flags to a configuration without one; the key explicitly too.
  ExpectRefunded(Wxpay(RefundArgs("CLI-TLS-PEM-1", "R-CLI-PEM-2",
                                  {"--merchant-cert", demo_->certificate_path, "--merchant-key",
                                   demo_->private_key_path}),
                       {}, Tmp("no_cert.json")),
                 "R-CLI-PEM-2");
  // And by the environment.
  ExpectRefunded(Wxpay(RefundArgs("CLI-TLS-PEM-1", "R-CLI-PEM-3"),
                       {{"WECHATPAY_MERCHANT_CERT", demo_->certificate_path}}, Tmp("no_cert.json")),
                 "R-CLI-PEM-3");
}

TEST_F(CliTlsTest, RefundWithPkcs12DefaultPassphraseIsTheMchid) {
  ASSERT_EQ(Micropay("CLI-TLS-P12-1").exit_code, 0);
  // A PKCS#12 flag replaces the PEM pair of the config file as a whole.
  RunResult r = Wxpay(
      RefundArgs("CLI-TLS-P12-1", "R-CLI-P12-1", {"--merchant-p12", demo_->pkcs12_path, "-v"}));
  ExpectRefunded(r, "R-CLI-P12-1");
  EXPECT_THAT(r.err, HasSubstr("merchant_p12 = " + demo_->pkcs12_path + "  [flag --merchant-p12]"));
  EXPECT_THAT(r.err, HasSubstr("merchant_p12_passphrase = (not set: the mchid"));
  EXPECT_THAT(r.err, Not(HasSubstr("merchant_cert =")));
}

TEST_F(CliTlsTest, RefundWithPkcs12PassphraseFromEnvironmentFileFlagAndStdin) {
  ASSERT_EQ(Micropay("CLI-TLS-P12-2").exit_code, 0);
  std::string p12 = Tmp("custom.p12");

  RunResult env =
      Wxpay(RefundArgs("CLI-TLS-P12-2", "R-CLI-P12-ENV", {"--verbose"}),
            {{"WECHATPAY_MERCHANT_P12", p12}, {"WECHATPAY_MERCHANT_P12_PASSPHRASE", kPassphrase}},
            Tmp("no_cert.json"));
  ExpectRefunded(env, "R-CLI-P12-ENV");
  EXPECT_THAT(env.err, HasSubstr("merchant_p12_passphrase = (set, not shown)  [environment "
                                 "variable WECHATPAY_MERCHANT_P12_PASSPHRASE]"));

  nlohmann::json j = *config_;
  j.erase("merchant_cert");
  j["merchant_p12"] = "custom.p12";  // relative to the file's directory
  j["merchant_p12_passphrase"] = kPassphrase;
  WriteFile(Tmp("p12.json"), j.dump(2));
  RunResult file =
      Wxpay(RefundArgs("CLI-TLS-P12-2", "R-CLI-P12-FILE", {"-v"}), {}, Tmp("p12.json"));
  ExpectRefunded(file, "R-CLI-P12-FILE");
  EXPECT_THAT(file.err, HasSubstr("merchant_p12 = " + p12));

  RunResult flag = Wxpay(RefundArgs(
      "CLI-TLS-P12-2", "R-CLI-P12-FLAG",
      {"--merchant-p12", p12, "--merchant-p12-passphrase-file", Tmp("passphrase.txt"), "-v"}));
  ExpectRefunded(flag, "R-CLI-P12-FLAG");
  EXPECT_THAT(flag.err,
              HasSubstr("[flag --merchant-p12-passphrase-file (" + Tmp("passphrase.txt") + ")]"));

  RunResult in = Wxpay(RefundArgs("CLI-TLS-P12-2", "R-CLI-P12-STDIN",
                                  {"--merchant-p12", p12, "--merchant-p12-passphrase-file", "-"}),
                       {}, {}, Tmp("passphrase.txt"));
  ExpectRefunded(in, "R-CLI-P12-STDIN");
}

TEST_F(CliTlsTest, RefundWithALegacyRc2Pkcs12) {
  std::string p12 = Tmp("legacy.p12");
  ASSERT_TRUE(WritePkcs12(demo_->certificate_path, demo_->private_key_path, demo_->mchid, p12,
                          /*rc2=*/true))
      << "OpenSSL's legacy provider is not installed";
  ASSERT_EQ(Micropay("CLI-TLS-RC2-1").exit_code, 0);
  ExpectRefunded(Wxpay(RefundArgs("CLI-TLS-RC2-1", "R-CLI-RC2-1", {"--merchant-p12", p12})),
                 "R-CLI-RC2-1");
}

TEST_F(CliTlsTest, SecapiWithoutAClientCertificateIsRefusedBeforeSending) {
  ASSERT_EQ(Micropay("CLI-TLS-NOCERT-1").exit_code, 0);
  uint64_t handshakes = sandbox_->tls_handshakes();
  RunResult r = Wxpay(RefundArgs("CLI-TLS-NOCERT-1", "R-CLI-NOCERT-1"), {}, Tmp("no_cert.json"));
  ExpectConfigError(r, {"POST v2/secapi/pay/refund needs the merchant's TLS client certificate",
                        "--merchant-cert FILE", "--merchant-p12 FILE", "\"merchant_p12\""});
  EXPECT_EQ(sandbox_->tls_handshakes(), handshakes) << "the request went out";
  // Other endpoints work without one.
  EXPECT_EQ(Micropay("CLI-TLS-NOCERT-2").exit_code, 0);
}

// ---- configuration errors ----------------------------------------------------------------------

TEST_F(CliTlsTest, CaFileErrors) {
  std::vector<std::string> call = {"request", "GET",
                                   "v3/merchant-risk-manage/trade-risk-information", "-q",
                                   "out_trade_no=1217752501201407033"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), call.begin(), call.end());
    return extra;
  };
  ExpectConfigError(Wxpay(with({"--ca-file", Tmp("missing.pem")})),
                    {"ca_file from flag --ca-file: cannot open " + Tmp("missing.pem") +
                     " (No such file or directory)"});
  ExpectConfigError(Wxpay(call, {{"WECHATPAY_CA_FILE", *tmp_}}),
                    {"ca_file from environment variable WECHATPAY_CA_FILE: cannot read " + *tmp_ +
                     ": it is a directory"});
  ExpectConfigError(
      Wxpay(with({"--ca-file", demo_->pkcs12_path})),
      {"ca_file from flag --ca-file: " + demo_->pkcs12_path + " holds no PEM certificate"});
  WriteFile(Tmp("broken_ca.pem"), ReadFile(sandbox_->tls_server_cert_path()) +
                                      "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                                      "-----END CERTIFICATE-----\n");
  ExpectConfigError(Wxpay(with({"--ca-file", Tmp("broken_ca.pem")})),
                    {"ca_file from flag --ca-file: certificate 2 in " + Tmp("broken_ca.pem") +
                     " is malformed PEM"});
  nlohmann::json j = *config_;
  j["ca_file"] = "missing-ca.pem";
  WriteFile(Tmp("bad_ca.json"), j.dump(2));
  ExpectConfigError(Wxpay(call, {}, Tmp("bad_ca.json")),
                    {"ca_file from config file " + Tmp("bad_ca.json") +
                     " (\"ca_file\"): cannot open " + Tmp("missing-ca.pem")});
}

TEST_F(CliTlsTest, PemClientCertificateErrors) {
  std::vector<std::string> call = RefundArgs("X", "Y");
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), call.begin(), call.end());
    return extra;
  };
  std::string no_cert = Tmp("no_cert.json");
  ExpectConfigError(
      Wxpay(call, {{"WECHATPAY_MERCHANT_CERT", Tmp("missing.pem")}}, no_cert),
      {"merchant_cert from environment variable WECHATPAY_MERCHANT_CERT: cannot open " +
       Tmp("missing.pem")});
  ExpectConfigError(Wxpay(with({"--merchant-cert", *tmp_}), {}, no_cert),
                    {"merchant_cert from flag --merchant-cert: cannot read", "is a directory"});
  ExpectConfigError(Wxpay(with({"--merchant-cert", demo_->pkcs12_path}), {}, no_cert),
                    {"merchant_cert from flag --merchant-cert: " + demo_->pkcs12_path +
                     " is not a PEM certificate (expected apiclient_cert.pem)"});
  ExpectConfigError(
      Wxpay(with({"--merchant-cert", demo_->certificate_path, "--merchant-key",
                  demo_->certificate_path}),
            {}, no_cert),
      {"merchant_key from flag --merchant-key: cannot load " + demo_->certificate_path});
  // A certificate that is not the key's: the platform certificate with the merchant key.
  std::string platform_cert = config_->at("platform_keys").begin().value().get<std::string>();
  ExpectConfigError(Wxpay(with({"--merchant-cert", platform_cert}), {}, no_cert),
                    {"merchant_cert from flag --merchant-cert: the certificate in " +
                         platform_cert + " does not belong to the key from private_key from",
                     "a TLS server would refuse the pair"});
  ExpectConfigError(Wxpay(with({"--merchant-key", demo_->private_key_path}), {}, no_cert),
                    {"merchant_key from flag --merchant-key is the key of the client certificate, "
                     "but merchant_cert is not set"});
}

TEST_F(CliTlsTest, Pkcs12ClientCertificateErrors) {
  std::vector<std::string> call = RefundArgs("X", "Y");
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), call.begin(), call.end());
    return extra;
  };
  ExpectConfigError(Wxpay(with({"--merchant-p12", Tmp("missing.p12")})),
                    {"merchant_p12 from flag --merchant-p12: cannot open " + Tmp("missing.p12") +
                     " (No such file or directory)"});
  ExpectConfigError(Wxpay(with({"--merchant-p12", *tmp_})),
                    {"merchant_p12 from flag --merchant-p12: cannot read", "is a directory"});
  ExpectConfigError(Wxpay(with({"--merchant-p12", demo_->certificate_path})),
                    {"merchant_p12 from flag --merchant-p12: " + demo_->certificate_path +
                     " is not a PKCS#12 file"});
  // Wrong passphrases: the default (the mchid) on a file with another, and a given one.
  RunResult def = Wxpay(with({"--merchant-p12", Tmp("custom.p12")}));
  ExpectConfigError(
      def, {"merchant_p12 from flag --merchant-p12: wrong passphrase for " + Tmp("custom.p12"),
            "tried the default passphrase, the mchid", "WECHATPAY_MERCHANT_P12_PASSPHRASE"});
  RunResult wrong = Wxpay(with({"--merchant-p12", Tmp("custom.p12"), "-v"}),
                          {{"WECHATPAY_MERCHANT_P12_PASSPHRASE", kWrongPassphrase}});
  ExpectConfigError(wrong, {"wrong passphrase for " + Tmp("custom.p12"),
                            "tried the passphrase from environment variable "
                            "WECHATPAY_MERCHANT_P12_PASSPHRASE"});
  WriteFile(Tmp("wrong_passphrase.txt"), std::string(kWrongPassphrase) + "\r\n");
  ExpectConfigError(Wxpay(with({"--merchant-p12", demo_->pkcs12_path,
                                "--merchant-p12-passphrase-file", Tmp("wrong_passphrase.txt")})),
                    {"wrong passphrase for " + demo_->pkcs12_path,
                     "flag --merchant-p12-passphrase-file (" + Tmp("wrong_passphrase.txt") + ")"});
  // The passphrase file itself.
  ExpectConfigError(Wxpay(with({"--merchant-p12", demo_->pkcs12_path,
                                "--merchant-p12-passphrase-file", Tmp("missing.txt")})),
                    {"flag --merchant-p12-passphrase-file: cannot open " + Tmp("missing.txt")});
  WriteFile(Tmp("empty.txt"), "\n");
  ExpectConfigError(Wxpay(with({"--merchant-p12", demo_->pkcs12_path,
                                "--merchant-p12-passphrase-file", Tmp("empty.txt")})),
                    {"flag --merchant-p12-passphrase-file: " + Tmp("empty.txt") + " is empty"});
  // Stdin cannot carry both the passphrase and the body.
  RunResult both =
      Wxpay({"request", "POST", "v3/merchant-risk-manage/report-trade-union-information", "--json",
             "@-", "--merchant-p12", Tmp("custom.p12"), "--merchant-p12-passphrase-file", "-"},
            {}, {}, Tmp("passphrase.txt"));
  EXPECT_EQ(both.exit_code, 2) << both.all();
  EXPECT_THAT(both.err, HasSubstr("cannot share stdin"));
  // Without a configuration there is no mchid to default to.
  RunResult none = RunWxpay(
      *tmp_, {"request", "POST", "v2/payitil/report", "--merchant-p12", Tmp("custom.p12")}, {});
  ExpectNoSecrets(none);
  ExpectConfigError(
      none, {"merchant_p12 from flag --merchant-p12: no passphrase for " + Tmp("custom.p12"),
             "--merchant-p12-passphrase-file FILE"});
}

TEST_F(CliTlsTest, PemAndPkcs12FromOneSourceAreRefused) {
  std::vector<std::string> call = RefundArgs("X", "Y");
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), call.begin(), call.end());
    return extra;
  };
  ExpectConfigError(
      Wxpay(
          with({"--merchant-cert", demo_->certificate_path, "--merchant-p12", demo_->pkcs12_path})),
      {"client certificate given twice: merchant_cert from flag --merchant-cert and merchant_p12 "
       "from flag --merchant-p12; give either a PEM certificate and key"});
  ExpectConfigError(Wxpay(call, {{"WECHATPAY_MERCHANT_KEY", demo_->private_key_path},
                                 {"WECHATPAY_MERCHANT_P12", demo_->pkcs12_path}}),
                    {"client certificate given twice: merchant_key from environment variable "
                     "WECHATPAY_MERCHANT_KEY and merchant_p12 from environment variable "
                     "WECHATPAY_MERCHANT_P12"});
  nlohmann::json j = *config_;
  j["merchant_p12"] = demo_->pkcs12_path;
  WriteFile(Tmp("both.json"), j.dump(2));
  std::string src = "config file " + Tmp("both.json");
  ExpectConfigError(Wxpay(call, {}, Tmp("both.json")),
                    {"client certificate given twice: merchant_cert from " + src +
                     " (\"merchant_cert\") and merchant_p12 from " + src + " (\"merchant_p12\")"});
  // A later source's form replaces an earlier source's: the environment's PEM pair over the
  // file's PKCS#12 (whose passphrase is wrong: it is not even opened) is no conflict.
  j.erase("merchant_cert");
  j["merchant_p12_passphrase"] = kWrongPassphrase;
  WriteFile(Tmp("p12_wrong.json"), j.dump(2));
  ASSERT_EQ(Micropay("CLI-TLS-LAYER-1").exit_code, 0);
  ExpectRefunded(
      Wxpay(RefundArgs("CLI-TLS-LAYER-1", "R-CLI-LAYER-1"),
            {{"WECHATPAY_MERCHANT_CERT", demo_->certificate_path}}, Tmp("p12_wrong.json")),
      "R-CLI-LAYER-1");
  ExpectConfigError(Wxpay(call, {}, Tmp("p12_wrong.json")), {"wrong passphrase"});
}

}  // namespace
}  // namespace wechatpay
