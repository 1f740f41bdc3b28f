#include "engine/config/validate.h"

#include <set>
#include <string>
#include <vector>

#include "engine/config/pem.h"
#include "engine/config/text.h"
#include "engine/config/topic.h"

namespace flowbridge::config {

namespace {

std::string at_file_line(const object_meta& m) {
    if (m.where.known()) return m.where.file + ":" + std::to_string(m.where.line);
    return m.where.file;
}

void error_at(diagnostics& out, const object_meta& m, std::string_view path, std::string msg) {
    out.error(m.at(path), m.field(path), std::move(msg));
}

void warning_at(diagnostics& out, const object_meta& m, std::string_view path, std::string msg) {
    out.warning(m.at(path), m.field(path), std::move(msg));
}

void note_at(diagnostics& out, const object_meta& m, std::string_view path, std::string msg) {
    out.note(m.at(path), m.field(path), std::move(msg));
}

std::string key_list(const std::map<std::string, std::string>& data) {
    if (data.empty()) return "none";
    std::string out;
    for (const auto& [k, v] : data) {
        if (!out.empty()) out += ", ";
        out += k;
    }
    return out;
}

template <class T>
void check_duplicates(std::vector<T>& items, diagnostics& out) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            const auto& a = items[j].meta;
            const auto& b = items[i].meta;
            if (a.name.empty() || a.name != b.name || a.namespace_name != b.namespace_name)
                continue;
            error_at(out, b, "metadata.name",
                     "duplicate " + b.kind + " " + b.namespace_name + "/" + b.name +
                         "; first defined at " + at_file_line(a));
            break;
        }
    }
}

// --- Endpoint resolution -------------------------------------------------------------------

std::string settings_path(const dataflow_endpoint& ep) {
    return ep.type == endpoint_type::kafka ? "spec.kafkaSettings" : "spec.mqttSettings";
}

/// A required, non-empty key of a resolved Secret.
const std::string* secret_key(const std::map<std::string, std::string>& data, const char* key) {
    auto it = data.find(key);
    return it == data.end() ? nullptr : &it->second;
}

/// SPEC §2.1 "SASL secret keys (Decision)".
void resolve_sasl(dataflow_endpoint& ep, object_store& store, diagnostics& out) {
    const std::string path = "spec.kafkaSettings.authentication.saslSettings.secretRef";
    const auto& ref = ep.kafka.auth.secret_ref;
    if (ref.empty()) return;
    auto found = store.secret(ep.meta.namespace_name, ref);
    if (!found.data) {
        error_at(out, ep.meta, path,
                 "Secret '" + ref + "' not found in namespace '" + ep.meta.namespace_name + "'" +
                     store.secrets_dir_hint());
        return;
    }
    const auto& data = *found.data;
    auto* username = secret_key(data, "username");
    auto* password = secret_key(data, "password");
    auto* token = secret_key(data, "token");
    if (username && password) {
        ep.credentials.username = sensitive_string::secret(*username);
        ep.credentials.password = sensitive_string::secret(*password);
    } else if (token) {
        ep.credentials.username = username ? sensitive_string::secret(*username)
                                           : sensitive_string::plain("$ConnectionString");
        ep.credentials.password = sensitive_string::secret(*token);
    } else {
        error_at(out, ep.meta, path,
                 "Secret '" + ref +
                     "' must have the keys username and password, or token (keys found: " +
                     key_list(data) + ")");
        return;
    }
    if (ep.credentials.password->empty())
        error_at(
            out, ep.meta, path,
            "Secret '" + ref + "' has an empty " + (password && username ? "password" : "token"));
}

