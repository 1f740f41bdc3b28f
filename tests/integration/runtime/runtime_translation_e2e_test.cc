// `flowbridge run` end to end: the translation rules (SPEC §3.1, §3.2, §3.2a, §3.4;
// docs/translation.md) observed through real clients on both sides: mosquitto_pub / mosquitto_sub
// on the MQTT side, an in-process librdkafka producer / consumer on the Kafka side, and /metrics
// for the counters. Each test is named after the rule it checks. Every wait has a deadline;
// loopback only.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "tests/integration/http/http_client.h"
#include "tests/integration/runtime/e2e_support.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;
using kafka::testing::consumed;

// ---- helpers -------------------------------------------------------------------------------

/// Kafka's murmur2 as the Java client computes it (`Utils.murmur2`), written independently of
/// the product's partitioner so that the test is an oracle, not a copy.
std::int32_t java_murmur2(std::string_view data) {
    const std::uint32_t m = 0x5bd1e995u;
    const int r = 24;
    const auto length = static_cast<std::uint32_t>(data.size());
    std::uint32_t h = 0x9747b28cu ^ length;
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
    };
    const std::uint32_t length4 = length / 4;
    for (std::uint32_t i = 0; i < length4; ++i) {
        const std::size_t i4 = std::size_t{i} * 4;
        std::uint32_t k =
            byte(i4) | (byte(i4 + 1) << 8) | (byte(i4 + 2) << 16) | (byte(i4 + 3) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::size_t tail = length & ~3u;
    switch (length % 4) {
        case 3:
            h ^= byte(tail + 2) << 16;
            [[fallthrough]];
        case 2:
            h ^= byte(tail + 1) << 8;
            [[fallthrough]];
        case 1:
            h ^= byte(tail);
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

/// `Utils.toPositive(murmur2(key)) % partitions`.
std::int32_t java_partition(std::string_view key, std::int32_t partitions) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(java_murmur2(key)) & 0x7fffffffu) %
           partitions;
}

/// A Kafka destination endpoint `name` on the fixture's mock cluster with extra settings
/// (each line of `extra` is indented under kafkaSettings), and an MQTT → Kafka Dataflow `up`
/// from `e2e/+/data` to topic `e2e` through it.
std::string mqtt_to_kafka_via(const std::string& name, const std::string& extra,
                              const std::string& profile = "default") {
    std::string indented;
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) indented += "    " + line + "\n";
    return R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: )" +
           name + R"(
spec:
  endpointType: Kafka
  kafkaSettings:
    host: %BOOTSTRAP%
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
)" + indented +
           R"(---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: up
spec:
  profileRef: )" +
           profile + R"(
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [e2e/+/data]
    - operationType: Destination
      destinationSettings:
        endpointRef: )" +
           name + R"(
        dataDestination: e2e
)";
}

/// Kafka topic `commands` → MQTT `out/${inputTopic}`, Dataflow `down`, with `annotations`.
std::string kafka_to_mqtt_with(const std::string& annotations) {
    return R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: down
)" + annotations +
           R"(
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
}

/// The value of one sample (`name{labels}` exactly as exposed), or NaN when absent.
double sample(const std::string& exposition, const std::string& series) {
    const std::string needle = "\n" + series + " ";
    const auto at = exposition.find(needle);
    if (at == std::string::npos) return std::nan("");
    return std::strtod(exposition.c_str() + at + needle.size(), nullptr);
}

std::string series(const std::string& name, const std::string& dataflow,
                   const std::string& extra = "") {
    return name + "{dataflow=\"azure-iot-operations/" + dataflow + "\"" + extra + "}";
}

