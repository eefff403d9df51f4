// Fuzzes URL parsing and building: decode, query parsing, template binding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wechatpay/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)wechatpay::url::PercentDecode(in, true);
  if (auto q = wechatpay::url::ParseQuery(in)) {
    (void)wechatpay::url::EncodeQuery(*q);
  }
  (void)wechatpay::url::ChainSegment(in);
  (void)wechatpay::url::BindPath(in, {{"x", "1"}, {"sub_mchid", std::string(in)}});
  return 0;
}
