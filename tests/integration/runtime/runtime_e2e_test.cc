// `flowbridge run` end to end (SPEC §3, §4, §7): real mosquitto, the librdkafka mock cluster, the
// real binary; observed only through real clients (mosquitto_pub/_sub, kcat, a Kafka consumer).
// Every wait has a deadline; processes are killed by PID; loopback only.
#include "tests/integration/runtime/e2e_support.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;
using kafka::testing::consumed;

TEST_F(runtime_e2e, mqtt_properties_become_kafka_headers_through_real_clients) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
    ASSERT_EQ(run_command({"/usr/bin/mosquitto_pub", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                           std::to_string(broker_.port()), "-q", "1", "-t", "e2e/dev1/data",
                           "-m", "payload-1", "-D", "publish", "content-type", "text/plain",
                           "-D", "publish", "payload-format-indicator", "1",
                           "-D", "publish", "message-expiry-interval", "600",
                           "-D", "publish", "response-topic", "e2e/dev1/reply",
                           "-D", "publish", "correlation-data", "corr-1",
                           "-D", "publish", "user-property", "a", "1",
                           "-D", "publish", "user-property", "a", "2",
                           "-D", "publish", "user-property", "Content Type", "shadowed"}),
              0);
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(1, 20s));
    const consumed& r = reader.records.front();
    EXPECT_EQ(r.value, "payload-1");
    ASSERT_TRUE(r.key.has_value());  // SPEC §3.1: Topic strategy → the key is the MQTT topic
    EXPECT_EQ(*r.key, "e2e/dev1/data");
    EXPECT_GT(r.timestamp_ms, 0);
    EXPECT_EQ(header(r, "Content Type"), "text/plain");  // MQTT property wins over the user one
    EXPECT_EQ(header(r, "Payload Format Indicator"), "1");
    const std::string expiry = header(r, "Message Expiry Interval");
    EXPECT_TRUE(expiry == "600" || expiry == "599") << expiry;
    EXPECT_EQ(header(r, "Response Topic"), "e2e/dev1/reply");
    EXPECT_EQ(header(r, "Correlation Data"), "corr-1");
    std::vector<std::string> user_a;
    for (const auto& [n, v] : r.headers)
        if (n == "a") user_a.push_back(v);
    EXPECT_EQ(user_a, (std::vector<std::string>{"1", "2"}));  // in order, duplicates kept
    std::size_t content_types = 0;
    for (const auto& [n, v] : r.headers) content_types += n == "Content Type";
    EXPECT_EQ(content_types, 1u);
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, kafka_records_become_mqtt_publishes_with_key_timestamp_and_headers) {
    write_manifests(kafka_to_mqtt_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("MQTT connected", 20s)) << fb.log();
    mqtt_subscriber sub(dir_, "sub.out", broker_.port(),
                        {"-t", "out/#", "-C", "1", "-W", "30", "-F", "%t|%p|%C|%P"});
    write_file(dir_.file("record"), "cmd-1");
    ASSERT_EQ(run_command({"/usr/bin/kcat", "-P", "-b", cluster_->bootstrap(), "-t", "commands",
                           "-k", "device-7", "-H", "origin=ops", "-H", "Content Type=text/plain",
                           dir_.file("record")}),
              0);
    ASSERT_EQ(sub.wait(40s), 0) << fb.log();
    const std::string out = sub.output();
    EXPECT_EQ(out.rfind("out/commands|cmd-1|text/plain|", 0), 0u) << out;
    EXPECT_NE(out.find("Key:device-7"), std::string::npos) << out;
    EXPECT_NE(out.find("Timestamp:"), std::string::npos) << out;
    EXPECT_NE(out.find("origin:ops"), std::string::npos) << out;
    EXPECT_EQ(out.find("Content Type:"), std::string::npos) << out;  // restored as the property
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, kafka_broker_down_then_up_loses_nothing) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();
    ASSERT_EQ(cluster_->broker_down(1), "");
    publish_lines("e2e/dev/data", 1, 200);
    // The producer saw the outage and parks what it holds (docs/kafka.md) before Kafka returns.
    ASSERT_TRUE(fb.wait_log("parking records until it answers", 20s)) << fb.log();
    ASSERT_EQ(cluster_->broker_up(1), "");
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    EXPECT_TRUE(reader.wait_distinct(200, 60s)) << reader.distinct().size() << "\n" << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    std::cout << "[ measure ] records " << reader.records.size() << ", distinct "
              << reader.distinct().size() << "\n";
}

