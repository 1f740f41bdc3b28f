// The embedding API's loaders (tools/runtime/load.h): files with mounted Secrets, YAML text, and
// configurations built in code — each with findings an application can print.
#include "tools/runtime/load.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tools/runtime/runtime.h"

namespace flowbridge::runtime {
namespace {

namespace fs = std::filesystem;

constexpr const char* sasl_kafka = R"(apiVersion: connectivity.iotoperations.azure.com/v1
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
        saslType: Plain
        secretRef: sasl
)";

/// A fresh directory under the system temp dir, removed at destruction.
struct scratch_dir {
    fs::path path;
    scratch_dir() {
        std::string pattern = (fs::temp_directory_path() / "flowbridge-load-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = pattern;
    }
    ~scratch_dir() { fs::remove_all(path); }
    void write(const fs::path& relative, const std::string& text) const {
        fs::create_directories((path / relative).parent_path());
        std::ofstream(path / relative) << text;
    }
};

std::string errors(const config::load_result& r) {
    return format_findings(r.findings, config::severity::error);
}

TEST(runtime_load, files_resolve_secrets_from_the_mounted_directory) {
    scratch_dir dir;
    dir.write("manifests/10-kafka.yaml", sasl_kafka);
    dir.write("secrets/sasl/username", "fb");
    dir.write("secrets/sasl/password", "pw");
    mounts dirs;
    dirs.secrets_dir = (dir.path / "secrets").string();
    const auto r = load_files({(dir.path / "manifests").string()}, dirs);
    ASSERT_TRUE(r.valid()) << errors(r);
    ASSERT_EQ(r.config.endpoints.size(), 1u);
    ASSERT_TRUE(r.config.endpoints[0].credentials.username.has_value());
    EXPECT_EQ(r.config.endpoints[0].credentials.username->display(), "***");
}

TEST(runtime_load, missing_secret_and_missing_mount_directory_are_both_reported) {
    scratch_dir dir;
    dir.write("kafka.yaml", sasl_kafka);
    mounts dirs;
    dirs.secrets_dir = "/nonexistent/secrets";
    const auto r = load_files({(dir.path / "kafka.yaml").string()}, dirs);
    ASSERT_FALSE(r.valid());
    const auto text = errors(r);
    EXPECT_EQ(text.rfind("/nonexistent/secrets: secrets directory: not a directory\n", 0), 0u)
        << text;
    EXPECT_NE(
        text.find("kafka.yaml:13:9: spec.kafkaSettings.authentication.saslSettings.secretRef: "),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("Secret 'sasl' not found"), std::string::npos) << text;
}

TEST(runtime_load, yaml_text_findings_carry_its_name_line_and_field_path) {
    const auto r = load_yaml(R"(apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mq
spec:
  endpointType: Mqtt
  mqttSettings:
    host: broker:1883
    authentication:
      method: Anonymous
    qos: 7
)",
                             "app.yaml");
    ASSERT_FALSE(r.valid());
    EXPECT_EQ(errors(r).rfind("app.yaml:11:5: spec.mqttSettings.qos: ", 0), 0u) << errors(r);
}

TEST(runtime_load, format_findings_filters_by_severity) {
    config::diagnostics d;
    d.error({"a.yaml", 1, 2}, "spec.x", "bad");
    d.warning({"a.yaml", 3, 4}, "spec.y", "odd");
    d.note({"a.yaml", 5, 6}, "spec.z", "fyi");
    EXPECT_EQ(format_findings(d, config::severity::error), "a.yaml:1:2: spec.x: bad\n");
    EXPECT_EQ(format_findings(d), "a.yaml:1:2: spec.x: bad\na.yaml:3:4: warning: spec.y: odd\n");
    EXPECT_EQ(format_findings(d, config::severity::note).size(),
              format_findings(d).size() + std::string("a.yaml:5:6: note: spec.z: fyi\n").size());
    EXPECT_EQ(format_findings(config::diagnostics{}), "");
}

/// MQTT (port 1: nothing listens) → embedded Kafka, written as C++ instead of YAML.
config::configuration typed_configuration(std::string dataflow_source_ref) {
    config::configuration cfg;
    config::dataflow_endpoint mq;
    mq.meta.name = "mq";
    mq.type = config::endpoint_type::mqtt;
    mq.mqtt.host = "127.0.0.1:1";
    mq.mqtt.tls.mode = config::tls_mode::disabled;
    cfg.endpoints.push_back(mq);
    config::dataflow_endpoint kafka;
    kafka.meta.name = "kafka";
    kafka.type = config::endpoint_type::kafka;
    kafka.kafka.host = "embedded";
    cfg.endpoints.push_back(kafka);
    config::dataflow df;
    df.meta.name = "up";
    df.source.endpoint_ref = std::move(dataflow_source_ref);
    df.source.data_sources = {"sensors/+/telemetry"};
    df.destination.endpoint_ref = "kafka";
    df.destination.data_destination = "telemetry";
    cfg.dataflows.push_back(df);
    return cfg;
}

TEST(runtime_load, typed_configuration_is_completed_like_decoded_manifests) {
    const auto r = check_configuration(typed_configuration("mq"));
    ASSERT_TRUE(r.valid()) << errors(r);
    const auto& cfg = r.config;
    EXPECT_EQ(cfg.endpoints[0].meta.kind, "DataflowEndpoint");
    EXPECT_EQ(cfg.endpoints[0].mqtt.address.host, "127.0.0.1");
    EXPECT_EQ(cfg.endpoints[0].mqtt.address.port, 1);
    EXPECT_TRUE(cfg.endpoints[0].used_as_source);
    EXPECT_TRUE(cfg.endpoints[1].kafka.embedded);
    EXPECT_TRUE(cfg.endpoints[1].used_as_destination);
    EXPECT_TRUE(cfg.dataflows[0].has_source);
    EXPECT_TRUE(cfg.dataflows[0].has_destination);
    ASSERT_EQ(cfg.profiles.size(), 1u);  // the implicit `default` profile (SPEC §2.4)
    EXPECT_TRUE(cfg.profiles[0].implicit);
}

TEST(runtime_load, typed_configuration_findings_name_the_resource) {
    auto cfg = typed_configuration("nope");
    cfg.endpoints[1].kafka.host = "kafka.example";  // no port
    const auto r = check_configuration(std::move(cfg));
    ASSERT_FALSE(r.valid());
    const auto text = errors(r);
    EXPECT_NE(text.find("DataflowEndpoint azure-iot-operations/kafka: spec.kafkaSettings.host: "),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Dataflow azure-iot-operations/up: "
                        "spec.operations[0].sourceSettings.endpointRef: "),
              std::string::npos)
        << text;
}

TEST(runtime_load, typed_configuration_starts_a_runtime_with_embedded_kafka) {
    auto r = check_configuration(typed_configuration("mq"));
    ASSERT_TRUE(r.valid()) << errors(r);
    runtime_options options;
    options.sink = [](const log_record&) {};
    runtime rt(std::move(r.config), std::move(options));
    std::string error;
    ASSERT_TRUE(rt.start(error)) << error;  // the MQTT broker is retried in the background
    EXPECT_EQ(rt.embedded_clusters().size(), 1u);
    const auto m = rt.metrics_snapshot();
    ASSERT_EQ(m.dataflows.size(), 1u);
    EXPECT_EQ(m.dataflows[0].name, "azure-iot-operations/up");
    EXPECT_FALSE(rt.ready());
    EXPECT_EQ(rt.stop(std::chrono::milliseconds(0)), 0u);
}

}  // namespace
}  // namespace flowbridge::runtime
