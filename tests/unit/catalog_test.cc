// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.

#include "wechatpay/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/catalog/catalog_internal.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

using wechatpay::testing::SampleRequest;
using wechatpay::testing::SynthesizeRequest;
using wechatpay::testing::SynthesizeResponse;
using wechatpay::testing::SynthesizeValue;

namespace wechatpay::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Catalog& Cat() { return Catalog::Default(); }

std::string Str(std::string_view s) { return std::string(s); }

// Joins violations for readable failure messages.
std::string Describe(const std::vector<Violation>& v) {
  std::string out;
  for (const Violation& x : v) out += x.path + " [" + x.rule + "] " + x.message + "\n";
  return out;
}

RequestParts PartsOf(const SampleRequest& req) {
  RequestParts parts;
  parts.path_params = req.path_params;
  parts.query = req.query;
  parts.headers = req.headers;
  parts.body = req.body.is_null() ? nullptr : &req.body;
  return parts;
}

// Replaces every {placeholder} of `path` by the sample value.
std::string ConcretePath(const Endpoint& e, const SampleRequest& req) {
  std::string out;
  std::string_view p = e.path;
  while (!p.empty()) {
    std::size_t open = p.find('{');
    if (open == std::string_view::npos) {
      out.append(p);
      break;
    }
    std::size_t close = p.find('}', open);
    out.append(p.substr(0, open));
    out += req.path_params.at(Str(p.substr(open + 1, close - open - 1)));
    p.remove_prefix(close + 1);
  }
  return out;
}

TEST(CatalogTest, LoadsAllEndpoints) {
  EXPECT_EQ(Cat().load_error(), "");
  // The specification's 1,156 and the one the reconciliation adds (ADR 0008).
  EXPECT_EQ(Cat().size(), 1157u);
  EXPECT_FALSE(Cat().empty());
  EXPECT_EQ(Cat().source_commit(), "4d6325b09af308025ba7677ead284feeea2680ba");
  EXPECT_EQ(Cat().source_repository(), "https://github.com/TheNorthMemory/wechatpay-openapi");
  EXPECT_EQ(Cat().source_index_version(), "1.1.20");
}

TEST(CatalogTest, CountsMatchTheSpecification) {
  std::map<std::string, int> by_version, by_method, by_request, by_response;
  int client_cert = 0, serial = 0, encrypted = 0, deprecated = 0, notifications = 0;
  for (const Endpoint& e : Cat()) {
    ++by_version[Str(ApiVersionName(e.version))];
    ++by_method[Str(e.method)];
    ++by_request[Str(RequestKindName(e.request_kind))];
    ++by_response[Str(ResponseKindName(e.response_kind))];
    client_cert += e.needs_client_cert;
    serial += e.uses_wechatpay_serial;
    encrypted += !e.encrypted_fields.empty();
    deprecated += e.deprecated;
    notifications += e.kind == EndpointKind::kNotification;
  }
  EXPECT_EQ(by_version,
            (std::map<std::string, int>{
                {"v3", 994}, {"v2", 136}, {"hk", 21}, {"global", 5}, {"miniprogram", 1}}));
  EXPECT_EQ(by_method,
            (std::map<std::string, int>{
                {"POST", 700}, {"GET", 409}, {"PATCH", 30}, {"DELETE", 13}, {"PUT", 5}}));
  EXPECT_EQ(by_request, (std::map<std::string, int>{
                            {"json", 570}, {"xml", 129}, {"multipart", 15}, {"none", 443}}));
  EXPECT_EQ(by_response, (std::map<std::string, int>{{"json", 908},
                                                     {"xml", 129},
                                                     {"empty", 107},
                                                     {"binary", 10},
                                                     {"html", 2},
                                                     {"redirect", 1}}));
  EXPECT_EQ(client_cert, 57);
  EXPECT_EQ(serial, 120);
  EXPECT_EQ(encrypted, 117);
  EXPECT_EQ(deprecated, 32);
  EXPECT_EQ(notifications, 1);
}

TEST(CatalogTest, EndpointsAreSortedAndIdsUnique) {
  std::set<std::string_view> ids;
  for (const Endpoint& e : Cat()) {
    EXPECT_TRUE(ids.insert(e.id).second) << e.id;
    EXPECT_EQ(e.id.substr(0, e.method.size()), e.method);
    EXPECT_FALSE(e.path.empty());
    EXPECT_EQ(e.path[0], '/');
    EXPECT_EQ(e.host.empty(), e.kind == EndpointKind::kNotification) << e.id;
    for (const FieldSchema* p : e.path_params) {
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(p->required) << e.id;
      EXPECT_NE(e.path.find("{" + Str(p->name) + "}"), std::string_view::npos) << e.id;
    }
  }
}

