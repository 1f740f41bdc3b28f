#pragma once

// Helpers for writing MQTT v5 packets byte by byte in tests, independently of the encoder under
// test: the fixed header is computed here, everything else is spelled out by the test.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/message/mqtt_properties.h"
#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {

/// Raw bytes from a list of byte values.
inline std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) out.push_back(static_cast<char>(v));
    return out;
}

/// A Two Byte Integer.
inline std::string u16(std::uint16_t v) { return bytes({v >> 8, v & 0xFF}); }

/// A length-prefixed UTF-8 string or binary field (MQTT v5 §1.5.4, §1.5.6).
inline std::string str(std::string_view s) {
    return u16(static_cast<std::uint16_t>(s.size())) + std::string(s);
}

/// A property block with its Property Length (MQTT v5 §2.2.2.1).
inline std::string props(std::string_view block = {}) {
    std::string out;
    append_varint(out, static_cast<std::uint32_t>(block.size()));
    out.append(block);
    return out;
}

/// A whole packet: first byte, Remaining Length of `body`, `body`.
inline std::string packet_of(int first_byte, std::string_view body) {
    std::string out(1, static_cast<char>(first_byte));
    append_varint(out, static_cast<std::uint32_t>(body.size()));
    out.append(body);
    return out;
}

/// Lower-case hex, for failure messages.
inline std::string hex(std::string_view data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : data) {
        const auto b = static_cast<std::uint8_t>(c);
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
        out.push_back(' ');
    }
    return out;
}

/// The reason code as "0x81", for failure messages.
inline std::string code(mqtt_reason r) {
    static constexpr char digits[] = "0123456789ABCDEF";
    const auto b = static_cast<std::uint8_t>(r);
    return std::string("0x") + digits[b >> 4] + digits[b & 0x0F];
}

/// Decodes whatever `data` holds and returns just the verdict.
inline mqtt_reason verdict(std::string_view data) {
    packet p;
    return decode_packet(data, p);
}

/// The Subscription Identifiers of a validated PUBLISH property block, in order.
inline std::vector<std::uint32_t> subscription_identifiers(std::string_view block) {
    std::vector<std::uint32_t> ids;
    property_reader reader(block);
    raw_property p;
    while (reader.next(p)) {
        if (p.id == property_id::subscription_identifier) ids.push_back(p.integer);
    }
    return ids;
}

}  // namespace flowbridge::mqtt::test
