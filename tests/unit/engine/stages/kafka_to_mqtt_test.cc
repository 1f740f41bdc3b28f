// SPEC §3.2: Kafka → MQTT translation.
#include "engine/stages/kafka_to_mqtt.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/engine/stages/translation_fixture.h"

namespace flowbridge {
namespace {

using props = std::vector<std::pair<std::string, std::string>>;

props user_properties_of(const outbound_mqtt_publish& p) {
    props out;
    for (const auto& up : p.user_properties) out.emplace_back(up.name, up.value);
    return out;
}

struct k2m : ::testing::Test {
    topic_template destination;
    kafka_to_mqtt_settings settings{&destination, false, false};
    std::vector<kafka_header> headers;
    kafka_record in;
    outbound_mqtt_publish out;
    drop_counters drops;

    void SetUp() override {
        std::string error;
        ASSERT_TRUE(destination.parse("mqtt/${inputTopic}", error));
        in.topic = "orders";
        in.value = "payload-bytes";
        in.timestamp_ms = -1;
    }
    bool run() {
        in.headers = headers;
        return translate_kafka_to_mqtt(in, out, settings, drops);
    }
};

TEST_F(k2m, publish_payload_is_the_record_value) {
    ASSERT_TRUE(run());
    EXPECT_EQ(out.payload, "payload-bytes");
    EXPECT_EQ(out.payload.data(), in.value.data());  // a view, not a copy
}

TEST_F(k2m, topic_is_the_destination_with_input_topic_resolved) {
    ASSERT_TRUE(run());
    EXPECT_EQ(out.topic, "mqtt/orders");
}

TEST_F(k2m, record_key_becomes_the_key_user_property) {
    in.key = "customer-7";
    in.has_key = true;
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out), (props{{"Key", "customer-7"}}));
}

TEST_F(k2m, record_without_key_gets_no_key_property) {
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
}

TEST_F(k2m, timestamp_becomes_decimal_milliseconds_since_the_epoch) {
    in.timestamp_ms = 1'716'200'000'123;
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out), (props{{"Timestamp", "1716200000123"}}));
}

TEST_F(k2m, headers_become_user_properties_in_order_with_duplicates) {
    headers = {{"b", "1"}, {"a", "2"}, {"b", "3"}};
    in.key = "k";
    in.has_key = true;
    in.timestamp_ms = 5;
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out),
              (props{{"Key", "k"}, {"Timestamp", "5"}, {"b", "1"}, {"a", "2"}, {"b", "3"}}));
}

TEST_F(k2m, non_utf8_header_value_is_removed_counted_and_the_rest_forwarded) {
    headers = {{"ok", "1"}, {"bad", "\xc3\x28"}, {"also-ok", "2"}};
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out), (props{{"ok", "1"}, {"also-ok", "2"}}));
    EXPECT_EQ(drops.value(drop_reason::header_non_utf8), 1u);
    EXPECT_EQ(out.payload, "payload-bytes");
}

TEST_F(k2m, non_utf8_header_name_is_removed_and_counted) {
    headers = {{"\xff\xfe", "v"}};
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
    EXPECT_EQ(drops.value(drop_reason::header_non_utf8), 1u);
}

TEST_F(k2m, header_containing_nul_is_removed_as_non_utf8) {
    const std::string with_nul("a\0b", 3);
    headers = {{"n", with_nul}};
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
    EXPECT_EQ(drops.value(drop_reason::header_non_utf8), 1u);
}

TEST_F(k2m, header_value_of_65536_bytes_is_removed_as_too_large) {
    const std::string big(65536, 'v');
    headers = {{"big", big}, {"small", "s"}};
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out), (props{{"small", "s"}}));
    EXPECT_EQ(drops.value(drop_reason::header_too_large), 1u);
}

TEST_F(k2m, header_name_of_65536_bytes_is_removed_as_too_large) {
    const std::string big(65536, 'n');
    headers = {{big, "v"}};
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
    EXPECT_EQ(drops.value(drop_reason::header_too_large), 1u);
}

TEST_F(k2m, header_of_65535_bytes_is_kept) {
    const std::string edge(65535, 'v');
    headers = {{"edge", edge}};
    ASSERT_TRUE(run());
    ASSERT_EQ(out.user_properties.size(), 1u);
    EXPECT_EQ(out.user_properties[0].value.size(), 65535u);
}

TEST_F(k2m, non_utf8_key_is_removed_and_counted) {
    in.key = "\xff\x00\x01";
    in.has_key = true;
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
    EXPECT_EQ(drops.value(drop_reason::header_non_utf8), 1u);
}

