#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/config/diagnostic.h"
#include "engine/config/model.h"

namespace flowbridge::config {

/// The Secrets and ConfigMaps the validator may resolve references against (SPEC §2):
/// `kind: Secret` / `kind: ConfigMap` manifests in the referencing resource's namespace first,
/// then the mounted directories `--secrets-dir DIR/<name>/<key>` and `--configmaps-dir`
/// (namespace-less: they are what is mounted into this process's pod). Manifests win, whole
/// objects at a time (no merging of keys across sources). Directories are read lazily, only for
/// referenced names, and cached. Owned by one load call; not thread-safe.
class object_store {
  public:
    object_store(const configuration& cfg, std::string secrets_dir, std::string configmaps_dir,
                 diagnostics& diags);

    struct found {
        const std::map<std::string, std::string>* data = nullptr;  ///< null: not found
        std::string origin;  ///< "Secret ns/name (file:line)" or "DIR/name", for messages
    };

    found secret(std::string_view ns, std::string_view name);
    found config_map(std::string_view ns, std::string_view name);

    /// " (nor in --secrets-dir DIR)" or "" — appended to not-found messages.
    std::string secrets_dir_hint() const;
    std::string configmaps_dir_hint() const;

  private:
    using key_values = std::map<std::string, std::string>;
    const key_values* from_directory(
        const std::string& dir, std::string_view name,
        std::map<std::string, std::optional<key_values>, std::less<>>& cache);

    const configuration& cfg_;
    std::string secrets_dir_;
    std::string configmaps_dir_;
    diagnostics& diags_;
    std::map<std::string, std::optional<key_values>, std::less<>> dir_secrets_;
    std::map<std::string, std::optional<key_values>, std::less<>> dir_config_maps_;
};

}  // namespace flowbridge::config
