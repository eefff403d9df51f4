// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The endpoint catalog: every WeChat Pay endpoint (APIv3, APIv2, hk, global, mini-program) as
// data — method, host, path template, media types, and for each field its name, type, format,
// enum, constraints and required flag. The data is embedded in the library (generated from
// data/catalog.json by tools/gen_catalog.py) and parsed once, on first use.
//
// Everything here is read-only and thread-safe. Schema nodes, endpoints and the string views they
// hold live as long as the program (the default catalog is never destroyed). No function throws.
//
// This is a JSON-purpose header: the synthesis functions return nlohmann::json values.
#ifndef WECHATPAY_CATALOG_H_
#define WECHATPAY_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace wechatpay::internal {
struct CatalogImpl;
struct CatalogAccess;
}  // namespace wechatpay::internal

namespace wechatpay::catalog {

// JSON-ish type of a field. kFile is a multipart file part.
enum class FieldType : std::uint8_t {
  kString,
  kInteger,
  kNumber,
  kBoolean,
  kObject,
  kArray,
  kFile
};

// "string", "integer", "number", "boolean", "object", "array", "file".
std::string_view FieldTypeName(FieldType type);

// Constraints on a value (JSON Schema keywords). Lengths count Unicode code points of the UTF-8
// text, or bytes when `byte_length` is set (the catalog's `lengthUnit: byte`).
struct Constraints {
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  bool byte_length = false;
  // ECMAScript regular expression, unanchored (it must match somewhere in the value, as in JSON
  // Schema); patterns that must match the whole value carry their own ^...$.
  std::optional<std::string_view> pattern;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<std::uint64_t> min_items;
  std::optional<std::uint64_t> max_items;

  bool empty() const {
    return !min_length && !max_length && !pattern && !minimum && !maximum && !min_items &&
           !max_items;
  }
};

// One field (or a root/array-element schema, which has no name). Nodes form a tree linked by
// pointers; identical subtrees in the embedded catalog are shared. Build your own trees the same
// way (e.g. in tests): the pointed-to nodes must outlive their users.
struct FieldSchema {
  // Member name; empty for a body root, an array element or an embedded document. APIv2 indexed
  // families are written with `$n` / `$m` (`coupon_fee_$n` stands for coupon_fee_0, _1, ...).
  std::string_view name;
  FieldType type = FieldType::kString;
  // Free-form format hint: rfc3339, date, base64, int32, int64, uint64, MediaId, url, ...
  std::string_view format;
  bool required = false;
  bool nullable = false;    // JSON null is accepted
  bool deprecated = false;  // still accepted, should not be sent
  bool cdata = false;       // APIv2: the XML element is written as CDATA
  // Allowed values as text: strings as they are, numbers in decimal, booleans as true/false.
  std::vector<std::string_view> enum_values;
  // Default value as text (same spelling as enum_values).
  std::optional<std::string_view> default_value;
  Constraints constraints;
  // Object members, in source order.
  std::vector<const FieldSchema*> fields;
  // Array element schema.
  const FieldSchema* items = nullptr;
  // For a string that carries a JSON document (format jsonObjectLike / jsonArrayLike): the schema
  // of that document, and the label the documentation gives it.
  const FieldSchema* json = nullptr;
  std::string_view json_key;
  // For a string that carries a URL-encoded form (k=v&k=v): the schema of that form.
  const FieldSchema* urlencoded = nullptr;
  // Alternatives: the value conforms to one of these (objects without `fields` of their own).
  std::vector<const FieldSchema*> one_of;
  // APIv2 root element name (usually "xml").
  std::string_view xml_name;
  // Member names whose values are sensitive (ciphertext etc.).
  std::vector<std::string_view> sensitive;
  // "Give one of these" groups of member names, where any one alternative suffices (e.g.
  // {"transaction_id", "out_trade_no"}); the members themselves are then not `required`. An
  // object conforms when every group has at least one member present (and not null).
  std::vector<std::vector<std::string_view>> required_any;

