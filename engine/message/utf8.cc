#include "engine/message/utf8.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace flowbridge {

bool is_valid_utf8(std::string_view text) noexcept {
    return simdjson::validate_utf8(text.data(), text.size());
}

bool is_valid_mqtt_string(std::string_view text) noexcept {
    if (text.size() > 65535) return false;
    // Most property strings are short ASCII: one pass, eight bytes at a time, decides them;
    // simdjson's validator (a call and a dispatch per string) only runs when a byte >= 0x80
    // shows up. MQTT v5 §1.5.4: no encoding of U+0000 either.
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const char* p = text.data();
    std::size_t n = text.size();
    std::uint64_t any_high = 0;
    std::uint64_t any_zero = 0;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        any_high |= w;
        any_zero |= (w - ones) & ~w & highs;  // non-zero exactly when some byte of w is 0
    }
    for (; n > 0; ++p, --n) {
        const auto b = static_cast<unsigned char>(*p);
        any_high |= b;
        any_zero |= b == 0 ? highs : 0;
    }
    if (any_zero != 0) return false;
    return (any_high & highs) == 0 || is_valid_utf8(text);
}

}  // namespace flowbridge
