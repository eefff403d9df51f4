// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.

#include "wechatpay/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wechatpay/catalog.h"
#include "wechatpay/result.h"
#include "wechatpay/testing/catalog.h"

using wechatpay::testing::SampleRequest;
using wechatpay::testing::SynthesizeRequest;
using wechatpay::testing::SynthesizeResponse;

namespace wechatpay::catalog {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const Endpoint& Ep(std::string_view method, std::string_view path) {
  const Endpoint* e = Catalog::Default().Find(method, path);
  if (e == nullptr) {
    ADD_FAILURE() << "no endpoint " << method << " " << path;
    static const Endpoint kEmpty;
    return kEmpty;
  }
  return *e;
}

std::string Describe(const std::vector<Violation>& v) {
  std::string out;
  for (const Violation& x : v) out += x.path + " [" + x.rule + "] " + x.message + "\n";
  return out;
}

// path:rule pairs, for compact expectations.
std::vector<std::string> Brief(const std::vector<Violation>& v) {
  std::vector<std::string> out;
  for (const Violation& x : v) out.push_back(x.path + ":" + x.rule);
  return out;
}

std::vector<Violation> ValidateBody(const Endpoint& e, const json& body,
                                    RequestParts parts = RequestParts()) {
  parts.body = &body;
  SampleRequest sample = SynthesizeRequest(e);
  if (parts.path_params.empty()) parts.path_params = sample.path_params;
  if (parts.query.empty()) parts.query = sample.query;
  return Validate(e, parts);
}

// A valid mini-program combined-order upload: three sub-orders, the last with one item.
json CombineOrder() {
  json item = {{"name", "商品"},
               {"unit_price", 100},
               {"quantity", 1},
               {"image_url", {"https://example.com/a.png"}},
               {"item_detail_jump_link", {{"type", 1}, {"appid", "wx1"}, {"path", "/p"}}}};
  json sub = {{"order_key", {{"order_number_type", 2}, {"transaction_id", "4200001"}}},
              {"order_detail_jump_link", {{"type", 2}, {"url", "https://example.com/o"}}},
              {"item_list", {item}}};
  return {{"order_key", {{"order_number_type", 2}, {"transaction_id", "4200000"}}},
          {"sub_orders", {sub, sub, sub}},
          {"payer", {{"openid", "o-user"}}},
          {"upload_time", "2024-01-01T08:00:00+08:00"}};
}

const Endpoint& Combine() { return Ep("POST", "user-order/combine-orders"); }

RequestParts WithToken() {
  RequestParts p;
  p.query = {{"access_token", "TOKEN"}};
  return p;
}

// ---------------------------------------------------------------------------------------------
// One schema per rule, valid and invalid values.

struct RuleCase {
  const char* name;
  json value;
  std::vector<std::string> expected;  // path:rule
};

class ValidationRuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    code.name = "code";
    code.type = FieldType::kString;
    code.required = true;
    code.constraints.min_length = 2;
    code.constraints.max_length = 4;
    code.constraints.pattern = "^[A-Z0-9]+$";

    state.name = "state";
    state.type = FieldType::kString;
    state.enum_values = {"OK", "FAIL"};

    amount.name = "amount";
    amount.type = FieldType::kInteger;
    amount.constraints.minimum = 1;
    amount.constraints.maximum = 100;

    rate.name = "rate";
    rate.type = FieldType::kNumber;
    rate.enum_values = {"1", "2.5"};

    flag.name = "flag";
    flag.type = FieldType::kBoolean;

    tag.type = FieldType::kString;
    tag.constraints.max_length = 3;
    tags.name = "tags";
    tags.type = FieldType::kArray;
    tags.items = &tag;
    tags.constraints.min_items = 1;
    tags.constraints.max_items = 2;

    note.name = "note";
    note.type = FieldType::kString;
    note.nullable = true;

    inner.name = "inner";
    inner.type = FieldType::kObject;
    inner.fields = {&code};

    root.type = FieldType::kObject;
    root.fields = {&code, &state, &amount, &rate, &flag, &tags, &note, &inner};
  }

  FieldSchema code, state, amount, rate, flag, tag, tags, note, inner, root;
};

TEST_F(ValidationRuleTest, EveryRuleKind) {
  const json base = {{"code", "AB1"}, {"inner", {{"code", "Z9"}}}};
  auto with = [&](const char* key, json v) {
    json o = base;
    o[key] = std::move(v);
    return o;
  };
  const std::vector<RuleCase> cases = {
      {"valid minimal", base, {}},
      {"valid full",
       {{"code", "AB12"},
        {"state", "OK"},
        {"amount", 100},
        {"rate", 2.5},
        {"flag", false},
        {"tags", {"a", "bcd"}},
        {"note", nullptr},
        {"inner", {{"code", "ZZ"}}},
        {"unknown_member", {{"anything", 1}}}},
       {}},
      {"required", json::object(), {"code:required"}},
      {"nested required", {{"code", "AB"}, {"inner", json::object()}}, {"inner.code:required"}},
      {"type string", with("code", 12), {"code:type"}},
      {"type null not nullable", with("code", nullptr), {"code:type"}},
      {"type integer float", with("amount", 1.5), {"amount:type"}},
      {"integral float is an integer", with("amount", 2.0), {}},
      {"type integer string", with("amount", "5"), {"amount:type"}},
      {"type boolean", with("flag", "true"), {"flag:type"}},
      {"type object", with("inner", json::array()), {"inner:type"}},
      {"type array", with("tags", "a"), {"tags:type"}},
      {"enum string", with("state", "ok"), {"state:enum"}},
      {"enum number ok", with("rate", 1), {}},
      {"enum number", with("rate", 2), {"rate:enum"}},
      {"minLength", with("code", "A"), {"code:minLength"}},
      {"maxLength", with("code", "ABCDE"), {"code:maxLength"}},
      {"pattern", with("code", "ab"), {"code:pattern"}},
      {"minimum", with("amount", 0), {"amount:minimum"}},
      {"maximum", with("amount", 101), {"amount:maximum"}},
      {"minItems", with("tags", json::array()), {"tags:minItems"}},
      {"maxItems", with("tags", {"a", "b", "c"}), {"tags:maxItems"}},
      {"item maxLength", with("tags", {"a", "long"}), {"tags[1]:maxLength"}},
      {"item type", with("tags", {1}), {"tags[0]:type"}},
      {"length and pattern together", with("code", "abcdef"), {"code:maxLength", "code:pattern"}},
  };
  for (const RuleCase& c : cases) {
    std::vector<Violation> v = ValidateValue(root, c.value);
    EXPECT_EQ(Brief(v), c.expected) << c.name << "\n" << Describe(v);
  }
}

