// libFuzzer target for the MQTT v5 codec (transports/mqtt/codec.h).
//
// Feeds arbitrary bytes through the framer as a stream of packets and through every decoder;
// whatever decodes successfully is encoded again, and that encoding must decode to an equal
// packet and re-encode to the same bytes. Any mismatch aborts. The seed corpus
// (tests/fuzz/corpus/mqtt_decoder) also runs as an ordinary test through replay_main.cc.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/message/mqtt_properties.h"
#include "transports/mqtt/codec.h"

namespace {

using namespace flowbridge;
using namespace flowbridge::mqtt;

[[noreturn]] void fail(const char* what, std::string_view bytes) {
    std::fprintf(stderr, "mqtt_decoder_fuzz: %s; packet:", what);
    for (const char c : bytes) std::fprintf(stderr, " %02x", static_cast<std::uint8_t>(c));
    std::fprintf(stderr, "\n");
    std::abort();
}

std::vector<std::uint32_t> subscription_ids(std::string_view block) {
    std::vector<std::uint32_t> ids;
    property_reader reader(block);
    raw_property p;
    while (reader.next(p)) {
        if (p.id == property_id::subscription_identifier) ids.push_back(p.integer);
    }
    return ids;
}

struct publish_view {
    publish_packet packet;
    std::vector<std::uint32_t> ids;  // storage for packet.subscription_identifiers
};

publish_view outgoing(const mqtt_message& m) {
    publish_view v{to_publish_packet(m), subscription_ids(m.properties.block)};
    if (m.properties.has(publish_properties::has_topic_alias)) {
        v.packet.topic_alias = m.properties.topic_alias;
    }
    v.packet.subscription_identifiers = v.ids;
    return v;
}

// decode(encode(x)) == x and encode(decode(encode(x))) == encode(x).
template <class Packet, class Decode>
void check_round_trip(const Packet& decoded, Decode decode, std::string_view original) {
    std::string wire;
    if (encode(decoded, wire) != mqtt_reason::success) fail("re-encoding was refused", original);
    if (frame_packet(wire).size != wire.size()) fail("re-encoding frames wrongly", original);
    Packet again;
    if (decode(wire, again) != mqtt_reason::success) fail("re-encoding does not decode", original);
    if (!(again == decoded)) fail("re-decoded packet differs", original);
    std::string wire2;
    if (encode(again, wire2) != mqtt_reason::success || wire2 != wire) {
        fail("encoding is not stable", original);
    }
}

void check_publish(const mqtt_message& m, std::string_view original) {
    const publish_view v = outgoing(m);
    std::string wire;
    if (encode(v.packet, wire) != mqtt_reason::success)
        fail("PUBLISH re-encoding refused", original);
    mqtt_message again;
    if (decode_publish(wire, again) != mqtt_reason::success) {
        fail("PUBLISH re-encoding does not decode", original);
    }
    const publish_view w = outgoing(again);
    if (!(w.packet == v.packet)) fail("re-decoded PUBLISH differs", original);
    if (again.properties.user_property_count != m.properties.user_property_count ||
        again.properties.subscription_identifier_count !=
            m.properties.subscription_identifier_count) {
        fail("PUBLISH property counts differ", original);
    }
    (void)check_payload_format(again);
}

void decode_as_everything(std::string_view bytes) {
    // The dispatcher, then each decoder on the same bytes (most refuse the type at once).
    packet any;
    if (decode_packet(bytes, any) == mqtt_reason::success) {
        std::visit(
            [bytes](const auto& p) {
                using T = std::decay_t<decltype(p)>;
                if constexpr (std::is_same_v<T, mqtt_message>) {
                    check_publish(p, bytes);
                } else if constexpr (std::is_same_v<T, connect_packet>) {
                    check_round_trip(p, decode_connect, bytes);
                } else if constexpr (std::is_same_v<T, connack_packet>) {
                    check_round_trip(p, decode_connack, bytes);
                } else if constexpr (std::is_same_v<T, publish_response>) {
                    check_round_trip(p, decode_publish_response, bytes);
                } else if constexpr (std::is_same_v<T, subscribe_packet>) {
                    check_round_trip(p, decode_subscribe, bytes);
                } else if constexpr (std::is_same_v<T, suback_packet>) {
                    check_round_trip(p, decode_suback, bytes);
                } else if constexpr (std::is_same_v<T, unsubscribe_packet>) {
                    check_round_trip(p, decode_unsubscribe, bytes);
                } else if constexpr (std::is_same_v<T, unsuback_packet>) {
                    check_round_trip(p, decode_unsuback, bytes);
                } else if constexpr (std::is_same_v<T, pingreq_packet>) {
                    check_round_trip(p, decode_pingreq, bytes);
                } else if constexpr (std::is_same_v<T, pingresp_packet>) {
                    check_round_trip(p, decode_pingresp, bytes);
                } else if constexpr (std::is_same_v<T, disconnect_packet>) {
                    check_round_trip(p, decode_disconnect, bytes);
                } else if constexpr (std::is_same_v<T, auth_packet>) {
                    check_round_trip(p, decode_auth, bytes);
                }
            },
            any);
    }
    mqtt_message m;
    (void)decode_publish(bytes, m);
    connect_packet c;
    (void)decode_connect(bytes, c);
    connack_packet ca;
    (void)decode_connack(bytes, ca);
    publish_response r;
    (void)decode_publish_response(bytes, r);
    subscribe_packet s;
    (void)decode_subscribe(bytes, s);
    suback_packet sa;
    (void)decode_suback(bytes, sa);
    unsubscribe_packet u;
    (void)decode_unsubscribe(bytes, u);
    unsuback_packet ua;
    (void)decode_unsuback(bytes, ua);
    disconnect_packet d;
    (void)decode_disconnect(bytes, d);
    auth_packet a;
    (void)decode_auth(bytes, a);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // The input as one packet, whatever its framing says.
    decode_as_everything(input);

    // The input as a stream, the way the session reads a socket: frame, decode, advance. The
    // first byte doubles as a Maximum Packet Size so that the too_large path is exercised.
    const std::uint32_t limit = size > 0 && (data[0] & 1) ? 64 + data[0] : max_packet_size;
    std::string_view rest = input;
    while (!rest.empty()) {
        const frame f = frame_packet(rest, limit);
        if (f.status != frame_status::complete) {
            if (f.status == frame_status::incomplete && f.size != 0 && f.size <= rest.size()) {
                fail("incomplete frame that fits the buffer", rest);
            }
            break;
        }
        if (f.size > rest.size() || f.size < 2 || f.size > limit) fail("bad frame size", rest);
        decode_as_everything(rest.substr(0, f.size));
        rest.remove_prefix(f.size);
    }
    return 0;
}
