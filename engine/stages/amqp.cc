#include "engine/stages/amqp.h"

#include <cstdint>

namespace flowbridge {

bool decode_amqp_string(std::string_view value, std::string_view& decoded) noexcept {
    if (value.size() < 2) return false;
    const auto constructor = static_cast<std::uint8_t>(value[0]);
    switch (constructor) {
        case 0xA1:    // str8-utf8 (AMQP 1.0 §1.6.20)
        case 0xA3: {  // sym8 (§1.6.21)
            const std::size_t len = static_cast<std::uint8_t>(value[1]);
            if (value.size() != 2 + len) return false;
            decoded = value.substr(2);
            return true;
        }
        case 0xB1:    // str32-utf8
        case 0xB3: {  // sym32
            if (value.size() < 5) return false;
            std::size_t len = 0;
            for (int i = 1; i <= 4; ++i) len = (len << 8) | static_cast<std::uint8_t>(value[i]);
            if (value.size() - 5 != len) return false;
            decoded = value.substr(5);
            return true;
        }
        default:
            return false;
    }
}

}  // namespace flowbridge
