// `flowbridge`: dispatches to the subcommand named by the first argument (SPEC §7).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "tools/flowbridge/command.h"

namespace flowbridge::tools {

namespace {
std::vector<command>& registry() {
    static std::vector<command> commands;
    return commands;
}
}  // namespace

command_registration::command_registration(command c) {
    auto& r = registry();
    r.push_back(c);
    std::sort(r.begin(), r.end(),
              [](const command& a, const command& b) { return a.name < b.name; });
}

const std::vector<command>& commands() { return registry(); }

}  // namespace flowbridge::tools

namespace {

void print_usage(std::ostream& out) {
    out << "usage: flowbridge <command> [options]\n\n"
           "An MQTT v5 <-> Kafka dataflow engine configured with Azure IoT Operations\n"
           "resources (DataflowEndpoint, Dataflow, DataflowProfile, Secret, ConfigMap).\n\n"
           "commands:\n";
    for (const auto& c : flowbridge::tools::commands())
        out << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ')
            << c.summary << "\n";
    out << "\n'flowbridge <command> --help' describes a command's options.\n"
           "exit codes: 0 success, 1 invalid input or failed run, 2 usage error\n";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace flowbridge::tools;
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_usage;
    }
    std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(std::cout);
        return exit_ok;
    }
    for (const auto& c : commands()) {
        if (c.name == name) return c.run(std::vector<std::string>(argv + 2, argv + argc));
    }
    std::cerr << "flowbridge: unknown command '" << name << "'\n\n";
    print_usage(std::cerr);
    return exit_usage;
}
