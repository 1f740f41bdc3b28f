#include "engine/stages/expiry.h"

#include <charconv>

namespace flowbridge {

bool restamp_expiry(outbound_kafka_record& record, mono_ns now, drop_counters& drops) noexcept {
    if (!record.has_expiry) return true;
    const expiry_verdict v = evaluate_expiry(record.expiry_interval, record.arrival, now);
    if (v.expired) {
        drops.add(drop_reason::message_expired);
        return false;
    }
    // Translation formatted the full interval; while no whole second has passed there is
    // nothing to rewrite (remaining only ever decreases, so equal means never rewritten).
    if (record.expiry_header >= 0 && v.remaining_s != record.expiry_interval) {
        // The formatted value lives in the record's own scratch bytes (no allocation).
        char* first = record.scratch;
        const auto [last, ec] = std::to_chars(first, first + 10, v.remaining_s);
        (void)ec;  // a uint32 has at most ten digits; scratch[0..16) is reserved for it
        record.headers[static_cast<std::size_t>(record.expiry_header)].value =
            std::string_view(first, static_cast<std::size_t>(last - first));
    }
    return true;
}

bool restamp_expiry(outbound_mqtt_publish& publish, mono_ns now, drop_counters& drops) noexcept {
    if ((publish.present & publish_properties::has_message_expiry) == 0) return true;
    const expiry_verdict v = evaluate_expiry(publish.restored_expiry_interval, publish.arrival, now);
    if (v.expired) {
        drops.add(drop_reason::message_expired);
        return false;
    }
    publish.message_expiry_interval = v.remaining_s;
    return true;
}

}  // namespace flowbridge
