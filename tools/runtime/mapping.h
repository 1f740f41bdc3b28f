#pragma once

// Pure functions from a loaded configuration to what the transports and the engine are built
// with: MQTT session options, librdkafka client configuration, the stage settings of each
// direction, shard counts, subscriptions and the instance ordinal. No I/O, no threads, no
// global state: each is unit-tested (tests/unit/tools/runtime/mapping_test.cc).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/client_settings.h"
#include "engine/config/model.h"
#include "engine/pipeline/mqtt_to_kafka_chain.h"
#include "engine/stages/kafka_to_mqtt.h"
#include "engine/stages/topic_template.h"
#include "transports/kafka/client_config.h"
#include "transports/mqtt/session.h"

namespace flowbridge::runtime {

/// Where the instance ordinal came from (SPEC §2.4), for the start-up log line.
enum class instance_source : std::uint8_t { option, hostname, fallback };

struct resolved_instance {
    std::uint32_t id = 0;
    instance_source from = instance_source::fallback;
};

/// The trailing `-N` of a StatefulSet pod name (`flowbridge-2` → 2); nullopt without one.
std::optional<std::uint32_t> instance_from_hostname(std::string_view hostname);

/// SPEC §2.4: `--instance-id` if given, else the trailing `-N` of `hostname`, else 0.
resolved_instance resolve_instance(std::optional<std::uint32_t> option, std::string_view hostname);

/// The most shards `flowbridge.io/shards: "auto"` gives (the annotation's own upper bound).
inline constexpr std::uint32_t max_auto_shards = 64;

/// The number of pipeline shards of a Dataflow: its `flowbridge.io/shards` annotation, else its
/// profile's, else 1; `"auto"` is `cpus` (the CPUs the process may use, at least 1, at most
/// max_auto_shards) (docs/operations.md, "Shards").
std::uint32_t shard_count(const config::dataflow& df, const config::dataflow_profile* profile,
                          std::uint32_t cpus);

/// The topic filters an MQTT source subscribes to, as sent on the wire (SPEC §2.3): `$shared/`
/// becomes `$share/`; when `instance_count` > 1 or `shards` > 1, a plain filter becomes
/// `$share/<profile>-<dataflow>/<filter>` so the instances and shards split the messages.
std::vector<std::string> subscription_filters(const config::dataflow& df,
                                              std::uint32_t instance_count, std::uint32_t shards);

/// Obtains an access token for a managed identity (SPEC §6), on every MQTT (re)connect; must not
/// block on the network. The runtime supplies one backed by identity::token_provider unless the
/// embedding application sets its own.
using token_provider = std::function<std::string(const config::token_settings&)>;

/// What identifies one MQTT connection of a flow (SPEC §4 deterministic client ids).
struct session_identity {
    std::string_view dataflow;
    std::uint32_t instance = 0;
    std::optional<std::uint32_t> shard;  ///< set when the flow has more than one shard
};

/// Environment-provided inputs of MQTT authentication (SPEC §2: checked when `run` starts).
struct mqtt_auth_environment {
    /// ServiceAccountToken (K8S-SAT): the projected token file, re-read on every connect.
    std::string service_account_token_file = "/var/run/secrets/tokens/mq-sat";
    token_provider tokens;  ///< managed identities (OAUTH2-JWT)
};

/// MQTT v5 session options of an Mqtt endpoint (SPEC §2.2, §4): server, TLS PEMs, authentication
/// (anonymous, username/password, X.509, K8S-SAT token file, OAUTH2-JWT token callback), client
/// id `<clientIdPrefix><dataflow>-<instance>[-<shard>]`, Clean Start 0, Session Expiry, Keep
/// Alive, Receive Maximum and publish window = `maxInflightMessages`, retain Keep/Never, and a
/// subscription per filter at the endpoint's QoS. nullopt + `error` (never a secret) when the
/// endpoint cannot be served by this build (WebSockets, a managed identity without provider).
std::optional<mqtt::session_options> make_session_options(
    const config::dataflow_endpoint& ep, const session_identity& who,
    const std::vector<std::string>& filters, const mqtt_auth_environment& env, std::string& error);

/// The librdkafka client configuration of a Kafka endpoint in `role`, from engine/config's
/// effective client settings (make_kafka_client_settings), with every secret property listed in
/// `secret_keys`. `embedded_bootstrap` is the mock cluster's address for `host: embedded`.
/// `extra` (operator overrides, `--kafka-property`) is appended last. A managed identity
/// (SASL OAUTHBEARER) needs a token source for the client (`have_token_source`); without one:
/// nullopt + `error`.
std::optional<kafka::client_config> make_kafka_client_config(
    const config::dataflow_endpoint& ep, config::kafka_role role,
    std::string_view embedded_bootstrap, const kafka::property_list& extra, std::string& error,
    bool have_token_source = false);

/// The stage settings of one MQTT → Kafka flow, with the strings their views point at. Not
/// movable once built (the settings view `topic_` and `cloud_events_source_`): hold it by pointer.
class mqtt_to_kafka_flow_settings {
  public:
    mqtt_to_kafka_flow_settings(const config::dataflow& df, const config::dataflow_endpoint& dest,
                                std::uint32_t instance);
    mqtt_to_kafka_flow_settings(const mqtt_to_kafka_flow_settings&) = delete;
    mqtt_to_kafka_flow_settings& operator=(const mqtt_to_kafka_flow_settings&) = delete;

    const mqtt_to_kafka_chain_settings& chain() const noexcept { return chain_; }
    const std::string& topic() const noexcept { return topic_; }

  private:
    std::string topic_;
    std::string cloud_events_source_;
    std::string key_property_;
    mqtt_to_kafka_chain_settings chain_;
};

/// The translation settings of one Kafka → MQTT flow, owning its parsed topic template. Not
/// movable once built (the settings point at `template_`): hold it by pointer.
class kafka_to_mqtt_flow_settings {
  public:
    /// Throws std::invalid_argument on a template the validator should have refused.
    kafka_to_mqtt_flow_settings(const config::dataflow& df, const config::dataflow_endpoint* source);
    kafka_to_mqtt_flow_settings(const kafka_to_mqtt_flow_settings&) = delete;
    kafka_to_mqtt_flow_settings& operator=(const kafka_to_mqtt_flow_settings&) = delete;

    const kafka_to_mqtt_settings& translation() const noexcept { return settings_; }

  private:
    topic_template template_;
    kafka_to_mqtt_settings settings_;
};

/// Engine-side enums of config enums.
partition_strategy to_engine(config::partition_strategy s) noexcept;
batching_settings to_engine(const config::batching_settings& b) noexcept;

}  // namespace flowbridge::runtime
