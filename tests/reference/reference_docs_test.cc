// Copyright (c) wechatpay-cpp authors. Licensed under the MIT License.
//
// docs/reference is exactly what tools/gen_reference.py makes from the catalog, every relative
// link and anchor under docs/ resolves, and `wxpay describe` prints what the page shows: the
// title, every table row (field, type, required, label, notes) and every example, verbatim.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kSource = WECHATPAY_SOURCE_DIR;
const std::string kWxpay = std::string(WECHATPAY_BINARY_DIR) + "/apps/wxpay/wxpay";

std::string Quote(const std::string& s) { return "'" + s + "'"; }

struct Output {
  int exit_code = -1;
  std::string out;
};

Output Shell(const std::string& cmd) {
  Output o;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Cells of a Markdown table row ("| a | b \| c |" -> {"a", "b | c"}), unescaped.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
    } else if (c == '|') {
      cells.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  for (std::string& s : cells) {
    for (size_t p; (p = s.find("&lt;")) != std::string::npos;) s.replace(p, 4, "<");
    for (size_t p; (p = s.find("&emsp;")) != std::string::npos;) s.erase(p, 6);
    s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
    s = Collapse(s);
  }
  return cells;
}

struct Page {
  std::string id;
  std::string title;
  std::vector<std::string> rows;  // collapsed "field type required label notes"
  std::vector<std::string> examples;
};

Page ParsePage(const std::string& path) {
  Page page;
  std::istringstream in(ReadFile(path));
  std::string line;
  bool in_tables = false;
  std::string code;
  bool in_code = false;
  while (std::getline(in, line)) {
    if (in_code) {
      if (line == "```") {
        page.examples.push_back(code);
        in_code = false;
      } else {
        code += (code.empty() ? "" : "\n") + line;
      }
      continue;
    }
    if (line == "```cpp") {
      in_code = true;
      code.clear();
      continue;
    }
    if (page.title.empty() && line.rfind("# ", 0) == 0) page.title = line.substr(2);
    if (page.id.empty() && line.rfind("`", 0) == 0) page.id = line.substr(1, line.find('`', 1) - 1);
    if (line == "## Request" || line == "## Response") in_tables = true;
    if (line == "## Errors" || line == "## Examples") in_tables = false;
    if (in_tables && line.rfind("| ", 0) == 0 && line.rfind("| field |", 0) != 0 &&
        line.rfind("| ---", 0) != 0) {
      auto c = Cells(line);
      if (c.size() == 5) {
        page.rows.push_back(Collapse(c[0] + " " + c[1] + " " + c[2] + " " + c[3] + " " + c[4]));
      }
    }
  }
  return page;
}

bool HavePython() { return std::system(PYTHON3_EXECUTABLE " -c pass >/dev/null 2>&1") == 0; }

TEST(ReferenceDocsTest, PagesAreWhatTheGeneratorMakes) {
  if (!HavePython()) GTEST_SKIP() << "python3 is not available";
  auto r = Shell(std::string(PYTHON3_EXECUTABLE) + " " +
                 Quote(kSource + "/tools/gen_reference.py") + " --check 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(ReferenceDocsTest, LinksAndAnchorsResolve) {
  if (!HavePython()) GTEST_SKIP() << "python3 is not available";
  auto r = Shell(std::string(PYTHON3_EXECUTABLE) + " " +
                 Quote(kSource + "/tools/gen_reference.py") + " --check-links 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// A deterministic sample of pages: every 40th in path order, plus pages with the shapes that
// matter (nested objects, JSON in strings, encryption, APIv2, mini-program, the callback, a
// multipart upload, a browser page, alternatives).
std::vector<std::string> SamplePages() {
  std::vector<std::string> all;
  for (const auto& e : fs::recursive_directory_iterator(kSource + "/docs/reference")) {
    std::string p = e.path().string();
    if (e.path().extension() == ".md" && e.path().filename() != "README.md" &&
        e.path().filename() != "tags.md") {
      all.push_back(p);
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); i += 40) out.push_back(all[i]);
  for (const char* p : {"v3/merchant_risk_manage/PostReportTradeUnionInformation.md",
                        "v3/merchant_risk_manage/GetTradeRiskInformation.md",
                        "v3/transaction_block/PostTransactionBlockSubmissionsSubMchid.md",
                        "v2/payitil/PostReport.md", "miniprogram/user_order/PostCombineOrders.md",
                        "v3/webhooks/PostWebhooks.md", "v3/merchant/PostMediaUpload.md",
                        "v3/pay/PostTransactionsNative.md"}) {
    std::string path = kSource + "/docs/reference/" + p;
    if (fs::exists(path)) out.push_back(path);
  }
  return out;
}

TEST(ReferenceDocsTest, DescribeShowsWhatThePageShows) {
  ASSERT_TRUE(fs::exists(kWxpay)) << kWxpay;
  auto pages = SamplePages();
  ASSERT_GE(pages.size(), 30u);
  for (const std::string& path : pages) {
    SCOPED_TRACE(path);
    Page page = ParsePage(path);
    ASSERT_FALSE(page.id.empty());
    auto r = Shell(Quote(kWxpay) + " describe " + Quote(page.id) + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr(page.title));
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) lines.push_back(Collapse(l));
    for (const std::string& row : page.rows) {
      EXPECT_NE(std::find(lines.begin(), lines.end(), row), lines.end())
          << "describe has no row\n  " << row;
    }
    for (const std::string& code : page.examples) {
      EXPECT_THAT(r.out, HasSubstr(code));
    }
  }
}

TEST(ReferenceDocsTest, DescribeNamesTheTypedCallAndThePage) {
  ASSERT_TRUE(fs::exists(kWxpay)) << kWxpay;
  auto r =
      Shell(Quote(kWxpay) + " describe GET v3/merchant-risk-manage/trade-risk-information 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("查询风险信息"));
  EXPECT_THAT(r.out, HasSubstr("models::v3::merchant_risk_manage::GetTradeRiskInformation::Call("
                               "client, req)"));
  EXPECT_THAT(r.out, HasSubstr("#include <wechatpay/models/v3/merchant_risk_manage.h>"));
  EXPECT_THAT(r.out, HasSubstr("商户订单号"));  // the label of out_trade_no
  EXPECT_THAT(r.out, HasSubstr("Page: docs/reference/v3/merchant_risk_manage/"
                               "GetTradeRiskInformation.md"));
  EXPECT_THAT(r.out, HasSubstr("Errors"));
}

}  // namespace