class runtime_translation_e2e : public runtime_e2e {
  protected:
    /// The port of `metrics endpoint listening on 127.0.0.1:PORT`, or 0 after the deadline.
    std::uint16_t metrics_port(flowbridge_process& fb) {
        std::uint16_t port = 0;
        const std::regex re("metrics endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
        wait_for(
            [&] {
                std::smatch m;
                const std::string text = fb.log();
                if (!std::regex_search(text, m, re)) return false;
                port = static_cast<std::uint16_t>(std::stoi(m[1]));
                return true;
            },
            20s);
        return port;
    }

    /// Scrapes /metrics until `done(text)` or the deadline; returns the last exposition.
    std::string scrape_until(std::uint16_t port,
                             const std::function<bool(const std::string&)>& done,
                             std::chrono::milliseconds deadline) {
        std::string last;
        wait_for(
            [&] {
                const auto r = http_get(port, "/metrics");
                last = r.status == 200 ? r.body : std::string();
                return !last.empty() && done(last);
            },
            deadline);
        return last;
    }

    /// Starts flowbridge for an MQTT → Kafka flow and waits until it takes messages.
    void start_mqtt_to_kafka(flowbridge_process& fb) {
        fb.start();
        ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
        ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();
    }

    /// One QoS 1 publish with mosquitto_pub; `props` are extra arguments (`-D publish …`).
    void publish(const std::string& topic, const std::string& payload,
                 const std::vector<std::string>& props = {}) {
        std::vector<std::string> argv = {"/usr/bin/mosquitto_pub",
                                         "-V",
                                         "mqttv5",
                                         "-h",
                                         "127.0.0.1",
                                         "-p",
                                         std::to_string(broker_.port()),
                                         "-q",
                                         "1",
                                         "-t",
                                         topic,
                                         "-m",
                                         payload};
        argv.insert(argv.end(), props.begin(), props.end());
        ASSERT_EQ(run_command(argv, nullptr, 20'000ms), 0) << payload;
    }

    /// A subscriber on `out/#` for one message, printed as `MSG|topic|payload|props`; returns
    /// once the broker acknowledged the subscription.
    std::unique_ptr<mqtt_subscriber> subscribe_out() {
        return std::make_unique<mqtt_subscriber>(
            dir_, "sub.out", broker_.port(),
            std::vector<std::string>{"-q", "1", "-t", "out/#", "-C", "1", "-W", "30", "-F",
                                     "MSG|%t|%p|%P"});
    }

    /// The `MSG|…` line the subscriber printed (without the prefix), or "" if there is none.
    static std::string received_line(const mqtt_subscriber& sub) {
        std::istringstream in(sub.output());
        for (std::string line; std::getline(in, line);)
            if (line.rfind("MSG|", 0) == 0) return line.substr(4);
        return "";
    }

    /// Produces one record to `commands` partition 0 with exact (binary) headers.
    void produce_command(const kafka::testing::record_spec& spec) {
        kafka::testing::producer_harness producer(cluster_->bootstrap(), {"commands"});
        ASSERT_TRUE(producer.start());
        kafka::testing::record_store store;
        producer.produce({store.add("commands", spec)});
        ASSERT_TRUE(producer.wait_completions(1, 20s));
        ASSERT_EQ(producer.count(completion::delivered), 1u);
    }
};

// ---- SPEC §3.1 -----------------------------------------------------------------------------

TEST_F(runtime_translation_e2e, copy_mqtt_properties_disabled_forwards_no_headers) {
    write_manifests(mqtt_to_kafka_via("k-noheaders",
                                      "copyMqttProperties: Disabled\npartitionStrategy: Topic\n"
                                      "batching:\n  latencyMs: 2"));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    ASSERT_NO_FATAL_FAILURE(start_mqtt_to_kafka(fb));
    publish("e2e/dev1/data", "with-everything",
            {"-D",
             "publish",
             "content-type",
             "text/plain",
             "-D",
             "publish",
             "payload-format-indicator",
             "1",
             "-D",
             "publish",
             "message-expiry-interval",
             "600",
             "-D",
             "publish",
             "response-topic",
             "e2e/dev1/reply",
             "-D",
             "publish",
             "correlation-data",
             "corr-1",
             "-D",
             "publish",
             "user-property",
             "a",
             "1",
             "-D",
             "publish",
             "user-property",
             "specversion",
             "1.0"});
    publish("e2e/dev2/data", "user-properties-only", {"-D", "publish", "user-property", "b", "2"});
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(2, 20s)) << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    ASSERT_EQ(reader.records.size(), 2u);
    std::map<std::string, std::string> topic_of = {{"with-everything", "e2e/dev1/data"},
                                                   {"user-properties-only", "e2e/dev2/data"}};
    for (const consumed& r : reader.records) {
        EXPECT_TRUE(r.headers.empty()) << r.value << ": " << r.headers.size()
                                       << " header(s), first " << r.headers.front().first;
        // Key and partition are unaffected (docs/translation.md): the Topic strategy still applies.
        ASSERT_TRUE(r.key.has_value()) << r.value;
        EXPECT_EQ(*r.key, topic_of[r.value]);
        EXPECT_EQ(r.partition, java_partition(topic_of[r.value], 4)) << r.value;
    }
}

// ---- SPEC §3.4 -----------------------------------------------------------------------------

TEST_F(runtime_translation_e2e, murmur2_oracle_matches_the_java_client_vectors) {
    // Kafka's UtilsTest.testMurmur2 vectors: the oracle the partition tests below rely on.
    EXPECT_EQ(java_murmur2("21"), -973932308);
    EXPECT_EQ(java_murmur2("foobar"), -790332482);
    EXPECT_EQ(java_murmur2("a-little-bit-long-string"), -985981536);
    EXPECT_EQ(java_murmur2("a-little-bit-longer-string"), -1486304829);
    EXPECT_EQ(java_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
    EXPECT_EQ(java_murmur2("abc"), 479470107);
}

TEST_F(runtime_translation_e2e,
       property_strategy_keys_and_partitions_by_murmur2_of_the_property_and_counts_a_missing_one) {
    write_manifests(
        mqtt_to_kafka_via("k-prop",
                          "partitionStrategy: Property\npartitionKeyProperty: device-id\n"
                          "batching:\n  latencyMs: 2"));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    ASSERT_NO_FATAL_FAILURE(start_mqtt_to_kafka(fb));
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();
    // payload → the key it must carry; the set spans all four partitions.
    std::map<std::string, std::string> expected_key;
    const std::vector<std::string> keys = {
        "dev-a", "dev-b", "sensor-17", "x", "k9", "\xc3\xbcnicode-\xe2\x82\xac", "21", "foobar"};
    std::set<std::int32_t> expected_partitions;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string payload = "p-" + std::to_string(i);
        // The device-id is not the first user property: the key is found among others.
        publish("e2e/dev/data", payload,
                {"-D", "publish", "user-property", "other", "o", "-D", "publish", "user-property",
                 "device-id", keys[i]});
        expected_key[payload] = keys[i];
        expected_partitions.insert(java_partition(keys[i], 4));
    }
    // Two device-id properties: the first one is the key.
    publish("e2e/dev/data", "two-ids",
            {"-D", "publish", "user-property", "device-id", "first-id", "-D", "publish",
             "user-property", "device-id", "second-id"});
    expected_key["two-ids"] = "first-id";
    // No device-id (another property only): Default, no key, counted.
    publish("e2e/dev/data", "no-id",
            {"-D", "publish", "user-property", "Device-Id", "case-differs"});

    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(keys.size() + 2, 20s)) << reader.distinct().size() << fb.log();
    EXPECT_GE(expected_partitions.size(), 3u) << "the keys should exercise several partitions";
    for (const consumed& r : reader.records) {
        if (r.value == "no-id") {
            EXPECT_FALSE(r.key.has_value()) << *r.key;
            EXPECT_GE(r.partition, 0);
            EXPECT_LT(r.partition, 4);
            continue;
        }
        ASSERT_TRUE(expected_key.count(r.value)) << r.value;
        const std::string& key = expected_key[r.value];
        ASSERT_TRUE(r.key.has_value()) << r.value;
        EXPECT_EQ(*r.key, key) << r.value;
        EXPECT_EQ(r.partition, java_partition(key, 4)) << r.value << " key " << key;
    }
    const std::string missing = series("flowbridge_partition_key_missing_total", "up");
    const std::string m = scrape_until(
        port, [&](const std::string& t) { return sample(t, missing) >= 1; }, 10s);
    EXPECT_EQ(sample(m, missing), 1) << m;
    // A fallback, not a loss: every message delivered, none dropped.
    EXPECT_EQ(sample(m, series("flowbridge_messages_delivered_total", "up")), keys.size() + 2) << m;
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    EXPECT_EQ(reader.records.size(), keys.size() + 2);
}

TEST_F(runtime_translation_e2e, static_strategy_partition_is_instance_id_mod_partition_count) {
    const std::string profile = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowProfile
metadata:
  name: quad
spec:
  instanceCount: 4
---)";
    write_manifests(profile + mqtt_to_kafka_via("k-static",
                                                "partitionStrategy: Static\n"
                                                "batching:\n  latencyMs: 2",
                                                "quad"));
    flowbridge_process fb(dir_, "fb", {"--instance-id", "3", "--metrics-port", "0"});
    ASSERT_NO_FATAL_FAILURE(start_mqtt_to_kafka(fb));
    publish_lines("e2e/dev/data", 1, 40);
    publish("e2e/other/data", "other-topic");
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(41, 20s)) << reader.distinct().size() << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    for (const consumed& r : reader.records) {
        EXPECT_EQ(r.partition, 3) << r.value;  // 3 mod 4
        EXPECT_FALSE(r.key.has_value()) << r.value << " key " << *r.key;
    }
}

