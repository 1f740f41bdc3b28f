#pragma once

// Internal to tools/runtime: the two kinds of running Dataflow. Not installed, not for tools.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/message/clock.h"
#include "engine/metrics/metric.h"
#include "engine/pipeline/core_plan.h"
#include "tools/runtime/log.h"
#include "tools/runtime/mapping.h"
#include "tools/runtime/metrics.h"
#include "transports/kafka/consumer.h"
#include "transports/kafka/producer.h"
#include "transports/mqtt/session.h"

namespace flowbridge::runtime {

using steady_time = std::chrono::steady_clock::time_point;

/// One running Dataflow. Built and started by the control thread; stop() from the control
/// thread; metrics() and ready() from any thread.
class flow {
  public:
    virtual ~flow() = default;
    virtual void start() = 0;
    /// Asks the flow to stop intake and drain until `until` (does not wait).
    virtual void request_stop(steady_time until) = 0;
    /// Waits for the drain requested by request_stop; returns messages left undelivered.
    virtual std::size_t join() = 0;
    virtual dataflow_metrics metrics() const = 0;
    /// Every shard's source and destination connected (the /readyz input).
    bool ready() const {
        const auto m = metrics();
        return m.shards_connected == m.shards;
    }
};

/// A histogram of one flow with one cell block per shard (shard threads observe without
/// contention, no lock, no allocation); `bounds` from metrics.h.
std::unique_ptr<metrics::histogram> make_histogram(std::span<const std::int64_t> bounds,
                                                   double scale, std::size_t shards);
/// Copies a histogram for dataflow_metrics (control plane: allocates).
histogram_snapshot snapshot_of(const metrics::histogram& h);

/// librdkafka's log lines and error events of one client (already redacted and rate-limited by
/// the transport) into the runtime log as `<label>: librdkafka <facility>: <message>`: syslog
/// levels ≤ 4 warn, 5–6 info, 7 debug.
kafka::log_callback kafka_log_route(const logger& log, const std::string& flow, std::string label);

/// The arrival stamps of publishes awaiting their completion, for the latency histogram of the
/// flows whose destination is MQTT: completions come back with the publish's token only.
/// Completions arrive in publish order (MQTT v5 §4.6) except around reconnects, so the match is
/// almost always the front. One thread (the worker). Grows to the largest window seen, then
/// allocates nothing.
class arrival_fifo {
  public:
    void push(std::uint64_t token, mono_ns arrival) {
        if (size_ == ring_.size()) grow();
        ring_[(head_ + size_) & (ring_.size() - 1)] = {token, arrival};
        ++size_;
    }
    /// Forgets the entry pushed last (its publish was not accepted).
    void pop_back() noexcept {
        if (size_ != 0) --size_;
    }
    /// The arrival of `token` (and forgets it), or -1 when unknown.
    mono_ns take(std::uint64_t token) noexcept {
        const std::size_t mask = ring_.size() - 1;
        for (std::size_t i = 0; i < size_; ++i) {
            entry& e = ring_[(head_ + i) & mask];
            if (e.token != token || e.arrival < 0) continue;
            const mono_ns arrival = e.arrival;
            e.arrival = -1;  // a tombstone unless it is the front
            while (size_ != 0 && ring_[head_].arrival < 0) {
                head_ = (head_ + 1) & mask;
                --size_;
            }
            return arrival;
        }
        return -1;
    }
    void clear() noexcept { head_ = size_ = 0; }

  private:
    struct entry {
        std::uint64_t token = 0;
        mono_ns arrival = -1;
    };
    void grow() {
        std::vector<entry> bigger(ring_.empty() ? 64 : ring_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
        ring_ = std::move(bigger);
        head_ = 0;
    }
    std::vector<entry> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

/// MQTT → Kafka: `shards` × (MQTT session with a shared subscription → mqtt_ingress →
/// mqtt_to_kafka_shard → kafka_producer), each shard on one pinned thread (fused topology).
/// A supervisor thread creates the shards, retries Kafka start-up until it succeeds (a cluster
/// that is down at start is not an error), and drains on stop.
struct mqtt_to_kafka_plan {
    std::string name;  ///< namespace/name
    std::string source_endpoint;       ///< namespace/name of the DataflowEndpoints
    std::string destination_endpoint;
    std::vector<mqtt::session_options> sessions;  ///< one per shard
    kafka::producer_options producer;
    std::unique_ptr<mqtt_to_kafka_flow_settings> settings;
    std::vector<std::optional<pipeline::cpu_id>> cpus;  ///< one per shard
    std::size_t in_flight_limit = 1024;
};
std::unique_ptr<flow> make_mqtt_to_kafka_flow(mqtt_to_kafka_plan plan, const logger& log,
                                              const clock& time);

/// Kafka → MQTT: `shards` × one worker thread owning a consumer-group member, the translation,
/// and an MQTT publisher session; a record's offset is completed (and later committed) only
/// when its PUBLISH was acknowledged (QoS 1) or written (QoS 0), SPEC §4.
struct kafka_to_mqtt_plan {
    std::string name;
    std::string source_endpoint;
    std::string destination_endpoint;
    std::vector<mqtt::session_options> sessions;  ///< one per shard (publishers, no subscriptions)
    kafka::consumer_options consumer;
    std::unique_ptr<kafka_to_mqtt_flow_settings> settings;
    qos publish_qos = qos::at_least_once;
};
std::unique_ptr<flow> make_kafka_to_mqtt_flow(kafka_to_mqtt_plan plan, const logger& log,
                                              const clock& time);

/// MQTT → MQTT: `shards` × one worker thread with the source session (subscriber) and the
/// destination session (publisher) on one event loop; the source message is acknowledged when
/// its copy was acknowledged by the destination broker (QoS 1) or written (QoS 0).
struct mqtt_to_mqtt_plan {
    std::string name;
    std::string source_endpoint;
    std::string destination_endpoint;
    std::vector<mqtt::session_options> sources;       ///< one per shard
    std::vector<mqtt::session_options> destinations;  ///< one per shard
    std::unique_ptr<topic_template> destination_topic;
    qos publish_qos = qos::at_least_once;
};
std::unique_ptr<flow> make_mqtt_to_mqtt_flow(mqtt_to_mqtt_plan plan, const logger& log,
                                             const clock& time);

}  // namespace flowbridge::runtime
