// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
#include "wechatpay/apiv2.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "support/test_util.h"
#include "wechatpay/crypto.h"
#include "wechatpay/testing/server.h"

using wechatpay::testing::EncryptReqInfo;

namespace wechatpay::apiv2 {

// Readable failures for Fields comparisons (internal linkage: other tests may define their own).
static void PrintTo(const Fields& f, std::ostream* os) {
  *os << "{";
  for (const auto& [k, v] : f) *os << " " << k << "=\"" << v << "\"";
  *os << " }";
}

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wechatpay::testing::Vectors;

const nlohmann::json& SignVector() { return Vectors()["apiv2_sign"]; }
const nlohmann::json& ReqInfoVector() { return Vectors()["apiv2_req_info"]; }
std::string Key() { return SignVector()["key"].get<std::string>(); }

// The vector's fields in the order of its xml_md5 (the JSON object itself is unordered).
Fields VectorFields() {
  const auto& f = SignVector()["fields"];
  Fields out;
  for (const char* k :
       {"appid", "mch_id", "device_info", "interface_url", "user_ip", "nonce_str", "trades"}) {
    out.Set(k, f[k].get<std::string>());
  }
  EXPECT_EQ(out.size(), f.size());
  return out;
}

// Every error message of this layer must be free of the APIv2 key and of the req_info AES key.
void ExpectNoSecret(const Error& e) {
  const std::string text = e.ToString() + "|" + e.message + "|" + e.detail + "|" + e.api_code;
  EXPECT_THAT(text, Not(HasSubstr(Key())));
  EXPECT_THAT(text, Not(HasSubstr(crypto::ReqInfoKey(Key()))));
}

template <typename R>
void ExpectError(const R& r, ErrorCode code, const std::string& substring = {}) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code) << r.error().ToString();
  if (!substring.empty()) {
    EXPECT_THAT(r.error().message, HasSubstr(substring));
  }
  ExpectNoSecret(r.error());
}

Result<Fields> Decode(std::string_view xml) { return DecodeXml(xml); }

// ---- sign types ----

TEST(Apiv2SignType, ParsesWhatWeChatSends) {
  EXPECT_EQ(*ParseSignType(""), SignType::kMd5);
  EXPECT_EQ(*ParseSignType("MD5"), SignType::kMd5);
  EXPECT_EQ(*ParseSignType("HMAC-SHA256"), SignType::kHmacSha256);
  EXPECT_STREQ(SignTypeName(SignType::kMd5), "MD5");
  EXPECT_STREQ(SignTypeName(SignType::kHmacSha256), "HMAC-SHA256");
}

TEST(Apiv2SignType, RejectsEverythingElse) {
  for (std::string_view bad : std::vector<std::string_view>{
           "md5", "hmac-sha256", "HMAC-SHA-256", "HMACSHA256", " MD5", "MD5 ", "SHA256", "RSA",
           std::string_view("MD5\0", 4), "HMAC-SHA256\n"}) {
    Result<SignType> r = ParseSignType(bad);
    ExpectError(r, ErrorCode::kInvalidArgument, "sign_type");
  }
  // Long or binary input is bounded and made printable in the message.
  Result<SignType> r = ParseSignType(std::string(500, 'A') + "\x01");
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 120u);
}

// ---- Fields ----

TEST(Apiv2Fields, KeepsInsertionOrderAndUniqueKeys) {
  Fields f;
  EXPECT_TRUE(f.empty());
  f.Set("b", "1");
  f.Set("a", "2");
  f.Set("c", "3");
  f.Set("a", "4");  // replaced in place
  ASSERT_EQ(f.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : f) keys.push_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre("b", "a", "c"));
  EXPECT_EQ(f.Get("a"), "4");
  EXPECT_EQ(f.Get("zz", "fallback"), "fallback");
  EXPECT_EQ(f.Find("zz"), nullptr);
  ASSERT_NE(f.Find("c"), nullptr);
  EXPECT_EQ(*f.Find("c"), "3");
  EXPECT_TRUE(f.Has("b"));
  f.Remove("b");
  f.Remove("not-there");
  EXPECT_FALSE(f.Has("b"));
  EXPECT_EQ(f.entries().front().first, "a");
  EXPECT_EQ(f, (Fields{{"a", "4"}, {"c", "3"}}));
  EXPECT_NE(f, (Fields{{"c", "3"}, {"a", "4"}}));  // order matters
  Fields dup{{"x", "1"}, {"x", "2"}};
  EXPECT_EQ(dup.size(), 1u);
  EXPECT_EQ(dup.Get("x"), "2");
}

// ---- signatures ----

TEST(Apiv2Sign, Md5KnownAnswer) {
  const Fields f = VectorFields();
  EXPECT_EQ(Sign(f, Key(), SignType::kMd5), SignVector()["md5"].get<std::string>());
}

TEST(Apiv2Sign, HmacSha256KnownAnswer) {
  Fields f = VectorFields();
  for (const auto& [k, v] : SignVector()["hmac_fields_add"].items()) f.Set(k, v.get<std::string>());
  EXPECT_EQ(Sign(f, Key(), SignType::kHmacSha256), SignVector()["hmac_sha256"].get<std::string>());
}

