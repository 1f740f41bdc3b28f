#pragma once

#include <cstdint>
#include <string_view>

#include "engine/message/outbound.h"
#include "engine/stages/drop_counters.h"

namespace flowbridge {

/// `cloudEventAttributes` of a Kafka destination (SPEC §3.2a).
enum class cloud_events_mode : std::uint8_t { propagate, create_or_remap };

/// What translation needs to know about the dataflow; built once at start-up, read-only after.
struct mqtt_to_kafka_settings {
    std::string_view destination_topic;
    bool copy_mqtt_properties = true;  // `copyMqttProperties`
    cloud_events_mode cloud_events = cloud_events_mode::propagate;
    std::string_view cloud_events_source;  // "aio://<dataflow name>" for CreateOrRemap
};

/// A tiny per-shard random source for CloudEvents ids (xoshiro256**, seeded once). Not for
/// anything secret.
class uuid_source {
public:
    explicit uuid_source(std::uint64_t seed) noexcept;
    /// Writes a random (version 4) UUID as 36 characters into `out`.
    void next(char* out) noexcept;

private:
    std::uint64_t next_u64() noexcept;
    std::uint64_t s_[4];
};

/// Translates the PUBLISH `in` into the Kafka record fields of `record` (SPEC §3.1, §3.2a):
/// value, CreateTime, headers as views into `in`'s bytes, the delivery tag, arrival and expiry
/// interval. The key and partition are the partitioner's job; the remaining expiry interval is
/// re-stamped at hand-off (expiry.h). `in` itself need not outlive the call (its bytes must, until
/// the record completes). Runs on the shard's thread; allocates nothing once the record's header
/// capacity is warm. `ids` may be null unless `settings.cloud_events` is create_or_remap.
void translate_mqtt_to_kafka(const mqtt_message& in, outbound_kafka_record& record,
                             const mqtt_to_kafka_settings& settings, drop_counters& drops,
                             uuid_source* ids = nullptr) noexcept;

/// Formats `unix_ms` as an RFC 3339 UTC time with milliseconds ("2024-05-01T12:00:00.123Z",
/// 24 characters) into `out`. Returns the number of characters written.
std::size_t format_rfc3339_ms(std::int64_t unix_ms, char* out) noexcept;

}  // namespace flowbridge
