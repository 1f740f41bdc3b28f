#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/message/mqtt_message.h"
#include "engine/message/mqtt_properties.h"
#include "engine/message/mqtt_reason.h"

/// The MQTT v5 codec: framing, decoding and encoding of every control packet (MQTT v5 §2, §3).
///
/// Pure functions over byte buffers: no sockets, no Asio, no I/O, no exceptions, no global state.
/// Every function is safe to call from any thread on data that thread owns. Decoders are
/// `noexcept`, never read outside the buffer they are given and report every defect with the MQTT
/// v5 reason code the standard names for it (0x81 Malformed Packet, 0x82 Protocol Error, …), so
/// the session can close the connection with exactly that code (SPEC §8). Decoded packets are
/// views into the input buffer: they live as long as that buffer does. Decoding a PUBLISH never
/// allocates; the few packets that carry lists (SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK) reuse
/// the capacity of the vectors in the object they decode into. See docs/mqtt.md.
namespace flowbridge::mqtt {

/// MQTT control packet types (MQTT v5 §2.1.2, table 2-1). 0 is reserved and never valid.
enum class packet_type : std::uint8_t {
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,
};

/// The name the standard gives a packet type ("PUBLISH"), for logs and test names.
std::string_view to_string(packet_type type) noexcept;

/// The largest Remaining Length a four-byte Variable Byte Integer can carry (MQTT v5 §1.5.5).
constexpr std::uint32_t max_remaining_length = 268'435'455;
/// The largest packet the protocol can express: one type byte, four length bytes, the body.
constexpr std::uint32_t max_packet_size = 1 + 4 + max_remaining_length;

// --- Framing -------------------------------------------------------------------------------------

enum class frame_status : std::uint8_t {
    complete,    // a whole packet of `size` bytes starts the buffer
    incomplete,  // more bytes are needed; `size` says how many in all once the header is known
    malformed,   // the fixed header cannot be a valid one: close with 0x81
    too_large,   // the packet exceeds the Maximum Packet Size: close with 0x95, read no further
};

/// What frame_packet learned about the packet at the start of a buffer.
struct frame {
    frame_status status = frame_status::incomplete;
    packet_type type{};           // known once status is complete, or incomplete with size != 0
    std::uint8_t flags = 0;       // the low four bits of the first byte
    std::size_t header_size = 0;  // 1 + the bytes of the Remaining Length; 0 while unknown
    std::uint32_t remaining_length = 0;
    std::size_t size = 0;  // header_size + remaining_length: the whole packet; 0 while unknown

    /// The reason code to close the connection with: 0x81, 0x95, or success.
    mqtt_reason reason() const noexcept {
        return status == frame_status::malformed   ? mqtt_reason::malformed_packet
               : status == frame_status::too_large ? mqtt_reason::packet_too_large
                                                   : mqtt_reason::success;
    }
};

/// Finds the packet at the start of `buffer` from its fixed header alone (MQTT v5 §2.1): whether
/// it is all there, and how long it is. A packet longer than `maximum_packet_size` (the Maximum
/// Packet Size we announced in CONNECT, MQTT v5 §3.1.2.11.4) is reported `too_large` as soon as
/// its Remaining Length is read, before any of its body needs to be buffered. Reads at most five
/// bytes; never touches the body.
frame frame_packet(std::string_view buffer,
                   std::uint32_t maximum_packet_size = max_packet_size) noexcept;

// --- Topic names and filters ---------------------------------------------------------------------

/// A Topic Name a PUBLISH may carry: no wildcard characters (MQTT v5 §4.7.1, [MQTT-3.3.2-2]).
/// UTF-8 well-formedness is judged separately (is_valid_mqtt_string); emptiness by the caller
/// (an empty name is valid only with a Topic Alias, MQTT v5 §3.3.2.3.4).
bool is_valid_topic_name(std::string_view topic) noexcept;

/// A Topic Filter a SUBSCRIBE or UNSUBSCRIBE may carry (MQTT v5 §4.7): at least one character,
/// '#' only as the whole last level, '+' only as a whole level, and for a shared subscription
/// `$share/{ShareName}/{filter}` a non-empty ShareName without '/', '+', '#' followed by a valid
/// filter (MQTT v5 §4.8.2).
bool is_valid_topic_filter(std::string_view filter) noexcept;

/// True if `filter` names a shared subscription (`$share/…`, MQTT v5 §4.8.2).
bool is_shared_subscription(std::string_view filter) noexcept;

// --- User properties -----------------------------------------------------------------------------

/// The User Properties of a packet, in order, duplicates preserved (MQTT v5 §3.1.2.11.8 …).
///
/// Either a view of a validated property block (what decoders produce: iterating re-reads the
/// block, nothing is copied or allocated) or a view of an array of pairs (what callers give
/// encoders). Both kinds compare equal when they hold the same pairs in the same order. A view:
/// the block or array must outlive it.
class user_property_list {
  public:
    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = user_property;
        using difference_type = std::ptrdiff_t;
        using pointer = const user_property*;
        using reference = const user_property&;

