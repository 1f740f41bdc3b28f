#include "engine/message/mqtt_properties.h"

#include "engine/message/utf8.h"

namespace flowbridge {

std::size_t read_varint(std::string_view data, std::size_t pos, std::uint32_t& value) noexcept {
    std::uint32_t result = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (pos + i >= data.size()) return 0;
        const auto b = static_cast<std::uint8_t>(data[pos + i]);
        result |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
            // MQTT v5 §1.5.5 [MQTT-1.5.5-1]: the minimum number of bytes; a trailing 0x00 after a
            // continuation byte is a non-minimal (malformed) encoding.
            if (i > 0 && b == 0) return 0;
            value = result;
            return i + 1;
        }
    }
    return 0;  // MQTT v5 §1.5.5: at most four bytes
}

void append_varint(std::string& out, std::uint32_t value) {
    do {
        auto b = static_cast<std::uint8_t>(value & 0x7F);
        value >>= 7;
        if (value != 0) b |= 0x80;
        out.push_back(static_cast<char>(b));
    } while (value != 0);
}

namespace {

bool read_u16(std::string_view data, std::size_t& pos, std::uint16_t& value) noexcept {
    if (data.size() - pos < 2) return false;
    value = static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[pos]) << 8) |
                                       static_cast<std::uint8_t>(data[pos + 1]));
    pos += 2;
    return true;
}

// A Two Byte Integer length followed by that many bytes (MQTT v5 §1.5.4, §1.5.6).
bool read_prefixed(std::string_view data, std::size_t& pos, std::string_view& value) noexcept {
    std::uint16_t len = 0;
    if (!read_u16(data, pos, len) || data.size() - pos < len) return false;
    value = data.substr(pos, len);
    pos += len;
    return true;
}

}  // namespace

bool property_reader::next(raw_property& out) noexcept {
    if (error_ != mqtt_reason::success || pos_ >= block_.size()) return false;
    // Property identifiers are Variable Byte Integers, all defined ones fit in one byte.
    std::uint32_t id = 0;
    const std::size_t id_len = read_varint(block_, pos_, id);
    if (id_len == 0 || id > 0xFF) {
        error_ = mqtt_reason::malformed_packet;
        return false;
    }
    pos_ += id_len;
    out = raw_property{};
    out.id = static_cast<property_id>(id);
    bool ok = true;
    switch (type_of(out.id)) {
        case property_type::unknown:
            ok = false;
            break;
        case property_type::byte:
            ok = pos_ < block_.size();
            if (ok) out.integer = static_cast<std::uint8_t>(block_[pos_++]);
            break;
        case property_type::two_byte_integer: {
            std::uint16_t v = 0;
            ok = read_u16(block_, pos_, v);
            out.integer = v;
            break;
        }
        case property_type::four_byte_integer:
            ok = block_.size() - pos_ >= 4;
            if (ok) {
                for (int i = 0; i < 4; ++i) {
                    out.integer = (out.integer << 8) | static_cast<std::uint8_t>(block_[pos_++]);
                }
            }
            break;
        case property_type::variable_byte_integer: {
            const std::size_t n = read_varint(block_, pos_, out.integer);
            ok = n != 0;
            pos_ += n;
            break;
        }
        case property_type::utf8_string:
            ok = read_prefixed(block_, pos_, out.first) && (trusted_ || is_valid_mqtt_string(out.first));
            break;
        case property_type::binary_data:
            ok = read_prefixed(block_, pos_, out.first);
            break;
        case property_type::utf8_string_pair:
            ok = read_prefixed(block_, pos_, out.first) && read_prefixed(block_, pos_, out.second) &&
                 (trusted_ ||
                  (is_valid_mqtt_string(out.first) && is_valid_mqtt_string(out.second)));
            break;
    }
    if (!ok) {
        error_ = mqtt_reason::malformed_packet;
        return false;
    }
    return true;
}

void property_writer::append_u16(std::uint16_t v) {
    out_.push_back(static_cast<char>(v >> 8));
    out_.push_back(static_cast<char>(v & 0xFF));
}

