#include "engine/message/mqtt_properties.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/message/utf8.h"
#include "tests/unit/engine/test_messages.h"

namespace flowbridge {
namespace {

using testing::publish_spec;
using testing::received_publish;

TEST(varint, encodes_and_decodes_the_standard_boundaries) {
    // MQTT v5 §1.5.5 table 1-1.
    const std::vector<std::pair<std::uint32_t, std::size_t>> cases = {
        {0, 1}, {127, 1}, {128, 2}, {16383, 2}, {16384, 3}, {2097151, 3}, {2097152, 4},
        {268435455, 4}};
    for (const auto& [value, size] : cases) {
        std::string out;
        append_varint(out, value);
        EXPECT_EQ(out.size(), size) << value;
        EXPECT_EQ(varint_size(value), size) << value;
        std::uint32_t decoded = 0;
        EXPECT_EQ(read_varint(out, 0, decoded), size);
        EXPECT_EQ(decoded, value);
    }
}

TEST(varint, longer_than_four_bytes_is_rejected) {
    const std::string five("\xff\xff\xff\xff\x01", 5);
    std::uint32_t v = 0;
    EXPECT_EQ(read_varint(five, 0, v), 0u);
}

TEST(varint, truncated_input_is_rejected) {
    const std::string cut("\xff\xff", 2);
    std::uint32_t v = 0;
    EXPECT_EQ(read_varint(cut, 0, v), 0u);
}

TEST(publish_properties, all_five_properties_decode_as_views) {
    publish_spec s = testing::full_publish_spec();
    received_publish rp(s);
    ASSERT_EQ(rp.parse_status(), mqtt_reason::success);
    const auto& p = rp.message().properties;
    EXPECT_TRUE(p.has(publish_properties::has_payload_format));
    EXPECT_EQ(p.payload_format_indicator, 1);
    EXPECT_EQ(p.message_expiry_interval, 3600u);
    EXPECT_EQ(p.content_type, "application/json");
    EXPECT_EQ(p.response_topic, "replies/line1");
    EXPECT_EQ(p.correlation_data, std::string_view("\x00\x01\xfe\xff", 4));
    EXPECT_TRUE(rp.points_into(p.content_type));
    EXPECT_TRUE(rp.points_into(p.correlation_data));
    EXPECT_EQ(p.user_property_count, 5u);
}

TEST(publish_properties, user_properties_iterate_in_order_with_duplicates) {
    publish_spec s;
    s.user_properties = {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"", ""}};
    s.content_type = "text/plain";  // interleaved non-user property is skipped
    received_publish rp(s);
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& up : rp.message().properties.user_properties()) {
        seen.emplace_back(up.name, up.value);
        EXPECT_TRUE(rp.points_into(up.name));
    }
    EXPECT_EQ(seen, s.user_properties);
}

TEST(publish_properties, empty_block_has_nothing) {
    received_publish rp(publish_spec{});
    EXPECT_EQ(rp.parse_status(), mqtt_reason::success);
    EXPECT_EQ(rp.message().properties.present, 0);
    EXPECT_EQ(rp.message().properties.user_properties().begin(),
              rp.message().properties.user_properties().end());
}

TEST(publish_properties, duplicate_single_valued_property_is_a_protocol_error) {
    std::string block;
    property_writer(block).string(property_id::content_type, "a").string(property_id::content_type,
                                                                         "b");
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::protocol_error);
}

TEST(publish_properties, payload_format_indicator_other_than_0_or_1_is_a_protocol_error) {
    std::string block;
    property_writer(block).byte(property_id::payload_format_indicator, 2);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::protocol_error);
}

TEST(publish_properties, topic_alias_zero_is_invalid) {
    std::string block;
    property_writer(block).two_byte(property_id::topic_alias, 0);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::topic_alias_invalid);
}

TEST(publish_properties, subscription_identifier_zero_is_a_protocol_error) {
    std::string block;
    property_writer(block).varint(property_id::subscription_identifier, 0);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::protocol_error);
}

TEST(publish_properties, several_subscription_identifiers_are_allowed) {
    publish_spec s;
    s.subscription_ids = {1, 7, 300};
    received_publish rp(s);
    EXPECT_EQ(rp.parse_status(), mqtt_reason::success);
    EXPECT_EQ(rp.message().properties.subscription_identifier_count, 3u);
}

