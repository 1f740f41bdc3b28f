#include "tools/runtime/mapping.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/config/load.h"

namespace flowbridge::runtime {
namespace {

constexpr const char* manifests = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mq
  annotations:
    flowbridge.io/username-password-secret: mq-login
spec:
  endpointType: Mqtt
  mqttSettings:
    host: broker.example:8883
    authentication:
      method: Anonymous
    tls:
      mode: Enabled
      trustedCaCertificateConfigMapRef: ca
    clientIdPrefix: fb-
    qos: 0
    retain: Never
    sessionExpirySeconds: 3600
    keepAliveSeconds: 30
    maxInflightMessages: 50
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: sat
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:1883
    authentication:
      method: ServiceAccountToken
      serviceAccountTokenSettings:
        audience: aio-internal
    tls:
      mode: Disabled
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mi
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:1883
    authentication:
      method: SystemAssignedManagedIdentity
      systemAssignedManagedIdentitySettings: {}
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: kafka
spec:
  endpointType: Kafka
  kafkaSettings:
    host: kafka.example:9093
    authentication:
      method: Sasl
      saslSettings:
        saslType: ScramSha512
        secretRef: kafka-login
    consumerGroupId: g1
    partitionStrategy: Property
    partitionKeyProperty: device
    batching:
      latencyMs: 7
      maxMessages: 4294967295
      maxBytes: 2000
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: embedded
spec:
  endpointType: Kafka
  kafkaSettings:
    host: embedded
    authentication:
      method: Anonymous
    consumerGroupId: g2
    partitionStrategy: Static
    batching:
      mode: Disabled
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: kmi
spec:
  endpointType: Kafka
  kafkaSettings:
    host: ns1.servicebus.windows.net:9093
    authentication:
      method: SystemAssignedManagedIdentity
      systemAssignedManagedIdentitySettings: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: kafka-login
stringData:
  username: kuser
  password: kpass-SECRET
---
apiVersion: v1
kind: Secret
metadata:
  name: mq-login
stringData:
  username: muser
  password: mpass-SECRET
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ca
data:
  ca.crt: |
%CA%
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowProfile
metadata:
  name: scaled
  annotations:
    flowbridge.io/shards: "3"
spec:
  instanceCount: 2
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: up
spec:
  profileRef: scaled
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq
        dataSources: [a/+/b, "$shared/grp/c/#"]
    - operationType: Destination
      destinationSettings:
        endpointRef: kafka
        dataDestination: telemetry
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: down
  annotations:
    flowbridge.io/shards: "2"
    flowbridge.io/restore-mqtt-properties: "true"
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: kafka
        dataSources: [commands]
    - operationType: Destination
      destinationSettings:
        endpointRef: mq
        dataDestination: out/${inputTopic}
)";

std::string read_ca() {
    std::string path = std::string(FLOWBRIDGE_TEST_DATA_DIR) + "/config/certs/ca.crt";
    FILE* f = std::fopen(path.c_str(), "rb");
    std::string out;
    if (f == nullptr) return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
}

class mapping : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string text = manifests;
        std::string ca;
        std::string pem = read_ca();
        std::size_t start = 0;
        while (start < pem.size()) {
            std::size_t end = pem.find('\n', start);
            if (end == std::string::npos) end = pem.size();
            ca += "    " + pem.substr(start, end - start) + "\n";
            start = end + 1;
        }
        text.replace(text.find("%CA%\n"), 5, ca);
        result_ = config::load_configuration(std::vector<config::source_text>{{"test.yaml", text}});
        std::string errors;
        for (const auto& d : result_.findings.all()) errors += d.message + "\n";
        ASSERT_TRUE(result_.valid()) << errors;
    }
    const config::dataflow_endpoint& ep(std::string_view name) const {
        return *result_.config.find_endpoint("azure-iot-operations", name);
    }
    const config::dataflow& df(std::string_view name) const {
        for (const auto& d : result_.config.dataflows)
            if (d.meta.name == name) return d;
        throw std::runtime_error("no dataflow");
    }
    config::load_result result_;
};

TEST(instance, trailing_ordinal_of_the_hostname_is_the_instance) {
    EXPECT_EQ(instance_from_hostname("flowbridge-2"), 2u);
    EXPECT_EQ(instance_from_hostname("my-app-10"), 10u);
    EXPECT_EQ(instance_from_hostname("flowbridge"), std::nullopt);
    EXPECT_EQ(instance_from_hostname("flowbridge-"), std::nullopt);
    EXPECT_EQ(instance_from_hostname("flowbridge-x1"), std::nullopt);
    EXPECT_EQ(instance_from_hostname(""), std::nullopt);
}

