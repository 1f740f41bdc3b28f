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

partition_id partitioner::round_robin(std::int32_t partition_count) noexcept {
    const auto count = static_cast<std::uint32_t>(partition_count);
    if (next_ >= count) next_ %= count;  // also absorbs a partition count that shrank
    const partition_id chosen{static_cast<std::int32_t>(next_)};
    if (settings_.rotation == rotation_unit::per_message) ++next_;
    return chosen;
}

void partitioner::assign(outbound_kafka_record& record, const mqtt_message& source,
                         std::int32_t partition_count, drop_counters& drops) noexcept {
    switch (settings_.strategy) {
        case partition_strategy::round_robin:
            record.partition = round_robin(partition_count);
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
                record.partition = round_robin(partition_count);
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
