#pragma once

// Loading a configuration for the runtime, the three ways an embedding application has one
// (docs/embedding.md): manifest files and directories (what `flowbridge run -f` reads), YAML or
// JSON text held in memory, or a `config::configuration` built in code. Each returns the
// configuration together with every finding (`FILE:LINE:COL: field.path: message`, no secret
// values); a `runtime` may be built only from a result whose `valid()` is true.
//
// Control plane: call from any thread, one call at a time per result. Nothing here prints, keeps
// state, or throws for a user error (STYLE.md, Errors); std::bad_alloc may escape.

#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/load.h"
#include "engine/config/model.h"

namespace flowbridge::runtime {

/// Mounted Secrets and ConfigMaps (`--secrets-dir`, `--configmaps-dir`), laid out as
/// `DIR/<name>/<key>`; empty for none. Consulted after `kind: Secret` / `kind: ConfigMap`
/// resources of the configuration itself (SPEC §2). A directory given but missing is an error
/// finding.
struct mounts {
    std::string secrets_dir;
    std::string configmaps_dir;
};

/// Files and directories, like `flowbridge run -f PATH...`: a directory contributes its
/// `*.yaml`, `*.yml` and `*.json` files (not recursive, dot-files skipped) in lexical order.
/// Unreadable or missing paths are error findings with the path as FILE.
config::load_result load_files(const std::vector<std::string>& paths, const mounts& dirs = {});

/// One in-memory text (multi-document YAML or JSON). `name` is the FILE of its findings.
config::load_result load_yaml(std::string_view text, std::string_view name = "<yaml>",
                              const mounts& dirs = {});

/// Several in-memory texts, in order (a later duplicate of a resource is the error).
config::load_result load_yaml(const std::vector<config::source_text>& texts,
                              const mounts& dirs = {});

/// A configuration built in code. Completes what the YAML decoder derives from the text — the
/// `kind` of every resource, `kafka.bootstrap_servers` / `kafka.embedded` from `kafka.host`
/// (or `host` from `bootstrap_servers`), `mqtt.address` from `mqtt.host` (or the reverse),
/// `has_source` / `has_destination` from the endpoint references — then runs the same
/// cross-resource validation and Secret/ConfigMap resolution as the other loaders.
///
/// Resources built in code have no file: their findings name the resource instead
/// (`DataflowEndpoint azure-iot-operations/kafka: spec.kafkaSettings.host: ...`). The C++ types
/// replace the decoder's type and enum checks; numeric ranges of SPEC §2 (e.g. `qos` 0..1,
/// `instance_count` 1..20) are the caller's to respect.
config::load_result check_configuration(config::configuration config, const mounts& dirs = {});

/// Every finding at `at_least` or more severe, formatted (config::format), one per line, each
/// ending in '\n'. Empty when there is nothing to report.
std::string format_findings(const config::diagnostics& findings,
                            config::severity at_least = config::severity::warning);

}  // namespace flowbridge::runtime
