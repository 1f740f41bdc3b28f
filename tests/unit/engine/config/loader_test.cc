#include <gtest/gtest.h>

#include "engine/config/decode.h"
#include "tests/unit/engine/config/config_test_support.h"

namespace flowbridge::config {
namespace {

using namespace testing;

const std::string anonymous =
    "    host: example.kafka.com:9093\n"
    "    authentication:\n"
    "      method: Anonymous\n";

TEST(config_loader, defaults_follow_spec_section_2) {
    auto r = load_text(kafka_endpoint(anonymous));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    ASSERT_EQ(r.config.endpoints.size(), 1u);
    const auto& ep = r.config.endpoints[0];
    EXPECT_EQ(ep.meta.namespace_name, "azure-iot-operations");
    EXPECT_EQ(ep.kafka.tls.mode, tls_mode::enabled);
    EXPECT_EQ(ep.kafka.codec, compression::none);
    EXPECT_EQ(ep.kafka.batching.mode, batching_mode::enabled);
    EXPECT_EQ(ep.kafka.batching.latency_ms, 5u);
    EXPECT_EQ(ep.kafka.batching.max_messages, 100000u);
    EXPECT_EQ(ep.kafka.batching.max_bytes, 1000000u);
    EXPECT_EQ(ep.kafka.partitioning, partition_strategy::default_strategy);
    EXPECT_EQ(ep.kafka.acks, kafka_acks::all);
    EXPECT_TRUE(ep.kafka.copy_mqtt_properties);
    EXPECT_EQ(ep.kafka.cloud_events, cloud_event_attributes::propagate);
}

TEST(config_loader, mqtt_defaults_follow_spec_section_2_2) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata: {name: mq}\nspec:\n  endpointType: Mqtt\n  mqttSettings:\n"
        "    host: localhost:1883\n    authentication: {method: Anonymous}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& m = r.config.endpoints[0].mqtt;
    EXPECT_EQ(m.qos, 1);
    EXPECT_EQ(m.retain, retain_mode::keep);
    EXPECT_EQ(m.session_expiry_seconds, 600u);
    EXPECT_EQ(m.keep_alive_seconds, 60);
    EXPECT_EQ(m.max_inflight_messages, 100);
    EXPECT_EQ(m.protocol, mqtt_protocol::mqtt);
    EXPECT_EQ(m.address.host, "localhost");
    EXPECT_EQ(m.address.port, 1883);
}

TEST(config_loader, enums_are_matched_case_insensitively) {
    auto r = load_text(
        kafka_endpoint(
            "    host: a:9092\n    authentication:\n      method: sasl\n      saslSettings:\n"
            "        saslType: PLAIN\n        secretRef: s\n    tls: {mode: disabled}\n"
            "    compression: LZ4\n    kafkaAcks: one\n    partitionStrategy: TOPIC\n"
            "    batching: {mode: DISABLED}\n") +
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
        "stringData: {token: t}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& k = r.config.endpoints[0].kafka;
    EXPECT_EQ(k.auth.method, auth_method::sasl);
    EXPECT_EQ(k.auth.sasl, sasl_type::plain);
    EXPECT_EQ(k.tls.mode, tls_mode::disabled);
    EXPECT_EQ(k.codec, compression::lz4);
    EXPECT_EQ(k.acks, kafka_acks::one);
    EXPECT_EQ(k.partitioning, partition_strategy::topic);
    EXPECT_EQ(k.batching.mode, batching_mode::disabled);
}

TEST(config_loader, kafka_acks_none_is_an_alias_of_zero_with_a_warning) {
    auto r = load_text(kafka_endpoint(anonymous + "    kafkaAcks: None\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].kafka.acks, kafka_acks::zero);
    EXPECT_NE(find_warning(r, "spec.kafkaSettings.kafkaAcks", 11), nullptr) << all_findings(r);
}

TEST(config_loader, zstd_compression_is_accepted) {
    auto r = load_text(kafka_endpoint(anonymous + "    compression: Zstd\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].kafka.codec, compression::zstd);
}

TEST(config_loader, batching_enabled_true_is_an_alias_of_mode_enabled_with_a_warning) {
    auto r = load_text(kafka_endpoint(anonymous + "    batching:\n      enabled: false\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.endpoints[0].kafka.batching.mode, batching_mode::disabled);
    const auto* w = find_warning(r, "spec.kafkaSettings.batching.enabled", 12);
    ASSERT_NE(w, nullptr) << all_findings(r);
    EXPECT_EQ(format(*w),
              "test.yaml:12:7: warning: spec.kafkaSettings.batching.enabled: 'enabled: false' is "
              "accepted as an alias of 'mode: Disabled'");
}

TEST(config_loader, unknown_field_warns_with_file_line_and_path_and_does_not_fail) {
    auto r = load_text(kafka_endpoint(anonymous + "    batching:\n      latencyMS: 10\n"));
    EXPECT_TRUE(r.valid()) << all_findings(r);
    const auto* w = find_warning(r, "spec.kafkaSettings.batching.latencyMS", 12);
    ASSERT_NE(w, nullptr) << all_findings(r);
    EXPECT_EQ(w->where.column, 7);
    EXPECT_NE(w->message.find("did you mean 'latencyMs'"), std::string::npos) << w->message;
}

TEST(config_loader, out_of_range_error_has_the_spec_format) {
    auto r = load_text(kafka_endpoint(anonymous + "    batching:\n      latencyMs: 70000\n"));
    EXPECT_FALSE(r.valid());
    const auto* e = find_error(r, "spec.kafkaSettings.batching.latencyMs");
    ASSERT_NE(e, nullptr) << all_findings(r);
    EXPECT_EQ(format(*e),
              "test.yaml:12:7: spec.kafkaSettings.batching.latencyMs: must be 0..65535, got 70000");
}

TEST(config_loader, multi_document_file_keeps_absolute_line_numbers) {
    std::string text = "# leading comment\n---\n" + kafka_endpoint(anonymous, "a") + "---\n\n" +
                       kafka_endpoint(anonymous + "    compression: Fast\n", "b");
    auto r = load_text(text);
    EXPECT_EQ(r.config.endpoints.size(), 2u);
    // 2 lines of preamble + 10 lines of endpoint a + "---" + blank line + 10 lines of b.
    EXPECT_NE(find_error(r, "spec.kafkaSettings.compression", 25), nullptr) << all_findings(r);
}

TEST(config_loader, syntax_error_in_one_document_does_not_hide_the_others) {
    std::string text = kafka_endpoint(anonymous, "a") + "---\nkind: [unclosed\n---\n" +
                       kafka_endpoint(anonymous + "    kafkaAcks: Maybe\n", "b");
    auto r = load_text(text);
    EXPECT_EQ(r.config.endpoints.size(), 2u);
    bool syntax = false;
    for (const auto& d : r.findings.all())
        if (d.message.starts_with("YAML syntax error") && d.where.line >= 12) syntax = true;
    EXPECT_TRUE(syntax) << all_findings(r);
    EXPECT_NE(find_error(r, "spec.kafkaSettings.kafkaAcks", 24), nullptr) << all_findings(r);
}

TEST(config_loader, split_documents_honours_markers_in_column_0_only) {
    auto docs = detail::split_documents("a: 1\n---\nb: |\n  ---\n...\n--- c: 3\n");
    ASSERT_EQ(docs.size(), 3u);
    EXPECT_EQ(docs[0].first_line, 0);
    EXPECT_EQ(docs[1].first_line, 1);
    EXPECT_EQ(docs[2].first_line, 5);
}

TEST(config_loader, all_errors_of_all_files_are_reported_in_one_run) {
    temp_dir dir;
    dir.write("a.yaml",
              kafka_endpoint(anonymous + "    kafkaAcks: Maybe\n    compression: Fast\n", "a"));
    dir.write("b.yaml", kafka_endpoint(anonymous + "    batching: {latencyMs: -1}\n", "b"));
    auto r = load_configuration(load_options{{dir.path()}, {}, {}});
    EXPECT_EQ(r.findings.error_count(), 3u) << all_findings(r);
    EXPECT_NE(find_error(r, "spec.kafkaSettings.kafkaAcks"), nullptr);
    EXPECT_NE(find_error(r, "spec.kafkaSettings.compression"), nullptr);
    EXPECT_NE(find_error(r, "spec.kafkaSettings.batching.latencyMs"), nullptr);
}

TEST(config_loader, directories_are_read_in_lexical_order_yaml_yml_json_only) {
    temp_dir dir;
    dir.write("b.yml", kafka_endpoint(anonymous, "b"));
    dir.write("a.yaml", kafka_endpoint(anonymous, "a"));
    dir.write(
        "c.json",
        R"({"apiVersion": "connectivity.iotoperations.azure.com/v1", "kind": "DataflowProfile",
                  "metadata": {"name": "c"}})");
    dir.write("d.txt", "not: [yaml");
    dir.write(".hidden.yaml", "not: [yaml");
    dir.write("sub/e.yaml", kafka_endpoint(anonymous, "e"));
    auto r = load_configuration(load_options{{dir.path()}, {}, {}});
    ASSERT_TRUE(r.valid()) << all_findings(r);
    ASSERT_EQ(r.config.files.size(), 3u);
    EXPECT_TRUE(r.config.files[0].ends_with("a.yaml"));
    EXPECT_TRUE(r.config.files[1].ends_with("b.yml"));
    EXPECT_TRUE(r.config.files[2].ends_with("c.json"));
    ASSERT_EQ(r.config.endpoints.size(), 2u);
    EXPECT_EQ(r.config.endpoints[0].meta.name, "a");
    EXPECT_EQ(r.config.profiles.size(), 1u);
}

TEST(config_loader, missing_path_is_an_error_naming_it) {
    auto r = load_configuration(load_options{{"/nonexistent/flowbridge.yaml"}, {}, {}});
    EXPECT_FALSE(r.valid());
    ASSERT_FALSE(r.findings.all().empty());
    EXPECT_EQ(format(r.findings.all()[0]),
              "/nonexistent/flowbridge.yaml: no such file or directory");
}

TEST(config_loader, json_reports_lines_and_columns_too) {
    auto r = load_text(
        "{\n  \"apiVersion\": \"connectivity.iotoperations.azure.com/v1\",\n"
        "  \"kind\": \"DataflowProfile\",\n  \"metadata\": {\"name\": \"p\"},\n"
        "  \"spec\": {\"instanceCount\": 42}\n}\n");
    const auto* e = find_error(r, "spec.instanceCount", 5);
    ASSERT_NE(e, nullptr) << all_findings(r);
    EXPECT_EQ(e->where.column, 12);
}

TEST(config_loader, kubernetes_list_items_are_loaded) {
    auto r = load_text(
        "apiVersion: v1\nkind: List\nitems:\n"
        "- apiVersion: connectivity.iotoperations.azure.com/v1\n"
        "  kind: DataflowProfile\n  metadata: {name: a}\n"
        "- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.config.profiles.size(), 1u);
    EXPECT_EQ(r.config.secrets.size(), 1u);
}

TEST(config_loader, other_kubernetes_kinds_are_ignored_with_a_warning) {
    auto r = load_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
    EXPECT_TRUE(r.valid());
    EXPECT_NE(find_warning(r, "kind", 2), nullptr) << all_findings(r);
}

TEST(config_loader, server_side_metadata_and_status_are_accepted_silently) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
        "metadata:\n  name: p\n  uid: 1234\n  resourceVersion: \"7\"\n"
        "  creationTimestamp: 2024-01-01T00:00:00Z\nstatus: {phase: Ready}\n");
    EXPECT_TRUE(r.valid());
    EXPECT_EQ(r.findings.warning_count(), 0u) << all_findings(r);
}

TEST(config_loader, flowbridge_annotations_are_parsed) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: k\n  annotations:\n"
        "    flowbridge.io/auto-offset-reset: latest\n"
        "    flowbridge.io/decode-amqp-headers: \"false\"\n"
        "    flowbridge.io/restore-mqtt-properties: \"true\"\n"
        "    flowbridge.io/identity-endpoint: http://127.0.0.1:5000\n"
        "    example.com/other: ignored-silently\n"
        "spec:\n  endpointType: Kafka\n  kafkaSettings:\n    host: x.servicebus.windows.net:9093\n"
        "    authentication: {method: SystemAssignedManagedIdentity}\n"
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
        "metadata:\n  name: p\n  annotations: {flowbridge.io/shards: \"4\"}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_EQ(r.findings.warning_count(), 0u) << all_findings(r);
    const auto& ext = r.config.endpoints[0].extensions;
    EXPECT_EQ(ext.auto_offset_reset, offset_reset::latest);
    EXPECT_EQ(ext.decode_amqp_headers, std::optional<bool>(false));
    EXPECT_FALSE(r.config.endpoints[0].decodes_amqp_headers());
    EXPECT_EQ(ext.restore_mqtt_properties, std::optional<bool>(true));
    EXPECT_EQ(ext.identity_endpoint, "http://127.0.0.1:5000");
    EXPECT_EQ(r.config.profiles[0].shards, std::optional<std::uint32_t>(4));
}

TEST(config_loader, shards_annotation_takes_1_to_64_or_auto) {
    auto profile = [](const std::string& value) {
        return load_text("apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
                         "metadata:\n  name: p\n  annotations: {flowbridge.io/shards: \"" + value + "\"}\n");
    };
    auto automatic = profile("auto");
    ASSERT_TRUE(automatic.valid()) << all_findings(automatic);
    EXPECT_EQ(automatic.config.profiles[0].shards, std::optional<std::uint32_t>(shards_auto));
    EXPECT_EQ(profile("64").config.profiles[0].shards, std::optional<std::uint32_t>(64));
    for (const std::string bad : {"0", "65", "two", "Auto", "", "-1"}) {
        auto r = profile(bad);
        EXPECT_FALSE(r.valid()) << bad;
        const auto* e = find_error(r, "metadata.annotations[\"flowbridge.io/shards\"]");
        ASSERT_NE(e, nullptr) << bad << ": " << all_findings(r);
        EXPECT_NE(e->message.find("must be an integer 1..64 or \"auto\""), std::string::npos) << e->message;
    }
}

TEST(config_loader, decode_amqp_headers_defaults_on_for_event_hubs_hosts) {
    auto eh =
        load_text(kafka_endpoint("    host: ns.servicebus.windows.net:9093\n    authentication:\n"
                                 "      method: SystemAssignedManagedIdentity\n"));
    auto plain = load_text(kafka_endpoint(anonymous));
    ASSERT_TRUE(eh.valid() && plain.valid());
    EXPECT_TRUE(eh.config.endpoints[0].decodes_amqp_headers());
    EXPECT_FALSE(plain.config.endpoints[0].decodes_amqp_headers());
}

TEST(config_loader, unknown_flowbridge_annotation_warns) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
        "metadata:\n  name: p\n  annotations:\n    flowbridge.io/turbo: \"on\"\n");
    EXPECT_TRUE(r.valid());
    EXPECT_NE(find_warning(r, "metadata.annotations[\"flowbridge.io/turbo\"]", 6), nullptr)
        << all_findings(r);
}

TEST(config_loader, annotation_on_the_wrong_kind_warns) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
        "metadata:\n  name: p\n  annotations:\n    flowbridge.io/auto-offset-reset: latest\n");
    EXPECT_TRUE(r.valid());
    EXPECT_NE(find_warning(r, "metadata.annotations[\"flowbridge.io/auto-offset-reset\"]", 6),
              nullptr)
        << all_findings(r);
}

TEST(config_loader, event_hubs_gzip_is_a_warning) {
    auto r =
        load_text(kafka_endpoint("    host: ns.servicebus.windows.net:9093\n"
                                 "    authentication: {method: SystemAssignedManagedIdentity}\n"
                                 "    compression: Gzip\n"));
    EXPECT_TRUE(r.valid()) << all_findings(r);
    EXPECT_NE(find_warning(r, "spec.kafkaSettings.compression", 10), nullptr) << all_findings(r);
}

TEST(config_loader, comma_separated_host_is_a_bootstrap_list) {
    auto r =
        load_text(kafka_endpoint("    host: a:9092, [::1]:9093 ,c.example:9094\n"
                                 "    authentication: {method: Anonymous}\n"));
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& servers = r.config.endpoints[0].kafka.bootstrap_servers;
    ASSERT_EQ(servers.size(), 3u);
    EXPECT_EQ(servers[1].host, "::1");
    EXPECT_EQ(servers[1].port, 9093);
    EXPECT_EQ(servers[2].host, "c.example");
}

TEST(config_loader, implicit_default_profile_exists_for_dataflows_that_use_it) {
    auto r = load_text(
        kafka_endpoint(anonymous) +
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata: {name: mq}\nspec:\n  endpointType: Mqtt\n  mqttSettings:\n"
        "    host: b:1883\n    authentication: {method: Anonymous}\n"
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: Dataflow\n"
        "metadata: {name: f}\nspec:\n  operations:\n"
        "  - {operationType: Source, sourceSettings: {endpointRef: mq, dataSources: [a/#]}}\n"
        "  - {operationType: Destination, destinationSettings: {endpointRef: kafka, "
        "dataDestination: t}}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto* p = r.config.find_profile("azure-iot-operations", "default");
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->implicit);
    EXPECT_EQ(p->instance_count, 1u);
    EXPECT_TRUE(r.config.endpoints[0].used_as_destination);
    EXPECT_TRUE(r.config.endpoints[1].used_as_source);
}

TEST(config_loader, settings_for_the_other_role_are_noted_not_failed) {
    auto r = load_text(
        kafka_endpoint(anonymous + "    consumerGroupId: g\n    compression: Gzip\n") +
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata: {name: mq}\nspec:\n  endpointType: Mqtt\n  mqttSettings:\n"
        "    host: b:1883\n    authentication: {method: Anonymous}\n"
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: Dataflow\n"
        "metadata: {name: f}\nspec:\n  operations:\n"
        "  - {operationType: Source, sourceSettings: {endpointRef: kafka, dataSources: [t]}}\n"
        "  - operationType: Destination\n"
        "    destinationSettings: {endpointRef: mq, dataDestination: \"out/${inputTopic}\"}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    EXPECT_NE(find_finding(r, severity::note, "spec.kafkaSettings.compression", 12), nullptr)
        << all_findings(r);
}

TEST(config_loader, v1_and_v1beta1_are_both_accepted) {
    for (const char* v : {"v1", "v1beta1"}) {
        auto r = load_text(std::string("apiVersion: connectivity.iotoperations.azure.com/") + v +
                           "\nkind: DataflowProfile\nmetadata: {name: p}\n");
        EXPECT_TRUE(r.valid()) << v << "\n" << all_findings(r);
    }
}

}  // namespace
}  // namespace flowbridge::config

