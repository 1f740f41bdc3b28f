#include "transports/mqtt/codec.h"

#include <algorithm>
#include <cstring>

#include "engine/message/utf8.h"

namespace flowbridge::mqtt {

namespace {

constexpr auto success = mqtt_reason::success;
constexpr auto malformed = mqtt_reason::malformed_packet;
constexpr auto protocol_error = mqtt_reason::protocol_error;
constexpr std::size_t max_field = 65535;  // Two Byte Integer length prefix (MQTT v5 §1.5.4, §1.5.6)

// --- Reading
// --------------------------------------------------------------------------------------

enum class varint_result : std::uint8_t { ok, truncated, malformed };

// A Variable Byte Integer (MQTT v5 §1.5.5): at most four bytes, and in the fewest bytes that can
// hold the value [MQTT-1.5.5-1], so a last byte of 0 after a continuation byte is malformed.
varint_result read_strict_varint(std::string_view data, std::size_t pos, std::uint32_t& value,
                                 std::size_t& length) noexcept {
    std::uint32_t result = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (pos + i >= data.size()) return varint_result::truncated;
        const auto b = static_cast<std::uint8_t>(data[pos + i]);
        result |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
            if (i > 0 && b == 0) return varint_result::malformed;
            value = result;
            length = i + 1;
            return varint_result::ok;
        }
    }
    return varint_result::malformed;
}

/// A bounds-checked cursor over a packet body. Every failed read means the packet ended early or
/// a field is ill-formed: a Malformed Packet (MQTT v5 §1.2, §4.13).
class reader {
  public:
    explicit reader(std::string_view data) noexcept : data_(data) {}

    bool u8(std::uint8_t& v) noexcept {
        if (pos_ >= data_.size()) return false;
        v = static_cast<std::uint8_t>(data_[pos_++]);
        return true;
    }
    bool u16(std::uint16_t& v) noexcept {
        if (data_.size() - pos_ < 2) return false;
        v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(data_[pos_]) << 8) |
                                       static_cast<std::uint8_t>(data_[pos_ + 1]));
        pos_ += 2;
        return true;
    }
    bool varint(std::uint32_t& v) noexcept {
        std::size_t n = 0;
        if (read_strict_varint(data_, pos_, v, n) != varint_result::ok) return false;
        pos_ += n;
        return true;
    }
    bool bytes(std::size_t n, std::string_view& v) noexcept {
        if (data_.size() - pos_ < n) return false;
        v = data_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    // Binary Data (MQTT v5 §1.5.6).
    bool binary(std::string_view& v) noexcept {
        std::uint16_t n = 0;
        return u16(n) && bytes(n, v);
    }
    // UTF-8 Encoded String (MQTT v5 §1.5.4): well-formed, no U+0000 [MQTT-1.5.4-1, -2].
    bool utf8(std::string_view& v) noexcept { return binary(v) && is_valid_mqtt_string(v); }
    // Property Length followed by that many bytes (MQTT v5 §2.2.2.1).
    bool property_block(std::string_view& block) noexcept {
        std::uint32_t n = 0;
        return varint(n) && bytes(n, block);
    }
    std::string_view rest() noexcept {
        std::string_view r = data_.substr(pos_);
        pos_ = data_.size();
        return r;
    }
    bool done() const noexcept { return pos_ == data_.size(); }
    std::size_t remaining() const noexcept { return data_.size() - pos_; }

  private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

// Checks the fixed header of a whole packet (MQTT v5 §2.1): the expected type, and a Remaining
// Length that accounts for exactly the bytes given (§2.1.4). Returns the flags and the body.
mqtt_reason open_packet_with_flags(std::string_view packet, packet_type type, std::uint8_t& flags,
                                   std::string_view& body) noexcept {
    if (packet.empty()) return malformed;
    const auto first = static_cast<std::uint8_t>(packet[0]);
    if ((first >> 4) != static_cast<std::uint8_t>(type)) return malformed;
    flags = first & 0x0F;
    std::uint32_t remaining = 0;
    std::size_t n = 0;
    if (read_strict_varint(packet, 1, remaining, n) != varint_result::ok) return malformed;
    if (packet.size() - 1 - n != remaining) return malformed;
    body = packet.substr(1 + n);
    return success;
}

// Fixed header flags of every packet but PUBLISH are fixed values; anything else is a Malformed
// Packet (MQTT v5 §2.1.3, table 2-2, [MQTT-2.1.3-1]).
mqtt_reason open_packet(std::string_view packet, packet_type type, std::uint8_t required_flags,
                        std::string_view& body) noexcept {
    std::uint8_t flags = 0;
    if (const auto r = open_packet_with_flags(packet, type, flags, body); r != success) return r;
    return flags == required_flags ? success : malformed;
}

// --- Properties
// -----------------------------------------------------------------------------------

constexpr std::uint64_t bit(property_id id) noexcept {
    return std::uint64_t{1} << static_cast<unsigned>(id);
}

// Which properties each packet may carry (MQTT v5 §2.2.2.2, table 2-4).
constexpr std::uint64_t connect_properties =
    bit(property_id::session_expiry_interval) | bit(property_id::receive_maximum) |
    bit(property_id::maximum_packet_size) | bit(property_id::topic_alias_maximum) |
    bit(property_id::request_response_information) | bit(property_id::request_problem_information) |
    bit(property_id::user_property) | bit(property_id::authentication_method) |
    bit(property_id::authentication_data);
constexpr std::uint64_t will_properties =
    bit(property_id::will_delay_interval) | bit(property_id::payload_format_indicator) |
    bit(property_id::message_expiry_interval) | bit(property_id::content_type) |
    bit(property_id::response_topic) | bit(property_id::correlation_data) |
    bit(property_id::user_property);
constexpr std::uint64_t connack_properties =
    bit(property_id::session_expiry_interval) | bit(property_id::receive_maximum) |
    bit(property_id::maximum_qos) | bit(property_id::retain_available) |
    bit(property_id::maximum_packet_size) | bit(property_id::assigned_client_identifier) |
    bit(property_id::topic_alias_maximum) | bit(property_id::reason_string) |
    bit(property_id::user_property) | bit(property_id::wildcard_subscription_available) |
    bit(property_id::subscription_identifier_available) |
    bit(property_id::shared_subscription_available) | bit(property_id::server_keep_alive) |
    bit(property_id::response_information) | bit(property_id::server_reference) |
    bit(property_id::authentication_method) | bit(property_id::authentication_data);
constexpr std::uint64_t ack_properties =
    bit(property_id::reason_string) | bit(property_id::user_property);
constexpr std::uint64_t subscribe_properties =
    bit(property_id::subscription_identifier) | bit(property_id::user_property);
constexpr std::uint64_t unsubscribe_properties = bit(property_id::user_property);
constexpr std::uint64_t disconnect_properties =
    bit(property_id::session_expiry_interval) | bit(property_id::reason_string) |
    bit(property_id::user_property) | bit(property_id::server_reference);
constexpr std::uint64_t auth_properties =
    bit(property_id::authentication_method) | bit(property_id::authentication_data) |
    bit(property_id::reason_string) | bit(property_id::user_property);

constexpr std::size_t property_slots = 0x2B;  // identifiers 0x01..0x2A

/// The decoded properties of one block, by identifier (non-PUBLISH packets; PUBLISH uses the
/// engine's parse_publish_properties).
struct property_set {
    std::uint64_t seen = 0;
    raw_property value[property_slots];
    std::string_view block;

    bool has(property_id id) const noexcept { return (seen & bit(id)) != 0; }
    template <class T>
    std::optional<T> integer(property_id id) const noexcept {
        if (!has(id)) return std::nullopt;
        return static_cast<T>(value[static_cast<unsigned>(id)].integer);
    }
    std::optional<std::string_view> text(property_id id) const noexcept {
        if (!has(id)) return std::nullopt;
        return value[static_cast<unsigned>(id)].first;
    }
    user_property_list user_properties() const noexcept {
        return user_property_list::from_block(block);
    }
};

// Range rules on property values that the standard states as Protocol Errors.
mqtt_reason check_property_value(const raw_property& p) noexcept {
    switch (p.id) {
        case property_id::payload_format_indicator:           // §3.1.3.2.3, §3.3.2.3.2
        case property_id::request_problem_information:        // §3.1.2.11.7
        case property_id::request_response_information:       // §3.1.2.11.6
        case property_id::maximum_qos:                        // §3.2.2.3.4
        case property_id::retain_available:                   // §3.2.2.3.5
        case property_id::wildcard_subscription_available:    // §3.2.2.3.11
        case property_id::subscription_identifier_available:  // §3.2.2.3.12
        case property_id::shared_subscription_available:      // §3.2.2.3.13
            return p.integer <= 1 ? success : protocol_error;
        case property_id::receive_maximum:      // §3.1.2.11.3, §3.2.2.3.3: 0 is a Protocol Error
        case property_id::maximum_packet_size:  // §3.1.2.11.4, §3.2.2.3.6: 0 is a Protocol Error
        case property_id::subscription_identifier:  // §3.8.2.1.2: 0 is a Protocol Error
            return p.integer != 0 ? success : protocol_error;
        default:
            return success;
    }
}

// Walks a property block, admitting only the properties in `allowed` (a property the packet does
// not define is a Protocol Error) and each single-valued property at most once (MQTT v5
// §2.2.2.2: only User Property may repeat here; PUBLISH's repeatable Subscription Identifier is
// handled by parse_publish_properties).
mqtt_reason parse_properties(std::string_view block, std::uint64_t allowed,
                             property_set& out) noexcept {
    out.seen = 0;
    out.block = block;
    property_reader reader(block);
    raw_property p;
    while (reader.next(p)) {
        const std::uint64_t b = bit(p.id);
        if ((allowed & b) == 0) return protocol_error;
        if (p.id != property_id::user_property) {
            if ((out.seen & b) != 0) return protocol_error;
            if (const auto r = check_property_value(p); r != success) return r;
            out.value[static_cast<unsigned>(p.id)] = p;
        }
        out.seen |= b;
    }
    if (reader.error() != success) return reader.error();
    // §3.1.2.11.10, §3.15.2.2.3: Authentication Data without Authentication Method.
    if (out.has(property_id::authentication_data) && !out.has(property_id::authentication_method)) {
        return protocol_error;
    }
    return success;
}

// --- Writing
// --------------------------------------------------------------------------------------

void put_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v & 0xFF));
}