TEST(CatalogTest, FindsSeedEndpoints) {
  const Endpoint* report =
      Cat().Find("POST", "v3/merchant-risk-manage/report-trade-union-information");
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->protocol, Protocol::kApiV3);
  EXPECT_EQ(report->request_kind, RequestKind::kJson);
  EXPECT_EQ(report->host, "api.mch.weixin.qq.com");
  EXPECT_TRUE(report->uses_wechatpay_serial);
  ASSERT_EQ(report->headers.size(), 1u);
  EXPECT_EQ(report->headers[0]->name, "Wechatpay-Serial");
  ASSERT_NE(report->body, nullptr);
  ASSERT_NE(report->body->Field("phone"), nullptr);
  EXPECT_EQ(report->body->Field("phone")->format, "base64");

  const Endpoint* risk = Cat().Find("GET", "v3/merchant-risk-manage/trade-risk-information");
  ASSERT_NE(risk, nullptr);
  EXPECT_EQ(risk->request_kind, RequestKind::kNone);
  EXPECT_EQ(risk->body, nullptr);
  ASSERT_EQ(risk->query.size(), 6u);
  EXPECT_EQ(risk->query[4]->name, "out_trade_no");
  EXPECT_TRUE(risk->query[4]->required);

  const Endpoint* block = Cat().Find(
      "POST", "v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}");
  ASSERT_NE(block, nullptr);
  ASSERT_EQ(block->path_params.size(), 1u);
  EXPECT_EQ(block->path_params[0]->name, "sub_mchid");
  const FieldSchema* submit = block->body->Field("submit_data");
  ASSERT_NE(submit, nullptr);
  EXPECT_EQ(submit->format, "jsonObjectLike");
  ASSERT_NE(submit->json, nullptr);
  EXPECT_NE(submit->json->Field("record_fields"), nullptr);

  const Endpoint* block_get =
      Cat().Find("GET", "v3/transaction-block/transaction-block-submissions/{block_submission_id}");
  ASSERT_NE(block_get, nullptr);
  EXPECT_EQ(block_get->body, nullptr);

  const Endpoint* payitil = Cat().Find("POST", "v2/payitil/report");
  ASSERT_NE(payitil, nullptr);
  EXPECT_EQ(payitil->protocol, Protocol::kApiV2);
  EXPECT_EQ(payitil->version, ApiVersion::kV2);
  EXPECT_EQ(payitil->request_kind, RequestKind::kXml);
  EXPECT_EQ(payitil->path, "/payitil/report");
  EXPECT_EQ(payitil->chain, "v2/payitil/report");
  EXPECT_EQ(payitil->template_path(), "v2/payitil/report");
  EXPECT_EQ(payitil->body->xml_name, "xml");
  const FieldSchema* trades = payitil->body->Field("trades");
  ASSERT_NE(trades, nullptr);
  ASSERT_NE(trades->json, nullptr);
  EXPECT_EQ(trades->json->type, FieldType::kArray);
  EXPECT_EQ(trades->json_key, "transaction");
  EXPECT_EQ(trades->constraints.max_length, 1024u);

  const Endpoint* combine = Cat().Find("POST", "user-order/combine-orders");
  ASSERT_NE(combine, nullptr);
  EXPECT_EQ(combine->version, ApiVersion::kMiniProgram);
  EXPECT_EQ(combine->protocol, Protocol::kMiniProgram);
  EXPECT_EQ(combine->host, "api.weixin.qq.com");
  EXPECT_EQ(combine->auth, "access_token");
  ASSERT_EQ(combine->query.size(), 1u);
  EXPECT_EQ(combine->query[0]->name, "access_token");
  const FieldSchema* sub_orders = combine->body->Field("sub_orders");
  ASSERT_NE(sub_orders, nullptr);
  ASSERT_NE(sub_orders->items, nullptr);
  const FieldSchema* item_list = sub_orders->items->Field("item_list");
  ASSERT_NE(item_list, nullptr);
  EXPECT_EQ(item_list->constraints.min_items, 1u);
  EXPECT_EQ(item_list->constraints.max_items, 50u);
  const FieldSchema* merchant_order_no = sub_orders->items->Field("merchant_order_no");
  ASSERT_NE(merchant_order_no, nullptr);
  EXPECT_TRUE(merchant_order_no->constraints.byte_length);
  EXPECT_EQ(merchant_order_no->constraints.max_length, 64u);
}

TEST(CatalogTest, FindAcceptsEveryKeyForm) {
  const Endpoint* byid = Cat().Find("GET", "v3/pay/transactions/id/{transaction_id}");
  ASSERT_NE(byid, nullptr);
  EXPECT_EQ(byid->id, "GET v3/pay/transactions/id/{transaction_id}");
  EXPECT_EQ(Cat().Find("GET", "/v3/pay/transactions/id/{transaction_id}"), byid);
  EXPECT_EQ(Cat().Find("get", "v3/pay/transactions/id/{transaction_id}"), byid);
  EXPECT_EQ(Cat().Find("", "GET v3/pay/transactions/id/{transaction_id}"), byid);
  EXPECT_EQ(Cat().Find("GET", "GET v3/pay/transactions/id/{transaction_id}"), byid);
  EXPECT_EQ(Cat().Find("POST", "GET v3/pay/transactions/id/{transaction_id}"), nullptr);
  EXPECT_EQ(Cat().Find("POST", "v3/pay/transactions/id/{transaction_id}"), nullptr);
  EXPECT_EQ(Cat().Find("GET", "v3/pay/transactions/id/4200001"), nullptr);
  EXPECT_EQ(Cat().Find("GET", ""), nullptr);
  EXPECT_EQ(Cat().Find("GET", "v3/no/such/endpoint"), nullptr);

  // APIv2: id form and HTTP path.
  const Endpoint* micropay = Cat().Find("POST", "v2/pay/micropay");
  ASSERT_NE(micropay, nullptr);
  EXPECT_EQ(Cat().Find("POST", "/pay/micropay"), micropay);
  EXPECT_EQ(Cat().Find("POST", "pay/micropay"), micropay);

  // Chain forms of the upper-case and trailing-slash rules.
  const Endpoint* upper = Cat().Find("POST", "v2/secapi/mch/addInstitutionsub");
  ASSERT_NE(upper, nullptr);
  EXPECT_EQ(Cat().Find("POST", "v2/secapi/mch/{addinstitutionsub}"), upper);
  EXPECT_THAT(upper->uri_rules, ElementsAre("uppercase"));
  const Endpoint* slash = Cat().Find("POST", "v3/ecommerce/applyments/");
  ASSERT_NE(slash, nullptr);
  EXPECT_EQ(Cat().Find("POST", "v3/ecommerce/applyments/{empty}"), slash);
  EXPECT_THAT(slash->uri_rules, ElementsAre("trailing_slash"));

  // hk / global.
  const Endpoint* hk = Cat().Find("GET", "hk/v3/certificates");
  ASSERT_NE(hk, nullptr);
  EXPECT_EQ(hk->version, ApiVersion::kHk);
  EXPECT_EQ(hk->path, "/hk/v3/certificates");
  EXPECT_EQ(hk->host, "api.mch.weixin.qq.com");  // as the catalog has it
  ASSERT_NE(Cat().Find("GET", "global/v3/customs/orders"), nullptr);
}

