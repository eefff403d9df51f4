// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// Requests as the official SDKs build them are never refused by our validation: for every
// endpoint wechatpay-go or wechatpay-java covers (data/official/*.json, ADR 0007/0008), a request
// holding only the fields the SDK requires (values that satisfy our constraints, from the
// catalog's sample; Java states none, so Go's flags where Go covers the endpoint and none
// elsewhere) passes, every enum value the SDK lists passes, and dropping a field the Go
// SDK requires is refused with a violation at that field's path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wechatpay/catalog.h"
#include "wechatpay/testing/catalog.h"
#include "wechatpay/validation.h"

using wechatpay::testing::SampleRequest;
using wechatpay::testing::SynthesizeRequest;

namespace wechatpay::catalog {
namespace {

using nlohmann::json;

json LoadOfficial(const std::string& sdk) {
  std::ifstream in(std::string(WECHATPAY_SOURCE_DIR) + "/data/official/wechatpay-" + sdk + ".json");
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str(), nullptr, false);
}

std::string Describe(const std::vector<Violation>& v) {
  std::string out;
  for (const Violation& x : v) out += "  " + x.path + " [" + x.rule + "] " + x.message + "\n";
  return out;
}

// Keeps in `sample` only the members `official` requires (recursively, through arrays).
json OnlyRequired(const json& sample, const json& official) {
  if (sample.is_array() && official.contains("items")) {
    json out = json::array();
    for (const json& v : sample) out.push_back(OnlyRequired(v, official["items"]));
    return out;
  }
  if (!sample.is_object() || !official.contains("fields")) return sample;
  json out = json::object();
  for (const json& f : official["fields"]) {
    std::string name = f.value("name", "");
    if (f.value("required", false) && sample.contains(name)) {
      out[name] = OnlyRequired(sample[name], f);
    }
  }
  return out;
}

// Every Go-required member path ("a.b", "list[0].c") present in `body`.
void RequiredPaths(const json& body, const json& official, const std::string& prefix,
                   std::vector<std::string>* out) {
  if (body.is_array() && official.contains("items") && !body.empty()) {
    RequiredPaths(body[0], official["items"], prefix + "[0]", out);
    return;
  }
  if (!body.is_object() || !official.contains("fields")) return;
  for (const json& f : official["fields"]) {
    std::string name = f.value("name", "");
    if (!f.value("required", false) || !body.contains(name)) continue;
    std::string path = prefix.empty() ? name : prefix + "." + name;
    out->push_back(path);
    RequiredPaths(body[name], f, path, out);
  }
}

json* At(json& body, const std::string& path, std::string* last) {
  json* cur = &body;
  std::string seg;
  std::vector<std::string> parts;
  std::stringstream ss(path);
  while (std::getline(ss, seg, '.')) parts.push_back(seg);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    std::string p = parts[i];
    bool indexed = p.size() > 3 && p.compare(p.size() - 3, 3, "[0]") == 0;
    if (indexed) p.resize(p.size() - 3);
    cur = &(*cur)[p];
    if (indexed) cur = &(*cur)[0];
  }
  *last = parts.back();
  return cur;
}

class OfficialRequestsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OfficialRequestsTest, AreNeverRefusedAndMissingRequiredFieldsAreNamed) {
  const std::string sdk = GetParam();
  json facts = LoadOfficial(sdk);
  ASSERT_TRUE(facts.is_object()) << "data/official/wechatpay-" << sdk << ".json";
  const Catalog& cat = Catalog::Default();
  // Java states no required flags: where Go covers the endpoint its flags decide (as in the
  // reconciliation, ADR 0008), elsewhere nothing is required.
  json go = sdk == "go" ? facts : LoadOfficial("go");
  ASSERT_TRUE(go.is_object());
  std::map<std::string, const json*> go_ops;
  for (const json& op : go["operations"]) go_ops.emplace(op["id"].get<std::string>(), &op);
  int endpoints = 0, refused = 0, enum_values = 0, dropped = 0;
  for (const json& op : facts["operations"]) {
    const std::string id = op["id"];
    auto go_op = go_ops.find(id);
    const json& req = go_op != go_ops.end() ? *go_op->second : op;  // whose required flags
    const Endpoint* e = cat.Find("", id);
    ASSERT_NE(e, nullptr) << id << " is not in the catalog";
    if (e->kind != EndpointKind::kApi || e->request_kind == RequestKind::kMultipart) continue;
    ++endpoints;
    SampleRequest sample = SynthesizeRequest(*e);
    RequestParts parts;
    parts.pre_signing = true;
    parts.path_params = sample.path_params;
    // Query: only what the SDK requires.
    for (const auto& [k, v] : sample.query) {
      for (const json& q : req["query"]) {
        if (q["name"] == k && q.value("required", false)) parts.query.emplace_back(k, v);
      }
    }
    json body = sample.body;
    const json& official_body = op["body"];
    const json& required_body = req["body"];
    // The sample holds every top-level member the SDK requires (else the check would be empty).
    if (sample.body.is_object() && required_body.is_object() && required_body.contains("fields")) {
      for (const json& f : required_body["fields"]) {
        if (f.value("required", false)) {
          EXPECT_TRUE(sample.body.contains(f.value("name", "")))
              << sdk << ": " << id << ": the sample lacks " << f.value("name", "");
        }
      }
    }
    if (!body.is_null() && required_body.is_object()) body = OnlyRequired(body, required_body);
    // "One of these" groups (transaction_id or out_trade_no) the SDKs cannot state: the first.
    if (body.is_object() && e->body != nullptr) {
      for (const auto& group : e->body->required_any) {
        bool any = false;
        for (std::string_view name : group) any = any || body.contains(std::string(name));
        std::string first(group.front());
        if (!any && sample.body.contains(first)) body[first] = sample.body[first];
      }
    }
    if (!body.is_null()) parts.body = &body;
    std::vector<Violation> v = Validate(*e, parts);
    if (!v.empty()) {
      ++refused;
      ADD_FAILURE() << sdk << ": " << id << " refused with only the SDK's required fields:\n"
                    << Describe(v);
      continue;
    }
    // Each enum value the SDK lists for a top-level body member is accepted.
    if (body.is_object() && official_body.is_object() && official_body.contains("fields")) {
      for (const json& f : official_body["fields"]) {
        if (!f.contains("enum") || f.value("type", "") != "string") continue;
        for (const json& value : f["enum"]) {
          json with = body;
          with[f["name"].get<std::string>()] = value;
          RequestParts p = parts;
          p.body = &with;
          std::vector<Violation> ev = Validate(*e, p);
          ++enum_values;
          EXPECT_TRUE(ev.empty()) << sdk << ": " << id << " refuses " << f["name"] << "=" << value
                                  << ":\n"
                                  << Describe(ev);
        }
      }
    }
    // Dropping a field Go requires is refused, at that path.
    if (sdk == "go" && body.is_object() && official_body.is_object()) {
      std::vector<std::string> paths;
      RequiredPaths(body, official_body, "", &paths);
      for (const std::string& path : paths) {
        json without = body;
        std::string last;
        json* parent = At(without, path, &last);
        if (!parent->is_object()) continue;
        parent->erase(last);
        RequestParts p = parts;
        p.body = &without;
        std::vector<Violation> dv = Validate(*e, p);
        ++dropped;
        bool named = false;
        for (const Violation& x : dv) named = named || x.path == path;
        EXPECT_TRUE(named) << sdk << ": " << id << " accepts a request without " << path << ":\n"
                           << Describe(dv);
      }
    }
  }
  EXPECT_EQ(refused, 0);
  EXPECT_GT(endpoints, 100);
  EXPECT_GT(enum_values, 20);
  if (sdk == "go") {
    EXPECT_GT(dropped, 200);
  }
  std::printf("%s: %d endpoints, %d enum values, %d dropped required fields checked\n", sdk.c_str(),
              endpoints, enum_values, dropped);
}

INSTANTIATE_TEST_SUITE_P(Sdk, OfficialRequestsTest, ::testing::Values("go", "java"));

}  // namespace
}  // namespace wechatpay::catalog