        iterator() noexcept = default;
        reference operator*() const noexcept { return array_ ? *array_ : *block_; }
        pointer operator->() const noexcept { return &**this; }
        iterator& operator++() noexcept {
            if (array_) {
                ++array_;
            } else {
                ++block_;
            }
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator copy = *this;
            ++*this;
            return copy;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.array_ == b.array_ && a.block_ == b.block_;
        }

      private:
        friend class user_property_list;
        const user_property* array_ = nullptr;
        user_property_range::iterator block_;
    };

    user_property_list() noexcept = default;
    /// A view of `pairs` (encoding side).
    user_property_list(std::span<const user_property> pairs) noexcept : array_(pairs) {}
    /// A view of any contiguous container of pairs (std::array, std::vector, …).
    template <class Pairs>
    requires std::convertible_to<const Pairs&, std::span<const user_property>> user_property_list(
        const Pairs& pairs)
    noexcept : array_(std::span<const user_property>(pairs)) {}
    /// The User Properties found in a property block that has been validated already.
    static user_property_list from_block(std::string_view block) noexcept {
        user_property_list list;
        list.block_ = block;
        list.from_block_ = true;
        return list;
    }

    iterator begin() const noexcept;
    iterator end() const noexcept;
    std::size_t size() const noexcept;
    bool empty() const noexcept { return begin() == end(); }

    friend bool operator==(const user_property_list& a, const user_property_list& b) noexcept;

  private:
    std::span<const user_property> array_;
    std::string_view block_;
    bool from_block_ = false;
};

// --- Packets -------------------------------------------------------------------------------------
// Optional properties are std::optional: absent and present-but-empty are different things on the
// wire, and a round trip keeps them apart. Strings and binary data are views.

/// The Will Message of a CONNECT (MQTT v5 §3.1.2.5, §3.1.3.2–§3.1.3.4).
struct will_message {
    std::string_view topic;
    std::string_view payload;  // binary
    qos qos_level = qos::at_most_once;
    bool retain = false;
    std::optional<std::uint32_t> will_delay_interval;
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;
    std::optional<std::string_view> content_type;
    std::optional<std::string_view> response_topic;
    std::optional<std::string_view> correlation_data;  // binary
    user_property_list user_properties;

    friend bool operator==(const will_message&, const will_message&) = default;
};

/// CONNECT (MQTT v5 §3.1). Protocol Name "MQTT" and Protocol Version 5 are implied.
struct connect_packet {
    bool clean_start = false;
    std::uint16_t keep_alive = 0;  // seconds
    std::string_view client_id;
    std::optional<will_message> will;
    std::optional<std::string_view> username;
    std::optional<std::string_view> password;  // binary
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::uint8_t> request_response_information;
    std::optional<std::uint8_t> request_problem_information;
    std::optional<std::string_view> authentication_method;
    std::optional<std::string_view> authentication_data;  // binary
    user_property_list user_properties;

    friend bool operator==(const connect_packet&, const connect_packet&) = default;
};

/// CONNACK (MQTT v5 §3.2).
struct connack_packet {
    bool session_present = false;
    mqtt_reason reason_code = mqtt_reason::success;
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::uint16_t> receive_maximum;
    std::optional<std::uint8_t> maximum_qos;
    std::optional<std::uint8_t> retain_available;
    std::optional<std::uint32_t> maximum_packet_size;
    std::optional<std::string_view> assigned_client_identifier;
    std::optional<std::uint16_t> topic_alias_maximum;
    std::optional<std::string_view> reason_string;
    std::optional<std::uint8_t> wildcard_subscription_available;
    std::optional<std::uint8_t> subscription_identifiers_available;
    std::optional<std::uint8_t> shared_subscription_available;
    std::optional<std::uint16_t> server_keep_alive;
    std::optional<std::string_view> response_information;
    std::optional<std::string_view> server_reference;
    std::optional<std::string_view> authentication_method;
    std::optional<std::string_view> authentication_data;  // binary
    user_property_list user_properties;

    friend bool operator==(const connack_packet&, const connack_packet&) = default;
};

