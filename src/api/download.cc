// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Downloads (bills, statements): signed requests whose bodies are streamed to a sink and checked
// against a digest instead of a response signature.
#include "api/client_impl.h"
#include "transport/ascii.h"

namespace wechatpay::internal {

namespace {

// Hex digest of what passes through a download.
class StreamHasher {
 public:
  explicit StreamHasher(crypto::StreamingDigest::Algorithm algorithm) : digest_(algorithm) {}
  void Update(std::string_view data) { digest_.Update(data); }
  std::string HexDigest() { return crypto::HexEncode(digest_.Final(), false); }

 private:
  crypto::StreamingDigest digest_;
};

// Streams a signed GET of `url` into `sink`, hashing what passes through. The response carries
// no signature over the (binary) body, so the caller checks the digest and what it signs.
Result<Response> StreamSignedGet(const ClientImpl& client, std::string_view url,
                                 const BodySink& sink, StreamHasher& hasher) {
  CallOptions opts;
  opts.idempotent = false;  // the sink has already consumed a failed attempt's bytes
  opts.headers.Set("Accept", "*/*");
  opts.sink = [&](std::string_view chunk) {
    hasher.Update(chunk);
    return sink(chunk);
  };
  return client.RunUnverifiedGet(url, opts);
}

}  // namespace

Result<Response> ClientImpl::RunUnverifiedGet(std::string_view url, CallOptions& opts) const {
  auto target = ResolveTarget(url, opts);
  if (!target) return target.error();
  if (Status s = RequireApiV3(); !s) return std::move(s).error();
  auto plan = MakeApiV3Plan("GET", std::move(*target), "", Headers(), opts, /*verify=*/false);
  return RunSync(*plan);
}

Status ClientImpl::Download(std::string_view url, const BodySink& sink, DigestAlgorithm algorithm,
                            std::string_view expected_hex_digest) const {
  if (!sink) return Error(ErrorCode::kInvalidArgument, "Download needs a sink for the data");
  if (expected_hex_digest.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "Download needs the expected digest (the bill API's hash_value)");
  }
  StreamHasher hasher(algorithm == DigestAlgorithm::kSha1
                          ? crypto::StreamingDigest::Algorithm::kSha1
                          : crypto::StreamingDigest::Algorithm::kSha256);
  auto res = StreamSignedGet(*this, url, sink, hasher);
  if (!res) return std::move(res).error();
  std::string got = hasher.HexDigest();
  if (got != AsciiLowerCopy(expected_hex_digest)) {
    return Error(ErrorCode::kDigestMismatch,
                 "downloaded data does not match the expected digest (got " + got + ", expected " +
                     AsciiLowerCopy(expected_hex_digest) + "); discard what was received");
  }
  return {};
}

Status ClientImpl::DownloadStatement(std::string_view url, const BodySink& sink) const {
  if (!sink) return Error(ErrorCode::kInvalidArgument, "DownloadSignedStatement needs a sink");
  StreamHasher hasher(crypto::StreamingDigest::Algorithm::kSha1);
  auto res = StreamSignedGet(*this, url, sink, hasher);
  if (!res) return std::move(res).error();
  const std::string* sha1 = res->headers.Find("Wechatpay-Statement-Sha1");
  if (sha1 == nullptr || sha1->empty()) {
    return Error(ErrorCode::kMissingHeader,
                 "statement response lacks the Wechatpay-Statement-Sha1 header");
  }
  // The signature covers {"sha1":"<value>"} in place of the (binary) body.
  std::string signed_body = "{\"sha1\":\"" + *sha1 + "\"}";
  if (Status s = verifier().Verify(res->headers, signed_body); !s) return s;
  std::string got = hasher.HexDigest();
  if (got != AsciiLowerCopy(*sha1)) {
    return Error(ErrorCode::kDigestMismatch,
                 "statement data does not match its signed SHA-1 (got " + got + ", signed " +
                     AsciiLowerCopy(*sha1) + "); discard what was received");
  }
  return {};
}

}  // namespace wechatpay::internal