TEST(Apiv2Sign, OrderOfFieldsDoesNotMatter) {
  Fields reversed;
  const Fields f = VectorFields();
  for (auto it = f.entries().rbegin(); it != f.entries().rend(); ++it) {
    reversed.Set(it->first, it->second);
  }
  EXPECT_EQ(Sign(reversed, Key(), SignType::kMd5), SignVector()["md5"].get<std::string>());
}

TEST(Apiv2Sign, SigningStringSortsBytewiseSkipsEmptyAndSign) {
  Fields f{{"b", "2"}, {"a", "1"}, {"empty", ""}, {"sign", "X"}, {"B", "3"}, {"a_b", "4"}};
  EXPECT_EQ(SigningString(f, "K"), "B=3&a=1&a_b=4&b=2&key=K");
  EXPECT_EQ(SigningString(Fields{}, "K"), "key=K");
  // Adding `sign` or an empty field does not change the signature.
  Fields g = VectorFields();
  const std::string before = Sign(g, Key(), SignType::kMd5);
  g.Set("sign", "ANYTHING");
  g.Set("attach", "");
  EXPECT_EQ(Sign(g, Key(), SignType::kMd5), before);
}

TEST(Apiv2Sign, VerifyAcceptsGoodAndLowerCaseSign) {
  Fields f = VectorFields();
  f.Set("sign", SignVector()["md5"].get<std::string>());
  EXPECT_TRUE(VerifySign(f, Key(), SignType::kMd5).ok());
  std::string lower = f.Get("sign");
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  f.Set("sign", lower);
  EXPECT_TRUE(VerifySign(f, Key(), SignType::kMd5).ok());
}

