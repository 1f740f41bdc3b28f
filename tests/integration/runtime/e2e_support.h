#pragma once

// Shared fixture of the `flowbridge run` end-to-end suites (runtime_*_e2e_test.cc): manifests with
// %PORT%/%BOOTSTRAP%/%PROFILE% placeholders, a Kafka topic reader, the real binary as a child
// process, and the fixture owning mosquitto (free loopback port) and the mock cluster.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/kafka/kafka_test_support.h"
#include "tests/integration/mqtt/mosquitto_broker.h"

namespace flowbridge::test {

using namespace std::chrono_literals;
using kafka::testing::consumed;

inline constexpr const char* endpoints_yaml = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mq
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:%PORT%
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
    clientIdPrefix: e2e-
    qos: 1
    maxInflightMessages: 20
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: kafka
spec:
  endpointType: Kafka
  kafkaSettings:
    host: %BOOTSTRAP%
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
    consumerGroupId: e2e-group
    partitionStrategy: Topic
    batching:
      latencyMs: 2
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowProfile
metadata:
  name: pair
spec:
  instanceCount: 2
)";

inline constexpr const char* mqtt_to_kafka_yaml = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: up
spec:
  profileRef: %PROFILE%
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [e2e/+/data]
    - operationType: Destination
      destinationSettings:
        endpointRef: kafka
        dataDestination: e2e
)";

inline constexpr const char* kafka_to_mqtt_yaml = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: down
  annotations:
    flowbridge.io/restore-mqtt-properties: "true"
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: kafka
        dataSources: [commands]
    - operationType: Destination
      destinationSettings:
        endpointRef: mq
        dataDestination: out/${inputTopic}
)";

inline constexpr const char* mqtt_to_mqtt_yaml = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: copy
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [in/#]
    - operationType: Destination
      destinationSettings:
        endpointRef: mq
        dataDestination: copy/${inputTopic.2}/${inputTopic}
)";

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
        s.replace(p, from.size(), to);
    }
    return s;
}

/// Accumulates everything a Kafka topic holds, read from the beginning by its own group.
class kafka_reader {
public:
    kafka_reader(const std::string& bootstrap, const std::string& topic) {
        static int n = 0;
        kafka::consumer_options o;
        o.config.properties = {{"bootstrap.servers", bootstrap},
                               {"group.id", "reader-" + std::to_string(::getpid()) + "-" + std::to_string(++n)}};
        o.topics = {topic};
        std::string error;
        consumer_ = kafka::kafka_consumer::create(o, error);
        EXPECT_NE(consumer_, nullptr) << error;
        if (consumer_) {
            EXPECT_TRUE(consumer_->start(error)) << error;
        }
    }
    ~kafka_reader() {
        if (consumer_) consumer_->close();
    }

    void poll(std::chrono::milliseconds wait = 50ms) {
        if (!consumer_) return;
        const kafka_record* batch[64];
        const auto got = consumer_->poll(batch, wait, 0);
        for (std::size_t i = 0; i < got; ++i) {
            const kafka_record& r = *batch[i];
            consumed x;
            x.topic = std::string(r.topic);
            x.partition = r.partition.value;
            x.offset = r.offset;
            if (r.has_key) x.key = std::string(r.key);
            x.value = std::string(r.value);
            x.timestamp_ms = r.timestamp_ms;
            for (const auto& h : r.headers) x.headers.emplace_back(h.name, h.value);
            records.push_back(std::move(x));
            consumer_->complete(r.tag);
        }
    }
    std::set<std::string> distinct() const {
        std::set<std::string> s;
        for (const auto& r : records) s.insert(r.value);
        return s;
    }
    /// Reads until `n` distinct values were seen or the deadline passes.
    bool wait_distinct(std::size_t n, std::chrono::milliseconds deadline) {
        return kafka::testing::wait_until([&] { return distinct().size() >= n; }, deadline,
                                          [&] { poll(); });
    }

