// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// wxpay endpoints [FILTER] and wxpay describe METHOD URI: browse the endpoint catalog.
// `describe` prints the sections of the endpoint's docs/reference page: the facts from the
// library's catalog, plus the title, labels, typed names, prose, errors and examples the app
// embeds (reference_data.cc, generated with the pages by tools/gen_reference.py).
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "output.h"
#include "reference_data.h"
#include "wechatpay/catalog.h"
#include "wechatpay/testing/catalog.h"

namespace wxpay {

namespace catalog = wechatpay::catalog;
using catalog::Endpoint;
using catalog::FieldSchema;
using catalog::FieldType;

namespace {

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool IsMethod(const std::string& s) {
  static const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  std::string u = Upper(s);
  return std::any_of(std::begin(kMethods), std::end(kMethods),
                     [&](const char* m) { return u == m; });
}

std::string Join(const std::vector<std::string_view>& items, std::string_view sep) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Display width of UTF-8 text: CJK and other East Asian wide characters take 2 columns.
size_t Width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    uint32_t cp = len == 1 ? c : (c & (0x7F >> len));
    for (size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000;
    w += wide ? 2 : 1;
    i += len;
  }
  return w;
}

std::string Pad(const std::string& s, size_t width) {
  size_t w = Width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string Number(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    return std::to_string(static_cast<int64_t>(v));
  }
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

std::string TypeName(const FieldSchema& f) {
  std::string t(catalog::FieldTypeName(f.type));
  if (f.type == FieldType::kArray && f.items != nullptr) {
    t = "array<" + std::string(catalog::FieldTypeName(f.items->type)) + ">";
  }
  if (f.json != nullptr) {
    t += f.json->type == FieldType::kArray ? " (JSON array)" : " (JSON object)";
  } else if (f.urlencoded != nullptr) {
    t += " (form k=v&…)";
  }
  if (!f.one_of.empty()) t += " (one of " + std::to_string(f.one_of.size()) + ")";
  return t;
}

std::string Constraints(const FieldSchema& f) {
  std::vector<std::string> parts;
  const catalog::Constraints& c = f.constraints;
  std::string unit = c.byte_length ? " bytes" : " chars";
  if (c.min_length && c.max_length) {
    parts.push_back("length " + std::to_string(*c.min_length) + ".." +
                    std::to_string(*c.max_length) + unit);
  } else if (c.max_length) {
    parts.push_back("length ≤ " + std::to_string(*c.max_length) + unit);
  } else if (c.min_length) {
    parts.push_back("length ≥ " + std::to_string(*c.min_length) + unit);
  }
  if (c.minimum && c.maximum) {
    parts.push_back("range " + Number(*c.minimum) + ".." + Number(*c.maximum));
  } else if (c.minimum) {
    parts.push_back("≥ " + Number(*c.minimum));
  } else if (c.maximum) {
    parts.push_back("≤ " + Number(*c.maximum));
  }
  if (c.min_items && c.max_items) {
    parts.push_back("items " + std::to_string(*c.min_items) + ".." + std::to_string(*c.max_items));
  } else if (c.max_items) {
    parts.push_back("items ≤ " + std::to_string(*c.max_items));
  } else if (c.min_items) {
    parts.push_back("items ≥ " + std::to_string(*c.min_items));
  }
  if (c.pattern) parts.push_back("pattern " + std::string(*c.pattern));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

struct Row {
  std::string name;  // indented
  std::string type;
  std::string required;
  std::string label;  // the catalog's short title of the field
  std::string notes;
};

// The page data of every endpoint (parsed once; null when the embedded data is unusable).
const nlohmann::json* ReferenceRecord(std::string_view id) {
  static const nlohmann::json data = nlohmann::json::parse(ReferenceDataJson(), nullptr, false);
  if (!data.is_object()) return nullptr;
  auto it = data.find(std::string(id));
  return it == data.end() || !it->is_object() ? nullptr : &*it;
}

std::string Text(const nlohmann::json* rec, const char* key) {
  if (rec == nullptr) return {};
  auto it = rec->find(key);
  return it != rec->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The labels of table `key` (one per row, in row order), or null.
const nlohmann::json* Labels(const nlohmann::json* rec, const char* key) {
  if (rec == nullptr) return nullptr;
  auto it = rec->find("labels");
  if (it == rec->end() || !it->is_object()) return nullptr;
  auto l = it->find(key);
  return l == it->end() || !l->is_array() ? nullptr : &*l;
}

class FieldTable {
 public:
  FieldTable(std::set<std::string> encrypted, std::string encrypted_note,
             const nlohmann::json* labels = nullptr)
      : encrypted_(std::move(encrypted)),
        encrypted_note_(std::move(encrypted_note)),
        labels_(labels) {}

  // Adds `f` (named) and its descendants. `path` is the catalog path of `f` ("a.b", "a[].b",
  // "meta~x").
  void Add(const FieldSchema& f, const std::string& path, int depth, bool parent_sensitive) {
    if (depth > 24) return;
    Row r;
    r.name = std::string(static_cast<size_t>(depth) * 2, ' ') +
             (f.name.empty() ? std::string("(item)") : std::string(f.name));
    r.type = TypeName(f);
    r.required = f.required ? "required" : "";
    r.label = NextLabel();
    std::vector<std::string> notes;
    if (encrypted_.count(path) != 0) notes.push_back(encrypted_note_);
    if (parent_sensitive) notes.push_back("sensitive");
    if (!f.enum_values.empty()) notes.push_back("enum " + Join(f.enum_values, " | "));
    const FieldSchema* scalar_items = f.type == FieldType::kArray && f.items != nullptr &&
                                              f.items->fields.empty() && f.items->json == nullptr
                                          ? f.items
                                          : nullptr;
    if (scalar_items != nullptr && !scalar_items->enum_values.empty()) {
      notes.push_back("items enum " + Join(scalar_items->enum_values, " | "));
    }
    if (std::string c = Constraints(f); !c.empty()) notes.push_back(c);
    if (scalar_items != nullptr) {
      if (std::string c = Constraints(*scalar_items); !c.empty()) notes.push_back("each " + c);
      if (encrypted_.count(path + "[]") != 0) notes.push_back(encrypted_note_);
    }
    if (!f.format.empty()) notes.push_back("format " + std::string(f.format));
    if (f.default_value) notes.push_back("default " + std::string(*f.default_value));
    if (f.nullable) notes.push_back("nullable");
    if (f.deprecated) notes.push_back("deprecated");
    if (f.cdata) notes.push_back("CDATA");
    if (f.IsIndexedFamily()) notes.push_back("indexed family ($n = 0, 1, …)");
    if (!f.json_key.empty()) notes.push_back("document: " + std::string(f.json_key));
    for (const auto& n : notes) r.notes += (r.notes.empty() ? "" : "; ") + n;
    rows_.push_back(std::move(r));
    AddChildren(f, path, depth + 1);
  }

  void AddChildren(const FieldSchema& f, const std::string& path, int depth) {
    std::set<std::string_view> sensitive(f.sensitive.begin(), f.sensitive.end());
    auto child_path = [&](std::string_view name) {
      if (path.empty()) return std::string(name);
      if (path.back() == '~') return path + std::string(name);
      return path + "." + std::string(name);
    };
    for (const FieldSchema* m : f.fields) {
      Add(*m, child_path(m->name), depth, sensitive.count(m->name) != 0);
    }
    if (f.items != nullptr &&
        (!f.items->fields.empty() || f.items->json != nullptr || !f.items->one_of.empty())) {
      AddChildren(*f.items, path + "[]", depth);
    }
    if (f.json != nullptr) AddChildren(*f.json, path + "~", depth);
    if (f.urlencoded != nullptr) AddChildren(*f.urlencoded, path + "~", depth);
    for (size_t i = 0; i < f.one_of.size(); ++i) {
      Row r;
      r.name = std::string(static_cast<size_t>(depth) * 2, ' ') + "(alternative " +
               std::to_string(i + 1) + ")";
      r.type = std::string(catalog::FieldTypeName(f.one_of[i]->type));
      r.label = NextLabel();
      rows_.push_back(std::move(r));
      AddChildren(*f.one_of[i], path, depth + 1);
    }
  }

  bool empty() const { return rows_.empty(); }

  void Print(const std::string& title) const {
    WriteStdout(title + "\n");
    size_t wn = 4, wt = 4, wl = 0;
    for (const Row& r : rows_) {
      wn = std::max(wn, Width(r.name));
      wt = std::max(wt, Width(r.type));
      wl = std::max(wl, Width(r.label));
    }
    wn = std::min<size_t>(wn, 48);
    wt = std::min<size_t>(wt, 30);
    wl = std::min<size_t>(wl, 30);
    for (const Row& r : rows_) {
      std::string line = "  " + Pad(r.name, wn) + "  " + Pad(r.type, wt) + "  " +
                         Pad(r.required, 8) + "  " + (wl > 0 ? Pad(r.label, wl) + "  " : "") +
                         r.notes;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      WriteStdout(line + "\n");
    }
    WriteStdout("\n");
  }

 private:
  std::string NextLabel() {
    if (labels_ == nullptr || next_label_ >= labels_->size()) return {};
    const nlohmann::json& l = (*labels_)[next_label_++];
    return l.is_string() ? l.get<std::string>() : std::string();
  }

  std::set<std::string> encrypted_;
  std::string encrypted_note_;
  const nlohmann::json* labels_;
  size_t next_label_ = 0;
  std::vector<Row> rows_;
};

void PrintParams(const std::string& title, const std::vector<const FieldSchema*>& params,
                 const std::set<std::string>& encrypted, const std::string& prefix,
                 const nlohmann::json* labels) {
  if (params.empty()) return;
  std::set<std::string> enc;
  for (const auto& e : encrypted) {
    if (e.rfind(prefix, 0) == 0) enc.insert(e.substr(prefix.size()));
  }
  FieldTable t(enc, "encrypted (RSA-OAEP)", labels);
  for (const FieldSchema* p : params) t.Add(*p, std::string(p->name), 0, false);
  t.Print(title);
}

std::vector<const Endpoint*> ByPath(const std::string& uri) {
  const catalog::Catalog& cat = catalog::Catalog::Default();
  std::vector<const Endpoint*> out;
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (const Endpoint* e = cat.Find(m, uri)) {
      out.push_back(e);
    } else if (auto match = wechatpay::testing::MatchPath(cat, m, "/" + uri)) {
      out.push_back(match->endpoint);
    }
  }
  return out;
}

int NotFound(const std::string& what, const std::string& uri) {
  std::fprintf(stderr, "wxpay: error: no endpoint %s in the catalog\n", what.c_str());
  std::vector<const Endpoint*> near = catalog::Catalog::Default().Suggest("", uri, 8);
  if (!near.empty()) {
    std::fprintf(stderr, "  did you mean:\n");
    for (const Endpoint* e : near) std::fprintf(stderr, "    %s\n", std::string(e->id).c_str());
    std::fprintf(stderr, "  list endpoints with `wxpay endpoints FILTER`\n");
    return kExitUsage;
  }
  // Else endpoints sharing the last segment.
  std::string last = uri;
  while (!last.empty() && last.back() == '/') last.pop_back();
  size_t slash = last.rfind('/');
  if (slash != std::string::npos) last = last.substr(slash + 1);
  if (!last.empty() && last.front() != '{') {
    auto hits = catalog::Catalog::Default().Search(last);
    if (!hits.empty()) {
      std::fprintf(stderr, "  did you mean:\n");
      for (size_t i = 0; i < hits.size() && i < 8; ++i) {
        std::fprintf(stderr, "    %s\n", std::string(hits[i]->id).c_str());
      }
    }
  }
  std::fprintf(stderr, "  list endpoints with `wxpay endpoints FILTER`\n");
  return kExitUsage;
}

void Describe(const Endpoint& e) {
  auto kv = [](const char* k, const std::string& v) {
    if (!v.empty()) WriteStdout("  " + Pad(k, 11) + v + "\n");
  };
  const nlohmann::json* rec = ReferenceRecord(e.id);
  WriteStdout(std::string(e.id) + "\n");
  if (std::string summary = Text(rec, "summary"); !summary.empty()) {
    WriteStdout("  " + summary + "\n");
  }
  kv("host", e.host.empty() ? std::string("(inbound callback)") : std::string(e.host));
  kv("path", std::string(e.path));
  kv("chain", std::string(e.chain));
  kv("typed call", Text(rec, "typed"));
  kv("descriptor", Text(rec, "descriptor"));
  if (std::string h = Text(rec, "header"); !h.empty()) kv("header", "#include <" + h + ">");
  kv("protocol", std::string(catalog::ProtocolName(e.protocol)) + " (" +
                     std::string(catalog::ApiVersionName(e.version)) + ", " +
                     std::string(catalog::EndpointKindName(e.kind)) + ")");
  std::string request(catalog::RequestKindName(e.request_kind));
  if (!e.consumes.empty()) request += " (" + Join(e.consumes, ", ") + ")";
  kv("request", request);
  std::string response(catalog::ResponseKindName(e.response_kind));
  response += ", HTTP " + std::to_string(e.response.status);
  if (!e.produces.empty()) response += " (" + Join(e.produces, ", ") + ")";
  kv("response", response);
  if (!e.auth.empty()) kv("auth", std::string(e.auth) + " (added by the SDK)");
  kv("tags", Join(e.tags, ", "));
  kv("uri rules", Join(e.uri_rules, ", "));
  std::vector<std::string_view> notes;
  if (e.deprecated) notes.push_back("deprecated");
  if (e.needs_client_cert) notes.push_back("needs the merchant client certificate (mutual TLS)");
  if (e.uses_wechatpay_serial) notes.push_back("sends Wechatpay-Serial (set by the SDK)");
  kv("notes", Join(notes, "; "));
  if (!e.encrypted_fields.empty()) {
    kv("encrypted", Join(e.encrypted_fields, ", ") +
                        " (RSA-OAEP with the platform key; `wxpay request` encrypts them)");
  }
  if (!e.response_encrypted_fields.empty()) {
    kv("resp. encr.", Join(e.response_encrypted_fields, ", ") +
                          " (RSA-OAEP to the merchant key; Client::DecryptSensitive)");
  }
  if (!e.response_aead_fields.empty()) {
    kv("resp. AEAD", Join(e.response_aead_fields, ", ") + " (AES-256-GCM with the APIv3 key)");
  }
  WriteStdout("\n");

  std::set<std::string> encrypted(e.encrypted_fields.begin(), e.encrypted_fields.end());
  auto paragraphs = [&](const char* key, const std::string& title) {
    if (rec == nullptr) return;
    auto it = rec->find(key);
    if (it == rec->end() || !it->is_array() || it->empty()) return;
    if (!title.empty()) WriteStdout(title + "\n");
    for (const auto& p : *it) {
      if (p.is_string()) WriteStdout(p.get<std::string>() + "\n");
    }
    WriteStdout("\n");
  };
  paragraphs("prose", "");

  PrintParams("Path parameters", e.path_params, {}, "", Labels(rec, "path"));
  PrintParams("Query parameters", e.query, encrypted, "query:", Labels(rec, "query"));
  PrintParams("Headers", e.headers, {}, "", Labels(rec, "headers"));
  if (e.body != nullptr) {
    std::set<std::string> body_enc;
    for (const auto& f : encrypted) {
      if (f.rfind("query:", 0) != 0) body_enc.insert(f);
    }
    FieldTable t(body_enc, "encrypted (RSA-OAEP)", Labels(rec, "body"));
    t.AddChildren(*e.body, "", 0);
    if (!e.body->xml_name.empty()) {
      t.Print("Body (XML <" + std::string(e.body->xml_name) + ">)");
    } else if (!t.empty()) {
      t.Print("Body (" + std::string(catalog::RequestKindName(e.request_kind)) + ")");
    } else {
      t.Print("Body: " + TypeName(*e.body));
    }
  }
  if (e.response.schema != nullptr) {
    std::set<std::string> enc(e.response_encrypted_fields.begin(),
                              e.response_encrypted_fields.end());
    FieldTable t(enc, "encrypted to the merchant key", Labels(rec, "response"));
    t.AddChildren(*e.response.schema, "", 0);
    std::string title = "Response (HTTP " + std::to_string(e.response.status) + ")";
    if (!e.response.headers.empty()) title += ", headers: " + Join(e.response.headers, ", ");
    if (t.empty()) {
      WriteStdout(title + ": " + TypeName(*e.response.schema) + "\n");
    } else {
      t.Print(title);
    }
  } else {
    WriteStdout("Response (HTTP " + std::to_string(e.response.status) + "): " +
                std::string(catalog::ResponseKindName(e.response_kind)) + ", no JSON body\n");
  }
  WriteStdout("\n");
  paragraphs("errors", "Errors");
  if (rec != nullptr) {
    auto ex = rec->find("examples");
    if (ex != rec->end() && ex->is_array()) {
      for (const auto& item : *ex) {
        if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_string()) {
          continue;
        }
        WriteStdout("Example: " + item[0].get<std::string>() + "\n\n" + item[1].get<std::string>() +
                    "\n\n");
      }
    }
  }
  if (std::string page = Text(rec, "page"); !page.empty()) WriteStdout("Page: " + page + "\n");
}

}  // namespace

int RunEndpoints(const GlobalOptions& g, const EndpointsOptions& o) {
  const catalog::Catalog& cat = catalog::Catalog::Default();
  if (!cat.load_error().empty()) {
    return ReportError(
        wechatpay::Error(wechatpay::ErrorCode::kInternal,
                         "the endpoint catalog failed to load: " + cat.load_error()));
  }
  auto hits = cat.Search(o.filter);
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Endpoint* e : hits) {
      nlohmann::ordered_json j;
      j["id"] = std::string(e->id);
      j["method"] = std::string(e->method);
      j["chain"] = std::string(e->chain);
      j["protocol"] = std::string(catalog::ProtocolName(e->protocol));
      j["kind"] = std::string(catalog::EndpointKindName(e->kind));
      j["host"] = std::string(e->host);
      j["deprecated"] = e->deprecated;
      list.push_back(std::move(j));
    }
    WriteStdout(DumpJson(list, WantPretty(g.pretty, g.compact)) + "\n");
    return kExitOk;
  }
  std::string out;
  for (const Endpoint* e : hits) {
    std::string line = Pad(std::string(e->method), 7) + std::string(e->chain);
    if (o.long_format) {
      line = Pad(line, 72) + "  " + std::string(catalog::ProtocolName(e->protocol)) + " " +
             std::string(catalog::RequestKindName(e->request_kind)) + " " +
             (e->host.empty() ? std::string("-") : std::string(e->host));
    }
    if (e->kind != catalog::EndpointKind::kApi) {
      line += "  (" + std::string(catalog::EndpointKindName(e->kind)) + ")";
    }
    if (e->deprecated) line += "  (deprecated)";
    out += line + "\n";
  }
  WriteStdout(out);
  if (hits.empty()) {
    std::fprintf(stderr, "wxpay: no endpoint matches '%s'\n", o.filter.c_str());
  } else if (StdoutIsTerminal()) {
    std::fprintf(stderr, "%zu endpoint%s\n", hits.size(), hits.size() == 1 ? "" : "s");
  }
  return kExitOk;
}