TEST(Apiv2Sign, VerifyRejectsMissingWrongAndTampered) {
  Fields f = VectorFields();
  ExpectError(VerifySign(f, Key(), SignType::kMd5), ErrorCode::kBadSignature, "no `sign`");
  f.Set("sign", "");
  ExpectError(VerifySign(f, Key(), SignType::kMd5), ErrorCode::kBadSignature, "no `sign`");

  const std::string good = SignVector()["md5"].get<std::string>();
  // Differences anywhere (first, middle, last digit) are all rejected.
  for (size_t pos : {size_t{0}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[pos] = bad[pos] == '0' ? '1' : '0';
    f.Set("sign", bad);
    ExpectError(VerifySign(f, Key(), SignType::kMd5), ErrorCode::kBadSignature, "does not match");
  }
  f.Set("sign", good + "00");
  ExpectError(VerifySign(f, Key(), SignType::kMd5), ErrorCode::kBadSignature);
  f.Set("sign", good);
  ExpectError(VerifySign(f, Key() + "x", SignType::kMd5), ErrorCode::kBadSignature);
  ExpectError(VerifySign(f, "", SignType::kMd5), ErrorCode::kInvalidArgument);
  Fields tampered = f;
  tampered.Set("user_ip", "8.8.4.4");
  ExpectError(VerifySign(tampered, Key(), SignType::kMd5), ErrorCode::kBadSignature);
  Fields added = f;
  added.Set("extra", "1");
  ExpectError(VerifySign(added, Key(), SignType::kMd5), ErrorCode::kBadSignature);
  // An MD5 sign checked as HMAC-SHA256: the message hints at the algorithm.
  ExpectError(VerifySign(f, Key(), SignType::kHmacSha256), ErrorCode::kBadSignature,
              "suggests MD5");
}

// The comparison of the received sign with ours must be constant-time. Timing cannot be asserted
// reliably in a unit test, so this pins the implementation to crypto::ConstantTimeEquals.
TEST(Apiv2Sign, VerifyUsesConstantTimeCompare) {
  std::ifstream in(std::string(WECHATPAY_SOURCE_DIR) + "/src/auth/apiv2/sign.cc");
  ASSERT_TRUE(in) << "src/auth/apiv2/sign.cc not found";
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t verify = source.find("Status VerifySign(");
  ASSERT_NE(verify, std::string::npos);
  const size_t next = source.find("\nvoid SignRequest(", verify);
  const std::string body = source.substr(verify, next - verify);
  EXPECT_THAT(body, HasSubstr("crypto::ConstantTimeEquals("));
  EXPECT_THAT(body, Not(HasSubstr("expected ==")));
  EXPECT_THAT(body, Not(HasSubstr("== expected")));
  // And the primitive itself behaves.
  EXPECT_TRUE(crypto::ConstantTimeEquals("ABC", "ABC"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("ABC", "ABD"));
}

TEST(Apiv2Sign, SignRequestFillsNonceSignTypeAndSign) {
  Fields hmac{{"appid", "wx8888888888888888"}, {"mch_id", "1900000109"}, {"body", "test"}};
  SignRequest(hmac, Key(), SignType::kHmacSha256);
  const std::string nonce = hmac.Get("nonce_str");
  EXPECT_EQ(nonce.size(), 32u);
  for (char c : nonce) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << nonce;
  EXPECT_EQ(hmac.Get("sign_type"), "HMAC-SHA256");
  EXPECT_EQ(hmac.entries().back().first, "sign");
  EXPECT_EQ(hmac.Get("sign").size(), 64u);
  EXPECT_TRUE(VerifySign(hmac, Key(), SignType::kHmacSha256).ok());

  Fields md5{{"appid", "wx"}, {"nonce_str", "fixed"}, {"sign", "stale"}, {"z", "1"}};
  SignRequest(md5, Key(), SignType::kMd5);
  EXPECT_EQ(md5.Get("nonce_str"), "fixed");
  EXPECT_FALSE(md5.Has("sign_type"));
  EXPECT_EQ(md5.entries().back().first, "sign");
  EXPECT_EQ(md5.size(), 4u);
  EXPECT_EQ(md5.Get("sign"), Sign(Fields{{"appid", "wx"}, {"nonce_str", "fixed"}, {"z", "1"}},
                                  Key(), SignType::kMd5));

  // Without a nonce (endpoints whose field list has none): nothing is added, the sign still covers
  // every field.
  Fields no_nonce{{"mch_id", "1900000109"}, {"media_hash", "0123"}};
  SignRequest(no_nonce, Key(), SignType::kHmacSha256, /*add_nonce=*/false);
  EXPECT_FALSE(no_nonce.Has("nonce_str"));
  EXPECT_TRUE(VerifySign(no_nonce, Key(), SignType::kHmacSha256).ok());

  // sign_type is made to agree with the algorithm actually used.
  Fields mismatched{{"sign_type", "HMAC-SHA256"}, {"nonce_str", ""}};
  SignRequest(mismatched, Key(), SignType::kMd5);
  EXPECT_EQ(mismatched.Get("sign_type"), "MD5");
  EXPECT_EQ(mismatched.Get("nonce_str").size(), 32u);
  EXPECT_TRUE(VerifySign(mismatched, Key(), SignType::kMd5).ok());

  Fields again{{"appid", "wx8888888888888888"}, {"mch_id", "1900000109"}, {"body", "test"}};
  SignRequest(again, Key(), SignType::kHmacSha256);
  EXPECT_NE(again.Get("nonce_str"), nonce);
}

// ---- XML writing ----

TEST(Apiv2Xml, EncodesKnownAnswerByteForByte) {
  Fields f = VectorFields();
  f.Set("sign", Sign(f, Key(), SignType::kMd5));
  EXPECT_EQ(EncodeXml(f), SignVector()["xml_md5"].get<std::string>());
}

TEST(Apiv2Xml, DecodesKnownAnswerBackToTheSameFields) {
  Result<Fields> r = Decode(SignVector()["xml_md5"].get<std::string>());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Fields expected = VectorFields();
  expected.Set("sign", SignVector()["md5"].get<std::string>());
  EXPECT_EQ(*r, expected);
  EXPECT_TRUE(VerifySign(*r, Key(), SignType::kMd5).ok());
}

TEST(Apiv2Xml, CdataRules) {
  auto one = [](std::string v) { return EncodeXml(Fields{{"k", std::move(v)}}); };
  EXPECT_EQ(one("plain"), "<xml><k>plain</k></xml>");
  EXPECT_EQ(one(""), "<xml><k></k></xml>");
  EXPECT_EQ(one("中文商品"), "<xml><k>中文商品</k></xml>");
  EXPECT_EQ(one("a<b"), "<xml><k><![CDATA[a<b]]></k></xml>");
  EXPECT_EQ(one("a&b"), "<xml><k><![CDATA[a&b]]></k></xml>");
  EXPECT_EQ(one("it's"), "<xml><k><![CDATA[it's]]></k></xml>");
  EXPECT_EQ(one(" lead"), "<xml><k><![CDATA[ lead]]></k></xml>");
  EXPECT_EQ(one("trail\n"), "<xml><k><![CDATA[trail\n]]></k></xml>");
  EXPECT_EQ(one("a]]>b"), "<xml><k><![CDATA[a]]]]><![CDATA[>b]]></k></xml>");
  EXPECT_EQ(one("]]>]]>"), "<xml><k><![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]></k></xml>");
  EXPECT_EQ(one("a\r\nb<"), "<xml><k>a&#13;\nb&lt;</k></xml>");
  EXPECT_EQ(EncodeXml(Fields{}, "root"), "<root></root>");
}

TEST(Apiv2Xml, RoundTripsAwkwardValues) {
  const std::vector<std::string> values = {"plain",
                                           "",
                                           "a]]>b",
                                           "]]>",
                                           "]]]]>",
                                           "]]",
                                           "]",
                                           ">",
                                           "<tag attr=\"1\">",
                                           "a & b",
                                           "&amp; literally",
                                           "中文测试 with spaces",
                                           "  both  ",
                                           " ",
                                           "\t",
                                           "\n",
                                           "a\r\nb",
                                           "\r",
                                           "'\"",
                                           "{\"json\":[1,2]}",
                                           "emoji \xF0\x9F\x98\x80",
                                           "<![CDATA[nested]]>"};
  Fields f;
  for (size_t i = 0; i < values.size(); ++i) f.Set("k" + std::to_string(i), values[i]);
  const std::string xml = EncodeXml(f);
  Result<Fields> r = Decode(xml);
  ASSERT_TRUE(r.ok()) << r.error().ToString() << "\n" << xml;
  EXPECT_EQ(*r, f) << xml;
  Result<Fields> as_root = Decode(EncodeXml(f, "root"));
  ASSERT_TRUE(as_root.ok());
  EXPECT_EQ(*as_root, f);
}

// ---- XML reading ----

TEST(Apiv2Xml, DecodesWhatWeChatActuallySends) {
  const char* body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<xml>\n"
      "  <return_code><![CDATA[SUCCESS]]></return_code>\r\n"
      "  <!-- a comment -->\n"
      "  <total_fee>1</total_fee>\n"
      "  <body attr=\"ignored\">a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; "
      "&#20013;&#x6587;</body>\n"
      "  <split>one<![CDATA[ two ]]>three</split>\n"
      "  <commented>1<!-- x -->2</commented>\n"
      "  <spaces>   </spaces>\n"
      "  <empty></empty><selfclosed/>\n"
      "</xml>\n";
  Result<Fields> r = Decode(body);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (Fields{{"return_code", "SUCCESS"},
                        {"total_fee", "1"},
                        {"body", "a <b> & \"c\" 'd' 中文"},
                        {"split", "one two three"},
                        {"commented", "12"},
                        {"spaces", "   "},
                        {"empty", ""},
                        {"selfclosed", ""}}));
  // Any root name; a UTF-8 byte-order mark is fine.
  Result<Fields> root = Decode("\xEF\xBB\xBF<root><a>1</a></root>");
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_EQ(*root, (Fields{{"a", "1"}}));
}

TEST(Apiv2Xml, EmptyDocuments) {
  for (std::string_view empty : {"<xml/>", "<xml></xml>", "<xml>\n  \n</xml>", " <xml/> \n"}) {
    Result<Fields> r = Decode(empty);
    ASSERT_TRUE(r.ok()) << empty << ": " << r.error().ToString();
    EXPECT_TRUE(r->empty());
  }
  for (std::string_view nothing :
       {"", "   \n", "<!-- only a comment -->", "<?xml version=\"1.0\"?>"}) {
    ExpectError(Decode(nothing), ErrorCode::kParse, "no root element");
  }
}

TEST(Apiv2Xml, NestedElementsAreFlattenedToDottedPaths) {
  Result<Fields> r = Decode(
      "<xml><return_code>SUCCESS</return_code>"
      "<hblist><hbinfo><openid>o1</openid><amount>100</amount></hbinfo>"
      "<hbinfo><openid>o2</openid><amount>200</amount></hbinfo></hblist>"
      "<single><inner><leaf>x</leaf></inner><other/></single></xml>");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (Fields{{"return_code", "SUCCESS"},
                        {"hblist.hbinfo[0].openid", "o1"},
                        {"hblist.hbinfo[0].amount", "100"},
                        {"hblist.hbinfo[1].openid", "o2"},
                        {"hblist.hbinfo[1].amount", "200"},
                        {"single.inner.leaf", "x"},
                        {"single.other", ""}}));
}

