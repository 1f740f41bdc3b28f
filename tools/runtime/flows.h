#pragma once

// Internal to tools/runtime: the two kinds of running Dataflow. Not installed, not for tools.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/message/clock.h"
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
    virtual bool ready() const = 0;
};

/// MQTT → Kafka: `shards` × (MQTT session with a shared subscription → mqtt_ingress →
/// mqtt_to_kafka_shard → kafka_producer), each shard on one pinned thread (fused topology).
/// A supervisor thread creates the shards, retries Kafka start-up until it succeeds (a cluster
/// that is down at start is not an error), and drains on stop.
struct mqtt_to_kafka_plan {
    std::string name;  ///< namespace/name
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
    std::vector<mqtt::session_options> sources;       ///< one per shard
    std::vector<mqtt::session_options> destinations;  ///< one per shard
    std::unique_ptr<topic_template> destination_topic;
    qos publish_qos = qos::at_least_once;
};
std::unique_ptr<flow> make_mqtt_to_mqtt_flow(mqtt_to_mqtt_plan plan, const logger& log,
                                             const clock& time);

}  // namespace flowbridge::runtime
