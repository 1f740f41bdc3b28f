// Kafka → MQTT while the MQTT broker goes away (SPEC §4: reconnects without operator action, an
// offset is committed only after its PUBLISH was acknowledged): the real binary, a real mosquitto
// with persistence (so that a subscriber's persistent session survives the broker's restart),
// librdkafka's mock cluster over TCP.
#include <algorithm>
#include <set>

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
    // while the subscriber is away is queued for it by the broker. No message count (-C): at QoS 1
    // a message may arrive again — one whose acknowledgement was not processed when the broker
    // stopped, the subscriber's (the broker redelivers it) or the broker's to flowbridge
    // (flowbridge publishes it again on reconnect) — so the test waits for the records it must
    // see instead.
    mqtt_subscriber persistent_subscriber(const std::string& name) {
        return mqtt_subscriber(dir_, name, broker_.port(),
                               {"-c", "-i", "e2e-outage-sub", "-t", "out/#", "-q", "1", "-W", "120",
                                "-F", "%p"});
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
        mqtt_subscriber sub = persistent_subscriber("before.out");
        fb.start();
        ASSERT_TRUE(sub.wait_for_lines(expected(1, 10), 90s)) << fb.log() << "\nreceived:\n" << sub.output();
        EXPECT_EQ(sub.lines(), expected(1, 10));
        sub.stop();
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
    {
        mqtt_subscriber after = persistent_subscriber("after.out");
        ASSERT_TRUE(after.wait_for_lines(expected(11, 30), 90s))
            << fb.log() << "\nreceived:\n" << after.output();
        // Besides every record produced during the outage, at most repeats of earlier ones (the
        // first phase's tail, its acknowledgements cut short by the broker's stop).
        const std::set<std::string> got = after.lines(), any = expected(1, 30);
        EXPECT_TRUE(std::includes(any.begin(), any.end(), got.begin(), got.end()))
            << "received:\n" << after.output();
        after.stop();
    }
    EXPECT_EQ(fb.terminate(), 0) << fb.log();

    // Nothing was committed that was not acknowledged: a restarted flowbridge with the same
    // consumer group has nothing left to publish (every offset up to 30 was committed after its
    // PUBACK). A fresh subscriber (its own client id, a clean session: nothing queued for it)
    // sees only records produced from now on; a record up to 30 published again would reach it
    // before 31, the partition being read in order.
    mqtt_subscriber last(dir_, "last.out", broker_.port(),
                         {"-i", "e2e-outage-fresh", "-t", "out/#", "-q", "1", "-W", "120", "-F", "%p"});
    produce(31, 32);
    fb.start();
    ASSERT_TRUE(last.wait_for_lines(expected(31, 32), 90s)) << fb.log() << "\nreceived:\n" << last.output();
    EXPECT_EQ(last.lines(), expected(31, 32)) << "received:\n" << last.output();
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

}  // namespace
}  // namespace flowbridge::test