/// Both X.509 layouts of SPEC §2.1: kubernetes.io/tls (`tls.crt`, `tls.key`) or
/// `client_cert.pem` + `client_key.pem` (+ `client_intermediate_certs.pem`).
void resolve_x509(dataflow_endpoint& ep, object_store& store, diagnostics& out) {
    const std::string base = settings_path(ep);
    const std::string path = base + ".authentication.x509CertificateSettings.secretRef";
    if (ep.tls().mode == tls_mode::disabled) {
        std::string tls_path = base + ".tls.mode";
        error_at(out, ep.meta, ep.meta.fields.count(tls_path) ? tls_path : path,
                 "X509Certificate authentication needs tls.mode Enabled (the client certificate "
                 "is presented in the TLS handshake)");
    }
    const auto& ref = ep.auth().secret_ref;
    if (ref.empty()) return;
    auto found = store.secret(ep.meta.namespace_name, ref);
    if (!found.data) {
        error_at(out, ep.meta, path,
                 "Secret '" + ref + "' not found in namespace '" + ep.meta.namespace_name + "'" +
                     store.secrets_dir_hint());
        return;
    }
    const auto& data = *found.data;
    const std::string *cert = nullptr, *key = nullptr, *chain = nullptr;
    std::string cert_key, key_key;
    if (secret_key(data, "tls.crt") && secret_key(data, "tls.key")) {
        cert = secret_key(data, "tls.crt");
        key = secret_key(data, "tls.key");
        cert_key = "tls.crt";
        key_key = "tls.key";
    } else if (secret_key(data, "client_cert.pem") && secret_key(data, "client_key.pem")) {
        cert = secret_key(data, "client_cert.pem");
        key = secret_key(data, "client_key.pem");
        chain = secret_key(data, "client_intermediate_certs.pem");
        cert_key = "client_cert.pem";
        key_key = "client_key.pem";
    } else {
        error_at(out, ep.meta, path,
                 "Secret '" + ref +
                     "' must have the keys tls.crt and tls.key, or client_cert.pem and "
                     "client_key.pem (keys found: " +
                     key_list(data) + ")");
        return;
    }
    bool ok = true;
    if (auto e = check_certificates_pem(*cert)) {
        error_at(out, ep.meta, path, "Secret '" + ref + "' key '" + cert_key + "' " + *e);
        ok = false;
    }
    if (chain) {
        if (auto e = check_certificates_pem(*chain)) {
            error_at(out, ep.meta, path,
                     "Secret '" + ref + "' key 'client_intermediate_certs.pem' " + *e);
            ok = false;
        }
    }
    if (auto e = check_private_key_pem(*key)) {
        error_at(out, ep.meta, path, "Secret '" + ref + "' key '" + key_key + "' " + *e);
        ok = false;
    }
    if (ok) {
        if (auto e = check_key_matches_certificate(*cert, *key)) {
            error_at(out, ep.meta, path, "Secret '" + ref + "': " + *e);
            ok = false;
        }
    }
    std::string full_chain = *cert;
    if (chain) {
        if (!full_chain.empty() && full_chain.back() != '\n') full_chain += '\n';
        full_chain += *chain;
    }
    ep.credentials.client_certificate_pem = sensitive_string::secret(std::move(full_chain));
    ep.credentials.client_key_pem = sensitive_string::secret(*key);
}

/// The MQTT `flowbridge.io/username-password-secret` annotation (SPEC §2.2 Decision).
void resolve_username_password(dataflow_endpoint& ep, object_store& store, diagnostics& out) {
    const std::string path = "metadata.annotations[\"flowbridge.io/username-password-secret\"]";
    const auto& ref = ep.extensions.username_password_secret;
    auto found = store.secret(ep.meta.namespace_name, ref);
    if (!found.data) {
        error_at(out, ep.meta, path,
                 "Secret '" + ref + "' not found in namespace '" + ep.meta.namespace_name + "'" +
                     store.secrets_dir_hint());
        return;
    }
    auto* username = secret_key(*found.data, "username");
    auto* password = secret_key(*found.data, "password");
    if (!username || !password) {
        error_at(out, ep.meta, path,
                 "Secret '" + ref + "' must have the keys username and password (keys found: " +
                     key_list(*found.data) + ")");
        return;
    }
    ep.credentials.username = sensitive_string::secret(*username);
    ep.credentials.password = sensitive_string::secret(*password);
}