TEST_F(ValidationRuleTest, TextEncodingAcceptsScalarsAsStrings) {
  json xml = {{"code", "AB1"},
              {"amount", "50"},
              {"rate", "2.5"},
              {"flag", "true"},
              {"inner", {{"code", "Z9"}}}};
  EXPECT_THAT(ValidateValue(root, xml, ValueEncoding::kText), IsEmpty());
  json bad = {{"code", "AB1"}, {"amount", "5x"}, {"rate", "3"}, {"flag", "yes"}};
  EXPECT_THAT(Brief(ValidateValue(root, bad, ValueEncoding::kText)),
              ElementsAre("amount:type", "rate:enum", "flag:type"));
  // The same strings are type errors in typed JSON.
  EXPECT_THAT(Brief(ValidateValue(root, xml, ValueEncoding::kJson)),
              ElementsAre("amount:type", "rate:type", "flag:type"));
}

TEST_F(ValidationRuleTest, RootAndPrefixPaths) {
  EXPECT_THAT(Brief(ValidateValue(root, json::array())), ElementsAre("value:type"));
  EXPECT_THAT(Brief(ValidateValue(root, json::object(), ValueEncoding::kJson, "payload")),
              ElementsAre("payload.code:required"));
  EXPECT_THAT(Brief(ValidateValue(tag, "long", ValueEncoding::kJson, "x")),
              ElementsAre("x:maxLength"));
}

TEST_F(ValidationRuleTest, MessagesNameTheValueAndWhatIsAllowed) {
  json bad = {{"code", "x"}, {"state", "MAYBE"}, {"amount", 999999}, {"rate", 3}};
  std::vector<Violation> v = ValidateValue(root, bad);
  std::map<std::string, std::string> by_rule;
  for (const Violation& x : v) by_rule[x.path + ":" + x.rule] = x.message;
  EXPECT_EQ(by_rule["code:minLength"], "\"x\" is 1 characters long, at least 2 required");
  EXPECT_EQ(by_rule["code:pattern"], "\"x\" does not match pattern ^[A-Z0-9]+$");
  EXPECT_EQ(by_rule["state:enum"], "\"MAYBE\" is not allowed; it must be one of: OK, FAIL");
  EXPECT_EQ(by_rule["amount:maximum"], "999999 is above the maximum 100");
  EXPECT_EQ(by_rule["rate:enum"], "3 is not allowed; it must be one of: 1, 2.5");
  // Type errors name the scalar that was sent; control characters are escaped, long values cut.
  std::vector<Violation> t = ValidateValue(root, {{"code", "A"}, {"amount", "12"}});
  ASSERT_FALSE(t.empty());
  EXPECT_THAT(Describe(t), HasSubstr("amount [type] expected integer, got string \"12\"\n"));
  std::string long_value = "\x1b[31m" + std::string(100, 'Z');
  std::vector<Violation> l = ValidateValue(tag, long_value);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].message, "\"\\u001b[31m" + std::string(59, 'Z') +
                              "...\" (cut, 105 bytes) is 105 characters long, at most 3 allowed");
  Status st = ToStatus(v);
  EXPECT_THAT(st.error().message, HasSubstr("state: \"MAYBE\" is not allowed; it must be one of"));
}

TEST(ValidationTest, SecretValuesNeverAppearInMessages) {
  // Encrypted fields of the endpoint (body and query) and secret-looking names are not echoed.
  const Endpoint& add = Ep("POST", "v3/profitsharing/receivers/add");
  ASSERT_THAT(add.encrypted_fields, ::testing::Contains("name"));
  json body = {{"appid", "wx8888888888888888"},
               {"type", "PERSONAL_OPENID"},
               {"account", "o-user"},
               {"name", 31415926},  // the wrong type: reported, the value not shown
               {"relation_type", "PARTNER"}};
  std::vector<Violation> v = ValidateBody(add, body);
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].path, "name");
  EXPECT_EQ(v[0].message,
            "expected string, got integer the value (not shown: the field is secret or encrypted)");
  EXPECT_THAT(ToStatus(v).error().message, Not(HasSubstr("31415926")));
  FieldSchema secret;
  secret.name = "client_secret";
  secret.type = FieldType::kString;
  secret.constraints.max_length = 4;
  FieldSchema holder;
  holder.type = FieldType::kObject;
  holder.fields = {&secret};
  std::vector<Violation> s = ValidateValue(holder, {{"client_secret", "TOPSECRET"}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_THAT(s[0].message, Not(HasSubstr("TOPSECRET")));
  EXPECT_THAT(ToStatus(s).error().detail, Not(HasSubstr("TOPSECRET")));
}

TEST(ValidationTest, RequiredStringsMustNotBeEmptyInRequests) {
  const Endpoint& native = Ep("POST", "v3/pay/transactions/native");
  json body = {{"appid", ""},
               {"mchid", "1230000109"},
               {"description", "Image"},
               {"out_trade_no", "1217752501201407033233368018"},
               {"notify_url", "https://www.weixin.qq.com/wxpay/pay.php"},
               {"amount", {{"total", 1}}}};
  std::vector<Violation> v = ValidateBody(native, body);
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].path, "appid");
  EXPECT_EQ(v[0].rule, "required");
  EXPECT_EQ(v[0].message, "required field is empty");
  body["appid"] = "wxd678efh567hg6787";
  EXPECT_THAT(ValidateBody(native, body), IsEmpty());
  // Query: an empty required value is refused, as is a missing one.
  const Endpoint& query = Ep("GET", "v3/pay/transactions/out-trade-no/{out_trade_no}");
  RequestParts p;
  p.path_params = {{"out_trade_no", "NC1"}};
  p.query = {{"mchid", ""}};
  EXPECT_THAT(Brief(Validate(query, p)), ElementsAre("query.mchid:required"));
  EXPECT_EQ(Validate(query, p)[0].message, "required query parameter is empty");
  p.query.clear();
  EXPECT_EQ(Validate(query, p)[0].message, "required query parameter is missing");
  // A response may carry empty strings: not a violation there.
  FieldSchema f;
  f.name = "x";
  f.type = FieldType::kString;
  f.required = true;
  FieldSchema o;
  o.type = FieldType::kObject;
  o.fields = {&f};
  EXPECT_THAT(ValidateValue(o, {{"x", ""}}), IsEmpty());
}

