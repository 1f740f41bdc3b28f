// `flowbridge run` end to end for SPEC §3.3 "messages waiting while the destination is down are
// re-evaluated when they are finally emitted", with SPEC §4 (expired = handled = acknowledged):
// real mosquitto, the librdkafka mock cluster taken down and brought back, the real binary.
// Every wait has a deadline; loopback only.
#include <cmath>

#include "tests/integration/runtime/e2e_support.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;
using kafka::testing::consumed;

struct totals {
    long long received = -1, delivered = -1, acknowledged = -1, failed = -1, dropped = -1;
};

// The last `totals:` line the daemon logged for dataflow `df` on exit.
totals last_totals(const std::string& log, const std::string& df) {
    const std::regex re(df +
                        "\\] totals: received ([0-9]+), delivered ([0-9]+), acknowledged "
                        "([0-9]+), failed ([0-9]+), dropped ([0-9]+)");
    totals t;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
         ++it) {
        t = {std::stoll((*it)[1]), std::stoll((*it)[2]), std::stoll((*it)[3]), std::stoll((*it)[4]),
             std::stoll((*it)[5])};
    }
    return t;
}

// Fast reconnects so that the broker's return is noticed at once; no metrics listener.
std::vector<std::string> daemon_args() {
    return {"--kafka-property", "reconnect.backoff.ms=50",
            "--kafka-property", "reconnect.backoff.max.ms=500",
            "--metrics-port",   "0"};
}

TEST_F(runtime_e2e, expiry_reevaluated_when_kafka_comes_back_expired_dropped_and_acknowledged) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", daemon_args());
    fb.start();
    ASSERT_TRUE(fb.wait_log("started, 4 partition(s)", 20s)) << fb.log();
    ASSERT_TRUE(fb.wait_log("MQTT subscribed", 20s)) << fb.log();

    ASSERT_EQ(cluster_->broker_down(1), "");
    // The producer notices the outage and parks from now on (logged by the transport).
    ASSERT_TRUE(fb.wait_log("Kafka unreachable", 20s)) << fb.log();
    const auto published = std::chrono::steady_clock::now();
    // 10 + 10 messages: within the Receive Maximum (maxInflightMessages: 20), so the broker
    // hands all of them to flowbridge at once and none ages in the broker's own queue.
    publish_lines("e2e/short/data", 1, 10, {"-D", "publish", "message-expiry-interval", "2"});
    publish_lines("e2e/long/data", 11, 20, {"-D", "publish", "message-expiry-interval", "60"});
    // More than 2 whole seconds queued: the short ones are expired at the second hand-off.
    ASSERT_TRUE(kafka::testing::wait_until(
        [&] { return std::chrono::steady_clock::now() - published >= 3500ms; }, 10s));
    ASSERT_EQ(cluster_->broker_up(1), "");

    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(10, 60s)) << reader.distinct().size() << "\n" << fb.log();
    ASSERT_TRUE(fb.wait_log("Kafka reachable again", 20s)) << fb.log();
    reader.poll(500ms);  // anything else that made it to Kafka
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - published).count();

    std::set<std::string> long_ones;
    for (int i = 11; i <= 20; ++i) long_ones.insert("msg-" + std::to_string(i));
    EXPECT_EQ(reader.distinct(), long_ones) << "only the 60 s messages reach Kafka";
    for (const consumed& r : reader.records) {
        const std::string h = header(r, "Message Expiry Interval");
        ASSERT_NE(h, "<absent>") << r.value;
        const long remaining = std::stol(h);
        // Restamped at the second hand-off: the seconds queued through the outage are gone.
        EXPECT_LT(remaining, 60) << r.value;
        EXPECT_LE(remaining, 57) << r.value << ": at least 3 whole seconds were queued";
        EXPECT_GE(remaining, 60 - static_cast<long>(std::ceil(elapsed_s))) << r.value;
    }

    ASSERT_EQ(fb.terminate(), 0) << fb.log();
    const totals t = last_totals(fb.log(), "up");
    std::cout << "[ measure ] elapsed " << elapsed_s << " s, first header "
              << header(reader.records.front(), "Message Expiry Interval") << ", totals received "
              << t.received << " delivered " << t.delivered << " dropped " << t.dropped
              << " acknowledged " << t.acknowledged << "\n";
    EXPECT_EQ(t.received, 20) << fb.log();
    EXPECT_EQ(t.delivered, 10) << fb.log();
    EXPECT_EQ(t.dropped, 10) << "the expired ones are counted";
    EXPECT_EQ(t.failed, 0);
    EXPECT_EQ(t.acknowledged, 20) << "expired = handled: acknowledged too (SPEC §4)";

    // Nothing is redelivered after a restart: every message was acknowledged, expired or not.
    flowbridge_process again(dir_, "fb2", daemon_args());
    again.start();
    ASSERT_TRUE(again.wait_log("MQTT connected (session present)", 20s)) << again.log();
    ASSERT_TRUE(again.wait_log("started, 4 partition(s)", 20s)) << again.log();
    // A redelivery would arrive right after the session resumes; give it a bounded window.
    reader.poll(2000ms);
    ASSERT_EQ(again.terminate(), 0) << again.log();
    EXPECT_EQ(again.total_received("up"), 0) << again.log();
    EXPECT_EQ(reader.distinct(), long_ones);
}

}  // namespace
}  // namespace flowbridge::test
