// Effective client settings (SPEC §2.1, §2.2): every authentication method × TLS mode,
// compression, acks, batching (including Disabled and the librdkafka clamps), Event Hubs,
// consumer settings, identity tokens and MQTT connection options. The librdkafka test feeds
// every rendered property to librdkafka itself, so a misspelt name or an out-of-range value
// fails here rather than at start-up.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "engine/config/client_settings.h"
#include "tests/unit/engine/config/config_test_support.h"

namespace flowbridge::config {
namespace {

using namespace testing;

std::string certs(const std::string& name) { return read_text(config_data("certs/" + name)); }

std::string indent(const std::string& text, int n) {
    std::string out, pad(n, ' ');
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        out += pad + text.substr(pos, end - pos) + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

/// The Secrets and ConfigMap every auth case may reference.
std::string support_objects() {
    return "---\napiVersion: v1\nkind: Secret\nmetadata: {name: sasl}\n"
           "stringData: {username: user-1, password: pass-1}\n"
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: tls-client}\n"
           "type: kubernetes.io/tls\nstringData:\n  tls.crt: |\n" +
           indent(certs("client.crt"), 4) + "  tls.key: |\n" + indent(certs("client.key"), 4) +
           "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ca}\ndata:\n  ca.crt: |\n" +
           indent(certs("ca.crt"), 4);
}

dataflow_endpoint load_endpoint(const std::string& settings,
                                const std::string& host = "k.example:9093") {
    auto r = load_text(kafka_endpoint("    host: " + host + "\n" + settings) + support_objects());
    EXPECT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints.size(), 1u);
    return r.config.endpoints.empty() ? dataflow_endpoint{} : r.config.endpoints[0];
}

struct auth_case {
    const char* name;
    const char* authentication;
    const char* protocol_tls;
    const char* protocol_plain;
    const char* mechanism;  // "" = none
};

const auth_case auth_cases[] = {
    {"sasl_plain", "      method: Sasl\n      saslSettings: {saslType: Plain, secretRef: sasl}\n",
     "SASL_SSL", "SASL_PLAINTEXT", "PLAIN"},
    {"sasl_scram_sha_256",
     "      method: Sasl\n      saslSettings: {saslType: ScramSha256, secretRef: sasl}\n",
     "SASL_SSL", "SASL_PLAINTEXT", "SCRAM-SHA-256"},
    {"sasl_scram_sha_512",
     "      method: Sasl\n      saslSettings: {saslType: ScramSha512, secretRef: sasl}\n",
     "SASL_SSL", "SASL_PLAINTEXT", "SCRAM-SHA-512"},
    {"system_assigned_identity", "      method: SystemAssignedManagedIdentity\n", "SASL_SSL",
     "SASL_PLAINTEXT", "OAUTHBEARER"},
    {"user_assigned_identity",
     "      method: UserAssignedManagedIdentity\n"
     "      userAssignedManagedIdentitySettings: {clientId: c, tenantId: t}\n",
     "SASL_SSL", "SASL_PLAINTEXT", "OAUTHBEARER"},
    {"anonymous", "      method: Anonymous\n", "SSL", "PLAINTEXT", ""},
    {"x509_certificate",
     "      method: X509Certificate\n      x509CertificateSettings: {secretRef: tls-client}\n",
     "SSL", nullptr, ""},  // X.509 with TLS disabled is a validation error
};

TEST(kafka_client_settings, every_auth_method_maps_per_tls_mode) {
    for (const auto& c : auth_cases) {
        for (bool tls : {true, false}) {
            if (!tls && !c.protocol_plain) continue;
            SCOPED_TRACE(std::string(c.name) + (tls ? " tls" : " plaintext"));
            auto ep = load_endpoint(std::string("    authentication:\n") + c.authentication +
                                    "    tls: {mode: " + (tls ? "Enabled" : "Disabled") +
                                    (tls ? ", trustedCaCertificateConfigMapRef: ca" : "") + "}\n");
            auto s = make_kafka_client_settings(ep, kafka_role::destination);
            const auto& p = s.properties;
            EXPECT_EQ(p.value("security.protocol"), tls ? c.protocol_tls : c.protocol_plain);
            EXPECT_EQ(p.value("sasl.mechanisms"), c.mechanism);
            bool sasl_credentials = std::string(c.mechanism).starts_with("PLAIN") ||
                                    std::string(c.mechanism).starts_with("SCRAM");
            EXPECT_EQ(p.value("sasl.username"), sasl_credentials ? "user-1" : "");
            EXPECT_EQ(p.value("sasl.password"), sasl_credentials ? "pass-1" : "");
            if (sasl_credentials) {
                EXPECT_TRUE(p.find("sasl.username")->value.is_secret());
                EXPECT_TRUE(p.find("sasl.password")->value.is_secret());
            }
            EXPECT_EQ(p.value("ssl.ca.pem"), tls ? certs("ca.crt") : "");
            bool x509 = std::string(c.name) == "x509_certificate";
            EXPECT_EQ(p.value("ssl.certificate.pem"), x509 ? certs("client.crt") : "");
            EXPECT_EQ(p.value("ssl.key.pem"), x509 ? certs("client.key") : "");
            if (x509) {
                EXPECT_TRUE(p.find("ssl.key.pem")->value.is_secret());
            }
            EXPECT_EQ(s.token.has_value(), std::string(c.mechanism) == "OAUTHBEARER");
            EXPECT_EQ(p.value("socket.nagle.disable"), "true");
        }
    }
}

TEST(kafka_client_settings, system_assigned_identity_audience_defaults_to_the_host) {
    auto ep = load_endpoint("    authentication: {method: SystemAssignedManagedIdentity}\n",
                            "ns.servicebus.windows.net:9093");
    auto s = make_kafka_client_settings(ep, kafka_role::destination);
    ASSERT_TRUE(s.token);
    EXPECT_EQ(s.token->resource, "https://ns.servicebus.windows.net");
    auto custom = load_endpoint(
        "    authentication:\n      method: SystemAssignedManagedIdentity\n"
        "      systemAssignedManagedIdentitySettings: {audience: https://aud.example}\n");
    EXPECT_EQ(make_kafka_client_settings(custom, kafka_role::source).token->resource,
              "https://aud.example");
}

TEST(kafka_client_settings, user_assigned_identity_scope_defaults_to_host_dot_default) {
    auto ep = load_endpoint(
        "    authentication:\n      method: UserAssignedManagedIdentity\n"
        "      userAssignedManagedIdentitySettings: {clientId: cid, tenantId: tid}\n",
        "ns.servicebus.windows.net:9093");
    auto s = make_kafka_client_settings(ep, kafka_role::destination);
    ASSERT_TRUE(s.token);
    EXPECT_EQ(s.token->scope, "https://ns.servicebus.windows.net/.default");
    EXPECT_EQ(s.token->resource, "https://ns.servicebus.windows.net");
    EXPECT_EQ(s.token->client_id, "cid");
    EXPECT_EQ(s.token->tenant_id, "tid");
}

TEST(kafka_client_settings, identity_endpoint_annotation_reaches_the_token_settings) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: k\n  annotations: {flowbridge.io/identity-endpoint: "
        "\"http://127.0.0.1:8080\"}\n"
        "spec:\n  endpointType: Kafka\n  kafkaSettings:\n    host: k:9093\n"
        "    authentication: {method: SystemAssignedManagedIdentity}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    auto s = make_kafka_client_settings(r.config.endpoints[0], kafka_role::destination);
    EXPECT_EQ(s.token->identity_endpoint, "http://127.0.0.1:8080");
}

const std::string anonymous = "    authentication: {method: Anonymous}\n";

TEST(kafka_client_settings, compression_maps_to_compression_codec) {
    for (auto [in, out] : {std::pair{"None", "none"},
                           {"Gzip", "gzip"},
                           {"Snappy", "snappy"},
                           {"Lz4", "lz4"},
                           {"Zstd", "zstd"}}) {
        auto ep = load_endpoint(anonymous + "    compression: " + in + "\n");
        EXPECT_EQ(make_kafka_client_settings(ep, kafka_role::destination)
                      .properties.value("compression.codec"),
                  out)
            << in;
    }
}

TEST(kafka_client_settings, acks_map_to_0_1_all_and_idempotence_only_with_all) {
    for (auto [in, acks, idem] : {std::tuple{"Zero", "0", "false"},
                                  {"None", "0", "false"},
                                  {"One", "1", "false"},
                                  {"All", "all", "true"}}) {
        auto ep = load_endpoint(anonymous + "    kafkaAcks: " + in + "\n");
        auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
        EXPECT_EQ(p.value("acks"), acks) << in;
        EXPECT_EQ(p.value("enable.idempotence"), idem) << in;
    }
}

TEST(kafka_client_settings, event_hubs_never_enables_idempotence) {
    auto ep = load_endpoint(
        "    authentication: {method: SystemAssignedManagedIdentity}\n"
        "    kafkaAcks: All\n",
        "ns.servicebus.windows.net:9093");
    auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
    EXPECT_EQ(p.value("enable.idempotence"), "false");
    EXPECT_EQ(p.value("socket.keepalive.enable"), "true");
    EXPECT_EQ(p.value("connections.max.idle.ms"), "180000");
}

TEST(kafka_client_settings, batching_maps_latency_messages_and_bytes) {
    auto ep = load_endpoint(anonymous +
                            "    batching: {latencyMs: 250, maxMessages: 500, maxBytes: 65536}\n");
    auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
    EXPECT_EQ(p.value("linger.ms"), "250");
    EXPECT_EQ(p.value("batch.num.messages"), "500");
    EXPECT_EQ(p.value("batch.size"), "65536");
    EXPECT_EQ(p.value("queue.buffering.max.messages"), "1000000");
}

TEST(kafka_client_settings, batching_defaults_are_latency_5_and_100000_messages) {
    auto p =
        make_kafka_client_settings(load_endpoint(anonymous), kafka_role::destination).properties;
    EXPECT_EQ(p.value("linger.ms"), "5");
    EXPECT_EQ(p.value("batch.num.messages"), "100000");
    EXPECT_EQ(p.value("batch.size"), "1000000");
}

TEST(kafka_client_settings, batching_disabled_sends_every_message_alone) {
    auto ep = load_endpoint(anonymous + "    batching: {mode: Disabled, latencyMs: 900}\n");
    auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
    EXPECT_EQ(p.value("linger.ms"), "0");
    EXPECT_EQ(p.value("batch.num.messages"), "1");
}

TEST(kafka_client_settings, batch_limits_are_clamped_to_librdkafka_ranges) {
    auto ep = load_endpoint(anonymous +
                            "    batching: {maxMessages: 4294967295, maxBytes: 4294967295}\n");
    auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
    EXPECT_EQ(p.value("batch.num.messages"), "1000000");
    EXPECT_EQ(p.value("batch.size"), "2147483647");
    EXPECT_EQ(p.value("queue.buffering.max.messages"), "2000000");
}

TEST(kafka_client_settings, source_role_sets_consumer_group_and_manual_offsets) {
    auto ep = load_endpoint(anonymous + "    consumerGroupId: grp\n    compression: Gzip\n");
    auto p = make_kafka_client_settings(ep, kafka_role::source).properties;
    EXPECT_EQ(p.value("group.id"), "grp");
    EXPECT_EQ(p.value("enable.auto.commit"), "false");
    EXPECT_EQ(p.value("enable.auto.offset.store"), "false");
    EXPECT_EQ(p.value("auto.offset.reset"), "earliest");
    EXPECT_EQ(p.find("compression.codec"), nullptr);
    EXPECT_EQ(p.find("acks"), nullptr);
}

TEST(kafka_client_settings, auto_offset_reset_annotation_selects_latest) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: k\n  annotations: {flowbridge.io/auto-offset-reset: latest}\n"
        "spec:\n  endpointType: Kafka\n  kafkaSettings:\n    host: k:9093\n"
        "    authentication: {method: Anonymous}\n    consumerGroupId: g\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(make_kafka_client_settings(r.config.endpoints[0], kafka_role::source)
                  .properties.value("auto.offset.reset"),
              "latest");
}

