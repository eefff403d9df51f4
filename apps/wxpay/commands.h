// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The wxpay commands. main.cc parses the command line (CLI11) into these option structs and calls
// the matching Run function, whose return value is the process exit code (see output.h).
#ifndef WXPAY_COMMANDS_H_
#define WXPAY_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "config.h"

namespace wxpay {

struct RequestOptions {
  std::string method;
  std::string uri;
  std::vector<std::string> query;    // k=v
  std::vector<std::string> path;     // k=v
  std::vector<std::string> headers;  // "K: V"
  std::vector<std::string> xml;      // k=v (APIv2)
  std::vector<std::string> encrypt;  // body field paths
  std::optional<std::string> json;   // JSON text or @FILE
  std::string output;                // write the body to this file
  bool include = false;
  bool raw = false;
  bool no_encrypt = false;
  bool no_validate = false;
  bool allow_unknown = false;  // send to an endpoint the catalog does not know
};
int RunRequest(const GlobalOptions& g, const RequestOptions& o);

struct SignOptions {
  std::string method;
  std::string uri;
  std::optional<std::string> body;
  std::optional<std::string> body_file;
  std::optional<std::string> timestamp;
  std::optional<std::string> nonce;
};
int RunSign(const GlobalOptions& g, const SignOptions& o);

struct CrtOptions {
  std::string output_dir = ".";
  bool json = false;
};
int RunCrt(const GlobalOptions& g, const CrtOptions& o);

struct NotifyOptions {
  std::string headers_file;
  std::string body_file;
  bool envelope = false;
  int max_skew_seconds = 300;
};
int RunNotify(const GlobalOptions& g, const NotifyOptions& o);

struct EndpointsOptions {
  std::string filter;
  bool json = false;
  bool long_format = false;
};
int RunEndpoints(const GlobalOptions& g, const EndpointsOptions& o);

struct DescribeOptions {
  std::vector<std::string> args;  // METHOD URI, "METHOD URI", or URI
  bool sample = false;
};
int RunDescribe(const GlobalOptions& g, const DescribeOptions& o);

struct SandboxCommandOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string state_dir;
  bool log_requests = false;
  double notify_time_scale = 1.0;
  bool tls = false;
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  bool require_client_cert = false;
};
int RunSandbox(const GlobalOptions& g, const SandboxCommandOptions& o);

struct DemoOptions {
  std::string state_dir;  // empty: a temporary directory
  int callback_timeout_seconds = 15;
};
int RunDemo(const GlobalOptions& g, const DemoOptions& o);

}  // namespace wxpay

#endif  // WXPAY_COMMANDS_H_
