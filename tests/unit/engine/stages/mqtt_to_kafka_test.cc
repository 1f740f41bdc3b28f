// SPEC §3.1: MQTT → Kafka translation. One test per rule, named after it.
#include "engine/stages/mqtt_to_kafka.h"

#include <gtest/gtest.h>

#include "engine/stages/header_names.h"
#include "tests/unit/engine/stages/translation_fixture.h"

namespace flowbridge {
namespace {

using testing::header_pairs;
using testing::headers_of;
using testing::publish_spec;
using testing::translated;

TEST(mqtt_to_kafka, record_value_is_the_payload_byte_for_byte) {
    publish_spec s;
    s.payload = std::string("\x00\xff\x10 binary\x00", 10);
    translated t(s);
    EXPECT_EQ(t.record.value, s.payload);
    EXPECT_TRUE(t.publish.points_into(t.record.value));  // a view, not a copy
}

TEST(mqtt_to_kafka, record_timestamp_is_the_receive_time) {
    translated t(publish_spec{});
    EXPECT_EQ(t.record.timestamp_ms, 1'700'000'000'000);
}

TEST(mqtt_to_kafka, record_goes_to_the_destination_topic) {
    mqtt_to_kafka_settings settings;
    settings.destination_topic = "plant-telemetry";
    translated t(publish_spec{}, settings);
    EXPECT_EQ(t.record.topic, "plant-telemetry");
}

TEST(mqtt_to_kafka, payload_format_indicator_becomes_header_0_or_1) {
    for (std::uint8_t v : {0, 1}) {
        publish_spec s;
        s.payload_format = v;
        translated t(s);
        EXPECT_EQ(headers_of(t.record),
                  (header_pairs{{"Payload Format Indicator", v ? "1" : "0"}}));
    }
}

TEST(mqtt_to_kafka, response_topic_becomes_header) {
    publish_spec s;
    s.response_topic = "replies/device-9";
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Response Topic", "replies/device-9"}}));
}

TEST(mqtt_to_kafka, message_expiry_interval_becomes_header_in_decimal_seconds) {
    publish_spec s;
    s.expiry = 3600;
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Message Expiry Interval", "3600"}}));
    EXPECT_EQ(t.record.expiry_header, 0);
}

TEST(mqtt_to_kafka, correlation_data_becomes_header_with_raw_binary_bytes) {
    publish_spec s;
    s.correlation_data = std::string("\x00\xff\xc3\x28", 4);
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Correlation Data", *s.correlation_data}}));
}

TEST(mqtt_to_kafka, content_type_becomes_header) {
    publish_spec s;
    s.content_type = "application/json";
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Content Type", "application/json"}}));
}

TEST(mqtt_to_kafka, all_five_properties_use_their_exact_header_names) {
    translated t(testing::full_publish_spec());
    std::vector<std::string> names;
    for (const auto& h : t.record.headers) names.emplace_back(h.name);
    names.resize(5);
    EXPECT_EQ(names, (std::vector<std::string>{"Payload Format Indicator", "Response Topic",
                                               "Message Expiry Interval", "Correlation Data",
                                               "Content Type"}));
}

TEST(mqtt_to_kafka, user_properties_become_headers_in_order_with_duplicates) {
    publish_spec s;
    s.user_properties = {{"b", "1"}, {"a", "2"}, {"b", "3"}, {"b", "1"}};
    translated t(s);
    EXPECT_EQ(headers_of(t.record), s.user_properties);
}

// A slot reserves room for a few headers (its fixed memory, multiplied by up to 65 535 slots per
// shard); a message with many more still gets every one, and the slot keeps the room it grew.
TEST(mqtt_to_kafka, a_message_with_more_headers_than_a_slot_reserves_gets_them_all) {
    publish_spec big = testing::full_publish_spec();
    big.user_properties.clear();
    for (int i = 0; i < 40; ++i)
        big.user_properties.emplace_back("k" + std::to_string(i), std::to_string(i * 7));
    mqtt_to_kafka_settings settings;
    settings.destination_topic = "telemetry";
    translated t(big, settings);
    const header_pairs got = headers_of(t.record);
    ASSERT_EQ(got.size(), 5u + 40u);
    ASSERT_GT(got.size(), outbound_kafka_record::reserved_headers);
    EXPECT_EQ(header_pairs(got.begin() + 5, got.end()), big.user_properties);
    const std::size_t room = t.record.headers.capacity();

    // The slot's next message is a small one: translated as usual, the room kept.
    publish_spec one;
    one.user_properties = {{"a", "1"}};
    const testing::received_publish small(one, 0);
    t.record.reset();
    translate_mqtt_to_kafka(small.message(), t.record, settings, t.drops, &t.ids);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"a", "1"}}));
    EXPECT_EQ(t.record.headers.capacity(), room);
}

