// Replays tests/data/config/{valid,invalid}/ through the library entry point. Every valid
// manifest (the seed page's examples completed, and more) must load without errors; every
// invalid one must be rejected with an error at the field path its `# expect-error:` header
// names, on the line marked `# <-- error`, in that file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/unit/engine/config/config_test_support.h"

namespace flowbridge::config {
namespace {

using namespace testing;

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        auto ext = e.path().extension();
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string stem = std::filesystem::path(info.param).stem().string();
    for (auto& c : stem)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return stem;
}

class valid_manifest : public ::testing::TestWithParam<std::string> {};

TEST_P(valid_manifest, loads_and_validates_without_errors) {
    auto r = load_configuration(load_options{{GetParam()}, {}, {}});
    EXPECT_TRUE(r.valid()) << all_findings(r);
    EXPECT_FALSE(r.config.endpoints.empty() && r.config.dataflows.empty() &&
                 r.config.profiles.empty());
}

INSTANTIATE_TEST_SUITE_P(config, valid_manifest,
                         ::testing::ValuesIn(files_in(config_data("valid"))), test_name);

struct expectation {
    std::string path;
    int line = 0;
};

expectation expectation_of(const std::string& file) {
    expectation e;
    auto text = read_text(file);
    int n = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto end = text.find('\n', pos);
        auto line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        ++n;
        if (line.starts_with("# expect-error:")) {
            e.path = line.substr(15);
            while (!e.path.empty() && e.path.front() == ' ') e.path.erase(0, 1);
        }
        if (line.find("# <-- error") != std::string::npos && e.line == 0) e.line = n;
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return e;
}

class invalid_manifest : public ::testing::TestWithParam<std::string> {};

TEST_P(invalid_manifest, is_rejected_at_the_marked_line_and_field_path) {
    const auto& file = GetParam();
    auto want = expectation_of(file);
    ASSERT_GT(want.line, 0) << file << " has no '# <-- error' marker";
    auto r = load_configuration(load_options{{file}, {}, {}});
    EXPECT_FALSE(r.valid());
    const diagnostic* hit = nullptr;
    for (const auto& d : r.findings.all())
        if (d.level == severity::error && d.where.file == file && d.where.line == want.line &&
            d.path == want.path)
            hit = &d;
    EXPECT_NE(hit, nullptr) << "expected an error at " << file << ":" << want.line << " for '"
                            << want.path << "', got:\n"
                            << all_findings(r);
}

INSTANTIATE_TEST_SUITE_P(config, invalid_manifest,
                         ::testing::ValuesIn(files_in(config_data("invalid"))), test_name);

TEST(config_corpus, has_at_least_40_invalid_manifests) {
    EXPECT_GE(files_in(config_data("invalid")).size(), 40u);
}

}  // namespace
}  // namespace flowbridge::config
