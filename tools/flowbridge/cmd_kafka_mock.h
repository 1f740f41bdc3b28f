#pragma once

// `flowbridge kafka-mock` (SPEC §7): an embedded Kafka-protocol cluster (librdkafka's mock
// cluster) for demos and tests. Implemented on flowbridge::kafka; the dispatcher in main.cc calls
// run_kafka_mock().

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowbridge::tools {

struct kafka_mock_args {
    int brokers = 1;
    std::vector<std::pair<std::string, int>> topics;  // --topic NAME:PARTITIONS, in order
    bool help = false;
};

/// Parses the options after the subcommand name. Returns "" or a usage error.
std::string parse_kafka_mock_args(const std::vector<std::string>& args, kafka_mock_args& out);

/// One stdin command: `down ID | up ID | rtt ID MS | topic NAME PARTITIONS` (blank lines and
/// lines starting with '#' are `none`).
struct kafka_mock_command {
    enum class verb { none, down, up, rtt, topic } what = verb::none;
    std::int32_t broker = 0;
    int value = 0;  // rtt ms, or partitions
    std::string topic;
};

/// Parses one line. Returns "" or an error naming what is wrong.
std::string parse_kafka_mock_command(std::string_view line, kafka_mock_command& out);

/// Runs the command: argv[0] is the command's name (ignored), options follow. Prints the
/// bootstrap address as the first stdout line, then `ok <command>` per applied command (errors
/// on stderr, the mock keeps running). Returns at end of input or on SIGTERM/SIGINT: 0; usage
/// error: 2; the cluster cannot start: 1.
int run_kafka_mock(int argc, char** argv);

}  // namespace flowbridge::tools
