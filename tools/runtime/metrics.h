#pragma once

// The runtime's metrics seam: a point-in-time copy of every dataflow's counters, for the
// Prometheus exporter (built separately) and for embedding applications and tests.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/stages/drop_counters.h"

namespace flowbridge::runtime {

enum class flow_direction : std::uint8_t { mqtt_to_kafka, kafka_to_mqtt, mqtt_to_mqtt };
std::string_view to_string(flow_direction d) noexcept;

/// Counters of one dataflow on this instance, summed over its shards. Every value is monotonic
/// except `in_flight`, `shards_connected`.
struct dataflow_metrics {
    std::string name;  ///< `namespace/name`
    flow_direction direction = flow_direction::mqtt_to_kafka;
    std::uint32_t shards = 0;
    std::uint32_t shards_connected = 0;  ///< source and destination connected
    std::uint64_t received = 0;      ///< messages taken from the source
    std::uint64_t delivered = 0;     ///< acknowledged by the destination (Kafka acks / PUBACK)
    std::uint64_t acknowledged = 0;  ///< source acknowledgements: PUBACKs sent / offsets completed
    std::uint64_t failed = 0;        ///< delivery failures (redelivered later, not lost)
    std::uint64_t in_flight = 0;
    std::uint64_t rejected = 0;      ///< Kafka → MQTT: PUBACK with a failure reason (counted, committed)
    std::uint64_t source_reconnects = 0;
    std::array<std::uint64_t, drop_reason_count> dropped{};  ///< by drop_reason

    /// Adds one shard's drop counters to `dropped`.
    void add_drops(const drop_counters& drops) noexcept {
        for (std::size_t r = 0; r < drop_reason_count; ++r) {
            dropped[r] += drops.value(static_cast<drop_reason>(r));
        }
    }

    std::uint64_t dropped_total() const noexcept {
        std::uint64_t n = 0;
        for (auto v : dropped) n += v;
        return n;
    }
};

struct runtime_metrics {
    std::vector<dataflow_metrics> dataflows;
};

}  // namespace flowbridge::runtime