namespace flowbridge::config {
namespace {

using namespace testing;

TEST(config_loader, dataflow_annotations_win_over_source_endpoint_annotations) {
    auto r = load_text(
        "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata:\n  name: hubs\n  annotations: {flowbridge.io/restore-mqtt-properties: "
        "\"true\"}\n"
        "spec:\n  endpointType: Kafka\n  kafkaSettings:\n    host: ns.servicebus.windows.net:9093\n"
        "    authentication: {method: SystemAssignedManagedIdentity}\n    consumerGroupId: g\n"
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowEndpoint\n"
        "metadata: {name: mq}\nspec:\n  endpointType: Mqtt\n  mqttSettings:\n"
        "    host: b:1883\n    authentication: {method: Anonymous}\n"
        "---\napiVersion: connectivity.iotoperations.azure.com/v1\nkind: Dataflow\n"
        "metadata:\n  name: f\n  annotations: {flowbridge.io/decode-amqp-headers: \"false\"}\n"
        "spec:\n  operations:\n"
        "  - {operationType: Source, sourceSettings: {endpointRef: hubs, dataSources: [t]}}\n"
        "  - {operationType: Destination, destinationSettings: {endpointRef: mq, "
        "dataDestination: out}}\n");
    ASSERT_TRUE(r.valid()) << all_findings(r);
    const auto& df = r.config.dataflows[0];
    const auto* src = r.config.find_endpoint("azure-iot-operations", "hubs");
    EXPECT_TRUE(restores_mqtt_properties(df, src));
    EXPECT_TRUE(src->decodes_amqp_headers());
    EXPECT_FALSE(decodes_amqp_headers(df, src));
}

}  // namespace
}  // namespace flowbridge::config
