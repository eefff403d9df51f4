// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The sandbox engine: everything the server does, independent of the HTTP library. A request
// comes in as a WireRequest and goes out as a WireResponse; the HTTP glue (server.cc) only
// converts. Thread-safe: state is guarded by one mutex, taken after the expensive work (signature
// checks, decryption, parsing) is done.
#ifndef WECHATPAY_SANDBOX_SRC_ENGINE_H_
#define WECHATPAY_SANDBOX_SRC_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "identity.h"
#include "store.h"
#include "util.h"
#include "wechatpay/apiv2.h"
#include "wechatpay/auth.h"
#include "wechatpay/catalog.h"
#include "wechatpay/sandbox/sandbox.h"
#include "wechatpay/testing/server.h"

namespace wechatpay::sandbox {

// An APIv3 answer before it is signed.
struct V3Reply {
  int status = 200;
  Json body;        // null: empty body
  std::string raw;  // used instead of `body` when `raw_content_type` is set
  std::string raw_content_type;
  bool sign = true;  // file downloads are not signed by WeChat Pay

  static V3Reply Ok(Json b, int status = 200);
  static V3Reply Empty(int status = 204);
  static V3Reply Err(int status, std::string code, std::string message, std::string field = {},
                     std::string location = {});
};

// One APIv3 request being handled.
struct V3Call {
  const WireRequest* wire = nullptr;
  std::string path;
  std::string raw_query;
  QueryList query;
  std::map<std::string, std::string, std::less<>> params;  // path parameters, decoded
  const catalog::Endpoint* endpoint = nullptr;
  const Merchant* merchant = nullptr;
  Json body;  // null when the request has none; encrypted fields are decrypted in place

  std::string Param(std::string_view name) const;
  std::string Query(std::string_view name) const;
};

// Faults injected through the control API.
class FaultTable {
 public:
  struct Applied {
    int latency_ms = 0;
    int status = 0;
    bool bad_signature = false;
    int skew_seconds = 0;
    bool drop = false;
  };
  void Add(const Fault& f);
  void Clear();
  Applied Take(std::string_view path);
  Json ToJson() const;

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
};

// Nonces seen within the replay window, per merchant.
class NonceCache {
 public:
  // False when (mchid, nonce) was seen and is still within its window.
  bool Insert(const std::string& mchid, const std::string& nonce, int64_t now);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> seen_;  // key -> expiry (unix seconds)
  int64_t last_purge_ = 0;
};

// A callback due for (re)delivery.
struct DueDelivery {
  std::string id;
  std::string url;
  std::string mchid;
  std::string event_type;
  std::string summary;
  std::string original_type;
  std::string plaintext;
  std::string create_time;
  bool probe = false;
  int attempt = 0;  // attempts made before this one
};

class Notifier;

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Create(const SandboxOptions& options,
                                                const std::string& state_dir);
  ~Engine();

  void set_base_url(std::string url);
  std::string base_url() const;
  const Identity& identity() const { return id_; }
  int64_t Now() const { return clock_(); }

  WireResponse Handle(const WireRequest& req);

  void StartNotifier();
  // Stops the notifier and flushes state. Idempotent.
  void Shutdown();

  // ---- control operations ----
  Status PayOrder(const std::string& out_trade_no, const std::string& mchid, const Json& options);
  Status CompleteRefund(const std::string& out_refund_no, const std::string& status,
                        const std::string& mchid);
  Status SendSignTest(const std::string& url);
  FaultTable& faults() { return faults_; }
  std::vector<DeliveryRecord> Deliveries() const;

  // ---- notifier interface ----
  std::vector<DueDelivery> TakeDue(int64_t now_ms, int64_t* next_due_ms);
  void RecordAttempt(const std::string& id, int http_status, const std::string& error);
  Result<testing::SignedCallback> BuildCallback(const DueDelivery& d) const;

 private:
  Engine(const SandboxOptions& options, Identity id);
  Status OpenCollections();

  // Dispatch by protocol.
  bool IsMiniProgram(const std::string& method, const std::string& path) const;
  WireResponse HandleControl(const WireRequest& req, const std::string& path,
                             const std::string& raw_query);
  WireResponse HandleApiV3(const WireRequest& req, const std::string& path,
                           const std::string& raw_query, const FaultTable::Applied& fault);
  WireResponse HandleApiV2(const WireRequest& req, const std::string& path,
                           const std::string& raw_query, const FaultTable::Applied& fault);
  WireResponse HandleMiniProgram(const WireRequest& req, const std::string& path,
                                 const std::string& raw_query, const FaultTable::Applied& fault);

