#pragma once

#include <cstdint>
#include <string_view>

#include "engine/message/ids.h"
#include "engine/message/mqtt_message.h"
#include "engine/message/outbound.h"
#include "engine/stages/drop_counters.h"

namespace flowbridge {

/// `partitionStrategy` of a Kafka destination (SPEC §3.4).
enum class partition_strategy : std::uint8_t { round_robin, fixed, topic, property };

/// The unit of rotation of the Default (round-robin) strategy. `per_batch` stays on one partition
/// until the batcher flushes that partition's batch (like Kafka's sticky partitioner), which
/// makes fuller batches; `per_message` moves on with every message. See docs/performance.md.
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
};

/// Chooses each record's partition, and its key for the Topic and Property strategies (SPEC
/// §3.1: the key that placed the record). One per shard and destination, used by the shard's
/// thread only. The partition count is passed per call: it comes from Kafka metadata and may grow
/// at run time (SPEC §3.4).
class partitioner {
public:
    explicit partitioner(const partitioner_settings& settings, std::uint32_t start = 0) noexcept
        : settings_(settings), next_(start) {}

    /// Sets record.partition (and record.key for topic/property: a view into `source`, the
    /// PUBLISH `record` was translated from). `partition_count` ≥ 1.
    void assign(outbound_kafka_record& record, const mqtt_message& source,
                std::int32_t partition_count, drop_counters& drops) noexcept;

    /// Tells a per-batch round robin that the current partition's batch was flushed.
    void on_batch_flushed(partition_id flushed) noexcept {
        if (settings_.rotation == rotation_unit::per_batch &&
            static_cast<std::int32_t>(next_) == flushed.value) {
            ++next_;
        }
    }

private:
    partition_id round_robin(std::int32_t partition_count) noexcept;

    partitioner_settings settings_;
    std::uint32_t next_;
};

}  // namespace flowbridge