/// An outgoing PUBLISH (MQTT v5 §3.3), as views. Received PUBLISH packets decode into
/// flowbridge::mqtt_message instead (decode_publish).
struct publish_packet {
    std::string_view topic;
    std::string_view payload;
    qos qos_level = qos::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;  // required, non-zero, when qos_level > 0
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;
    std::optional<std::uint16_t> topic_alias;
    std::optional<std::string_view> response_topic;
    std::optional<std::string_view> correlation_data;  // binary
    std::optional<std::string_view> content_type;
    user_property_list user_properties;
    std::span<const std::uint32_t> subscription_identifiers;  // server → client only

    friend bool operator==(const publish_packet& a, const publish_packet& b) noexcept;
};

/// The outgoing form of a received message, for forwarding it (MQTT → MQTT) or re-encoding it.
/// Topic Alias and Subscription Identifiers are connection-specific and are not carried over
/// (a client must not send Subscription Identifiers, [MQTT-3.3.4-6]); the caller sets them if
/// it wants them.
publish_packet to_publish_packet(const mqtt_message& message) noexcept;

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout (MQTT v5 §3.4–§3.7).
struct publish_response {
    packet_type type = packet_type::puback;
    std::uint16_t packet_id = 0;
    mqtt_reason reason_code = mqtt_reason::success;
    std::optional<std::string_view> reason_string;
    user_property_list user_properties;

    friend bool operator==(const publish_response&, const publish_response&) = default;
};

/// Retain Handling subscription option (MQTT v5 §3.8.3.1).
enum class retain_handling : std::uint8_t {
    send_on_subscribe = 0,
    send_if_new_subscription = 1,
    do_not_send = 2,
};

/// One Topic Filter of a SUBSCRIBE with its Subscription Options (MQTT v5 §3.8.3, §3.8.3.1).
struct subscription {
    std::string_view topic_filter;
    qos maximum_qos = qos::at_most_once;
    bool no_local = false;
    bool retain_as_published = false;
    retain_handling retain_handling_option = retain_handling::send_on_subscribe;

    friend bool operator==(const subscription&, const subscription&) = default;
};

/// SUBSCRIBE (MQTT v5 §3.8).
struct subscribe_packet {
    std::uint16_t packet_id = 0;
    std::optional<std::uint32_t> subscription_identifier;
    user_property_list user_properties;
    std::vector<subscription> subscriptions;  // at least one

    friend bool operator==(const subscribe_packet&, const subscribe_packet&) = default;
};

/// SUBACK (MQTT v5 §3.9).
struct suback_packet {
    std::uint16_t packet_id = 0;
    std::optional<std::string_view> reason_string;
    user_property_list user_properties;
    std::vector<mqtt_reason> reason_codes;  // one per Topic Filter of the SUBSCRIBE

    friend bool operator==(const suback_packet&, const suback_packet&) = default;
};

/// UNSUBSCRIBE (MQTT v5 §3.10).
struct unsubscribe_packet {
    std::uint16_t packet_id = 0;
    user_property_list user_properties;
    std::vector<std::string_view> topic_filters;  // at least one

    friend bool operator==(const unsubscribe_packet&, const unsubscribe_packet&) = default;
};

/// UNSUBACK (MQTT v5 §3.11).
struct unsuback_packet {
    std::uint16_t packet_id = 0;
    std::optional<std::string_view> reason_string;
    user_property_list user_properties;
    std::vector<mqtt_reason> reason_codes;  // one per Topic Filter of the UNSUBSCRIBE

    friend bool operator==(const unsuback_packet&, const unsuback_packet&) = default;
};

/// PINGREQ (MQTT v5 §3.12) and PINGRESP (§3.13): a fixed header and nothing else.
struct pingreq_packet {
    friend bool operator==(const pingreq_packet&, const pingreq_packet&) = default;
};
struct pingresp_packet {
    friend bool operator==(const pingresp_packet&, const pingresp_packet&) = default;
};

/// DISCONNECT (MQTT v5 §3.14).
struct disconnect_packet {
    mqtt_reason reason_code = mqtt_reason::success;  // 0x00 Normal disconnection
    std::optional<std::uint32_t> session_expiry_interval;
    std::optional<std::string_view> reason_string;
    std::optional<std::string_view> server_reference;
    user_property_list user_properties;

    friend bool operator==(const disconnect_packet&, const disconnect_packet&) = default;
};

/// AUTH (MQTT v5 §3.15).
struct auth_packet {
    mqtt_reason reason_code = mqtt_reason::success;
    std::optional<std::string_view> authentication_method;  // required unless the short form
    std::optional<std::string_view> authentication_data;    // binary
    std::optional<std::string_view> reason_string;
    user_property_list user_properties;

