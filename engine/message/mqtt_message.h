#pragma once

#include <cstdint>
#include <string_view>

#include "engine/message/clock.h"
#include "engine/message/ids.h"
#include "engine/message/mqtt_properties.h"

namespace flowbridge {

enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// A received MQTT v5 PUBLISH: every field is a view into the one buffer the packet arrived in.
///
/// Lifetime: the MQTT transport owns that buffer and keeps it alive until the message is
/// completed (delivered, or intentionally dropped) through its `tag`; everything built from this
/// message (Kafka headers, keys) is views too and shares that lifetime. Copyable and trivially
/// destructible: copying a message copies views, never bytes.
struct mqtt_message {
    std::string_view topic;
    std::string_view payload;
    publish_properties properties;
    qos qos_level = qos::at_most_once;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;
    mono_ns arrival = 0;              // injected clock, when the PUBLISH was read
    std::int64_t arrival_wall_ms = 0;  // becomes the Kafka record's CreateTime (SPEC §3.1)
    delivery_tag tag;                  // how the source acknowledges it
};

}  // namespace flowbridge