TEST(ValidationTest, FormatsOfDatesTimesAndUrls) {
  const Endpoint& native = Ep("POST", "v3/pay/transactions/native");
  json body = {{"appid", "wxd678efh567hg6787"},
               {"mchid", "1230000109"},
               {"description", "Image"},
               {"out_trade_no", "1217752501201407033233368018"},
               {"notify_url", "https://www.weixin.qq.com/wxpay/pay.php"},
               {"amount", {{"total", 1}}}};
  for (const char* ok : {"2018-06-08T10:34:56+08:00", "2018-06-08T10:34:56.123Z",
                         "2016-12-31T23:59:60Z", "2024-02-29T00:00:00-05:30"}) {
    body["time_expire"] = ok;
    EXPECT_THAT(ValidateBody(native, body), IsEmpty()) << ok;
  }
  for (const char* bad :
       {"tomorrow", "2018-06-08 10:34:56", "2018-06-08T10:34:56", "2023-02-29T00:00:00+08:00",
        "2018-13-01T00:00:00Z", "2018-06-08T24:00:00Z", "2018-06-08T10:34:56+8:00"}) {
    body["time_expire"] = bad;
    std::vector<Violation> v = ValidateBody(native, body);
    ASSERT_EQ(v.size(), 1u) << bad;
    EXPECT_EQ(v[0].rule, "format");
    EXPECT_EQ(v[0].message,
              json(bad).dump() + " is not an RFC 3339 date-time such as 2018-06-08T10:34:56+08:00");
  }
  // url and date, on an endpoint of our own.
  FieldSchema url;
  url.name = "url";
  url.type = FieldType::kString;
  url.format = "url";
  FieldSchema date;
  date.name = "d";
  date.type = FieldType::kString;
  date.format = "date";
  FieldSchema holder;
  holder.type = FieldType::kObject;
  holder.fields = {&url, &date};
  Endpoint e;
  e.request_kind = RequestKind::kJson;
  e.body = &holder;
  auto check = [&](const json& b) {
    RequestParts p;
    p.body = &b;
    return Validate(e, p);
  };
  EXPECT_THAT(check({{"url", "https://mch.example.com/notify?x=1"}, {"d", "2024-02-29"}}),
              IsEmpty());
  for (const char* bad :
       {"www.weixin.qq.com/notify", "ftp://x/y", "https:///x", "https://host/a b"}) {
    std::vector<Violation> v = check({{"url", bad}});
    ASSERT_EQ(v.size(), 1u) << bad << Describe(v);
    EXPECT_EQ(v[0].message, json(bad).dump() + " is not an http:// or https:// URL with a host");
  }
  for (const char* bad : {"20190611", "2023-02-29", "2019-6-11"}) {
    std::vector<Violation> v = check({{"d", bad}});
    ASSERT_EQ(v.size(), 1u) << bad << Describe(v);
    EXPECT_EQ(v[0].message, json(bad).dump() + " is not a date such as 2019-06-11 (YYYY-MM-DD)");
  }
  // A response is not checked for formats (the server's spelling is the server's).
  EXPECT_THAT(ValidateValue(holder, {{"d", "20190611"}}), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Lengths: characters (code points) by default, bytes where the catalog says lengthUnit byte.

TEST(ValidationTest, CharacterAndByteLengthsWithChineseText) {
  FieldSchema chars;
  chars.type = FieldType::kString;
  chars.constraints.max_length = 4;
  FieldSchema bytes = chars;
  bytes.constraints.byte_length = true;
  const json zh = "微信支付";  // 4 code points, 12 bytes
  EXPECT_THAT(ValidateValue(chars, zh), IsEmpty());
  std::vector<Violation> v = ValidateValue(bytes, zh);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "maxLength");
  EXPECT_EQ(v[0].message, "\"微信支付\" is 12 bytes long, at most 4 allowed");
  EXPECT_THAT(Brief(ValidateValue(chars, "微信支付A")), ElementsAre("value:maxLength"));
  EXPECT_EQ(ValidateValue(chars, "微信支付A")[0].message,
            "\"微信支付A\" is 5 characters long, at most 4 allowed");

  // The catalog's byte-length field: merchant_order_no (1..64 bytes).
  json order = CombineOrder();
  order["sub_orders"][0]["merchant_order_no"] =
      std::string(21, 'x') + "订单号订单号订单号订单号订单号";
  // 21 + 15 * 3 = 66 bytes but only 36 characters.
  EXPECT_THAT(Brief(ValidateBody(Combine(), order, WithToken())),
              ElementsAre("sub_orders[0].merchant_order_no:maxLength"));
  order["sub_orders"][0]["merchant_order_no"] =
      std::string(19, 'x') + "订单号订单号订单号订单号订单号";
  EXPECT_THAT(ValidateBody(Combine(), order, WithToken()), IsEmpty());
  // Item names count characters (maxLength 256): 200 Chinese characters are 600 bytes but fine.
  std::string name;
  for (int i = 0; i < 200; ++i) name += "品";
  order["sub_orders"][1]["item_list"][0]["name"] = name;
  EXPECT_THAT(ValidateBody(Combine(), order, WithToken()), IsEmpty());
  order["sub_orders"][0]["merchant_order_no"] = "";
  EXPECT_THAT(Brief(ValidateBody(Combine(), order, WithToken())),
              ElementsAre("sub_orders[0].merchant_order_no:minLength"));
}

// ---------------------------------------------------------------------------------------------
// Real endpoints: exact paths, several violations at once.

TEST(ValidationTest, CombineOrderValidAndExactNestedPaths) {
  EXPECT_THAT(ValidateBody(Combine(), CombineOrder(), WithToken()), IsEmpty());

  json order = CombineOrder();
  order["sub_orders"][2]["item_list"][0]["image_url"] = {"https://e.com/1", "https://e.com/2",
                                                         "https://e.com/3", "https://e.com/4"};
  order["sub_orders"][1]["item_list"][0]["image_url"][0] = "ftp://example.com/x";
  order["sub_orders"][0]["order_detail_jump_link"]["type"] = 3;
  order["sub_orders"][0]["item_list"][0].erase("quantity");
  order["payer"]["openid"] = 7;
  order.erase("upload_time");
  order["something_new"] = {{"a", 1}};  // unknown: accepted
  std::vector<Violation> v = ValidateBody(Combine(), order, WithToken());
  EXPECT_THAT(Brief(v), ElementsAre("sub_orders[0].order_detail_jump_link.type:enum",
                                    "sub_orders[0].item_list[0].quantity:required",
                                    "sub_orders[1].item_list[0].image_url[0]:pattern",
                                    "sub_orders[2].item_list[0].image_url:maxItems",
                                    "payer.openid:type", "upload_time:required"))
      << Describe(v);

  Status st = ToStatus(v);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message,
            "request validation failed: 6 violations: "
            "sub_orders[0].order_detail_jump_link.type: 3 is not allowed; it must be one of: 1, 2; "
            "sub_orders[0].item_list[0].quantity: required field is missing; "
            "sub_orders[1].item_list[0].image_url[0]: \"ftp://example.com/x\" does not match "
            "pattern ^https?://([^\\s/?#\\[\\]@]+@)?([^\\s/?#@:]+)(?::\\d{2,5})?([^\\[\\]]*)$; "
            "sub_orders[2].item_list[0].image_url: 4 items, at most 3 allowed; "
            "payer.openid: expected string, got integer 7; upload_time: required field is missing");
  json detail = json::parse(st.error().detail, nullptr, false);
  ASSERT_TRUE(detail.is_array());
  ASSERT_EQ(detail.size(), 6u);
  EXPECT_EQ(detail[3]["path"], "sub_orders[2].item_list[0].image_url");
  EXPECT_EQ(detail[3]["rule"], "maxItems");
  EXPECT_EQ(detail[3]["message"], "4 items, at most 3 allowed");
}