TEST(mqtt_to_kafka, headers_are_views_into_the_received_bytes) {
    translated t(testing::full_publish_spec());
    for (const auto& h : t.record.headers) {
        if (h.name == header_names::message_expiry_interval ||
            h.name == header_names::payload_format_indicator) {
            continue;  // formatted values: scratch bytes / static strings
        }
        EXPECT_TRUE(t.publish.points_into(h.value)) << h.name;
    }
}

TEST(mqtt_to_kafka, topic_alias_is_never_forwarded) {
    publish_spec s;
    s.topic_alias = 5;
    s.user_properties = {{"k", "v"}};
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"k", "v"}}));
}

TEST(mqtt_to_kafka, subscription_identifier_is_never_forwarded) {
    publish_spec s;
    s.subscription_ids = {3, 9};
    translated t(s);
    EXPECT_TRUE(t.record.headers.empty());
}

TEST(mqtt_to_kafka, user_property_shadowed_by_a_present_mqtt_property_is_dropped_and_counted) {
    publish_spec s;
    s.content_type = "application/json";
    s.correlation_data = "c1";
    s.user_properties = {{"Content Type", "text/plain"}, {"x", "1"}, {"Correlation Data", "u"}};
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Correlation Data", "c1"},
                                                  {"Content Type", "application/json"},
                                                  {"x", "1"}}));
    EXPECT_EQ(t.drops.value(drop_reason::header_shadowed), 2u);
}

TEST(mqtt_to_kafka, user_property_named_like_an_absent_mqtt_property_is_forwarded) {
    publish_spec s;
    s.user_properties = {{"Content Type", "text/plain"}};
    translated t(s);
    EXPECT_EQ(headers_of(t.record), (header_pairs{{"Content Type", "text/plain"}}));
    EXPECT_EQ(t.drops.value(drop_reason::header_shadowed), 0u);
}

TEST(mqtt_to_kafka, copy_mqtt_properties_disabled_produces_no_headers_at_all) {
    mqtt_to_kafka_settings settings;
    settings.copy_mqtt_properties = false;
    translated t(testing::full_publish_spec(), settings);
    EXPECT_TRUE(t.record.headers.empty());
    EXPECT_EQ(t.record.value.size(), 100u);
}

TEST(mqtt_to_kafka, accounted_bytes_cover_value_and_headers) {
    translated t(testing::full_publish_spec());
    EXPECT_EQ(t.record.bytes, t.record.accounted_bytes());
    EXPECT_GT(t.record.bytes, 100u);
}

TEST(mqtt_to_kafka, translation_leaves_key_and_partition_to_the_partitioner) {
    translated t(testing::full_publish_spec());
    EXPECT_FALSE(t.record.has_key);
    EXPECT_FALSE(t.record.partition.valid());
}

TEST(mqtt_to_kafka, delivery_tag_and_arrival_travel_with_the_record) {
    translated t(publish_spec{}, {}, 12345);
    EXPECT_EQ(t.record.tag.value, 42u);
    EXPECT_EQ(t.record.arrival, 12345);
}

}  // namespace
}  // namespace flowbridge
