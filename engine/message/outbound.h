#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/message/clock.h"
#include "engine/message/header_list.h"
#include "engine/message/ids.h"
#include "engine/message/kafka_record.h"
#include "engine/message/mqtt_message.h"
#include "engine/message/mqtt_properties.h"

namespace flowbridge {

/// A Kafka record on its way out (MQTT → Kafka): views into the source PUBLISH plus the few bytes
/// translation had to format itself, which live in `scratch` inside this object. The PUBLISH
/// itself (its mqtt_message of views) is not kept: translation and the partitioner read it where
/// the MQTT transport decoded it, and the record keeps what production, completion and the
/// expiry re-check need (docs/performance.md, "The lean record").
///
/// Records are long-lived slots taken from a record_pool and reused: `headers` keeps its capacity
/// across uses, so steady state allocates nothing. Owned by one shard thread at a time; it is
/// handed to the Kafka transport with its batch and comes back on completion.
struct alignas(64) outbound_kafka_record {
    // Header entries every slot starts with: the five MQTT property headers and three user
    // properties (256 bytes). A message with more grows its slot's list once (translation's
    // ensure()); the slot keeps that capacity. A shard holds up to 65 535 slots, all constructed
    // at start-up, so this is most of a shard's fixed memory (docs/operations.md, "Memory").
    static constexpr std::size_t reserved_headers = 8;
    // Formatted values: the expiry interval (10 digits) and, for CloudEvents CreateOrRemap, a
    // UUID (36) and an RFC 3339 time (24).
    static constexpr std::size_t scratch_size = 96;

    outbound_kafka_record() : headers(reserved_headers) {}

    // Layout: a shard keeps rate × latency records in flight (thousands), so a record is usually
    // out of the cache when it is touched again: every line a message touches costs. The first
    // cache line holds what the producer and the completion path read (docs/performance.md,
    // "Record slots and the cache"), the second the headers, key and expiry; `scratch` follows
    // and is touched only for an expiry interval or CloudEvents values.
    mono_ns arrival = 0;
    delivery_tag tag;
    std::string_view topic;
    std::string_view value;
    std::int64_t timestamp_ms = 0;  // CreateTime (SPEC §3.1)
    partition_id partition;
    std::uint32_t bytes = 0;            // accounted_bytes(), computed once by translation
    // Second line: headers and key.
    header_list headers;                // views into the source or into `scratch`
    std::string_view key;
    bool has_key = false;
    std::int16_t expiry_header = -1;    // index of `Message Expiry Interval` in headers, or -1
    bool has_expiry = false;            // the PUBLISH carried a Message Expiry Interval…
    std::uint32_t expiry_interval = 0;  // …of this many seconds (SPEC §3.3, from arrival)
    // The destination's hand-off order (the Kafka transport numbers records as it produces
    // them and restores that order after taking them back in an outage).
    std::uint64_t handoff_seq = 0;
    char scratch[scratch_size] = {};

    /// Bytes this record adds to a batch for `maxBytes`: key, value, header names and values.
    std::size_t accounted_bytes() const noexcept {
        std::size_t n = key.size() + value.size();
        for (const auto& h : headers) n += h.name.size() + h.value.size();
        return n;
    }

    /// Starts loading, for writing, the cache lines every message writes: everything but
    /// `scratch` (written only for expiry and CloudEvents values). A hint, no effect on
    /// behaviour.
    void prefetch() const noexcept {
        constexpr std::size_t hot = offsetof(outbound_kafka_record, scratch);
        const char* p = reinterpret_cast<const char*>(this);
        for (std::size_t at = 0; at < hot; at += 64) __builtin_prefetch(p + at, 1, 3);
    }
    /// The same for the first `n` header entries. Reads the header pointer: call it once the
    /// record's own lines are loaded or on their way, so that the misses overlap.
    void prefetch_headers(std::size_t n) const noexcept {
        const char* p = reinterpret_cast<const char*>(headers.data());
        const std::size_t bytes = std::min(n, headers.capacity()) * sizeof(kafka_header);
        for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at, 1, 3);
    }

    /// Prepares the slot for its next message (keeps the header capacity).
    void reset() noexcept {
        topic = key = value = {};
        has_key = false;
        timestamp_ms = 0;
        partition = {};
        headers.clear();
        expiry_header = -1;
        has_expiry = false;
        expiry_interval = 0;
        bytes = 0;
        arrival = 0;
        tag = {};
        handoff_seq = 0;
    }
};

/// An MQTT PUBLISH on its way out (Kafka → MQTT): views into the source record, plus the resolved
/// topic and the formatted `Timestamp` value held in this object. A reusable pool slot like
/// outbound_kafka_record.
struct outbound_mqtt_publish {
    static constexpr std::size_t reserved_properties = 32;
    static constexpr std::size_t scratch_size = 32;

    outbound_mqtt_publish() {
        user_properties.reserve(reserved_properties);
        topic.reserve(128);
    }

    std::string topic;  // dataDestination with ${inputTopic…} resolved; keeps its capacity
    std::string_view payload;
    // MQTT v5 properties restored from headers (flowbridge.io/restore-mqtt-properties).
    std::uint8_t present = 0;  // bits of publish_properties::presence
    std::uint8_t payload_format_indicator = 0;
    std::uint32_t message_expiry_interval = 0;   // remaining, set at hand-off (SPEC §3.3)
    std::uint32_t restored_expiry_interval = 0;  // as the header carried it
    std::string_view content_type;
    std::string_view response_topic;
    std::string_view correlation_data;
    std::vector<user_property> user_properties;  // views into the source or into `scratch`
    mono_ns arrival = 0;
    delivery_tag tag;
    char scratch[scratch_size] = {};

    void reset() noexcept {
        topic.clear();
        payload = {};
        present = 0;
        payload_format_indicator = 0;
        message_expiry_interval = 0;
        restored_expiry_interval = 0;
        content_type = response_topic = correlation_data = {};
        user_properties.clear();
        arrival = 0;
        tag = {};
    }
};

}  // namespace flowbridge
