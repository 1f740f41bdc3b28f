#pragma once

// How the Kafka transport classifies a librdkafka error for the engine: the engine only knows
// `completion::failed` (the MQTT source then leaves the message unacknowledged and the broker
// redelivers it), but operators and counters need to know whether waiting helps.

#include <cstdint>
#include <string>
#include <string_view>

namespace flowbridge::kafka {

enum class error_class : std::uint8_t {
    none,       // success
    retriable,  // transient: broker down, leader moving, timed out, purged at shutdown
    fatal,      // will fail again: authorization, record too large, unknown partition, fatal producer
};

/// A per-message failure as reported to the completion callback: the librdkafka error code
/// (rd_kafka_resp_err_t as an int, so that this header needs no librdkafka) and its class.
struct delivery_error {
    int code = 0;
    error_class kind = error_class::none;
    explicit operator bool() const noexcept { return code != 0; }
};

/// Classifies a librdkafka error code (rd_kafka_resp_err_t) met in a delivery report or when
/// enqueueing a record. A message that timed out in librdkafka (`_MSG_TIMED_OUT`) is retriable:
/// it was never acknowledged, so it is reported failed, never delivered.
error_class classify(int code) noexcept;

/// librdkafka's short name for a code (e.g. `_MSG_TIMED_OUT`, `NOT_LEADER_FOR_PARTITION`).
std::string_view error_name(int code) noexcept;

/// `NAME: description` for messages and logs.
std::string describe(int code);

std::string_view to_string(error_class c) noexcept;

}  // namespace flowbridge::kafka