TEST_F(runtime_translation_e2e, default_strategy_spreads_records_over_every_partition_without_key) {
    // Small batches so that the per-batch rotation (docs/translation.md) moves on many times.
    write_manifests(mqtt_to_kafka_via("k-default",
                                      "partitionStrategy: Default\n"
                                      "batching:\n  latencyMs: 2\n  maxMessages: 5"));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    ASSERT_NO_FATAL_FAILURE(start_mqtt_to_kafka(fb));
    constexpr int n = 200;
    publish_lines("e2e/dev/data", 1, n);  // one topic: a Topic strategy would use one partition
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(n, 30s)) << reader.distinct().size() << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    std::map<std::int32_t, int> per_partition;
    for (const consumed& r : reader.records) {
        ++per_partition[r.partition];
        EXPECT_FALSE(r.key.has_value()) << r.value << " key " << *r.key;
    }
    std::ostringstream counts;
    for (const auto& [p, c] : per_partition) counts << p << ":" << c << " ";
    std::cout << "[ measure ] records per partition " << counts.str() << "\n";
    ASSERT_EQ(per_partition.size(), 4u) << counts.str();
    for (const auto& [p, c] : per_partition) {
        EXPECT_GE(p, 0);
        EXPECT_LT(p, 4);
        // Even over time: no partition starved, none taking the lion's share.
        EXPECT_GE(c, n / 8) << "partition " << p << " got too few: " << counts.str();
        EXPECT_LE(c, n / 2) << "partition " << p << " got too many: " << counts.str();
    }
}

