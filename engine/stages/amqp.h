#pragma once

#include <string_view>

namespace flowbridge {

/// SPEC §3.2 extension `flowbridge.io/decode-amqp-headers`: Event Hubs clients that speak AMQP
/// store Kafka header values in AMQP type encoding. If `value` is exactly one AMQP string or
/// symbol — str8-utf8 (0xA1, 1-byte length), str32-utf8 (0xB1, 4-byte big-endian length),
/// sym8 (0xA3) or sym32 (0xB3) — sets `decoded` to the string bytes inside it (a view into
/// `value`, no copy) and returns true. Anything else (including a length that does not match the
/// bytes present) returns false and leaves `decoded` unchanged.
bool decode_amqp_string(std::string_view value, std::string_view& decoded) noexcept;

}  // namespace flowbridge
