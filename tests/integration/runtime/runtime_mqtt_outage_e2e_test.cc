// Kafka → MQTT while the MQTT broker goes away (SPEC §4: reconnects without operator action, an
// offset is committed only after its PUBLISH was acknowledged): the real binary, a real mosquitto
// with persistence (so that a subscriber's persistent session survives the broker's restart),
// librdkafka's mock cluster over TCP.
#include <set>
#include <sstream>

#include "tests/integration/runtime/e2e_support.h"

namespace flowbridge::test {
namespace {

class runtime_mqtt_outage_e2e : public ::testing::Test {
protected:
    void SetUp() override {
        std::string error;
        cluster_ = kafka::mock_cluster::create(1, error);
        ASSERT_NE(cluster_, nullptr) << error;
        ASSERT_EQ(cluster_->create_topic("commands", 2), "");
        write_flow_manifests(dir_, kafka_to_mqtt_yaml, broker_.port(), cluster_->bootstrap());
    }

    void produce(int first, int last) {
        produce_commands(dir_, cluster_->bootstrap(), "commands", 0, first, last);
    }

    // A persistent session (-c: never expires) with a fixed client id: what flowbridge publishes
    // while the subscriber is away is queued for it by the broker.
    mqtt_subscriber subscriber(const std::string& name, int count) {
        return mqtt_subscriber(dir_, name, broker_.port(),
                               {"-c", "-i", "e2e-outage-sub", "-t", "out/#", "-q", "1", "-C",
                                std::to_string(count), "-W", "90", "-F", "%p"});
    }

    static std::multiset<std::string> lines(const mqtt_subscriber& sub) {
        std::multiset<std::string> s;
        std::istringstream in(sub.output());
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) s.insert(line);
        return s;
    }

    static std::set<std::string> expected(int first, int last) {
        std::set<std::string> s;
        for (int i = first; i <= last; ++i) s.insert("cmd-" + std::to_string(i));
        return s;
    }

    mosquitto_broker broker_{mosquitto_options{.persistence = true}};
    std::unique_ptr<kafka::mock_cluster> cluster_;
    temp_dir dir_;
};

TEST_F(runtime_mqtt_outage_e2e, kafka_to_mqtt_broker_down_then_up_delivers_every_record) {
    produce(1, 10);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    {
        mqtt_subscriber sub = subscriber("before.out", 10);
        fb.start();
        ASSERT_EQ(sub.wait(90s), 0) << fb.log();
        const auto got = lines(sub);
        EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected(1, 10));
    }

    // The broker goes away (SIGTERM: it saves the subscriber's session); flowbridge notices.
    broker_.stop();
    ASSERT_TRUE(fb.wait_log("MQTT connection_lost", 30s)) << fb.log();
    // Records arriving meanwhile are read from Kafka but cannot be published: they must not be
    // committed, and must go out once the broker is back.
    produce(11, 30);
    ASSERT_TRUE(fb.running()) << fb.log();

    ASSERT_TRUE(broker_.start()) << broker_.log();
    // flowbridge reconnects by itself (with back-off); whatever it publishes before the
    // subscriber is back is queued for the persistent session.
    ASSERT_TRUE(fb.wait_log("MQTT connected", 60s, 2)) << fb.log();
    mqtt_subscriber after = subscriber("after.out", 20);
    ASSERT_EQ(after.wait(90s), 0) << fb.log() << "\nreceived:\n" << after.output();
    const auto got = lines(after);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected(11, 30))
        << "every record produced while the broker was down arrives after it is back";
    EXPECT_EQ(fb.terminate(), 0) << fb.log();

    // Nothing was committed that was not acknowledged: a restarted flowbridge with the same
    // consumer group has nothing left to publish (every offset up to 30 was committed after its
    // PUBACK), so a fresh subscriber sees only records produced from now on.
    produce(31, 32);
    mqtt_subscriber last = subscriber("last.out", 2);
    fb.start();
    ASSERT_EQ(last.wait(90s), 0) << fb.log();
    const auto rest = lines(last);
    EXPECT_EQ(std::set<std::string>(rest.begin(), rest.end()), expected(31, 32));
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

}  // namespace
}  // namespace flowbridge::test