TEST(ValidationTest, CombineOrderMinItemsAndQuery) {
  json order = CombineOrder();
  order["sub_orders"][0]["item_list"] = json::array();
  std::vector<Violation> v = ValidateBody(Combine(), order, WithToken());
  EXPECT_THAT(Brief(v), ElementsAre("sub_orders[0].item_list:minItems"));

  RequestParts no_token;
  no_token.body = &order;
  no_token.query = {{"unrelated", "1"}};
  std::vector<Violation> v2 = Validate(Combine(), no_token);
  EXPECT_THAT(Brief(v2),
              ElementsAre("query.access_token:required", "sub_orders[0].item_list:minItems"));
  // Before signing the SDK adds the access token.
  no_token.pre_signing = true;
  EXPECT_THAT(Brief(Validate(Combine(), no_token)),
              ElementsAre("sub_orders[0].item_list:minItems"));
}

TEST(ValidationTest, PatternIsUnanchoredUnlessTheSchemaAnchorsIt) {
  FieldSchema six;
  six.type = FieldType::kString;
  six.constraints.pattern = "[0-9]{6}";
  EXPECT_THAT(ValidateValue(six, "123456"), IsEmpty());
  EXPECT_THAT(ValidateValue(six, "ab123456cd"), IsEmpty());  // JSON Schema semantics
  EXPECT_THAT(Brief(ValidateValue(six, "12345")), ElementsAre("value:pattern"));
  FieldSchema anchored = six;
  anchored.constraints.pattern = "^[0-9]{1,32}$";
  EXPECT_THAT(ValidateValue(anchored, "4200001"), IsEmpty());
  EXPECT_THAT(Brief(ValidateValue(anchored, "42x")), ElementsAre("value:pattern"));
  EXPECT_THAT(Brief(ValidateValue(anchored, std::string(33, '1'))), ElementsAre("value:pattern"));
  // Reuse of the cached regex across many calls.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_THAT(ValidateValue(anchored, std::to_string(i)), IsEmpty());
  }
  // An invalid pattern is a schema defect, not a violation.
  FieldSchema broken = six;
  broken.constraints.pattern = "([0-9";
  EXPECT_THAT(ValidateValue(broken, "x"), IsEmpty());
}