TEST(Apiv2Xml, NestingDepthIsLimited) {
  std::string deep = "<xml>";
  for (int i = 0; i < 40; ++i) deep += "<a>";
  deep += "x";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  deep += "</xml>";
  ExpectError(Decode(deep), ErrorCode::kParse, "nested deeper");
  XmlOptions options;
  options.max_depth = 64;
  Result<Fields> r = DecodeXml(deep, options);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(r->begin()->second, "x");
  // Very deep input is refused without blowing the stack.
  std::string very_deep;
  for (int i = 0; i < 200000; ++i) very_deep += "<a>";
  EXPECT_FALSE(Decode(very_deep).ok());
}

TEST(Apiv2Xml, RejectsMalformedDocuments) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"<xml><a>1</a>", "offset"},                       // unclosed root
      {"<xml><a>1</xml>", "offset"},                     // unclosed child
      {"<xml><a>1</b></xml>", "offset"},                 // mismatched end tag
      {"<xml></xml><xml></xml>", "more than one root"},  // two roots
      {"<a/><b/>", "more than one root"},
      {"garbage", "text outside the root"},
      {"<xml/>trailing", "text outside the root"},
      {"leading<xml/>", "text outside the root"},
      {"<xml>text</xml>", "text directly inside the root element <xml>"},
      {"<xml>text<a>1</a></xml>", "text directly inside the root"},
      {"<xml><a>1</a><![CDATA[x]]></xml>", "text directly inside the root"},
      {"<xml><a>1<b>2</b></a></xml>", "text mixed with child elements in <a>"},
      {"<xml><a>1</a><a>2</a></xml>", "duplicate field <a>"},
      {"<xml><a.b>1</a.b><a><b>2</b></a></xml>", "duplicate field <a.b>"},
      {"<xml><a>x & y</a></xml>", "entity"},
      {"<xml><a>&#0;</a></xml>", "character reference"},
      {"<xml><a>&#xD800;</a></xml>", "character reference"},
      {"<xml><a>&#x110000;</a></xml>", "character reference"},
      {"<xml><a>&#12a;</a></xml>", "character reference"},
      {"<xml><a>&#;</a></xml>", "entity"},
      {"<xml><1a>x</1a></xml>", "offset"},
      {"<xml><a>1</a", "offset"},
      {"<xml><![CDATA[unterminated</xml>", "offset"},
      {"<", "offset"},
  };
  for (const auto& [xml, what] : cases) {
    SCOPED_TRACE(xml);
    Result<Fields> r = Decode(xml);
    ExpectError(r, ErrorCode::kParse, what);
    if (!r.ok()) {
      EXPECT_THAT(r.error().message, HasSubstr("XML")) << r.error().message;
    }
  }
  // The offset is where the problem is.
  Result<Fields> r = Decode("<xml><a>1</b></xml>");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::StartsWith("malformed XML at offset 1"));
}

