#pragma once

// Options and output shared by the subcommands that read manifests (validate, render, and
// later run): `-f PATH...`, `--secrets-dir`, `--configmaps-dir`, and diagnostics on stderr.

#include <boost/program_options.hpp>

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/load.h"

namespace flowbridge::tools {

struct config_inputs {
    std::vector<std::string> files;
    std::string secrets_dir;
    std::string configmaps_dir;
};

/// Adds -f/--filename, --secrets-dir and --configmaps-dir to `desc`, storing into `in`.
void add_config_options(boost::program_options::options_description& desc, config_inputs& in);

/// Checks the directories exist; prints a usage error and returns false otherwise.
bool check_config_inputs(const config_inputs& in, std::ostream& err);

/// Reads every input (`-` is standard input) and loads it (engine/config).
config::load_result load_inputs(const config_inputs& in);

/// Prints errors and warnings (notes too when `verbose`) to `err`, one per line.
void print_findings(const config::diagnostics& findings, bool verbose, std::ostream& err);

/// Parses `args` against `desc`; on a parse error prints it with `usage` and returns nullopt.
std::optional<boost::program_options::variables_map> parse_arguments(
    const std::vector<std::string>& args, const boost::program_options::options_description& desc,
    const std::string& usage, std::ostream& err);

}  // namespace flowbridge::tools