  // The member called `member_name`, or nullptr. Linear in the number of members.
  const FieldSchema* Field(std::string_view member_name) const;
  // True for APIv2 indexed family names (containing `$n` / `$m`).
  bool IsIndexedFamily() const { return name.find('$') != std::string_view::npos; }
  // True when `member` (e.g. "coupon_fee_1", "coupon_type_0_2") is a member of this family, or
  // equals the name of a plain field.
  bool NameMatches(std::string_view member) const;
};

enum class ApiVersion : std::uint8_t { kV2, kV3, kHk, kGlobal, kMiniProgram };
enum class Protocol : std::uint8_t { kApiV2, kApiV3, kMiniProgram };
enum class EndpointKind : std::uint8_t {
  kApi,           // an ordinary request/response call
  kPage,          // a signed URL a user's browser opens
  kNotification,  // an inbound callback (host is empty)
};
enum class RequestKind : std::uint8_t { kNone, kJson, kXml, kMultipart };
enum class ResponseKind : std::uint8_t { kJson, kXml, kBinary, kEmpty, kHtml, kRedirect };

// Catalog spellings: "v2", "v3", "hk", "global", "miniprogram"; "apiv2", "apiv3", "miniprogram";
// "api", "page", "notification"; "none", "json", "xml", "multipart"; "json", "xml", "binary",
// "empty", "html", "redirect".
std::string_view ApiVersionName(ApiVersion v);
std::string_view ProtocolName(Protocol p);
std::string_view EndpointKindName(EndpointKind k);
std::string_view RequestKindName(RequestKind k);
std::string_view ResponseKindName(ResponseKind k);

// The success response.
struct ResponseSpec {
  int status = 200;
  const FieldSchema* schema = nullptr;    // nullptr: no body (empty, binary, html, redirect)
  std::vector<std::string_view> headers;  // headers the response must carry (statements)
  std::string_view error_kind;            // "xml" when a binary download fails as XML
};

struct Endpoint {
  // "POST v3/pay/transactions/jsapi", "POST v2/pay/micropay" (APIv2 ids carry a v2 prefix).
  std::string_view id;
  ApiVersion version = ApiVersion::kV3;
  Protocol protocol = Protocol::kApiV3;
  EndpointKind kind = EndpointKind::kApi;
  std::string_view method;  // "GET", "POST", "PUT", "PATCH", "DELETE"
  std::string_view host;    // "api.mch.weixin.qq.com"; empty for notifications
  // HTTP path template: "/v3/pay/transactions/id/{transaction_id}", "/pay/micropay".
  std::string_view path;
  // URL-chain form: "v3/pay/transactions/id/{transaction_id}", "v2/pay/micropay",
  // "v2/secapi/mch/{addinstitutionsub}" (upper case), "v3/ecommerce/applyments/{empty}".
  std::string_view chain;
  std::vector<std::string_view> uri_rules;  // "uppercase", "trailing_slash"
  std::vector<std::string_view> tags;       // business tags
  bool deprecated = false;
  std::vector<std::string_view> consumes;
  std::vector<std::string_view> produces;
  RequestKind request_kind = RequestKind::kNone;
  ResponseKind response_kind = ResponseKind::kJson;
  bool needs_client_cert = false;      // APIv2 call that needs the merchant's client certificate
  bool uses_wechatpay_serial = false;  // request carries Wechatpay-Serial (encrypted fields)
  std::string_view auth;               // "access_token" for the mini-program API, else empty
  std::vector<const FieldSchema*> path_params;  // template order, always required
  std::vector<const FieldSchema*> query;
  std::vector<const FieldSchema*> headers;
  const FieldSchema* body = nullptr;  // nullptr when the request has no body
  // Request values sent RSA-OAEP encrypted: body paths ("contact.name", "a[].b", "meta~x.y") and
  // "query:name" for query parameters.
  std::vector<std::string_view> encrypted_fields;
  std::vector<std::string_view> response_encrypted_fields;
  std::vector<std::string_view> response_aead_fields;
  ResponseSpec response;
  // APIv2: the success response carries no `sign` to verify (reports, bill downloads, pages and
  // the other endpoints documented so). Always false for other protocols, whose responses are
  // verified from their headers.
  bool response_unsigned = false;