int RunDescribe(const GlobalOptions& g, const DescribeOptions& o) {
  const catalog::Catalog& cat = catalog::Catalog::Default();
  std::string method;
  std::string uri;
  if (o.args.size() == 2) {
    method = o.args[0];
    uri = o.args[1];
  } else if (o.args.size() == 1) {
    const std::string& a = o.args[0];
    size_t space = a.find(' ');
    if (space != std::string::npos && IsMethod(a.substr(0, space))) {
      method = a.substr(0, space);
      uri = a.substr(space + 1);
    } else {
      uri = a;
    }
  }
  while (!uri.empty() && uri.front() == '/') uri.erase(0, 1);
  uri = uri.substr(0, uri.find('?'));
  if (uri.empty())
    return UsageError("describe: give METHOD URI, e.g. POST v3/pay/transactions/native");
  const Endpoint* ep = nullptr;
  if (!method.empty()) {
    if (!IsMethod(method)) {
      return UsageError("describe: '" + Ellipsize(method, 16) +
                        "' is not an HTTP method (GET, POST, PUT, PATCH, DELETE)");
    }
    method = Upper(method);
    ep = cat.Find(method, uri);
    if (ep == nullptr) {
      if (auto m = wechatpay::testing::MatchPath(cat, method, "/" + uri)) ep = m->endpoint;
    }
    if (ep == nullptr) {
      auto others = ByPath(uri);
      if (!others.empty()) {
        std::fprintf(stderr, "wxpay: error: %s %s is not in the catalog; this path has:\n",
                     method.c_str(), uri.c_str());
        for (const Endpoint* e : others)
          std::fprintf(stderr, "    %s\n", std::string(e->id).c_str());
        return kExitUsage;
      }
      return NotFound(method + " " + uri, uri);
    }
  } else {
    auto found = ByPath(uri);
    if (found.empty()) return NotFound(uri, uri);
    if (found.size() > 1) {
      std::fprintf(stderr, "wxpay: error: %s has several methods; say which:\n", uri.c_str());
      for (const Endpoint* e : found)
        std::fprintf(stderr, "    wxpay describe %s\n", std::string(e->id).c_str());
      return kExitUsage;
    }
    ep = found.front();
  }

  if (o.sample) {
    wechatpay::testing::SampleRequest s = wechatpay::testing::SynthesizeRequest(*ep);
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["endpoint"] = std::string(ep->id);
    nlohmann::ordered_json path = nlohmann::ordered_json::object();
    for (const auto& [k, v] : s.path_params) path[k] = v;
    nlohmann::ordered_json query = nlohmann::ordered_json::array();
    for (const auto& [k, v] : s.query) query.push_back({{"name", k}, {"value", v}});
    nlohmann::ordered_json headers = nlohmann::ordered_json::object();
    for (const auto& [k, v] : s.headers) headers[k] = v;
    j["path"] = std::move(path);
    j["query"] = std::move(query);
    j["headers"] = std::move(headers);
    j["body"] = nlohmann::ordered_json::parse(
        s.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    WriteStdout(DumpJson(j, WantPretty(g.pretty, g.compact)) + "\n");
    return kExitOk;
  }
  Describe(*ep);
  return kExitOk;
}

}  // namespace wxpay
