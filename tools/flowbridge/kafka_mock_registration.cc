// Registers `flowbridge kafka-mock` (SPEC §7), implemented by the Kafka transport's engineer in
// cmd_kafka_mock.cc with the signature run_kafka_mock(argc, argv), as a dispatcher subcommand.
// Compiled only when the tree has flowbridge::kafka (see CMakeLists.txt).
#include <string>
#include <vector>

#include "tools/flowbridge/cmd_kafka_mock.h"
#include "tools/flowbridge/command.h"

namespace flowbridge::tools {

namespace {

int run_kafka_mock_command(const std::vector<std::string>& args) {
    std::vector<std::string> storage{"kafka-mock"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    return run_kafka_mock(static_cast<int>(storage.size()), argv.data());
}

}  // namespace

FLOWBRIDGE_COMMAND(kafka_mock, "kafka-mock", "embedded Kafka-protocol broker for demos and tests",
                   run_kafka_mock_command);

}  // namespace flowbridge::tools
