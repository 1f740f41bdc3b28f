#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "engine/message/mqtt_reason.h"

namespace flowbridge {

/// MQTT v5 property identifiers (MQTT v5 §2.2.2.2, table 2-4).
enum class property_id : std::uint8_t {
    payload_format_indicator = 0x01,
    message_expiry_interval = 0x02,
    content_type = 0x03,
    response_topic = 0x08,
    correlation_data = 0x09,
    subscription_identifier = 0x0B,
    session_expiry_interval = 0x11,
    assigned_client_identifier = 0x12,
    server_keep_alive = 0x13,
    authentication_method = 0x15,
    authentication_data = 0x16,
    request_problem_information = 0x17,
    will_delay_interval = 0x18,
    request_response_information = 0x19,
    response_information = 0x1A,
    server_reference = 0x1C,
    reason_string = 0x1F,
    receive_maximum = 0x21,
    topic_alias_maximum = 0x22,
    topic_alias = 0x23,
    maximum_qos = 0x24,
    retain_available = 0x25,
    user_property = 0x26,
    maximum_packet_size = 0x27,
    wildcard_subscription_available = 0x28,
    subscription_identifier_available = 0x29,
    shared_subscription_available = 0x2A,
};

/// How a property's value is encoded on the wire (MQTT v5 §1.5).
enum class property_type : std::uint8_t {
    unknown,
    byte,
    two_byte_integer,
    four_byte_integer,
    variable_byte_integer,
    utf8_string,
    binary_data,
    utf8_string_pair,
};

/// The wire type of `id`, or `unknown` for an identifier the standard does not define.
constexpr property_type type_of(property_id id) noexcept {
    switch (id) {
        case property_id::payload_format_indicator:
        case property_id::request_problem_information:
        case property_id::request_response_information:
        case property_id::maximum_qos:
        case property_id::retain_available:
        case property_id::wildcard_subscription_available:
        case property_id::subscription_identifier_available:
        case property_id::shared_subscription_available:
            return property_type::byte;
        case property_id::server_keep_alive:
        case property_id::receive_maximum:
        case property_id::topic_alias_maximum:
        case property_id::topic_alias:
            return property_type::two_byte_integer;
        case property_id::message_expiry_interval:
        case property_id::session_expiry_interval:
        case property_id::will_delay_interval:
        case property_id::maximum_packet_size:
            return property_type::four_byte_integer;
        case property_id::subscription_identifier:
            return property_type::variable_byte_integer;
        case property_id::content_type:
        case property_id::response_topic:
        case property_id::assigned_client_identifier:
        case property_id::authentication_method:
        case property_id::response_information:
        case property_id::server_reference:
        case property_id::reason_string:
            return property_type::utf8_string;
        case property_id::correlation_data:
        case property_id::authentication_data:
            return property_type::binary_data;
        case property_id::user_property:
            return property_type::utf8_string_pair;
    }
    return property_type::unknown;
}

/// One decoded property: integers in `integer`, strings and binary data in `first`, a user
/// property's name in `first` and value in `second`. The views point into the packet.
struct raw_property {
    property_id id{};
    std::uint32_t integer = 0;
    std::string_view first;
    std::string_view second;
};

/// Reads a Variable Byte Integer (MQTT v5 §1.5.5) at `pos`. Returns the number of bytes used
/// (1..4), or 0 if `data` ends first or the encoding is longer than four bytes.
std::size_t read_varint(std::string_view data, std::size_t pos, std::uint32_t& value) noexcept;

/// Appends `value` (must be < 2^28) as a Variable Byte Integer.
void append_varint(std::string& out, std::uint32_t value);

/// The number of bytes append_varint writes for `value`.
constexpr std::size_t varint_size(std::uint32_t value) noexcept {
    return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : 4;
}

/// Walks a property block (the bytes after the Property Length) one property at a time.
/// Strict: unknown identifiers, truncated values and ill-formed UTF-8 strings (MQTT v5 §1.5.4)
/// stop the walk with `malformed_packet`. It does not judge which properties a packet type
/// allows; callers do (see parse_publish_properties).
class property_reader {
public:
    /// With `trusted`, UTF-8 strings are not validated again: for blocks that already passed a
    /// validating read (re-iteration on the hot path).
    explicit property_reader(std::string_view block, bool trusted = false) noexcept
        : block_(block), trusted_(trusted) {}

    /// Reads the next property into `out`. Returns false at the end of the block or on error;
    /// error() tells which.
    bool next(raw_property& out) noexcept;
    mqtt_reason error() const noexcept { return error_; }

private:
    std::string_view block_;
    std::size_t pos_ = 0;
    bool trusted_ = false;
    mqtt_reason error_ = mqtt_reason::success;
};

/// Appends properties to a block being built (encoding side: tests, benchmarks, the codec).
/// Property Length is not written; the caller prefixes it with append_varint(block.size()).
class property_writer {
public:
    explicit property_writer(std::string& out) noexcept : out_(out) {}