TEST(Apiv2Xml, RejectsXxeAndNeverExpandsEntities) {
  const std::vector<std::string> attacks = {
      // External entity (file disclosure / SSRF).
      "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<xml><a>&xxe;</a></xml>",
      "<!DOCTYPE xml SYSTEM \"http://127.0.0.1:1/evil.dtd\"><xml><a>1</a></xml>",
      // Parameter entity.
      "<!DOCTYPE xml [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/p\"> %p;]><xml/>",
      // Billion laughs.
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
      "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
      "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
      "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
      "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
      "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
      "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
      "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
      "<xml><a>&lol9;</a></xml>",
      // DOCTYPE after the root, and a bare one.
      "<xml><a>1</a></xml><!DOCTYPE xml>",
      "<!DOCTYPE xml><xml/>",
      // An unterminated DOCTYPE.
      "<!DOCTYPE xml [<!ENTITY a \"b\">",
      // Entity declarations without a DOCTYPE, and references to undeclared entities.
      "<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><xml/>",
      "<xml><!ENTITY xxe SYSTEM \"file:///etc/passwd\"><a>1</a></xml>",
      "<xml><a>&xxe;</a></xml>",
      "<xml><a>&lol9;</a></xml>",
  };
  for (const std::string& xml : attacks) {
    SCOPED_TRACE(xml);
    ExpectError(Decode(xml), ErrorCode::kParse);
    ExpectError(ParsePaymentNotification(xml, Key()), ErrorCode::kParse);
  }
  ExpectError(Decode(attacks[0]), ErrorCode::kParse, "DOCTYPE is not allowed");
  ExpectError(Decode(attacks[3]), ErrorCode::kParse, "DOCTYPE is not allowed");
  ExpectError(Decode(attacks[4]), ErrorCode::kParse, "DOCTYPE is not allowed");
  ExpectError(Decode(attacks[6]), ErrorCode::kParse, "DOCTYPE is not allowed");
  ExpectError(Decode(attacks[9]), ErrorCode::kParse, "undefined entity");
}

TEST(Apiv2Xml, SizeLimit) {
  const std::string big_value(10 * 1024 * 1024, 'x');
  const std::string xml = "<xml><a>" + big_value + "</a></xml>";
  Result<Fields> refused = Decode(xml);
  ExpectError(refused, ErrorCode::kParse, "exceeds the limit of 1048576 bytes");
  ExpectError(ParsePaymentNotification(xml, Key()), ErrorCode::kParse, "exceeds the limit");

  XmlOptions options;
  options.max_bytes = 16 * 1024 * 1024;
  Result<Fields> accepted = DecodeXml(xml, options);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  EXPECT_EQ(accepted->Get("a").size(), big_value.size());

  // The limit is inclusive.
  const std::string exact = "<xml/>";
  options.max_bytes = exact.size();
  EXPECT_TRUE(DecodeXml(exact, options).ok());
  options.max_bytes = exact.size() - 1;
  EXPECT_FALSE(DecodeXml(exact, options).ok());
}

TEST(Apiv2Xml, RejectsInvalidUtf8AndControlCharacters) {
  const std::vector<std::string> bad = {
      "\xFF",                // not UTF-8 at all
      "\xC0\xAF",            // overlong '/'
      "\xE0\x80\xAF",        // overlong, 3 bytes
      "\xED\xA0\x80",        // UTF-16 surrogate
      "\xE4\xB8",            // truncated
      "\xF4\x90\x80\x80",    // above U+10FFFF
      "\x80",                // lone continuation
      std::string("\0", 1),  // NUL
      "\x01",                // C0 control
      "\x1B[31m",            // escape sequence
  };
  for (const std::string& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    ExpectError(Decode("<xml><a>x" + b + "</a></xml>"), ErrorCode::kParse, "at offset 9");
    ExpectError(Decode("<xml><a><![CDATA[" + b + "]]></a></xml>"), ErrorCode::kParse);
  }
  // UTF-16 input (with a BOM) is not UTF-8.
  ExpectError(Decode(std::string("\xFF\xFE<\0x\0/\0>\0", 10)), ErrorCode::kParse, "UTF-8");
  // Valid multi-byte text is fine.
  Result<Fields> ok = Decode("<xml><a>\xC2\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\tx\r\ny</a></xml>");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->Get("a"), "\xC2\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\tx\ny");
}

// ---- req_info ----

TEST(Apiv2ReqInfo, DecryptsKnownAnswer) {
  const auto& v = ReqInfoVector();
  const std::string key = v["apiv2_key"].get<std::string>();
  EXPECT_EQ(crypto::ReqInfoKey(key), v["aes_key"].get<std::string>());
  Result<Fields> r = DecryptReqInfo(v["ciphertext_base64"].get<std::string>(), key);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Result<Fields> expected = Decode(v["plaintext"].get<std::string>());
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*r, *expected);
  EXPECT_EQ(*r, (Fields{{"out_refund_no", "131811191610442717309"},
                        {"out_trade_no", "71106718111915575302817"},
                        {"refund_status", "SUCCESS"},
                        {"refund_fee", "3960"}}));
}

