#include "engine/config/render.h"

#include "engine/config/client_settings.h"

namespace flowbridge::config {

namespace {

std::string display(const sensitive_string& v) {
    if (v.is_secret()) return "***";
    const auto& s = v.reveal();
    if (s.find('\n') == std::string::npos) return s;
    std::size_t certs = 0;
    for (auto pos = s.find("-----BEGIN CERTIFICATE-----"); pos != std::string::npos;
         pos = s.find("-----BEGIN CERTIFICATE-----", pos + 1))
        ++certs;
    return "<PEM, " + std::to_string(certs) + " certificate(s), " + std::to_string(s.size()) +
           " bytes>";
}

void render_properties(std::string& out, const client_properties& props) {
    for (const auto& p : props.all()) out += "  " + p.name + " = " + display(p.value) + "\n";
}

void render_token(std::string& out, const token_settings& t) {
    out += "  [identity token]\n";
    out += "  method = " + std::string(to_string(t.method)) + "\n";
    out += "  resource = " + t.resource + "\n";
    if (!t.scope.empty()) out += "  scope = " + t.scope + "\n";
    if (!t.client_id.empty()) out += "  client_id = " + t.client_id + "\n";
    if (!t.tenant_id.empty()) out += "  tenant_id = " + t.tenant_id + "\n";
    out += "  identity_endpoint = " +
           (t.identity_endpoint.empty() ? std::string("$IDENTITY_ENDPOINT or IMDS")
                                        : t.identity_endpoint) +
           "\n";
}

void render_kafka_role(std::string& out, const dataflow_endpoint& ep, kafka_role role) {
    auto s = make_kafka_client_settings(ep, role);
    out += "  [" + std::string(to_string(role)) + ": librdkafka " +
           (role == kafka_role::source ? "consumer" : "producer") + "]\n";
    if (s.embedded_cluster)
        out += "  # host: embedded: bootstrap.servers of the in-process mock cluster\n";
    render_properties(out, s.properties);
    if (s.token) render_token(out, *s.token);
}

}  // namespace

std::string render_endpoint(const dataflow_endpoint& ep) {
    std::string out = "DataflowEndpoint " + ep.meta.namespace_name + "/" + ep.meta.name + " (" +
                      std::string(to_string(ep.type)) + ")\n";
    if (ep.type == endpoint_type::kafka) {
        bool unused = !ep.used_as_source && !ep.used_as_destination;
        if (ep.used_as_destination || unused) render_kafka_role(out, ep, kafka_role::destination);
        if (ep.used_as_source || (unused && !ep.kafka.consumer_group_id.empty()))
            render_kafka_role(out, ep, kafka_role::source);
        const auto& k = ep.kafka;
        out += "  [flowbridge]\n";
        out += "  partitionStrategy = " + std::string(to_string(k.partitioning)) + "\n";
        if (k.partitioning == partition_strategy::property)
            out += "  partitionKeyProperty = " + k.partition_key_property + "\n";
        out += "  copyMqttProperties = " +
               std::string(k.copy_mqtt_properties ? "Enabled" : "Disabled") + "\n";
        out += "  cloudEventAttributes = " + std::string(to_string(k.cloud_events)) + "\n";
        out +=
            "  decodeAmqpHeaders = " + std::string(ep.decodes_amqp_headers() ? "true" : "false") +
            "\n";
    } else {
        auto o = make_mqtt_connection_options(ep);
        out += "  [mqtt connection]\n";
        render_properties(out, o.to_properties());
        if (o.token) render_token(out, *o.token);
    }
    return out;
}

}  // namespace flowbridge::config
