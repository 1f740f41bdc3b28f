// Byte-exact checks against the non-normative examples of the MQTT v5.0 OASIS standard, and
// against packets written out by hand from its figures.
#include <gtest/gtest.h>

#include "tests/unit/transports/mqtt/packet_bytes.h"
#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {
namespace {

// MQTT v5 §1.5.5, table 1-1: the size boundaries of a Variable Byte Integer.
TEST(mqtt_codec_spec_examples, remaining_length_boundaries_of_table_1_1) {
    const struct {
        std::uint32_t value;
        std::string wire;
    } cases[] = {
        {0, bytes({0x00})},
        {127, bytes({0x7F})},
        {128, bytes({0x80, 0x01})},
        {16'383, bytes({0xFF, 0x7F})},
        {16'384, bytes({0x80, 0x80, 0x01})},
        {2'097'151, bytes({0xFF, 0xFF, 0x7F})},
        {2'097'152, bytes({0x80, 0x80, 0x80, 0x01})},
        {268'435'455, bytes({0xFF, 0xFF, 0xFF, 0x7F})},
    };
    for (const auto& c : cases) {
        std::string out;
        append_varint(out, c.value);
        EXPECT_EQ(hex(out), hex(c.wire));
        const frame f = frame_packet(bytes({0xC0}) + c.wire);
        EXPECT_EQ(f.remaining_length, c.value);
        EXPECT_EQ(f.header_size, 1 + c.wire.size());
        EXPECT_EQ(f.status, c.value == 0 ? frame_status::complete : frame_status::incomplete);
    }
}

// MQTT v5 §1.5.4, figure 1-3: "A𪛔" is 0x00 0x05 0x41 0xF0 0xAA 0x9B 0x94.
TEST(mqtt_codec_spec_examples, utf8_string_of_figure_1_3_as_a_topic) {
    const std::string wire =
        packet_of(0x30, bytes({0x00, 0x05, 0x41, 0xF0, 0xAA, 0x9B, 0x94}) + props());
    mqtt_message m;
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    EXPECT_EQ(m.topic, "A\U0002A6D4");
    publish_packet p;
    p.topic = "A\U0002A6D4";
    std::string out;
    ASSERT_EQ(encode(p, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
}

// MQTT v5 §3.1.2.12: the CONNECT variable header example — protocol name "MQTT", version 5,
// flags 0xCE (user name, password, Will QoS 1, Will, Clean Start), Keep Alive 10, properties
// of length 5 holding Session Expiry Interval 10.
TEST(mqtt_codec_spec_examples, connect_variable_header_of_section_3_1_2_12) {
    const std::string variable_header = bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xCE, 0x00,
                                               0x0A, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A});
    const std::string payload =
        str("client") + props() + str("will/topic") + str("bye") + str("user") + str("pass");
    const std::string wire = packet_of(0x10, variable_header + payload);

    connect_packet c;
    c.clean_start = true;
    c.keep_alive = 10;
    c.session_expiry_interval = 10;
    c.client_id = "client";
    will_message w;
    w.topic = "will/topic";
    w.payload = "bye";
    w.qos_level = qos::at_least_once;
    c.will = w;
    c.username = "user";
    c.password = "pass";
    std::string out;
    ASSERT_EQ(encode(c, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));

    connect_packet decoded;
    ASSERT_EQ(decode_connect(wire, decoded), mqtt_reason::success);
    EXPECT_TRUE(decoded == c);
}

// MQTT v5 §3.3.2, the PUBLISH variable header non-normative example: Topic Name "a/b", Packet
// Identifier 10, no properties.
TEST(mqtt_codec_spec_examples, publish_variable_header_example_of_section_3_3_2) {
    const std::string wire = packet_of(0x32, bytes({0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00}));
    EXPECT_EQ(hex(wire), hex(bytes({0x32, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00})));
    publish_packet p;
    p.topic = "a/b";
    p.qos_level = qos::at_least_once;
    p.packet_id = 10;
    std::string out;
    ASSERT_EQ(encode(p, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
    mqtt_message m;
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    EXPECT_EQ(m.topic, "a/b");
    EXPECT_EQ(m.packet_id, 10);
    EXPECT_TRUE(m.payload.empty());
}

// MQTT v5 §3.8.2.2 and §3.8.3.2: SUBSCRIBE with Packet Identifier 10, no properties, and the
// payload example "a/b" with options 1 and "c/d" with options 2.
TEST(mqtt_codec_spec_examples, subscribe_of_sections_3_8_2_2_and_3_8_3_2) {
    const std::string wire = bytes({0x82, 0x0F, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x01,
                                    0x00, 0x03, 'c', '/', 'd', 0x02});
    subscribe_packet s;
    s.packet_id = 10;
    s.subscriptions = {{"a/b", qos::at_least_once}, {"c/d", qos::exactly_once}};
    std::string out;
    ASSERT_EQ(encode(s, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
    subscribe_packet decoded;
    ASSERT_EQ(decode_subscribe(wire, decoded), mqtt_reason::success);
    EXPECT_TRUE(decoded == s);
}

// MQTT v5 §3.9.3: SUBACK payload example — Success QoS 0, Success QoS 2, Failure (0x80).
TEST(mqtt_codec_spec_examples, suback_payload_of_section_3_9_3) {
    const std::string wire = bytes({0x90, 0x06, 0x00, 0x0A, 0x00, 0x00, 0x02, 0x80});
    suback_packet s;
    s.packet_id = 10;
    s.reason_codes = {mqtt_reason::success, mqtt_reason::granted_qos_2,
                      mqtt_reason::unspecified_error};
    std::string out;
    ASSERT_EQ(encode(s, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
    suback_packet decoded;
    ASSERT_EQ(decode_suback(wire, decoded), mqtt_reason::success);
    EXPECT_TRUE(decoded == s);
}

// MQTT v5 §3.10.3.1: UNSUBSCRIBE payload example "a/b", "c/d".
TEST(mqtt_codec_spec_examples, unsubscribe_payload_of_section_3_10_3_1) {
    const std::string wire =
        bytes({0xA2, 0x0D, 0x00, 0x0A, 0x00, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x03, 'c', '/', 'd'});
    unsubscribe_packet u;
    u.packet_id = 10;
    u.topic_filters = {"a/b", "c/d"};
    std::string out;
    ASSERT_EQ(encode(u, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
    unsubscribe_packet decoded;
    ASSERT_EQ(decode_unsubscribe(wire, decoded), mqtt_reason::success);
    EXPECT_TRUE(decoded == u);
}

// MQTT v5 §3.4.2.1: "The Reason Code and Property Length can be omitted if the Reason Code is
// 0x00 (Success) and there are no Properties. In this case the PUBACK has a Remaining Length
// of 2." §3.4.2.2.1: below 4, no Property Length.
TEST(mqtt_codec_spec_examples, puback_short_forms_of_section_3_4_2) {
    publish_response ack;
    ack.packet_id = 10;
    std::string out;
    ASSERT_EQ(encode(ack, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(bytes({0x40, 0x02, 0x00, 0x0A})));

    ack.reason_code = mqtt_reason::quota_exceeded;
    out.clear();
    ASSERT_EQ(encode(ack, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(bytes({0x40, 0x03, 0x00, 0x0A, 0x97})));

    publish_response rel;
    rel.type = packet_type::pubrel;
    rel.packet_id = 10;
    out.clear();
    ASSERT_EQ(encode(rel, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(bytes({0x62, 0x02, 0x00, 0x0A})));

    // The long form with an explicit empty property block is accepted too.
    publish_response decoded;
    ASSERT_EQ(decode_publish_response(bytes({0x50, 0x04, 0x00, 0x0A, 0x00, 0x00}), decoded),
              mqtt_reason::success);
    EXPECT_EQ(decoded.type, packet_type::pubrec);
    EXPECT_EQ(decoded.reason_code, mqtt_reason::success);
}

// MQTT v5 §3.12, §3.13, §3.14.2.1, §3.15.2.1: the two-byte packets.
TEST(mqtt_codec_spec_examples, two_byte_packets) {
    std::string out;
    ASSERT_EQ(encode(pingreq_packet{}, out), mqtt_reason::success);
    ASSERT_EQ(encode(pingresp_packet{}, out), mqtt_reason::success);
    ASSERT_EQ(encode(disconnect_packet{}, out), mqtt_reason::success);
    ASSERT_EQ(encode(auth_packet{}, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(bytes({0xC0, 0x00, 0xD0, 0x00, 0xE0, 0x00, 0xF0, 0x00})));

    disconnect_packet d;
    d.reason_code = mqtt_reason::disconnect_with_will;
    out.clear();
    ASSERT_EQ(encode(d, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(bytes({0xE0, 0x01, 0x04})));
}

// MQTT v5 §3.2.2: CONNACK accepted, no session, no properties.
TEST(mqtt_codec_spec_examples, plain_connack) {
    const std::string wire = bytes({0x20, 0x03, 0x00, 0x00, 0x00});
    connack_packet c;
    std::string out;
    ASSERT_EQ(encode(c, out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
    connack_packet decoded;
    ASSERT_EQ(decode_connack(wire, decoded), mqtt_reason::success);
    EXPECT_TRUE(decoded == c);
}

// A QoS 1 PUBLISH with one User Property, written out by hand from MQTT v5 §3.3 and §2.2.2.2
// (User Property identifier 0x26).
TEST(mqtt_codec_spec_examples, publish_with_a_user_property_written_by_hand) {
    const std::string block = bytes({0x26}) + str("k") + str("v");
    const std::string wire =
        packet_of(0x32, str("t/1") + u16(1) + props(block) + std::string("payload"));
    mqtt_message m;
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    EXPECT_EQ(m.topic, "t/1");
    EXPECT_EQ(m.payload, "payload");
    ASSERT_EQ(m.properties.user_property_count, 1u);
    const auto up = *m.properties.user_properties().begin();
    EXPECT_EQ(up.name, "k");
    EXPECT_EQ(up.value, "v");
    std::string out;
    ASSERT_EQ(encode(to_publish_packet(m), out), mqtt_reason::success);
    EXPECT_EQ(hex(out), hex(wire));
}

}  // namespace
}  // namespace flowbridge::mqtt::test
