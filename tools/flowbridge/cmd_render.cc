// `flowbridge render -f PATH... [--endpoint NAME]`: the effective client settings of each
// endpoint, exactly as the transports will use them, with secrets shown as `***`.
#include <iostream>

#include "engine/config/render.h"
#include "tools/flowbridge/command.h"
#include "tools/flowbridge/config_options.h"

namespace flowbridge::tools {

namespace {

namespace po = boost::program_options;

const char* const usage =
    "usage: flowbridge render -f PATH... [--endpoint NAME] [--secrets-dir DIR] "
    "[--configmaps-dir DIR]";

bool selected(const config::dataflow_endpoint& ep, const std::string& wanted) {
    if (wanted.empty()) return true;
    return wanted == ep.meta.name || wanted == ep.meta.namespace_name + "/" + ep.meta.name;
}

int run_render(const std::vector<std::string>& args) {
    config_inputs in;
    std::string endpoint;
    po::options_description desc(
        std::string(usage) +
        "\n\nPrints the effective settings of every DataflowEndpoint (or only NAME): the\n"
        "librdkafka properties of a Kafka endpoint per role (source: consumer, destination:\n"
        "producer) and the MQTT v5 connection options of an Mqtt endpoint. Secret values are\n"
        "shown as ***. The manifests must validate; otherwise the errors are printed and the\n"
        "exit status is 1.\n\noptions");
    add_config_options(desc, in);
    // clang-format off
    desc.add_options()
        ("endpoint,e", po::value(&endpoint)->value_name("NAME"),
         "only this endpoint (NAME or NAMESPACE/NAME)")
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
    print_findings(result.findings, false, std::cerr);
    if (!result.valid()) {
        std::cerr << "invalid: " << result.findings.error_count()
                  << " error(s); nothing rendered\n";
        return exit_invalid;
    }
    bool first = true;
    for (const auto& ep : result.config.endpoints) {
        if (!selected(ep, endpoint)) continue;
        if (!first) std::cout << "\n";
        first = false;
        std::cout << config::render_endpoint(ep);
    }
    if (first) {
        std::cerr << "flowbridge: no DataflowEndpoint"
                  << (endpoint.empty() ? std::string() : " named '" + endpoint + "'")
                  << " in the given manifests\n";
        return exit_invalid;
    }
    return exit_ok;
}

}  // namespace

FLOWBRIDGE_COMMAND(render, "render", "print effective client settings per endpoint (secrets ***)",
                   run_render);

}  // namespace flowbridge::tools
