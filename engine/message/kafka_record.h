#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/message/clock.h"
#include "engine/message/ids.h"

namespace flowbridge {

/// A Kafka record header as views. A null header value is an empty view.
struct kafka_header {
    std::string_view name;
    std::string_view value;
};

/// A consumed Kafka record: every field is a view into the client library's message.
///
/// Lifetime: the Kafka transport keeps the underlying message (and the header array `headers`
/// points to) alive until the record is completed through its `tag`; only then may its offset be
/// committed (SPEC §4).
struct kafka_record {
    std::string_view topic;
    partition_id partition;
    std::int64_t offset = -1;
    std::string_view key;
    bool has_key = false;
    std::string_view value;
    std::int64_t timestamp_ms = -1;  // -1: the record carries no timestamp
    std::span<const kafka_header> headers;
    mono_ns arrival = 0;
    delivery_tag tag;
};

}  // namespace flowbridge