TEST(ValidationTest, HugeValuesDoNotExhaustTheStack) {
  FieldSchema url;
  url.type = FieldType::kString;
  url.constraints.pattern =
      "^https?://([^\\s/?#\\[\\]@]+@)?([^\\s/?#@:]+)(?::\\d{2,5})?([^\\[\\]]*)$";
  std::string big = "https://example.com/" + std::string(200000, 'x');
  std::vector<Violation> v = ValidateValue(url, big);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "pattern");
  url.constraints.max_length = 1024;
  EXPECT_THAT(Brief(ValidateValue(url, big)), ElementsAre("value:maxLength", "value:pattern"));
  EXPECT_THAT(ValidateValue(url, "https://example.com/" + std::string(1000, 'x')), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// JSON carried inside strings.

const Endpoint& BlockSubmit() {
  return Ep("POST", "v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}");
}

json BlockBody(const json& submit_data) {
  return {{"merchant_submit_id", "S-1"}, {"submit_data", submit_data.dump()}};
}

TEST(ValidationTest, JsonInsideStringFields) {
  RequestParts parts;
  parts.path_params = {{"sub_mchid", "1900000109"}};
  json ok_doc = {
      {"record_fields",
       {{{"item_id", "1"}, {"type", 2}, {"need_encrypt", false}},
        {{"type", 6}, {"repeated_field_data", json::array({{{"logistic_flag", 1}}}).dump()}}}}};
  EXPECT_THAT(ValidateBody(BlockSubmit(), BlockBody(ok_doc), parts), IsEmpty());

  json bad_doc = ok_doc;
  bad_doc["record_fields"][0]["type"] = 7;
  bad_doc["record_fields"][0]["need_encrypt"] = "no";
  bad_doc["record_fields"][1]["repeated_field_data"] =
      json::array({{{"logistic_flag", 1}}, {{"logistic_flag", 5}, {"evidence_img_list", "x"}}})
          .dump();
  std::vector<Violation> v = ValidateBody(BlockSubmit(), BlockBody(bad_doc), parts);
  EXPECT_THAT(
      Brief(v),
      ElementsAre("submit_data~record_fields[0].type:enum",
                  "submit_data~record_fields[0].need_encrypt:type",
                  "submit_data~record_fields[1].repeated_field_data~[1].logistic_flag:enum",
                  "submit_data~record_fields[1].repeated_field_data~[1].evidence_img_list:type"))
      << Describe(v);

  // Missing required member inside the document, and a document of the wrong shape.
  EXPECT_THAT(Brief(ValidateBody(BlockSubmit(), BlockBody(json::object()), parts)),
              ElementsAre("submit_data~record_fields:required"));
  EXPECT_THAT(Brief(ValidateBody(BlockSubmit(), BlockBody(json::array()), parts)),
              ElementsAre("submit_data~:type"));
}

TEST(ValidationTest, UnparsableJsonInStringIsAViolation) {
  RequestParts parts;
  parts.path_params = {{"sub_mchid", "1900000109"}};
  json body = {{"merchant_submit_id", "S-1"}, {"submit_data", "{not json"}};
  std::vector<Violation> v = ValidateBody(BlockSubmit(), body, parts);
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].path, "submit_data");
  EXPECT_EQ(v[0].rule, "json");
  body["submit_data"] = 5;  // not even a string
  EXPECT_THAT(Brief(ValidateBody(BlockSubmit(), body, parts)), ElementsAre("submit_data:type"));
}

// ---------------------------------------------------------------------------------------------
// APIv2: XML fields as strings, JSON in CDATA, signing fields, indexed families.

TEST(ValidationTest, ApiV2PayitilReport) {
  const Endpoint& e = Ep("POST", "v2/payitil/report");
  json trades = json::array({{{"out_trade_no", "T1"},
                              {"begin_time", "20160602203256"},
                              {"end_time", "20160602203257"},
                              {"state", "OK"}}});
  json body = {{"appid", "wx8888888888888888"},
               {"mch_id", "1900000109"},
               {"interface_url", "https://api.mch.weixin.qq.com/pay/batchreport/micropay/total"},
               {"user_ip", "8.8.8.8"},
               {"trades", trades.dump()}};
  RequestParts parts;
  parts.body = &body;
  // On the wire nonce_str and sign are required; before signing the SDK adds them.
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("nonce_str:required", "sign:required"));
  parts.pre_signing = true;
  EXPECT_THAT(Validate(e, parts), IsEmpty());

  body["trades"] = json::array({{{"out_trade_no", "T1"}, {"state", "CANCEL"}}}).dump();
  body["user_ip"] = "1234567890.1234567";  // 18 > 16
  EXPECT_THAT(Brief(Validate(e, parts)),
              ElementsAre("user_ip:maxLength", "trades~[0].begin_time:required",
                          "trades~[0].end_time:required", "trades~[0].state:enum"));
  RequestParts none;
  none.pre_signing = true;
  EXPECT_THAT(Brief(Validate(e, none)), ElementsAre("body:required"));
}

TEST(ValidationTest, ApiV2IntegersAsText) {
  const Endpoint& e = Ep("POST", "v2/mmpaymkttransfers/sendgroupredpack");
  json body = SynthesizeRequest(e).body;
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["total_amount"], "1");
  RequestParts parts;
  parts.body = &body;
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  body["total_amount"] = 100;  // a typed number is fine too
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  body["total_amount"] = "1.5";
  body["total_num"] = "three";
  body["risk_info"] = "posttime=abc&mobile=138";
  EXPECT_THAT(Brief(Validate(e, parts)),
              ElementsAre("total_amount:type", "total_num:type", "risk_info~posttime:type"));
}

