// `flowbridge validate -f PATH...`: load, resolve and validate manifests; print every finding.
#include <iostream>

#include "tools/flowbridge/command.h"
#include "tools/flowbridge/config_options.h"

namespace flowbridge::tools {

namespace {

namespace po = boost::program_options;

const char* const usage =
    "usage: flowbridge validate -f PATH... [--secrets-dir DIR] [--configmaps-dir DIR] "
    "[--verbose]";

int run_validate(const std::vector<std::string>& args) {
    config_inputs in;
    po::options_description desc(
        std::string(usage) +
        "\n\nChecks DataflowEndpoint, Dataflow, DataflowProfile, Secret and ConfigMap manifests\n"
        "and the Secrets and ConfigMaps they reference. Every problem of every file is\n"
        "printed to stderr as FILE:LINE:COL: FIELD.PATH: message (warnings with 'warning:').\n"
        "Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error.\n\noptions");
    add_config_options(desc, in);
    // clang-format off
    desc.add_options()
        ("verbose,v", "also print notes (settings ignored for an endpoint's role)")
        ("help,h", "show this help");
    // clang-format on
    auto vm = parse_arguments(args, desc, usage, std::cerr);
    if (!vm) return exit_usage;
    if (vm->count("help")) {
        std::cout << desc << "\n";
        return exit_ok;
    }
    if (!check_config_inputs(in, std::cerr)) return exit_usage;

    auto result = load_inputs(in);
    print_findings(result.findings, vm->count("verbose") > 0, std::cerr);
    const auto& c = result.config;
    if (!result.valid()) {
        std::cerr << "invalid: " << result.findings.error_count() << " error(s), "
                  << result.findings.warning_count() << " warning(s)\n";
        return exit_invalid;
    }
    std::cout << "valid: " << c.files.size() << " file(s), " << c.endpoints.size()
              << " DataflowEndpoint(s), " << c.dataflows.size() << " Dataflow(s), "
              << c.profiles.size() << " DataflowProfile(s); " << result.findings.warning_count()
              << " warning(s)\n";
    return exit_ok;
}

}  // namespace

FLOWBRIDGE_COMMAND(validate, "validate", "check manifests; print every error (exit 0/1/2)",
                   run_validate);

}  // namespace flowbridge::tools