TEST(CatalogTest, FindsEveryEndpointByIdAndTemplate) {
  for (const Endpoint& e : Cat()) {
    EXPECT_EQ(Cat().Find("", e.id), &e) << e.id;
    EXPECT_EQ(Cat().Find(e.method, e.template_path()), &e) << e.id;
    EXPECT_EQ(Cat().Find(e.method, e.chain), &e) << e.id;
  }
}

TEST(CatalogTest, MatchExtractsPathParameters) {
  auto m = wechatpay::testing::MatchPath(Cat(), "GET",
                                         "/v3/pay/transactions/id/4200001?mchid=1900000109");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->endpoint->id, "GET v3/pay/transactions/id/{transaction_id}");
  EXPECT_EQ(m->path_params,
            (std::map<std::string, std::string, std::less<>>{{"transaction_id", "4200001"}}));

  auto two = wechatpay::testing::MatchPath(
      Cat(), "GET", "/v3/ecommerce/combine-papay/contracts/plan-id/12/out-contract-code/a%2Fb%20c");
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->path_params.at("plan_id"), "12");
  EXPECT_EQ(two->path_params.at("out_contract_code"), "a/b c");

  auto url = wechatpay::testing::MatchPath(
      Cat(), "POST", "https://api.mch.weixin.qq.com/v3/pay/transactions/native");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->endpoint->id, "POST v3/pay/transactions/native");
  EXPECT_TRUE(url->path_params.empty());

  EXPECT_FALSE(
      wechatpay::testing::MatchPath(Cat(), "DELETE", "/v3/pay/transactions/native").has_value());
  EXPECT_FALSE(wechatpay::testing::MatchPath(Cat(), "GET", "/v3/pay/transactions/id/")
                   .has_value());  // empty value
  EXPECT_FALSE(wechatpay::testing::MatchPath(Cat(), "GET", "/v3/nothing/here").has_value());
  EXPECT_FALSE(wechatpay::testing::MatchPath(Cat(), "GET", "").has_value());
}

TEST(CatalogTest, MatchPrefersLiteralSegments) {
  auto literal = wechatpay::testing::MatchPath(Cat(), "POST", "/v3/profitsharing/orders/unfreeze");
  ASSERT_TRUE(literal.has_value());
  EXPECT_EQ(literal->endpoint->id, "POST v3/profitsharing/orders/unfreeze");
  EXPECT_TRUE(literal->path_params.empty());

  // No GET on the literal: the placeholder template takes it.
  auto placeholder =
      wechatpay::testing::MatchPath(Cat(), "GET", "/v3/profitsharing/orders/unfreeze");
  ASSERT_TRUE(placeholder.has_value());
  EXPECT_EQ(placeholder->endpoint->id, "GET v3/profitsharing/orders/{out_order_no}");
  EXPECT_EQ(placeholder->path_params.at("out_order_no"), "unfreeze");

  auto deposit = wechatpay::testing::MatchPath(
      Cat(), "POST", "/v3/marketing/membercard-open/cards/c1/codes/deposit");
  ASSERT_TRUE(deposit.has_value());
  EXPECT_EQ(deposit->endpoint->id,
            "POST v3/marketing/membercard-open/cards/{card_id}/codes/deposit");
  auto code = wechatpay::testing::MatchPath(Cat(), "PATCH",
                                            "/v3/marketing/membercard-open/cards/c1/codes/deposit");
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(code->endpoint->id, "PATCH v3/marketing/membercard-open/cards/{card_id}/codes/{code}");
  EXPECT_EQ(code->path_params.at("code"), "deposit");

  // Backtracking: the literal "id" branch is tried first and abandoned when it cannot finish.
  auto refund =
      wechatpay::testing::MatchPath(Cat(), "GET", "/v3/ecommerce/refunds/id/return-advance");
  ASSERT_TRUE(refund.has_value());
  EXPECT_EQ(refund->endpoint->id, "GET v3/ecommerce/refunds/id/{refund_id}");
  auto advance =
      wechatpay::testing::MatchPath(Cat(), "POST", "/v3/ecommerce/refunds/id/return-advance");
  ASSERT_TRUE(advance.has_value());
  EXPECT_EQ(advance->endpoint->id, "POST v3/ecommerce/refunds/{refund_id}/return-advance");
  EXPECT_EQ(advance->path_params.at("refund_id"), "id");
}

