// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The APIv2 layer: flat XML bodies, MD5 / HMAC-SHA256 signatures, the refund-notification
// `req_info` cipher, and notification/response checks. Pure functions over `Fields`, an ordered
// key/value list; no I/O. This header does not include pugixml or OpenSSL. See docs/adr/0004.
#ifndef WECHATPAY_APIV2_H_
#define WECHATPAY_APIV2_H_

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/result.h"

namespace wechatpay::apiv2 {

enum class SignType { kMd5, kHmacSha256 };

// "MD5" or "HMAC-SHA256", case-sensitive as WeChat sends them; empty means kMd5. Anything else is
// kInvalidArgument.
Result<SignType> ParseSignType(std::string_view text);
// "MD5" or "HMAC-SHA256".
const char* SignTypeName(SignType type);

class Fields;
namespace internal {
struct FieldsAccess;  // lets the XML decoder append keys it has already checked for uniqueness
}  // namespace internal

// An ordered key/value list with unique keys. Insertion order is kept (EncodeXml writes fields in
// this order); Set on an existing key replaces the value in place. Lookups are linear, which is
// the fastest choice for the 5-50 fields of an APIv2 body.
class Fields {
 public:
  using Entry = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Entry>::const_iterator;

  Fields() = default;
  // Later duplicates replace earlier values (as Set would).
  Fields(std::initializer_list<Entry> init);

  void Set(std::string key, std::string value);
  // The value of `key`, or nullptr.
  const std::string* Find(std::string_view key) const;
  std::string Get(std::string_view key, std::string_view fallback = {}) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // Removes `key` if present; the other fields keep their order.
  void Remove(std::string_view key);
  void clear() { entries_.clear(); }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  const std::vector<Entry>& entries() const { return entries_; }

  // Same keys and values in the same order.
  friend bool operator==(const Fields& a, const Fields& b) { return a.entries_ == b.entries_; }
  friend bool operator!=(const Fields& a, const Fields& b) { return !(a == b); }

 private:
  friend struct internal::FieldsAccess;
  std::vector<Entry> entries_;
};

// ---- signatures ----

// The string that is signed: "k1=v1&k2=v2&...&key=APIV2_KEY" over the fields sorted by key (byte
// order), skipping empty values and the `sign` field. It contains the key: treat it as a secret.
std::string SigningString(const Fields& fields, std::string_view apiv2_key);
// UPPER(hex(MD5(SigningString))) or UPPER(hex(HMAC-SHA256(apiv2_key, SigningString))).
std::string Sign(const Fields& fields, std::string_view apiv2_key, SignType type);
// Recomputes the signature and compares it with `sign` in constant time (hex case is ignored).
// kBadSignature when `sign` is missing or does not match; the message says which.
Status VerifySign(const Fields& fields, std::string_view apiv2_key, SignType type);
// For a request about to be sent: sets `nonce_str` (32 random [0-9A-Za-z]) when absent or empty
// and `add_nonce` (false for the few endpoints without one, such as v2/secapi/mch/uploadmedia),
// makes `sign_type` agree with `type` (set to "HMAC-SHA256" for kHmacSha256; for kMd5 it is left
// absent, or rewritten to "MD5" if present), then sets `sign` as the last field. appid/mch_id are
// the client's business.
void SignRequest(Fields& fields, std::string_view apiv2_key, SignType type, bool add_nonce = true);

// ---- XML ----

struct XmlOptions {
  size_t max_bytes = 1 << 20;  // larger bodies are refused before parsing
  size_t max_depth = 16;       // element nesting below the root
};

// <root><k>v</k>...</root>, fields in order, no declaration, no whitespace. A value is written as
// CDATA when it contains any of < > & " ' or starts/ends with whitespace ("]]>" is split across
// two sections); a value containing '\r' is written as escaped text with &#13; (CDATA cannot keep
// it); any other value is written as is. Keys and `root` are written verbatim: they must be XML
// names (WeChat field names always are).
std::string EncodeXml(const Fields& fields, std::string_view root = "xml");

// Parses an APIv2 document. The root element may have any name (`xml` for bodies, `root` for
// req_info plaintext). Each child of the root becomes a field with its text (PCDATA and CDATA
// concatenated, comments ignored, no trimming). Nested elements are flattened to dotted paths:
// `<hblist><hbinfo><openid>o</openid></hbinfo></hblist>` gives "hblist.hbinfo.openid" = "o"; a name
// repeated among the children of a nested element is indexed, "hblist.hbinfo[0].openid",
// "hblist.hbinfo[1].openid". Attributes are ignored.
//
// Strict, and safe on hostile input: the size limit is checked first; the input must be valid
// UTF-8 without C0 control characters other than tab/CR/LF; DOCTYPE is refused (no DTD, no
// entity expansion: XXE and billion-laughs are impossible); only the five predefined entities and
// numeric character references are accepted; exactly one root element; no text outside it; no
// text mixed with child elements; a field name may appear only once. Every failure is kParse with
// a message like "malformed XML at offset 12: start-end tags mismatch" that never quotes values.
Result<Fields> DecodeXml(std::string_view xml, const XmlOptions& options = {});

// ---- refund notification req_info ----

// base64 -> AES-256-ECB (key = lower-hex MD5 of the APIv2 key) -> PKCS#7 -> <root> XML fields.
// kParse for bad base64; kDecryption when the ciphertext does not decrypt to a <root> document
// (most often the wrong APIv2 key); kInvalidArgument for an empty key.
Result<Fields> DecryptReqInfo(std::string_view req_info_base64, std::string_view apiv2_key);
// The reverse, for simulators: testing::EncryptReqInfo (<wechatpay/testing/server.h>).

// ---- notifications ----

// Parses and verifies a payment-result notification body. return_code != SUCCESS is kApi. The
// algorithm is the body's `sign_type`; when that is absent, a 64-hex-digit `sign` is checked as
// HMAC-SHA256 and anything else as MD5 (WeChat omits sign_type even for orders placed with
// HMAC-SHA256). A missing or wrong sign, or an unknown sign_type, is kBadSignature. A refund
// notification (req_info, no sign) is refused here: use ParseRefundNotification.
Result<Fields> ParsePaymentNotification(std::string_view xml, std::string_view apiv2_key);
// A refund-result notification, split by trust. A refund notification carries no signature:
// only what decrypts from `req_info` with the APIv2 key is authenticated.
struct RefundNotification {
  Fields fields;  // decrypted from req_info (out_refund_no, refund_status, refund_fee, ...)
  // The envelope as received (return_code, appid, mch_id, nonce_str, req_info): anyone could have
  // written these. A service provider may read mch_id to pick the key, never to trust the result.
  Fields unauthenticated;
};
// Parses a refund-result notification: checks return_code and decrypts `req_info`. A field in the
// envelope never reaches `fields`, whatever its name.
Result<RefundNotification> ParseRefundNotification(std::string_view xml,
                                                   std::string_view apiv2_key);
// <xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>
// (FAIL when !success).
std::string NotificationReply(bool success, std::string_view message = "OK");

// ---- responses ----

// Checks a decoded APIv2 response, in this order: return_code missing -> kParse; return_code !=
// SUCCESS -> kApi with api_code = return_code and the message from return_msg; then, when
// `verify_sign`, the sign (kBadSignature); then result_code present and != SUCCESS -> kApi with
// api_code = err_code, detail = err_code_des. Ok otherwise.
Status CheckResponse(const Fields& response, std::string_view apiv2_key, SignType type,
                     bool verify_sign);

}  // namespace wechatpay::apiv2

#endif  // WECHATPAY_APIV2_H_
