#include "engine/config/load.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "engine/config/decode.h"
#include "engine/config/object_store.h"
#include "engine/config/validate.h"

namespace flowbridge::config {

namespace {

constexpr std::uintmax_t max_file_bytes = 16 * 1024 * 1024;

bool has_manifest_extension(const std::filesystem::path& p) {
    auto ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void read_file(const std::filesystem::path& p, std::vector<source_text>& out,
               diagnostics& findings) {
    std::error_code ec;
    auto size = std::filesystem::file_size(p, ec);
    if (ec) {
        findings.error({p.string(), 0, 0}, "", "cannot read: " + ec.message());
        return;
    }
    if (size > max_file_bytes) {
        findings.error({p.string(), 0, 0}, "", "larger than 16 MiB; not a manifest");
        return;
    }
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        findings.error({p.string(), 0, 0}, "", "cannot open for reading");
        return;
    }
    out.push_back({p.string(), std::string(std::istreambuf_iterator<char>(in),
                                           std::istreambuf_iterator<char>())});
}

}  // namespace

std::vector<source_text> read_sources(const std::vector<std::string>& paths,
                                      diagnostics& findings) {
    namespace fs = std::filesystem;
    std::vector<source_text> out;
    for (const auto& path : paths) {
        std::error_code ec;
        fs::path p(path);
        auto st = fs::status(p, ec);
        if (ec || !fs::exists(st)) {
            findings.error({path, 0, 0}, "", "no such file or directory");
            continue;
        }
        if (!fs::is_directory(st)) {
            read_file(p, out, findings);
            continue;
        }
        std::vector<fs::path> files;
        for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
            auto name = it->path().filename().string();
            std::error_code fec;
            if (name.starts_with(".") || !has_manifest_extension(it->path()) ||
                !fs::is_regular_file(it->path(), fec))
                continue;
            files.push_back(it->path());
        }
        if (ec) {
            findings.error({path, 0, 0}, "", "cannot list directory: " + ec.message());
            continue;
        }
        // SPEC §2: directories are read in lexical order.
        std::sort(files.begin(), files.end(),
                  [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
        if (files.empty())
            findings.warning({path, 0, 0}, "", "directory holds no *.yaml, *.yml or *.json file");
        for (const auto& f : files) read_file(f, out, findings);
    }
    return out;
}

load_result load_configuration(const std::vector<source_text>& sources,
                               const std::string& secrets_dir, const std::string& configmaps_dir) {
    load_result result;
    for (const auto& s : sources) {
        result.config.files.push_back(s.name);
        detail::decode_source(s.name, s.text, result.config, result.findings);
    }
    object_store store(result.config, secrets_dir, configmaps_dir, result.findings);
    validate_configuration(result.config, store, result.findings);
    result.findings.sort(result.config.files);
    return result;
}

load_result load_configuration(const load_options& options) {
    diagnostics read_findings;
    auto sources = read_sources(options.paths, read_findings);
    auto result = load_configuration(sources, options.secrets_dir, options.configmaps_dir);
    for (const auto& d : read_findings.all()) result.findings.add(d);
    std::vector<std::string> order = options.paths;
    order.insert(order.end(), result.config.files.begin(), result.config.files.end());
    result.findings.sort(order);
    return result;
}

}  // namespace flowbridge::config