// Two POST templates share one shape; the path-parameter schemas decide.
TEST(CatalogTest, MatchUsesParameterSchemasToSeparateSameShapeTemplates) {
  auto numeric = wechatpay::testing::MatchPath(
      Cat(), "POST", "/v3/apply4subject/applyment/2000001234567890/cancel");
  ASSERT_TRUE(numeric.has_value());
  EXPECT_EQ(numeric->endpoint->id, "POST v3/apply4subject/applyment/{applyment_id}/cancel");
  EXPECT_EQ(numeric->path_params.at("applyment_id"), "2000001234567890");
  auto code = wechatpay::testing::MatchPath(Cat(), "POST",
                                            "/v3/apply4subject/applyment/BC-20240101-1/cancel");
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(code->endpoint->id, "POST v3/apply4subject/applyment/{business_code}/cancel");
  EXPECT_EQ(code->path_params.at("business_code"), "BC-20240101-1");
  // Nothing conforms (too long for business_code, not numeric): the first candidate.
  auto neither = wechatpay::testing::MatchPath(
      Cat(), "POST", "/v3/apply4subject/applyment/" + std::string(200, 'x') + "/cancel");
  ASSERT_TRUE(neither.has_value());
  EXPECT_EQ(neither->endpoint->id, "POST v3/apply4subject/applyment/{applyment_id}/cancel");
}

TEST(CatalogTest, MatchHandlesV2HkGlobalAndMiniProgramPaths) {
  auto v2 = wechatpay::testing::MatchPath(Cat(), "POST", "/payitil/report");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->endpoint->id, "POST v2/payitil/report");
  auto upper = wechatpay::testing::MatchPath(Cat(), "POST", "/secapi/mch/addInstitutionsub");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(upper->endpoint->id, "POST v2/secapi/mch/addInstitutionsub");
  EXPECT_FALSE(
      wechatpay::testing::MatchPath(Cat(), "POST", "/secapi/mch/addinstitutionsub").has_value());
  auto slash = wechatpay::testing::MatchPath(Cat(), "POST", "/v3/ecommerce/applyments/");
  ASSERT_TRUE(slash.has_value());
  EXPECT_EQ(slash->endpoint->id, "POST v3/ecommerce/applyments/");
  auto hk = wechatpay::testing::MatchPath(Cat(), "GET", "/hk/v3/certificates");
  ASSERT_TRUE(hk.has_value());
  EXPECT_EQ(hk->endpoint->id, "GET hk/v3/certificates");
  auto global = wechatpay::testing::MatchPath(Cat(), "GET", "/global/v3/customs/orders?appid=wx1");
  ASSERT_TRUE(global.has_value());
  EXPECT_EQ(global->endpoint->id, "GET global/v3/customs/orders");
  auto mini =
      wechatpay::testing::MatchPath(Cat(), "POST", "/user-order/combine-orders?access_token=T");
  ASSERT_TRUE(mini.has_value());
  EXPECT_EQ(mini->endpoint->id, "POST user-order/combine-orders");
}

// testing::AllowedMethods asks these five methods; an endpoint with another would never be
// offered in a 405 answer.
TEST(CatalogTest, EveryEndpointUsesOneOfTheFiveMethods) {
  const std::vector<std::string_view> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  for (const Endpoint& e : Cat()) {
    EXPECT_THAT(methods, ::testing::Contains(e.method)) << e.id;
  }
}

TEST(CatalogTest, MatchResolvesEveryEndpointFromASampleRequest) {
  int shadowed = 0;
  for (const Endpoint& e : Cat()) {
    SampleRequest req = SynthesizeRequest(e);
    std::string concrete = ConcretePath(e, req);
    auto m = wechatpay::testing::MatchPath(Cat(), e.method, concrete);
    ASSERT_TRUE(m.has_value()) << e.id << " " << concrete;
    if (m->endpoint != &e) {
      // Only possible when a sample value equals a literal segment of another template.
      ++shadowed;
      continue;
    }
    EXPECT_EQ(m->path_params.size(), e.path_params.size()) << e.id;
    for (const auto& [name, value] : req.path_params) {
      EXPECT_EQ(m->path_params.at(name), value) << e.id;
    }
  }
  EXPECT_EQ(shadowed, 0);
}

TEST(CatalogTest, AllowedMethodsListsEveryMatchingMethod) {
  EXPECT_THAT(
      wechatpay::testing::AllowedMethods(Cat(), "/v3/merchant-risk-manage/violation-notifications"),
      ::testing::UnorderedElementsAre("DELETE", "GET", "POST", "PUT"));
  EXPECT_THAT(wechatpay::testing::AllowedMethods(Cat(), "/v3/profitsharing/orders/unfreeze"),
              ::testing::UnorderedElementsAre("POST", "GET"));
  EXPECT_THAT(wechatpay::testing::AllowedMethods(Cat(), "/v3/nothing"), IsEmpty());
}

TEST(CatalogTest, SearchMatchesIdChainAndTags) {
  std::vector<const Endpoint*> risk = Cat().Search("merchant-risk-manage");
  EXPECT_EQ(risk.size(), 9u);
  EXPECT_TRUE(std::is_sorted(risk.begin(), risk.end()));
  EXPECT_EQ(Cat().Search("PAYITIL").size(), 1u);
  EXPECT_EQ(Cat().Search("").size(), Cat().size());
  EXPECT_THAT(Cat().Search("no-such-thing-anywhere"), IsEmpty());
  // By tag: the transaction-block seed is tagged 商户管理记录.
  const Endpoint* block = Cat().Find(
      "POST", "v3/transaction-block/transaction-block-submissions/sub-mchid/{sub_mchid}");
  ASSERT_NE(block, nullptr);
  ASSERT_FALSE(block->tags.empty());
  std::vector<const Endpoint*> tagged = Cat().Search(block->tags[0]);
  EXPECT_NE(std::find(tagged.begin(), tagged.end(), block), tagged.end());
  // Chain form of an upper-case path.
  EXPECT_EQ(Cat().Search("{addinstitutionsub}").size(), 1u);
}

