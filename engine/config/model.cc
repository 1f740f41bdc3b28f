#include "engine/config/model.h"

#include "engine/config/enum_names.h"
#include "engine/config/text.h"

namespace flowbridge::config {

using namespace detail;

std::string_view to_string(endpoint_type v) { return canonical_name(endpoint_type_names, v); }
std::string_view to_string(tls_mode v) { return canonical_name(tls_mode_names, v); }
std::string_view to_string(auth_method v) { return canonical_name(auth_method_names, v); }
std::string_view to_string(sasl_type v) { return canonical_name(sasl_type_names, v); }
std::string_view to_string(compression v) { return canonical_name(compression_names, v); }
std::string_view to_string(batching_mode v) { return canonical_name(batching_mode_names, v); }
std::string_view to_string(partition_strategy v) {
    return canonical_name(partition_strategy_names, v);
}
std::string_view to_string(kafka_acks v) { return canonical_name(kafka_acks_names, v); }
std::string_view to_string(cloud_event_attributes v) {
    return canonical_name(cloud_event_attributes_names, v);
}
std::string_view to_string(mqtt_protocol v) { return canonical_name(mqtt_protocol_names, v); }
std::string_view to_string(retain_mode v) { return canonical_name(retain_mode_names, v); }
std::string_view to_string(dataflow_mode v) { return canonical_name(dataflow_mode_names, v); }
std::string_view to_string(operation_type v) { return canonical_name(operation_type_names, v); }
std::string_view to_string(log_level v) { return canonical_name(log_level_names, v); }
std::string_view to_string(offset_reset v) { return canonical_name(offset_reset_names, v); }

location object_meta::at(std::string_view path) const {
    std::string p(path);
    while (!p.empty()) {
        if (auto it = fields.find(p); it != fields.end()) return it->second;
        auto cut = p.find_last_of(".[");
        if (cut == std::string::npos) break;
        p.resize(cut);
    }
    return where;
}

bool dataflow_endpoint::is_event_hubs() const {
    if (type != endpoint_type::kafka) return false;
    for (const auto& hp : kafka.bootstrap_servers)
        if (ends_with_ignore_case(hp.host, ".servicebus.windows.net")) return true;
    return false;
}

bool dataflow_endpoint::decodes_amqp_headers() const {
    return extensions.decode_amqp_headers.value_or(is_event_hubs());
}

bool restores_mqtt_properties(const dataflow& df, const dataflow_endpoint* source) {
    if (df.restore_mqtt_properties) return *df.restore_mqtt_properties;
    return source && source->extensions.restore_mqtt_properties.value_or(false);
}

bool decodes_amqp_headers(const dataflow& df, const dataflow_endpoint* source) {
    if (df.decode_amqp_headers) return *df.decode_amqp_headers;
    return source && source->decodes_amqp_headers();
}

const dataflow_endpoint* configuration::find_endpoint(std::string_view ns,
                                                      std::string_view name) const {
    for (const auto& e : endpoints)
        if (e.meta.namespace_name == ns && e.meta.name == name) return &e;
    return nullptr;
}

const dataflow_profile* configuration::find_profile(std::string_view ns,
                                                    std::string_view name) const {
    for (const auto& p : profiles)
        if (p.meta.namespace_name == ns && p.meta.name == name) return &p;
    return nullptr;
}

}  // namespace flowbridge::config
