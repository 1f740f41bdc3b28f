#include "tools/flowbridge/config_options.h"

#include <filesystem>
#include <iostream>
#include <iterator>

namespace flowbridge::tools {

namespace po = boost::program_options;

void add_config_options(po::options_description& desc, config_inputs& in) {
    // clang-format off
    desc.add_options()
        ("filename,f", po::value(&in.files)->multitoken()->required(),
         "manifest files or directories (*.yaml, *.yml, *.json, lexical order); '-' reads "
         "standard input")
        ("secrets-dir", po::value(&in.secrets_dir)->value_name("DIR"),
         "mounted Secrets, laid out as DIR/<name>/<key>")
        ("configmaps-dir", po::value(&in.configmaps_dir)->value_name("DIR"),
         "mounted ConfigMaps, laid out as DIR/<name>/<key>");
    // clang-format on
}

bool check_config_inputs(const config_inputs& in, std::ostream& err) {
    for (const auto& [dir, opt] : {std::pair{in.secrets_dir, "--secrets-dir"},
                                   std::pair{in.configmaps_dir, "--configmaps-dir"}}) {
        std::error_code ec;
        if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
            err << "flowbridge: " << opt << " " << dir << ": not a directory\n";
            return false;
        }
    }
    return true;
}

config::load_result load_inputs(const config_inputs& in) {
    config::diagnostics read_findings;
    std::vector<config::source_text> sources;
    for (const auto& f : in.files) {
        if (f == "-") {
            sources.push_back({"<stdin>", std::string(std::istreambuf_iterator<char>(std::cin),
                                                      std::istreambuf_iterator<char>())});
            continue;
        }
        auto more = config::read_sources({f}, read_findings);
        for (auto& s : more) sources.push_back(std::move(s));
    }
    auto result = config::load_configuration(sources, in.secrets_dir, in.configmaps_dir);
    for (const auto& d : read_findings.all()) result.findings.add(d);
    std::vector<std::string> order = in.files;
    order.insert(order.end(), result.config.files.begin(), result.config.files.end());
    result.findings.sort(order);
    return result;
}

void print_findings(const config::diagnostics& findings, bool verbose, std::ostream& err) {
    for (const auto& d : findings.all()) {
        if (d.level == config::severity::note && !verbose) continue;
        err << config::format(d) << '\n';
    }
}

std::optional<po::variables_map> parse_arguments(const std::vector<std::string>& args,
                                                 const po::options_description& desc,
                                                 const std::string& usage, std::ostream& err) {
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(desc).run(), vm);
        if (vm.count("help")) return vm;  // --help wins over missing required options
        po::notify(vm);
    } catch (const po::error& e) {
        err << "flowbridge: " << e.what() << "\n" << usage << "\nTry '--help' for more.\n";
        return std::nullopt;
    }
    return vm;
}

}  // namespace flowbridge::tools
