#include "engine/stages/partitioner.h"

namespace flowbridge {

std::int32_t murmur2(std::string_view key) noexcept {
    // Java's Utils.murmur2: 32-bit arithmetic that wraps, '>>>' is a logical shift.
    const auto* data = reinterpret_cast<const std::uint8_t*>(key.data());
    const auto length = static_cast<std::uint32_t>(key.size());
    constexpr std::uint32_t seed = 0x9747b28c;
    constexpr std::uint32_t m = 0x5bd1e995;
    constexpr int r = 24;

    std::uint32_t h = seed ^ length;
    const std::uint32_t length4 = length / 4;
    for (std::uint32_t i = 0; i < length4; ++i) {
        const std::uint32_t i4 = i * 4;
        std::uint32_t k = static_cast<std::uint32_t>(data[i4]) |
                          (static_cast<std::uint32_t>(data[i4 + 1]) << 8) |
                          (static_cast<std::uint32_t>(data[i4 + 2]) << 16) |
                          (static_cast<std::uint32_t>(data[i4 + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::uint32_t tail = length & ~3u;
    switch (length % 4) {
        case 3:
            h ^= static_cast<std::uint32_t>(data[tail + 2]) << 16;
            [[fallthrough]];
        case 2:
            h ^= static_cast<std::uint32_t>(data[tail + 1]) << 8;
            [[fallthrough]];
        case 1:
            h ^= data[tail];
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

partitioner::partitioner(const partitioner_settings& settings, std::uint32_t start) noexcept
    : settings_(settings),
      max_age_ns_(static_cast<mono_ns>(settings.turn.latency_ms) * ns_per_ms),
      next_(start) {
    if (settings_.turn.max_messages == 0 || !settings_.turn.enabled) settings_.turn.max_messages = 1;
    if (settings_.turn.max_bytes == 0) settings_.turn.max_bytes = 1;
}

partition_id partitioner::round_robin(const outbound_kafka_record& record,
                                      std::int32_t partition_count) noexcept {
    const auto count = static_cast<std::uint32_t>(partition_count);
    if (settings_.rotation == rotation_unit::per_message) {
        if (next_ >= count) next_ %= count;  // also absorbs a partition count that shrank
        return partition_id{static_cast<std::int32_t>(next_++)};
    }
    // Per batch. A partition count that shrank below the turn's partition ends the turn.
    if (next_ >= count) {
        next_ %= count;
        turn_records_ = 0;
    }
    // End the open turn first if this record would not fit in it (SPEC §2.1's batch rules: bytes,
    // then age — records of one ingress burst share their arrival time and stay together, as the
    // batcher hands a burst over at once even with latencyMs 0), then stay until it is full.
    const bool aged = record.arrival != turn_start_ && record.arrival - turn_start_ >= max_age_ns_;
    if (turn_records_ != 0 && (turn_bytes_ + record.bytes > settings_.turn.max_bytes || aged)) {
        next_ = (next_ + 1) % count;
        turn_records_ = 0;
    }
    if (turn_records_ == 0) {
        turn_bytes_ = 0;
        turn_start_ = record.arrival;
    }
    const partition_id chosen{static_cast<std::int32_t>(next_)};
    ++turn_records_;
    turn_bytes_ += record.bytes;
    if (turn_records_ >= settings_.turn.max_messages || turn_bytes_ >= settings_.turn.max_bytes) {
        ++next_;
        turn_records_ = 0;
    }
    return chosen;
}

void partitioner::assign(outbound_kafka_record& record, const mqtt_message& source,
                         std::int32_t partition_count, drop_counters& drops) noexcept {
    switch (settings_.strategy) {
        case partition_strategy::round_robin:
            record.partition = round_robin(record, partition_count);
            return;
        case partition_strategy::fixed:
            // SPEC §3.4 Static: partition = instanceId mod partitionCount.
            record.partition = partition_id{static_cast<std::int32_t>(
                settings_.instance.value % static_cast<std::uint32_t>(partition_count))};
            return;
        case partition_strategy::topic:
            record.key = source.topic;
            break;
        case partition_strategy::property: {
            // The first user property with that name (SPEC §3.4); missing → Default, counted.
            bool found = false;
            if (source.properties.user_property_count != 0) {
                for (const user_property& up : source.properties.user_properties()) {
                    if (up.name == settings_.key_property) {
                        record.key = up.value;
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                drops.add(drop_reason::partition_key_missing);
                record.partition = round_robin(record, partition_count);
                return;
            }
            break;
        }
    }
    record.has_key = true;
    record.bytes += static_cast<std::uint32_t>(record.key.size());
    record.partition = murmur2_partition(record.key, partition_count);
}

}  // namespace flowbridge
