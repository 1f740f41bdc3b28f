// flowbridge_kafka_mock: `flowbridge kafka-mock` as a standalone binary, for the tests until the
// subcommand is wired into the `flowbridge` dispatcher (tools/flowbridge/main.cc).
#include "tools/flowbridge/cmd_kafka_mock.h"

int main(int argc, char** argv) { return flowbridge::tools::run_kafka_mock(argc, argv); }