property_writer& property_writer::byte(property_id id, std::uint8_t value) {
    out_.push_back(static_cast<char>(id));
    out_.push_back(static_cast<char>(value));
    return *this;
}

property_writer& property_writer::two_byte(property_id id, std::uint16_t value) {
    out_.push_back(static_cast<char>(id));
    append_u16(value);
    return *this;
}

property_writer& property_writer::four_byte(property_id id, std::uint32_t value) {
    out_.push_back(static_cast<char>(id));
    for (int shift = 24; shift >= 0; shift -= 8) {
        out_.push_back(static_cast<char>((value >> shift) & 0xFF));
    }
    return *this;
}

property_writer& property_writer::varint(property_id id, std::uint32_t value) {
    out_.push_back(static_cast<char>(id));
    append_varint(out_, value);
    return *this;
}

property_writer& property_writer::string(property_id id, std::string_view value) {
    out_.push_back(static_cast<char>(id));
    append_u16(static_cast<std::uint16_t>(value.size()));
    out_.append(value);
    return *this;
}

property_writer& property_writer::user_property(std::string_view name, std::string_view value) {
    out_.push_back(static_cast<char>(property_id::user_property));
    append_u16(static_cast<std::uint16_t>(name.size()));
    out_.append(name);
    append_u16(static_cast<std::uint16_t>(value.size()));
    out_.append(value);
    return *this;
}

mqtt_reason parse_publish_properties(std::string_view block, publish_properties& out) noexcept {
    out = publish_properties{};
    property_reader reader(block);
    raw_property p;
    // A single-valued property given twice is a Protocol Error (MQTT v5 §2.2.2.2).
    auto once = [&out](publish_properties::presence bit) noexcept {
        if (out.has(bit)) return false;
        out.present |= bit;
        return true;
    };
    while (reader.next(p)) {
        switch (p.id) {
            case property_id::payload_format_indicator:
                // MQTT v5 §3.3.2.3.2: 0 (unspecified bytes) or 1 (UTF-8).
                if (!once(publish_properties::has_payload_format) || p.integer > 1) {
                    return mqtt_reason::protocol_error;
                }
                out.payload_format_indicator = static_cast<std::uint8_t>(p.integer);
                break;
            case property_id::message_expiry_interval:
                if (!once(publish_properties::has_message_expiry)) return mqtt_reason::protocol_error;
                out.message_expiry_interval = p.integer;
                break;
            case property_id::topic_alias:
                // MQTT v5 §3.3.2.3.4: a Topic Alias of 0 is not permitted.
                if (!once(publish_properties::has_topic_alias)) return mqtt_reason::protocol_error;
                if (p.integer == 0) return mqtt_reason::topic_alias_invalid;
                out.topic_alias = static_cast<std::uint16_t>(p.integer);
                break;
            case property_id::response_topic:
                if (!once(publish_properties::has_response_topic)) return mqtt_reason::protocol_error;
                // MQTT v5 §3.3.2.3.5 [MQTT-3.3.2-14]: a Topic Name, so no wildcard characters.
                if (p.first.find_first_of("+#") != std::string_view::npos) {
                    return mqtt_reason::protocol_error;
                }
                out.response_topic = p.first;
                break;
            case property_id::correlation_data:
                if (!once(publish_properties::has_correlation_data)) {
                    return mqtt_reason::protocol_error;
                }
                out.correlation_data = p.first;
                break;
            case property_id::content_type:
                if (!once(publish_properties::has_content_type)) return mqtt_reason::protocol_error;
                out.content_type = p.first;
                break;
            case property_id::user_property:
                ++out.user_property_count;
                break;
            case property_id::subscription_identifier:
                // MQTT v5 §3.3.2.3.8: 1..268435455; it may appear more than once.
                if (p.integer == 0) return mqtt_reason::protocol_error;
                ++out.subscription_identifier_count;
                break;
            default:
                return mqtt_reason::protocol_error;  // not a PUBLISH property
        }
    }
    if (reader.error() != mqtt_reason::success) return reader.error();
    // Only a validated block may be iterated by user_properties() (it trusts the encoding).
    out.block = block;
    return mqtt_reason::success;
}

}  // namespace flowbridge
