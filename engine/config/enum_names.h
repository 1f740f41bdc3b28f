#pragma once

// Spellings of the model's enums: the first spelling of each value is the canonical one
// (used by to_string and in messages); later ones are accepted aliases (SPEC §2 decisions).
// Internal to engine/config.

#include <array>
#include <string_view>

#include "engine/config/model.h"

namespace flowbridge::config::detail {

template <class E>
struct enum_name {
    std::string_view name;
    E value;
    bool alias = false;  ///< accepted with a warning
};

inline constexpr std::array endpoint_type_names{
    enum_name<endpoint_type>{"Kafka", endpoint_type::kafka},
    enum_name<endpoint_type>{"Mqtt", endpoint_type::mqtt},
};
inline constexpr std::array tls_mode_names{
    enum_name<tls_mode>{"Enabled", tls_mode::enabled},
    enum_name<tls_mode>{"Disabled", tls_mode::disabled},
};
inline constexpr std::array auth_method_names{
    enum_name<auth_method>{"Anonymous", auth_method::anonymous},
    enum_name<auth_method>{"Sasl", auth_method::sasl},
    enum_name<auth_method>{"X509Certificate", auth_method::x509_certificate},
    enum_name<auth_method>{"SystemAssignedManagedIdentity",
                           auth_method::system_assigned_managed_identity},
    enum_name<auth_method>{"UserAssignedManagedIdentity",
                           auth_method::user_assigned_managed_identity},
    enum_name<auth_method>{"ServiceAccountToken", auth_method::service_account_token},
    enum_name<auth_method>{"UsernamePassword", auth_method::username_password},
};
inline constexpr std::array sasl_type_names{
    enum_name<sasl_type>{"Plain", sasl_type::plain},
    enum_name<sasl_type>{"ScramSha256", sasl_type::scram_sha_256},
    enum_name<sasl_type>{"ScramSha512", sasl_type::scram_sha_512},
};
inline constexpr std::array compression_names{
    enum_name<compression>{"None", compression::none},
    enum_name<compression>{"Gzip", compression::gzip},
    enum_name<compression>{"Snappy", compression::snappy},
    enum_name<compression>{"Lz4", compression::lz4},
    enum_name<compression>{"Zstd", compression::zstd},
};
inline constexpr std::array batching_mode_names{
    enum_name<batching_mode>{"Enabled", batching_mode::enabled},
    enum_name<batching_mode>{"Disabled", batching_mode::disabled},
};
inline constexpr std::array partition_strategy_names{
    enum_name<partition_strategy>{"Default", partition_strategy::default_strategy},
    enum_name<partition_strategy>{"Static", partition_strategy::static_partition},
    enum_name<partition_strategy>{"Topic", partition_strategy::topic},
    enum_name<partition_strategy>{"Property", partition_strategy::property},
};
inline constexpr std::array kafka_acks_names{
    enum_name<kafka_acks>{"Zero", kafka_acks::zero},
    enum_name<kafka_acks>{"One", kafka_acks::one},
    enum_name<kafka_acks>{"All", kafka_acks::all},
    // SPEC §2.1 Decision: the seed's table lists `None`; it means acks=0.
    enum_name<kafka_acks>{"None", kafka_acks::zero, true},
};
inline constexpr std::array toggle_names{
    enum_name<bool>{"Enabled", true},
    enum_name<bool>{"Disabled", false},
};
inline constexpr std::array cloud_event_attributes_names{
    enum_name<cloud_event_attributes>{"Propagate", cloud_event_attributes::propagate},
    enum_name<cloud_event_attributes>{"CreateOrRemap", cloud_event_attributes::create_or_remap},
};
inline constexpr std::array mqtt_protocol_names{
    enum_name<mqtt_protocol>{"Mqtt", mqtt_protocol::mqtt},
    enum_name<mqtt_protocol>{"WebSockets", mqtt_protocol::websockets},
};
inline constexpr std::array retain_mode_names{
    enum_name<retain_mode>{"Keep", retain_mode::keep},
    enum_name<retain_mode>{"Never", retain_mode::never},
};
inline constexpr std::array dataflow_mode_names{
    enum_name<dataflow_mode>{"Enabled", dataflow_mode::enabled},
    enum_name<dataflow_mode>{"Disabled", dataflow_mode::disabled},
};
inline constexpr std::array operation_type_names{
    enum_name<operation_type>{"Source", operation_type::source},
    enum_name<operation_type>{"Destination", operation_type::destination},
    enum_name<operation_type>{"BuiltInTransformation", operation_type::builtin_transformation},
};
inline constexpr std::array log_level_names{
    enum_name<log_level>{"trace", log_level::trace},
    enum_name<log_level>{"debug", log_level::debug},
    enum_name<log_level>{"info", log_level::info},
    enum_name<log_level>{"warn", log_level::warn},
    enum_name<log_level>{"error", log_level::error},
    enum_name<log_level>{"warning", log_level::warn, true},
};
inline constexpr std::array offset_reset_names{
    enum_name<offset_reset>{"earliest", offset_reset::earliest},
    enum_name<offset_reset>{"latest", offset_reset::latest},
};

template <class E, std::size_t N>
constexpr std::string_view canonical_name(const std::array<enum_name<E>, N>& table, E v) {
    for (const auto& e : table)
        if (e.value == v && !e.alias) return e.name;
    return "?";
}

}  // namespace flowbridge::config::detail
