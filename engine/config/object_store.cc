#include "engine/config/object_store.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace flowbridge::config {

namespace {

// Kubernetes limits a Secret or ConfigMap to 1 MiB in total.
constexpr std::uintmax_t max_value_bytes = 1024 * 1024;

bool is_safe_name(std::string_view name) {
    return !name.empty() && name.front() != '.' && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

std::string where_of(const object_meta& m) {
    if (m.where.known()) return m.where.file + ":" + std::to_string(m.where.line);
    return m.where.file;
}

}  // namespace

object_store::object_store(const configuration& cfg, std::string secrets_dir,
                           std::string configmaps_dir, diagnostics& diags)
    : cfg_(cfg),
      secrets_dir_(std::move(secrets_dir)),
      configmaps_dir_(std::move(configmaps_dir)),
      diags_(diags) {}

object_store::found object_store::secret(std::string_view ns, std::string_view name) {
    for (const auto& s : cfg_.secrets)
        if (s.meta.namespace_name == ns && s.meta.name == name)
            return {&s.data, "Secret " + s.meta.namespace_name + "/" + s.meta.name + " (" +
                                 where_of(s.meta) + ")"};
    if (!secrets_dir_.empty())
        if (auto* kv = from_directory(secrets_dir_, name, dir_secrets_))
            return {kv, (std::filesystem::path(secrets_dir_) / std::string(name)).string()};
    return {};
}

object_store::found object_store::config_map(std::string_view ns, std::string_view name) {
    for (const auto& c : cfg_.config_maps)
        if (c.meta.namespace_name == ns && c.meta.name == name)
            return {&c.data, "ConfigMap " + c.meta.namespace_name + "/" + c.meta.name + " (" +
                                 where_of(c.meta) + ")"};
    if (!configmaps_dir_.empty())
        if (auto* kv = from_directory(configmaps_dir_, name, dir_config_maps_))
            return {kv, (std::filesystem::path(configmaps_dir_) / std::string(name)).string()};
    return {};
}

std::string object_store::secrets_dir_hint() const {
    return secrets_dir_.empty() ? std::string() : " (nor in --secrets-dir " + secrets_dir_ + ")";
}

std::string object_store::configmaps_dir_hint() const {
    return configmaps_dir_.empty() ? std::string()
                                   : " (nor in --configmaps-dir " + configmaps_dir_ + ")";
}

const object_store::key_values* object_store::from_directory(
    const std::string& dir, std::string_view name,
    std::map<std::string, std::optional<key_values>, std::less<>>& cache) {
    if (!is_safe_name(name)) return nullptr;
    if (auto it = cache.find(name); it != cache.end()) return it->second ? &*it->second : nullptr;
    auto& slot = cache[std::string(name)];
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path root = fs::path(dir) / std::string(name);
    if (!fs::is_directory(root, ec)) return nullptr;
    key_values kv;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        auto key = it->path().filename().string();
        // Kubernetes' atomic-writer layout: `..data` and `..<timestamp>` are bookkeeping.
        if (key.starts_with(".")) continue;
        std::error_code fec;
        if (!fs::is_regular_file(it->path(), fec)) continue;  // follows the key symlinks
        auto size = fs::file_size(it->path(), fec);
        if (fec || size > max_value_bytes) {
            diags_.error({it->path().string(), 0, 0}, "",
                         fec ? "cannot read: " + fec.message() : "larger than 1 MiB");
            continue;
        }
        std::ifstream in(it->path(), std::ios::binary);
        if (!in) {
            diags_.error({it->path().string(), 0, 0}, "", "cannot read");
            continue;
        }
        kv[key] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (ec) {
        diags_.error({root.string(), 0, 0}, "", "cannot list directory: " + ec.message());
        return nullptr;
    }
    slot = std::move(kv);
    return &*slot;
}

}  // namespace flowbridge::config