TEST(kafka_client_settings, bootstrap_servers_list_every_host) {
    auto ep = load_endpoint(anonymous, "a:9092,[::1]:9093");
    auto p = make_kafka_client_settings(ep, kafka_role::destination).properties;
    EXPECT_EQ(p.value("bootstrap.servers"), "a:9092,[::1]:9093");
    EXPECT_EQ(p.all()[0].name, "bootstrap.servers");
}

TEST(kafka_client_settings, embedded_host_leaves_bootstrap_to_the_mock_cluster) {
    auto ep = load_endpoint(anonymous, "embedded");
    auto s = make_kafka_client_settings(ep, kafka_role::destination);
    EXPECT_TRUE(s.embedded_cluster);
    EXPECT_EQ(s.properties.find("bootstrap.servers"), nullptr);
    EXPECT_EQ(s.properties.value("security.protocol"), "PLAINTEXT");
}

/// Hands every property to librdkafka 2.x: names must exist and values be in range; then
/// creates the client (no broker is contacted: bootstrap.servers is left out).
void expect_accepted_by_librdkafka(const kafka_client_settings& s, rd_kafka_type_t type) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& p : s.properties.all()) {
        if (p.name == "bootstrap.servers") continue;
        EXPECT_EQ(
            rd_kafka_conf_set(conf, p.name.c_str(), p.value.reveal().c_str(), err, sizeof err),
            RD_KAFKA_CONF_OK)
            << p.name << ": " << err;
    }
    if (s.token) {
        rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf,
                                                       [](rd_kafka_t*, const char*, void*) {});
    }
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    EXPECT_NE(rk, nullptr) << err;
    if (rk) {
        rd_kafka_destroy(rk);
    }
}