TEST(publish_properties, property_not_allowed_in_publish_is_a_protocol_error) {
    std::string block;
    property_writer(block).four_byte(property_id::session_expiry_interval, 10);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::protocol_error);
}

TEST(publish_properties, unknown_property_identifier_is_malformed) {
    const std::string block("\x7f\x00", 2);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::malformed_packet);
}

TEST(publish_properties, truncated_string_is_malformed) {
    std::string block;
    property_writer(block).string(property_id::content_type, "application/json");
    block.resize(block.size() - 3);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::malformed_packet);
}

TEST(publish_properties, truncated_four_byte_integer_is_malformed) {
    const std::string block("\x02\x00\x00", 3);
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::malformed_packet);
}

TEST(publish_properties, ill_formed_utf8_in_content_type_is_malformed) {
    std::string block;
    property_writer(block).string(property_id::content_type, "\xc3\x28");
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::malformed_packet);
}

TEST(publish_properties, nul_character_in_user_property_is_malformed) {
    std::string block;
    property_writer(block).user_property(std::string("a\0b", 3), "v");
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::malformed_packet);
}

TEST(publish_properties, correlation_data_may_be_any_bytes) {
    std::string block;
    property_writer(block).string(property_id::correlation_data, std::string("\xff\x00\xc3", 3));
    publish_properties p;
    EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::success);
    EXPECT_EQ(p.correlation_data.size(), 3u);
}

TEST(publish_properties, every_prefix_of_a_valid_block_is_rejected_or_shorter) {
    // A truncated block never reads past its end (this also runs under ASan).
    received_publish rp(testing::full_publish_spec());
    const std::string block(rp.message().properties.block);
    for (std::size_t n = 0; n < block.size(); ++n) {
        const std::string prefix = block.substr(0, n);
        publish_properties p;
        const mqtt_reason r = parse_publish_properties(prefix, p);
        EXPECT_TRUE(r == mqtt_reason::success || r == mqtt_reason::malformed_packet) << n;
        std::size_t count = 0;
        for (const auto& up : p.user_properties()) {
            // Views stay inside the (truncated) block they came from.
            EXPECT_GE(up.name.data(), prefix.data());
            EXPECT_LE(up.value.data() + up.value.size(), prefix.data() + prefix.size());
            ++count;
        }
        EXPECT_LE(count, 5u);
    }
}

TEST(property_reader, reads_every_type) {
    std::string block;
    property_writer(block)
        .byte(property_id::maximum_qos, 1)
        .two_byte(property_id::receive_maximum, 500)
        .four_byte(property_id::maximum_packet_size, 1u << 20)
        .varint(property_id::subscription_identifier, 268435455)
        .string(property_id::reason_string, "ok")
        .string(property_id::authentication_data, std::string("\x00\x01", 2))
        .user_property("k", "v");
    property_reader r(block);
    raw_property p;
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.integer, 1u);
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.integer, 500u);
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.integer, 1u << 20);
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.integer, 268435455u);
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.first, "ok");
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.first.size(), 2u);
    ASSERT_TRUE(r.next(p));
    EXPECT_EQ(p.first, "k");
    EXPECT_EQ(p.second, "v");
    EXPECT_FALSE(r.next(p));
    EXPECT_EQ(r.error(), mqtt_reason::success);
}

}  // namespace
}  // namespace flowbridge

namespace flowbridge {
namespace {

TEST(varint, non_minimal_encoding_is_rejected) {
    // MQTT v5 §1.5.5 [MQTT-1.5.5-1]: 0x81 0x00 encodes 1 in two bytes.
    const std::string padded("\x81\x00", 2);
    std::uint32_t v = 0;
    EXPECT_EQ(read_varint(padded, 0, v), 0u);
}

TEST(publish_properties, response_topic_with_wildcards_is_a_protocol_error) {
    for (const char* topic : {"replies/+", "replies/#"}) {
        std::string block;
        property_writer(block).string(property_id::response_topic, topic);
        publish_properties p;
        EXPECT_EQ(parse_publish_properties(block, p), mqtt_reason::protocol_error) << topic;
    }
}

TEST(utf8, non_ascii_text_is_validated_and_nul_rejected_in_both_paths) {
    EXPECT_TRUE(is_valid_mqtt_string("température"));
    EXPECT_FALSE(is_valid_mqtt_string("temp\xc3"));
    EXPECT_FALSE(is_valid_mqtt_string(std::string("tempé\0", 7)));
}

}  // namespace
}  // namespace flowbridge