/// SPEC §2.1: a ConfigMap whose values are PEM CA certificates, all keys concatenated.
void resolve_trusted_ca(dataflow_endpoint& ep, object_store& store, diagnostics& out) {
    const std::string path = settings_path(ep) + ".tls.trustedCaCertificateConfigMapRef";
    const auto& ref = ep.tls().trusted_ca_config_map_ref;
    if (ref.empty()) return;
    if (ep.tls().mode == tls_mode::disabled) {
        warning_at(out, ep.meta, path, "ignored: tls.mode is Disabled");
        return;
    }
    auto found = store.config_map(ep.meta.namespace_name, ref);
    if (!found.data) {
        error_at(out, ep.meta, path,
                 "ConfigMap '" + ref + "' not found in namespace '" + ep.meta.namespace_name + "'" +
                     store.configmaps_dir_hint());
        return;
    }
    if (found.data->empty()) {
        error_at(out, ep.meta, path,
                 "ConfigMap '" + ref + "' has no keys; expected PEM CA certificates");
        return;
    }
    std::string bundle;
    for (const auto& [key, value] : *found.data) {
        if (auto e = check_certificates_pem(value)) {
            error_at(out, ep.meta, path, "ConfigMap '" + ref + "' key '" + key + "' " + *e);
            continue;
        }
        bundle += value;
        if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
    }
    ep.credentials.trusted_ca_pem = std::move(bundle);
}

void resolve_endpoint(dataflow_endpoint& ep, object_store& store, diagnostics& out) {
    const auto& auth = ep.auth();
    if (ep.type == endpoint_type::kafka && ep.kafka.embedded) {
        // SPEC §7: `host: embedded` is an in-process mock cluster, plaintext and anonymous.
        if (auth.method != auth_method::anonymous)
            warning_at(out, ep.meta, "spec.kafkaSettings.authentication.method",
                       "ignored: host 'embedded' is an in-process mock cluster without "
                       "authentication");
        if (ep.meta.fields.count("spec.kafkaSettings.tls"))
            warning_at(out, ep.meta, "spec.kafkaSettings.tls",
                       "ignored: host 'embedded' is an in-process mock cluster without TLS");
        return;
    }
    switch (auth.method) {
        case auth_method::sasl:
            if (ep.type == endpoint_type::kafka) resolve_sasl(ep, store, out);
            break;
        case auth_method::x509_certificate:
            resolve_x509(ep, store, out);
            break;
        case auth_method::username_password:
            resolve_username_password(ep, store, out);
            break;
        default:
            break;
    }
    resolve_trusted_ca(ep, store, out);

    const std::string base = settings_path(ep);
    bool identity = auth.method == auth_method::system_assigned_managed_identity ||
                    auth.method == auth_method::user_assigned_managed_identity ||
                    auth.method == auth_method::service_account_token ||
                    auth.method == auth_method::sasl ||
                    auth.method == auth_method::username_password;
    if (identity && ep.tls().mode == tls_mode::disabled) {
        warning_at(out, ep.meta, base + ".tls.mode",
                   "credentials of authentication method " + std::string(to_string(auth.method)) +
                       " will be sent without TLS");
    }
    if (ep.is_event_hubs()) {
        if (ep.kafka.tls.mode == tls_mode::disabled)
            warning_at(out, ep.meta, base + ".tls.mode", "Event Hubs accepts only TLS connections");
        if (auth.method == auth_method::anonymous || auth.method == auth_method::x509_certificate)
            warning_at(out, ep.meta, base + ".authentication.method",
                       "Event Hubs needs Sasl (connection string) or a managed identity");
    }
    if (!ep.extensions.identity_endpoint.empty() &&
        auth.method != auth_method::system_assigned_managed_identity &&
        auth.method != auth_method::user_assigned_managed_identity) {
        warning_at(out, ep.meta, "metadata.annotations[\"flowbridge.io/identity-endpoint\"]",
                   "ignored: authentication.method is not a managed identity");
    }
}