TEST(ValidationTest, ApiV2FamiliesAreNeitherRequiredNorUnknown) {
  const Endpoint& e = Ep("POST", "v2/pay/refundquery");
  json resp = SynthesizeResponse(e);
  ASSERT_TRUE(resp.is_object());
  EXPECT_TRUE(resp.contains("refund_fee_0"));
  EXPECT_TRUE(resp.contains("coupon_refund_fee_0_0"));
  EXPECT_THAT(ValidateResponse(e, resp), IsEmpty());

  // No family member at all: nothing "required" is reported for the families.
  json bare = resp;
  for (auto it = resp.begin(); it != resp.end(); ++it) {
    if (it.key().find("_0") != std::string::npos) bare.erase(it.key());
  }
  EXPECT_THAT(ValidateResponse(e, bare), IsEmpty()) << Describe(ValidateResponse(e, bare));

  // Several members of a family, and members of a two-index family, are each checked.
  json many = bare;
  many["refund_count"] = "3";
  many["refund_fee_0"] = "100";
  many["refund_fee_1"] = "1x";
  many["refund_fee_12"] = "3";
  many["coupon_refund_fee_1_2"] = "-";
  many["coupon_refund_id_1_2"] = std::string(21, 'c');  // maxLength 20
  many["refund_fee_x"] = "not a family member, unknown and accepted";
  EXPECT_THAT(Brief(ValidateResponse(e, many)),
              ElementsAre("refund_fee_1:type", "coupon_refund_id_1_2:maxLength",
                          "coupon_refund_fee_1_2:type"));
}

TEST(ValidationTest, OneOfReportsTheClosestAlternative) {
  const Endpoint& e = Ep("POST", "v2/transit/partnerpay/payapply");
  json body = SynthesizeRequest(e).body;
  RequestParts parts;
  parts.body = &body;
  ASSERT_THAT(Validate(e, parts), IsEmpty()) << Describe(Validate(e, parts));
  // BUS alternative: only start_time required.
  body["scene_info"] = json{{"scene_info", {{"start_time", "2024"}, {"line_name", "L1"}}}}.dump();
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  body["scene_info"] = json{{"scene_info", {{"line_name", "L1"}}}}.dump();
  std::vector<Violation> v = Validate(e, parts);
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].path, "scene_info~scene_info.start_time");
  EXPECT_EQ(v[0].rule, "required");
  EXPECT_THAT(v[0].message, HasSubstr("closest of 2 alternatives"));
}

TEST(ValidationTest, EnumValuesWinOverConflictingMaxLength) {
  // The catalog lists HMAC-SHA256 (11 characters) for a field with maxLength 10.
  const Endpoint& e = Ep("POST", "v2/secapi/mch/uploadmedia");
  json body = SynthesizeRequest(e).body;
  body["sign_type"] = "HMAC-SHA256";
  RequestParts parts;
  parts.body = &body;
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  body["sign_type"] = "HMAC-SHA512";
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("sign_type:enum", "sign_type:maxLength"));
}

// ---------------------------------------------------------------------------------------------
// "Give one of these" groups (required_any).

TEST(ValidationTest, RequiredAnyGroupsOnAHandBuiltSchema) {
  FieldSchema id, no, amount, inner, root;
  id.name = "transaction_id";
  no.name = "out_trade_no";
  no.nullable = true;
  amount.name = "amount";
  amount.type = FieldType::kInteger;
  amount.required = true;
  inner.name = "order";
  inner.type = FieldType::kObject;
  inner.fields = {&id, &no};
  inner.required_any = {{"transaction_id", "out_trade_no"}};
  root.type = FieldType::kObject;
  root.fields = {&id, &no, &amount, &inner};
  root.required_any = {{"transaction_id", "out_trade_no"}};

  const json order = {{"out_trade_no", "T1"}};
  EXPECT_THAT(ValidateValue(root, {{"transaction_id", "42"}, {"amount", 1}, {"order", order}}),
              IsEmpty());
  EXPECT_THAT(ValidateValue(root, {{"out_trade_no", "T1"}, {"amount", 1}, {"order", order}}),
              IsEmpty());
  EXPECT_THAT(
      ValidateValue(
          root,
          {{"transaction_id", "42"}, {"out_trade_no", "T1"}, {"amount", 1}, {"order", order}}),
      IsEmpty());

  std::vector<Violation> none = ValidateValue(root, {{"amount", 1}, {"order", order}});
  ASSERT_EQ(none.size(), 1u) << Describe(none);
  EXPECT_EQ(none[0], (Violation{"value", "required_any",
                                "one of transaction_id, out_trade_no is required"}));
  // A null member is absent; plain required members are still reported on their own.
  EXPECT_THAT(Brief(ValidateValue(root, {{"out_trade_no", nullptr}, {"order", order}})),
              ElementsAre("amount:required", "value:required_any"));
  // The path is the object's, and members are still checked when present.
  EXPECT_THAT(
      Brief(ValidateValue(root, {{"transaction_id", 7}, {"amount", 1}, {"order", json::object()}},
                          ValueEncoding::kJson, "body")),
      ElementsAre("body.transaction_id:type", "body.order:required_any"));
}

RequestParts PreSigning(const json& body) {
  RequestParts parts;
  parts.body = &body;
  parts.pre_signing = true;
  return parts;
}

