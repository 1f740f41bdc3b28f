#pragma once

#include "engine/message/kafka_record.h"
#include "engine/message/outbound.h"
#include "engine/stages/drop_counters.h"
#include "engine/stages/topic_template.h"

namespace flowbridge {

/// What Kafka → MQTT translation needs to know about the dataflow; read-only after start-up.
struct kafka_to_mqtt_settings {
    const topic_template* destination = nullptr;  // `dataDestination`
    bool restore_mqtt_properties = false;          // flowbridge.io/restore-mqtt-properties
    bool decode_amqp_headers = false;              // flowbridge.io/decode-amqp-headers
};

/// Translates a consumed Kafka record into the PUBLISH fields of `out` (SPEC §3.2): payload,
/// resolved topic, `Key` and `Timestamp` user properties, headers as user properties in order.
/// Headers that are not valid UTF-8 or are 65536 bytes or longer are removed and counted; the
/// rest of the message goes on. Returns false when the topic cannot be resolved (counted as
/// `topic_unresolved`; the caller completes the record as handled).
/// Views in `out` point into `in` (and into `out.scratch`); `in` must outlive `out`'s use.
bool translate_kafka_to_mqtt(const kafka_record& in, outbound_mqtt_publish& out,
                             const kafka_to_mqtt_settings& settings, drop_counters& drops) noexcept;

}  // namespace flowbridge
