#include "engine/config/client_settings.h"

#include <algorithm>

#include "engine/config/text.h"

namespace flowbridge::config {

std::string_view to_string(kafka_role r) {
    return r == kafka_role::source ? "source" : "destination";
}

void client_properties::set(std::string name, std::string value) {
    set(std::move(name), sensitive_string::plain(std::move(value)));
}

void client_properties::set(std::string name, sensitive_string value) {
    for (auto& p : items_) {
        if (p.name == name) {
            p.value = std::move(value);
            return;
        }
    }
    items_.push_back({std::move(name), std::move(value)});
}

const client_property* client_properties::find(std::string_view name) const {
    for (const auto& p : items_)
        if (p.name == name) return &p;
    return nullptr;
}

std::string client_properties::value(std::string_view name) const {
    auto* p = find(name);
    return p ? p->value.reveal() : std::string();
}

namespace {

std::string bootstrap_list(const std::vector<host_port>& servers) {
    std::string out;
    for (const auto& hp : servers) {
        if (!out.empty()) out += ',';
        bool v6 = hp.host.find(':') != std::string::npos;
        out += v6 ? "[" + hp.host + "]" : hp.host;
        out += ':';
        out += std::to_string(hp.port);
    }
    return out;
}

std::string_view compression_codec(compression c) {
    switch (c) {
        case compression::none:
            return "none";
        case compression::gzip:
            return "gzip";
        case compression::snappy:
            return "snappy";
        case compression::lz4:
            return "lz4";
        case compression::zstd:
            return "zstd";
    }
    return "none";
}

std::string_view acks_value(kafka_acks a) {
    // SPEC §2.1 Decision: Zero → 0, One → 1 (leader only), All → all (-1).
    switch (a) {
        case kafka_acks::zero:
            return "0";
        case kafka_acks::one:
            return "1";
        case kafka_acks::all:
            return "all";
    }
    return "all";
}

std::string_view sasl_mechanism(sasl_type t) {
    switch (t) {
        case sasl_type::plain:
            return "PLAIN";
        case sasl_type::scram_sha_256:
            return "SCRAM-SHA-256";
        case sasl_type::scram_sha_512:
            return "SCRAM-SHA-512";
    }
    return "PLAIN";
}

bool is_managed_identity(auth_method m) {
    return m == auth_method::system_assigned_managed_identity ||
           m == auth_method::user_assigned_managed_identity;
}

/// SPEC §2.1 / §6 defaults: the SAMI audience is `https://<host>`, the UAMI scope
/// `https://<host>/.default`; the IMDS resource of a scope is the scope without `/.default`.
token_settings make_token(const authentication& auth, const std::string& default_resource,
                          const endpoint_extensions& ext) {
    token_settings t;
    t.method = auth.method;
    t.identity_endpoint = ext.identity_endpoint;
    if (auth.method == auth_method::system_assigned_managed_identity) {
        t.resource = auth.audience.empty() ? default_resource : auth.audience;
    } else {
        t.client_id = auth.client_id;
        t.tenant_id = auth.tenant_id;
        t.scope = auth.scope.empty() ? default_resource + "/.default" : auth.scope;
        t.resource = t.scope;
        constexpr std::string_view suffix = "/.default";
        if (t.resource.size() > suffix.size() && t.resource.ends_with(suffix))
            t.resource.resize(t.resource.size() - suffix.size());
    }
    return t;
}

}  // namespace

kafka_client_settings make_kafka_client_settings(const dataflow_endpoint& ep, kafka_role role) {
    kafka_client_settings s;
    s.role = role;
    const auto& k = ep.kafka;
    auto& p = s.properties;
    const auto& cred = ep.credentials;
    const bool tls = k.tls.mode == tls_mode::enabled && !k.embedded;
    const auto method = k.auth.method;

    if (k.embedded) {
        s.embedded_cluster = true;  // the transport points bootstrap.servers at its mock cluster
    } else {
        p.set("bootstrap.servers", bootstrap_list(k.bootstrap_servers));
    }
    p.set("client.id", "flowbridge-" + ep.meta.name);

    const bool sasl = !k.embedded && (method == auth_method::sasl || is_managed_identity(method));
    p.set("security.protocol",
          sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : (tls ? "SSL" : "PLAINTEXT"));
    if (sasl && method == auth_method::sasl) {
        p.set("sasl.mechanisms", std::string(sasl_mechanism(k.auth.sasl)));
        if (cred.username) p.set("sasl.username", *cred.username);
        if (cred.password) p.set("sasl.password", *cred.password);
    } else if (sasl) {
        // SPEC §2.1: managed identities are OAUTHBEARER with tokens flowbridge fetches and
        // refreshes (the transport installs the token refresh callback).
        p.set("sasl.mechanisms", "OAUTHBEARER");
        s.token = make_token(k.auth, "https://" + first_host(k.host), ep.extensions);
    }
    if (tls) {
        if (cred.trusted_ca_pem) p.set("ssl.ca.pem", *cred.trusted_ca_pem);
        if (method == auth_method::x509_certificate) {
            if (cred.client_certificate_pem)
                p.set("ssl.certificate.pem", *cred.client_certificate_pem);
            if (cred.client_key_pem) p.set("ssl.key.pem", *cred.client_key_pem);
        }
    }
    // Event Hubs closes idle connections after 240 s; Microsoft's recommended client settings.
    if (ep.is_event_hubs()) {
        p.set("socket.keepalive.enable", "true");
        p.set("metadata.max.age.ms", "180000");
        p.set("connections.max.idle.ms", "180000");
    }
    p.set("socket.nagle.disable", "true");

    if (role == kafka_role::destination) {
        const auto& b = k.batching;
        p.set("compression.codec", std::string(compression_codec(k.codec)));
        std::uint64_t batch_messages =
            std::clamp<std::uint64_t>(b.max_messages, 1, librdkafka_max_batch_num_messages);
        if (b.mode == batching_mode::disabled) {
            // SPEC §2.1: every message is its own batch.
            p.set("linger.ms", "0");
            batch_messages = 1;
        } else {
            p.set("linger.ms", std::to_string(b.latency_ms));
        }
        p.set("batch.num.messages", std::to_string(batch_messages));
        p.set("batch.size",
              std::to_string(std::clamp<std::uint64_t>(b.max_bytes, 1, librdkafka_max_batch_size)));
        p.set("acks", std::string(acks_value(k.acks)));
        // Idempotence needs acks=all; Event Hubs does not support it (SPEC §2.1).
        bool idempotent = k.acks == kafka_acks::all && !ep.is_event_hubs();
        p.set("enable.idempotence", idempotent ? "true" : "false");
        p.set("queue.buffering.max.messages",
              std::to_string(std::max(producer_queue_min_messages, 2 * batch_messages)));
    } else {
        p.set("group.id", k.consumer_group_id);
        // SPEC §4: offsets are stored and committed by flowbridge only after delivery.
        p.set("enable.auto.commit", "false");
        p.set("enable.auto.offset.store", "false");
        p.set("auto.offset.reset", std::string(to_string(ep.extensions.auto_offset_reset)));
    }
    return s;
}

mqtt_connection_options make_mqtt_connection_options(const dataflow_endpoint& ep) {
    const auto& m = ep.mqtt;
    mqtt_connection_options o;
    o.host = m.address.host;
    o.port = m.address.port;
    o.tls = m.tls.mode == tls_mode::enabled;
    if (o.tls) {
        o.trusted_ca_pem = ep.credentials.trusted_ca_pem;
        if (m.auth.method == auth_method::x509_certificate) {
            o.client_certificate_pem = ep.credentials.client_certificate_pem;
            o.client_key_pem = ep.credentials.client_key_pem;
        }
    }
    o.client_id_prefix = m.client_id_prefix;
    o.auth = m.auth.method;
    switch (m.auth.method) {
        case auth_method::service_account_token:
            o.authentication_method = "K8S-SAT";
            o.service_account_audience = m.auth.audience;
            break;
        case auth_method::system_assigned_managed_identity:
        case auth_method::user_assigned_managed_identity:
            // Decision: Event Grid's audience is the default for MQTT managed identities.
            o.authentication_method = "OAUTH2-JWT";
            o.token = make_token(m.auth, "https://eventgrid.azure.net", ep.extensions);
            break;
        case auth_method::username_password:
            o.username = ep.credentials.username;
            o.password = ep.credentials.password;
            break;
        default:
            break;
    }
    o.qos = m.qos;
    o.retain = m.retain == retain_mode::keep;
    o.session_expiry_seconds = m.session_expiry_seconds;
    o.keep_alive_seconds = m.keep_alive_seconds;
    o.receive_maximum = m.max_inflight_messages;
    return o;
}

client_properties mqtt_connection_options::to_properties() const {
    client_properties p;
    bool v6 = host.find(':') != std::string::npos;
    p.set("server", (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port));
    p.set("tls", tls ? "true" : "false");
    if (trusted_ca_pem) p.set("tls.trusted_ca.pem", *trusted_ca_pem);
    if (client_certificate_pem) p.set("tls.client_certificate.pem", *client_certificate_pem);
    if (client_key_pem) p.set("tls.client_key.pem", *client_key_pem);
    p.set("protocol_version", "5");
    p.set("client_id", client_id_prefix + "<dataflow>-<instance>[-<shard>]");
    p.set("auth", std::string(to_string(auth)));
    if (!authentication_method.empty()) p.set("authentication_method", authentication_method);
    if (!service_account_audience.empty())
        p.set("service_account_token.audience", service_account_audience);
    if (username) p.set("username", *username);
    if (password) p.set("password", *password);
    p.set("clean_start", clean_start ? "true" : "false");
    p.set("session_expiry_interval", std::to_string(session_expiry_seconds));
    p.set("keep_alive", std::to_string(keep_alive_seconds));
    p.set("receive_maximum", std::to_string(receive_maximum));
    p.set("qos", std::to_string(qos));
    p.set("retain", retain ? "Keep" : "Never");
    return p;
}

std::string mqtt_client_id(std::string_view prefix, std::string_view dataflow,
                           std::uint32_t instance, std::optional<std::uint32_t> shard) {
    std::string id(prefix);
    id += dataflow;
    id += '-';
    id += std::to_string(instance);
    if (shard) {
        id += '-';
        id += std::to_string(*shard);
    }
    return id;
}

}  // namespace flowbridge::config
