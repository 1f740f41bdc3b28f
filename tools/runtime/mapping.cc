#include "tools/runtime/mapping.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "engine/config/topic.h"

namespace flowbridge::runtime {

std::optional<std::uint32_t> instance_from_hostname(std::string_view hostname) {
    const auto dash = hostname.rfind('-');
    if (dash == std::string_view::npos || dash + 1 >= hostname.size()) return std::nullopt;
    const std::string_view digits = hostname.substr(dash + 1);
    if (digits.size() > 9) return std::nullopt;
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return n;
}

resolved_instance resolve_instance(std::optional<std::uint32_t> option,
                                   std::string_view hostname) {
    if (option) return {*option, instance_source::option};
    if (auto n = instance_from_hostname(hostname)) return {*n, instance_source::hostname};
    return {0, instance_source::fallback};
}

std::uint32_t shard_count(const config::dataflow& df, const config::dataflow_profile* profile,
                          std::uint32_t cpus) {
    std::optional<std::uint32_t> n = df.shards;
    if (!n && profile != nullptr) n = profile->shards;
    if (!n) return 1;
    if (*n == config::shards_auto) return std::clamp<std::uint32_t>(cpus, 1, max_auto_shards);
    return *n;
}

std::vector<std::string> subscription_filters(const config::dataflow& df,
                                              std::uint32_t instance_count, std::uint32_t shards) {
    std::vector<std::string> out;
    const bool share = instance_count > 1 || shards > 1;
    for (const std::string& f : df.source.data_sources) {
        if (config::parse_shared_filter(f)) {
            out.push_back(config::wire_filter(f));  // already shared: `$shared/` → `$share/`
        } else if (share) {
            // SPEC §2.3: a deterministic group, so every instance and shard joins the same one.
            out.push_back("$share/" + df.profile_ref + "-" + df.meta.name + "/" + f);
        } else {
            out.push_back(f);
        }
    }
    return out;
}

namespace {

bool is_managed_identity(config::auth_method m) {
    return m == config::auth_method::system_assigned_managed_identity ||
           m == config::auth_method::user_assigned_managed_identity;
}

}  // namespace

std::optional<mqtt::session_options> make_session_options(
    const config::dataflow_endpoint& ep, const session_identity& who,
    const std::vector<std::string>& filters, const mqtt_auth_environment& env,
    std::string& error) {
    if (ep.type != config::endpoint_type::mqtt) {
        error = ep.meta.display_name() + ": not an Mqtt endpoint";
        return std::nullopt;
    }
    if (ep.mqtt.protocol == config::mqtt_protocol::websockets) {
        error = ep.meta.display_name() + ": protocol WebSockets is not supported yet";
        return std::nullopt;
    }
    const config::mqtt_connection_options c = config::make_mqtt_connection_options(ep);
    mqtt::session_options o;
    o.host = c.host;
    o.port = c.port;
    o.tls.enabled = c.tls;
    if (c.tls) {
        if (c.trusted_ca_pem) o.tls.ca_pem = *c.trusted_ca_pem;
        if (c.client_certificate_pem) o.tls.client_certificate_pem = c.client_certificate_pem->reveal();
        if (c.client_key_pem) o.tls.client_key_pem = c.client_key_pem->reveal();
    }
    switch (c.auth) {
        case config::auth_method::anonymous:
            o.auth.method = mqtt::auth_method::anonymous;
            break;
        case config::auth_method::username_password:
            o.auth.method = mqtt::auth_method::username_password;
            if (c.username) o.auth.username = c.username->reveal();
            if (c.password) o.auth.password = c.password->reveal();
            break;
        case config::auth_method::x509_certificate:
            o.auth.method = mqtt::auth_method::x509;
            break;
        case config::auth_method::service_account_token:
            // SPEC §2.2: K8S-SAT, the token read from its file on every (re)connect.
            o.auth.method = mqtt::auth_method::k8s_sat;
            o.auth.token_file = env.service_account_token_file;
            break;
        case config::auth_method::system_assigned_managed_identity:
        case config::auth_method::user_assigned_managed_identity: {
            if (!env.tokens || !c.token) {
                error = ep.meta.display_name() + ": " + std::string(config::to_string(c.auth)) +
                        " needs a managed identity token provider";
                return std::nullopt;
            }
            o.auth.method = mqtt::auth_method::oauth_jwt;
            o.auth.token_provider = [provider = env.tokens, settings = *c.token] {
                return provider(settings);
            };
            break;
        }
        case config::auth_method::sasl:
            error = ep.meta.display_name() + ": Sasl is not an MQTT authentication method";
            return std::nullopt;
    }
    o.client_id = config::mqtt_client_id(c.client_id_prefix, who.dataflow, who.instance, who.shard);
    o.clean_start = c.clean_start;  // false: SPEC §4 persistent sessions
    o.session_expiry_seconds = c.session_expiry_seconds;
    o.keep_alive_seconds = c.keep_alive_seconds;
    // SPEC §2.2: maxInflightMessages is the Receive Maximum when subscribing and the in-flight
    // publish window when publishing.
    o.receive_maximum = std::max<std::uint16_t>(c.receive_maximum, 1);
    o.publish_window = o.receive_maximum;
    o.keep_retain = c.retain;
    for (const std::string& f : filters) {
        mqtt::subscription_options s;
        s.filter = f;
        s.maximum_qos = c.qos == 0 ? qos::at_most_once : qos::at_least_once;
        o.subscriptions.push_back(std::move(s));
    }
    return o;
}

std::optional<kafka::client_config> make_kafka_client_config(
    const config::dataflow_endpoint& ep, config::kafka_role role,
    std::string_view embedded_bootstrap, const kafka::property_list& extra, std::string& error,
    bool have_token_source) {
    if (ep.type != config::endpoint_type::kafka) {
        error = ep.meta.display_name() + ": not a Kafka endpoint";
        return std::nullopt;
    }
    if (!ep.kafka.embedded && is_managed_identity(ep.kafka.auth.method) && !have_token_source) {
        error = ep.meta.display_name() + ": " +
                std::string(config::to_string(ep.kafka.auth.method)) +
                " (SASL OAUTHBEARER) needs a managed identity token source";
        return std::nullopt;
    }
    const config::kafka_client_settings s = config::make_kafka_client_settings(ep, role);
    kafka::client_config out;
    if (s.embedded_cluster) {
        if (embedded_bootstrap.empty()) {
            error = ep.meta.display_name() + ": host 'embedded' but no embedded cluster is running";
            return std::nullopt;
        }
        out.properties.emplace_back("bootstrap.servers", std::string(embedded_bootstrap));
    }
    for (const config::client_property& p : s.properties.all()) {
        out.properties.emplace_back(p.name, p.value.reveal());
        if (p.value.is_secret()) out.secret_keys.push_back(p.name);
    }
    for (const auto& p : extra) out.properties.push_back(p);
    return out;
}

partition_strategy to_engine(config::partition_strategy s) noexcept {
    switch (s) {
        case config::partition_strategy::default_strategy: return partition_strategy::round_robin;
        case config::partition_strategy::static_partition: return partition_strategy::fixed;
        case config::partition_strategy::topic: return partition_strategy::topic;
        case config::partition_strategy::property: return partition_strategy::property;
    }
    return partition_strategy::round_robin;
}

batching_settings to_engine(const config::batching_settings& b) noexcept {
    constexpr std::uint64_t max32 = 0xffffffffu;
    batching_settings out;
    out.enabled = b.mode == config::batching_mode::enabled;
    out.latency_ms = b.latency_ms;
    out.max_messages = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(b.max_messages, 1, max32));
    out.max_bytes = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(b.max_bytes, 1, max32));
    return out;
}