    friend bool operator==(const auth_packet&, const auth_packet&) = default;
};

// --- Decoding ------------------------------------------------------------------------------------
// Each decoder takes exactly one whole packet (the `size` bytes frame_packet found), fixed header
// included, and returns `success` or the reason code the standard assigns to the first defect it
// finds. On failure the contents of `out` are unspecified (but valid objects). Views in `out`
// point into `packet`.

/// Decodes a PUBLISH into the engine's message (MQTT v5 §3.3) without copying or allocating:
/// topic, payload and properties are views into `packet`. Writes topic, payload, properties,
/// qos_level, retain, dup and packet_id; leaves arrival, arrival_wall_ms and tag to the caller.
/// A Topic Alias is validated (non-zero) but not resolved: that is connection state.
mqtt_reason decode_publish(std::string_view packet, mqtt_message& out) noexcept;

mqtt_reason decode_connect(std::string_view packet, connect_packet& out) noexcept;
mqtt_reason decode_connack(std::string_view packet, connack_packet& out) noexcept;
/// PUBACK, PUBREC, PUBREL or PUBCOMP; out.type tells which.
mqtt_reason decode_publish_response(std::string_view packet, publish_response& out) noexcept;
mqtt_reason decode_subscribe(std::string_view packet, subscribe_packet& out) noexcept;
mqtt_reason decode_suback(std::string_view packet, suback_packet& out) noexcept;
mqtt_reason decode_unsubscribe(std::string_view packet, unsubscribe_packet& out) noexcept;
mqtt_reason decode_unsuback(std::string_view packet, unsuback_packet& out) noexcept;
mqtt_reason decode_pingreq(std::string_view packet, pingreq_packet& out) noexcept;
mqtt_reason decode_pingresp(std::string_view packet, pingresp_packet& out) noexcept;
mqtt_reason decode_disconnect(std::string_view packet, disconnect_packet& out) noexcept;
mqtt_reason decode_auth(std::string_view packet, auth_packet& out) noexcept;

/// Any decoded packet.
using packet = std::variant<connect_packet, connack_packet, mqtt_message, publish_response,
                            subscribe_packet, suback_packet, unsubscribe_packet, unsuback_packet,
                            pingreq_packet, pingresp_packet, disconnect_packet, auth_packet>;

/// Decodes whatever packet `bytes` holds, dispatching on its type.
mqtt_reason decode_packet(std::string_view bytes, packet& out) noexcept;

/// The MQTT v5 §3.3.2.3.2 check a receiver MAY make: a PUBLISH whose Payload Format Indicator is
/// 1 must carry well-formed UTF-8. Returns success or payload_format_invalid (0x99). Separate
/// from decode_publish because it reads the whole payload.
mqtt_reason check_payload_format(const mqtt_message& message) noexcept;

// --- Encoding ------------------------------------------------------------------------------------
// Each encoder appends one packet to `out` and returns `success`, or leaves `out` as it was and
// returns why the packet cannot be encoded: malformed_packet (a string or binary field longer than
// 65535 bytes, a value out of its field's range), protocol_error (a rule of the standard the
// fields break, e.g. a QoS 1 PUBLISH without Packet Identifier), or packet_too_large (the packet
// would exceed `maximum_packet_size`, the peer's Maximum Packet Size). Encoders check structure,
// not UTF-8: strings must already be valid MQTT UTF-8 (the translation stage guarantees it,
// SPEC §3.2). Short forms are used wherever the standard allows them (MQTT v5 §3.4.2.1, §3.14.2.1,
// §3.15.2.1). `out` grows at most once per call; reuse it to encode without allocating.

mqtt_reason encode(const publish_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const connect_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const connack_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const publish_response& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const subscribe_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const suback_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const unsubscribe_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const unsuback_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const pingreq_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const pingresp_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const disconnect_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);
mqtt_reason encode(const auth_packet& p, std::string& out,
                   std::uint32_t maximum_packet_size = max_packet_size);

/// The reason codes the standard allows in each packet type (MQTT v5 §3.2.2.2, §3.4.2.1, …).
bool is_valid_connack_reason(mqtt_reason r) noexcept;
bool is_valid_publish_response_reason(packet_type type, mqtt_reason r) noexcept;
bool is_valid_suback_reason(mqtt_reason r) noexcept;
bool is_valid_unsuback_reason(mqtt_reason r) noexcept;
bool is_valid_disconnect_reason(mqtt_reason r) noexcept;
bool is_valid_auth_reason(mqtt_reason r) noexcept;

}  // namespace flowbridge::mqtt