  // APIv3 pieces (apiv3.cc).
  std::optional<V3Reply> CheckAuthorization(const WireRequest& req, const std::string& body,
                                            V3Call& call);
  std::optional<V3Reply> ReadBody(const WireRequest& req, V3Call& call);
  std::optional<V3Reply> DecryptFields(const WireRequest& req, V3Call& call);
  std::optional<V3Reply> ValidateRequest(V3Call& call);
  V3Reply Dispatch(V3Call& call);
  V3Reply Generic(V3Call& call);
  V3Reply Certificates(V3Call& call);
  WireResponse FinishV3(const WireRequest& req, V3Reply reply,
                        const FaultTable::Applied& fault) const;
  // The key responses are signed with: the one Wechatpay-Serial names, else the platform
  // certificate's key for /v3/certificates, else the public key.
  void ResponseKey(const WireRequest& req, const PrivateKey** key, std::string* serial) const;
  const PrivateKey* PrivateKeyFor(std::string_view serial) const;

  // Payment flow (payment.cc).
  V3Reply CreateOrder(V3Call& call, const std::string& trade_type);
  V3Reply QueryOrder(V3Call& call, bool by_transaction_id);
  V3Reply CloseOrder(V3Call& call);
  V3Reply CreateRefund(V3Call& call);
  V3Reply QueryRefund(V3Call& call);
  Json OrderView(const Json& order) const;
  Json RefundView(const Json& refund) const;
  Status EnqueueDelivery(const std::string& url, const std::string& mchid,
                         const std::string& event_type, const std::string& summary,
                         const std::string& original_type, const Json& resource, bool probe);

  // Seed endpoints (seeds.cc).
  V3Reply ReportTradeUnion(V3Call& call);
  V3Reply TradeRiskInformation(V3Call& call);
  V3Reply CreateBlockSubmission(V3Call& call);
  V3Reply QueryBlockSubmission(V3Call& call);
  Json BlockSubmissionView(const Json& s) const;

  // APIv2 (apiv2.cc).
  std::string V2Reply(const apiv2::Fields& fields, const Merchant* merchant,
                      apiv2::SignType type) const;
  // The APIv2 payment flow on the orders and refunds the APIv3 side uses (apiv2_pay.cc). Each
  // fills `out` with the business answer (result_code and the endpoint's fields) or returns a
  // protocol failure message (answered return_code=FAIL).
  std::optional<std::string> V2Micropay(const apiv2::Fields& in, const Merchant& m,
                                        apiv2::Fields& out);
  std::optional<std::string> V2OrderQuery(const apiv2::Fields& in, const Merchant& m,
                                          apiv2::Fields& out);
  std::optional<std::string> V2Reverse(const apiv2::Fields& in, const Merchant& m,
                                       apiv2::Fields& out);
  std::optional<std::string> V2Refund(const apiv2::Fields& in, const Merchant& m,
                                      apiv2::Fields& out);
  std::optional<std::string> V2RefundQuery(const apiv2::Fields& in, const Merchant& m,
                                           apiv2::Fields& out);
  // The order (key in orders_) a request names: transaction_id first, else out_trade_no. mu_ held.
  std::string FindOrderKey(const std::string& mchid, const std::string& transaction_id,
                           const std::string& out_trade_no) const;

  // Mini-program (miniprogram.cc).
  Json IssueToken(const std::string& appid, bool stable, bool force_refresh);

  const SandboxOptions options_;
  const Identity id_;
  const catalog::Catalog& catalog_;
  Clock clock_;
  mutable std::mutex url_mu_;
  std::string base_url_;

  FaultTable faults_;
  NonceCache nonces_;

  // State, guarded by mu_.
  mutable std::mutex mu_;
  Store store_;
  Collection* orders_ = nullptr;      // mchid|out_trade_no
  Collection* refunds_ = nullptr;     // mchid|out_refund_no
  Collection* reports_ = nullptr;     // trade union reports: mchid|sub_mchid|out_trade_no
  Collection* risk_ = nullptr;        // verdicts set through the control API
  Collection* blocks_ = nullptr;      // block submissions by block_submission_id
  Collection* payitil_ = nullptr;     // APIv2 payitil/report uploads
  Collection* combine_ = nullptr;     // mini-program combined orders
  Collection* tokens_ = nullptr;      // access tokens
  Collection* deliveries_ = nullptr;  // callbacks
  std::unordered_map<std::string, std::string> by_transaction_id_;  // -> orders_ key
  std::unordered_map<std::string, std::string> by_refund_id_;       // -> refunds_ key
  std::set<std::string> pending_deliveries_;                        // deliveries_ keys, PENDING
  uint64_t sequence_ = 0;

  std::unique_ptr<Notifier> notifier_;
  std::atomic<bool> shut_down_{false};
};

// Keys of the collections.
std::string OrderKey(const std::string& mchid, const std::string& out_trade_no);

// The APIv3 status codes WeChat Pay uses for an injected status.
std::string StatusCodeName(int status);

}  // namespace wechatpay::sandbox

#endif  // WECHATPAY_SANDBOX_SRC_ENGINE_H_
