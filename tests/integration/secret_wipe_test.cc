// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The mini-program appsecret leaves no copy behind once the access_token request is sent: after
// the fetch, this process's writable memory (heap, thread stacks, anonymous mappings) holds no
// copy of the request's `"secret":"…"` body or `secret=…` query. The server runs in a forked
// child so that what it reads is not in this process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "wechatpay/client.h"

namespace wechatpay {
namespace {

// Where `needle` occurs in this process's writable private mappings (read through /proc/self/mem,
// so a page unmapped meanwhile is skipped instead of faulting).
std::vector<std::string> FindInMemory(const std::string& needle) {
  std::vector<std::string> hits;
  std::ifstream maps("/proc/self/maps");
  int mem = open("/proc/self/mem", O_RDONLY);
  std::string line;
  std::string chunk;
  while (std::getline(maps, line)) {
    std::istringstream ls(line);
    std::string range, perms, offset, dev, inode, path;
    ls >> range >> perms >> offset >> dev >> inode;
    std::getline(ls, path);
    if (perms.size() < 4 || perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p') continue;
    if (path.find("[vvar]") != std::string::npos) continue;
    uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
    // The needle itself (and this function's copies of it) live on this stack: skip them by
    // content below, not by region.
    constexpr uint64_t kStep = 1 << 20;
    for (uint64_t at = start; at < end; at += kStep) {
      uint64_t len = std::min(kStep + needle.size(), end - at);
      chunk.resize(len);
      ssize_t n = pread(mem, chunk.data(), len, static_cast<off_t>(at));
      if (n <= 0) continue;
      chunk.resize(static_cast<size_t>(n));
      for (size_t p = chunk.find(needle); p != std::string::npos; p = chunk.find(needle, p + 1)) {
        std::ostringstream where;
        where << std::hex << (at + p) << " in " << range << path << " after '"
              << chunk.substr(p >= 48 ? p - 48 : 0, p >= 48 ? 48 : p) << "'";
        hits.push_back(where.str());
      }
    }
  }
  close(mem);
  return hits;
}

// A one-connection HTTP server in a child process: answers every request on it with a token.
class ForkedTokenServer {
 public:
  ForkedTokenServer() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    pid_ = fork();
    if (pid_ == 0) {
      int c = accept(fd, nullptr, nullptr);
      std::string in;
      char buf[4096];
      const char kAnswer[] =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 42\r\n\r\n"
          "{\"access_token\":\"TOKEN\",\"expires_in\":7200}";
      while (true) {
        size_t head = in.find("\r\n\r\n");
        if (head != std::string::npos) {
          size_t body = 0;
          size_t cl = in.find("Content-Length: ");
          if (cl != std::string::npos && cl < head) body = std::stoul(in.substr(cl + 16));
          if (in.size() >= head + 4 + body) {
            in.erase(0, head + 4 + body);
            if (write(c, kAnswer, sizeof kAnswer - 1) < 0) break;
            continue;
          }
        }
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
      }
      _exit(0);
    }
    close(fd);
  }
  ~ForkedTokenServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

class SecretWipeTest : public ::testing::TestWithParam<bool> {};

TEST_P(SecretWipeTest, TheAppsecretLeavesNoCopyOfTheTokenRequest) {
#if defined(WECHATPAY_TEST_ASAN)
  // AddressSanitizer's heap and shadow are reservations of terabytes: scanning them is not
  // feasible, and its allocator is not the one the wiping functions wrap. The plain build runs it.
  GTEST_SKIP() << "the memory scan needs the plain allocator (not AddressSanitizer's)";
#endif
  const bool stable = GetParam();
  // Built a character at a time so that this test's own code holds no copy of the request form.
  std::string secret;
  for (char c : std::string("Zq7s3cr3tF0rW1p3T35t")) secret.push_back(c);
  secret += std::to_string(stable ? 1 : 2) + "x9Kd0PqW7vL2mN4b";
  ForkedTokenServer server;
  {
    ClientOptions o;
    o.miniprogram.appid = "wx0000000000000001";
    o.miniprogram.appsecret = SecretString(secret);
    o.miniprogram.stable_token = stable;
    o.miniprogram.base_url = server.url();
    o.allow_empty_platform_keys = true;
    o.timeout = std::chrono::seconds(5);
    auto client = Client::Create(std::move(o));
    ASSERT_TRUE(client) << client.error().message;
    auto token = client->MiniProgramAccessToken();
    ASSERT_TRUE(token) << token.error().message;
    EXPECT_EQ(token->token, "TOKEN");
  }
  // What the request carried: the JSON member, or the query parameter.
  std::string needle = stable ? "\"secret\":\"" : "secret=";
  needle += secret;
  SecureWipe(secret);
  std::vector<std::string> hits = FindInMemory(needle);
  // One copy is the needle itself.
  EXPECT_EQ(hits.size(), 1u) << ::testing::PrintToString(hits);
  SecureWipe(needle);
}

std::string ParamName(const ::testing::TestParamInfo<bool>& p) {
  return p.param ? "StableToken" : "Token";
}
INSTANTIATE_TEST_SUITE_P(StableAndPlain, SecretWipeTest, ::testing::Bool(), ParamName);

}  // namespace
}  // namespace wechatpay
