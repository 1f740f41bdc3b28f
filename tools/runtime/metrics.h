#pragma once

// The runtime's metrics seam: a point-in-time copy of every dataflow's counters, connection
// states and histograms, for the Prometheus exporter (tools/runtime/exporter.h) and for
// embedding applications and tests, which read it without any HTTP.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/stages/drop_counters.h"

namespace flowbridge::runtime {

enum class flow_direction : std::uint8_t { mqtt_to_kafka, kafka_to_mqtt, mqtt_to_mqtt };
std::string_view to_string(flow_direction d) noexcept;

/// A copy of one histogram (summed over shards). `bounds` are inclusive upper bounds in the
/// histogram's own unit (nanoseconds, records, bytes); `scale` turns them into the base unit
/// (1e-9: seconds). `buckets[i]` counts `bounds[i-1] < v <= bounds[i]`, the last one the values
/// above every bound (not cumulative; bounds.size() + 1 entries). Empty bounds: not measured.
struct histogram_snapshot {
    std::vector<std::int64_t> bounds;
    std::vector<std::uint64_t> buckets;
    std::int64_t sum = 0;
    std::uint64_t count = 0;
    double scale = 1.0;

    bool measured() const noexcept { return !buckets.empty(); }
};

/// The bounds the runtime's histograms use (docs/observability.md).
/// Records per batch handed to Kafka: 1, 2, 4 … 8192.
std::span<const std::int64_t> batch_records_bounds() noexcept;
/// Bytes per batch (key + value + headers, what `maxBytes` counts): 1 KiB … 16 MiB, ×4.
std::span<const std::int64_t> batch_bytes_bounds() noexcept;
/// End-to-end latency in nanoseconds: 100 µs × 2.5ⁿ, 18 bounds (100 µs … ~9.7 min).
std::span<const std::int64_t> latency_bounds() noexcept;

/// One side of a dataflow: the endpoint it talks to and the state of its shards' connections.
struct connection_metrics {
    std::string endpoint;         ///< DataflowEndpoint `namespace/name`
    std::uint32_t connected = 0;  ///< shards whose connection to it is up (see ready())
    std::uint64_t attempts = 0;   ///< connection attempts (MQTT CONNECTs, Kafka start-ups)
    std::uint64_t losses = 0;     ///< connections lost other than by a stop
};

/// Counters of one dataflow on this instance, summed over its shards. Every counter is
/// monotonic; `in_flight`, the `connected`/`ready` shard counts are current values.
struct dataflow_metrics {
    std::string name;  ///< `namespace/name`
    flow_direction direction = flow_direction::mqtt_to_kafka;
    std::uint32_t shards = 0;
    std::uint32_t shards_connected = 0;  ///< source ready and destination connected
    /// Shards whose source is ready: MQTT subscribed (SUBACK, or a present session), Kafka
    /// consumer subscribed and its first group assignment received.
    std::uint32_t source_ready = 0;
    std::uint64_t received = 0;      ///< messages taken from the source
    std::uint64_t delivered = 0;     ///< acknowledged by the destination (Kafka acks / PUBACK)
    std::uint64_t acknowledged = 0;  ///< source acknowledgements: PUBACKs sent / offsets completed
    std::uint64_t failed = 0;        ///< delivery failures (redelivered later, not lost)
    std::uint64_t in_flight = 0;
    std::uint64_t in_flight_limit = 0;  ///< the bound of in_flight (record slots × shards)
    std::uint64_t rejected = 0;  ///< to MQTT: PUBACK with a failure reason (counted, completed)
    std::uint64_t source_reconnects = 0;  ///< == source.losses (kept for existing readers)
    std::array<std::uint64_t, drop_reason_count> dropped{};  ///< by drop_reason
    connection_metrics source;
    connection_metrics destination;
    /// Records and bytes per batch handed to the destination (MQTT → Kafka only).
    histogram_snapshot batch_records;
    histogram_snapshot batch_bytes;
    /// Arrival at flowbridge → acknowledgement by the destination, for delivered messages.
    histogram_snapshot latency;

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

/// A managed identity token source (SPEC §6) as one endpoint uses it.
struct token_metrics {
    std::string endpoint;           ///< DataflowEndpoint `namespace/name`
    std::string method;             ///< e.g. SystemAssignedManagedIdentity
    std::int64_t expires_at_s = 0;  ///< Unix time the current token expires; 0: none yet
    std::uint64_t tokens = 0;       ///< tokens obtained
    std::uint64_t failures = 0;     ///< failed fetches (each retried with back-off)
};

struct runtime_metrics {
    std::vector<dataflow_metrics> dataflows;
    std::vector<token_metrics> tokens;
    /// True once stop() began: /readyz reports "shutting down".
    bool stopping = false;
};

}  // namespace flowbridge::runtime
