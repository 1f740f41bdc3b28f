#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/message/counter.h"

namespace flowbridge {

/// Why a message or a header did not go through unchanged. Every drop on the data path increments
/// exactly one of these (SPEC §4: nothing disappears without a counter).
enum class drop_reason : std::uint8_t {
    message_expired,          // SPEC §3.3: remaining expiry interval ≤ 0 at hand-off
    header_shadowed,          // SPEC §3.1: user property named like a present MQTT property
    header_non_utf8,          // SPEC §3.2: header name or value is not valid UTF-8
    header_too_large,         // SPEC §3.2: header name or value ≥ 65536 bytes
    partition_key_missing,    // SPEC §3.4: Property strategy fell back to Default (not a loss)
    topic_unresolved,         // ${inputTopic.N} beyond the source topic's levels
    packet_too_large,         // SPEC §3.2: does not fit the broker's Maximum Packet Size
    restore_failed,           // restore-mqtt-properties: header kept as a user property instead
    count_
};

constexpr std::size_t drop_reason_count = static_cast<std::size_t>(drop_reason::count_);

/// The label value used in `flowbridge_..._dropped_total{reason="…"}`.
constexpr std::string_view to_string(drop_reason r) noexcept {
    switch (r) {
        case drop_reason::message_expired: return "expired";
        case drop_reason::header_shadowed: return "shadowed";
        case drop_reason::header_non_utf8: return "non_utf8";
        case drop_reason::header_too_large: return "too_large";
        case drop_reason::partition_key_missing: return "partition_key_missing";
        case drop_reason::topic_unresolved: return "topic_unresolved";
        case drop_reason::packet_too_large: return "packet_too_large";
        case drop_reason::restore_failed: return "restore_failed";
        case drop_reason::count_: break;
    }
    return "unknown";
}

/// Per-shard drop counters: written by the shard's thread only, read by the metrics exporter.
class drop_counters {
public:
    void add(drop_reason r, std::uint64_t n = 1) noexcept {
        counters_[static_cast<std::size_t>(r)].add(n);
    }
    std::uint64_t value(drop_reason r) const noexcept {
        return counters_[static_cast<std::size_t>(r)].value();
    }

private:
    std::array<counter, drop_reason_count> counters_;
};

}  // namespace flowbridge