TEST(instance, option_wins_over_hostname_which_wins_over_zero) {
    EXPECT_EQ(resolve_instance(5, "pod-3").id, 5u);
    EXPECT_EQ(resolve_instance(5, "pod-3").from, instance_source::option);
    EXPECT_EQ(resolve_instance(std::nullopt, "pod-3").id, 3u);
    EXPECT_EQ(resolve_instance(std::nullopt, "pod-3").from, instance_source::hostname);
    EXPECT_EQ(resolve_instance(std::nullopt, "pod").id, 0u);
    EXPECT_EQ(resolve_instance(std::nullopt, "pod").from, instance_source::fallback);
}

TEST_F(mapping, shards_come_from_the_dataflow_else_its_profile_else_one) {
    const auto& up = df("up");
    const auto* scaled = result_.config.find_profile("azure-iot-operations", "scaled");
    EXPECT_EQ(shard_count(up, scaled, 8), 3u);
    const auto& down = df("down");
    EXPECT_EQ(shard_count(down, nullptr, 8), 2u);
    config::dataflow plain;
    EXPECT_EQ(shard_count(plain, nullptr, 8), 1u);
}

TEST_F(mapping, auto_shards_are_one_per_usable_cpu_within_one_to_64) {
    config::dataflow_profile automatic;
    automatic.shards = config::shards_auto;
    config::dataflow flow;
    EXPECT_EQ(shard_count(flow, &automatic, 2), 2u);
    EXPECT_EQ(shard_count(flow, &automatic, 0), 1u);  // the affinity set could not be read
    EXPECT_EQ(shard_count(flow, &automatic, 300), max_auto_shards);
    // A Dataflow's own number wins over its profile's "auto", and its own "auto" over a number.
    flow.shards = 3;
    EXPECT_EQ(shard_count(flow, &automatic, 2), 3u);
    config::dataflow_profile fixed;
    fixed.shards = 5;
    flow.shards = config::shards_auto;
    EXPECT_EQ(shard_count(flow, &fixed, 2), 2u);
}

TEST_F(mapping, filters_become_shared_subscriptions_when_instances_or_shards_split_them) {
    const auto& up = df("up");
    EXPECT_EQ(subscription_filters(up, 1, 1),
              (std::vector<std::string>{"a/+/b", "$share/grp/c/#"}));
    EXPECT_EQ(subscription_filters(up, 2, 1),
              (std::vector<std::string>{"$share/scaled-up/a/+/b", "$share/grp/c/#"}));
    EXPECT_EQ(subscription_filters(up, 1, 3),
              (std::vector<std::string>{"$share/scaled-up/a/+/b", "$share/grp/c/#"}));
}