    property_writer& byte(property_id id, std::uint8_t value);
    property_writer& two_byte(property_id id, std::uint16_t value);
    property_writer& four_byte(property_id id, std::uint32_t value);
    property_writer& varint(property_id id, std::uint32_t value);
    property_writer& string(property_id id, std::string_view value);  // UTF-8 string or binary
    property_writer& user_property(std::string_view name, std::string_view value);

private:
    void append_u16(std::uint16_t v);
    std::string& out_;
};

/// A user property (name, value) as views into the packet.
struct user_property {
    std::string_view name;
    std::string_view value;
};

namespace detail {
// How far to skip over each property identifier's value in a block that was already validated:
// 1/2/4 fixed bytes, 5 variable byte integer, 6 length-prefixed, 7 string pair, 0 unknown.
inline constexpr auto property_shapes = [] {
    std::array<std::uint8_t, 256> shapes{};
    for (int id = 0; id < 256; ++id) {
        switch (type_of(static_cast<property_id>(id))) {
            case property_type::byte: shapes[id] = 1; break;
            case property_type::two_byte_integer: shapes[id] = 2; break;
            case property_type::four_byte_integer: shapes[id] = 4; break;
            case property_type::variable_byte_integer: shapes[id] = 5; break;
            case property_type::utf8_string:
            case property_type::binary_data: shapes[id] = 6; break;
            case property_type::utf8_string_pair: shapes[id] = 7; break;
            case property_type::unknown: shapes[id] = 0; break;
        }
    }
    return shapes;
}();

inline std::size_t read_u16_unchecked(const char* p) noexcept {
    return (static_cast<std::size_t>(static_cast<std::uint8_t>(p[0])) << 8) |
           static_cast<std::uint8_t>(p[1]);
}
}  // namespace detail

/// The user properties of an already validated property block, in order, duplicates included.
/// Iterating re-reads the block without validating it again (parse_publish_properties did), so no
/// array is ever built: zero-copy, zero allocation, a few cycles per property.
class user_property_range {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = user_property;
        using difference_type = std::ptrdiff_t;
        using pointer = const user_property*;
        using reference = const user_property&;

        iterator() noexcept = default;
        iterator(const char* pos, const char* end) noexcept : pos_(pos), end_(end) { advance(); }

        reference operator*() const noexcept { return current_; }
        pointer operator->() const noexcept { return &current_; }
        iterator& operator++() noexcept {
            advance();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator copy = *this;
            advance();
            return copy;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.pos_ == b.pos_;
        }

    private:
        void advance() noexcept {
            while (pos_ != nullptr && pos_ < end_) {
                const auto id = static_cast<std::uint8_t>(*pos_++);
                switch (detail::property_shapes[id]) {
                    case 1: pos_ += 1; break;
                    case 2: pos_ += 2; break;
                    case 4: pos_ += 4; break;
                    case 5:
                        while ((static_cast<std::uint8_t>(*pos_++) & 0x80) != 0) {
                        }
                        break;
                    case 6: pos_ += 2 + detail::read_u16_unchecked(pos_); break;
                    case 7: {
                        const std::size_t name_len = detail::read_u16_unchecked(pos_);
                        const char* name = pos_ + 2;
                        const char* value_at = name + name_len;
                        const std::size_t value_len = detail::read_u16_unchecked(value_at);
                        current_ = user_property{std::string_view(name, name_len),
                                                 std::string_view(value_at + 2, value_len)};
                        // The position after this property identifies the iterator (the end
                        // iterator's is null).
                        pos_ = value_at + 2 + value_len;
                        if (id == static_cast<std::uint8_t>(property_id::user_property)) return;
                        break;
                    }
                    default: pos_ = end_; break;  // cannot happen in a validated block
                }
            }
            pos_ = nullptr;  // end
        }
        const char* pos_ = nullptr;
        const char* end_ = nullptr;
        user_property current_{};
    };

    user_property_range() noexcept = default;
    explicit user_property_range(std::string_view block) noexcept : block_(block) {}

    iterator begin() const noexcept {
        return block_.empty() ? iterator() : iterator(block_.data(), block_.data() + block_.size());
    }
    iterator end() const noexcept { return iterator(); }

private:
    std::string_view block_;
};

/// The properties of a PUBLISH (MQTT v5 §3.3.2.3), as views into the packet's bytes.
struct publish_properties {
    enum presence : std::uint8_t {
        has_payload_format = 1 << 0,
        has_message_expiry = 1 << 1,
        has_content_type = 1 << 2,
        has_response_topic = 1 << 3,
        has_correlation_data = 1 << 4,
        has_topic_alias = 1 << 5,
    };

    std::uint8_t present = 0;  // bits of `presence`
    std::uint8_t payload_format_indicator = 0;
    std::uint16_t topic_alias = 0;
    std::uint32_t message_expiry_interval = 0;  // seconds
    std::uint32_t user_property_count = 0;
    std::uint32_t subscription_identifier_count = 0;
    std::string_view content_type;
    std::string_view response_topic;
    std::string_view correlation_data;  // binary
    std::string_view block;             // the whole property block, for user_properties()

    bool has(presence bit) const noexcept { return (present & bit) != 0; }
    user_property_range user_properties() const noexcept { return user_property_range(block); }
};

/// Validates and decodes a PUBLISH property block (MQTT v5 §3.3.2.3). Returns `success`, or
/// `malformed_packet` (bad encoding, ill-formed UTF-8) or `protocol_error` (a property a PUBLISH
/// must not carry, a single-valued property given twice, Payload Format Indicator not 0/1,
/// Topic Alias or Subscription Identifier 0).
mqtt_reason parse_publish_properties(std::string_view block, publish_properties& out) noexcept;

}  // namespace flowbridge
