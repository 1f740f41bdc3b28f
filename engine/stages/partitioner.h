#pragma once

#include <cstdint>
#include <string_view>

#include "engine/message/clock.h"
#include "engine/message/ids.h"
#include "engine/message/mqtt_message.h"
#include "engine/message/outbound.h"
#include "engine/stages/batcher.h"
#include "engine/stages/drop_counters.h"

namespace flowbridge {

/// `partitionStrategy` of a Kafka destination (SPEC §3.4).
enum class partition_strategy : std::uint8_t { round_robin, fixed, topic, property };

/// The unit of rotation of the Default (round-robin) strategy. `per_batch` stays on one partition
/// for one turn (like Kafka's sticky partitioner), which makes full batches; `per_message` moves
/// on with every message. See docs/translation.md.
enum class rotation_unit : std::uint8_t { per_message, per_batch };

/// Kafka's murmur2 exactly as the Java client computes it (`Utils.murmur2`), returning the
/// signed 32-bit result Java returns.
std::int32_t murmur2(std::string_view key) noexcept;

/// The Java client's `Utils.toPositive(murmur2(key)) % partition_count`.
inline partition_id murmur2_partition(std::string_view key, std::int32_t partition_count) noexcept {
    const auto positive = static_cast<std::int32_t>(static_cast<std::uint32_t>(murmur2(key)) &
                                                    0x7fffffffu);
    return partition_id{positive % partition_count};
}

struct partitioner_settings {
    partition_strategy strategy = partition_strategy::round_robin;
    rotation_unit rotation = rotation_unit::per_batch;
    std::string_view key_property;  // `partitionKeyProperty`, for `property`
    instance_id instance;           // for `fixed` (Static)
    // A per-batch turn (for `round_robin`, and `property`'s fallback) is one batch of the
    // destination's configured shape: it ends when it holds `max_messages` records, when the next
    // record would take it past `max_bytes` (a record alone larger than that is a turn of one),
    // or when a record arrives `latency_ms` or more after the turn's first one (records of one
    // ingress burst share an arrival time, so a burst is never split by age); batching disabled:
    // a turn per message. It follows the configured shape, not the engine batcher's hand-overs:
    // for a Kafka destination the engine hands every ingress burst over at once
    // (docs/architecture.md §4), and rotating per burst spread each Kafka batch's worth over
    // every partition (docs/performance.md, "Sticky turns").
    batching_settings turn;
};

/// Chooses each record's partition, and its key for the Topic and Property strategies (SPEC
/// §3.1: the key that placed the record). One per shard and destination, used by the shard's
/// thread only. The partition count is passed per call: it comes from Kafka metadata and may grow
/// at run time (SPEC §3.4).
class partitioner {
public:
    explicit partitioner(const partitioner_settings& settings, std::uint32_t start = 0) noexcept;

    /// Sets record.partition (and record.key for topic/property: a view into `source`, the
    /// PUBLISH `record` was translated from). `partition_count` ≥ 1. A per-batch turn counts
    /// `record.bytes` (set by translation) and ages by `record.arrival`.
    void assign(outbound_kafka_record& record, const mqtt_message& source,
                std::int32_t partition_count, drop_counters& drops) noexcept;

private:
    partition_id round_robin(const outbound_kafka_record& record,
                             std::int32_t partition_count) noexcept;

    partitioner_settings settings_;
    mono_ns max_age_ns_;
    std::uint32_t next_;
    // The open per-batch turn on partition `next_` (turn_records_ == 0: none).
    std::uint32_t turn_records_ = 0;
    std::uint64_t turn_bytes_ = 0;
    mono_ns turn_start_ = 0;
};

}  // namespace flowbridge
