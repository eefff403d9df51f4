// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// APIv2 XML: a writer for flat documents and a strict reader over pugixml. pugixml never expands
// DTD entities, but it silently skips a DOCTYPE, keeps unknown entity references as literal text
// and accepts several root elements; the reader below closes each of those gaps itself. See
// docs/adr/0004-apiv2.md.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <new>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wechatpay/apiv2.h"

namespace wechatpay::apiv2 {

namespace internal {
struct FieldsAccess {
  static std::vector<Fields::Entry>& entries(Fields& f) { return f.entries_; }
};
}  // namespace internal

namespace {

// ---- writing ----

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// "]]>" cannot appear inside a CDATA section: close the section between "]]" and ">".
void AppendCdata(std::string& out, std::string_view value) {
  out.append("<![CDATA[");
  size_t pos = 0;
  for (size_t hit; (hit = value.find("]]>", pos)) != std::string_view::npos; pos = hit + 2) {
    out.append(value.substr(pos, hit + 2 - pos));
    out.append("]]><![CDATA[");
  }
  out.append(value.substr(pos));
  out.append("]]>");
}

void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '\r':
        out.append("&#13;");  // a literal CR would be normalized to LF by any XML parser
        break;
      default:
        out.push_back(c);
    }
  }
}

void AppendValue(std::string& out, std::string_view value) {
  if (value.find('\r') != std::string_view::npos) {
    AppendEscaped(out, value);
  } else if (value.find_first_of("<>&\"'") != std::string_view::npos ||
             (!value.empty() && (IsXmlSpace(value.front()) || IsXmlSpace(value.back())))) {
    AppendCdata(out, value);
  } else {
    out.append(value);
  }
}

// ---- reading ----

Error ParseError(std::string message) { return Error(ErrorCode::kParse, std::move(message)); }

Error ParseErrorAt(size_t offset, std::string_view what) {
  std::string m = "malformed XML at offset " + std::to_string(offset) + ": ";
  m.append(what);
  return ParseError(std::move(m));
}

// Element names are structure, not values, but they come from the input: bound their length.
std::string QuoteName(std::string_view name) {
  constexpr size_t kMax = 64;
  std::string s = "<";
  if (name.size() <= kMax) {
    s.append(name);
  } else {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    s.append(name.substr(0, cut)).append("...");
  }
  s.push_back('>');
  return s;
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) and no C0 control
// character other than tab, LF and CR (XML 1.0 forbids them). Returns an error naming the offset.
Status ValidateText(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        static constexpr char kHex[] = "0123456789ABCDEF";
        std::string m = "invalid character U+00";
        m.push_back(kHex[c >> 4]);
        m.push_back(kHex[c & 15]);
        return ParseError(m + " in XML at offset " + std::to_string(i));
      }
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    }
    bool ok = len != 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (size_t k = 2; ok && k < len; ++k) ok = (p[i + k] & 0xC0) == 0x80;
    if (!ok) return ParseError("invalid UTF-8 in XML at offset " + std::to_string(i));
    i += len;
  }
  return {};
}

bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the predefined entities and character references of raw PCDATA (pugixml runs without
// parse_escapes so that an undefined entity is an error here instead of literal text).
Status AppendUnescaped(std::string& out, std::string_view raw, size_t base_offset) {
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) {
      out.append(raw.substr(pos));
      break;
    }
    out.append(raw.substr(pos, amp - pos));
    const size_t at = base_offset + amp;
    size_t semi = raw.find(';', amp + 1);
    if (semi == std::string_view::npos || semi - amp > 12) {
      return ParseErrorAt(at, "'&' that does not start an entity reference");
    }
    std::string_view name = raw.substr(amp + 1, semi - amp - 1);
    if (name == "lt") {
      out.push_back('<');
    } else if (name == "gt") {
      out.push_back('>');
    } else if (name == "amp") {
      out.push_back('&');
    } else if (name == "quot") {
      out.push_back('"');
    } else if (name == "apos") {
      out.push_back('\'');
    } else if (name.size() >= 2 && name[0] == '#') {
      const bool hex = name[1] == 'x';
      std::string_view digits = name.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty() && digits.size() <= 8;
      for (char d : digits) {
        if (!ok) break;
        int v = -1;
        if (d >= '0' && d <= '9') {
          v = d - '0';
        } else if (hex && d >= 'a' && d <= 'f') {
          v = d - 'a' + 10;
        } else if (hex && d >= 'A' && d <= 'F') {
          v = d - 'A' + 10;
        }
        ok = v >= 0;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v < 0 ? 0 : v);
      }
      if (!ok || !IsXmlChar(cp)) return ParseErrorAt(at, "invalid character reference");
      AppendUtf8(out, cp);
    } else {
      return ParseErrorAt(at,
                          "undefined entity reference (only &lt; &gt; &amp; &quot; &apos; "
                          "and character references are allowed)");
    }
    pos = semi + 1;
  }
  return {};
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return IsXmlSpace(c); });
}

// Where a node starts in the input: pugixml reports an element at its name and a DOCTYPE at its
// contents, so step back to the '<'.
size_t NodeOffset(const pugi::xml_node& node, std::string_view input) {
  ptrdiff_t o = node.offset_debug();
  if (o < 0) return 0;
  size_t at = std::min(static_cast<size_t>(o), input.size());
  if (node.type() == pugi::node_element || node.type() == pugi::node_doctype) {
    size_t lt = input.rfind('<', at);
    if (lt != std::string_view::npos) at = lt;
  }
  return at;
}

struct Collected {
  std::vector<Fields::Entry> entries;
  std::vector<size_t> offsets;  // of each entry's element, for duplicate reports
};

class Flattener {
 public:
  Flattener(std::string_view input, size_t max_depth) : input_(input), max_depth_(max_depth) {}

  // Adds the fields under `element` (the root when `path` is empty).
  Status Walk(const pugi::xml_node& element, const std::string& path, size_t depth) {
    if (depth > max_depth_) {
      return ParseErrorAt(Offset(element),
                          "elements nested deeper than " + std::to_string(max_depth_) + " levels");
    }
    // The root holds only elements, and a nested element (Walk is only called for those with
    // child elements) cannot also hold text. Whitespace between elements is dropped by pugixml.
    for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
      if ((c.type() == pugi::node_pcdata && !IsBlank(c.value())) || c.type() == pugi::node_cdata) {
        return ParseErrorAt(Offset(c), (path.empty() ? "text directly inside the root element "
                                                     : "text mixed with child elements in ") +
                                           QuoteName(element.name()));
      }
    }
    // Names repeated among the children of a nested element get an index; under the root a
    // repeated name is a duplicate field, reported below.
    std::map<std::string_view, std::pair<size_t, size_t>> counts;  // name -> (total, next index)
    if (!path.empty()) {
      for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element) ++counts[c.name()].first;
      }
    }
    for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string key = path;
      if (!key.empty()) key.push_back('.');
      key.append(c.name());
      if (!path.empty()) {
        auto& count = counts[c.name()];
        if (count.first > 1) key.append("[" + std::to_string(count.second++) + "]");
      }
      if (c.find_child([](const pugi::xml_node& n) { return n.type() == pugi::node_element; })) {
        if (Status s = Walk(c, key, depth + 1); !s) return s;
        continue;
      }
      std::string value;
      for (pugi::xml_node t = c.first_child(); t; t = t.next_sibling()) {
        if (t.type() == pugi::node_cdata) {
          value.append(t.value());
        } else if (t.type() == pugi::node_pcdata) {
          if (Status s = AppendUnescaped(value, t.value(), Offset(t)); !s) return s;
        }
      }
      out_.entries.emplace_back(std::move(key), std::move(value));
      out_.offsets.push_back(Offset(c));
    }
    return {};
  }

  Collected& out() { return out_; }

 private:
  size_t Offset(const pugi::xml_node& node) const { return NodeOffset(node, input_); }

  std::string_view input_;
  size_t max_depth_;
  Collected out_;
};

