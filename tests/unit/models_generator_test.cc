// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// The committed typed models (include/wechatpay/models/*/*.h, src/api/models/*/*.cc and
// tests/unit/models_roundtrip_*_test.cc) are exactly what tools/gen_models.py makes from
// data/catalog.json: the generator is deterministic and nobody edited its output by hand. And the
// generator's own rules (received types can represent "absent", no type aliased across
// endpoints, `enum_names`/`enum_type`) hold on its built-in test catalog.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

bool HavePython() { return std::system("python3 -c pass >/dev/null 2>&1") == 0; }

TEST(ModelsGeneratorTest, CommittedModelsAreUpToDate) {
  if (!HavePython()) GTEST_SKIP() << "python3 is not available";
  const std::string cmd =
      std::string("python3 \"") + WECHATPAY_SOURCE_DIR + "/tools/gen_models.py\" --check";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(ModelsGeneratorTest, SelfTest) {
  if (!HavePython()) GTEST_SKIP() << "python3 is not available";
  const std::string cmd =
      std::string("python3 \"") + WECHATPAY_SOURCE_DIR + "/tools/gen_models.py\" --self-test";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
