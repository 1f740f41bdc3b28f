#pragma once

// Builds received MQTT PUBLISH messages for tests: the property block is encoded into one
// buffer exactly as the wire carries it, and the message's fields are views into that buffer,
// like the MQTT transport produces them.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/message/mqtt_message.h"
#include "engine/message/mqtt_properties.h"

namespace flowbridge::testing {

struct publish_spec {
    std::string topic = "factory/line1/temp";
    std::string payload = "{\"t\":21.5}";
    std::optional<std::uint8_t> payload_format;
    std::optional<std::uint32_t> expiry;
    std::optional<std::string> content_type;
    std::optional<std::string> response_topic;
    std::optional<std::string> correlation_data;
    std::optional<std::uint16_t> topic_alias;
    std::vector<std::uint32_t> subscription_ids;
    std::vector<std::pair<std::string, std::string>> user_properties;
};

/// Owns the bytes a test message points into.
class received_publish {
public:
    explicit received_publish(const publish_spec& spec, mono_ns arrival = 0,
                              std::int64_t wall_ms = 1'700'000'000'000)
        : bytes_(std::make_unique<std::string>()) {
        std::string block;
        property_writer w(block);
        if (spec.payload_format) w.byte(property_id::payload_format_indicator, *spec.payload_format);
        if (spec.expiry) w.four_byte(property_id::message_expiry_interval, *spec.expiry);
        if (spec.topic_alias) w.two_byte(property_id::topic_alias, *spec.topic_alias);
        if (spec.response_topic) w.string(property_id::response_topic, *spec.response_topic);
        if (spec.correlation_data) w.string(property_id::correlation_data, *spec.correlation_data);
        for (auto id : spec.subscription_ids) w.varint(property_id::subscription_identifier, id);
        if (spec.content_type) w.string(property_id::content_type, *spec.content_type);
        for (const auto& [n, v] : spec.user_properties) w.user_property(n, v);
        // One buffer: topic, property block, payload — as in a PUBLISH packet.
        bytes_->append(spec.topic);
        const std::size_t block_at = bytes_->size();
        bytes_->append(block);
        const std::size_t payload_at = bytes_->size();
        bytes_->append(spec.payload);
        const std::string_view all(*bytes_);
        message_.topic = all.substr(0, spec.topic.size());
        status_ = parse_publish_properties(all.substr(block_at, block.size()), message_.properties);
        message_.payload = all.substr(payload_at);
        message_.qos_level = qos::at_least_once;
        message_.arrival = arrival;
        message_.arrival_wall_ms = wall_ms;
        message_.tag = delivery_tag{42};
    }

    const mqtt_message& message() const { return message_; }
    mqtt_reason parse_status() const { return status_; }
    std::string_view bytes() const { return *bytes_; }

    /// True if `view` lies inside the received bytes (zero-copy check).
    bool points_into(std::string_view view) const {
        const char* b = bytes_->data();
        return view.data() >= b && view.data() + view.size() <= b + bytes_->size();
    }

private:
    std::unique_ptr<std::string> bytes_;
    mqtt_message message_;
    mqtt_reason status_ = mqtt_reason::success;
};

/// For test sources of an MQTT → Kafka shard (ingress_source): the mqtt_message objects one
/// receive() call hands out, kept unchanged until the next call — the seam's contract, which the
/// MQTT transport meets with its received queue — and overwritten by it (unless a benchmark
/// asks not to pay for that).
class handout {
public:
    explicit handout(bool overwrite_previous = true) : overwrite_previous_(overwrite_previous) {}

    /// Makes `messages[n]` point at a copy of `m` stamped with `arrival` and `tag`. Call with
    /// n = 0, 1, … within one receive() call.
    void put(std::span<mqtt_message*> messages, std::size_t n, const mqtt_message& m,
             mono_ns arrival, delivery_tag tag) {
        if (n == 0) {
            if (out_.size() < messages.size()) out_.resize(messages.size());
            // What the previous call handed out is gone now: a reader that kept a pointer to
            // it (against the contract) finds a message that fails every test's checks.
            for (mqtt_message& old : out_) {
                if (!overwrite_previous_) break;  // a benchmark's source: nothing to catch
                old = mqtt_message{};
                old.topic = "stale/handout";
                old.payload = "stale handout";
            }
        }
        out_[n] = m;
        out_[n].arrival = arrival;
        out_[n].tag = tag;
        messages[n] = &out_[n];
    }

private:
    bool overwrite_previous_;
    std::vector<mqtt_message> out_;
};

/// A PUBLISH with all five MQTT properties and five user properties (the benchmark's message).
inline publish_spec full_publish_spec() {
    publish_spec s;
    s.payload = std::string(100, 'x');
    s.payload_format = 1;
    s.expiry = 3600;
    s.content_type = "application/json";
    s.response_topic = "replies/line1";
    s.correlation_data = std::string("\x00\x01\xfe\xff", 4);
    s.user_properties = {{"device-id", "dev-17"}, {"site", "berlin"}, {"unit", "celsius"},
                         {"fw", "1.4.2"},         {"seq", "991"}};
    return s;
}

}  // namespace flowbridge::testing
