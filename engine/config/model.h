#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/diagnostic.h"
#include "engine/config/sensitive.h"

// The typed resource model of SPEC §2: what a DataflowEndpoint, Dataflow, DataflowProfile,
// Secret and ConfigMap mean once loaded. Every field carries the default of SPEC §2; the loader
// fills them in and records where each field was written (object_meta::fields).
namespace flowbridge::config {

inline constexpr std::string_view api_group = "connectivity.iotoperations.azure.com";
inline constexpr std::string_view default_namespace = "azure-iot-operations";
inline constexpr std::string_view default_profile_name = "default";
inline constexpr std::string_view annotation_prefix = "flowbridge.io/";

/// Field path → where it was written. Paths look like `spec.kafkaSettings.batching.latencyMs`,
/// list items `spec.operations[0]`.
using field_locations = std::map<std::string, location, std::less<>>;

/// Identity and provenance shared by every resource.
struct object_meta {
    std::string api_version;
    std::string kind;
    std::string name;
    std::string namespace_name{default_namespace};
    std::map<std::string, std::string> annotations;
    std::map<std::string, std::string> labels;
    std::string path_prefix;  ///< "" or "items[3]." inside a `kind: List`
    location where;           ///< the start of the resource document
    field_locations fields;   ///< where each field of the resource was written

