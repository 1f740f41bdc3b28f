#pragma once

#include <string_view>

namespace flowbridge::header_names {

// SPEC §3.1: the five MQTT v5 properties travel as Kafka headers with exactly these names.
inline constexpr std::string_view payload_format_indicator = "Payload Format Indicator";
inline constexpr std::string_view response_topic = "Response Topic";
inline constexpr std::string_view message_expiry_interval = "Message Expiry Interval";
inline constexpr std::string_view correlation_data = "Correlation Data";
inline constexpr std::string_view content_type = "Content Type";

// SPEC §3.2: Kafka → MQTT user properties carrying the record's key and timestamp.
inline constexpr std::string_view key = "Key";
inline constexpr std::string_view timestamp = "Timestamp";

}  // namespace flowbridge::header_names