TEST(Apiv2ReqInfo, EncryptDecryptRoundTrip) {
  Fields f{{"transaction_id", "4200000540202005267407409907"},
           {"refund_account", "REFUND_SOURCE_RECHARGE_FUNDS"},
           {"refund_recv_accout", "招商银行信用卡0403"},
           {"note", "a]]>b & <c>"},
           {"empty", ""}};
  Result<std::string> enc = EncryptReqInfo(f, Key());
  ASSERT_TRUE(enc.ok()) << enc.error().ToString();
  EXPECT_THAT(*enc, Not(HasSubstr("4200000540202005267407409907")));
  Result<Fields> dec = DecryptReqInfo(*enc, Key());
  ASSERT_TRUE(dec.ok()) << dec.error().ToString();
  EXPECT_EQ(*dec, f);
  // The plaintext is a <root> document.
  Result<std::string> raw =
      crypto::AesEcbDecrypt(crypto::ReqInfoKey(Key()), *crypto::Base64Decode(*enc));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, EncodeXml(f, "root"));
}

TEST(Apiv2ReqInfo, Failures) {
  const std::string ct = ReqInfoVector()["ciphertext_base64"].get<std::string>();
  ExpectError(DecryptReqInfo(ct, ""), ErrorCode::kInvalidArgument);
  ExpectError(EncryptReqInfo(Fields{}, ""), ErrorCode::kInvalidArgument);
  ExpectError(DecryptReqInfo("not base64!", Key()), ErrorCode::kParse, "base64");
  ExpectError(DecryptReqInfo("", Key()), ErrorCode::kDecryption);
  ExpectError(DecryptReqInfo(crypto::Base64Encode("short"), Key()), ErrorCode::kDecryption);
  // Wrong keys: bad padding, or (rarely) padding that happens to work and garbage behind it.
  for (int i = 0; i < 20; ++i) {
    ExpectError(DecryptReqInfo(ct, "wrong-key-" + std::to_string(i)), ErrorCode::kDecryption);
  }
  // Valid padding around text that is not XML: reported without quoting the plaintext.
  Result<std::string> not_xml =
      crypto::AesEcbEncrypt(crypto::ReqInfoKey(Key()), "secret-refund-data");
  ASSERT_TRUE(not_xml.ok());
  Result<Fields> r = DecryptReqInfo(crypto::Base64Encode(*not_xml), Key());
  ExpectError(r, ErrorCode::kDecryption, "not an XML document");
  EXPECT_THAT(r.error().message, Not(HasSubstr("secret-refund-data")));
}

// ---- notifications ----

std::string SignedBody(Fields f, SignType type, bool include_sign_type) {
  if (include_sign_type) f.Set("sign_type", SignTypeName(type));
  f.Set("sign", Sign(f, Key(), type));
  return EncodeXml(f);
}

Fields PaymentFields() {
  return Fields{{"appid", "wxbabdf7a3a9acdfef"},
                {"bank_type", "OTHERS"},
                {"cash_fee", "1"},
                {"mch_id", "1583165551"},
                {"nonce_str", "1590477937689"},
                {"openid", "oWeP25T9OE1ixbLUgN0DxMuSZ6N4"},
                {"out_trade_no", "20052615250005"},
                {"result_code", "SUCCESS"},
                {"return_code", "SUCCESS"},
                {"time_end", "20200526152550"},
                {"total_fee", "1"},
                {"trade_type", "JSAPI"},
                {"transaction_id", "4200000540202005267407409907"}};
}

TEST(Apiv2Notification, PaymentVerifiesMd5AndHmac) {
  for (SignType type : {SignType::kMd5, SignType::kHmacSha256}) {
    for (bool with_type : {true, false}) {
      SCOPED_TRACE(std::string(SignTypeName(type)) + (with_type ? " with" : " without") +
                   " sign_type");
      Result<Fields> r =
          ParsePaymentNotification(SignedBody(PaymentFields(), type, with_type), Key());
      ASSERT_TRUE(r.ok()) << r.error().ToString();
      EXPECT_EQ(r->Get("transaction_id"), "4200000540202005267407409907");
      EXPECT_EQ(r->Get("total_fee"), "1");
    }
  }
}

