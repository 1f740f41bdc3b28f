#include "engine/message/utf8.h"

#include <cstring>

#include <simdjson.h>

namespace flowbridge {

bool is_valid_utf8(std::string_view text) noexcept {
    return simdjson::validate_utf8(text.data(), text.size());
}

bool is_valid_mqtt_string(std::string_view text) noexcept {
    if (text.empty()) return true;
    // MQTT v5 §1.5.4: the character data MUST NOT include an encoding of U+0000.
    return text.size() <= 65535 && std::memchr(text.data(), 0, text.size()) == nullptr &&
           is_valid_utf8(text);
}

}  // namespace flowbridge
