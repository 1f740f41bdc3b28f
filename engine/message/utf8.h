#pragma once

#include <string_view>

namespace flowbridge {

/// True if `text` is well-formed UTF-8 (validated with simdjson's SIMD validator).
bool is_valid_utf8(std::string_view text) noexcept;

/// True if `text` is a valid MQTT v5 UTF-8 Encoded String (MQTT v5 §1.5.4): well-formed UTF-8,
/// no U+0000, at most 65535 bytes. ASCII is decided by a plain scan, the rest by simdjson.
bool is_valid_mqtt_string(std::string_view text) noexcept;

}  // namespace flowbridge