// --- Dataflows -----------------------------------------------------------------------------

dataflow_endpoint* find_endpoint(configuration& cfg, std::string_view ns, std::string_view name) {
    for (auto& e : cfg.endpoints)
        if (e.meta.namespace_name == ns && e.meta.name == name) return &e;
    return nullptr;
}

std::string not_found_message(const configuration& cfg, std::string_view kind, std::string_view ns,
                              std::string_view name) {
    std::string msg = std::string(kind) + " '" + std::string(name) + "' not found in namespace '" +
                      std::string(ns) + "'";
    for (const auto& e : cfg.endpoints) {
        if (kind == "DataflowEndpoint" && e.meta.name == name) {
            msg += " (there is one in namespace '" + e.meta.namespace_name +
                   "'; references resolve in the referencing resource's own namespace)";
            break;
        }
    }
    return msg;
}

void check_sources(const dataflow& df, const dataflow_endpoint& src, diagnostics& out) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < df.source.data_sources.size(); ++i) {
        const auto& topic = df.source.data_sources[i];
        std::string path = df.source.path + ".dataSources[" + std::to_string(i) + "]";
        if (!seen.insert(topic).second) {
            warning_at(out, df.meta, path, "duplicate source " + quoted(topic));
            continue;
        }
        std::optional<std::string> e;
        if (src.type == endpoint_type::kafka) {
            if (parse_shared_filter(topic))
                e = "shared subscriptions ($share/, $shared/) apply to MQTT sources; a Kafka "
                    "source is consumed in the consumer group of its endpoint";
            else
                e = check_kafka_topic(topic);
        } else {
            e = check_mqtt_topic_filter(topic);
        }
        if (e) error_at(out, df.meta, path, *e);
    }
}

void check_destination(const dataflow& df, const dataflow_endpoint* src,
                       const dataflow_endpoint& dst, diagnostics& out) {
    const std::string path = df.destination.path + ".dataDestination";
    const auto& topic = df.destination.data_destination;
    if (topic.empty()) return;
    if (dst.type == endpoint_type::kafka) {
        if (auto e = check_kafka_destination(topic)) error_at(out, df.meta, path, *e);
        return;
    }
    std::size_t max_segment = 0;
    if (auto e = check_mqtt_topic_template(topic, &max_segment)) {
        error_at(out, df.meta, path, *e);
        return;
    }
    if (max_segment == 0 || !src) return;
    // `${inputTopic.N}` must exist in every topic the source can deliver.
    for (const auto& s : df.source.data_sources) {
        std::optional<std::size_t> levels = src->type == endpoint_type::kafka
                                                ? std::optional<std::size_t>(1)
                                                : exact_level_count(s);
        if (levels && *levels < max_segment) {
            error_at(out, df.meta, path,
                     "${inputTopic." + std::to_string(max_segment) + "} needs at least " +
                         std::to_string(max_segment) + " topic levels, but source " + quoted(s) +
                         " has " + std::to_string(*levels));
            break;
        }
    }
}

struct endpoint_use {
    const dataflow* as_source = nullptr;
    const dataflow* as_destination = nullptr;
};