// ---- SPEC §3.2 -----------------------------------------------------------------------------

TEST_F(runtime_translation_e2e,
       kafka_headers_non_utf8_or_too_large_are_removed_counted_and_the_rest_forwarded_in_order) {
    write_manifests(kafka_to_mqtt_with(""));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT connected", 20s)) << fb.log();
    auto sub = subscribe_out();

    const std::string kept_65535(65535, 'k');
    kafka::testing::record_spec spec;
    spec.key = "device-7";
    spec.value = "cmd-1";
    spec.timestamp_ms = 1700000000123;
    spec.headers = {{"first", "1"},
                    {"binary", std::string("\xff\xfe\x00\x01", 4)},  // non_utf8
                    {"dup", "a"},
                    {"big-value", std::string(65536, 'v')},        // too_large (value)
                    {std::string(65536, 'n'), "big-name"},         // too_large (name)
                    {"edge", kept_65535},                          // 65535: kept
                    {std::string("bad\xc3", 4), "name-not-utf8"},  // non_utf8 (name)
                    {"nul", std::string("a\0b", 3)},               // U+0000: non_utf8
                    {"dup", "b"},
                    {"last", "z"}};
    ASSERT_NO_FATAL_FAILURE(produce_command(spec));
    ASSERT_EQ(sub->wait(40s), 0) << sub->output() << fb.log();
    const std::string line = received_line(*sub);
    const std::string expected =
        "out/commands|cmd-1|Key:device-7 Timestamp:1700000000123 first:1 "
        "dup:a edge:" +
        kept_65535 + " dup:b last:z";
    EXPECT_EQ(line.size(), expected.size());
    EXPECT_TRUE(line == expected) << line.substr(0, 200) << " … "
                                  << (line.size() > 200 ? line.substr(line.size() - 60) : "");

    const std::string non_utf8 =
        series("flowbridge_headers_dropped_total", "down", ",reason=\"non_utf8\"");
    const std::string too_large =
        series("flowbridge_headers_dropped_total", "down", ",reason=\"too_large\"");
    const std::string m = scrape_until(
        port,
        [&](const std::string& t) { return sample(t, non_utf8) >= 3 && sample(t, too_large) >= 2; },
        10s);
    EXPECT_EQ(sample(m, non_utf8), 3) << m;
    EXPECT_EQ(sample(m, too_large), 2) << m;
    // Header drops do not drop the message.
    EXPECT_EQ(sample(m, series("flowbridge_messages_delivered_total", "down")), 1) << m;
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_translation_e2e, amqp_encoded_header_values_arrive_as_their_utf8_string) {
    write_manifests(
        kafka_to_mqtt_with("  annotations:\n    flowbridge.io/decode-amqp-headers: \"true\""));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT connected", 20s)) << fb.log();
    auto sub = subscribe_out();

    kafka::testing::record_spec spec;
    spec.value = "amqp";
    spec.timestamp_ms = 1700000000456;
    spec.headers = {{"str8", std::string("\xa1\x03"
                                         "bar",
                                         5)},
                    {"plain", "text"},
                    {"str32", std::string("\xb1\x00\x00\x00\x06"
                                          "h\xc3\xa9llo",
                                          11)},
                    {"sym8", std::string("\xa3\x04"
                                         "sym1",
                                         6)},
                    {"sym32", std::string("\xb3\x00\x00\x00\x02"
                                          "s2",
                                          7)},
                    {"bad-length", std::string("\xa1\x09"
                                               "bar",
                                               5)}};  // left alone: non_utf8
    ASSERT_NO_FATAL_FAILURE(produce_command(spec));
    ASSERT_EQ(sub->wait(40s), 0) << sub->output() << fb.log();
    EXPECT_EQ(received_line(*sub),
              "out/commands|amqp|Timestamp:1700000000456 str8:bar plain:text str32:h\xc3\xa9llo "
              "sym8:sym1 sym32:s2");
    const std::string non_utf8 =
        series("flowbridge_headers_dropped_total", "down", ",reason=\"non_utf8\"");
    const std::string m = scrape_until(
        port, [&](const std::string& t) { return sample(t, non_utf8) >= 1; }, 10s);
    EXPECT_EQ(sample(m, non_utf8), 1) << m;
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

// ---- SPEC §3.2a ----------------------------------------------------------------------------

TEST_F(runtime_translation_e2e,
       cloud_events_propagate_forwards_attributes_under_binding_names_when_complete) {
    write_manifests(mqtt_to_kafka_via("k-ce",
                                      "partitionStrategy: Default\n"
                                      "batching:\n  latencyMs: 2"));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    ASSERT_NO_FATAL_FAILURE(start_mqtt_to_kafka(fb));
    const auto up = [](const char* k, const char* v) {
        return std::vector<std::string>{"-D", "publish", "user-property", k, v};
    };
    auto concat = [](std::initializer_list<std::vector<std::string>> parts) {
        std::vector<std::string> out;
        for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
        return out;
    };
    // All four required attributes plus optional ones and an unrelated property.
    publish("e2e/dev/data", "complete",
            concat({up("x-before", "1"), up("specversion", "1.0"), up("type", "com.example.t"),
                    up("source", "/dev/7"), up("id", "id-1"), up("subject", "sub"),
                    up("time", "2026-11-26T18:00:00Z"), up("datacontenttype", "application/json"),
                    up("dataschema", "https://example.com/s"), up("x-after", "2")}));
    // `id` missing: the message passes unchanged.
    publish("e2e/dev/data", "incomplete",
            concat({up("specversion", "1.0"), up("type", "com.example.t"), up("source", "/dev/7"),
                    up("subject", "sub")}));
    // The MQTT Content Type property wins over datacontenttype (dropped as shadowed).
    publish("e2e/dev/data", "with-content-type",
            concat({{"-D", "publish", "content-type", "text/plain"},
                    up("specversion", "1.0"),
                    up("type", "t"),
                    up("source", "s"),
                    up("id", "id-3"),
                    up("datacontenttype", "application/json")}));
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(3, 20s)) << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    using headers = std::vector<std::pair<std::string, std::string>>;
    std::map<std::string, headers> got;
    for (const consumed& r : reader.records) got[r.value] = r.headers;
    EXPECT_EQ(got["complete"], (headers{{"x-before", "1"},
                                        {"ce_specversion", "1.0"},
                                        {"ce_type", "com.example.t"},
                                        {"ce_source", "/dev/7"},
                                        {"ce_id", "id-1"},
                                        {"ce_subject", "sub"},
                                        {"ce_time", "2026-11-26T18:00:00Z"},
                                        {"Content Type", "application/json"},
                                        {"ce_dataschema", "https://example.com/s"},
                                        {"x-after", "2"}}));
    EXPECT_EQ(got["incomplete"], (headers{{"specversion", "1.0"},
                                          {"type", "com.example.t"},
                                          {"source", "/dev/7"},
                                          {"subject", "sub"}}));
    EXPECT_EQ(got["with-content-type"], (headers{{"Content Type", "text/plain"},
                                                 {"ce_specversion", "1.0"},
                                                 {"ce_type", "t"},
                                                 {"ce_source", "s"},
                                                 {"ce_id", "id-3"}}));
}

}  // namespace
}  // namespace flowbridge::test
