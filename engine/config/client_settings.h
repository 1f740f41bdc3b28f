#pragma once

// Effective client settings: pure functions from a validated endpoint to what the transports
// hand to their client libraries. The Kafka transport passes `kafka_client_settings::properties`
// to librdkafka unchanged; the MQTT transport builds its CONNECT from mqtt_connection_options.
// Every choice and clamp is documented in docs/configuration.md ("Effective client settings").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/model.h"
#include "engine/config/sensitive.h"

namespace flowbridge::config {

enum class kafka_role { source, destination };
std::string_view to_string(kafka_role r);

/// One client property (a librdkafka configuration property, or an MQTT connection option).
struct client_property {
    std::string name;
    sensitive_string value;
};

/// An ordered property list. Setting a name twice replaces the earlier value in place.
class client_properties {
  public:
    void set(std::string name, std::string value);       ///< a plain value
    void set(std::string name, sensitive_string value);  ///< keeps the value's secrecy
    const client_property* find(std::string_view name) const;
    /// The value of `name`, or "" when absent (for tests and logs; secrets via reveal()).
    std::string value(std::string_view name) const;
    const std::vector<client_property>& all() const { return items_; }
    std::size_t size() const { return items_.size(); }

  private:
    std::vector<client_property> items_;
};

/// How an access token is obtained for a managed identity (SPEC §6). Consumed by the identity
/// provider of the transports; `identity_endpoint` empty means $IDENTITY_ENDPOINT or IMDS.
struct token_settings {
    auth_method method = auth_method::system_assigned_managed_identity;
    std::string resource;   ///< IMDS `resource=`
    std::string scope;      ///< workload identity `scope=` (user-assigned)
    std::string client_id;  ///< user-assigned
    std::string tenant_id;  ///< user-assigned
    std::string identity_endpoint;
};

// librdkafka 2.0 limits (CONFIGURATION.md of librdkafka): the model's wider ranges are clamped.
inline constexpr std::uint64_t librdkafka_max_batch_num_messages = 1000000;
inline constexpr std::uint64_t librdkafka_max_batch_size = 2147483647;
/// queue.buffering.max.messages: at least this, and at least twice batch.num.messages.
inline constexpr std::uint64_t producer_queue_min_messages = 1000000;

struct kafka_client_settings {
    kafka_role role = kafka_role::destination;
    client_properties properties;         ///< librdkafka configuration, in a stable order
    std::optional<token_settings> token;  ///< set for OAUTHBEARER (managed identities)
    bool embedded_cluster = false;        ///< `host: embedded`: no bootstrap.servers here
};

/// The librdkafka configuration of `ep` in `role` (SPEC §2.1). Precondition: `ep` is a Kafka
/// endpoint of a configuration that validated without errors (credentials resolved).
kafka_client_settings make_kafka_client_settings(const dataflow_endpoint& ep, kafka_role role);

/// MQTT v5 connection options of an Mqtt endpoint (SPEC §2.2, §4).
struct mqtt_connection_options {
    std::string host;
    std::uint16_t port = 0;
    bool tls = true;
    std::optional<std::string> trusted_ca_pem;               ///< none: system trust store
    std::optional<sensitive_string> client_certificate_pem;  ///< X509Certificate
    std::optional<sensitive_string> client_key_pem;
    std::string client_id_prefix;
    auth_method auth = auth_method::anonymous;
    /// MQTT v5 Authentication Method: `K8S-SAT` (service account token, sent as enhanced
    /// authentication data) or `OAUTH2-JWT` (managed identity token sent as the password).
    std::string authentication_method;
    std::string service_account_audience;      ///< ServiceAccountToken
    std::optional<token_settings> token;       ///< managed identities
    std::optional<sensitive_string> username;  ///< UsernamePassword
    std::optional<sensitive_string> password;
    std::uint8_t qos = 1;
    bool retain = true;        ///< retain: Keep
    bool clean_start = false;  ///< SPEC §4: persistent sessions
    std::uint32_t session_expiry_seconds = 600;
    std::uint16_t keep_alive_seconds = 60;
    std::uint16_t receive_maximum = 100;  ///< maxInflightMessages

    /// The same, as a property list for `flowbridge render`.
    client_properties to_properties() const;
};

/// Precondition: `ep` is an Mqtt endpoint of a configuration that validated without errors.
mqtt_connection_options make_mqtt_connection_options(const dataflow_endpoint& ep);

/// The deterministic MQTT client id of SPEC §4: `<prefix><dataflow>-<instance>[-<shard>]`.
std::string mqtt_client_id(std::string_view prefix, std::string_view dataflow,
                           std::uint32_t instance, std::optional<std::uint32_t> shard = {});

}  // namespace flowbridge::config
