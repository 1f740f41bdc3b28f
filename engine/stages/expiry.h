#pragma once

#include <cstdint>
#include <span>

#include "engine/message/clock.h"
#include "engine/message/outbound.h"
#include "engine/stages/drop_counters.h"

namespace flowbridge {

/// The result of evaluating a message's expiry at hand-off (SPEC §3.3).
struct expiry_verdict {
    bool expired = false;
    std::uint32_t remaining_s = 0;  // meaningful when !expired and the message has an interval
};

/// SPEC §3.3: remaining = interval − whole seconds queued; remaining ≤ 0 means expired.
/// `arrival` and `now` come from the same injected clock.
constexpr expiry_verdict evaluate_expiry(std::uint32_t interval_s, mono_ns arrival,
                                         mono_ns now) noexcept {
    const mono_ns queued = now > arrival ? now - arrival : 0;
    const std::int64_t remaining =
        static_cast<std::int64_t>(interval_s) - static_cast<std::int64_t>(queued / ns_per_s);
    if (remaining <= 0) return {true, 0};
    return {false, static_cast<std::uint32_t>(remaining)};
}

/// Re-evaluates one record: false if it expired (counted), true if it may be delivered (its
/// expiry header, if any, now carries the remaining interval).
bool restamp_expiry(outbound_kafka_record& record, mono_ns now, drop_counters& drops) noexcept;

/// Re-evaluates every record of `batch` immediately before it is handed to the destination.
/// Records still alive are compacted to the front of `batch` in their order; each expired one is
/// passed to `on_expired` (in order), which completes it as handled so that its source can be
/// acknowledged. Returns the number of records still to deliver.
template <class OnExpired>
std::size_t restamp_expiry(std::span<outbound_kafka_record*> batch, mono_ns now,
                           drop_counters& drops, OnExpired&& on_expired) noexcept {
    std::size_t kept = 0;
    for (outbound_kafka_record* r : batch) {
        if (restamp_expiry(*r, now, drops)) {
            batch[kept++] = r;
        } else {
            on_expired(r);
        }
    }
    return kept;
}

/// The same for an outbound MQTT PUBLISH whose Message Expiry Interval was restored from a header.
bool restamp_expiry(outbound_mqtt_publish& publish, mono_ns now, drop_counters& drops) noexcept;

}  // namespace flowbridge
