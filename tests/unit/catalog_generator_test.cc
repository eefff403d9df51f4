// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The committed src/api/catalog/catalog_data.cc is exactly what tools/gen_catalog.py makes from
// data/catalog.json (the generator is deterministic and nobody edited its output by hand).

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

bool HavePython() { return std::system("python3 -c pass >/dev/null 2>&1") == 0; }

TEST(CatalogGeneratorTest, CommittedDataIsUpToDate) {
  if (!HavePython()) GTEST_SKIP() << "python3 is not available";
  const std::string cmd =
      std::string("python3 \"") + WECHATPAY_SOURCE_DIR + "/tools/gen_catalog.py\" --check";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