TEST_F(runtime_e2e, kafka_down_at_start_is_retried_until_it_answers) {
    write_manifests(mqtt_to_kafka_yaml);
    ASSERT_EQ(cluster_->broker_down(1), "");
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("Kafka not ready", 20s)) << fb.log();
    ASSERT_EQ(cluster_->broker_up(1), "");
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 30s)) << fb.log();
    publish_lines("e2e/dev/data", 1, 50);
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    EXPECT_TRUE(reader.wait_distinct(50, 30s)) << reader.distinct().size() << "\n" << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, sigkill_while_kafka_is_down_then_restart_delivers_every_message) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();
    publish_lines("e2e/dev/data", 1, 50);
    {
        kafka_reader reader(cluster_->bootstrap(), "e2e");
        ASSERT_TRUE(reader.wait_distinct(50, 30s)) << fb.log();
    }
    ASSERT_EQ(cluster_->broker_down(1), "");
    publish_lines("e2e/dev/data", 51, 150);
    ASSERT_TRUE(fb.wait_log("parking records until it answers", 20s)) << fb.log();
    fb.kill();  // SIGKILL mid-stream: nothing acknowledged that Kafka did not have
    ASSERT_EQ(cluster_->broker_up(1), "");
    fb.start();
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    EXPECT_TRUE(reader.wait_distinct(150, 60s)) << reader.distinct().size() << "\n" << fb.log();
    const std::size_t duplicates = reader.records.size() - reader.distinct().size();
    std::cout << "[ measure ] delivered " << reader.distinct().size() << " of 150, duplicates "
              << duplicates << "\n";
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, sigterm_drains_and_exits_0_without_duplicates) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();
    publish_lines("e2e/dev/data", 1, 300);
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    EXPECT_NE(fb.log().find("received SIGTERM"), std::string::npos);
    fb.start();  // whatever was not taken before the stop is still queued for the session
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    EXPECT_TRUE(reader.wait_distinct(300, 60s)) << reader.distinct().size() << "\n" << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    reader.poll(500ms);
    EXPECT_EQ(reader.records.size(), 300u) << "a clean drain acknowledges what it delivered";
}