    std::vector<consumed> records;

private:
    std::unique_ptr<kafka::kafka_consumer> consumer_;
};

/// A `mosquitto_sub -V mqttv5 -d` on the fixture's broker whose constructor returns once the
/// broker acknowledged the subscription (its debug output shows SUBACK), so nothing published
/// afterwards can be missed. `args` are the options after host and port (`-t`, `-C`, `-F`, …).
class mqtt_subscriber {
public:
    mqtt_subscriber(const temp_dir& dir, const std::string& name, std::uint16_t port,
                    const std::vector<std::string>& args)
        : path_(dir.file(name)) {
        // stdbuf: line-buffered stdout, so the SUBACK line is visible at once.
        std::vector<std::string> argv = {"/usr/bin/stdbuf", "-oL", "/usr/bin/mosquitto_sub", "-V",
                                         "mqttv5", "-d", "-h", "127.0.0.1", "-p",
                                         std::to_string(port)};
        argv.insert(argv.end(), args.begin(), args.end());
        process_ = child_process(argv, path_);
        subscribed_ = wait_for(
            [&] { return read_text(path_).find("received SUBACK") != std::string::npos; }, 10s);
        EXPECT_TRUE(subscribed_) << read_text(path_);
    }
    bool subscribed() const { return subscribed_; }
    /// Waits for the exit (`-C N` messages received, or `-W` timed out); the exit status.
    int wait(std::chrono::milliseconds deadline) { return process_.wait(deadline); }
    /// Waits until every line of `needed` was printed (other lines and repeats allowed: at QoS 1
    /// a broker may deliver a message again). For subscribers without `-C`.
    bool wait_for_lines(const std::set<std::string>& needed, std::chrono::milliseconds deadline) const {
        return wait_for(
            [&] {
                const std::set<std::string> got = lines();
                return std::includes(got.begin(), got.end(), needed.begin(), needed.end());
            },
            deadline);
    }
    /// The distinct lines printed so far.
    std::set<std::string> lines() const {
        std::set<std::string> s;
        std::istringstream in(output());
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) s.insert(line);
        return s;
    }
    /// Ends mosquitto_sub at once (no DISCONNECT: a persistent session keeps what it had not
    /// acknowledged, for the next connection with its client id).
    void stop() { process_.kill_and_wait(); }
    /// What the messages printed, without mosquitto_sub's debug lines.
    std::string output() const {
        std::istringstream in(read_text(path_));
        std::string out;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("Client ", 0) == 0 || line.rfind("Subscribed (", 0) == 0) continue;
            out += line;
            out += '\n';
        }
        return out;
    }

private:
    std::string path_;
    child_process process_;
    bool subscribed_ = false;
};

/// One `flowbridge run` process with its manifests and log in a temporary directory.
class flowbridge_process {
public:
    flowbridge_process(const temp_dir& dir, std::string name, std::vector<std::string> extra = {})
        : dir_(dir), name_(std::move(name)), extra_(std::move(extra)) {}

    void start() {
        std::vector<std::string> argv = {FLOWBRIDGE_BIN, "run", "-f", dir_.file("manifests"),
                                         "--kafka-property", "session.timeout.ms=6000",
                                         "--kafka-property", "heartbeat.interval.ms=500",
                                         "--drain-seconds", "10", "--log-level", "debug"};
        argv.insert(argv.end(), extra_.begin(), extra_.end());
        ++starts_;
        process_ = child_process(argv, "/dev/null", log_path());
    }
    std::string log_path() const { return dir_.file(name_ + ".log"); }
    std::string log() const { return read_text(log_path()); }
    bool wait_log(const std::string& needle, std::chrono::milliseconds deadline,
                  std::size_t occurrences = 1) {
        return wait_for(
            [&] {
                const std::string text = log();
                std::size_t n = 0;
                for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
                return n >= occurrences;
            },
            deadline);
    }
    int terminate(std::chrono::milliseconds deadline = 20s) {
        process_.signal(SIGTERM);
        return process_.wait(deadline);
    }
    void kill() { process_.kill_and_wait(); }
    int wait_exit(std::chrono::milliseconds deadline) { return process_.wait(deadline); }
    bool running() { return process_.running(); }
    /// The last `totals: received N` of dataflow `df`, or -1.
    long long total_received(const std::string& df) const {
        const std::regex re(df + "\\] totals: received ([0-9]+)");
        long long v = -1;
        const std::string text = log();
        for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
            v = std::stoll((*it)[1]);
        }
        return v;
    }

