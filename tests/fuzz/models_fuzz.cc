// Fuzzes the typed-model decoders: JSON bodies into generated structs (nested objects, string
// enums, JSON carried in a string, unknown members kept in `extra`) and APIv2 XML answers rebuilt
// into structs. Whatever decodes must encode again, and the encoding must be a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wechatpay/models/miniprogram/user_order.h"
#include "wechatpay/models/v2/pay.h"
#include "wechatpay/models/v2/payitil.h"
#include "wechatpay/models/v3/pay.h"

namespace {

namespace models = wechatpay::models;

// Decode, encode, decode again: the second encoding must equal the first.
template <class T>
void RoundTrip(std::string_view text, models::Encoding encoding) {
  auto first = models::FromJsonString<T>(text, encoding);
  if (!first) return;
  std::string encoded = models::ToJsonString(*first, encoding);
  auto second = models::FromJsonString<T>(encoded, encoding);
  if (!second) std::abort();  // what we wrote must read back
  if (models::ToJsonString(*second, encoding) != encoded) std::abort();
}

// An APIv2 answer: flattened XML element names rebuilt into the struct.
template <class D>
void ParseXml(std::string_view text) {
  wechatpay::Response response;
  response.status = 200;
  response.headers.Set("Content-Type", "text/xml");
  response.body = std::string(text);
  typename D::Response out;
  (void)D::Parse(response, &out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char selector = static_cast<char>(data[0]);
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (selector % 5) {
    case 0:
      RoundTrip<models::v3::pay::GetTransactionsOutTradeNoResponse>(in, models::Encoding::kJson);
      break;
    case 1:
      RoundTrip<models::v2::payitil::PostReportRequest>(in, models::Encoding::kText);
      break;
    case 2:
      RoundTrip<models::miniprogram::user_order::PostCombineOrdersRequest>(in,
                                                                           models::Encoding::kJson);
      break;
    case 3:
      ParseXml<models::v2::pay::PostMicropay>(in);
      break;
    default:
      ParseXml<models::v2::payitil::PostReport>(in);
      break;
  }
  return 0;
}