TEST_F(k2m, amqp_encoded_header_values_are_decoded_when_enabled) {
    settings.decode_amqp_headers = true;
    const std::string str8("\xa1\x03" "bar", 5);
    headers = {{"foo", str8}};
    ASSERT_TRUE(run());
    EXPECT_EQ(user_properties_of(out), (props{{"foo", "bar"}}));
}

TEST_F(k2m, amqp_encoded_header_values_are_dropped_as_non_utf8_when_decoding_is_off) {
    const std::string str8("\xa1\x03" "bar", 5);
    headers = {{"foo", str8}};
    ASSERT_TRUE(run());
    EXPECT_TRUE(out.user_properties.empty());
    EXPECT_EQ(drops.value(drop_reason::header_non_utf8), 1u);
}

TEST_F(k2m, restore_mqtt_properties_turns_headers_back_into_properties) {
    settings.restore_mqtt_properties = true;
    const std::string correlation("\x00\xff", 2);  // outlives the header views
    headers = {{"Payload Format Indicator", "1"},
               {"Response Topic", "replies/x"},
               {"Message Expiry Interval", "120"},
               {"Correlation Data", correlation},
               {"Content Type", "application/json"},
               {"user", "prop"}};
    ASSERT_TRUE(run());
    using pp = publish_properties;
    EXPECT_EQ(out.present, pp::has_payload_format | pp::has_response_topic |
                               pp::has_message_expiry | pp::has_correlation_data |
                               pp::has_content_type);
    EXPECT_EQ(out.payload_format_indicator, 1);
    EXPECT_EQ(out.response_topic, "replies/x");
    EXPECT_EQ(out.message_expiry_interval, 120u);
    EXPECT_EQ(out.correlation_data, std::string_view("\x00\xff", 2));
    EXPECT_EQ(out.content_type, "application/json");
    EXPECT_EQ(user_properties_of(out), (props{{"user", "prop"}}));
}

TEST_F(k2m, without_restore_property_headers_stay_user_properties) {
    headers = {{"Content Type", "application/json"}};
    ASSERT_TRUE(run());
    EXPECT_EQ(out.present, 0);
    EXPECT_EQ(user_properties_of(out), (props{{"Content Type", "application/json"}}));
}

TEST_F(k2m, restore_of_an_invalid_value_keeps_the_header_as_user_property_and_counts) {
    settings.restore_mqtt_properties = true;
    headers = {{"Message Expiry Interval", "soon"}, {"Response Topic", "a/+/b"}};
    ASSERT_TRUE(run());
    EXPECT_EQ(out.present, 0);
    EXPECT_EQ(user_properties_of(out),
              (props{{"Message Expiry Interval", "soon"}, {"Response Topic", "a/+/b"}}));
    EXPECT_EQ(drops.value(drop_reason::restore_failed), 2u);
}

TEST_F(k2m, unresolvable_topic_segment_drops_the_message_and_counts) {
    std::string error;
    ASSERT_TRUE(destination.parse("out/${inputTopic.3}", error));
    EXPECT_FALSE(run());
    EXPECT_EQ(drops.value(drop_reason::topic_unresolved), 1u);
}

// MQTT → Kafka → MQTT with restore-mqtt-properties is lossless.
TEST_F(k2m, mqtt_to_kafka_to_mqtt_round_trip_is_lossless_with_restore) {
    settings.restore_mqtt_properties = true;
    testing::translated m2k(testing::full_publish_spec());
    in.headers = m2k.record.headers;
    in.value = m2k.record.value;
    ASSERT_TRUE(translate_kafka_to_mqtt(in, out, settings, drops));
    const auto& src = m2k.publish.message().properties;
    EXPECT_EQ(out.present, src.present);
    EXPECT_EQ(out.payload_format_indicator, src.payload_format_indicator);
    EXPECT_EQ(out.message_expiry_interval, src.message_expiry_interval);
    EXPECT_EQ(out.content_type, src.content_type);
    EXPECT_EQ(out.response_topic, src.response_topic);
    EXPECT_EQ(out.correlation_data, src.correlation_data);
    props expected;
    for (const auto& up : src.user_properties()) expected.emplace_back(up.name, up.value);
    EXPECT_EQ(user_properties_of(out), expected);
    EXPECT_EQ(out.payload, m2k.publish.message().payload);
}

}  // namespace
}  // namespace flowbridge
