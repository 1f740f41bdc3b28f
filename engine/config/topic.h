#pragma once

// Topic rules of SPEC §2.3: MQTT topic filters (with `$shared/` and `$share/` shared
// subscriptions), Kafka topic names, and MQTT destination templates with `${inputTopic}` /
// `${inputTopic.N}`. Pure functions; each check returns nullopt when valid, else the reason.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flowbridge::config {

/// A `$shared/<group>/<filter>` or `$share/<group>/<filter>` source (MQTT v5 §4.8.2).
struct shared_filter {
    std::string group;
    std::string filter;
};

/// nullopt when `filter` is not written as a shared subscription.
std::optional<shared_filter> parse_shared_filter(std::string_view filter);

/// What goes on the wire in SUBSCRIBE: `$shared/` is rewritten to `$share/` (SPEC §2.3).
std::string wire_filter(std::string_view filter);

/// MQTT v5 §4.7: UTF-8, 1..65535 bytes, no U+0000, `#` last and alone in its level, `+` alone
/// in its level; shared subscriptions need a non-empty group without `/`, `+`, `#`.
std::optional<std::string> check_mqtt_topic_filter(std::string_view filter);

/// Kafka topic names: 1..249 characters of [a-zA-Z0-9._-], not `.` or `..`, no wildcards.
std::optional<std::string> check_kafka_topic(std::string_view topic);

/// An MQTT destination topic: no wildcards, and `${...}` only as `${inputTopic}` or
/// `${inputTopic.N}` with N ≥ 1. `max_segment` receives the largest N used (0 if none).
std::optional<std::string> check_mqtt_topic_template(std::string_view topic,
                                                     std::size_t* max_segment = nullptr);

/// Kafka destination topics are static: no wildcards and no `${...}` template.
std::optional<std::string> check_kafka_destination(std::string_view topic);

/// The number of topic levels every topic matched by `filter` has, or nullopt when it varies
/// (the filter contains `#`). The shared-subscription prefix is not counted.
std::optional<std::size_t> exact_level_count(std::string_view filter);

/// Resolves `${inputTopic}` / `${inputTopic.N}` against `input_topic` (SPEC §3.2). nullopt when
/// a segment N does not exist. Precondition: check_mqtt_topic_template(tmpl) succeeded.
std::optional<std::string> expand_topic_template(std::string_view tmpl,
                                                 std::string_view input_topic);

/// Whether `s` is well-formed UTF-8 (no surrogates, no overlongs).
bool is_valid_utf8(std::string_view s);

}  // namespace flowbridge::config