TEST(ValidationTest, ApiV2OrderQueryTakesEitherNumber) {
  const Endpoint& e = Ep("POST", "v2/pay/orderquery");
  const json base = {{"appid", "wx8888888888888888"}, {"mch_id", "1900000109"}};
  json by_id = base;
  by_id["transaction_id"] = "4200001234202611230000000001";
  json by_no = base;
  by_no["out_trade_no"] = "1217752501201407033233368018";
  json both = by_id;
  both["out_trade_no"] = "1217752501201407033233368018";
  EXPECT_THAT(Validate(e, PreSigning(by_id)), IsEmpty());
  EXPECT_THAT(Validate(e, PreSigning(by_no)), IsEmpty());
  EXPECT_THAT(Validate(e, PreSigning(both)), IsEmpty());
  std::vector<Violation> v = Validate(e, PreSigning(base));
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].path, "body");
  EXPECT_EQ(v[0].rule, "required_any");
  EXPECT_EQ(v[0].message, "one of transaction_id, out_trade_no is required");
  EXPECT_EQ(ToStatus(v).error().message,
            "request validation failed: 1 violation: body: one of transaction_id, out_trade_no is "
            "required");
  // No body at all is still "body is missing".
  RequestParts no_body;
  no_body.pre_signing = true;
  EXPECT_THAT(Brief(Validate(e, no_body)), ElementsAre("body:required"));
}

TEST(ValidationTest, ApiV2RefundsAndReversals) {
  // Refund: either order number; the refund number stays required.
  const Endpoint& refund = Ep("POST", "v2/secapi/pay/refund");
  json r = {{"appid", "wx8888888888888888"},
            {"mch_id", "1900000109"},
            {"out_trade_no", "T1"},
            {"total_fee", "100"},
            {"refund_fee", "100"}};
  EXPECT_THAT(Brief(Validate(refund, PreSigning(r))), ElementsAre("out_refund_no:required"));
  r["out_refund_no"] = "R1";
  EXPECT_THAT(Validate(refund, PreSigning(r)), IsEmpty());
  r.erase("out_trade_no");
  EXPECT_THAT(Brief(Validate(refund, PreSigning(r))), ElementsAre("body:required_any"));

  // Refund query: any one of four numbers.
  const Endpoint& query = Ep("POST", "v2/pay/refundquery");
  const json q = {{"appid", "wx8888888888888888"}, {"mch_id", "1900000109"}};
  for (const char* name : {"refund_id", "out_refund_no", "transaction_id", "out_trade_no"}) {
    json one = q;
    one[name] = "N1";
    EXPECT_THAT(Validate(query, PreSigning(one)), IsEmpty()) << name;
  }
  std::vector<Violation> v = Validate(query, PreSigning(q));
  ASSERT_EQ(v.size(), 1u) << Describe(v);
  EXPECT_EQ(v[0].message,
            "one of refund_id, out_refund_no, transaction_id, out_trade_no is required");

  // Reverse: the table marks only out_trade_no, but either number is accepted.
  const Endpoint& reverse = Ep("POST", "v2/secapi/pay/reverse");
  json by_id = {{"appid", "wx8888888888888888"},
                {"mch_id", "1900000109"},
                {"transaction_id", "4200001234202611230000000001"}};
  EXPECT_THAT(Validate(reverse, PreSigning(by_id)), IsEmpty());
}

TEST(ValidationTest, CustomsDeclarationStillNeedsBothNumbers) {
  const Endpoint& declare = Ep("POST", "v2/cgi-bin/mch/customs/customdeclareorder");
  json body = SynthesizeRequest(declare).body;
  body.erase("transaction_id");
  EXPECT_THAT(Brief(Validate(declare, PreSigning(body))), ElementsAre("transaction_id:required"));
  // Its query looks a declaration up by any one of four numbers.
  const Endpoint& query = Ep("POST", "v2/cgi-bin/mch/customs/customdeclarequery");
  json q = SynthesizeRequest(query).body;
  for (const char* name : {"out_trade_no", "transaction_id", "sub_order_no"}) q.erase(name);
  EXPECT_THAT(Validate(query, PreSigning(q)), IsEmpty());
  q.erase("sub_order_id");
  EXPECT_THAT(Brief(Validate(query, PreSigning(q))), ElementsAre("body:required_any"));
}

TEST(ValidationTest, ApiV3PlatformRefundTakesEitherNumber) {
  const Endpoint& e = Ep("POST", "v3/ecommerce/refunds/apply");
  json body = SynthesizeRequest(e).body;
  body.erase("transaction_id");
  RequestParts parts;
  parts.body = &body;
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  body.erase("out_trade_no");
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("body:required_any"));
}

// ---------------------------------------------------------------------------------------------
// Path, query and headers.

TEST(ValidationTest, PathParametersMustBePresentAndNonEmpty) {
  const Endpoint& e = Ep("GET",
                         "v3/ecommerce/combine-papay/contracts/plan-id/{plan_id}/"
                         "out-contract-code/{out_contract_code}");
  RequestParts parts = [&] {
    RequestParts p;
    SampleRequest s = SynthesizeRequest(e);
    p.query = s.query;
    return p;
  }();
  EXPECT_THAT(Brief(Validate(e, parts)),
              ElementsAre("path.plan_id:required", "path.out_contract_code:required"));
  parts.path_params = {{"plan_id", "x12"}, {"out_contract_code", ""}};
  std::vector<Violation> v = Validate(e, parts);
  EXPECT_THAT(Brief(v), ElementsAre("path.plan_id:type", "path.out_contract_code:required"));
  EXPECT_EQ(v[1].message, "required path parameter is empty");
  parts.path_params = {{"plan_id", "12"}, {"out_contract_code", "C1"}};
  EXPECT_THAT(Validate(e, parts), IsEmpty());
}

