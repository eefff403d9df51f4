// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The embedded endpoint catalog blob, defined in the generated catalog_data.cc. Kept free of
// heavy includes so that the generated file compiles in a fraction of a second.
#ifndef WECHATPAY_SRC_API_CATALOG_CATALOG_DATA_H_
#define WECHATPAY_SRC_API_CATALOG_CATALOG_DATA_H_

#include <cstddef>
#include <string_view>

namespace wechatpay::internal {

// Chunks of blob text, in order; each ends with a line break (see docs/adr/0002-catalog-data.md).
std::size_t CatalogDataChunkCount();
std::string_view CatalogDataChunk(std::size_t i);

}  // namespace wechatpay::internal

#endif  // WECHATPAY_SRC_API_CATALOG_CATALOG_DATA_H_