  // The id without its method: "v3/pay/transactions/id/{transaction_id}", "v2/payitil/report".
  std::string_view template_path() const;
};

// A concrete request path resolved to an endpoint.
struct PathMatch {
  const Endpoint* endpoint = nullptr;
  // Placeholder values, percent-decoded. Same type as wechatpay::PathParams.
  std::map<std::string, std::string, std::less<>> path_params;
};

class Catalog {
 public:
  // The embedded catalog, parsed on first use (thread-safe), never destroyed.
  static const Catalog& Default();

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  ~Catalog();

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // All endpoints, sorted by version, path, method.
  const std::vector<Endpoint>& endpoints() const;
  const Endpoint& operator[](std::size_t i) const { return endpoints()[i]; }
  std::vector<Endpoint>::const_iterator begin() const { return endpoints().begin(); }
  std::vector<Endpoint>::const_iterator end() const { return endpoints().end(); }

  // Looks an endpoint up by method (case-insensitive) and path template. Accepts
  //   "v3/pay/transactions/id/{transaction_id}" or "/v3/pay/...",  "v2/payitil/report",
  //   the chain form ("v2/secapi/mch/{addinstitutionsub}", "v3/ecommerce/applyments/{empty}"),
  //   the APIv2 HTTP path ("/payitil/report"), or a whole id ("POST v3/...", then `method` may be
  //   empty). Placeholder names must be spelled as in the catalog. nullptr when unknown.
  const Endpoint* Find(std::string_view method, std::string_view path_template_or_id) const;

  // Resolves what a caller wrote: a template ("v3/pay/transactions/id/{transaction_id}", any
  // spelling Find accepts) or a concrete path ("v3/pay/transactions/out-trade-no/NC1?mchid=1",
  // "v2/pay/micropay", "/hk/v3/..."). For a template the placeholders are left unbound; for a
  // concrete path they are bound from its segments (percent-decoded). nullopt when no endpoint of
  // that method has that path.
  std::optional<PathMatch> Resolve(std::string_view method, std::string_view uri) const;

  // Up to `limit` known endpoints closest to an unknown `uri` (segment-wise edit distance;
  // placeholders match any segment), best first, those of `method` before others. Empty when
  // nothing is close.
  std::vector<const Endpoint*> Suggest(std::string_view method, std::string_view uri,
                                       std::size_t limit = 3) const;

  // One sentence for a user whose METHOD URI resolves to nothing: "POST v3/pay/transactions/natve
  // is not an endpoint this SDK knows; did you mean POST v3/pay/transactions/native?", or "...;
  // that path is called with POST" when only the method is wrong.
  std::string ExplainUnknown(std::string_view method, std::string_view uri) const;

  // Endpoints whose id, chain or one of whose tags contains `filter` (ASCII case-insensitive), in
  // catalog order. An empty filter returns all endpoints.
  std::vector<const Endpoint*> Search(std::string_view filter) const;

  // Provenance of the data: upstream repository, commit and index version.
  std::string_view source_repository() const;
  std::string_view source_commit() const;
  std::string_view source_index_version() const;

  // Non-empty when the embedded data failed to load (a build defect; the catalog is then empty).
  const std::string& load_error() const;

  // Implementation detail: used by the embedded-data loader.
  explicit Catalog(std::unique_ptr<internal::CatalogImpl> impl);

 private:
  friend struct internal::CatalogAccess;  // the loaded tables, for src/ and wechatpay_testing
  std::unique_ptr<internal::CatalogImpl> impl_;
};

// How scalar values are carried. kJson: typed JSON (APIv3 bodies, JSON documents inside strings).
// kText: every scalar is text (APIv2 XML, multipart form parts, query strings, path parameters),
// so integers, numbers and booleans arrive as strings and are accepted in either form.
enum class ValueEncoding : std::uint8_t { kJson, kText };

// Sample requests and responses, concrete-path matching: <wechatpay/testing/catalog.h>.

}  // namespace wechatpay::catalog

#endif  // WECHATPAY_CATALOG_H_
