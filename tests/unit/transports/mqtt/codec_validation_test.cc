// One test per validation rule of the MQTT v5 standard, asserting the exact reason code the
// decoder reports. Packets are written out by hand (packet_bytes.h) so that the encoder, which
// refuses most of these, is not needed to build them.
#include <gtest/gtest.h>

#include "tests/unit/transports/mqtt/packet_bytes.h"
#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {
namespace {

constexpr auto malformed = mqtt_reason::malformed_packet;
constexpr auto protocol_error = mqtt_reason::protocol_error;
constexpr auto ok = mqtt_reason::success;

#define EXPECT_VERDICT(wire, expected)                           \
    do {                                                         \
        const std::string w_ = (wire);                           \
        EXPECT_EQ(code(verdict(w_)), code(expected)) << hex(w_); \
    } while (0)

// Building blocks -----------------------------------------------------------------------------

std::string property(property_id id, std::string_view value) {
    return bytes({static_cast<int>(id)}) + std::string(value);
}
std::string byte_property(property_id id, int v) { return bytes({static_cast<int>(id), v}); }
std::string two_byte_property(property_id id, std::uint16_t v) {
    return bytes({static_cast<int>(id)}) + u16(v);
}
std::string four_byte_property(property_id id, std::uint32_t v) {
    return bytes({static_cast<int>(id), static_cast<int>(v >> 24),
                  static_cast<int>((v >> 16) & 0xFF), static_cast<int>((v >> 8) & 0xFF),
                  static_cast<int>(v & 0xFF)});
}
std::string user_prop(std::string_view k, std::string_view v) {
    return bytes({0x26}) + str(k) + str(v);
}

// PUBLISH QoS 0 (first byte 0x30 | flags) with a topic, properties and payload.
std::string publish(std::string_view topic, std::string_view block = {},
                    std::string_view payload = "x", int flags = 0) {
    return packet_of(0x30 | flags, str(topic) + props(block) + std::string(payload));
}
std::string publish_qos1(std::string_view topic, std::uint16_t id, std::string_view block = {}) {
    return packet_of(0x32, str(topic) + u16(id) + props(block) + "x");
}

// CONNECT with the given flags byte, properties and payload after the fixed part.
std::string connect(int flags, std::string_view block, std::string_view payload,
                    std::string_view name = "MQTT", int version = 5) {
    return packet_of(
        0x10, str(name) + bytes({version, flags}) + u16(60) + props(block) + std::string(payload));
}
std::string connack(int ack_flags, int reason, std::string_view block = {}) {
    return packet_of(0x20, bytes({ack_flags, reason}) + props(block));
}
std::string subscribe(std::string_view entries, std::string_view block = {}, std::uint16_t id = 1) {
    return packet_of(0x82, u16(id) + props(block) + std::string(entries));
}
std::string entry(std::string_view filter, int options) { return str(filter) + bytes({options}); }

// Fixed header -----------------------------------------------------------------------------------

TEST(mqtt_codec_validation, packet_type_0_is_reserved_and_malformed) {
    EXPECT_EQ(frame_packet(bytes({0x00, 0x00})).status, frame_status::malformed);
    EXPECT_VERDICT(bytes({0x00, 0x00}), malformed);
}

TEST(mqtt_codec_validation, remaining_length_of_five_bytes_is_malformed) {
    EXPECT_EQ(frame_packet(bytes({0x30, 0x80, 0x80, 0x80, 0x80, 0x01})).status,
              frame_status::malformed);
    EXPECT_VERDICT(bytes({0xC0, 0x80, 0x80, 0x80, 0x80, 0x00}), malformed);
}

TEST(mqtt_codec_validation, remaining_length_not_in_fewest_bytes_is_malformed) {
    // MQTT v5 §1.5.5 [MQTT-1.5.5-1]: 0 must be one byte, not 0x80 0x00.
    EXPECT_EQ(frame_packet(bytes({0xC0, 0x80, 0x00})).status, frame_status::malformed);
    EXPECT_VERDICT(bytes({0xC0, 0x80, 0x00}), malformed);
}

TEST(mqtt_codec_validation, remaining_length_longer_than_the_bytes_given_is_malformed) {
    EXPECT_VERDICT(bytes({0x40, 0x03, 0x00, 0x01}), malformed);
}

TEST(mqtt_codec_validation, bytes_after_the_packet_are_malformed) {
    // The decoders take exactly one packet: the Remaining Length must account for every byte.
    EXPECT_VERDICT(bytes({0xC0, 0x00, 0x00}), malformed);
    EXPECT_VERDICT(publish("t") + bytes({0xC0, 0x00}), malformed);
}

TEST(mqtt_codec_validation, content_longer_than_the_fields_of_the_packet_is_malformed) {
    EXPECT_VERDICT(bytes({0xC0, 0x01, 0x00}), malformed);  // PINGREQ with a body
    EXPECT_VERDICT(bytes({0xD0, 0x01, 0x00}), malformed);  // PINGRESP with a body
    EXPECT_VERDICT(connack(0, 0) + "", ok);
    EXPECT_VERDICT(packet_of(0x20, bytes({0, 0, 0, 0xFF})), malformed);        // CONNACK + junk
    EXPECT_VERDICT(packet_of(0x40, u16(1) + bytes({0, 0, 0xFF})), malformed);  // PUBACK + junk
    EXPECT_VERDICT(packet_of(0xE0, bytes({0, 0, 0xFF})), malformed);           // DISCONNECT + junk
}

TEST(mqtt_codec_validation, reserved_fixed_header_flags_are_malformed) {
    // MQTT v5 §2.1.3, table 2-2 [MQTT-2.1.3-1].
    EXPECT_VERDICT(packet_of(0x11, str("MQTT") + bytes({5, 0}) + u16(0) + props() + str("")),
                   malformed);
    EXPECT_VERDICT(bytes({0x21, 0x03, 0x00, 0x00, 0x00}), malformed);        // CONNACK
    EXPECT_VERDICT(bytes({0x42, 0x02, 0x00, 0x01}), malformed);              // PUBACK
    EXPECT_VERDICT(bytes({0x58, 0x02, 0x00, 0x01}), malformed);              // PUBREC
    EXPECT_VERDICT(bytes({0x70, 0x02 + 0x01, 0x00, 0x01, 0x00}), ok);        // PUBCOMP as a control
    EXPECT_VERDICT(bytes({0x71, 0x02, 0x00, 0x01}), malformed);              // PUBCOMP
    EXPECT_VERDICT(bytes({0x92, 0x04, 0x00, 0x01, 0x00, 0x00}), malformed);  // SUBACK
    EXPECT_VERDICT(bytes({0xB1, 0x04, 0x00, 0x01, 0x00, 0x00}), malformed);  // UNSUBACK
    EXPECT_VERDICT(bytes({0xC1, 0x00}), malformed);                          // PINGREQ
    EXPECT_VERDICT(bytes({0xDF, 0x00}), malformed);                          // PINGRESP
    EXPECT_VERDICT(bytes({0xE8, 0x00}), malformed);                          // DISCONNECT
    EXPECT_VERDICT(bytes({0xF4, 0x00}), malformed);                          // AUTH
}

TEST(mqtt_codec_validation, pubrel_with_flags_0000_is_malformed) {
    // MQTT v5 §3.6.1 [MQTT-3.6.1-1]: PUBREL's flags are 0010.
    EXPECT_VERDICT(bytes({0x60, 0x02, 0x00, 0x01}), malformed);
    EXPECT_VERDICT(bytes({0x62, 0x02, 0x00, 0x01}), ok);
}

TEST(mqtt_codec_validation, subscribe_with_flags_0000_is_malformed) {
    // MQTT v5 §3.8.1 [MQTT-3.8.1-1].
    EXPECT_VERDICT(packet_of(0x80, u16(1) + props() + entry("a", 0)), malformed);
}

TEST(mqtt_codec_validation, unsubscribe_with_flags_0000_is_malformed) {
    // MQTT v5 §3.10.1 [MQTT-3.10.1-1].
    EXPECT_VERDICT(packet_of(0xA0, u16(1) + props() + str("a")), malformed);
}

TEST(mqtt_codec_validation, decoder_for_another_packet_type_refuses_the_packet) {
    mqtt_message m;
    EXPECT_EQ(decode_publish(bytes({0xC0, 0x00}), m), malformed);
    connack_packet c;
    EXPECT_EQ(decode_connack(bytes({0xC0, 0x00}), c), malformed);
    publish_response r;
    EXPECT_EQ(decode_publish_response(bytes({0xC0, 0x00}), r), malformed);
    EXPECT_EQ(decode_publish_response({}, r), malformed);
}

// PUBLISH
// ------------------------------------------------------------------------------------------

TEST(mqtt_codec_validation, publish_with_qos_3_is_malformed) {
    // MQTT v5 §3.3.1.2 [MQTT-3.3.1-4].
    EXPECT_VERDICT(packet_of(0x36, str("t") + u16(1) + props()), malformed);
}

TEST(mqtt_codec_validation, publish_qos_0_with_dup_is_a_protocol_error) {
    // MQTT v5 §3.3.1.1 [MQTT-3.3.1-2].
    EXPECT_VERDICT(publish("t", {}, "x", 0x08), protocol_error);
    EXPECT_VERDICT(packet_of(0x3A, str("t") + u16(1) + props()), ok);  // DUP with QoS 1 is fine
}

TEST(mqtt_codec_validation, publish_qos_1_with_packet_id_0_is_a_protocol_error) {
    // MQTT v5 §2.2.1 [MQTT-2.2.1-3].
    EXPECT_VERDICT(publish_qos1("t", 0), protocol_error);
    EXPECT_VERDICT(packet_of(0x34, str("t") + u16(0) + props()), protocol_error);  // QoS 2
}

TEST(mqtt_codec_validation, publish_qos_1_without_room_for_packet_id_is_malformed) {
    EXPECT_VERDICT(packet_of(0x32, str("t") + bytes({0x00})), malformed);
}

TEST(mqtt_codec_validation, publish_topic_with_wildcards_is_topic_name_invalid) {
    // MQTT v5 §3.3.2.1 [MQTT-3.3.2-2], §4.7.1.
    EXPECT_VERDICT(publish("a/+/b"), mqtt_reason::topic_name_invalid);
    EXPECT_VERDICT(publish("a/#"), mqtt_reason::topic_name_invalid);
    EXPECT_VERDICT(publish("#"), mqtt_reason::topic_name_invalid);
}

TEST(mqtt_codec_validation, publish_empty_topic_without_topic_alias_is_a_protocol_error) {
    // MQTT v5 §3.3.2.3.4.
    EXPECT_VERDICT(publish(""), protocol_error);
}

TEST(mqtt_codec_validation, publish_empty_topic_with_topic_alias_is_accepted) {
    EXPECT_VERDICT(publish("", two_byte_property(property_id::topic_alias, 4)), ok);
}

TEST(mqtt_codec_validation, publish_topic_alias_0_is_topic_alias_invalid) {
    // MQTT v5 §3.3.2.3.4 [MQTT-3.3.2-8].
    EXPECT_VERDICT(publish("t", two_byte_property(property_id::topic_alias, 0)),
                   mqtt_reason::topic_alias_invalid);
}

TEST(mqtt_codec_validation, publish_topic_with_ill_formed_utf8_is_malformed) {
    // MQTT v5 §1.5.4 [MQTT-1.5.4-1].
    EXPECT_VERDICT(publish("a\xC3"), malformed);             // truncated sequence
    EXPECT_VERDICT(publish("a\xC0\x80"), malformed);         // overlong U+0000
    EXPECT_VERDICT(publish("\xED\xA0\x80"), malformed);      // surrogate U+D800
    EXPECT_VERDICT(publish("\xF4\x90\x80\x80"), malformed);  // beyond U+10FFFF
}

TEST(mqtt_codec_validation, publish_topic_with_non_ascii_utf8_is_accepted) {
    EXPECT_VERDICT(publish("fabrik/müller/温度/\U0001F321"), ok);
    // Ill-formed UTF-8 is judged before the wildcard: the packet cannot be parsed at all.
    EXPECT_VERDICT(publish("a/+/\xFF"), malformed);
    EXPECT_VERDICT(publish("ü/+"), mqtt_reason::topic_name_invalid);
}

TEST(mqtt_codec_validation, publish_topic_with_u0000_is_malformed) {
    // MQTT v5 §1.5.4 [MQTT-1.5.4-2].
    EXPECT_VERDICT(publish(std::string_view("a\0b", 3)), malformed);
}

TEST(mqtt_codec_validation, publish_topic_length_beyond_the_packet_is_malformed) {
    EXPECT_VERDICT(packet_of(0x30, u16(10) + "abc"), malformed);
}

TEST(mqtt_codec_validation, publish_user_property_with_ill_formed_utf8_is_malformed) {
    EXPECT_VERDICT(publish("t", user_prop("k", "\xFF")), malformed);
    EXPECT_VERDICT(publish("t", user_prop(std::string_view("k\0", 2), "v")), malformed);
}

TEST(mqtt_codec_validation, publish_string_properties_with_ill_formed_utf8_are_malformed) {
    EXPECT_VERDICT(publish("t", property(property_id::content_type, str("\xFE"))), malformed);
    EXPECT_VERDICT(publish("t", property(property_id::response_topic, str("\x80"))), malformed);
    // Correlation Data is binary: any bytes are fine.
    EXPECT_VERDICT(publish("t", property(property_id::correlation_data, str("\xFF\x00"))), ok);
}

TEST(mqtt_codec_validation, publish_with_a_property_it_may_not_carry_is_a_protocol_error) {
    // MQTT v5 §2.2.2.2, table 2-4.
    EXPECT_VERDICT(publish("t", two_byte_property(property_id::receive_maximum, 5)),
                   protocol_error);
    EXPECT_VERDICT(publish("t", property(property_id::reason_string, str("r"))), protocol_error);
    EXPECT_VERDICT(publish("t", four_byte_property(property_id::will_delay_interval, 1)),
                   protocol_error);
}

TEST(mqtt_codec_validation, publish_with_a_single_property_twice_is_a_protocol_error) {
    // MQTT v5 §2.2.2.2: only User Property (and Subscription Identifier) may repeat.
    const std::string ct = property(property_id::content_type, str("a"));
    EXPECT_VERDICT(publish("t", ct + ct), protocol_error);
    const std::string mei = four_byte_property(property_id::message_expiry_interval, 5);
    EXPECT_VERDICT(publish("t", mei + mei), protocol_error);
}

TEST(mqtt_codec_validation, publish_with_repeated_user_properties_and_subscription_ids_is_fine) {
    const std::string sid = bytes({0x0B, 0x01});
    EXPECT_VERDICT(publish("t", user_prop("k", "v") + user_prop("k", "v") + sid + sid), ok);
}

TEST(mqtt_codec_validation, publish_payload_format_indicator_2_is_a_protocol_error) {
    // MQTT v5 §3.3.2.3.2.
    EXPECT_VERDICT(publish("t", byte_property(property_id::payload_format_indicator, 2)),
                   protocol_error);
}

TEST(mqtt_codec_validation, publish_subscription_identifier_0_is_a_protocol_error) {
    // MQTT v5 §3.3.2.3.8.
    EXPECT_VERDICT(publish("t", bytes({0x0B, 0x00})), protocol_error);
}

TEST(mqtt_codec_validation, publish_response_topic_with_wildcards_is_a_protocol_error) {
    // MQTT v5 §3.3.2.3.5 [MQTT-3.3.2-14].
    EXPECT_VERDICT(publish("t", property(property_id::response_topic, str("r/+"))), protocol_error);
}

TEST(mqtt_codec_validation, publish_property_length_beyond_the_packet_is_malformed) {
    EXPECT_VERDICT(packet_of(0x30, str("t") + bytes({0x05, 0x01})), malformed);
}

TEST(mqtt_codec_validation, publish_property_value_cut_short_is_malformed) {
    EXPECT_VERDICT(publish("t", bytes({0x02, 0x00, 0x00})), malformed);  // 4-byte value, 2 given
}

TEST(mqtt_codec_validation, publish_unknown_property_identifier_is_malformed) {
    EXPECT_VERDICT(publish("t", bytes({0x04, 0x00})), malformed);
    EXPECT_VERDICT(publish("t", bytes({0x7F, 0x00})), malformed);
}

TEST(mqtt_codec_validation,
     publish_utf8_payload_format_with_binary_payload_is_payload_format_invalid) {
    // MQTT v5 §3.3.2.3.2: a receiver MAY check; check_payload_format does, on request.
    mqtt_message m;
    const std::string bad =
        publish("t", byte_property(property_id::payload_format_indicator, 1), "\xFF\xFE");
    ASSERT_EQ(decode_publish(bad, m), ok);
    EXPECT_EQ(check_payload_format(m), mqtt_reason::payload_format_invalid);
    const std::string good =
        publish("t", byte_property(property_id::payload_format_indicator, 1), "h\xC3\xA9");
    ASSERT_EQ(decode_publish(good, m), ok);
    EXPECT_EQ(check_payload_format(m), ok);
    const std::string binary = publish("t", {}, "\xFF");
    ASSERT_EQ(decode_publish(binary, m), ok);
    EXPECT_EQ(check_payload_format(m), ok);
}

// CONNECT
// ------------------------------------------------------------------------------------------

TEST(mqtt_codec_validation, connect_minimal_is_accepted) {
    EXPECT_VERDICT(connect(0x02, {}, str("c")), ok);
}

TEST(mqtt_codec_validation, connect_protocol_name_other_than_mqtt_is_unsupported_protocol_version) {
    // MQTT v5 §3.1.2.1.
    EXPECT_VERDICT(connect(0x02, {}, str("c"), "MQIsdp", 3),
                   mqtt_reason::unsupported_protocol_version);
    EXPECT_VERDICT(connect(0x02, {}, str("c"), "mqtt"), mqtt_reason::unsupported_protocol_version);
}

TEST(mqtt_codec_validation, connect_protocol_version_4_is_unsupported_protocol_version) {
    // MQTT v5 §3.1.2.2.
    EXPECT_VERDICT(connect(0x02, {}, str("c"), "MQTT", 4),
                   mqtt_reason::unsupported_protocol_version);
}

TEST(mqtt_codec_validation, connect_reserved_flag_is_malformed) {
    // MQTT v5 §3.1.2.3 [MQTT-3.1.2-3].
    EXPECT_VERDICT(connect(0x03, {}, str("c")), malformed);
}

TEST(mqtt_codec_validation, connect_will_qos_3_is_malformed) {
    // MQTT v5 §3.1.2.6.
    EXPECT_VERDICT(connect(0x04 | 0x18, {}, str("c") + props() + str("w") + str("p")), malformed);
}

TEST(mqtt_codec_validation, connect_will_qos_without_will_flag_is_a_protocol_error) {
    // MQTT v5 §3.1.2.6 [MQTT-3.1.2-11].
    EXPECT_VERDICT(connect(0x08, {}, str("c")), protocol_error);
}

TEST(mqtt_codec_validation, connect_will_retain_without_will_flag_is_a_protocol_error) {
    // MQTT v5 §3.1.2.7 [MQTT-3.1.2-13].
    EXPECT_VERDICT(connect(0x20, {}, str("c")), protocol_error);
}

TEST(mqtt_codec_validation, connect_receive_maximum_0_is_a_protocol_error) {
    // MQTT v5 §3.1.2.11.3.
    EXPECT_VERDICT(connect(0, two_byte_property(property_id::receive_maximum, 0), str("c")),
                   protocol_error);
}

TEST(mqtt_codec_validation, connect_maximum_packet_size_0_is_a_protocol_error) {
    // MQTT v5 §3.1.2.11.4.
    EXPECT_VERDICT(connect(0, four_byte_property(property_id::maximum_packet_size, 0), str("c")),
                   protocol_error);
}

TEST(mqtt_codec_validation, connect_request_information_flags_above_1_are_a_protocol_error) {
    // MQTT v5 §3.1.2.11.6, §3.1.2.11.7.
    EXPECT_VERDICT(
        connect(0, byte_property(property_id::request_response_information, 2), str("c")),
        protocol_error);
    EXPECT_VERDICT(connect(0, byte_property(property_id::request_problem_information, 2), str("c")),
                   protocol_error);
}

TEST(mqtt_codec_validation, connect_authentication_data_without_method_is_a_protocol_error) {
    // MQTT v5 §3.1.2.11.10.
    EXPECT_VERDICT(connect(0, property(property_id::authentication_data, str("d")), str("c")),
                   protocol_error);
}

TEST(mqtt_codec_validation, connect_with_a_single_property_twice_is_a_protocol_error) {
    const std::string sei = four_byte_property(property_id::session_expiry_interval, 1);
    EXPECT_VERDICT(connect(0, sei + sei, str("c")), protocol_error);
    const std::string am = property(property_id::authentication_method, str("m"));
    EXPECT_VERDICT(connect(0, am + am, str("c")), protocol_error);
}

TEST(mqtt_codec_validation,
     connect_with_a_will_property_among_connect_properties_is_a_protocol_error) {
    EXPECT_VERDICT(connect(0, four_byte_property(property_id::will_delay_interval, 1), str("c")),
                   protocol_error);
}

TEST(mqtt_codec_validation, will_properties_with_a_connect_property_are_a_protocol_error) {
    EXPECT_VERDICT(connect(0x04, {},
                           str("c") + props(two_byte_property(property_id::receive_maximum, 1)) +
                               str("w") + str("p")),
                   protocol_error);
}

TEST(mqtt_codec_validation, will_payload_format_indicator_2_is_a_protocol_error) {
    // MQTT v5 §3.1.3.2.3.
    EXPECT_VERDICT(
        connect(0x04, {},
                str("c") + props(byte_property(property_id::payload_format_indicator, 2)) +
                    str("w") + str("p")),
        protocol_error);
}

TEST(mqtt_codec_validation, will_topic_with_wildcards_or_empty_is_topic_name_invalid) {
    // MQTT v5 §3.1.3.3: the Will Topic is a Topic Name (§4.7.1, §4.7.3).
    EXPECT_VERDICT(connect(0x04, {}, str("c") + props() + str("w/#") + str("p")),
                   mqtt_reason::topic_name_invalid);
    EXPECT_VERDICT(connect(0x04, {}, str("c") + props() + str("") + str("p")),
                   mqtt_reason::topic_name_invalid);
}

TEST(mqtt_codec_validation, connect_client_id_with_ill_formed_utf8_is_malformed) {
    // MQTT v5 §3.1.3.1, §1.5.4.
    EXPECT_VERDICT(connect(0, {}, str("c\xFF")), malformed);
}

TEST(mqtt_codec_validation, connect_username_with_ill_formed_utf8_is_malformed) {
    // MQTT v5 §3.1.3.5.
    EXPECT_VERDICT(connect(0x80, {}, str("c") + str("\xC0\xAF")), malformed);
}

TEST(mqtt_codec_validation, connect_password_is_binary_and_may_hold_any_bytes) {
    // MQTT v5 §3.1.3.6.
    EXPECT_VERDICT(connect(0x40, {}, str("c") + str(std::string_view("\xFF\x00", 2))), ok);
}

TEST(mqtt_codec_validation, connect_flag_for_a_missing_field_is_malformed) {
    EXPECT_VERDICT(connect(0x80, {}, str("c")), malformed);  // user name flag, no user name
    EXPECT_VERDICT(connect(0x40, {}, str("c")), malformed);  // password flag, no password
    EXPECT_VERDICT(connect(0x04, {}, str("c") + props() + str("w")), malformed);  // no payload
}

TEST(mqtt_codec_validation, connect_with_bytes_after_the_payload_is_malformed) {
    EXPECT_VERDICT(connect(0, {}, str("c") + "x"), malformed);
}

// CONNACK
// ------------------------------------------------------------------------------------------

TEST(mqtt_codec_validation, connack_reserved_acknowledge_flags_are_malformed) {
    // MQTT v5 §3.2.2.1 [MQTT-3.2.2-1].
    EXPECT_VERDICT(connack(0x02, 0x00), malformed);
    EXPECT_VERDICT(connack(0x80, 0x00), malformed);
}

TEST(mqtt_codec_validation, connack_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.2.2.2 [MQTT-3.2.2-8].
    EXPECT_VERDICT(connack(0, 0x10), malformed);  // No matching subscribers: a PUBACK code
    EXPECT_VERDICT(connack(0, 0x8B), malformed);  // Server shutting down: a DISCONNECT code
    EXPECT_VERDICT(connack(0, 0x01), malformed);
}

TEST(mqtt_codec_validation, connack_session_present_with_a_refusal_is_a_protocol_error) {
    // MQTT v5 §3.2.2.1.1 [MQTT-3.2.2-6].
    EXPECT_VERDICT(connack(0x01, 0x87), protocol_error);
    EXPECT_VERDICT(connack(0x01, 0x00), ok);
}

TEST(mqtt_codec_validation, connack_without_property_length_is_malformed) {
    // MQTT v5 §3.2.2.3.1: CONNACK has no short form.
    EXPECT_VERDICT(packet_of(0x20, bytes({0x00, 0x00})), malformed);
}

TEST(mqtt_codec_validation, connack_receive_maximum_0_is_a_protocol_error) {
    // MQTT v5 §3.2.2.3.3.
    EXPECT_VERDICT(connack(0, 0, two_byte_property(property_id::receive_maximum, 0)),
                   protocol_error);
}

TEST(mqtt_codec_validation, connack_maximum_packet_size_0_is_a_protocol_error) {
    // MQTT v5 §3.2.2.3.6.
    EXPECT_VERDICT(connack(0, 0, four_byte_property(property_id::maximum_packet_size, 0)),
                   protocol_error);
}

TEST(mqtt_codec_validation, connack_boolean_properties_above_1_are_a_protocol_error) {
    // MQTT v5 §3.2.2.3.4, .5, .11, .12, .13.
    for (const auto id : {property_id::maximum_qos, property_id::retain_available,
                          property_id::wildcard_subscription_available,
                          property_id::subscription_identifier_available,
                          property_id::shared_subscription_available}) {
        EXPECT_VERDICT(connack(0, 0, byte_property(id, 2)), protocol_error);
        EXPECT_VERDICT(connack(0, 0, byte_property(id, 1)), ok);
    }
}

TEST(mqtt_codec_validation, connack_with_a_property_it_may_not_carry_is_a_protocol_error) {
    EXPECT_VERDICT(connack(0, 0, two_byte_property(property_id::topic_alias, 1)), protocol_error);
    EXPECT_VERDICT(connack(0, 0, byte_property(property_id::request_problem_information, 1)),
                   protocol_error);
}

TEST(mqtt_codec_validation, connack_with_a_single_property_twice_is_a_protocol_error) {
    const std::string rs = property(property_id::reason_string, str("r"));
    EXPECT_VERDICT(connack(0, 0x80, rs + rs), protocol_error);
}

// PUBACK, PUBREC, PUBREL, PUBCOMP -----------------------------------------------------------------

TEST(mqtt_codec_validation, puback_remaining_length_2_means_success) {
    publish_response r;
    ASSERT_EQ(decode_publish_response(bytes({0x40, 0x02, 0x12, 0x34}), r), ok);
    EXPECT_EQ(r.packet_id, 0x1234);
    EXPECT_EQ(r.reason_code, ok);
}

TEST(mqtt_codec_validation, puback_remaining_length_3_has_a_reason_code_and_no_properties) {
    publish_response r;
    ASSERT_EQ(decode_publish_response(bytes({0x40, 0x03, 0x00, 0x01, 0x87}), r), ok);
    EXPECT_EQ(r.reason_code, mqtt_reason::not_authorized);
    EXPECT_FALSE(r.reason_string);
}

TEST(mqtt_codec_validation, puback_remaining_length_below_2_is_malformed) {
    EXPECT_VERDICT(bytes({0x40, 0x01, 0x00}), malformed);
    EXPECT_VERDICT(bytes({0x40, 0x00}), malformed);
}

TEST(mqtt_codec_validation, puback_packet_id_0_is_a_protocol_error) {
    // MQTT v5 §2.2.1: an acknowledgement carries the non-zero identifier it acknowledges.
    EXPECT_VERDICT(bytes({0x40, 0x02, 0x00, 0x00}), protocol_error);
    EXPECT_VERDICT(bytes({0x62, 0x02, 0x00, 0x00}), protocol_error);
}

TEST(mqtt_codec_validation, puback_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.4.2.1, table 3-4.
    EXPECT_VERDICT(bytes({0x40, 0x03, 0x00, 0x01, 0x92}), malformed);
    EXPECT_VERDICT(bytes({0x50, 0x03, 0x00, 0x01, 0x01}), malformed);  // PUBREC, §3.5.2.1
}

TEST(mqtt_codec_validation, pubrel_and_pubcomp_reason_code_not_in_their_table_is_malformed) {
    // MQTT v5 §3.6.2.1, §3.7.2.1: only 0x00 and 0x92.
    EXPECT_VERDICT(bytes({0x62, 0x03, 0x00, 0x01, 0x10}), malformed);
    EXPECT_VERDICT(bytes({0x70, 0x03, 0x00, 0x01, 0x80}), malformed);
    EXPECT_VERDICT(bytes({0x70, 0x03, 0x00, 0x01, 0x92}), ok);
}

TEST(mqtt_codec_validation, puback_with_a_property_it_may_not_carry_is_a_protocol_error) {
    EXPECT_VERDICT(packet_of(0x40, u16(1) + bytes({0x00}) +
                                       props(two_byte_property(property_id::topic_alias, 1))),
                   protocol_error);
}

TEST(mqtt_codec_validation, puback_with_reason_string_twice_is_a_protocol_error) {
    const std::string rs = property(property_id::reason_string, str("r"));
    EXPECT_VERDICT(packet_of(0x40, u16(1) + bytes({0x00}) + props(rs + rs)), protocol_error);
}

// SUBSCRIBE, SUBACK
// ---------------------------------------------------------------------------------

TEST(mqtt_codec_validation, subscribe_without_subscriptions_is_a_protocol_error) {
    // MQTT v5 §3.8.3 [MQTT-3.8.3-2].
    EXPECT_VERDICT(subscribe(""), protocol_error);
}

TEST(mqtt_codec_validation, subscribe_packet_id_0_is_a_protocol_error) {
    EXPECT_VERDICT(subscribe(entry("a", 0), {}, 0), protocol_error);
}

TEST(mqtt_codec_validation, subscribe_options_reserved_bits_are_malformed) {
    // MQTT v5 §3.8.3.1 [MQTT-3.8.3-5].
    EXPECT_VERDICT(subscribe(entry("a", 0x40)), malformed);
    EXPECT_VERDICT(subscribe(entry("a", 0x80)), malformed);
}

TEST(mqtt_codec_validation, subscribe_maximum_qos_3_is_a_protocol_error) {
    // MQTT v5 §3.8.3.1.
    EXPECT_VERDICT(subscribe(entry("a", 0x03)), protocol_error);
}

TEST(mqtt_codec_validation, subscribe_retain_handling_3_is_a_protocol_error) {
    // MQTT v5 §3.8.3.1.
    EXPECT_VERDICT(subscribe(entry("a", 0x30)), protocol_error);
}

TEST(mqtt_codec_validation, subscribe_no_local_on_a_shared_subscription_is_a_protocol_error) {
    // MQTT v5 §3.8.3.1 [MQTT-3.8.3-4].
    EXPECT_VERDICT(subscribe(entry("$share/g/a", 0x04)), protocol_error);
    EXPECT_VERDICT(subscribe(entry("a", 0x04)), ok);
}

TEST(mqtt_codec_validation, subscribe_invalid_topic_filter_is_topic_filter_invalid) {
    // MQTT v5 §4.7.1, §4.7.3, §4.8.2.
    for (const char* filter :
         {"", "a/#/b", "a#", "a/b+", "+a", "$share/g", "$share//a", "$share/g+/a", "$share/g/"}) {
        SCOPED_TRACE(filter);
        EXPECT_VERDICT(subscribe(entry(filter, 0)), mqtt_reason::topic_filter_invalid);
    }
}

TEST(mqtt_codec_validation, subscribe_topic_filter_with_ill_formed_utf8_is_malformed) {
    EXPECT_VERDICT(subscribe(entry("a/\xFF", 0)), malformed);
}

TEST(mqtt_codec_validation, subscribe_entry_without_options_byte_is_malformed) {
    EXPECT_VERDICT(subscribe(str("a")), malformed);
}

TEST(mqtt_codec_validation, subscribe_subscription_identifier_0_is_a_protocol_error) {
    // MQTT v5 §3.8.2.1.2.
    EXPECT_VERDICT(subscribe(entry("a", 0), bytes({0x0B, 0x00})), protocol_error);
}

TEST(mqtt_codec_validation, subscribe_subscription_identifier_twice_is_a_protocol_error) {
    // MQTT v5 §3.8.2.1.2.
    EXPECT_VERDICT(subscribe(entry("a", 0), bytes({0x0B, 0x01, 0x0B, 0x02})), protocol_error);
}

TEST(mqtt_codec_validation, subscription_identifier_longer_than_four_bytes_is_malformed) {
    EXPECT_VERDICT(subscribe(entry("a", 0), bytes({0x0B, 0x80, 0x80, 0x80, 0x80, 0x01})),
                   malformed);
}

TEST(mqtt_codec_validation, subscribe_with_reason_string_is_a_protocol_error) {
    EXPECT_VERDICT(subscribe(entry("a", 0), property(property_id::reason_string, str("r"))),
                   protocol_error);
}

TEST(mqtt_codec_validation, suback_without_reason_codes_is_a_protocol_error) {
    // MQTT v5 §3.9.3 [MQTT-3.9.3-1]: one reason code per Topic Filter, of which there is >= 1.
    EXPECT_VERDICT(packet_of(0x90, u16(1) + props()), protocol_error);
}

TEST(mqtt_codec_validation, suback_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.9.3, table 3-8.
    EXPECT_VERDICT(packet_of(0x90, u16(1) + props() + bytes({0x00, 0x03})), malformed);
    EXPECT_VERDICT(packet_of(0x90, u16(1) + props() + bytes({0x11})), malformed);
}

TEST(mqtt_codec_validation, suback_packet_id_0_is_a_protocol_error) {
    EXPECT_VERDICT(packet_of(0x90, u16(0) + props() + bytes({0x00})), protocol_error);
}

// UNSUBSCRIBE, UNSUBACK ---------------------------------------------------------------------------

TEST(mqtt_codec_validation, unsubscribe_without_topic_filters_is_a_protocol_error) {
    // MQTT v5 §3.10.3 [MQTT-3.10.3-2].
    EXPECT_VERDICT(packet_of(0xA2, u16(1) + props()), protocol_error);
}

TEST(mqtt_codec_validation, unsubscribe_invalid_topic_filter_is_topic_filter_invalid) {
    EXPECT_VERDICT(packet_of(0xA2, u16(1) + props() + str("a/#/b")),
                   mqtt_reason::topic_filter_invalid);
}

TEST(mqtt_codec_validation, unsubscribe_with_subscription_identifier_is_a_protocol_error) {
    // MQTT v5 §3.10.2.1: only User Property.
    EXPECT_VERDICT(packet_of(0xA2, u16(1) + props(bytes({0x0B, 0x01})) + str("a")), protocol_error);
}

TEST(mqtt_codec_validation, unsubscribe_packet_id_0_is_a_protocol_error) {
    EXPECT_VERDICT(packet_of(0xA2, u16(0) + props() + str("a")), protocol_error);
}

TEST(mqtt_codec_validation, unsuback_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.11.3, table 3-9.
    EXPECT_VERDICT(packet_of(0xB0, u16(1) + props() + bytes({0x01})), malformed);
    EXPECT_VERDICT(packet_of(0xB0, u16(1) + props() + bytes({0x11})), ok);
}

TEST(mqtt_codec_validation, unsuback_without_reason_codes_is_a_protocol_error) {
    EXPECT_VERDICT(packet_of(0xB0, u16(1) + props()), protocol_error);
}

// DISCONNECT, AUTH
// -----------------------------------------------------------------------------------

TEST(mqtt_codec_validation, disconnect_remaining_length_0_is_a_normal_disconnection) {
    disconnect_packet d;
    d.reason_code = mqtt_reason::server_busy;
    ASSERT_EQ(decode_disconnect(bytes({0xE0, 0x00}), d), ok);
    EXPECT_EQ(d.reason_code, ok);
}

TEST(mqtt_codec_validation, disconnect_remaining_length_1_has_no_properties) {
    // MQTT v5 §3.14.2.2.1: below 2, Property Length 0.
    disconnect_packet d;
    ASSERT_EQ(decode_disconnect(bytes({0xE0, 0x01, 0x8B}), d), ok);
    EXPECT_EQ(d.reason_code, mqtt_reason::server_shutting_down);
}

TEST(mqtt_codec_validation, disconnect_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.14.2.1, table 3-10.
    EXPECT_VERDICT(bytes({0xE0, 0x01, 0x01}), malformed);
    EXPECT_VERDICT(bytes({0xE0, 0x01, 0x84}), malformed);
}

TEST(mqtt_codec_validation, disconnect_with_a_property_it_may_not_carry_is_a_protocol_error) {
    EXPECT_VERDICT(
        packet_of(0xE0, bytes({0x00}) + props(two_byte_property(property_id::receive_maximum, 1))),
        protocol_error);
}

TEST(mqtt_codec_validation, disconnect_with_session_expiry_twice_is_a_protocol_error) {
    const std::string sei = four_byte_property(property_id::session_expiry_interval, 1);
    EXPECT_VERDICT(packet_of(0xE0, bytes({0x00}) + props(sei + sei)), protocol_error);
}

TEST(mqtt_codec_validation, auth_remaining_length_0_is_success) {
    auth_packet a;
    ASSERT_EQ(decode_auth(bytes({0xF0, 0x00}), a), ok);
    EXPECT_EQ(a.reason_code, ok);
}

TEST(mqtt_codec_validation, auth_without_authentication_method_is_a_protocol_error) {
    // MQTT v5 §3.15.2.2.2.
    EXPECT_VERDICT(bytes({0xF0, 0x01, 0x18}), protocol_error);
    EXPECT_VERDICT(packet_of(0xF0, bytes({0x18}) +
                                       props(property(property_id::authentication_data, str("d")))),
                   protocol_error);
    EXPECT_VERDICT(
        packet_of(0xF0, bytes({0x18}) +
                            props(property(property_id::authentication_method, str("K8S-SAT")))),
        ok);
}

TEST(mqtt_codec_validation, auth_reason_code_not_in_its_table_is_malformed) {
    // MQTT v5 §3.15.2.1, table 3-11.
    EXPECT_VERDICT(
        packet_of(0xF0,
                  bytes({0x87}) + props(property(property_id::authentication_method, str("m")))),
        malformed);
}

TEST(mqtt_codec_validation, auth_with_authentication_method_twice_is_a_protocol_error) {
    const std::string am = property(property_id::authentication_method, str("m"));
    EXPECT_VERDICT(packet_of(0xF0, bytes({0x18}) + props(am + am)), protocol_error);
}

// Topic names and filters
// ------------------------------------------------------------------------------

TEST(mqtt_codec_validation, topic_filter_syntax) {
    for (const char* good :
         {"a", "a/b", "+", "#", "+/+", "a/+/b", "a/#", "/", "//", "/a", "sport/tennis/#", "$SYS/#",
          "$share/g/a/#", "$share/g/#", "$share", "$shared/a"}) {
        EXPECT_TRUE(is_valid_topic_filter(good)) << good;
    }
    for (const char* bad : {"", "a#", "#/a", "a/#/", "a+", "+a/b", "a/b+/c", "$share/g", "$share/",
                            "$share//a", "$share/a#/b", "$share/g/"}) {
        EXPECT_FALSE(is_valid_topic_filter(bad)) << bad;
    }
    EXPECT_TRUE(is_shared_subscription("$share/g/a"));
    EXPECT_FALSE(is_shared_subscription("$shared/g/a"));
    EXPECT_TRUE(is_valid_topic_name("a/b c/ü"));
    EXPECT_FALSE(is_valid_topic_name("a/+"));
    EXPECT_FALSE(is_valid_topic_name("a/#"));
}

// Encoder refusals
// -----------------------------------------------------------------------------------

TEST(mqtt_codec_validation, encoder_refuses_what_it_cannot_encode_and_leaves_output_unchanged) {
    std::string out = "keep";
    publish_packet p;
    p.topic = "t";
    p.qos_level = qos::at_least_once;  // no packet id
    EXPECT_EQ(encode(p, out), protocol_error);
    p.packet_id = 1;
    p.qos_level = static_cast<qos>(3);
    EXPECT_EQ(encode(p, out), malformed);
    p.qos_level = qos::at_most_once;
    p.dup = true;
    EXPECT_EQ(encode(p, out), protocol_error);
    p.dup = false;
    p.topic = "a/+";
    EXPECT_EQ(encode(p, out), mqtt_reason::topic_name_invalid);
    p.topic = "";
    EXPECT_EQ(encode(p, out), protocol_error);
    p.topic_alias = 0;
    EXPECT_EQ(encode(p, out), mqtt_reason::topic_alias_invalid);
    p.topic_alias.reset();
    const std::string huge(70'000, 'a');
    p.topic = huge;
    EXPECT_EQ(encode(p, out), malformed);
    p.topic = "t";
    p.content_type = huge;
    EXPECT_EQ(encode(p, out), malformed);
    EXPECT_EQ(out, "keep");

    subscribe_packet s;
    s.packet_id = 1;
    EXPECT_EQ(encode(s, out), protocol_error);  // no subscriptions
    s.subscriptions = {{"a/#/b"}};
    EXPECT_EQ(encode(s, out), mqtt_reason::topic_filter_invalid);
    publish_response r;
    EXPECT_EQ(encode(r, out), protocol_error);  // packet id 0
    r.packet_id = 1;
    r.reason_code = mqtt_reason::packet_identifier_not_found;  // a PUBREL/PUBCOMP code
    EXPECT_EQ(encode(r, out), malformed);
    auth_packet a;
    a.reason_code = mqtt_reason::continue_authentication;
    EXPECT_EQ(encode(a, out), protocol_error);  // no Authentication Method
    connect_packet with_will;
    with_will.will = will_message{};
    EXPECT_EQ(encode(with_will, out), mqtt_reason::topic_name_invalid);  // empty Will Topic
    with_will.will->topic = "w/#";
    EXPECT_EQ(encode(with_will, out), mqtt_reason::topic_name_invalid);
    connack_packet c;
    c.session_present = true;
    c.reason_code = mqtt_reason::not_authorized;
    EXPECT_EQ(encode(c, out), protocol_error);
    EXPECT_EQ(out, "keep");
}

TEST(mqtt_codec_validation, encoder_refuses_a_packet_over_the_peer_maximum_packet_size) {
    publish_packet p;
    p.topic = "t";
    p.payload = std::string_view("0123456789");
    std::string out;
    // 1 type byte + 1 length byte + 3 topic + 1 property length + 10 payload = 16 bytes.
    EXPECT_EQ(encode(p, out, 15), mqtt_reason::packet_too_large);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(encode(p, out, 16), ok);
    EXPECT_EQ(out.size(), 16u);
}

}  // namespace
}  // namespace flowbridge::mqtt::test