TEST(kafka_client_settings, every_property_is_accepted_by_librdkafka) {
    for (const auto& c : auth_cases) {
        SCOPED_TRACE(c.name);
        auto ep = load_endpoint(std::string("    authentication:\n") + c.authentication +
                                "    tls: {trustedCaCertificateConfigMapRef: ca}\n"
                                "    consumerGroupId: g\n    compression: Zstd\n"
                                "    batching: {maxMessages: 4294967295, maxBytes: 4294967295}\n");
        expect_accepted_by_librdkafka(make_kafka_client_settings(ep, kafka_role::destination),
                                      RD_KAFKA_PRODUCER);
        expect_accepted_by_librdkafka(make_kafka_client_settings(ep, kafka_role::source),
                                      RD_KAFKA_CONSUMER);
    }
    for (const char* acks : {"Zero", "One"}) {
        auto ep = load_endpoint(anonymous + "    kafkaAcks: " + acks +
                                "\n    batching: {mode: Disabled}\n");
        expect_accepted_by_librdkafka(make_kafka_client_settings(ep, kafka_role::destination),
                                      RD_KAFKA_PRODUCER);
    }
}

// --- MQTT ----------------------------------------------------------------------------------

dataflow_endpoint load_mqtt(const std::string& settings, const std::string& annotations = "") {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: mq\n" +
        annotations + "spec:\n  endpointType: Mqtt\n  mqttSettings:\n" + settings +
        support_objects());
    EXPECT_TRUE(r.valid()) << all_findings(r);
    return r.config.endpoints.empty() ? dataflow_endpoint{} : r.config.endpoints[0];
}