mqtt_to_kafka_flow_settings::mqtt_to_kafka_flow_settings(const config::dataflow& df,
                                                         const config::dataflow_endpoint& dest,
                                                         std::uint32_t instance)
    : topic_(df.destination.data_destination),
      cloud_events_source_("aio://" + df.meta.name),
      key_property_(dest.kafka.partition_key_property) {
    const config::kafka_settings& k = dest.kafka;
    chain_.translation.destination_topic = topic_;
    chain_.translation.copy_mqtt_properties = k.copy_mqtt_properties;
    chain_.translation.cloud_events = k.cloud_events == config::cloud_event_attributes::create_or_remap
                                          ? cloud_events_mode::create_or_remap
                                          : cloud_events_mode::propagate;
    chain_.translation.cloud_events_source = cloud_events_source_;
    chain_.partitioning.strategy = to_engine(k.partitioning);
    chain_.partitioning.rotation = rotation_unit::per_batch;
    chain_.partitioning.key_property = key_property_;
    chain_.partitioning.instance = instance_id{instance};
    chain_.batching = to_engine(k.batching);
    // A Default turn stays on one partition for one configured batch (Kafka's sticky
    // partitioner), whatever the engine's hand-over below does (docs/translation.md).
    chain_.partitioning.turn = chain_.batching;
    // One time bound, owned by librdkafka: `linger.ms` = latencyMs already holds each batch that
    // long (client_settings.cc). The engine's batcher groups every ingress burst per partition
    // by maxMessages/maxBytes and hands it over at once; waiting latencyMs here as well made
    // records wait twice (docs/performance.md: p50 ≈ 2 × latencyMs, and records went cold).
    chain_.batching.latency_ms = 0;
}

kafka_to_mqtt_flow_settings::kafka_to_mqtt_flow_settings(const config::dataflow& df,
                                                         const config::dataflow_endpoint* source) {
    std::string error;
    if (!template_.parse(df.destination.data_destination, error)) {
        throw std::invalid_argument(df.meta.display_name() + ": dataDestination: " + error);
    }
    settings_.destination = &template_;
    settings_.restore_mqtt_properties = config::restores_mqtt_properties(df, source);
    settings_.decode_amqp_headers = config::decodes_amqp_headers(df, source);
}

}  // namespace flowbridge::runtime