TEST(CatalogTest, DefaultIsThreadSafeAndUnique) {
  std::vector<std::thread> threads;
  std::atomic<const Catalog*> first{nullptr};
  std::atomic<int> mismatches{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      const Catalog* c = &Catalog::Default();
      const Catalog* expected = nullptr;
      if (!first.compare_exchange_strong(expected, c) && expected != c) ++mismatches;
      if (c->Find("POST", "v2/payitil/report") == nullptr) ++mismatches;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The strong self-consistency check: a synthesized request for every endpoint validates clean
// against its own schema, and so does every synthesized response.
TEST(CatalogTest, EverySynthesizedRequestValidates) {
  int checked = 0;
  for (const Endpoint& e : Cat()) {
    SampleRequest req = SynthesizeRequest(e);
    EXPECT_EQ(req.path_params.size(), e.path_params.size()) << e.id;
    EXPECT_EQ(req.body.is_null(), e.body == nullptr) << e.id;
    std::vector<Violation> v = Validate(e, PartsOf(req));
    EXPECT_THAT(v, IsEmpty()) << e.id << "\n" << Describe(v);
    ++checked;
  }
  EXPECT_EQ(checked, 1157);
}

TEST(CatalogTest, EverySynthesizedResponseValidates) {
  int with_schema = 0;
  for (const Endpoint& e : Cat()) {
    nlohmann::json body = SynthesizeResponse(e);
    if (e.response.schema == nullptr) {
      EXPECT_TRUE(body.is_null()) << e.id;
      continue;
    }
    ++with_schema;
    EXPECT_TRUE(body.is_object()) << e.id;
    std::vector<Violation> v = ValidateResponse(e, body);
    EXPECT_THAT(v, IsEmpty()) << e.id << "\n" << Describe(v);
  }
  EXPECT_EQ(with_schema, 908 + 129 + 3);
}

TEST(CatalogTest, SynthesisIsDeterministic) {
  for (const Endpoint& e : Cat()) {
    EXPECT_EQ(SynthesizeResponse(e), SynthesizeResponse(e)) << e.id;
    SampleRequest a = SynthesizeRequest(e);
    SampleRequest b = SynthesizeRequest(e);
    EXPECT_EQ(a.body, b.body) << e.id;
    EXPECT_EQ(a.query, b.query) << e.id;
  }
}

// Every schema node with a pattern yields a value that matches it.
TEST(CatalogTest, SynthesizedStringsSatisfyTheCatalogPatterns) {
  std::set<std::string_view> patterns;
  for (const Endpoint& e : Cat()) {
    std::vector<const FieldSchema*> stack(e.query.begin(), e.query.end());
    stack.insert(stack.end(), e.path_params.begin(), e.path_params.end());
    if (e.body != nullptr) stack.push_back(e.body);
    if (e.response.schema != nullptr) stack.push_back(e.response.schema);
    while (!stack.empty()) {
      const FieldSchema* n = stack.back();
      stack.pop_back();
      if (n->constraints.pattern) {
        patterns.insert(*n->constraints.pattern);
        nlohmann::json v = SynthesizeValue(*n);
        ASSERT_TRUE(v.is_string()) << e.id;
        std::regex re(std::string(*n->constraints.pattern), std::regex::ECMAScript);
        EXPECT_TRUE(std::regex_search(v.get<std::string>(), re))
            << e.id << " " << *n->constraints.pattern << " -> " << v.get<std::string>();
      }
      stack.insert(stack.end(), n->fields.begin(), n->fields.end());
      stack.insert(stack.end(), n->one_of.begin(), n->one_of.end());
      for (const FieldSchema* c : {n->items, n->json, n->urlencoded}) {
        if (c != nullptr) stack.push_back(c);
      }
    }
  }
  EXPECT_EQ(patterns.size(), 5u);
}

TEST(CatalogTest, SynthesizedValuesFollowFormatsEnumsAndRanges) {
  const Endpoint* e = Cat().Find("GET", "v3/brand/marketing/shake-activities/activities");
  ASSERT_NE(e, nullptr);
  SampleRequest req = SynthesizeRequest(*e);
  bool saw_limit = false;
  for (const auto& [k, v] : req.query) {
    if (k == "limit") {
      saw_limit = true;
      EXPECT_EQ(v, "1");  // within [1, 100]
    }
  }
  EXPECT_TRUE(saw_limit);

  FieldSchema when;
  when.type = FieldType::kString;
  when.format = "rfc3339";
  EXPECT_EQ(SynthesizeValue(when), "2024-01-01T08:00:00+08:00");

  FieldSchema status;
  status.type = FieldType::kString;
  status.enum_values = {"SUCCESS", "FAIL"};
  EXPECT_EQ(SynthesizeValue(status), "SUCCESS");

  FieldSchema count;
  count.type = FieldType::kInteger;
  count.constraints.minimum = 5;
  count.constraints.maximum = 9;
  EXPECT_EQ(SynthesizeValue(count), 5);
  EXPECT_EQ(SynthesizeValue(count, ValueEncoding::kText), "5");

  FieldSchema digits;
  digits.type = FieldType::kString;
  digits.constraints.pattern = "^[0-9]{1,32}$";
  EXPECT_EQ(SynthesizeValue(digits), "0");

  FieldSchema longer;
  longer.type = FieldType::kString;
  longer.name = "ab";
  longer.constraints.min_length = 4;
  longer.constraints.max_length = 6;
  EXPECT_EQ(SynthesizeValue(longer), "abxx");

  FieldSchema family;
  family.type = FieldType::kObject;
  FieldSchema fee;
  fee.name = "coupon_fee_$n";
  fee.type = FieldType::kInteger;
  family.fields = {&fee};
  EXPECT_EQ(SynthesizeValue(family), (nlohmann::json{{"coupon_fee_0", 1}}));
}

TEST(CatalogTest, XmlEndpointsSynthesizeText) {
  const Endpoint* micropay = Cat().Find("POST", "v2/pay/micropay");
  ASSERT_NE(micropay, nullptr);
  nlohmann::json body = SynthesizeRequest(*micropay).body;
  ASSERT_TRUE(body.is_object());
  for (const auto& [k, v] : body.items()) EXPECT_TRUE(v.is_string()) << k;
  nlohmann::json resp = SynthesizeResponse(*micropay);
  ASSERT_TRUE(resp.is_object());
  EXPECT_EQ(resp.at("return_code"), "SUCCESS");
}

// The embedded runtime data carries names, types and constraints, not prose: no endpoint summary
// (unless the same text is also a tag) appears in it.
TEST(CatalogTest, RuntimeDataHasNoSummaries) {
  std::set<std::string> lines;
  for (std::size_t i = 0; i < internal::CatalogDataChunkCount(); ++i) {
    std::string_view chunk = internal::CatalogDataChunk(i);
    std::size_t start = 0;
    while (start < chunk.size()) {
      std::size_t nl = chunk.find('\n', start);
      lines.insert(std::string(chunk.substr(start, nl - start)));
      start = nl + 1;
    }
  }
  std::ifstream in(std::string(WECHATPAY_SOURCE_DIR) + "/data/catalog.json");
  ASSERT_TRUE(in.good());
  nlohmann::json data = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(data.is_object());
  EXPECT_EQ(data.at("format"), "wechatpay-cpp-catalog/1");
  std::set<std::string> tags;
  for (const auto& e : data.at("endpoints")) {
    for (const auto& t : e.at("tags")) tags.insert(t.get<std::string>());
  }
  int checked = 0;
  for (const auto& e : data.at("endpoints")) {
    std::string summary = e.at("summary").get<std::string>();
    if (summary.empty() || tags.count(summary) != 0) continue;
    EXPECT_EQ(lines.count(summary), 0u) << summary;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  EXPECT_EQ(lines.count("上报订单关联信息"), 0u);
}

// ---------------------------------------------------------------------------------------------
// Curated data (data/catalog_overrides.json): "give one of these" groups and unsigned APIv2
// responses.

// Every object in a schema tree (body roots, nested objects, array elements, carried documents).
template <typename Visit>
void ForEachNode(const FieldSchema* root, Visit visit) {
  std::vector<const FieldSchema*> stack;
  if (root != nullptr) stack.push_back(root);
  while (!stack.empty()) {
    const FieldSchema* n = stack.back();
    stack.pop_back();
    visit(*n);
    stack.insert(stack.end(), n->fields.begin(), n->fields.end());
    stack.insert(stack.end(), n->one_of.begin(), n->one_of.end());
    for (const FieldSchema* c : {n->items, n->json, n->urlencoded}) {
      if (c != nullptr) stack.push_back(c);
    }
  }
}

std::string GroupsText(const FieldSchema& s) {
  std::string out;
  for (const auto& group : s.required_any) {
    out += out.empty() ? "[" : " [";
    for (std::size_t i = 0; i < group.size(); ++i) out += (i ? "," : "") + Str(group[i]);
    out += "]";
  }
  return out;
}

TEST(CatalogTest, EitherOrGroupsAreExactlyTheCuratedOnes) {
  const std::string two = "[transaction_id,out_trade_no]";
  const std::string four = "[refund_id,out_refund_no,transaction_id,out_trade_no]";
  const std::map<std::string, std::string> expected = {
      {"POST v2/cgi-bin/mch/customs/customdeclarequery",
       "[out_trade_no,transaction_id,sub_order_no,sub_order_id]"},
      {"POST v2/cgi-bin/mch/newcustoms/customdeclareredeclare", "[out_trade_no,transaction_id]"},
      {"POST v2/deposit/consume", two},
      {"POST v2/deposit/orderquery", two},
      {"POST v2/deposit/refund", two},
      {"POST v2/deposit/refundquery", four},
      {"POST v2/deposit/reverse", two},
      {"POST v2/pay/facepayquery", two},
      {"POST v2/pay/orderquery", two},
      {"POST v2/pay/paporderquery", two},
      {"POST v2/pay/partner/paporderquery", two},
      {"POST v2/pay/refundquery", four},
      {"POST v2/pay/refundqueryv2", four},
      {"POST v2/sandboxnew/pay/orderquery", two},
      {"POST v2/sandboxnew/pay/refund", two},
      {"POST v2/sandboxnew/pay/refundquery", four},
      {"POST v2/secapi/pay/facepayreverse", two},
      {"POST v2/secapi/pay/refund", two},
      {"POST v2/secapi/pay/refundv2", two},
      {"POST v2/secapi/pay/reverse", two},
      {"POST v2/transit/partnerpay/queryorder", two},
      {"POST v2/transit/queryorder", two},
      {"POST v2/xdc/apiv2sandbox/pay/orderquery", two},
      {"POST v3/ecommerce/refunds/apply", two},
  };
  std::map<std::string, std::string> found;
  for (const Endpoint& e : Cat()) {
    ForEachNode(e.response.schema, [&](const FieldSchema& n) {
      EXPECT_TRUE(n.required_any.empty()) << e.id << " (response)";
    });
    ForEachNode(e.body, [&](const FieldSchema& n) {
      if (n.required_any.empty()) return;
      EXPECT_EQ(&n, e.body) << e.id << ": all current groups live at the body root";
      found[Str(e.id)] += GroupsText(n);
      for (const auto& group : n.required_any) {
        EXPECT_GE(group.size(), 2u) << e.id;
        for (std::string_view name : group) {
          const FieldSchema* member = n.Field(name);
          ASSERT_NE(member, nullptr) << e.id << " " << name;
          EXPECT_FALSE(member->required) << e.id << " " << name;
        }
      }
    });
  }
  EXPECT_EQ(found, expected);
}

// Declarations, modifications and identity checks for customs need both numbers: left alone.
TEST(CatalogTest, CustomsDeclarationsKeepBothNumbersRequired) {
  for (const char* id :
       {"POST v2/cgi-bin/mch/customs/customdeclareorder", "POST v3/global/customs/orders",
        "PATCH v3/global/customs/orders", "POST v3/global/customs/verify-certificate",
        "POST global/v3/customs/orders", "PATCH global/v3/customs/orders",
        "POST global/v3/customs/verify-certificate"}) {
    const Endpoint* e = Cat().Find("", id);
    ASSERT_NE(e, nullptr) << id;
    ASSERT_NE(e->body, nullptr) << id;
    EXPECT_TRUE(e->body->required_any.empty()) << id;
    for (const char* name : {"transaction_id", "out_trade_no"}) {
      ASSERT_NE(e->body->Field(name), nullptr) << id;
      EXPECT_TRUE(e->body->Field(name)->required) << id << " " << name;
    }
  }
  // Profit sharing names a payment and a sharing order: two different things, both required.
  const Endpoint* share = Cat().Find("POST", "v2/secapi/pay/profitsharing");
  ASSERT_NE(share, nullptr);
  EXPECT_TRUE(share->body->required_any.empty());
  EXPECT_TRUE(share->body->Field("transaction_id")->required);
  EXPECT_TRUE(share->body->Field("out_order_no")->required);
}

// For every endpoint with groups: the synthesized request keeps validating when all but one
// member of a group is dropped, and reports exactly required_any when all are dropped.
TEST(CatalogTest, EitherOrGroupsOnSynthesizedRequests) {
  int groups = 0;
  for (const Endpoint& e : Cat()) {
    if (e.body == nullptr || e.body->required_any.empty()) continue;
    SampleRequest req = SynthesizeRequest(e);
    ASSERT_TRUE(req.body.is_object()) << e.id;
    for (const auto& group : e.body->required_any) {
      ++groups;
      for (std::string_view keep : group) {
        SampleRequest one = req;
        for (std::string_view name : group) {
          if (name != keep) one.body.erase(Str(name));
        }
        std::vector<Violation> v = Validate(e, PartsOf(one));
        EXPECT_THAT(v, IsEmpty()) << e.id << " keeping " << keep << "\n" << Describe(v);
      }
      SampleRequest none = req;
      std::string names;
      for (std::string_view name : group) {
        none.body.erase(Str(name));
        names += (names.empty() ? "" : ", ") + Str(name);
      }
      std::vector<Violation> v = Validate(e, PartsOf(none));
      EXPECT_EQ(
          v, (std::vector<Violation>{{"body", "required_any", "one of " + names + " is required"}}))
          << e.id << "\n"
          << Describe(v);
    }
  }
  EXPECT_EQ(groups, 24);
}

// When a carried JSON document only fits with its required members, one member of each group is
// still synthesized.
TEST(CatalogTest, RequiredOnlySynthesisNamesOneMemberPerGroup) {
  FieldSchema x, y, note, doc, carrier;
  x.name = "x";
  y.name = "y";
  note.name = "note";
  note.constraints.min_length = 40;
  doc.type = FieldType::kObject;
  doc.fields = {&note, &x, &y};
  doc.required_any = {{"x", "y"}};
  carrier.name = "payload";
  carrier.json = &doc;
  carrier.constraints.max_length = 20;
  nlohmann::json v = SynthesizeValue(carrier);
  ASSERT_TRUE(v.is_string());
  EXPECT_EQ(v, R"({"x":"x"})");
  EXPECT_THAT(ValidateValue(carrier, v), IsEmpty());
}

TEST(CatalogTest, ResponseUnsignedMarksApiV2AnswersWithoutSign) {
  auto unsigned_flag = [](const char* id) {
    const Endpoint* e = Cat().Find("", id);
    EXPECT_NE(e, nullptr) << id;
    return e != nullptr && e->response_unsigned;
  };
  EXPECT_TRUE(unsigned_flag("POST v2/payitil/report"));
  EXPECT_FALSE(unsigned_flag("POST v2/pay/orderquery"));
  EXPECT_TRUE(unsigned_flag("POST v2/pay/downloadbill"));      // raw bill data
  EXPECT_TRUE(unsigned_flag("POST v2/pay/downloadfundflow"));  // raw data
  EXPECT_TRUE(unsigned_flag("POST v2/mmpaymkttransfers/sendredpack"));
  EXPECT_TRUE(unsigned_flag("POST v2/sandboxnew/pay/getsignkey"));
  EXPECT_TRUE(unsigned_flag("GET v2/papay/entrustweb"));  // a page
  EXPECT_FALSE(unsigned_flag("POST v2/pay/micropay"));
  EXPECT_FALSE(unsigned_flag("POST v2/secapi/pay/refund"));
  // Undocumented response: the override keeps it verified.
  EXPECT_FALSE(unsigned_flag("POST v2/applyment/micro/signcontract"));
  EXPECT_FALSE(unsigned_flag("POST v3/pay/transactions/jsapi"));  // APIv3: never set

  int count = 0;
  for (const Endpoint& e : Cat()) {
    if (!e.response_unsigned) continue;
    ++count;
    EXPECT_EQ(e.protocol, Protocol::kApiV2) << e.id;
    // Whatever schema there is has no sign member.
    if (e.response.schema != nullptr) {
      EXPECT_EQ(e.response.schema->Field("sign"), nullptr) << e.id;
    }
  }
  EXPECT_EQ(count, 28);
  // Every APIv2 XML answer that documents a sign is verified.
  for (const Endpoint& e : Cat()) {
    if (e.protocol == Protocol::kApiV2 && e.response.schema != nullptr &&
        e.response.schema->Field("sign") != nullptr) {
      EXPECT_FALSE(e.response_unsigned) << e.id;
    }
  }
}

TEST(CatalogTest, FamilyNamesMatchIndexedMembers) {
  FieldSchema one;
  one.name = "coupon_fee_$n";
  EXPECT_TRUE(one.IsIndexedFamily());
  EXPECT_TRUE(one.NameMatches("coupon_fee_0"));
  EXPECT_TRUE(one.NameMatches("coupon_fee_12"));
  EXPECT_FALSE(one.NameMatches("coupon_fee_"));
  EXPECT_FALSE(one.NameMatches("coupon_fee"));
  EXPECT_FALSE(one.NameMatches("coupon_fee_x"));
  EXPECT_FALSE(one.NameMatches("coupon_fee_0_1"));
  FieldSchema two;
  two.name = "coupon_refund_id_$n_$m";
  EXPECT_TRUE(two.NameMatches("coupon_refund_id_0_1"));
  EXPECT_FALSE(two.NameMatches("coupon_refund_id_0"));
  FieldSchema plain;
  plain.name = "total_fee";
  EXPECT_FALSE(plain.IsIndexedFamily());
  EXPECT_TRUE(plain.NameMatches("total_fee"));
  EXPECT_FALSE(plain.NameMatches("total_fee_0"));
}

TEST(CatalogTest, MalformedDataIsReportedNotFatal) {
  auto bad = internal::LoadCatalog({"wpcat1 3 1 0\na\nb\nc\nq\n"});
  EXPECT_NE(bad->load_error, "");
  EXPECT_TRUE(bad->endpoints.empty());
  auto truncated = internal::LoadCatalog({"wpcat1 3 0 1\na\nb\nc\n"});
  EXPECT_NE(truncated->load_error, "");
  auto forward = internal::LoadCatalog({"wpcat1 3 1 0\na\nb\nc\no f0\n"});
  EXPECT_NE(forward->load_error, "");  // a node may not reference itself or a later node
  auto ok =
      internal::LoadCatalog({"wpcat1 6 1 1\na\nb\nc\nGET x\n/x\nx\nsr N2\n", "I3 T4 C5 M3\n"});
  EXPECT_NE(ok->load_error, "");  // method string "GET x" is not the id's method
  auto good = internal::LoadCatalog(
      {"wpcat1 7 1 1\na\nb\nc\nGET x\nGET\n/x\nx\nsr N2 L5\n", "I3 M4 T5 C6 a0 s200\n"});
  EXPECT_EQ(good->load_error, "");
  ASSERT_EQ(good->endpoints.size(), 1u);
  EXPECT_EQ(good->endpoints[0].path_params[0]->name, "c");
  EXPECT_EQ(good->endpoints[0].path_params[0]->constraints.max_length, 5u);

  // required_any groups (';'-separated string-index lists) and the unsigned-response flag.
  auto groups = internal::LoadCatalog({"wpcat1 8 1 1\na\nb\nc\nGET x\nGET\n/x\nx\nd\n",
                                       "o N2 R0,1;2,7\n", "I3 M4 T5 C6 b0 s200 u\n"});
  EXPECT_EQ(groups->load_error, "");
  ASSERT_EQ(groups->endpoints.size(), 1u);
  EXPECT_TRUE(groups->endpoints[0].response_unsigned);
  ASSERT_NE(groups->endpoints[0].body, nullptr);
  EXPECT_EQ(groups->endpoints[0].body->required_any,
            (std::vector<std::vector<std::string_view>>{{"a", "b"}, {"c", "d"}}));
  auto lonely = internal::LoadCatalog({"wpcat1 3 1 0\na\nb\nc\no R0\n"});
  EXPECT_NE(lonely->load_error, "");  // a group needs two members
  auto dangling = internal::LoadCatalog({"wpcat1 3 1 0\na\nb\nc\no R0,9\n"});
  EXPECT_NE(dangling->load_error, "");
}

}  // namespace
}  // namespace wechatpay::catalog