TEST(Apiv2Notification, PaymentRejections) {
  // Tampered amount.
  Fields f = PaymentFields();
  f.Set("sign", Sign(f, Key(), SignType::kMd5));
  f.Set("total_fee", "100");
  ExpectError(ParsePaymentNotification(EncodeXml(f), Key()), ErrorCode::kBadSignature,
              "does not match");
  // Wrong key.
  ExpectError(ParsePaymentNotification(SignedBody(PaymentFields(), SignType::kMd5, false), "k2"),
              ErrorCode::kBadSignature);
  ExpectError(ParsePaymentNotification(SignedBody(PaymentFields(), SignType::kMd5, false), ""),
              ErrorCode::kInvalidArgument);
  // Missing sign.
  ExpectError(ParsePaymentNotification(EncodeXml(PaymentFields()), Key()), ErrorCode::kBadSignature,
              "no `sign`");
  // Declared MD5 but signed with HMAC-SHA256 (the declaration wins; no silent fallback).
  Fields lie = PaymentFields();
  lie.Set("sign_type", "MD5");
  lie.Set("sign", Sign(lie, Key(), SignType::kHmacSha256));
  ExpectError(ParsePaymentNotification(EncodeXml(lie), Key()), ErrorCode::kBadSignature);
  // Unknown sign_type.
  Fields unknown = PaymentFields();
  unknown.Set("sign_type", "SHA1");
  unknown.Set("sign", Sign(unknown, Key(), SignType::kMd5));
  ExpectError(ParsePaymentNotification(EncodeXml(unknown), Key()), ErrorCode::kBadSignature,
              "sign_type");
  // A refund notification never passes as a payment notification.
  Fields refund{{"return_code", "SUCCESS"}, {"req_info", "AAAA"}, {"result_code", "SUCCESS"}};
  ExpectError(ParsePaymentNotification(EncodeXml(refund), Key()), ErrorCode::kBadSignature,
              "ParseRefundNotification");
  // return_code FAIL (never signed) and a missing return_code.
  Result<Fields> fail = ParsePaymentNotification(
      "<xml><return_code>FAIL</return_code><return_msg>bad</return_msg></xml>", Key());
  ExpectError(fail, ErrorCode::kApi, "bad");
  EXPECT_EQ(fail.error().api_code, "FAIL");
  ExpectError(ParsePaymentNotification("<xml><a>1</a></xml>", Key()), ErrorCode::kParse,
              "return_code");
  ExpectError(ParsePaymentNotification("not xml", Key()), ErrorCode::kParse);
}

// Issue 18, item 11: only what decrypts from req_info is returned as the notification's fields;
// the envelope, which nothing authenticates, is kept apart.
TEST(Apiv2Notification, RefundDecryptsAndKeepsTheEnvelopeApart) {
  const auto& v = ReqInfoVector();
  const std::string key = v["apiv2_key"].get<std::string>();
  Fields outer{{"return_code", "SUCCESS"},
               {"appid", "wx8888888888888888"},
               {"mch_id", "1900000109"},
               {"nonce_str", "abc"},
               {"refund_status", "FORGED"},          // an envelope copy of an encrypted field
               {"settlement_refund_fee", "999999"},  // a field the ciphertext does not carry
               {"req_info", v["ciphertext_base64"].get<std::string>()}};
  Result<RefundNotification> r = ParseRefundNotification(EncodeXml(outer), key);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->fields.Get("out_refund_no"), "131811191610442717309");
  EXPECT_EQ(r->fields.Get("refund_status"), "SUCCESS");
  EXPECT_EQ(r->fields.Get("refund_fee"), "3960");
  EXPECT_EQ(r->fields.size(), 4u);  // the vector's req_info holds four fields
  EXPECT_FALSE(r->fields.Has("settlement_refund_fee"));
  EXPECT_FALSE(r->fields.Has("appid"));
  EXPECT_FALSE(r->fields.Has("req_info"));
  EXPECT_EQ(r->unauthenticated, outer);

  // Sandbox direction: EncryptReqInfo output is accepted.
  Fields inner{{"out_refund_no", "R1"}, {"refund_fee", "1"}, {"refund_status", "CHANGE"}};
  Fields outer2{{"return_code", "SUCCESS"}, {"req_info", *EncryptReqInfo(inner, Key())}};
  Result<RefundNotification> r2 = ParseRefundNotification(EncodeXml(outer2), Key());
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_EQ(r2->fields, inner);
}

TEST(Apiv2Notification, RefundRejections) {
  const std::string ct = ReqInfoVector()["ciphertext_base64"].get<std::string>();
  const std::string body = EncodeXml(Fields{{"return_code", "SUCCESS"}, {"req_info", ct}});
  ExpectError(ParseRefundNotification(body, "wrong"), ErrorCode::kDecryption);
  ExpectError(ParseRefundNotification(body, ""), ErrorCode::kInvalidArgument);
  ExpectError(ParseRefundNotification("<xml><return_code>SUCCESS</return_code></xml>", Key()),
              ErrorCode::kParse, "req_info");
  Result<RefundNotification> fail = ParseRefundNotification(
      "<xml><return_code>FAIL</return_code><return_msg>system busy</return_msg></xml>", Key());
  ExpectError(fail, ErrorCode::kApi, "system busy");
  EXPECT_EQ(fail.error().api_code, "FAIL");
  ExpectError(ParseRefundNotification("<xml><req_info>x</req_info></xml>", Key()),
              ErrorCode::kParse, "return_code");
}

TEST(Apiv2Notification, Reply) {
  EXPECT_EQ(NotificationReply(true),
            "<xml><return_code><![CDATA[SUCCESS]]></return_code>"
            "<return_msg><![CDATA[OK]]></return_msg></xml>");
  const std::string fail = NotificationReply(false, "签名失败 ]]> <x>");
  Result<Fields> r = Decode(fail);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, (Fields{{"return_code", "FAIL"}, {"return_msg", "签名失败 ]]> <x>"}}));
}

