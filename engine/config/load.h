#pragma once

// The entry point of engine/config: read manifests, decode them into the resource model,
// resolve Secrets and ConfigMaps, validate everything, and return the configuration together
// with every finding. Nothing here prints or throws for user errors (STYLE.md, Errors).

#include <string>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/model.h"

namespace flowbridge::config {

/// One input text and the name its diagnostics carry (a file path, or `<stdin>`).
struct source_text {
    std::string name;
    std::string text;
};

struct load_options {
    std::vector<std::string> paths;  ///< files and directories (`-f`)
    std::string secrets_dir;         ///< `--secrets-dir`, empty for none
    std::string configmaps_dir;      ///< `--configmaps-dir`, empty for none
};

/// The outcome of one load: the configuration (complete as far as it could be understood) and
/// all findings of all files. `valid()` is what `flowbridge validate` exits on.
struct load_result {
    configuration config;
    diagnostics findings;

    bool valid() const { return !findings.has_errors(); }
};

/// Expands `paths`: a file is read as is; a directory contributes its `*.yaml`, `*.yml` and
/// `*.json` files (not recursive, dot-files skipped) in lexical order. Unreadable or missing
/// paths become errors in `findings`.
std::vector<source_text> read_sources(const std::vector<std::string>& paths, diagnostics& findings);

/// Reads, decodes and validates (SPEC §2).
load_result load_configuration(const load_options& options);

/// Decodes and validates already-read texts (used by the fuzzer and by tests).
load_result load_configuration(const std::vector<source_text>& sources,
                               const std::string& secrets_dir = {},
                               const std::string& configmaps_dir = {});

}  // namespace flowbridge::config