TEST(mqtt_connection_options, settings_map_to_connect_options) {
    auto ep = load_mqtt(
        "    host: broker.example:8883\n"
        "    authentication: {method: ServiceAccountToken, "
        "serviceAccountTokenSettings: {audience: aio-internal}}\n"
        "    tls: {trustedCaCertificateConfigMapRef: ca}\n"
        "    clientIdPrefix: fb-\n    qos: 0\n    retain: Never\n"
        "    sessionExpirySeconds: 86400\n    keepAliveSeconds: 15\n"
        "    maxInflightMessages: 2000\n");
    auto o = make_mqtt_connection_options(ep);
    EXPECT_EQ(o.host, "broker.example");
    EXPECT_EQ(o.port, 8883);
    EXPECT_TRUE(o.tls);
    EXPECT_EQ(o.trusted_ca_pem, certs("ca.crt"));
    EXPECT_EQ(o.client_id_prefix, "fb-");
    EXPECT_EQ(o.auth, auth_method::service_account_token);
    EXPECT_EQ(o.authentication_method, "K8S-SAT");
    EXPECT_EQ(o.service_account_audience, "aio-internal");
    EXPECT_EQ(o.qos, 0);
    EXPECT_FALSE(o.retain);
    EXPECT_FALSE(o.clean_start);
    EXPECT_EQ(o.session_expiry_seconds, 86400u);
    EXPECT_EQ(o.keep_alive_seconds, 15);
    EXPECT_EQ(o.receive_maximum, 2000);
}

TEST(mqtt_connection_options, managed_identity_sends_a_token_as_oauth2_jwt) {
    auto ep = load_mqtt(
        "    host: ns.eventgrid.azure.net:8883\n"
        "    authentication: {method: SystemAssignedManagedIdentity}\n");
    auto o = make_mqtt_connection_options(ep);
    EXPECT_EQ(o.authentication_method, "OAUTH2-JWT");
    ASSERT_TRUE(o.token);
    EXPECT_EQ(o.token->resource, "https://eventgrid.azure.net");
}

TEST(mqtt_connection_options, x509_presents_the_client_certificate) {
    auto ep = load_mqtt(
        "    host: b:8883\n    authentication:\n      method: X509Certificate\n"
        "      x509CertificateSettings: {secretRef: tls-client}\n");
    auto o = make_mqtt_connection_options(ep);
    ASSERT_TRUE(o.client_certificate_pem && o.client_key_pem);
    EXPECT_EQ(o.client_key_pem->reveal(), certs("client.key"));
    EXPECT_TRUE(o.client_key_pem->is_secret());
}

TEST(mqtt_connection_options, username_password_comes_from_the_annotated_secret) {
    auto ep = load_mqtt(
        "    host: b:1883\n    authentication: {method: Anonymous}\n"
        "    tls: {mode: Disabled}\n",
        "  annotations: {flowbridge.io/username-password-secret: sasl}\n");
    auto o = make_mqtt_connection_options(ep);
    EXPECT_EQ(o.auth, auth_method::username_password);
    EXPECT_EQ(o.username->reveal(), "user-1");
    EXPECT_EQ(o.password->reveal(), "pass-1");
    EXPECT_EQ(o.to_properties().find("password")->value.display(), "***");
}

TEST(mqtt_connection_options, client_id_is_prefix_dataflow_instance_and_shard) {
    EXPECT_EQ(mqtt_client_id("fb-", "flow", 2), "fb-flow-2");
    EXPECT_EQ(mqtt_client_id("", "flow", 0, 3), "flow-0-3");
}

}  // namespace
}  // namespace flowbridge::config
