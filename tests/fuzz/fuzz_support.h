// Helpers shared by the fuzz targets (header-only: the targets link no test support library).
// The test keys and vectors come from tests/data (WECHATPAY_TEST_DATA_DIR, set by
// tests/CMakeLists.txt); a missing file aborts, since a harness without its keys tests nothing.
#ifndef WECHATPAY_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define WECHATPAY_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "wechatpay/crypto.h"

namespace wechatpay::fuzz {

inline std::string ReadTestData(const std::string& name) {
  std::string path = std::string(WECHATPAY_TEST_DATA_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz harness: cannot read %s\n", path.c_str());
    std::abort();
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline const nlohmann::json& Vectors() {
  static const nlohmann::json* v =
      new nlohmann::json(nlohmann::json::parse(ReadTestData("vectors.json")));
  return *v;
}

inline PrivateKey TestPrivateKey(const std::string& name) {
  auto k = PrivateKey::FromPem(ReadTestData(name));
  if (!k) std::abort();
  return *k;
}

inline Certificate TestCertificate(const std::string& name) {
  auto c = Certificate::FromPem(ReadTestData(name));
  if (!c) std::abort();
  return *c;
}

// A harness invariant failed: say which, then abort (libFuzzer saves the input as crash-*).
[[noreturn]] inline void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s%s%.*s\n", what, detail.empty() ? "" : ": ",
               static_cast<int>(detail.size() > 2000 ? 2000 : detail.size()), detail.data());
  std::abort();
}

// For LLVMFuzzerInitialize of a stateful target (one that keeps what inputs create, such as the
// sandbox): every input then looks like a leak to libFuzzer, which runs LeakSanitizer after each
// one (a full heap scan, ten times the input's own cost). Inserts -detect_leaks=0 right after the
// program name, so that a -detect_leaks given on the command line still wins.
inline void LeakCheckOffByDefault(int* argc, char*** argv) {
  static std::vector<char*> args;
  static char no_leaks[] = "-detect_leaks=0";
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + (args.empty() ? 0 : 1), no_leaks);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size() - 1);
  *argv = args.data();
}

}  // namespace wechatpay::fuzz

#endif  // WECHATPAY_TESTS_FUZZ_FUZZ_SUPPORT_H_
