// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The sandbox's HTTP/1.1 server (plain or TLS). One event-loop thread (epoll) accepts
// connections, performs TLS handshakes and reads requests without blocking; only a complete
// request (request line, headers and body) goes to a worker thread, which runs the handler. So
// idle and slow connections cost a file descriptor and a buffer, never a worker. Deadlines:
//   idle_timeout     a connection with no request in progress (just accepted, or kept alive
//                    after an answer) is closed after this long without a byte;
//   request_timeout  a request must arrive whole (line, headers, body) within this long after its
//                    first byte, and a TLS handshake complete within this long: otherwise 408
//                    and the connection is closed;
//   write_timeout    an answer the client does not read for this long is abandoned.
// Over max_connections, a new connection gets an immediate 503 and is closed. The queue of
// requests waiting for a worker is bounded by the connections: each connection has at most one
// request in the server at a time (pipelined ones wait in its buffer). Answers are written by
// the event loop, a fault's delay is a timer there, so neither holds a worker. See
// docs/adr/0003-sandbox.md ("Connections and limits").
#ifndef WECHATPAY_SANDBOX_SRC_HTTP_SERVER_H_
#define WECHATPAY_SANDBOX_SRC_HTTP_SERVER_H_

#include <openssl/ssl.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "wechatpay/result.h"
#include "wechatpay/sandbox/sandbox.h"

namespace wechatpay::sandbox {

struct HttpServerOptions {
  size_t workers = 4;
  size_t max_connections = 4096;
  int idle_timeout_ms = 5000;
  int request_timeout_ms = 10000;
  int write_timeout_ms = 10000;
  size_t max_header_bytes = 64u << 10;  // request line + headers; larger: 431
  size_t max_body_bytes = 8u << 20;     // larger: 413, before the body is read
  // Not null: TLS with this context (the server takes a reference; the caller keeps its own).
  SSL_CTX* ssl_ctx = nullptr;
};

class HttpServer {
 public:
  // Runs on a worker thread; a thrown exception answers 500.
  using Handler = std::function<WireResponse(const WireRequest&)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port (port 0: a free one); returns the port. May be called again
  // after a failure.
  Result<int> Bind(const std::string& host, int port);
  // Starts the event loop and the workers.
  Status Start();
  // Closes the listener and every connection (answers not yet written are dropped), waits for
  // handlers in progress, joins the threads. Idempotent.
  void Stop();

  // Connections open now (tests).
  size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_HTTP_SERVER_H_
