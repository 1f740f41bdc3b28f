// Fuzzes translation with arbitrary property sets and header lists.
// Input layout: byte 0 = settings bits, then
//   MQTT → Kafka: the rest is a PUBLISH property block (decoded like the transport does);
//   Kafka → MQTT: the rest is a list of headers, each `u8 name_len, name, u16 value_len, value`.
// Invariants checked (abort on violation, so libFuzzer reports it):
//   * translation of a validated block never reads outside the block and every header view lies in
//     the packet, the record's scratch, or static storage;
//   * accounted bytes match the headers;
//   * every user property produced for MQTT is a valid MQTT string shorter than 65536 bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/message/utf8.h"
#include "engine/stages/expiry.h"
#include "engine/stages/kafka_to_mqtt.h"
#include "engine/stages/mqtt_to_kafka.h"
#include "engine/stages/partitioner.h"

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view view, std::string_view area) {
    return view.empty() ||
           (view.data() >= area.data() && view.data() + view.size() <= area.data() + area.size());
}

void mqtt_to_kafka(std::uint8_t bits, std::string_view block) {
    using namespace flowbridge;
    // Copy into an exactly sized heap buffer so ASan catches any read past the block.
    std::string owned(block);
    outbound_kafka_record record;
    mqtt_message message;
    if (parse_publish_properties(owned, message.properties) != mqtt_reason::success) return;
    message.topic = "fuzz/topic";
    message.payload = "payload";
    mqtt_to_kafka_settings settings{"out", (bits & 1) != 0,
                                    (bits & 2) != 0 ? cloud_events_mode::create_or_remap
                                                    : cloud_events_mode::propagate,
                                    "aio://fuzz"};
    drop_counters drops;
    uuid_source ids(bits);
    translate_mqtt_to_kafka(message, record, settings, drops, &ids);
    const std::string_view scratch(record.scratch, sizeof(record.scratch));
    for (const auto& h : record.headers) {
        const bool name_ok = inside(h.name, owned) || h.name.size() < 32;  // static names are short
        check(name_ok);
        check(inside(h.value, owned) || inside(h.value, scratch) || h.value.size() <= 26);
    }
    check(record.bytes == record.accounted_bytes());
    partitioner p({static_cast<partition_strategy>((bits >> 2) & 3), rotation_unit::per_batch,
                   "key", {1}, {}});
    p.assign(record, message, 1 + (bits >> 4), drops);
    check(record.partition.value >= 0 && record.partition.value < 1 + (bits >> 4));
    restamp_expiry(record, static_cast<mono_ns>(bits) * ns_per_s, drops);
}

void kafka_to_mqtt(std::uint8_t bits, std::string_view rest) {
    using namespace flowbridge;
    std::vector<std::string> storage;
    std::vector<kafka_header> headers;
    storage.reserve(rest.size() * 2 + 2);
    std::size_t pos = 0;
    while (pos < rest.size()) {
        const std::size_t name_len = static_cast<std::uint8_t>(rest[pos++]);
        if (rest.size() - pos < name_len) break;
        storage.emplace_back(rest.substr(pos, name_len));
        pos += name_len;
        if (rest.size() - pos < 2) break;
        std::size_t value_len = (static_cast<std::uint8_t>(rest[pos]) << 8) |
                                static_cast<std::uint8_t>(rest[pos + 1]);
        pos += 2;
        if (value_len == 0xFFFF) value_len = 70000;  // reach the too-large rule
        const std::string value = rest.size() - pos >= value_len
                                      ? std::string(rest.substr(pos, value_len))
                                      : std::string(value_len, 'v');
        pos += std::min(value_len, rest.size() - pos);
        storage.push_back(value);
        headers.push_back({storage[storage.size() - 2], storage.back()});
    }
    topic_template dest;
    std::string error;
    if (!dest.parse((bits & 4) != 0 ? "x/${inputTopic.2}" : "x/${inputTopic}", error)) std::abort();
    const kafka_to_mqtt_settings settings{&dest, (bits & 1) != 0, (bits & 2) != 0};
    kafka_record in;
    in.topic = (bits & 8) != 0 ? "a/b" : "a";
    in.headers = headers;
    in.timestamp_ms = bits;
    outbound_mqtt_publish out;
    drop_counters drops;
    if (!translate_kafka_to_mqtt(in, out, settings, drops)) return;
    for (const auto& up : out.user_properties) {
        check(is_valid_mqtt_string(up.name) && is_valid_mqtt_string(up.value));
    }
    if ((out.present & publish_properties::has_content_type) != 0) {
        check(is_valid_mqtt_string(out.content_type));
    }
    check(out.correlation_data.size() <= 65535);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto bits = static_cast<std::uint8_t>(input[0]);
    if ((bits & 0x80) == 0) {
        mqtt_to_kafka(bits, input.substr(1));
    } else {
        kafka_to_mqtt(bits, input.substr(1));
    }
    return 0;
}
