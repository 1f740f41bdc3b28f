// The installed CMake package, used the way an application would (docs/embedding.md):
// `cmake --install` this build tree into a prefix, configure and build examples/embed against it
// with find_package(flowbridge), and run the example between a real mosquitto (free loopback
// port) and its embedded Kafka cluster. Label: package (release tree only; the sanitizer trees
// install nothing).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "tests/integration/mqtt/mosquitto_broker.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;

/// Runs `argv` with stdout and stderr into `log`; the exit code (-1: deadline or signal).
int run_logged(const std::vector<std::string>& argv, const std::string& log,
               std::chrono::milliseconds deadline) {
    std::string command;
    for (const auto& a : argv) command += "'" + a + "' ";
    return run_command({"/bin/sh", "-c", command + ">'" + log + "' 2>&1"}, nullptr, deadline);
}

std::string quoted_log(const std::string& path) {
    return "\n--- " + path + ":\n" + read_text(path);
}

TEST(embed_package, installed_package_builds_the_example_which_forwards_mqtt_to_embedded_kafka) {
    namespace fs = std::filesystem;
    // Stable paths inside the build tree: the example's build is incremental and ccache hits.
    const std::string work = FLOWBRIDGE_PACKAGE_WORK_DIR;
    const std::string prefix = work + "/prefix";
    const std::string example_build = work + "/embed";
    fs::create_directories(work);
    fs::remove_all(prefix);  // nothing left over from an earlier install

    // 1. cmake --install
    const std::string install_log = work + "/install.log";
    ASSERT_EQ(run_logged({FLOWBRIDGE_CMAKE, "--install", FLOWBRIDGE_BUILD_DIR, "--prefix", prefix},
                         install_log, 60s),
              0)
        << quoted_log(install_log);
    ASSERT_TRUE(fs::exists(prefix + "/include/flowbridge/flowbridge.h"));
    ASSERT_TRUE(fs::exists(prefix + "/lib/cmake/flowbridge/flowbridgeConfig.cmake"));
    ASSERT_TRUE(fs::exists(prefix + "/bin/flowbridge"));

    // 2. The public surface is closed under #include and free of Asio, Beast and librdkafka.
    const std::string deps_log = work + "/deps.log";
    ASSERT_EQ(run_logged({FLOWBRIDGE_CXX, "-std=c++20", "-MM", "-I", prefix + "/include", "-I",
                          prefix + "/include/flowbridge", "-x", "c++",
                          prefix + "/include/flowbridge/flowbridge.h"},
                         deps_log, 30s),
              0)
        << quoted_log(deps_log);
    const std::string deps = read_text(deps_log);
    for (const char* hidden : {"boost/asio", "boost/beast", "librdkafka"}) {
        EXPECT_EQ(deps.find(hidden), std::string::npos) << hidden << " reached from flowbridge.h";
    }

    // 3. Configure and build examples/embed with find_package(flowbridge).
    const std::string configure_log = work + "/configure.log";
    std::vector<std::string> configure = {FLOWBRIDGE_CMAKE,
                                          "-S",
                                          FLOWBRIDGE_EXAMPLE_DIR,
                                          "-B",
                                          example_build,
                                          "-G",
                                          FLOWBRIDGE_GENERATOR,
                                          "-DCMAKE_BUILD_TYPE=" FLOWBRIDGE_BUILD_TYPE,
                                          "-DCMAKE_CXX_COMPILER=" FLOWBRIDGE_CXX,
                                          "-DCMAKE_PREFIX_PATH=" + prefix};
    if (std::string(FLOWBRIDGE_CXX_LAUNCHER).size() > 0) {
        configure.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=" FLOWBRIDGE_CXX_LAUNCHER);
    }
    ASSERT_EQ(run_logged(configure, configure_log, 60s), 0) << quoted_log(configure_log);
    const std::string build_log = work + "/build.log";
    ASSERT_EQ(run_logged({FLOWBRIDGE_CMAKE, "--build", example_build}, build_log, 120s), 0)
        << quoted_log(build_log);

    // 4. Run it: ready, then messages MQTT → embedded Kafka, a snapshot, a clean stop.
    mosquitto_broker broker;
    const std::string out = work + "/example.out";
    const std::string err = work + "/example.err";
    fs::remove(err);
    child_process example({example_build + "/embed_example", "127.0.0.1",
                           std::to_string(broker.port()), "--seconds", "30", "--messages", "3"},
                          out, err);
    ASSERT_TRUE(wait_for([&] { return read_text(out).find("ready\n") != std::string::npos; }, 30s))
        << quoted_log(out) << quoted_log(err);
    // Publish a few QoS 1 messages every half second until the example has what it waits for
    // and exits (it stops by itself after 30 s at the latest).
    auto last = std::chrono::steady_clock::now() - 1s;
    const bool exited = wait_for(
        [&] {
            if (!example.running()) return true;
            if (std::chrono::steady_clock::now() - last >= 500ms) {
                last = std::chrono::steady_clock::now();
                auto pub = broker.client_args("/usr/bin/mosquitto_pub");
                pub.insert(pub.end(),
                           {"-q", "1", "-t", "sensors/pkg/telemetry", "-m", "{\"t\":1}"});
                run_command(pub, nullptr, 5s);
            }
            return false;
        },
        45s);
    ASSERT_TRUE(exited) << quoted_log(out) << quoted_log(err);
    EXPECT_EQ(example.wait(1s), 0) << quoted_log(out) << quoted_log(err);

    const std::string printed = read_text(out);
    EXPECT_NE(printed.find("embedded Kafka azure-iot-operations/kafka at 127.0.0.1:"),
              std::string::npos)
        << printed;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(printed, m,
                                  std::regex("dataflow azure-iot-operations/telemetry "
                                             "direction=\\S+ shards=1 connected=1 received=\\d+ "
                                             "delivered=(\\d+)")))
        << printed;
    EXPECT_GE(std::stoul(m[1].str()), 3u) << printed;
    EXPECT_NE(printed.find("stopped: delivered="), std::string::npos) << printed;
}

}  // namespace
}  // namespace flowbridge::test