void put_prefixed(std::string& out, std::string_view v) {
    put_u16(out, static_cast<std::uint16_t>(v.size()));
    out.append(v);
}

/// Has the interface of property_writer but only adds up the bytes it would write, and notes any
/// value that cannot be encoded (a string over 65535 bytes, a Variable Byte Integer over 2^28-1).
class property_sizer {
  public:
    property_sizer& byte(property_id, std::uint8_t) noexcept {
        size_ += 2;
        return *this;
    }
    property_sizer& two_byte(property_id, std::uint16_t) noexcept {
        size_ += 3;
        return *this;
    }
    property_sizer& four_byte(property_id, std::uint32_t) noexcept {
        size_ += 5;
        return *this;
    }
    property_sizer& varint(property_id, std::uint32_t value) noexcept {
        if (value > max_remaining_length) bad_ = true;
        size_ += 1 + varint_size(value);
        return *this;
    }
    property_sizer& string(property_id, std::string_view value) noexcept {
        if (value.size() > max_field) bad_ = true;
        size_ += 3 + value.size();
        return *this;
    }
    property_sizer& user_property(std::string_view name, std::string_view value) noexcept {
        if (name.size() > max_field || value.size() > max_field) bad_ = true;
        size_ += 5 + name.size() + value.size();
        return *this;
    }
    std::size_t size() const noexcept { return size_; }
    bool bad() const noexcept { return bad_; }

  private:
    std::size_t size_ = 0;
    bool bad_ = false;
};

template <class Sink>
void put_optional_byte(Sink& s, property_id id, const std::optional<std::uint8_t>& v) {
    if (v) s.byte(id, *v);
}
template <class Sink>
void put_optional_two(Sink& s, property_id id, const std::optional<std::uint16_t>& v) {
    if (v) s.two_byte(id, *v);
}
template <class Sink>
void put_optional_four(Sink& s, property_id id, const std::optional<std::uint32_t>& v) {
    if (v) s.four_byte(id, *v);
}
template <class Sink>
void put_optional_string(Sink& s, property_id id, const std::optional<std::string_view>& v) {
    if (v) s.string(id, *v);
}
template <class Sink>
void put_user_properties(Sink& s, const user_property_list& list) {
    for (const auto& up : list) s.user_property(up.name, up.value);
}