Result<Fields> DecodeXmlImpl(std::string_view xml, const XmlOptions& options) {
  if (xml.size() > options.max_bytes) {
    return ParseError("XML body of " + std::to_string(xml.size()) + " bytes exceeds the limit of " +
                      std::to_string(options.max_bytes) + " bytes");
  }
  if (Status s = ValidateText(xml); !s) return std::move(s).error();

  // parse_doctype so that a DOCTYPE becomes a node we can refuse (pugixml would otherwise skip
  // it silently); parse_fragment so that text after the root is kept and can be refused.
  constexpr unsigned kOptions = pugi::parse_cdata | pugi::parse_eol | pugi::parse_ws_pcdata_single |
                                pugi::parse_doctype | pugi::parse_fragment;
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), kOptions, pugi::encoding_utf8);
  for (pugi::xml_node c = doc.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_doctype) {
      return ParseErrorAt(NodeOffset(c, xml),
                          "DOCTYPE is not allowed (no DTDs or entity declarations)");
    }
  }
  if (parsed.status == pugi::status_bad_doctype) {
    return ParseErrorAt(static_cast<size_t>(parsed.offset),
                        "DOCTYPE is not allowed (no DTDs or entity declarations)");
  }
  if (!parsed) {
    std::string what = parsed.description();
    if (!what.empty()) {
      what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    }
    return ParseErrorAt(static_cast<size_t>(parsed.offset), what);
  }

  pugi::xml_node root;
  for (pugi::xml_node c = doc.first_child(); c; c = c.next_sibling()) {
    switch (c.type()) {
      case pugi::node_element:
        if (root) return ParseErrorAt(NodeOffset(c, xml), "more than one root element");
        root = c;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (c.type() == pugi::node_cdata || !IsBlank(c.value())) {
          return ParseErrorAt(NodeOffset(c, xml), "text outside the root element");
        }
        break;
      default:
        break;  // comments and processing instructions are not even parsed
    }
  }
  if (!root) return ParseError("malformed XML: no root element");

  Flattener flattener(xml, options.max_depth);
  if (Status s = flattener.Walk(root, std::string(), 0); !s) return std::move(s).error();
  Collected& got = flattener.out();

  // Unique keys: sort indices by key and compare neighbours.
  std::vector<size_t> order(got.entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string& ka = got.entries[a].first;
    const std::string& kb = got.entries[b].first;
    return ka != kb ? ka < kb : a < b;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    if (got.entries[order[i]].first == got.entries[order[i - 1]].first) {
      return ParseErrorAt(got.offsets[order[i]],
                          "duplicate field " + QuoteName(got.entries[order[i]].first));
    }
  }

  Fields fields;
  internal::FieldsAccess::entries(fields) = std::move(got.entries);
  return fields;
}

}  // namespace

std::string EncodeXml(const Fields& fields, std::string_view root) {
  size_t size = 2 * root.size() + 5;
  for (const auto& [k, v] : fields) size += 2 * k.size() + v.size() + 5;
  std::string out;
  out.reserve(size + size / 8);
  out.push_back('<');
  out.append(root).push_back('>');
  for (const auto& [k, v] : fields) {
    out.push_back('<');
    out.append(k).push_back('>');
    AppendValue(out, v);
    out.append("</").append(k).push_back('>');
  }
  out.append("</").append(root).push_back('>');
  return out;
}

Result<Fields> DecodeXml(std::string_view xml, const XmlOptions& options) {
  try {
    return DecodeXmlImpl(xml, options);
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kInternal, "out of memory while parsing XML");
  }
}

std::string NotificationReply(bool success, std::string_view message) {
  std::string out = "<xml><return_code><![CDATA[";
  out.append(success ? "SUCCESS" : "FAIL");
  out.append("]]></return_code><return_msg>");
  AppendCdata(out, message);
  out.append("</return_msg></xml>");
  return out;
}

}  // namespace wechatpay::apiv2