TEST_F(mapping, mqtt_session_options_carry_every_endpoint_setting) {
    std::string error;
    auto o = make_session_options(ep("mq"), {"up", 1, 2}, {"a/+/b"}, {}, error);
    ASSERT_TRUE(o) << error;
    EXPECT_EQ(o->host, "broker.example");
    EXPECT_EQ(o->port, 8883);
    EXPECT_TRUE(o->tls.enabled);
    EXPECT_NE(o->tls.ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_EQ(o->auth.method, mqtt::auth_method::username_password);
    EXPECT_EQ(o->auth.username, "muser");
    EXPECT_EQ(o->auth.password, "mpass-SECRET");
    EXPECT_EQ(o->client_id, "fb-up-1-2");
    EXPECT_FALSE(o->clean_start);
    EXPECT_EQ(o->session_expiry_seconds, 3600u);
    EXPECT_EQ(o->keep_alive_seconds, 30);
    EXPECT_EQ(o->receive_maximum, 50);
    EXPECT_EQ(o->publish_window, 50);
    EXPECT_FALSE(o->keep_retain);
    ASSERT_EQ(o->subscriptions.size(), 1u);
    EXPECT_EQ(o->subscriptions[0].filter, "a/+/b");
    EXPECT_EQ(o->subscriptions[0].maximum_qos, qos::at_most_once);
}

TEST_F(mapping, client_id_has_no_shard_suffix_for_a_single_shard) {
    std::string error;
    auto o = make_session_options(ep("sat"), {"flow", 0, std::nullopt}, {}, {}, error);
    ASSERT_TRUE(o) << error;
    EXPECT_EQ(o->client_id, "flow-0");
    EXPECT_FALSE(o->tls.enabled);
    EXPECT_EQ(o->auth.method, mqtt::auth_method::k8s_sat);
    EXPECT_EQ(o->auth.token_file, "/var/run/secrets/tokens/mq-sat");
    EXPECT_EQ(o->subscriptions.size(), 0u);
}

TEST_F(mapping, managed_identity_needs_a_token_provider_and_uses_it_as_oauth2_jwt) {
    std::string error;
    EXPECT_FALSE(make_session_options(ep("mi"), {"f", 0, {}}, {}, {}, error));
    EXPECT_NE(error.find("token provider"), std::string::npos);
    mqtt_auth_environment env;
    env.tokens = [](const config::token_settings& t) { return "tok-for-" + t.resource; };
    auto o = make_session_options(ep("mi"), {"f", 0, {}}, {}, env, error);
    ASSERT_TRUE(o) << error;
    EXPECT_EQ(o->auth.method, mqtt::auth_method::oauth_jwt);
    ASSERT_TRUE(o->auth.token_provider);
    EXPECT_EQ(o->auth.token_provider().rfind("tok-for-", 0), 0u);
}

TEST_F(mapping, kafka_client_config_lists_secret_keys_and_keeps_values) {
    std::string error;
    auto c = make_kafka_client_config(ep("kafka"), config::kafka_role::destination, "", {}, error);
    ASSERT_TRUE(c) << error;
    auto find = [&](std::string_view k) -> std::string {
        for (const auto& [n, v] : c->properties)
            if (n == k) return v;
        return "<absent>";
    };
    EXPECT_EQ(find("bootstrap.servers"), "kafka.example:9093");
    EXPECT_EQ(find("sasl.mechanisms"), "SCRAM-SHA-512");
    EXPECT_EQ(find("sasl.password"), "kpass-SECRET");
    EXPECT_EQ(find("linger.ms"), "7");
    const auto& keys = c->secret_keys;
    EXPECT_NE(std::find(keys.begin(), keys.end(), "sasl.password"), keys.end());
    EXPECT_NE(std::find(keys.begin(), keys.end(), "sasl.username"), keys.end());
    EXPECT_EQ(std::find(keys.begin(), keys.end(), "linger.ms"), keys.end());
}

TEST_F(mapping, embedded_kafka_gets_the_mock_bootstrap_and_extra_properties_last) {
    std::string error;
    EXPECT_FALSE(make_kafka_client_config(ep("embedded"), config::kafka_role::source, "", {}, error));
    auto c = make_kafka_client_config(ep("embedded"), config::kafka_role::source, "127.0.0.1:1",
                                      {{"session.timeout.ms", "6000"}}, error);
    ASSERT_TRUE(c) << error;
    EXPECT_EQ(c->properties.front(), (std::pair<std::string, std::string>{"bootstrap.servers", "127.0.0.1:1"}));
    EXPECT_EQ(c->properties.back(), (std::pair<std::string, std::string>{"session.timeout.ms", "6000"}));
}

TEST_F(mapping, kafka_managed_identity_needs_a_token_source_then_uses_oauthbearer) {
    std::string error;
    EXPECT_FALSE(make_kafka_client_config(ep("kmi"), config::kafka_role::destination, "", {}, error));
    EXPECT_NE(error.find("token source"), std::string::npos) << error;
    auto c = make_kafka_client_config(ep("kmi"), config::kafka_role::destination, "", {}, error, true);
    ASSERT_TRUE(c) << error;
    bool oauth = false;
    for (const auto& [n, v] : c->properties) oauth |= n == "sasl.mechanisms" && v == "OAUTHBEARER";
    EXPECT_TRUE(oauth);
}

TEST_F(mapping, chain_settings_follow_the_kafka_destination) {
    mqtt_to_kafka_flow_settings s(df("up"), ep("kafka"), 4);
    EXPECT_EQ(s.chain().translation.destination_topic, "telemetry");
    EXPECT_EQ(s.chain().translation.cloud_events_source, "aio://up");
    EXPECT_EQ(s.chain().partitioning.strategy, partition_strategy::property);
    EXPECT_EQ(s.chain().partitioning.key_property, "device");
    EXPECT_EQ(s.chain().partitioning.instance.value, 4u);
    EXPECT_TRUE(s.chain().batching.enabled);
    // latencyMs (7) is librdkafka's linger.ms; the engine hands each burst over at once.
    EXPECT_EQ(s.chain().batching.latency_ms, 0u);
    EXPECT_EQ(s.chain().batching.max_messages, 0xffffffffu);
    EXPECT_EQ(s.chain().batching.max_bytes, 2000u);
    // A Default turn is one configured batch: latencyMs is kept there.
    EXPECT_EQ(s.chain().partitioning.turn.max_messages, 0xffffffffu);
    EXPECT_EQ(s.chain().partitioning.turn.max_bytes, 2000u);
    EXPECT_EQ(s.chain().partitioning.turn.latency_ms, 7u);
    mqtt_to_kafka_flow_settings e(df("up"), ep("embedded"), 0);
    EXPECT_EQ(e.chain().partitioning.strategy, partition_strategy::fixed);
    EXPECT_FALSE(e.chain().batching.enabled);
    EXPECT_FALSE(e.chain().partitioning.turn.enabled);  // mode Disabled: a turn per message
}

TEST_F(mapping, kafka_to_mqtt_settings_resolve_input_topic_and_annotations) {
    kafka_to_mqtt_flow_settings s(df("down"), &ep("kafka"));
    ASSERT_NE(s.translation().destination, nullptr);
    std::string out;
    EXPECT_TRUE(s.translation().destination->resolve("commands", out));
    EXPECT_EQ(out, "out/commands");
    EXPECT_TRUE(s.translation().restore_mqtt_properties);
    EXPECT_FALSE(s.translation().decode_amqp_headers);
}

}  // namespace
}  // namespace flowbridge::runtime
