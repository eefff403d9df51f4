// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// A raw TCP server on 127.0.0.1 for hostile-server tests: each accepted connection runs the
// handler on its own thread, which reads requests and writes whatever bytes it likes (a reply
// and then a close, no reply at all, an endless body, a header of a megabyte ...).
#ifndef WECHATPAY_TESTS_SUPPORT_RAW_SERVER_H_
#define WECHATPAY_TESTS_SUPPORT_RAW_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace wechatpay::testing {

struct RawRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // by Content-Length
};

class RawConnection {
 public:
  explicit RawConnection(int fd) : fd_(fd) {}
  // One request (head and a Content-Length body); nullopt on EOF, error or timeout.
  std::optional<RawRequest> ReadRequest(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Writes all of `data`; false once the peer has gone.
  bool Write(std::string_view data);
  // Bytes written so far on this connection.
  uint64_t written() const { return written_; }

 private:
  int fd_;
  std::string buffer_;
  uint64_t written_ = 0;
};

class RawServer {
 public:
  using Handler = std::function<void(RawConnection&)>;
  // Listens on a free loopback port; the connection is closed when the handler returns.
  explicit RawServer(Handler handler);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view path = "/") const;
  int connections() const { return connections_.load(); }

 private:
  void AcceptLoop();

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> fds_;
};

// An HTTP/1.1 response head with Content-Length and keep-alive.
std::string RawResponse(int status, std::string_view body, std::string_view extra_headers = {});

}  // namespace wechatpay::testing

#endif  // WECHATPAY_TESTS_SUPPORT_RAW_SERVER_H_
