#include "engine/message/utf8.h"

#include <simdjson.h>

namespace flowbridge {

bool is_valid_utf8(std::string_view text) noexcept {
    return simdjson::validate_utf8(text.data(), text.size());
}

bool is_valid_mqtt_string(std::string_view text) noexcept {
    if (text.size() > 65535) return false;
    // Most property strings are short ASCII: one plain pass decides them; simdjson's validator
    // (a call and a dispatch per string) only runs when a byte ≥ 0x80 shows up.
    bool ascii = true;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b == 0) return false;  // MQTT v5 §1.5.4: no encoding of U+0000
        ascii &= b < 0x80;
    }
    return ascii || is_valid_utf8(text);
}

}  // namespace flowbridge