private:
    const temp_dir& dir_;
    std::string name_;
    std::vector<std::string> extra_;
    child_process process_;
    int starts_ = 0;
};

/// Writes `dir`/manifests/flows.yaml: the shared endpoints plus `flows`, placeholders filled in.
inline void write_flow_manifests(const temp_dir& dir, const std::string& flows, std::uint16_t mqtt_port,
                                 const std::string& bootstrap, const std::string& profile = "default") {
    ::mkdir(dir.file("manifests").c_str(), 0700);
    std::string text = std::string(endpoints_yaml) + "---" + flows;
    text = replace_all(text, "%PORT%", std::to_string(mqtt_port));
    text = replace_all(text, "%BOOTSTRAP%", bootstrap);
    text = replace_all(text, "%PROFILE%", profile);
    write_file(dir.file("manifests/flows.yaml"), text);
}

class runtime_e2e : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        cluster_ = kafka::mock_cluster::create(1, error);
        ASSERT_NE(cluster_, nullptr) << error;
        ASSERT_EQ(cluster_->create_topic("e2e", 4), "");
        ASSERT_EQ(cluster_->create_topic("commands", 2), "");
        ::mkdir(dir_.file("manifests").c_str(), 0700);
    }

    void write_manifests(const std::string& flows, const std::string& profile = "default") {
        write_flow_manifests(dir_, flows, broker_.port(), cluster_->bootstrap(), profile);
    }

    /// Publishes `values` (one message each, QoS 1) to `topic` with mosquitto_pub -l.
    void publish_lines(const std::string& topic, int first, int last,
                       const std::vector<std::string>& props = {}) {
        std::string lines;
        for (int i = first; i <= last; ++i) lines += "msg-" + std::to_string(i) + "\n";
        write_file(dir_.file("lines.txt"), lines);
        std::string cmd = "/usr/bin/mosquitto_pub -V mqttv5 -h 127.0.0.1 -p " +
                          std::to_string(broker_.port()) + " -q 1 -t '" + topic + "' -l";
        for (const auto& p : props) cmd += " " + p;
        cmd += " < " + dir_.file("lines.txt");
        ASSERT_EQ(run_command({"/bin/sh", "-c", cmd}, nullptr, 30'000ms), 0);
    }

    mosquitto_broker broker_;
    std::unique_ptr<kafka::mock_cluster> cluster_;
    temp_dir dir_;
};

/// Produces the records "cmd-FIRST" … "cmd-LAST" to `topic` partition `partition` with kcat (one
/// file per record, so the values need no separator).
inline void produce_commands(const temp_dir& dir, const std::string& bootstrap,
                             const std::string& topic, int partition, int first, int last) {
    std::vector<std::string> argv = {"/usr/bin/kcat", "-P", "-b", bootstrap, "-t", topic, "-p",
                                     std::to_string(partition)};
    for (int i = first; i <= last; ++i) {
        const std::string f = dir.file("rec-" + std::to_string(i));
        write_file(f, "cmd-" + std::to_string(i));
        argv.push_back(f);
    }
    ASSERT_EQ(run_command(argv), 0);
}

inline std::string header(const consumed& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return "<absent>";
}

}  // namespace flowbridge::test
