// Fuzzes URL parsing and building: decode, query parsing, template binding. Invariants: decoding
// an encoding gives the input back and an encoding holds only unreserved bytes and %XX; a parsed
// query, encoded, parses to the same pairs; a bound placeholder is the encoded value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "wechatpay/url.h"

namespace {

using wechatpay::fuzz::Fail;

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void CheckEncoding(std::string_view in) {
  std::string enc = wechatpay::url::PercentEncode(in);
  for (size_t i = 0; i < enc.size(); ++i) {
    if (Unreserved(enc[i])) continue;
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
    if (enc[i] != '%' || i + 2 >= enc.size() || !hex(enc[i + 1]) || !hex(enc[i + 2])) {
      Fail("PercentEncode wrote a reserved byte", enc);
    }
    i += 2;
  }
  for (bool plus : {false, true}) {
    auto dec = wechatpay::url::PercentDecode(enc, plus);
    if (!dec || *dec != in) Fail("PercentDecode(PercentEncode(x)) != x");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckEncoding(in);
  (void)wechatpay::url::PercentDecode(in, true);
  if (auto q = wechatpay::url::ParseQuery(in)) {
    std::string text = wechatpay::url::EncodeQuery(*q);
    auto again = wechatpay::url::ParseQuery(text);
    if (!again) Fail("an encoded query does not parse", again.error().message);
    if (*again != *q) Fail("an encoded query parses to other pairs", text);
  }
  (void)wechatpay::url::BindPath(in, {{"x", "1"}, {"sub_mchid", std::string(in)}});
  if (!in.empty()) {
    auto bound = wechatpay::url::BindPath("v3/x/{id}/y", {{"id", std::string(in)}});
    if (!bound || *bound != "v3/x/" + wechatpay::url::PercentEncode(in) + "/y") {
      Fail("BindPath does not write the encoded value");
    }
  }
  return 0;
}