void check_dataflow(configuration& cfg, const dataflow& df,
                    std::map<const dataflow_endpoint*, endpoint_use>& uses, diagnostics& out) {
    const auto& ns = df.meta.namespace_name;
    if (df.profile_ref != default_profile_name && !cfg.find_profile(ns, df.profile_ref)) {
        error_at(out, df.meta, "spec.profileRef",
                 "DataflowProfile '" + df.profile_ref + "' not found in namespace '" + ns + "'");
    }
    dataflow_endpoint* src = nullptr;
    dataflow_endpoint* dst = nullptr;
    if (df.has_source && !df.source.endpoint_ref.empty()) {
        src = find_endpoint(cfg, ns, df.source.endpoint_ref);
        if (!src)
            error_at(out, df.meta, df.source.path + ".endpointRef",
                     not_found_message(cfg, "DataflowEndpoint", ns, df.source.endpoint_ref));
    }
    if (df.has_destination && !df.destination.endpoint_ref.empty()) {
        dst = find_endpoint(cfg, ns, df.destination.endpoint_ref);
        if (!dst)
            error_at(out, df.meta, df.destination.path + ".endpointRef",
                     not_found_message(cfg, "DataflowEndpoint", ns, df.destination.endpoint_ref));
    }
    if (src) {
        src->used_as_source = true;
        if (!uses[src].as_source) uses[src].as_source = &df;
        check_sources(df, *src, out);
    }
    if (dst) {
        dst->used_as_destination = true;
        if (!uses[dst].as_destination) uses[dst].as_destination = &df;
        check_destination(df, src, *dst, out);
    }
    // SPEC §2.3: MQTT → Kafka, Kafka → MQTT and MQTT → MQTT.
    if (src && dst && src->type == endpoint_type::kafka && dst->type == endpoint_type::kafka) {
        error_at(out, df.meta, df.destination.path + ".endpointRef",
                 "Kafka → Kafka dataflows are not supported; one side must be an MQTT endpoint");
    }
}

/// SPEC §2.1: settings that apply to one role are accepted in the other and ignored — said at
/// note level, and the one hard rule: a Kafka source needs consumerGroupId.
void check_roles(const dataflow_endpoint& ep, const endpoint_use& use, diagnostics& out) {
    if (ep.type != endpoint_type::kafka) return;
    const auto& k = ep.kafka;
    if (use.as_source && k.consumer_group_id.empty()) {
        error_at(out, ep.meta, "spec.kafkaSettings.consumerGroupId",
                 "required because this endpoint is the source of Dataflow " +
                     use.as_source->meta.namespace_name + "/" + use.as_source->meta.name + " (" +
                     at_file_line(use.as_source->meta) + ")");
    }
    if (use.as_source && !use.as_destination) {
        for (auto f : {"compression", "batching", "partitionStrategy", "partitionKeyProperty",
                       "kafkaAcks", "copyMqttProperties", "cloudEventAttributes"}) {
            std::string path = std::string("spec.kafkaSettings.") + f;
            if (ep.meta.fields.count(path))
                note_at(out, ep.meta, path,
                        "ignored: applies to destinations, and this endpoint is only used as a "
                        "source");
        }
    }
    if (use.as_destination && !use.as_source && !k.consumer_group_id.empty()) {
        note_at(out, ep.meta, "spec.kafkaSettings.consumerGroupId",
                "ignored: applies to sources, and this endpoint is only used as a destination");
    }
}

}  // namespace

void validate_configuration(configuration& cfg, object_store& store, diagnostics& out) {
    check_duplicates(cfg.endpoints, out);
    check_duplicates(cfg.dataflows, out);
    check_duplicates(cfg.profiles, out);
    check_duplicates(cfg.secrets, out);
    check_duplicates(cfg.config_maps, out);

    // SPEC §2.4: a profile named `default` exists implicitly in every namespace that uses it.
    for (const auto& df : cfg.dataflows) {
        if (df.profile_ref != default_profile_name) continue;
        if (cfg.find_profile(df.meta.namespace_name, default_profile_name)) continue;
        dataflow_profile p;
        p.meta.kind = "DataflowProfile";
        p.meta.name = std::string(default_profile_name);
        p.meta.namespace_name = df.meta.namespace_name;
        p.implicit = true;
        cfg.profiles.push_back(std::move(p));
    }

    std::map<const dataflow_endpoint*, endpoint_use> uses;
    for (const auto& df : cfg.dataflows) check_dataflow(cfg, df, uses, out);
    for (auto& ep : cfg.endpoints) {
        resolve_endpoint(ep, store, out);
        check_roles(ep, uses[&ep], out);
    }
}

}  // namespace flowbridge::config