    /// Where `path` (without path_prefix) was written, or of its nearest written ancestor.
    location at(std::string_view path) const;
    /// `path` as diagnostics name it (with path_prefix).
    std::string field(std::string_view path) const { return path_prefix + std::string(path); }
    /// `Kind namespace/name`.
    std::string display_name() const { return kind + " " + namespace_name + "/" + name; }
};

// --- enums (matched case-insensitively when read, SPEC §2) ---------------------------------

enum class endpoint_type { kafka, mqtt };
enum class tls_mode { enabled, disabled };
enum class auth_method {
    anonymous,
    sasl,                              ///< Kafka only
    x509_certificate,                  ///< both
    system_assigned_managed_identity,  ///< both
    user_assigned_managed_identity,    ///< both
    service_account_token,             ///< MQTT only
    username_password,  ///< MQTT only, via annotation flowbridge.io/username-password-secret
};
enum class sasl_type { plain, scram_sha_256, scram_sha_512 };
enum class compression { none, gzip, snappy, lz4, zstd };
enum class batching_mode { enabled, disabled };
enum class partition_strategy { default_strategy, static_partition, topic, property };
enum class kafka_acks { zero, one, all };
enum class cloud_event_attributes { propagate, create_or_remap };
enum class mqtt_protocol { mqtt, websockets };
enum class retain_mode { keep, never };
enum class dataflow_mode { enabled, disabled };
enum class operation_type { source, destination, builtin_transformation };
enum class log_level { trace, debug, info, warn, error };
enum class offset_reset { earliest, latest };

std::string_view to_string(endpoint_type v);
std::string_view to_string(tls_mode v);
std::string_view to_string(auth_method v);
std::string_view to_string(sasl_type v);
std::string_view to_string(compression v);
std::string_view to_string(batching_mode v);
std::string_view to_string(partition_strategy v);
std::string_view to_string(kafka_acks v);
std::string_view to_string(cloud_event_attributes v);
std::string_view to_string(mqtt_protocol v);
std::string_view to_string(retain_mode v);
std::string_view to_string(dataflow_mode v);
std::string_view to_string(operation_type v);
std::string_view to_string(log_level v);
std::string_view to_string(offset_reset v);

// --- DataflowEndpoint ------------------------------------------------------------------------

/// One `host:port` of a `host` field (a Kafka host may list several, comma-separated).
struct host_port {
    std::string host;  ///< without brackets for IPv6
    std::uint16_t port = 0;
};

struct tls_settings {
    tls_mode mode = tls_mode::enabled;
    std::string trusted_ca_config_map_ref;  ///< empty: the system trust store
};

/// `authentication` of either endpoint type; only the fields of `method` are meaningful.
struct authentication {
    auth_method method = auth_method::anonymous;
    sasl_type sasl = sasl_type::plain;  ///< saslSettings.saslType
    std::string secret_ref;  ///< saslSettings / x509CertificateSettings / username-password secret
    std::string audience;    ///< SAMI audience or service-account-token audience ("" = default)
    std::string client_id;   ///< UAMI
    std::string tenant_id;   ///< UAMI
    std::string scope;       ///< UAMI ("" = default)
};

struct batching_settings {
    batching_mode mode = batching_mode::enabled;
    std::uint32_t latency_ms = 5;         ///< 0..65535
    std::uint64_t max_messages = 100000;  ///< 1..4294967295
    std::uint64_t max_bytes = 1000000;    ///< 1..4294967295
};

/// `spec.kafkaSettings` (SPEC §2.1).
struct kafka_settings {
    std::string host;  ///< as written
    std::vector<host_port> bootstrap_servers;
    bool embedded = false;  ///< `host: embedded` (SPEC §7): an in-process mock cluster
    authentication auth;
    tls_settings tls;
    std::string consumer_group_id;
    compression codec = compression::none;
    batching_settings batching;
    partition_strategy partitioning = partition_strategy::default_strategy;
    std::string partition_key_property;
    kafka_acks acks = kafka_acks::all;
    bool copy_mqtt_properties = true;
    cloud_event_attributes cloud_events = cloud_event_attributes::propagate;
};

/// `spec.mqttSettings` (SPEC §2.2).
struct mqtt_settings {
    std::string host;  ///< as written
    host_port address;
    authentication auth;
    tls_settings tls;
    std::string client_id_prefix;
    std::uint8_t qos = 1;
    retain_mode retain = retain_mode::keep;
    std::uint32_t session_expiry_seconds = 600;
    std::uint16_t keep_alive_seconds = 60;
    std::uint16_t max_inflight_messages = 100;
    mqtt_protocol protocol = mqtt_protocol::mqtt;
    cloud_event_attributes cloud_events = cloud_event_attributes::propagate;
};

/// Secret and ConfigMap material an endpoint references, resolved by the validator
/// (SPEC §2, "Secrets and ConfigMaps"). Every value that came from a Secret is secret.
struct resolved_credentials {
    std::optional<sensitive_string> username;  ///< SASL / MQTT username
    std::optional<sensitive_string> password;  ///< SASL password, token or connection string
    std::optional<sensitive_string> client_certificate_pem;  ///< leaf + intermediates
    std::optional<sensitive_string> client_key_pem;
    std::optional<std::string> trusted_ca_pem;  ///< all PEM values of the ConfigMap
};

/// `flowbridge.io/` annotations of an endpoint (docs/configuration.md, "Annotations").
struct endpoint_extensions {
    std::string username_password_secret;                     ///< MQTT UsernamePassword auth
    std::optional<bool> restore_mqtt_properties;              ///< Kafka → MQTT (SPEC §3.2)
    std::optional<bool> decode_amqp_headers;                  ///< Kafka source (SPEC §3.2)
    offset_reset auto_offset_reset = offset_reset::earliest;  ///< Kafka source (SPEC §4)
    std::string identity_endpoint;  ///< managed identity base URL (SPEC §6)
};

struct dataflow_endpoint {
    object_meta meta;
    endpoint_type type = endpoint_type::kafka;
    kafka_settings kafka;  ///< meaningful when type == kafka
    mqtt_settings mqtt;    ///< meaningful when type == mqtt
    endpoint_extensions extensions;
    resolved_credentials credentials;
    bool used_as_source = false;       ///< by some Dataflow
    bool used_as_destination = false;  ///< by some Dataflow

