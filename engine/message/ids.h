#pragma once

#include <compare>
#include <cstdint>

namespace flowbridge {

/// A Kafka partition number. A strong type so that a partition is never confused with a count,
/// an index or an instance id.
struct partition_id {
    std::int32_t value = -1;

    constexpr bool valid() const noexcept { return value >= 0; }
    friend constexpr auto operator<=>(partition_id, partition_id) = default;
};

/// What the source needs to acknowledge a message once the destination has it: for an MQTT
/// source the position of the PUBLISH in its connection's arrival order, for a Kafka source the
/// record's (partition, offset). The engine carries it untouched from ingress to completion.
struct delivery_tag {
    std::uint64_t value = 0;
    friend constexpr auto operator<=>(delivery_tag, delivery_tag) = default;
};

/// The index of this process among a profile's instances (SPEC §2.4), 0-based.
struct instance_id {
    std::uint32_t value = 0;
    friend constexpr auto operator<=>(instance_id, instance_id) = default;
};

}  // namespace flowbridge
