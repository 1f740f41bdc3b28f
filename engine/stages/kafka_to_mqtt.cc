#include "engine/stages/kafka_to_mqtt.h"

#include <charconv>

#include "engine/message/utf8.h"
#include "engine/stages/amqp.h"
#include "engine/stages/header_names.h"

namespace flowbridge {

namespace {

constexpr std::size_t max_property_bytes = 65535;  // MQTT v5 §1.5.4: Two Byte length prefix

// SPEC §3.2: a header (or the key) becomes a user property only if name and value are valid
// MQTT UTF-8 strings shorter than 65536 bytes. Size is judged first: it is cheaper, and a value
// that is too large would be dropped whatever its encoding.
bool admissible(std::string_view name, std::string_view value, drop_counters& drops) noexcept {
    if (name.size() > max_property_bytes || value.size() > max_property_bytes) {
        drops.add(drop_reason::header_too_large);
        return false;
    }
    if (!is_valid_mqtt_string(name) || !is_valid_mqtt_string(value)) {
        drops.add(drop_reason::header_non_utf8);
        return false;
    }
    return true;
}

bool has_wildcard(std::string_view topic) noexcept {
    return topic.find_first_of("+#") != std::string_view::npos;
}

// flowbridge.io/restore-mqtt-properties: turns a header named like one of the five MQTT
// properties back into that property. Returns true if the header was consumed. A header whose
// value cannot be that property (or a second one) stays a user property, counted.
bool restore_property(std::string_view name, std::string_view value,
                      outbound_mqtt_publish& out, drop_counters& drops) noexcept {
    using pp = publish_properties;
    auto claim = [&out, &drops](pp::presence bit, bool valid) noexcept {
        if (!valid || (out.present & bit) != 0) {
            drops.add(drop_reason::restore_failed);
            return false;
        }
        out.present |= bit;
        return true;
    };
    if (name == header_names::payload_format_indicator) {
        const bool valid = value == "0" || value == "1";
        if (!claim(pp::has_payload_format, valid)) return false;
        out.payload_format_indicator = value == "1" ? 1 : 0;
        return true;
    }
    if (name == header_names::message_expiry_interval) {
        std::uint32_t seconds = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        const bool valid = !value.empty() && ec == std::errc() && end == value.data() + value.size();
        if (!claim(pp::has_message_expiry, valid)) return false;
        out.restored_expiry_interval = seconds;
        out.message_expiry_interval = seconds;
        return true;
    }
    if (name == header_names::content_type) {
        if (!claim(pp::has_content_type, is_valid_mqtt_string(value))) return false;
        out.content_type = value;
        return true;
    }
    if (name == header_names::response_topic) {
        // MQTT v5 §3.3.2.3.5: a Response Topic is a Topic Name: no wildcards, not empty.
        const bool valid = !value.empty() && is_valid_mqtt_string(value) && !has_wildcard(value);
        if (!claim(pp::has_response_topic, valid)) return false;
        out.response_topic = value;
        return true;
    }
    if (name == header_names::correlation_data) {
        // Binary Data: any bytes that fit the two-byte length.
        if (!claim(pp::has_correlation_data, value.size() <= max_property_bytes)) return false;
        out.correlation_data = value;
        return true;
    }
    return false;
}

}  // namespace

bool translate_kafka_to_mqtt(const kafka_record& in, outbound_mqtt_publish& out,
                             const kafka_to_mqtt_settings& settings, drop_counters& drops) noexcept {
    out.reset();
    out.arrival = in.arrival;
    out.tag = in.tag;
    if (settings.destination == nullptr || !settings.destination->resolve(in.topic, out.topic)) {
        drops.add(drop_reason::topic_unresolved);
        return false;
    }
    out.payload = in.value;

    // SPEC §3.2: `Key` and `Timestamp` first.
    if (in.has_key && admissible(header_names::key, in.key, drops)) {
        out.user_properties.push_back(user_property{header_names::key, in.key});
    }
    if (in.timestamp_ms >= 0) {
        const auto [last, ec] =
            std::to_chars(out.scratch, out.scratch + out.scratch_size, in.timestamp_ms);
        (void)ec;  // at most 19 digits
        out.user_properties.push_back(user_property{
            header_names::timestamp,
            std::string_view(out.scratch, static_cast<std::size_t>(last - out.scratch))});
    }

    // SPEC §3.2: every admissible header, in order.
    for (const kafka_header& h : in.headers) {
        std::string_view value = h.value;
        if (settings.decode_amqp_headers) decode_amqp_string(h.value, value);
        if (settings.restore_mqtt_properties && restore_property(h.name, value, out, drops)) {
            continue;
        }
        if (admissible(h.name, value, drops)) {
            out.user_properties.push_back(user_property{h.name, value});
        }
    }
    return true;
}

}  // namespace flowbridge
