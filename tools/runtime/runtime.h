#pragma once

// flowbridge::runtime — the library `flowbridge run` is a thin shell over (docs/decisions/
// 0003-runtime-library.md): from a loaded configuration it starts every enabled Dataflow of this
// instance, wiring engine/pipeline to transports/mqtt and transports/kafka, and drains them on
// stop (SPEC §4). docs/operations.md describes the threads and the failure behaviour.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/model.h"
#include "tools/runtime/log.h"
#include "tools/runtime/mapping.h"
#include "tools/runtime/metrics.h"
#include "transports/kafka/client_config.h"

namespace flowbridge::runtime {

struct runtime_options {
    /// This process's ordinal among its profiles' instances (SPEC §2.4; see resolve_instance).
    std::uint32_t instance = 0;
    /// Log level override (`--log-level`); none: the most verbose level of the profiles in use.
    std::optional<log_level> level;
    log_sink sink;  ///< none: stderr_log_sink()
    /// `--metrics-port`; none: the profile's prometheusPort. Kept for the metrics endpoint
    /// (tools/runtime/exporter.h), which reads it with metrics_port(); the runtime serves nothing.
    std::optional<std::uint16_t> metrics_port;
    /// Extra librdkafka properties appended to every Kafka client (`--kafka-property`).
    kafka::property_list kafka_properties;
    mqtt_auth_environment mqtt_auth;
    /// How long a source-side start waits for Kafka metadata before retrying (the flow keeps
    /// retrying until it starts or the runtime stops).
    std::chrono::milliseconds kafka_metadata_timeout{2000};
    /// Record slots per MQTT → Kafka shard (at least the Receive Maximum).
    std::size_t shard_in_flight_limit = 1024;
};

/// The runtime of one flowbridge instance.
///
/// Threads: one supervisor thread per Dataflow (start-up with retries, then waits for stop and
/// drains); per MQTT → Kafka shard one pinned shard thread (MQTT session, engine chain, Kafka
/// producer's delivery reports) plus librdkafka's own threads; per Kafka → MQTT shard one worker
/// thread (consumer, translation, MQTT publisher session); per MQTT → MQTT shard one worker thread
/// (both sessions on one event loop). See docs/operations.md.
///
/// Owned by the control thread: start(), stop() and the destructor are called from it;
/// metrics_snapshot() from any thread.
class runtime {
  public:
    /// Precondition: `config` validated without errors. Throws nothing; problems of individual
    /// flows are reported by start().
    runtime(config::configuration config, runtime_options options);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    /// Builds every enabled Dataflow this instance runs, starts embedded Kafka clusters and the
    /// flows' supervisors. Returns false + `error` (every problem, one per line, no secrets) when
    /// a flow cannot be built at all (unsupported authentication, WebSockets); nothing is left
    /// running then. Connection problems are not errors: the flows retry.
    bool start(std::string& error);

    /// SPEC §4 shutdown: stops intake, drains in-flight work (flush, acknowledge, commit) within
    /// `deadline`, disconnects. Returns the number of messages left undelivered (they stay
    /// unacknowledged/uncommitted and are redelivered). Idempotent.
    std::size_t stop(std::chrono::milliseconds deadline);

    /// Counters, connection states, histograms and identity tokens of every running dataflow
    /// (any thread; takes a mutex and allocates: control plane). After stop() it keeps returning
    /// the totals the flows had when they stopped, with `stopping` set.
    runtime_metrics metrics_snapshot() const;

    /// What keeps this instance from being ready, one line each (for /readyz): "dataflow ns/x:
    /// source ns/mq not subscribed (0 of 2 shard(s))", "… destination ns/kafka not connected …";
    /// "shutting down" once stop() began. Empty: every enabled flow's source is subscribed
    /// (MQTT) or assigned (Kafka) and its destination connected, on every shard.
    std::vector<std::string> not_ready() const;
    /// The same, from a snapshot already taken.
    static std::vector<std::string> not_ready_from(const runtime_metrics& snapshot);

    /// not_ready().empty().
    bool ready() const;

    /// The metrics port: the option (`--metrics-port`; 0 = any free port), else the profile's
    /// prometheusPort (the `default` profile's, else the first profile's), where 0 means
    /// disabled (SPEC §2.4): then nullopt.
    std::optional<std::uint16_t> metrics_port() const;

    /// `host: embedded` clusters: `namespace/name` → bootstrap address (for tools and tests).
    std::vector<std::pair<std::string, std::string>> embedded_clusters() const;

    const logger& log() const noexcept;

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

}  // namespace flowbridge::runtime
