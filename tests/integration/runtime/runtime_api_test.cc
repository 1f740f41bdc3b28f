// The runtime library used directly, as an embedding application would (no `flowbridge` binary):
// start from loaded manifests with an embedded Kafka cluster, move messages, read the metrics
// snapshot, receive log lines through the sink, drain.
#include <gtest/gtest.h>

#include <mutex>

#include "engine/config/load.h"
#include "engine/pipeline/core_plan.h"
#include "tests/integration/kafka/kafka_test_support.h"
#include "tests/integration/mqtt/mosquitto_broker.h"
#include "tools/runtime/runtime.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;

std::string manifests(std::uint16_t port, const std::string& shards = "2") {
    return R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mq
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:)" + std::to_string(port) + R"(
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
    clientIdPrefix: api-
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: kafka
spec:
  endpointType: Kafka
  kafkaSettings:
    host: embedded
    authentication:
      method: Anonymous
    consumerGroupId: api
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: up
  annotations:
    flowbridge.io/shards: ")" + shards + R"("
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [api/+/data]
    - operationType: Destination
      destinationSettings:
        endpointRef: kafka
        dataDestination: api
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: off
spec:
  mode: Disabled
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [x]
    - operationType: Destination
      destinationSettings:
        endpointRef: kafka
        dataDestination: x
)";
}

struct captured_log {
    std::mutex m;
    std::vector<std::string> lines;
    runtime::log_sink sink() {
        return [this](const runtime::log_record& r) {
            std::lock_guard lock(m);
            lines.push_back(std::string(r.component) + " " + std::string(r.dataflow) + " " +
                            std::string(r.message));
        };
    }
    bool contains(const std::string& s) {
        std::lock_guard lock(m);
        for (const auto& l : lines)
            if (l.find(s) != std::string::npos) return true;
        return false;
    }
};

TEST(runtime_api, embedded_kafka_two_shards_metrics_and_drain) {
    mosquitto_broker broker;
    auto loaded = config::load_configuration(
        std::vector<config::source_text>{{"api.yaml", manifests(broker.port())}});
    ASSERT_TRUE(loaded.valid());
    captured_log log;
    runtime::runtime_options o;
    o.sink = log.sink();
    o.level = config::log_level::debug;
    runtime::runtime rt(std::move(loaded.config), o);
    std::string error;
    ASSERT_TRUE(rt.start(error)) << error;
    ASSERT_EQ(rt.embedded_clusters().size(), 1u);
    const std::string bootstrap = rt.embedded_clusters().front().second;
    EXPECT_EQ(bootstrap.rfind("127.0.0.1:", 0), 0u);
    EXPECT_TRUE(log.contains("bootstrap=" + bootstrap));
    EXPECT_TRUE(log.contains("disabled"));
    ASSERT_TRUE(wait_for([&] { return rt.ready(); }, 20'000ms));
    EXPECT_TRUE(log.contains("$share/default-up/api/+/data"));  // shards > 1 → shared

    std::string lines;
    for (int i = 0; i < 100; ++i) lines += "m" + std::to_string(i) + "\n";
    temp_dir dir;
    write_file(dir.file("lines"), lines);
    ASSERT_EQ(run_command({"/bin/sh", "-c",
                           "/usr/bin/mosquitto_pub -V mqttv5 -h 127.0.0.1 -p " +
                               std::to_string(broker.port()) + " -q 1 -t api/d/data -l < " +
                               dir.file("lines")}),
              0);
    ASSERT_TRUE(wait_for(
        [&] {
            const auto m = rt.metrics_snapshot();
            return m.dataflows.size() == 1 && m.dataflows[0].acknowledged >= 100;
        },
        20'000ms));
    auto m = rt.metrics_snapshot();
    ASSERT_EQ(m.dataflows.size(), 1u);
    const auto& d = m.dataflows[0];
    EXPECT_EQ(d.name, "azure-iot-operations/up");
    EXPECT_EQ(d.direction, runtime::flow_direction::mqtt_to_kafka);
    EXPECT_EQ(d.shards, 2u);
    EXPECT_EQ(d.shards_connected, 2u);
    EXPECT_EQ(d.received, 100u);
    EXPECT_EQ(d.delivered, 100u);
    EXPECT_EQ(d.in_flight, 0u);
    EXPECT_EQ(d.dropped_total(), 0u);
    const auto records = kafka::testing::consume(bootstrap, {"api"}, "reader", 100, 20s);
    EXPECT_EQ(records.size(), 100u);
    EXPECT_EQ(rt.stop(5s), 0u);
    EXPECT_TRUE(log.contains("drained"));
    // After stop the snapshot is empty (flows are gone); stop is idempotent.
    EXPECT_EQ(rt.stop(0ms), 0u);
}

TEST(runtime_api, auto_shards_start_one_shard_per_usable_cpu) {
    mosquitto_broker broker;
    auto loaded = config::load_configuration(
        std::vector<config::source_text>{{"api.yaml", manifests(broker.port(), "auto")}});
    ASSERT_TRUE(loaded.valid());
    runtime::runtime rt(std::move(loaded.config), runtime::runtime_options{});
    std::string error;
    ASSERT_TRUE(rt.start(error)) << error;
    ASSERT_TRUE(wait_for([&] { return rt.ready(); }, 20'000ms));
    const std::size_t cpus = std::max<std::size_t>(1, pipeline::allowed_cpus().size());
    auto m = rt.metrics_snapshot();
    ASSERT_EQ(m.dataflows.size(), 1u);
    EXPECT_EQ(m.dataflows[0].shards, cpus);
    EXPECT_EQ(m.dataflows[0].shards_connected, cpus);
    EXPECT_EQ(rt.stop(5s), 0u);
}

TEST(runtime_api, managed_identity_without_a_token_yet_starts_and_keeps_retrying) {
    mosquitto_broker broker;
    std::string text = manifests(broker.port());
    text += R"(---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: cloud
  annotations:
    flowbridge.io/identity-endpoint: http://127.0.0.1:1
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:1
    authentication:
      method: SystemAssignedManagedIdentity
      systemAssignedManagedIdentitySettings: {}
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: to-cloud
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [a]
    - operationType: Destination
      destinationSettings:
        endpointRef: cloud
        dataDestination: b
)";
    auto loaded = config::load_configuration(std::vector<config::source_text>{{"api.yaml", text}});
    ASSERT_TRUE(loaded.valid());
    captured_log log;
    runtime::runtime_options o;
    o.sink = log.sink();
    runtime::runtime rt(std::move(loaded.config), o);
    std::string error;
    ASSERT_TRUE(rt.start(error)) << error;  // the identity endpoint may come up later
    EXPECT_TRUE(log.contains("no token yet"));
    EXPECT_FALSE(rt.ready());               // the MQTT destination cannot connect (port 1)
    EXPECT_EQ(rt.metrics_snapshot().dataflows.size(), 2u);
    EXPECT_EQ(rt.stop(2s), 0u);
}

}  // namespace
}  // namespace flowbridge::test