    const authentication& auth() const {
        return type == endpoint_type::kafka ? kafka.auth : mqtt.auth;
    }
    const tls_settings& tls() const { return type == endpoint_type::kafka ? kafka.tls : mqtt.tls; }
    /// The host ends in `.servicebus.windows.net` (SPEC §2.1, Event Hubs).
    bool is_event_hubs() const;
    /// Whether Kafka header values in AMQP encoding are decoded (annotation, default: Event Hubs).
    bool decodes_amqp_headers() const;
};

// --- Dataflow --------------------------------------------------------------------------------

struct dataflow_source {
    std::string
        path;  ///< field path of this sourceSettings, e.g. `spec.operations[0].sourceSettings`
    std::string endpoint_ref;
    std::vector<std::string> data_sources;  ///< MQTT filters or Kafka topics, as written
};

struct dataflow_destination {
    std::string path;  ///< field path of this destinationSettings
    std::string endpoint_ref;
    std::string data_destination;  ///< Kafka topic or MQTT topic template
};

/// `flowbridge.io/shards: "auto"`: one shard per CPU the process may run on (its affinity set).
inline constexpr std::uint32_t shards_auto = 0;

struct dataflow {
    object_meta meta;
    std::string profile_ref{default_profile_name};
    dataflow_mode mode = dataflow_mode::enabled;
    dataflow_source source;
    dataflow_destination destination;
    bool has_source = false;
    bool has_destination = false;
    std::optional<std::uint32_t> shards;          ///< flowbridge.io/shards (or shards_auto)
    std::optional<bool> restore_mqtt_properties;  ///< flowbridge.io/restore-mqtt-properties
    std::optional<bool> decode_amqp_headers;      ///< flowbridge.io/decode-amqp-headers
};

/// Effective `flowbridge.io/restore-mqtt-properties` of a flow (SPEC §3.2): the Dataflow's
/// annotation, else its source endpoint's, else false.
bool restores_mqtt_properties(const dataflow& df, const dataflow_endpoint* source);
/// Effective `flowbridge.io/decode-amqp-headers` of a flow (SPEC §3.2): the Dataflow's
/// annotation, else its source endpoint's (whose default is on for Event Hubs hosts).
bool decodes_amqp_headers(const dataflow& df, const dataflow_endpoint* source);

// --- DataflowProfile -------------------------------------------------------------------------

struct dataflow_profile {
    object_meta meta;
    std::uint32_t instance_count = 1;  ///< 1..20
    log_level logs = log_level::info;
    std::uint16_t prometheus_port = 9600;  ///< 0 disables
    std::optional<std::uint32_t> shards;   ///< flowbridge.io/shards (or shards_auto), default for its dataflows
    bool implicit = false;                 ///< the `default` profile nobody wrote
};

// --- Secret / ConfigMap ----------------------------------------------------------------------

/// A Kubernetes Secret from a manifest (`data` base64-decoded, `stringData` merged over it)
/// or from a mounted directory `--secrets-dir DIR/<name>/<key>`.
struct secret {
    object_meta meta;
    std::string type;                         ///< e.g. kubernetes.io/tls; informational
    std::map<std::string, std::string> data;  ///< never shown to a human
    bool from_directory = false;
};

/// A Kubernetes ConfigMap (`data`, plus `binaryData` base64-decoded) or a mounted directory.
struct config_map {
    object_meta meta;
    std::map<std::string, std::string> data;
    bool from_directory = false;
};

// --- The whole configuration -----------------------------------------------------------------

/// Every resource of one load, in input order. Plain data; built by load_configuration and
/// read-only afterwards, so it may be shared between threads once built.
struct configuration {
    std::vector<dataflow_endpoint> endpoints;
    std::vector<dataflow> dataflows;
    std::vector<dataflow_profile> profiles;  ///< including implicit `default` ones
    std::vector<secret> secrets;             ///< manifests only
    std::vector<config_map> config_maps;     ///< manifests only
    std::vector<std::string> files;          ///< every file read, in order

    const dataflow_endpoint* find_endpoint(std::string_view ns, std::string_view name) const;
    const dataflow_profile* find_profile(std::string_view ns, std::string_view name) const;
};

}  // namespace flowbridge::config