// ---- responses ----

Fields SignedResponse(Fields f, SignType type = SignType::kMd5) {
  f.Set("sign", Sign(f, Key(), type));
  return f;
}

TEST(Apiv2Response, Success) {
  Fields ok = SignedResponse({{"return_code", "SUCCESS"},
                              {"return_msg", "OK"},
                              {"result_code", "SUCCESS"},
                              {"prepay_id", "wx201410272009395522657a690389285100"}});
  EXPECT_TRUE(CheckResponse(ok, Key(), SignType::kMd5, true).ok());
  // Endpoints without result_code (payitil/report).
  EXPECT_TRUE(
      CheckResponse(SignedResponse({{"return_code", "SUCCESS"}}), Key(), SignType::kMd5, true)
          .ok());
  Fields hmac = SignedResponse({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}},
                               SignType::kHmacSha256);
  EXPECT_TRUE(CheckResponse(hmac, Key(), SignType::kHmacSha256, true).ok());
  ExpectError(CheckResponse(hmac, Key(), SignType::kMd5, true), ErrorCode::kBadSignature);
}

TEST(Apiv2Response, ReturnCodeFail) {
  Fields r{{"return_code", "FAIL"}, {"return_msg", "签名错误"}};
  Status s = CheckResponse(r, Key(), SignType::kMd5, true);
  ExpectError(s, ErrorCode::kApi, "签名错误");
  EXPECT_EQ(s.error().api_code, "FAIL");
  ExpectError(CheckResponse(Fields{{"result_code", "SUCCESS"}}, Key(), SignType::kMd5, true),
              ErrorCode::kParse, "return_code");
}

TEST(Apiv2Response, SignProblems) {
  Fields missing{{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}};
  ExpectError(CheckResponse(missing, Key(), SignType::kMd5, true), ErrorCode::kBadSignature,
              "no `sign`");
  EXPECT_TRUE(CheckResponse(missing, Key(), SignType::kMd5, false).ok());
  Fields bad = SignedResponse({{"return_code", "SUCCESS"}, {"result_code", "SUCCESS"}});
  bad.Set("result_code", "FAIL");
  bad.Set("err_code", "X");
  ExpectError(CheckResponse(bad, Key(), SignType::kMd5, true), ErrorCode::kBadSignature,
              "does not match");  // the sign is checked before the business result
}

TEST(Apiv2Response, ResultCodeFail) {
  Fields r = SignedResponse({{"return_code", "SUCCESS"},
                             {"return_msg", "OK"},
                             {"result_code", "FAIL"},
                             {"err_code", "ORDERPAID"},
                             {"err_code_des", "该订单已支付"}});
  Status s = CheckResponse(r, Key(), SignType::kMd5, true);
  ExpectError(s, ErrorCode::kApi, "ORDERPAID");
  EXPECT_EQ(s.error().api_code, "ORDERPAID");
  EXPECT_EQ(s.error().detail, "该订单已支付");
  EXPECT_THAT(s.error().message, HasSubstr("该订单已支付"));
  // Without err_code the result_code itself is the code.
  Status bare = CheckResponse(Fields{{"return_code", "SUCCESS"}, {"result_code", "FAIL"}}, Key(),
                              SignType::kMd5, false);
  ExpectError(bare, ErrorCode::kApi);
  EXPECT_EQ(bare.error().api_code, "FAIL");
}

// ---- secrets ----

TEST(Apiv2Secrets, KeyNeverAppearsInErrors) {
  // A body that quotes the key in its own fields still must not get it echoed back, except in
  // fields the server itself sent (return_msg); here the key appears only in places we control.
  std::vector<Error> errors;
  auto collect = [&](auto&& r) {
    if (!r.ok()) errors.push_back(r.error());
  };
  Fields f = VectorFields();
  f.Set("sign", "0");
  collect(VerifySign(f, Key(), SignType::kMd5));
  collect(VerifySign(f, Key(), SignType::kHmacSha256));
  collect(VerifySign(VectorFields(), Key(), SignType::kMd5));
  collect(CheckResponse(f, Key(), SignType::kMd5, true));
  collect(CheckResponse(Fields{{"return_code", "SUCCESS"}, {"sign", "0"}}, Key(), SignType::kMd5,
                        true));
  collect(ParsePaymentNotification(EncodeXml(f), Key()));
  collect(ParsePaymentNotification(
      "<xml><return_code>SUCCESS</return_code><sign>" + std::string(64, 'A') + "</sign></xml>",
      Key()));
  collect(ParseRefundNotification("<xml><return_code>SUCCESS</return_code><req_info>" +
                                      ReqInfoVector()["ciphertext_base64"].get<std::string>() +
                                      "</req_info></xml>",
                                  Key() + "!"));
  collect(DecryptReqInfo("AAAAAAAAAAAAAAAAAAAAAA==", Key()));
  collect(DecryptReqInfo("%%%", Key()));
  collect(DecodeXml("<xml><a>&" + Key() + ";</a></xml>"));
  ASSERT_GE(errors.size(), 10u);
  for (const Error& e : errors) {
    SCOPED_TRACE(e.ToString());
    ExpectNoSecret(e);
  }
}

}  // namespace
}  // namespace wechatpay::apiv2
