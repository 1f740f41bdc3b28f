#include "engine/stages/mqtt_to_kafka.h"

#include <array>
#include <charconv>

#include "engine/stages/header_names.h"

namespace flowbridge {

namespace {

// Where translation formats values inside outbound_kafka_record::scratch.
constexpr std::size_t expiry_offset = 0;  // up to 10 digits
constexpr std::size_t uuid_offset = 16;   // 36 characters
constexpr std::size_t time_offset = 56;   // 24 characters
static_assert(time_offset + 24 <= outbound_kafka_record::scratch_size);

// SPEC §3.2a: CloudEvents attributes and their Kafka binding names.
struct cloud_event_attribute {
    std::string_view name;
    std::string_view header;  // empty: datacontenttype, which becomes `Content Type`
};
constexpr std::array<cloud_event_attribute, 8> cloud_event_attributes{{
    {"specversion", "ce_specversion"},
    {"type", "ce_type"},
    {"source", "ce_source"},
    {"id", "ce_id"},
    {"subject", "ce_subject"},
    {"time", "ce_time"},
    {"datacontenttype", ""},
    {"dataschema", "ce_dataschema"},
}};
constexpr unsigned ce_required_mask = 0b1111;  // specversion, type, source, id
constexpr int ce_subject = 4;
constexpr int ce_time = 5;
constexpr int ce_datacontenttype = 6;

// Called for every user property: decided by the length first, then at most two comparisons.
inline int cloud_event_index(std::string_view name) noexcept {
    switch (name.size()) {
        case 2: return name == "id" ? 3 : -1;
        case 4: return name == "type" ? 1 : name == "time" ? 5 : -1;
        case 6: return name == "source" ? 2 : -1;
        case 7: return name == "subject" ? 4 : -1;
        case 10: return name == "dataschema" ? 7 : -1;
        case 11: return name == "specversion" ? 0 : -1;
        case 15: return name == "datacontenttype" ? 6 : -1;
        default: return -1;
    }
}

// SPEC §3.1 (Decision): a user property named like one of the five property headers is shadowed
// when the message carries that MQTT property: the property wins.
bool is_shadowed(std::string_view name, const publish_properties& p) noexcept {
    using pp = publish_properties;
    if (name.size() < 12 || name.size() > 24) return false;  // cheap reject: lengths 12..24
    return (name == header_names::payload_format_indicator && p.has(pp::has_payload_format)) ||
           (name == header_names::response_topic && p.has(pp::has_response_topic)) ||
           (name == header_names::message_expiry_interval && p.has(pp::has_message_expiry)) ||
           (name == header_names::correlation_data && p.has(pp::has_correlation_data)) ||
           (name == header_names::content_type && p.has(pp::has_content_type));
}

}  // namespace

void translate_mqtt_to_kafka(const mqtt_message& in, outbound_kafka_record& record,
                             const mqtt_to_kafka_settings& settings, drop_counters& drops,
                             uuid_source* ids) noexcept {
    record.topic = settings.destination_topic;
    record.value = in.payload;                      // SPEC §3.1: byte for byte
    record.timestamp_ms = in.arrival_wall_ms;       // SPEC §3.1: CreateTime = receive time
    record.arrival = in.arrival;
    record.tag = in.tag;
    record.headers.clear();
    record.expiry_header = -1;
    // SPEC §3.3: kept for the checks at hand-off, whether or not it becomes a header.
    record.has_expiry = in.properties.has(publish_properties::has_message_expiry);
    record.expiry_interval = in.properties.message_expiry_interval;

    std::size_t bytes = record.value.size();
    auto emit = [&record, &bytes](std::string_view name, std::string_view value) noexcept {
        record.headers.append(name, value);
        bytes += name.size() + value.size();
    };

    if (!settings.copy_mqtt_properties) {  // SPEC §3.1: Disabled → no headers at all
        record.bytes = static_cast<std::uint32_t>(record.value.size());
        return;
    }

    // Room for every header this message can produce: the five properties, its user
    // properties, and room for the CloudEvents attributes CreateOrRemap may add (Propagate only
    // renames or drops). Allocates only the first time a slot sees that many.
    const bool create = settings.cloud_events == cloud_events_mode::create_or_remap;
    record.headers.ensure(5 + in.properties.user_property_count + (create ? 7 : 0));

    // SPEC §3.1: the MQTT v5 properties, under their exact names. Topic Alias and Subscription
    // Identifier are never forwarded.
    const publish_properties& p = in.properties;
    using pp = publish_properties;
    if (p.has(pp::has_payload_format)) {
        emit(header_names::payload_format_indicator, p.payload_format_indicator ? "1" : "0");
    }
    if (p.has(pp::has_response_topic)) emit(header_names::response_topic, p.response_topic);
    if (p.has(pp::has_message_expiry)) {
        // Stamped with the full interval now; restamp_expiry() rewrites it at hand-off (SPEC §3.3).
        char* first = record.scratch + expiry_offset;
        const auto [last, ec] = std::to_chars(first, first + 10, p.message_expiry_interval);
        (void)ec;
        record.expiry_header = static_cast<std::int16_t>(record.headers.size());
        emit(header_names::message_expiry_interval,
             std::string_view(first, static_cast<std::size_t>(last - first)));
    }
    if (p.has(pp::has_correlation_data)) emit(header_names::correlation_data, p.correlation_data);
    if (p.has(pp::has_content_type)) emit(header_names::content_type, p.content_type);

    // SPEC §3.1: every user property in order, duplicates preserved — one pass over the block.
    unsigned ce_seen = 0;  // which CloudEvents attributes appear (SPEC §3.2a)
    const std::size_t first_user_header = record.headers.size();
    if (p.user_property_count != 0) {
        for (const user_property& up : p.user_properties()) {
            if (is_shadowed(up.name, p)) {
                drops.add(drop_reason::header_shadowed);
                continue;
            }
            const int i = cloud_event_index(up.name);
            if (i >= 0) ce_seen |= 1u << i;
            emit(up.name, up.value);
        }
    }

    // SPEC §3.2a: CloudEvents attributes take their Kafka binding names when the four required
    // ones are present (Propagate), or always (CreateOrRemap, which also creates missing ones).
    if (ce_seen != 0 && (create || (ce_seen & ce_required_mask) == ce_required_mask)) {
        std::size_t kept = first_user_header;
        for (std::size_t h = first_user_header; h < record.headers.size(); ++h) {
            kafka_header header = record.headers[h];
            const int i = cloud_event_index(header.name);
            if (i == ce_datacontenttype) {
                if (p.has(pp::has_content_type)) {
                    drops.add(drop_reason::header_shadowed);  // the MQTT property wins
                    continue;
                }
                header.name = header_names::content_type;
            } else if (i >= 0) {
                header.name = cloud_event_attributes[static_cast<std::size_t>(i)].header;
            }
            record.headers[kept++] = header;
        }
        record.headers.resize(kept);
        bytes = record.accounted_bytes();  // names changed, some headers went
    }

    if (create) {
        auto missing = [ce_seen](int i) noexcept { return (ce_seen & (1u << i)) == 0; };
        if (missing(0)) emit("ce_specversion", "1.0");
        if (missing(1)) emit("ce_type", "ms.aio-dataflow.telemetry");
        if (missing(2)) emit("ce_source", settings.cloud_events_source);
        if (missing(3) && ids != nullptr) {
            ids->next(record.scratch + uuid_offset);
            emit("ce_id", std::string_view(record.scratch + uuid_offset, 36));
        }
        if (missing(ce_subject)) emit("ce_subject", in.topic);
        if (missing(ce_time)) {
            const std::size_t n = format_rfc3339_ms(in.arrival_wall_ms, record.scratch + time_offset);
            emit("ce_time", std::string_view(record.scratch + time_offset, n));
        }
        // datacontenttype = the Content Type property, already emitted as `Content Type`.
    }
    record.bytes = static_cast<std::uint32_t>(bytes);
}

uuid_source::uuid_source(std::uint64_t seed) noexcept {
    // splitmix64 expands the seed into the generator's state.
    for (auto& s : s_) {
        seed += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s = z ^ (z >> 31);
    }
}

std::uint64_t uuid_source::next_u64() noexcept {
    auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

void uuid_source::next(char* out) noexcept {
    std::uint8_t b[16];
    const std::uint64_t hi = next_u64();
    const std::uint64_t lo = next_u64();
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(hi >> (8 * i));
        b[8 + i] = static_cast<std::uint8_t>(lo >> (8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // RFC 4122 version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    constexpr char hex[] = "0123456789abcdef";
    std::size_t o = 0;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0F];
    }
}

std::size_t format_rfc3339_ms(std::int64_t unix_ms, char* out) noexcept {
    std::int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    const int ms = static_cast<int>(unix_ms - secs * 1000);
    std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const int sod = static_cast<int>(secs - days * 86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);

    auto put = [&out](std::size_t at, unsigned value, int width) noexcept {
        for (int i = width - 1; i >= 0; --i) {
            out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, static_cast<unsigned>(year), 4);
    out[4] = '-';
    put(5, month, 2);
    out[7] = '-';
    put(8, day, 2);
    out[10] = 'T';
    put(11, static_cast<unsigned>(sod / 3600), 2);
    out[13] = ':';
    put(14, static_cast<unsigned>(sod / 60 % 60), 2);
    out[16] = ':';
    put(17, static_cast<unsigned>(sod % 60), 2);
    out[19] = '.';
    put(20, static_cast<unsigned>(ms), 3);
    out[23] = 'Z';
    return 24;
}

}  // namespace flowbridge
