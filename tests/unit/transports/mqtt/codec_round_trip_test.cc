// Round trips: every packet type, with every property it allows, encodes and decodes back to
// the same fields; the decoded views point into the encoded bytes.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/transports/mqtt/packet_bytes.h"
#include "tests/unit/transports/mqtt/sample_packets.h"
#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {
namespace {

bool points_into(std::string_view view, std::string_view buffer) {
    return view.data() >= buffer.data() &&
           view.data() + view.size() <= buffer.data() + buffer.size();
}

template <class Packet, class Decode>
void expect_round_trip(const Packet& original, Decode decode) {
    std::string wire;
    ASSERT_EQ(encode(original, wire), mqtt_reason::success);
    const frame f = frame_packet(wire);
    ASSERT_EQ(f.status, frame_status::complete) << hex(wire);
    ASSERT_EQ(f.size, wire.size());
    Packet decoded;
    ASSERT_EQ(decode(wire, decoded), mqtt_reason::success) << hex(wire);
    EXPECT_TRUE(decoded == original) << hex(wire);
    // Encoding what was decoded gives the same bytes again.
    std::string again;
    ASSERT_EQ(encode(decoded, again), mqtt_reason::success);
    EXPECT_EQ(hex(again), hex(wire));
}

TEST(mqtt_codec_round_trip, connect_with_will_credentials_and_every_property) {
    expect_round_trip(full_connect(), decode_connect);
}

TEST(mqtt_codec_round_trip, minimal_connect) {
    expect_round_trip(connect_packet{}, decode_connect);
}

TEST(mqtt_codec_round_trip, connect_with_password_but_no_username) {
    connect_packet p;
    p.client_id = "c";
    p.password = "secret";  // allowed in MQTT v5 (§3.1.2.9)
    expect_round_trip(p, decode_connect);
}

TEST(mqtt_codec_round_trip, connect_with_will_without_properties) {
    connect_packet p;
    will_message w;
    w.topic = "w";
    w.qos_level = qos::exactly_once;
    p.will = w;
    expect_round_trip(p, decode_connect);
}

TEST(mqtt_codec_round_trip, connack_with_every_property) {
    expect_round_trip(full_connack(), decode_connack);
}

TEST(mqtt_codec_round_trip, connack_refused) {
    connack_packet p;
    p.reason_code = mqtt_reason::bad_user_name_or_password;
    p.reason_string = "no";
    expect_round_trip(p, decode_connack);
}

TEST(mqtt_codec_round_trip, every_connack_reason_code) {
    for (int c = 0; c < 256; ++c) {
        const auto reason = static_cast<mqtt_reason>(c);
        if (!is_valid_connack_reason(reason)) continue;
        connack_packet p;
        p.reason_code = reason;
        expect_round_trip(p, decode_connack);
    }
}

TEST(mqtt_codec_round_trip, publish_with_every_property_decodes_into_views_of_the_packet) {
    const publish_packet original = full_publish();
    std::string wire;
    ASSERT_EQ(encode(original, wire), mqtt_reason::success);
    mqtt_message m;
    m.tag = delivery_tag{77};
    m.arrival = 5;
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    EXPECT_EQ(m.topic, original.topic);
    EXPECT_EQ(m.payload, original.payload);
    EXPECT_EQ(m.qos_level, qos::at_least_once);
    EXPECT_TRUE(m.retain);
    EXPECT_TRUE(m.dup);
    EXPECT_EQ(m.packet_id, 4242);
    EXPECT_EQ(m.tag, delivery_tag{77});  // left to the caller
    EXPECT_EQ(m.arrival, 5);
    const auto& pr = m.properties;
    EXPECT_EQ(pr.payload_format_indicator, 1);
    EXPECT_EQ(pr.message_expiry_interval, 120u);
    EXPECT_EQ(pr.topic_alias, 3);
    EXPECT_EQ(pr.response_topic, "factory/replies");
    EXPECT_EQ(pr.correlation_data, std::string_view("\x00\x01\x02", 3));
    EXPECT_EQ(pr.content_type, "application/json");
    EXPECT_EQ(pr.user_property_count, 3u);
    EXPECT_EQ(pr.subscription_identifier_count, 2u);
    EXPECT_EQ(
        subscription_identifiers(pr.block),
        std::vector<std::uint32_t>(sample_subscription_ids.begin(), sample_subscription_ids.end()));
    EXPECT_TRUE(user_property_list::from_block(pr.block) ==
                user_property_list(sample_user_properties));
    for (const auto view :
         {m.topic, m.payload, pr.response_topic, pr.correlation_data, pr.content_type, pr.block}) {
        EXPECT_TRUE(points_into(view, wire));
    }

    // Back to an outgoing PUBLISH: the connection-specific alias and identifiers are not kept.
    publish_packet again = to_publish_packet(m);
    EXPECT_FALSE(again.topic_alias);
    EXPECT_TRUE(again.subscription_identifiers.empty());
    again.topic_alias = original.topic_alias;
    again.subscription_identifiers = original.subscription_identifiers;
    EXPECT_TRUE(again == original);
    std::string rewire;
    ASSERT_EQ(encode(again, rewire), mqtt_reason::success);
    EXPECT_EQ(hex(rewire), hex(wire));
}

TEST(mqtt_codec_round_trip, publish_at_each_qos_with_and_without_retain) {
    for (const auto q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
        for (const bool retain : {false, true}) {
            publish_packet p;
            p.topic = "a/b";
            p.payload = "hello";
            p.qos_level = q;
            p.retain = retain;
            p.packet_id = q == qos::at_most_once ? 0 : 10;
            std::string wire;
            ASSERT_EQ(encode(p, wire), mqtt_reason::success);
            mqtt_message m;
            ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
            EXPECT_TRUE(to_publish_packet(m) == p);
        }
    }
}

TEST(mqtt_codec_round_trip, publish_with_empty_payload_and_empty_strings) {
    publish_packet p;
    p.topic = "t";
    p.content_type = "";
    p.response_topic = "";
    p.correlation_data = "";
    std::string wire;
    ASSERT_EQ(encode(p, wire), mqtt_reason::success);
    mqtt_message m;
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    EXPECT_TRUE(m.payload.empty());
    EXPECT_TRUE(to_publish_packet(m) == p);
}

TEST(mqtt_codec_round_trip, puback_pubrec_pubrel_pubcomp_with_every_property) {
    for (const auto type :
         {packet_type::puback, packet_type::pubrec, packet_type::pubrel, packet_type::pubcomp}) {
        SCOPED_TRACE(std::string(to_string(type)));
        expect_round_trip(full_publish_response(type), decode_publish_response);
    }
}

TEST(mqtt_codec_round_trip, every_publish_response_reason_code) {
    for (const auto type :
         {packet_type::puback, packet_type::pubrec, packet_type::pubrel, packet_type::pubcomp}) {
        for (int c = 0; c < 256; ++c) {
            const auto reason = static_cast<mqtt_reason>(c);
            if (!is_valid_publish_response_reason(type, reason)) continue;
            publish_response p;
            p.type = type;
            p.packet_id = 1;
            p.reason_code = reason;
            expect_round_trip(p, decode_publish_response);
        }
    }
}

TEST(mqtt_codec_round_trip, subscribe_with_every_option_and_property) {
    expect_round_trip(full_subscribe(), decode_subscribe);
}

TEST(mqtt_codec_round_trip, suback_with_every_reason_code) {
    expect_round_trip(full_suback(), decode_suback);
}

TEST(mqtt_codec_round_trip, unsubscribe_with_user_properties) {
    expect_round_trip(full_unsubscribe(), decode_unsubscribe);
}

TEST(mqtt_codec_round_trip, unsuback_with_every_reason_code) {
    expect_round_trip(full_unsuback(), decode_unsuback);
}

TEST(mqtt_codec_round_trip, pingreq_and_pingresp) {
    expect_round_trip(pingreq_packet{}, decode_pingreq);
    expect_round_trip(pingresp_packet{}, decode_pingresp);
}

TEST(mqtt_codec_round_trip, disconnect_with_every_property) {
    expect_round_trip(full_disconnect(), decode_disconnect);
}

TEST(mqtt_codec_round_trip, every_disconnect_reason_code) {
    for (int c = 0; c < 256; ++c) {
        const auto reason = static_cast<mqtt_reason>(c);
        if (!is_valid_disconnect_reason(reason)) continue;
        disconnect_packet p;
        p.reason_code = reason;
        expect_round_trip(p, decode_disconnect);
    }
}

TEST(mqtt_codec_round_trip, auth_with_every_property) {
    expect_round_trip(full_auth(), decode_auth);
    auth_packet reauth;
    reauth.reason_code = mqtt_reason::reauthenticate;
    reauth.authentication_method = "OAUTH2-JWT";
    expect_round_trip(reauth, decode_auth);
}

TEST(mqtt_codec_round_trip, auth_short_form) { expect_round_trip(auth_packet{}, decode_auth); }

TEST(mqtt_codec_round_trip, decode_packet_dispatches_on_the_type) {
    for (const std::string& wire : sample_encodings()) {
        ASSERT_FALSE(wire.empty());
        packet p;
        ASSERT_EQ(decode_packet(wire, p), mqtt_reason::success) << hex(wire);
        const auto type = static_cast<packet_type>(static_cast<std::uint8_t>(wire[0]) >> 4);
        switch (type) {
            case packet_type::connect:
                EXPECT_TRUE(std::holds_alternative<connect_packet>(p));
                break;
            case packet_type::connack:
                EXPECT_TRUE(std::holds_alternative<connack_packet>(p));
                break;
            case packet_type::publish:
                EXPECT_TRUE(std::holds_alternative<mqtt_message>(p));
                break;
            case packet_type::puback:
            case packet_type::pubrec:
            case packet_type::pubrel:
            case packet_type::pubcomp:
                ASSERT_TRUE(std::holds_alternative<publish_response>(p));
                EXPECT_EQ(std::get<publish_response>(p).type, type);
                break;
            case packet_type::subscribe:
                EXPECT_TRUE(std::holds_alternative<subscribe_packet>(p));
                break;
            case packet_type::suback:
                EXPECT_TRUE(std::holds_alternative<suback_packet>(p));
                break;
            case packet_type::unsubscribe:
                EXPECT_TRUE(std::holds_alternative<unsubscribe_packet>(p));
                break;
            case packet_type::unsuback:
                EXPECT_TRUE(std::holds_alternative<unsuback_packet>(p));
                break;
            case packet_type::pingreq:
                EXPECT_TRUE(std::holds_alternative<pingreq_packet>(p));
                break;
            case packet_type::pingresp:
                EXPECT_TRUE(std::holds_alternative<pingresp_packet>(p));
                break;
            case packet_type::disconnect:
                EXPECT_TRUE(std::holds_alternative<disconnect_packet>(p));
                break;
            case packet_type::auth:
                EXPECT_TRUE(std::holds_alternative<auth_packet>(p));
                break;
        }
    }
}

TEST(mqtt_codec_round_trip, decoding_into_a_used_object_keeps_no_stale_fields) {
    std::string full = encoded(full_subscribe());
    subscribe_packet minimal;
    minimal.packet_id = 3;
    minimal.subscriptions = {{"x"}};
    const std::string small = encoded(minimal);
    subscribe_packet out;
    ASSERT_EQ(decode_subscribe(full, out), mqtt_reason::success);
    ASSERT_EQ(decode_subscribe(small, out), mqtt_reason::success);
    EXPECT_TRUE(out == minimal);

    connect_packet c;
    ASSERT_EQ(decode_connect(encoded(full_connect()), c), mqtt_reason::success);
    const std::string bare = encoded(connect_packet{});
    ASSERT_EQ(decode_connect(bare, c), mqtt_reason::success);
    EXPECT_TRUE(c == connect_packet{});

    publish_response r;
    ASSERT_EQ(decode_publish_response(encoded(full_publish_response(packet_type::puback)), r),
              mqtt_reason::success);
    publish_response short_ack;
    short_ack.packet_id = 1;
    ASSERT_EQ(decode_publish_response(encoded(short_ack), r), mqtt_reason::success);
    EXPECT_TRUE(r == short_ack);
}

TEST(mqtt_codec_round_trip, user_property_lists_compare_by_content) {
    const std::array<user_property, 2> a = {{{"k", "v"}, {"k", "w"}}};
    const std::array<user_property, 2> b = {{{"k", "v"}, {"k", "x"}}};
    EXPECT_TRUE(user_property_list(a) == user_property_list(a));
    EXPECT_FALSE(user_property_list(a) == user_property_list(b));
    EXPECT_FALSE(user_property_list(a) == user_property_list(std::span(a).first(1)));
    EXPECT_TRUE(user_property_list() == user_property_list::from_block({}));
    EXPECT_EQ(user_property_list(a).size(), 2u);
}

TEST(mqtt_codec_round_trip, encoder_appends_after_existing_bytes) {
    std::string out = "prefix";
    ASSERT_EQ(encode(pingreq_packet{}, out), mqtt_reason::success);
    ASSERT_EQ(encode(pingresp_packet{}, out), mqtt_reason::success);
    EXPECT_EQ(out, "prefix" + bytes({0xC0, 0x00, 0xD0, 0x00}));
}

}  // namespace
}  // namespace flowbridge::mqtt::test