TEST(ValidationTest, QueryParameters) {
  const Endpoint& risk = Ep("GET", "v3/merchant-risk-manage/trade-risk-information");
  RequestParts parts;
  EXPECT_THAT(Brief(Validate(risk, parts)), ElementsAre("query.out_trade_no:required"));
  parts.query = {{"out_trade_no", "1217752501201407033233368018"}, {"extra", "x"}};
  EXPECT_THAT(Validate(risk, parts), IsEmpty());

  const Endpoint& shake = Ep("GET", "v3/brand/marketing/shake-activities/activities");
  RequestParts q;
  q.query = SynthesizeRequest(shake).query;
  EXPECT_THAT(Validate(shake, q), IsEmpty());
  for (auto& [k, val] : q.query) {
    if (k == "limit") val = "101";
  }
  EXPECT_THAT(Brief(Validate(shake, q)), ElementsAre("query.limit:maximum"));
  for (auto& [k, val] : q.query) {
    if (k == "limit") val = "ten";
  }
  EXPECT_THAT(Brief(Validate(shake, q)), ElementsAre("query.limit:type"));

  // An array parameter, repeated or comma-separated.
  const Endpoint& invite = Ep("GET", "v3/new-tax-control-fapiao/fapiaomerchant/getspinviteurl");
  RequestParts a;
  a.query = {{"operation_type", "AUTH_BINDING"},
             {"fapiao_mode", "TENCENT_DIGITAL_TAX"},
             {"invite_code", "X"},
             {"fapiao_ability_type_list", "BASE_ABILITY,GAS"},
             {"fapiao_ability_type_list", "REFINED_OIL_ABILITY"}};
  EXPECT_THAT(Brief(Validate(invite, a)), ElementsAre("query.fapiao_ability_type_list[1]:enum"));
}

TEST(ValidationTest, HeadersAreCheckedOnlyWhenGiven) {
  const Endpoint& e = Ep("POST", "v3/merchant-risk-manage/report-trade-union-information");
  json body = json::object();
  RequestParts parts;
  parts.body = &body;
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  parts.headers.emplace();
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("header.Wechatpay-Serial:required"));
  parts.headers->emplace_back("wechatpay-serial", "PUB_KEY_ID_0114232134912410000");
  EXPECT_THAT(Validate(e, parts), IsEmpty());
  parts.headers->clear();
  parts.pre_signing = true;  // the pipeline adds it when it encrypts
  EXPECT_THAT(Validate(e, parts), IsEmpty());
}

TEST(ValidationTest, TypedBodiesOfTheSeedEndpoint) {
  const Endpoint& e = Ep("POST", "v3/merchant-risk-manage/report-trade-union-information");
  json body = {{"sp_mchid", "1900000109"},
               {"line_type", 3},
               {"is_need_deliver", "true"},
               {"recharge_fields", {{"account_type", "1"}}},
               {"living_expenses_fields", {{"amount", 1.25}}}};
  RequestParts parts;
  parts.body = &body;
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("line_type:enum", "is_need_deliver:type",
                                                     "recharge_fields.account_type:type"));
  json array_body = json::array();
  parts.body = &array_body;
  EXPECT_THAT(Brief(Validate(e, parts)), ElementsAre("body:type"));
}

TEST(ValidationTest, CyclicSchemasAndDeepValuesStop) {
  FieldSchema node;
  node.type = FieldType::kArray;
  node.items = &node;  // a user-built cycle
  json deep = json::array();
  for (int i = 0; i < 200; ++i) deep = json::array({deep});
  std::vector<Violation> v = ValidateValue(node, deep);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "depth");
}

TEST(ValidationTest, ToStatus) {
  EXPECT_TRUE(ToStatus({}).ok());
  Status one = ToStatus({{"a.b", "required", "required field is missing"}});
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().message,
            "request validation failed: 1 violation: a.b: required field is missing");
  std::vector<Violation> many;
  for (int i = 0; i < 25; ++i) many.push_back({"f" + std::to_string(i), "type", "m"});
  Status st = ToStatus(many);
  EXPECT_THAT(st.error().message, HasSubstr("25 violations: f0: m; f1: m"));
  EXPECT_THAT(st.error().message, HasSubstr("f9: m; ... (15 more)"));
  EXPECT_EQ(json::parse(st.error().detail).size(), 25u);
}

}  // namespace
}  // namespace wechatpay::catalog

namespace wechatpay::catalog {
namespace {

TEST(CatalogResolveTest, TemplatesAndConcretePaths) {
  const Catalog& cat = Catalog::Default();
  auto t = cat.Resolve("GET", "v3/pay/transactions/out-trade-no/{out_trade_no}");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->endpoint->id, "GET v3/pay/transactions/out-trade-no/{out_trade_no}");
  EXPECT_TRUE(t->path_params.empty());
  auto c = cat.Resolve("GET", "/v3/pay/transactions/out-trade-no/NC%201?mchid=1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->endpoint->id, "GET v3/pay/transactions/out-trade-no/{out_trade_no}");
  EXPECT_EQ(c->path_params.at("out_trade_no"), "NC 1");
  auto v2 = cat.Resolve("POST", "v2/pay/micropay");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->endpoint->version, ApiVersion::kV2);
  EXPECT_FALSE(cat.Resolve("GET", "v3/pay/transactions/natve"));
  EXPECT_FALSE(cat.Resolve("GET", ""));
}

TEST(CatalogResolveTest, DidYouMean) {
  const Catalog& cat = Catalog::Default();
  std::vector<const Endpoint*> near = cat.Suggest("POST", "v3/pay/transactions/natve");
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near[0]->id, "POST v3/pay/transactions/native");
  EXPECT_EQ(cat.ExplainUnknown("POST", "v3/pay/transactions/natve"),
            "POST v3/pay/transactions/natve is not an endpoint this SDK knows; did you mean POST "
            "v3/pay/transactions/native?");
  EXPECT_EQ(cat.ExplainUnknown("get", "v3/pay/transactions/native"),
            "GET v3/pay/transactions/native is not an endpoint this SDK knows; that path is "
            "called with POST");
  EXPECT_EQ(cat.ExplainUnknown("GET", "v3/zzzzzz/qqqqqqqq/wwwwwwww"),
            "GET v3/zzzzzz/qqqqqqqq/wwwwwwww is not an endpoint this SDK knows");
}

}  // namespace
}  // namespace wechatpay::catalog
