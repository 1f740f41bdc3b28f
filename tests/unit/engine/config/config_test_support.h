#pragma once

// Helpers shared by the engine/config tests: load YAML text, find findings, read test data.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/config/load.h"

namespace flowbridge::config::testing {

inline std::string test_data_dir() { return FLOWBRIDGE_TEST_DATA_DIR; }
inline std::string config_data(const std::string& rel) {
    return test_data_dir() + "/config/" + rel;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline load_result load_text(const std::string& yaml, const std::string& secrets_dir = {},
                             const std::string& configmaps_dir = {}) {
    return load_configuration({{"test.yaml", yaml}}, secrets_dir, configmaps_dir);
}

/// Every finding, formatted, one per line (for failure messages).
inline std::string all_findings(const load_result& r) {
    std::string out;
    for (const auto& d : r.findings.all()) out += format(d) + "\n";
    return out;
}

inline const diagnostic* find_finding(const load_result& r, severity level, const std::string& path,
                                      int line = 0) {
    for (const auto& d : r.findings.all())
        if (d.level == level && d.path == path && (line == 0 || d.where.line == line)) return &d;
    return nullptr;
}

inline const diagnostic* find_error(const load_result& r, const std::string& path, int line = 0) {
    return find_finding(r, severity::error, path, line);
}

inline const diagnostic* find_warning(const load_result& r, const std::string& path, int line = 0) {
    return find_finding(r, severity::warning, path, line);
}

/// A scratch directory removed when the test ends.
class temp_dir {
  public:
    temp_dir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "flowbridge-cfg-XXXXXX").string();
        path_ = mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }
    std::string write(const std::string& rel, const std::string& text) const {
        auto p = std::filesystem::path(path_) / rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

  private:
    std::string path_;
};

/// A Kafka endpoint manifest with the given kafkaSettings body (indented by 4).
inline std::string kafka_endpoint(const std::string& settings, const std::string& name = "kafka") {
    return "apiVersion: connectivity.iotoperations.azure.com/v1beta1\n"
           "kind: DataflowEndpoint\n"
           "metadata:\n"
           "  name: " +
           name +
           "\n"
           "spec:\n"
           "  endpointType: Kafka\n"
           "  kafkaSettings:\n" +
           settings;
}

}  // namespace flowbridge::config::testing