// Properties in the order the standard lists them for each packet.
template <class Sink>
void put_properties(Sink& s, const will_message& w) {
    put_optional_four(s, property_id::will_delay_interval, w.will_delay_interval);
    put_optional_byte(s, property_id::payload_format_indicator, w.payload_format_indicator);
    put_optional_four(s, property_id::message_expiry_interval, w.message_expiry_interval);
    put_optional_string(s, property_id::content_type, w.content_type);
    put_optional_string(s, property_id::response_topic, w.response_topic);
    put_optional_string(s, property_id::correlation_data, w.correlation_data);
    put_user_properties(s, w.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const connect_packet& p) {
    put_optional_four(s, property_id::session_expiry_interval, p.session_expiry_interval);
    put_optional_two(s, property_id::receive_maximum, p.receive_maximum);
    put_optional_four(s, property_id::maximum_packet_size, p.maximum_packet_size);
    put_optional_two(s, property_id::topic_alias_maximum, p.topic_alias_maximum);
    put_optional_byte(s, property_id::request_response_information, p.request_response_information);
    put_optional_byte(s, property_id::request_problem_information, p.request_problem_information);
    put_user_properties(s, p.user_properties);
    put_optional_string(s, property_id::authentication_method, p.authentication_method);
    put_optional_string(s, property_id::authentication_data, p.authentication_data);
}

template <class Sink>
void put_properties(Sink& s, const connack_packet& p) {
    put_optional_four(s, property_id::session_expiry_interval, p.session_expiry_interval);
    put_optional_two(s, property_id::receive_maximum, p.receive_maximum);
    put_optional_byte(s, property_id::maximum_qos, p.maximum_qos);
    put_optional_byte(s, property_id::retain_available, p.retain_available);
    put_optional_four(s, property_id::maximum_packet_size, p.maximum_packet_size);
    put_optional_string(s, property_id::assigned_client_identifier, p.assigned_client_identifier);
    put_optional_two(s, property_id::topic_alias_maximum, p.topic_alias_maximum);
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
    put_optional_byte(s, property_id::wildcard_subscription_available,
                      p.wildcard_subscription_available);
    put_optional_byte(s, property_id::subscription_identifier_available,
                      p.subscription_identifiers_available);
    put_optional_byte(s, property_id::shared_subscription_available,
                      p.shared_subscription_available);
    put_optional_two(s, property_id::server_keep_alive, p.server_keep_alive);
    put_optional_string(s, property_id::response_information, p.response_information);
    put_optional_string(s, property_id::server_reference, p.server_reference);
    put_optional_string(s, property_id::authentication_method, p.authentication_method);
    put_optional_string(s, property_id::authentication_data, p.authentication_data);
}

template <class Sink>
void put_properties(Sink& s, const publish_packet& p) {
    put_optional_byte(s, property_id::payload_format_indicator, p.payload_format_indicator);
    put_optional_four(s, property_id::message_expiry_interval, p.message_expiry_interval);
    put_optional_two(s, property_id::topic_alias, p.topic_alias);
    put_optional_string(s, property_id::response_topic, p.response_topic);
    put_optional_string(s, property_id::correlation_data, p.correlation_data);
    put_user_properties(s, p.user_properties);
    for (const std::uint32_t id : p.subscription_identifiers) {
        s.varint(property_id::subscription_identifier, id);
    }
    put_optional_string(s, property_id::content_type, p.content_type);
}

template <class Sink>
void put_properties(Sink& s, const publish_response& p) {
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const subscribe_packet& p) {
    if (p.subscription_identifier) {
        s.varint(property_id::subscription_identifier, *p.subscription_identifier);
    }
    put_user_properties(s, p.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const suback_packet& p) {
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const unsubscribe_packet& p) {
    put_user_properties(s, p.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const unsuback_packet& p) {
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
}

template <class Sink>
void put_properties(Sink& s, const disconnect_packet& p) {
    put_optional_four(s, property_id::session_expiry_interval, p.session_expiry_interval);
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
    put_optional_string(s, property_id::server_reference, p.server_reference);
}

template <class Sink>
void put_properties(Sink& s, const auth_packet& p) {
    put_optional_string(s, property_id::authentication_method, p.authentication_method);
    put_optional_string(s, property_id::authentication_data, p.authentication_data);
    put_optional_string(s, property_id::reason_string, p.reason_string);
    put_user_properties(s, p.user_properties);
}

// The size of a property block, or nullopt if some value cannot be encoded.
template <class Packet>
std::optional<std::size_t> properties_size(const Packet& p) noexcept {
    property_sizer sizer;
    put_properties(sizer, p);
    if (sizer.bad() || sizer.size() > max_remaining_length) return std::nullopt;
    return sizer.size();
}

// Property Length followed by the properties (MQTT v5 §2.2.2).
template <class Packet>
void put_property_block(std::string& out, const Packet& p, std::size_t size) {
    append_varint(out, static_cast<std::uint32_t>(size));
    property_writer writer(out);
    put_properties(writer, p);
}

std::size_t block_size(std::size_t properties) noexcept {
    return varint_size(static_cast<std::uint32_t>(properties)) + properties;
}

// Checks the body fits a Remaining Length (MQTT v5 §2.1.4) and the whole packet the receiver's
// Maximum Packet Size (MQTT v5 §3.1.2.11.4, §3.2.2.3.6), then writes the fixed header.
mqtt_reason begin_packet(std::string& out, std::uint8_t first_byte, std::size_t body,
                         std::uint32_t maximum_packet_size) {
    if (body > max_remaining_length) return mqtt_reason::packet_too_large;
    const std::size_t total = 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
    if (total > maximum_packet_size) return mqtt_reason::packet_too_large;
    out.reserve(out.size() + total);
    out.push_back(static_cast<char>(first_byte));
    append_varint(out, static_cast<std::uint32_t>(body));
    return success;
}

constexpr std::uint8_t first_byte(packet_type type, std::uint8_t flags = 0) noexcept {
    return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

bool is_valid_qos(qos q) noexcept { return static_cast<std::uint8_t>(q) <= 2; }

}  // namespace

// --- Names
// ----------------------------------------------------------------------------------------

std::string_view to_string(packet_type type) noexcept {
    switch (type) {
        case packet_type::connect:
            return "CONNECT";
        case packet_type::connack:
            return "CONNACK";
        case packet_type::publish:
            return "PUBLISH";
        case packet_type::puback:
            return "PUBACK";
        case packet_type::pubrec:
            return "PUBREC";
        case packet_type::pubrel:
            return "PUBREL";
        case packet_type::pubcomp:
            return "PUBCOMP";
        case packet_type::subscribe:
            return "SUBSCRIBE";
        case packet_type::suback:
            return "SUBACK";
        case packet_type::unsubscribe:
            return "UNSUBSCRIBE";
        case packet_type::unsuback:
            return "UNSUBACK";
        case packet_type::pingreq:
            return "PINGREQ";
        case packet_type::pingresp:
            return "PINGRESP";
        case packet_type::disconnect:
            return "DISCONNECT";
        case packet_type::auth:
            return "AUTH";
    }
    return "reserved";
}

// --- Framing
// --------------------------------------------------------------------------------------

frame frame_packet(std::string_view buffer, std::uint32_t maximum_packet_size) noexcept {
    frame f;
    if (buffer.empty()) return f;
    const auto first = static_cast<std::uint8_t>(buffer[0]);
    // MQTT v5 §2.1.2: packet type 0 is reserved ("Forbidden").
    if ((first >> 4) == 0) {
        f.status = frame_status::malformed;
        return f;
    }
    f.type = static_cast<packet_type>(first >> 4);
    f.flags = first & 0x0F;
    std::size_t n = 0;
    switch (read_strict_varint(buffer, 1, f.remaining_length, n)) {
        case varint_result::truncated:
            return f;  // incomplete, size still unknown
        case varint_result::malformed:
            // MQTT v5 §1.5.5: more than four bytes, or not the minimal encoding.
            f.status = frame_status::malformed;
            return f;
        case varint_result::ok:
            break;
    }
    f.header_size = 1 + n;
    f.size = f.header_size + f.remaining_length;
    // MQTT v5 §3.1.2.11.4: a packet over our Maximum Packet Size is a Protocol Error answered
    // with 0x95; decided here from the header alone, so the body is never buffered.
    if (f.size > maximum_packet_size) {
        f.status = frame_status::too_large;
        return f;
    }
    f.status = buffer.size() >= f.size ? frame_status::complete : frame_status::incomplete;
    return f;
}

// --- Topics
// ---------------------------------------------------------------------------------------

bool is_valid_topic_name(std::string_view topic) noexcept {
    // MQTT v5 §4.7.1, [MQTT-3.3.2-2]: wildcards are for filters only.
    return std::memchr(topic.data(), '+', topic.size()) == nullptr &&
           std::memchr(topic.data(), '#', topic.size()) == nullptr;
}

namespace {

// MQTT v5 §4.7.1.2–§4.7.1.3, [MQTT-4.7.1-1], [MQTT-4.7.1-2], [MQTT-4.7.3-1].
bool is_valid_filter_levels(std::string_view filter) noexcept {
    if (filter.empty()) return false;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = filter.find('/', start);
        const std::string_view level = filter.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (level.find('#') != std::string_view::npos &&
            (level != "#" || end != std::string_view::npos)) {
            return false;
        }
        if (level.find('+') != std::string_view::npos && level != "+") return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

constexpr std::string_view share_prefix = "$share/";

}  // namespace

bool is_shared_subscription(std::string_view filter) noexcept {
    return filter.starts_with(share_prefix);
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
    if (!is_shared_subscription(filter)) return is_valid_filter_levels(filter);
    // MQTT v5 §4.8.2, [MQTT-4.8.2-1], [MQTT-4.8.2-2].
    const std::string_view rest = filter.substr(share_prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos) return false;
    const std::string_view share_name = rest.substr(0, slash);
    if (share_name.find_first_of("+#") != std::string_view::npos) return false;
    return is_valid_filter_levels(rest.substr(slash + 1));
}

// --- User properties
// -------------------------------------------------------------------------------

user_property_list::iterator user_property_list::begin() const noexcept {
    iterator it;
    if (from_block_) {
        it.block_ = user_property_range(block_).begin();
    } else {
        it.array_ = array_.data();
    }
    return it;
}

user_property_list::iterator user_property_list::end() const noexcept {
    iterator it;
    if (!from_block_) it.array_ = array_.data() + array_.size();
    return it;
}

std::size_t user_property_list::size() const noexcept {
    if (!from_block_) return array_.size();
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it) ++n;
    return n;
}

bool operator==(const user_property_list& a, const user_property_list& b) noexcept {
    auto x = a.begin();
    auto y = b.begin();
    const auto x_end = a.end();
    const auto y_end = b.end();
    for (; x != x_end && y != y_end; ++x, ++y) {
        if (x->name != y->name || x->value != y->value) return false;
    }
    return x == x_end && y == y_end;
}

// --- Reason codes
// -------------------------------------------------------------------------------------

namespace {

template <std::size_t N>
bool one_of(mqtt_reason r, const mqtt_reason (&allowed)[N]) noexcept {
    return std::find(std::begin(allowed), std::end(allowed), r) != std::end(allowed);
}

using R = mqtt_reason;

}  // namespace

bool is_valid_connack_reason(mqtt_reason r) noexcept {
    // MQTT v5 §3.2.2.2, table 3-1.
    static constexpr mqtt_reason allowed[] = {R::success,
                                              R::unspecified_error,
                                              R::malformed_packet,
                                              R::protocol_error,
                                              R::implementation_specific_error,
                                              R::unsupported_protocol_version,
                                              R::client_identifier_not_valid,
                                              R::bad_user_name_or_password,
                                              R::not_authorized,
                                              R::server_unavailable,
                                              R::server_busy,
                                              R::banned,
                                              R::bad_authentication_method,
                                              R::topic_name_invalid,
                                              R::packet_too_large,
                                              R::quota_exceeded,
                                              R::payload_format_invalid,
                                              R::retain_not_supported,
                                              R::qos_not_supported,
                                              R::use_another_server,
                                              R::server_moved,
                                              R::connection_rate_exceeded};
    return one_of(r, allowed);
}

bool is_valid_publish_response_reason(packet_type type, mqtt_reason r) noexcept {
    // MQTT v5 §3.4.2.1 (PUBACK), §3.5.2.1 (PUBREC): the same table.
    static constexpr mqtt_reason ack[] = {R::success,
                                          R::no_matching_subscribers,
                                          R::unspecified_error,
                                          R::implementation_specific_error,
                                          R::not_authorized,
                                          R::topic_name_invalid,
                                          R::packet_identifier_in_use,
                                          R::quota_exceeded,
                                          R::payload_format_invalid};
    // MQTT v5 §3.6.2.1 (PUBREL), §3.7.2.1 (PUBCOMP).
    static constexpr mqtt_reason release[] = {R::success, R::packet_identifier_not_found};
    switch (type) {
        case packet_type::puback:
        case packet_type::pubrec:
            return one_of(r, ack);
        case packet_type::pubrel:
        case packet_type::pubcomp:
            return one_of(r, release);
        default:
            return false;
    }
}

bool is_valid_suback_reason(mqtt_reason r) noexcept {
    // MQTT v5 §3.9.3, table 3-8.
    static constexpr mqtt_reason allowed[] = {R::success,
                                              R::granted_qos_1,
                                              R::granted_qos_2,
                                              R::unspecified_error,
                                              R::implementation_specific_error,
                                              R::not_authorized,
                                              R::topic_filter_invalid,
                                              R::packet_identifier_in_use,
                                              R::quota_exceeded,
                                              R::shared_subscriptions_not_supported,
                                              R::subscription_identifiers_not_supported,
                                              R::wildcard_subscriptions_not_supported};
    return one_of(r, allowed);
}

bool is_valid_unsuback_reason(mqtt_reason r) noexcept {
    // MQTT v5 §3.11.3, table 3-9.
    static constexpr mqtt_reason allowed[] = {R::success,
                                              R::no_subscription_existed,
                                              R::unspecified_error,
                                              R::implementation_specific_error,
                                              R::not_authorized,
                                              R::topic_filter_invalid,
                                              R::packet_identifier_in_use};
    return one_of(r, allowed);
}

bool is_valid_disconnect_reason(mqtt_reason r) noexcept {
    // MQTT v5 §3.14.2.1, table 3-10.
    static constexpr mqtt_reason allowed[] = {R::success,
                                              R::disconnect_with_will,
                                              R::unspecified_error,
                                              R::malformed_packet,
                                              R::protocol_error,
                                              R::implementation_specific_error,
                                              R::not_authorized,
                                              R::server_busy,
                                              R::server_shutting_down,
                                              R::keep_alive_timeout,
                                              R::session_taken_over,
                                              R::topic_filter_invalid,
                                              R::topic_name_invalid,
                                              R::receive_maximum_exceeded,
                                              R::topic_alias_invalid,
                                              R::packet_too_large,
                                              R::message_rate_too_high,
                                              R::quota_exceeded,
                                              R::administrative_action,
                                              R::payload_format_invalid,
                                              R::retain_not_supported,
                                              R::qos_not_supported,
                                              R::use_another_server,
                                              R::server_moved,
                                              R::shared_subscriptions_not_supported,
                                              R::connection_rate_exceeded,
                                              R::maximum_connect_time,
                                              R::subscription_identifiers_not_supported,
                                              R::wildcard_subscriptions_not_supported};
    return one_of(r, allowed);
}

bool is_valid_auth_reason(mqtt_reason r) noexcept {
    // MQTT v5 §3.15.2.1, table 3-11.
    return r == R::success || r == R::continue_authentication || r == R::reauthenticate;
}

// --- PUBLISH
// ----------------------------------------------------------------------------------------

namespace {

// A PUBLISH Topic Name: a UTF-8 string without U+0000 (MQTT v5 §1.5.4 [MQTT-1.5.4-1, -2]: else
// Malformed Packet) and without wildcards (§3.3.2.1 [MQTT-3.3.2-2]: well formed but not
// acceptable, 0x90 Topic Name invalid). Topic names are short and nearly always ASCII, so one
// scalar pass checks all three; only a name with non-ASCII bytes pays for the full validator.
mqtt_reason check_topic_name(std::string_view topic) noexcept {
    std::uint8_t high = 0;
    bool nul = false;
    bool wildcard = false;
    for (const char c : topic) {
        const auto b = static_cast<std::uint8_t>(c);
        high |= b;
        nul |= b == 0;
        wildcard |= (b == '+') | (b == '#');
    }
    if (nul || (high >= 0x80 && !is_valid_utf8(topic))) return malformed;
    return wildcard ? mqtt_reason::topic_name_invalid : success;
}

}  // namespace

mqtt_reason decode_publish(std::string_view packet, mqtt_message& out) noexcept {
    std::uint8_t flags = 0;
    std::string_view body;
    if (const auto r = open_packet_with_flags(packet, packet_type::publish, flags, body);
        r != success) {
        return r;
    }
    const auto q = static_cast<std::uint8_t>((flags >> 1) & 0x03);
    // MQTT v5 §3.3.1.2, [MQTT-3.3.1-4]: both QoS bits set is a Malformed Packet.
    if (q == 3) return malformed;
    const bool dup = (flags & 0x08) != 0;
    // MQTT v5 §3.3.1.1, [MQTT-3.3.1-2]: DUP must be 0 for QoS 0; the packet parses, so the
    // violation is a Protocol Error (§1.2 definitions, §4.13).
    if (dup && q == 0) return protocol_error;

    reader r(body);
    std::string_view topic;
    if (!r.binary(topic)) return malformed;  // §3.3.2.1
    if (const auto tr = check_topic_name(topic); tr != success) return tr;
    std::uint16_t packet_id = 0;
    if (q > 0) {
        if (!r.u16(packet_id)) return malformed;
        // MQTT v5 §2.2.1, [MQTT-2.2.1-3]: QoS > 0 needs a non-zero Packet Identifier.
        if (packet_id == 0) return protocol_error;
    }
    std::string_view block;
    if (!r.property_block(block)) return malformed;  // §3.3.2.3.1
    if (const auto pr = parse_publish_properties(block, out.properties); pr != success) return pr;
    // MQTT v5 §3.3.2.3.4: a zero-length Topic Name without a Topic Alias is a Protocol Error.
    if (topic.empty() && !out.properties.has(publish_properties::has_topic_alias)) {
        return protocol_error;
    }
    // MQTT v5 §3.3.2.3.5, [MQTT-3.3.2-14]: the Response Topic is a Topic Name too.
    if (out.properties.has(publish_properties::has_response_topic) &&
        !is_valid_topic_name(out.properties.response_topic)) {
        return protocol_error;
    }
    out.topic = topic;
    out.payload = r.rest();  // §3.3.3: the rest of the packet, possibly empty
    out.qos_level = static_cast<qos>(q);
    out.retain = (flags & 0x01) != 0;
    out.dup = dup;
    out.packet_id = packet_id;
    return success;
}

mqtt_reason check_payload_format(const mqtt_message& message) noexcept {
    // MQTT v5 §3.3.2.3.2: Payload Format Indicator 1 means well-formed UTF-8 (RFC 3629).
    const auto& p = message.properties;
    if (p.has(publish_properties::has_payload_format) && p.payload_format_indicator == 1 &&
        !is_valid_utf8(message.payload)) {
        return mqtt_reason::payload_format_invalid;
    }
    return success;
}

publish_packet to_publish_packet(const mqtt_message& m) noexcept {
    publish_packet p;
    p.topic = m.topic;
    p.payload = m.payload;
    p.qos_level = m.qos_level;
    p.retain = m.retain;
    p.dup = m.dup;
    p.packet_id = m.packet_id;
    const auto& props = m.properties;
    if (props.has(publish_properties::has_payload_format)) {
        p.payload_format_indicator = props.payload_format_indicator;
    }
    if (props.has(publish_properties::has_message_expiry)) {
        p.message_expiry_interval = props.message_expiry_interval;
    }
    if (props.has(publish_properties::has_content_type)) p.content_type = props.content_type;
    if (props.has(publish_properties::has_response_topic)) p.response_topic = props.response_topic;
    if (props.has(publish_properties::has_correlation_data)) {
        p.correlation_data = props.correlation_data;
    }
    p.user_properties = user_property_list::from_block(props.block);
    return p;
}

bool operator==(const publish_packet& a, const publish_packet& b) noexcept {
    return a.topic == b.topic && a.payload == b.payload && a.qos_level == b.qos_level &&
           a.retain == b.retain && a.dup == b.dup && a.packet_id == b.packet_id &&
           a.payload_format_indicator == b.payload_format_indicator &&
           a.message_expiry_interval == b.message_expiry_interval &&
           a.topic_alias == b.topic_alias && a.response_topic == b.response_topic &&
           a.correlation_data == b.correlation_data && a.content_type == b.content_type &&
           a.user_properties == b.user_properties &&
           std::equal(a.subscription_identifiers.begin(), a.subscription_identifiers.end(),
                      b.subscription_identifiers.begin(), b.subscription_identifiers.end());
}

mqtt_reason encode(const publish_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (!is_valid_qos(p.qos_level)) return malformed;                                 // §3.3.1.2
    if (p.dup && p.qos_level == qos::at_most_once) return protocol_error;             // §3.3.1.1
    if (p.qos_level != qos::at_most_once && p.packet_id == 0) return protocol_error;  // §2.2.1
    if (p.topic.size() > max_field) return malformed;
    if (p.topic.empty() && !p.topic_alias) return protocol_error;               // §3.3.2.3.4
    if (!is_valid_topic_name(p.topic)) return mqtt_reason::topic_name_invalid;  // §3.3.2.1
    if (p.topic_alias && *p.topic_alias == 0) return mqtt_reason::topic_alias_invalid;
    if (p.payload_format_indicator && *p.payload_format_indicator > 1) return protocol_error;
    for (const std::uint32_t id : p.subscription_identifiers) {
        if (id == 0) return protocol_error;  // §3.3.2.3.8
    }
    const auto props = properties_size(p);
    if (!props) return malformed;
    const std::size_t body = 2 + p.topic.size() + (p.qos_level != qos::at_most_once ? 2 : 0) +
                             block_size(*props) + p.payload.size();
    const auto flags = static_cast<std::uint8_t>(
        (p.dup ? 0x08 : 0) | (static_cast<std::uint8_t>(p.qos_level) << 1) | (p.retain ? 0x01 : 0));
    if (const auto r =
            begin_packet(out, first_byte(packet_type::publish, flags), body, maximum_packet_size);
        r != success) {
        return r;
    }
    put_prefixed(out, p.topic);
    if (p.qos_level != qos::at_most_once) put_u16(out, p.packet_id);
    put_property_block(out, p, *props);
    out.append(p.payload);
    return success;
}

// --- CONNECT
// --------------------------------------------------------------------------------------

namespace {

constexpr std::string_view protocol_name = "MQTT";
constexpr std::uint8_t protocol_version = 5;

}  // namespace

mqtt_reason decode_connect(std::string_view packet, connect_packet& out) noexcept {
    std::string_view body;
    if (const auto r = open_packet(packet, packet_type::connect, 0, body); r != success) return r;
    reader r(body);
    std::string_view name;
    if (!r.utf8(name)) return malformed;
    // MQTT v5 §3.1.2.1–§3.1.2.2: another protocol name or version is not MQTT v5; the Server
    // answers 0x84 Unsupported Protocol Version.
    std::uint8_t version = 0;
    if (!r.u8(version)) return malformed;
    if (name != protocol_name || version != protocol_version) {
        return mqtt_reason::unsupported_protocol_version;
    }
    std::uint8_t flags = 0;
    if (!r.u8(flags)) return malformed;
    // MQTT v5 §3.1.2.3, [MQTT-3.1.2-3]: the reserved flag must be 0, else Malformed Packet.
    if ((flags & 0x01) != 0) return malformed;
    const bool will = (flags & 0x04) != 0;
    const auto will_qos = static_cast<std::uint8_t>((flags >> 3) & 0x03);
    const bool will_retain = (flags & 0x20) != 0;
    // MQTT v5 §3.1.2.6: Will QoS 3 is a Malformed Packet.
    if (will_qos == 3) return malformed;
    // MQTT v5 §3.1.2.6 [MQTT-3.1.2-11], §3.1.2.7 [MQTT-3.1.2-13]: without a Will, Will QoS and
    // Will Retain must be 0.
    if (!will && (will_qos != 0 || will_retain)) return protocol_error;
    out.clean_start = (flags & 0x02) != 0;
    if (!r.u16(out.keep_alive)) return malformed;  // §3.1.2.10

    std::string_view block;
    if (!r.property_block(block)) return malformed;  // §3.1.2.11
    property_set props;
    if (const auto pr = parse_properties(block, connect_properties, props); pr != success) {
        return pr;
    }
    out.session_expiry_interval =
        props.integer<std::uint32_t>(property_id::session_expiry_interval);
    out.receive_maximum = props.integer<std::uint16_t>(property_id::receive_maximum);
    out.maximum_packet_size = props.integer<std::uint32_t>(property_id::maximum_packet_size);
    out.topic_alias_maximum = props.integer<std::uint16_t>(property_id::topic_alias_maximum);
    out.request_response_information =
        props.integer<std::uint8_t>(property_id::request_response_information);
    out.request_problem_information =
        props.integer<std::uint8_t>(property_id::request_problem_information);
    out.authentication_method = props.text(property_id::authentication_method);
    out.authentication_data = props.text(property_id::authentication_data);
    out.user_properties = props.user_properties();

    if (!r.utf8(out.client_id)) return malformed;  // §3.1.3.1
    out.will.reset();
    if (will) {
        will_message w;
        w.qos_level = static_cast<qos>(will_qos);
        w.retain = will_retain;
        std::string_view will_block;
        if (!r.property_block(will_block)) return malformed;  // §3.1.3.2
        property_set wp;
        if (const auto pr = parse_properties(will_block, will_properties, wp); pr != success) {
            return pr;
        }
        w.will_delay_interval = wp.integer<std::uint32_t>(property_id::will_delay_interval);
        w.payload_format_indicator =
            wp.integer<std::uint8_t>(property_id::payload_format_indicator);
        w.message_expiry_interval = wp.integer<std::uint32_t>(property_id::message_expiry_interval);
        w.content_type = wp.text(property_id::content_type);
        w.response_topic = wp.text(property_id::response_topic);
        w.correlation_data = wp.text(property_id::correlation_data);
        w.user_properties = wp.user_properties();
        // MQTT v5 §3.1.3.2.6 [MQTT-3.3.2-14]: a Response Topic never holds wildcards.
        if (w.response_topic && !is_valid_topic_name(*w.response_topic)) return protocol_error;
        if (!r.utf8(w.topic)) return malformed;  // §3.1.3.3
        // The Will Topic is a Topic Name: at least one character, no wildcards (§4.7.1, §4.7.3).
        if (w.topic.empty() || !is_valid_topic_name(w.topic)) {
            return mqtt_reason::topic_name_invalid;
        }
        if (!r.binary(w.payload)) return malformed;  // §3.1.3.4
        out.will = w;
    }
    // MQTT v5 §3.1.2.8–§3.1.2.9, §3.1.3.5–§3.1.3.6: present exactly when their flags say so.
    out.username.reset();
    out.password.reset();
    if ((flags & 0x80) != 0) {
        std::string_view username;
        if (!r.utf8(username)) return malformed;
        out.username = username;
    }
    if ((flags & 0x40) != 0) {
        std::string_view password;
        if (!r.binary(password)) return malformed;
        out.password = password;
    }
    return r.done() ? success : malformed;  // §2.1.4: nothing may follow
}

mqtt_reason encode(const connect_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (p.client_id.size() > max_field) return malformed;
    if (p.username && p.username->size() > max_field) return malformed;
    if (p.password && p.password->size() > max_field) return malformed;
    if (p.authentication_data && !p.authentication_method) return protocol_error;
    const auto props = properties_size(p);
    if (!props) return malformed;
    std::size_t body =
        2 + protocol_name.size() + 1 + 1 + 2 + block_size(*props) + 2 + p.client_id.size();
    std::uint8_t flags = p.clean_start ? 0x02 : 0x00;
    std::optional<std::size_t> will_props;
    if (p.will) {
        const will_message& w = *p.will;
        if (!is_valid_qos(w.qos_level)) return malformed;
        if (w.topic.size() > max_field || w.payload.size() > max_field) return malformed;
        if (w.topic.empty() || !is_valid_topic_name(w.topic)) {
            return mqtt_reason::topic_name_invalid;  // §3.1.3.3: a Topic Name
        }
        will_props = properties_size(w);
        if (!will_props) return malformed;
        body += block_size(*will_props) + 2 + w.topic.size() + 2 + w.payload.size();
        flags |= static_cast<std::uint8_t>(0x04 | (static_cast<std::uint8_t>(w.qos_level) << 3) |
                                           (w.retain ? 0x20 : 0));
    }
    if (p.username) {
        body += 2 + p.username->size();
        flags |= 0x80;
    }
    if (p.password) {
        body += 2 + p.password->size();
        flags |= 0x40;
    }
    if (const auto r =
            begin_packet(out, first_byte(packet_type::connect), body, maximum_packet_size);
        r != success) {
        return r;
    }
    put_prefixed(out, protocol_name);
    out.push_back(static_cast<char>(protocol_version));
    out.push_back(static_cast<char>(flags));
    put_u16(out, p.keep_alive);
    put_property_block(out, p, *props);
    put_prefixed(out, p.client_id);
    if (p.will) {
        put_property_block(out, *p.will, *will_props);
        put_prefixed(out, p.will->topic);
        put_prefixed(out, p.will->payload);
    }
    if (p.username) put_prefixed(out, *p.username);
    if (p.password) put_prefixed(out, *p.password);
    return success;
}

// --- CONNACK
// --------------------------------------------------------------------------------------

mqtt_reason decode_connack(std::string_view packet, connack_packet& out) noexcept {
    std::string_view body;
    if (const auto r = open_packet(packet, packet_type::connack, 0, body); r != success) return r;
    reader r(body);
    std::uint8_t ack_flags = 0;
    std::uint8_t reason = 0;
    if (!r.u8(ack_flags) || !r.u8(reason)) return malformed;
    // MQTT v5 §3.2.2.1, [MQTT-3.2.2-1]: bits 7-1 of the acknowledge flags are reserved.
    if ((ack_flags & 0xFE) != 0) return malformed;
    out.session_present = (ack_flags & 0x01) != 0;
    out.reason_code = static_cast<mqtt_reason>(reason);
    // MQTT v5 §3.2.2.2, [MQTT-3.2.2-8]: a value outside the CONNACK table cannot be parsed as
    // a Connect Reason Code.
    if (!is_valid_connack_reason(out.reason_code)) return malformed;
    // MQTT v5 §3.2.2.1.1, [MQTT-3.2.2-6]: a refused connection has no session.
    if (out.session_present && out.reason_code != success) return protocol_error;
    std::string_view block;
    if (!r.property_block(block)) return malformed;  // §3.2.2.3.1
    property_set props;
    if (const auto pr = parse_properties(block, connack_properties, props); pr != success) {
        return pr;
    }
    out.session_expiry_interval =
        props.integer<std::uint32_t>(property_id::session_expiry_interval);
    out.receive_maximum = props.integer<std::uint16_t>(property_id::receive_maximum);
    out.maximum_qos = props.integer<std::uint8_t>(property_id::maximum_qos);
    out.retain_available = props.integer<std::uint8_t>(property_id::retain_available);
    out.maximum_packet_size = props.integer<std::uint32_t>(property_id::maximum_packet_size);
    out.assigned_client_identifier = props.text(property_id::assigned_client_identifier);
    out.topic_alias_maximum = props.integer<std::uint16_t>(property_id::topic_alias_maximum);
    out.reason_string = props.text(property_id::reason_string);
    out.wildcard_subscription_available =
        props.integer<std::uint8_t>(property_id::wildcard_subscription_available);
    out.subscription_identifiers_available =
        props.integer<std::uint8_t>(property_id::subscription_identifier_available);
    out.shared_subscription_available =
        props.integer<std::uint8_t>(property_id::shared_subscription_available);
    out.server_keep_alive = props.integer<std::uint16_t>(property_id::server_keep_alive);
    out.response_information = props.text(property_id::response_information);
    out.server_reference = props.text(property_id::server_reference);
    out.authentication_method = props.text(property_id::authentication_method);
    out.authentication_data = props.text(property_id::authentication_data);
    out.user_properties = props.user_properties();
    return r.done() ? success : malformed;  // §3.2.3: CONNACK has no payload
}

mqtt_reason encode(const connack_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (!is_valid_connack_reason(p.reason_code)) return malformed;
    if (p.session_present && p.reason_code != success) return protocol_error;
    const auto props = properties_size(p);
    if (!props) return malformed;
    const std::size_t body = 2 + block_size(*props);
    if (const auto r =
            begin_packet(out, first_byte(packet_type::connack), body, maximum_packet_size);
        r != success) {
        return r;
    }
    out.push_back(p.session_present ? 0x01 : 0x00);
    out.push_back(static_cast<char>(p.reason_code));
    put_property_block(out, p, *props);
    return success;
}

// --- PUBACK, PUBREC, PUBREL, PUBCOMP ------------------------------------------------------------

mqtt_reason decode_publish_response(std::string_view packet, publish_response& out) noexcept {
    if (packet.empty()) return malformed;
    const auto type = static_cast<packet_type>(static_cast<std::uint8_t>(packet[0]) >> 4);
    if (type != packet_type::puback && type != packet_type::pubrec && type != packet_type::pubrel &&
        type != packet_type::pubcomp) {
        return malformed;
    }
    // MQTT v5 §3.6.1, [MQTT-3.6.1-1]: PUBREL's flags are 0010; the others' 0000 (§2.1.3).
    std::string_view body;
    const std::uint8_t required = type == packet_type::pubrel ? 0x02 : 0x00;
    if (const auto r = open_packet(packet, type, required, body); r != success) return r;
    out.type = type;
    reader r(body);
    if (!r.u16(out.packet_id)) return malformed;
    // MQTT v5 §2.2.1: acknowledgements carry the non-zero identifier of what they acknowledge.
    if (out.packet_id == 0) return protocol_error;
    out.reason_code = success;
    out.reason_string.reset();
    out.user_properties = {};
    // MQTT v5 §3.4.2.1: Remaining Length 2 means Success without properties.
    if (r.done()) return success;
    std::uint8_t reason = 0;
    r.u8(reason);
    out.reason_code = static_cast<mqtt_reason>(reason);
    if (!is_valid_publish_response_reason(type, out.reason_code)) return malformed;
    // MQTT v5 §3.4.2.2.1: Remaining Length below 4 means no Property Length, no properties.
    if (r.done()) return success;
    std::string_view block;
    if (!r.property_block(block)) return malformed;
    property_set props;
    if (const auto pr = parse_properties(block, ack_properties, props); pr != success) return pr;
    out.reason_string = props.text(property_id::reason_string);
    out.user_properties = props.user_properties();
    return r.done() ? success : malformed;  // §3.4.3: no payload
}

mqtt_reason encode(const publish_response& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (!is_valid_publish_response_reason(p.type, p.reason_code)) return malformed;
    if (p.packet_id == 0) return protocol_error;
    const auto props = properties_size(p);
    if (!props) return malformed;
    // MQTT v5 §3.4.2.1, §3.4.2.2.1: the shortest form the standard allows.
    std::size_t body = 2;
    if (*props > 0) {
        body += 1 + block_size(*props);
    } else if (p.reason_code != success) {
        body += 1;
    }
    const std::uint8_t flags = p.type == packet_type::pubrel ? 0x02 : 0x00;
    if (const auto r = begin_packet(out, first_byte(p.type, flags), body, maximum_packet_size);
        r != success) {
        return r;
    }
    put_u16(out, p.packet_id);
    if (body > 2) out.push_back(static_cast<char>(p.reason_code));
    if (*props > 0) put_property_block(out, p, *props);
    return success;
}

// --- SUBSCRIBE, SUBACK
// ----------------------------------------------------------------------------

mqtt_reason decode_subscribe(std::string_view packet, subscribe_packet& out) noexcept {
    std::string_view body;
    // MQTT v5 §3.8.1, [MQTT-3.8.1-1]: flags 0010.
    if (const auto r = open_packet(packet, packet_type::subscribe, 0x02, body); r != success) {
        return r;
    }
    reader r(body);
    if (!r.u16(out.packet_id)) return malformed;
    if (out.packet_id == 0) return protocol_error;  // §2.2.1, [MQTT-2.2.1-3]
    std::string_view block;
    if (!r.property_block(block)) return malformed;  // §3.8.2.1
    property_set props;
    if (const auto pr = parse_properties(block, subscribe_properties, props); pr != success) {
        return pr;
    }
    out.subscription_identifier =
        props.integer<std::uint32_t>(property_id::subscription_identifier);
    out.user_properties = props.user_properties();
    out.subscriptions.clear();
    while (!r.done()) {
        subscription s;
        std::uint8_t options = 0;
        if (!r.utf8(s.topic_filter) || !r.u8(options)) return malformed;  // §3.8.3
        // MQTT v5 §3.8.3.1, [MQTT-3.8.3-5]: reserved bits 6-7 must be 0: Malformed Packet.
        if ((options & 0xC0) != 0) return malformed;
        // MQTT v5 §3.8.3.1: Maximum QoS 3 and Retain Handling 3 are Protocol Errors.
        if ((options & 0x03) == 3 || ((options >> 4) & 0x03) == 3) return protocol_error;
        s.maximum_qos = static_cast<qos>(options & 0x03);
        s.no_local = (options & 0x04) != 0;
        s.retain_as_published = (options & 0x08) != 0;
        s.retain_handling_option = static_cast<retain_handling>((options >> 4) & 0x03);
        // MQTT v5 §4.7.1, §4.7.3, §4.8.2: the filter's syntax.
        if (!is_valid_topic_filter(s.topic_filter)) return mqtt_reason::topic_filter_invalid;
        // MQTT v5 §3.8.3.1, [MQTT-3.8.3-4]: No Local on a Shared Subscription.
        if (s.no_local && is_shared_subscription(s.topic_filter)) return protocol_error;
        out.subscriptions.push_back(s);
    }
    // MQTT v5 §3.8.3, [MQTT-3.8.3-2]: at least one subscription; none is a Protocol Error.
    return out.subscriptions.empty() ? protocol_error : success;
}

mqtt_reason encode(const subscribe_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (p.packet_id == 0 || p.subscriptions.empty()) return protocol_error;
    if (p.subscription_identifier &&
        (*p.subscription_identifier == 0 || *p.subscription_identifier > max_remaining_length)) {
        return protocol_error;  // §3.8.2.1.2: 1 .. 268,435,455
    }
    const auto props = properties_size(p);
    if (!props) return malformed;
    std::size_t body = 2 + block_size(*props);
    for (const auto& s : p.subscriptions) {
        if (s.topic_filter.size() > max_field) return malformed;
        if (!is_valid_qos(s.maximum_qos) ||
            static_cast<std::uint8_t>(s.retain_handling_option) > 2) {
            return protocol_error;
        }
        if (!is_valid_topic_filter(s.topic_filter)) return mqtt_reason::topic_filter_invalid;
        if (s.no_local && is_shared_subscription(s.topic_filter)) return protocol_error;
        body += 2 + s.topic_filter.size() + 1;
    }
    if (const auto r =
            begin_packet(out, first_byte(packet_type::subscribe, 0x02), body, maximum_packet_size);
        r != success) {
        return r;
    }
    put_u16(out, p.packet_id);
    put_property_block(out, p, *props);
    for (const auto& s : p.subscriptions) {
        put_prefixed(out, s.topic_filter);
        out.push_back(
            static_cast<char>(static_cast<std::uint8_t>(s.maximum_qos) | (s.no_local ? 0x04 : 0) |
                              (s.retain_as_published ? 0x08 : 0) |
                              (static_cast<std::uint8_t>(s.retain_handling_option) << 4)));
    }
    return success;
}

namespace {

// SUBACK and UNSUBACK share a layout (MQTT v5 §3.9, §3.11): Packet Identifier, properties, one
// reason code per Topic Filter.
template <class Packet>
mqtt_reason decode_ack_list(std::string_view packet, packet_type type,
                            bool (*valid)(mqtt_reason) noexcept, Packet& out) noexcept {
    std::string_view body;
    if (const auto r = open_packet(packet, type, 0, body); r != success) return r;
    reader r(body);
    if (!r.u16(out.packet_id)) return malformed;
    if (out.packet_id == 0) return protocol_error;  // §2.2.1
    std::string_view block;
    if (!r.property_block(block)) return malformed;
    property_set props;
    if (const auto pr = parse_properties(block, ack_properties, props); pr != success) return pr;
    out.reason_string = props.text(property_id::reason_string);
    out.user_properties = props.user_properties();
    out.reason_codes.clear();
    std::uint8_t code = 0;
    while (r.u8(code)) {
        const auto reason = static_cast<mqtt_reason>(code);
        if (!valid(reason)) return malformed;  // outside the packet's table
        out.reason_codes.push_back(reason);
    }
    // One code per filter of the request, which had at least one ([MQTT-3.9.3-1], §3.11.3).
    return out.reason_codes.empty() ? protocol_error : success;
}

template <class Packet>
mqtt_reason encode_ack_list(const Packet& p, packet_type type, bool (*valid)(mqtt_reason) noexcept,
                            std::string& out, std::uint32_t maximum_packet_size) {
    if (p.packet_id == 0 || p.reason_codes.empty()) return protocol_error;
    for (const auto reason : p.reason_codes) {
        if (!valid(reason)) return malformed;
    }
    const auto props = properties_size(p);
    if (!props) return malformed;
    const std::size_t body = 2 + block_size(*props) + p.reason_codes.size();
    if (const auto r = begin_packet(out, first_byte(type), body, maximum_packet_size);
        r != success) {
        return r;
    }
    put_u16(out, p.packet_id);
    put_property_block(out, p, *props);
    for (const auto reason : p.reason_codes) out.push_back(static_cast<char>(reason));
    return success;
}

}  // namespace

mqtt_reason decode_suback(std::string_view packet, suback_packet& out) noexcept {
    return decode_ack_list(packet, packet_type::suback, &is_valid_suback_reason, out);
}

mqtt_reason encode(const suback_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    return encode_ack_list(p, packet_type::suback, &is_valid_suback_reason, out,
                           maximum_packet_size);
}

// --- UNSUBSCRIBE, UNSUBACK
// ------------------------------------------------------------------------

mqtt_reason decode_unsubscribe(std::string_view packet, unsubscribe_packet& out) noexcept {
    std::string_view body;
    // MQTT v5 §3.10.1, [MQTT-3.10.1-1]: flags 0010.
    if (const auto r = open_packet(packet, packet_type::unsubscribe, 0x02, body); r != success) {
        return r;
    }
    reader r(body);
    if (!r.u16(out.packet_id)) return malformed;
    if (out.packet_id == 0) return protocol_error;  // §2.2.1, [MQTT-2.2.1-3]
    std::string_view block;
    if (!r.property_block(block)) return malformed;  // §3.10.2.1
    property_set props;
    if (const auto pr = parse_properties(block, unsubscribe_properties, props); pr != success) {
        return pr;
    }
    out.user_properties = props.user_properties();
    out.topic_filters.clear();
    while (!r.done()) {
        std::string_view filter;
        if (!r.utf8(filter)) return malformed;  // §3.10.3
        if (!is_valid_topic_filter(filter)) return mqtt_reason::topic_filter_invalid;
        out.topic_filters.push_back(filter);
    }
    // MQTT v5 §3.10.3, [MQTT-3.10.3-2]: an UNSUBSCRIBE without filters is a Protocol Error.
    return out.topic_filters.empty() ? protocol_error : success;
}

mqtt_reason encode(const unsubscribe_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size) {
    if (p.packet_id == 0 || p.topic_filters.empty()) return protocol_error;
    const auto props = properties_size(p);
    if (!props) return malformed;
    std::size_t body = 2 + block_size(*props);
    for (const auto filter : p.topic_filters) {
        if (filter.size() > max_field) return malformed;
        if (!is_valid_topic_filter(filter)) return mqtt_reason::topic_filter_invalid;
        body += 2 + filter.size();
    }
    if (const auto r = begin_packet(out, first_byte(packet_type::unsubscribe, 0x02), body,
                                    maximum_packet_size);
        r != success) {
        return r;
    }
    put_u16(out, p.packet_id);
    put_property_block(out, p, *props);
    for (const auto filter : p.topic_filters) put_prefixed(out, filter);
    return success;
}

mqtt_reason decode_unsuback(std::string_view packet, unsuback_packet& out) noexcept {
    return decode_ack_list(packet, packet_type::unsuback, &is_valid_unsuback_reason, out);
}

mqtt_reason encode(const unsuback_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    return encode_ack_list(p, packet_type::unsuback, &is_valid_unsuback_reason, out,
                           maximum_packet_size);
}

// --- PINGREQ, PINGRESP
// ----------------------------------------------------------------------------

namespace {

// MQTT v5 §3.12, §3.13: a fixed header with flags 0000 and Remaining Length 0, nothing else.
mqtt_reason decode_empty(std::string_view packet, packet_type type) noexcept {
    std::string_view body;
    if (const auto r = open_packet(packet, type, 0, body); r != success) return r;
    return body.empty() ? success : malformed;
}

mqtt_reason encode_empty(packet_type type, std::string& out, std::uint32_t maximum_packet_size) {
    return begin_packet(out, first_byte(type), 0, maximum_packet_size);
}

}  // namespace

mqtt_reason decode_pingreq(std::string_view packet, pingreq_packet&) noexcept {
    return decode_empty(packet, packet_type::pingreq);
}

mqtt_reason decode_pingresp(std::string_view packet, pingresp_packet&) noexcept {
    return decode_empty(packet, packet_type::pingresp);
}

mqtt_reason encode(const pingreq_packet&, std::string& out, std::uint32_t maximum_packet_size) {
    return encode_empty(packet_type::pingreq, out, maximum_packet_size);
}

mqtt_reason encode(const pingresp_packet&, std::string& out, std::uint32_t maximum_packet_size) {
    return encode_empty(packet_type::pingresp, out, maximum_packet_size);
}

// --- DISCONNECT, AUTH
// -----------------------------------------------------------------------------

namespace {

// DISCONNECT and AUTH share a layout: an optional reason code, then optional properties
// (MQTT v5 §3.14.2, §3.15.2). Returns the property block (empty when absent).
mqtt_reason decode_reason_and_properties(std::string_view packet, packet_type type,
                                         bool (*valid)(mqtt_reason) noexcept, mqtt_reason& reason,
                                         std::string_view& block) noexcept {
    std::string_view body;
    if (const auto r = open_packet(packet, type, 0, body); r != success) return r;
    reader r(body);
    reason = success;
    block = {};
    // §3.14.2.1, §3.15.2.1: Remaining Length 0 means reason 0x00 and no properties.
    if (r.done()) return success;
    std::uint8_t code = 0;
    r.u8(code);
    reason = static_cast<mqtt_reason>(code);
    if (!valid(reason)) return malformed;
    // §3.14.2.2.1: Remaining Length below 2 means Property Length 0.
    if (r.done()) return success;
    if (!r.property_block(block)) return malformed;
    return r.done() ? success : malformed;  // §3.14.3, §3.15.3: no payload
}

template <class Packet>
mqtt_reason encode_reason_and_properties(const Packet& p, packet_type type, std::string& out,
                                         std::uint32_t maximum_packet_size) {
    const auto props = properties_size(p);
    if (!props) return malformed;
    std::size_t body = 0;
    if (*props > 0) {
        body = 1 + block_size(*props);
    } else if (p.reason_code != success) {
        body = 1;
    }
    if (const auto r = begin_packet(out, first_byte(type), body, maximum_packet_size);
        r != success) {
        return r;
    }
    if (body > 0) out.push_back(static_cast<char>(p.reason_code));
    if (*props > 0) put_property_block(out, p, *props);
    return success;
}

}  // namespace

mqtt_reason decode_disconnect(std::string_view packet, disconnect_packet& out) noexcept {
    std::string_view block;
    if (const auto r = decode_reason_and_properties(
            packet, packet_type::disconnect, &is_valid_disconnect_reason, out.reason_code, block);
        r != success) {
        return r;
    }
    property_set props;
    if (const auto pr = parse_properties(block, disconnect_properties, props); pr != success) {
        return pr;
    }
    out.session_expiry_interval =
        props.integer<std::uint32_t>(property_id::session_expiry_interval);
    out.reason_string = props.text(property_id::reason_string);
    out.server_reference = props.text(property_id::server_reference);
    out.user_properties = props.user_properties();
    return success;
}

mqtt_reason encode(const disconnect_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size) {
    if (!is_valid_disconnect_reason(p.reason_code)) return malformed;
    return encode_reason_and_properties(p, packet_type::disconnect, out, maximum_packet_size);
}

mqtt_reason decode_auth(std::string_view packet, auth_packet& out) noexcept {
    std::string_view block;
    if (const auto r = decode_reason_and_properties(packet, packet_type::auth,
                                                    &is_valid_auth_reason, out.reason_code, block);
        r != success) {
        return r;
    }
    property_set props;
    if (const auto pr = parse_properties(block, auth_properties, props); pr != success) return pr;
    out.authentication_method = props.text(property_id::authentication_method);
    out.authentication_data = props.text(property_id::authentication_data);
    out.reason_string = props.text(property_id::reason_string);
    out.user_properties = props.user_properties();
    // MQTT v5 §3.15.2.2.2: omitting the Authentication Method is a Protocol Error, unless the
    // whole variable header is omitted (§3.15.2.1, Remaining Length 0).
    const bool short_form = packet.size() == 2;
    if (!short_form && !out.authentication_method) return protocol_error;
    return success;
}

mqtt_reason encode(const auth_packet& p, std::string& out, std::uint32_t maximum_packet_size) {
    if (!is_valid_auth_reason(p.reason_code)) return malformed;
    const bool short_form = p.reason_code == success && !p.authentication_method &&
                            !p.authentication_data && !p.reason_string && p.user_properties.empty();
    if (!short_form && !p.authentication_method) return protocol_error;  // §3.15.2.2.2
    if (p.authentication_data && !p.authentication_method) return protocol_error;
    return encode_reason_and_properties(p, packet_type::auth, out, maximum_packet_size);
}

// --- Any packet
// -----------------------------------------------------------------------------------

mqtt_reason decode_packet(std::string_view bytes, packet& out) noexcept {
    if (bytes.empty()) return malformed;
    switch (static_cast<packet_type>(static_cast<std::uint8_t>(bytes[0]) >> 4)) {
        case packet_type::connect:
            return decode_connect(bytes, out.emplace<connect_packet>());
        case packet_type::connack:
            return decode_connack(bytes, out.emplace<connack_packet>());
        case packet_type::publish:
            return decode_publish(bytes, out.emplace<mqtt_message>());
        case packet_type::puback:
        case packet_type::pubrec:
        case packet_type::pubrel:
        case packet_type::pubcomp:
            return decode_publish_response(bytes, out.emplace<publish_response>());
        case packet_type::subscribe:
            return decode_subscribe(bytes, out.emplace<subscribe_packet>());
        case packet_type::suback:
            return decode_suback(bytes, out.emplace<suback_packet>());
        case packet_type::unsubscribe:
            return decode_unsubscribe(bytes, out.emplace<unsubscribe_packet>());
        case packet_type::unsuback:
            return decode_unsuback(bytes, out.emplace<unsuback_packet>());
        case packet_type::pingreq:
            return decode_pingreq(bytes, out.emplace<pingreq_packet>());
        case packet_type::pingresp:
            return decode_pingresp(bytes, out.emplace<pingresp_packet>());
        case packet_type::disconnect:
            return decode_disconnect(bytes, out.emplace<disconnect_packet>());
        case packet_type::auth:
            return decode_auth(bytes, out.emplace<auth_packet>());
    }
    return malformed;  // type 0: reserved (§2.1.2)
}

}  // namespace flowbridge::mqtt
