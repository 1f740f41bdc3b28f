#pragma once

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
property_type type_of(property_id id) noexcept;

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
    explicit property_reader(std::string_view block) noexcept : block_(block) {}

    /// Reads the next property into `out`. Returns false at the end of the block or on error;
    /// error() tells which.
    bool next(raw_property& out) noexcept;
    mqtt_reason error() const noexcept { return error_; }

private:
    std::string_view block_;
    std::size_t pos_ = 0;
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

/// The user properties of an already validated property block, in order, duplicates included.
/// Iterating re-reads the block, so no array is ever built (zero-copy, zero allocation).
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
        explicit iterator(std::string_view block) noexcept : reader_(block) { advance(); }

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
            return a.done_ == b.done_ && (a.done_ || a.current_.name.data() == b.current_.name.data());
        }

    private:
        void advance() noexcept;
        property_reader reader_{std::string_view{}};
        user_property current_{};
        bool done_ = true;
    };

    user_property_range() noexcept = default;
    explicit user_property_range(std::string_view block) noexcept : block_(block) {}

    iterator begin() const noexcept { return iterator(block_); }
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
