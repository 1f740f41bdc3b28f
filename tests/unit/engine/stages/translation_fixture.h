#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/message/outbound.h"
#include "engine/stages/drop_counters.h"
#include "engine/stages/mqtt_to_kafka.h"
#include "tests/unit/engine/test_messages.h"

namespace flowbridge::testing {

using header_pairs = std::vector<std::pair<std::string, std::string>>;

inline header_pairs headers_of(const outbound_kafka_record& r) {
    header_pairs out;
    for (const auto& h : r.headers) out.emplace_back(h.name, h.value);
    return out;
}

/// Translates `spec` (MQTT → Kafka) with `settings`; keeps the source bytes alive.
struct translated {
    explicit translated(const publish_spec& spec, mqtt_to_kafka_settings settings = {},
                        mono_ns arrival = 0)
        : publish(spec, arrival), message(publish.message()), ids(7) {
        if (settings.destination_topic.empty()) settings.destination_topic = "telemetry";
        translate_mqtt_to_kafka(message, record, settings, drops, &ids);
    }
    received_publish publish;
    mqtt_message message;  // views into `publish`, as the MQTT transport hands them out
    uuid_source ids;
    outbound_kafka_record record;
    drop_counters drops;
};

}  // namespace flowbridge::testing
