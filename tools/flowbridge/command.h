#pragma once

// The subcommands of the `flowbridge` executable. Each lives in its own cmd_<name>.cc and
// registers itself with FLOWBRIDGE_COMMAND, so adding one (run, kafka-mock, ...) means adding a
// file and nothing else: tools/flowbridge/CMakeLists.txt picks up every cmd_*.cc.

#include <string>
#include <string_view>
#include <vector>

namespace flowbridge::tools {

// SPEC §7: 0 success, 1 invalid input or a failed run, 2 usage error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_invalid = 1;
inline constexpr int exit_usage = 2;

/// One subcommand. `run` receives the arguments after the subcommand name.
struct command {
    std::string_view name;
    std::string_view summary;
    int (*run)(const std::vector<std::string>& args);
};

/// Every registered subcommand, sorted by name. Filled during static initialisation; read-only
/// once main() starts.
const std::vector<command>& commands();

/// Registers a subcommand from a static object's constructor.
struct command_registration {
    explicit command_registration(command c);
};

}  // namespace flowbridge::tools

#define FLOWBRIDGE_COMMAND(id, name, summary, fn)                                    \
    static const ::flowbridge::tools::command_registration flowbridge_command_##id { \
        { name, summary, fn }                                                        \
    }