TEST_F(runtime_e2e, kafka_to_mqtt_restart_resumes_from_committed_offsets) {
    write_manifests(kafka_to_mqtt_yaml);
    auto produce = [&](int first, int last) {
        produce_commands(dir_, cluster_->bootstrap(), "commands", 0, first, last);
    };
    auto received = [&](const mqtt_subscriber& sub) {
        std::set<std::string> s;
        std::istringstream in(sub.output());
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) s.insert(line);
        return s;
    };
    auto expect_set = [](int first, int last) {
        std::set<std::string> s;
        for (int i = first; i <= last; ++i) s.insert("cmd-" + std::to_string(i));
        return s;
    };
    produce(1, 10);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    {
        mqtt_subscriber sub(dir_, "first.out", broker_.port(),
                            {"-t", "out/#", "-q", "1", "-C", "10", "-W", "60", "-F", "%p"});
        fb.start();
        ASSERT_EQ(sub.wait(70s), 0) << fb.log();
        EXPECT_EQ(received(sub), expect_set(1, 10));
    }
    ASSERT_EQ(fb.terminate(), 0) << fb.log();  // commits the completed offsets
    produce(11, 20);
    mqtt_subscriber sub(dir_, "second.out", broker_.port(),
                        {"-t", "out/#", "-q", "1", "-C", "10", "-W", "60", "-F", "%p"});
    fb.start();
    ASSERT_EQ(sub.wait(70s), 0) << fb.log();
    EXPECT_EQ(received(sub), expect_set(11, 20)) << "resumed past 1..10";
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, two_instances_with_instance_count_2_split_an_mqtt_source) {
    write_manifests(mqtt_to_kafka_yaml, "pair");
    flowbridge_process a(dir_, "a", {"--instance-id", "0", "--metrics-port", "0"});
    flowbridge_process b(dir_, "b", {"--instance-id", "1", "--metrics-port", "0"});
    a.start();
    b.start();
    ASSERT_TRUE(a.wait_log("MQTT subscribed", 20s)) << a.log();
    ASSERT_TRUE(b.wait_log("MQTT subscribed", 20s)) << b.log();
    EXPECT_NE(a.log().find("$share/pair-up/e2e/+/data"), std::string::npos) << a.log();
    publish_lines("e2e/dev/data", 1, 200);
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    EXPECT_TRUE(reader.wait_distinct(200, 60s)) << reader.distinct().size();
    EXPECT_EQ(a.terminate(), 0) << a.log();
    EXPECT_EQ(b.terminate(), 0) << b.log();
    const long long ra = a.total_received("up");
    const long long rb = b.total_received("up");
    std::cout << "[ measure ] instance 0 received " << ra << ", instance 1 received " << rb << "\n";
    EXPECT_GT(ra, 0);
    EXPECT_GT(rb, 0);
    EXPECT_GE(ra + rb, 200);
}

TEST_F(runtime_e2e, mqtt_to_mqtt_forwards_properties_to_the_templated_topic) {
    write_manifests(mqtt_to_mqtt_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    ASSERT_TRUE(fb.wait_log("source MQTT subscribed", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("destination MQTT connected", 20s)) << fb.log();
    mqtt_subscriber sub(dir_, "sub.out", broker_.port(),
                        {"-t", "copy/#", "-C", "1", "-W", "30", "-F", "%t|%p|%C|%E|%P"});
    ASSERT_EQ(run_command({"/usr/bin/mosquitto_pub", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                           std::to_string(broker_.port()), "-q", "1", "-t", "in/dev9/x",
                           "-m", "hello", "-D", "publish", "content-type", "text/plain",
                           "-D", "publish", "message-expiry-interval", "100",
                           "-D", "publish", "user-property", "k", "v"}),
              0);
    ASSERT_EQ(sub.wait(40s), 0) << fb.log();
    const std::string out = sub.output();
    EXPECT_EQ(out.rfind("copy/dev9/in/dev9/x|hello|text/plain|", 0), 0u) << out;
    EXPECT_TRUE(out.find("|100|") != std::string::npos || out.find("|99|") != std::string::npos) << out;
    EXPECT_NE(out.find("k:v"), std::string::npos) << out;
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    EXPECT_NE(fb.log().find("copy] totals: received 1, delivered 1"), std::string::npos) << fb.log();
}

TEST_F(runtime_e2e, sigterm_during_start_up_still_exits_0) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    // Logged after the manifests are loaded, before the flows start (signals are blocked then).
    ASSERT_TRUE(fb.wait_log("flowbridge run: instance", 20s)) << fb.log();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_e2e, invalid_manifests_print_every_error_and_exit_1) {
    write_file(dir_.file("manifests/bad.yaml"),
               "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
               "metadata:\n  name: k\nspec:\n  endpointType: Kafka\n  kafkaSettings:\n"
               "    host: h:1\n    authentication:\n      method: Anonymous\n"
               "    batching:\n      latencyMs: 70000\n    compression: Brotli\n");
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    EXPECT_EQ(fb.wait_exit(10s), 1);
    const std::string log = fb.log();
    EXPECT_NE(log.find("latencyMs"), std::string::npos) << log;
    EXPECT_NE(log.find("compression"), std::string::npos) << log;
}

}  // namespace
}  // namespace flowbridge::test
