// SPEC §3.3: message expiry, evaluated at hand-off on the injected clock.
#include "engine/stages/expiry.h"

#include <vector>

#include <gtest/gtest.h>

#include "engine/stages/kafka_to_mqtt.h"
#include "tests/unit/engine/stages/translation_fixture.h"

namespace flowbridge {
namespace {

using testing::publish_spec;
using testing::translated;

std::string expiry_header(const outbound_kafka_record& r) {
    const auto index = static_cast<std::size_t>(r.expiry_header);
    EXPECT_LT(index, r.headers.size());
    return index < r.headers.size() ? std::string(r.headers[index].value) : std::string("<none>");
}

TEST(expiry, remaining_is_interval_minus_whole_seconds_queued) {
    EXPECT_EQ(evaluate_expiry(3600, 0, 1000 * ns_per_s).remaining_s, 2600u);  // the seed's example
    EXPECT_FALSE(evaluate_expiry(3600, 0, 1000 * ns_per_s).expired);
}

TEST(expiry, partial_seconds_queued_are_not_subtracted) {
    EXPECT_EQ(evaluate_expiry(10, 0, 1 * ns_per_s + 999'999'999).remaining_s, 9u);
}

TEST(expiry, message_whose_remaining_interval_is_zero_is_expired) {
    EXPECT_TRUE(evaluate_expiry(10, 0, 10 * ns_per_s).expired);
    EXPECT_TRUE(evaluate_expiry(3600, 0, 4000 * ns_per_s).expired);  // the seed's second example
}

TEST(expiry, zero_interval_is_expired_on_arrival) {
    EXPECT_TRUE(evaluate_expiry(0, 5, 5).expired);
}

TEST(expiry, clock_going_backwards_counts_as_no_time_queued) {
    EXPECT_EQ(evaluate_expiry(10, 100 * ns_per_s, 0).remaining_s, 10u);
}

TEST(expiry, header_carries_remaining_seconds_at_handoff) {
    publish_spec s;
    s.expiry = 3600;
    translated t(s, {}, 0);
    drop_counters drops;
    ASSERT_TRUE(restamp_expiry(t.record, 1000 * ns_per_s, drops));
    EXPECT_EQ(expiry_header(t.record), "2600");
}

TEST(expiry, delayed_message_is_reevaluated_when_finally_emitted) {
    publish_spec s;
    s.expiry = 100;
    translated t(s, {}, 0);
    drop_counters drops;
    ASSERT_TRUE(restamp_expiry(t.record, 10 * ns_per_s, drops));
    EXPECT_EQ(expiry_header(t.record), "90");
    ASSERT_TRUE(restamp_expiry(t.record, 70 * ns_per_s, drops));  // the destination was down
    EXPECT_EQ(expiry_header(t.record), "30");
    EXPECT_FALSE(restamp_expiry(t.record, 100 * ns_per_s, drops));
}

TEST(expiry, message_without_expiry_interval_never_expires) {
    translated t(publish_spec{}, {}, 0);
    drop_counters drops;
    EXPECT_TRUE(restamp_expiry(t.record, 1'000'000 * ns_per_s, drops));
    EXPECT_EQ(drops.value(drop_reason::message_expired), 0u);
}

TEST(expiry, expired_message_is_dropped_counted_and_reported_handled) {
    std::vector<std::unique_ptr<translated>> msgs;
    std::vector<outbound_kafka_record*> batch;
    for (std::uint32_t interval : {5u, 50u, 2u, 500u}) {
        publish_spec s;
        s.expiry = interval;
        s.user_properties = {{"i", std::to_string(interval)}};
        msgs.push_back(std::make_unique<translated>(s, mqtt_to_kafka_settings{}, 0));
        batch.push_back(&msgs.back()->record);
    }
    drop_counters drops;
    std::vector<outbound_kafka_record*> handled;
    const std::size_t kept = restamp_expiry(batch, 10 * ns_per_s, drops,
                                            [&](outbound_kafka_record* r) { handled.push_back(r); });
    ASSERT_EQ(kept, 2u);
    EXPECT_EQ(batch[0], &msgs[1]->record);  // order of survivors kept
    EXPECT_EQ(batch[1], &msgs[3]->record);
    EXPECT_EQ(handled, (std::vector<outbound_kafka_record*>{&msgs[0]->record, &msgs[2]->record}));
    EXPECT_EQ(drops.value(drop_reason::message_expired), 2u);
}

TEST(expiry, restored_mqtt_expiry_is_reevaluated_for_kafka_sources) {
    topic_template dest;
    std::string err;
    ASSERT_TRUE(dest.parse("out", err));
    kafka_to_mqtt_settings settings{&dest, true, false};
    const kafka_header headers[] = {{"Message Expiry Interval", "60"}};
    kafka_record in;
    in.topic = "t";
    in.headers = headers;
    in.arrival = 0;
    outbound_mqtt_publish out;
    drop_counters drops;
    ASSERT_TRUE(translate_kafka_to_mqtt(in, out, settings, drops));
    ASSERT_TRUE(restamp_expiry(out, 45 * ns_per_s, drops));
    EXPECT_EQ(out.message_expiry_interval, 15u);
    EXPECT_FALSE(restamp_expiry(out, 61 * ns_per_s, drops));
    EXPECT_EQ(drops.value(drop_reason::message_expired), 1u);
}

}  // namespace
}  // namespace flowbridge
