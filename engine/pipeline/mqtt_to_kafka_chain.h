#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "engine/message/clock.h"
#include "engine/message/outbound.h"
#include "engine/stages/batcher.h"
#include "engine/stages/drop_counters.h"
#include "engine/stages/expiry.h"
#include "engine/stages/mqtt_to_kafka.h"
#include "engine/stages/partitioner.h"

namespace flowbridge {

/// How a message left the engine, as reported back to its source.
enum class completion : std::uint8_t {
    delivered,  // the destination acknowledged it (at the configured acks level)
    expired,    // intentionally dropped at hand-off (SPEC §3.3): handled, acknowledge the source
    failed,     // the destination rejected it for good: do not acknowledge (redelivered later)
};

/// Where finished records go: the owner of the record slots, which tells the source (an MQTT
/// source sends PUBACKs in arrival order from these) and reuses the slot. Called on the chain's
/// thread.
class completion_sink {
public:
    virtual ~completion_sink() = default;
    virtual void complete(outbound_kafka_record* record, completion how) noexcept = 0;
};

/// Everything one MQTT → Kafka chain needs, resolved from the configuration at start-up.
struct mqtt_to_kafka_chain_settings {
    mqtt_to_kafka_settings translation;
    partitioner_settings partitioning;
    batching_settings batching;
};

/// Per-chain statistics (one writer: the chain's thread).
struct chain_counters {
    counter received;
    counter handed_off;
    counter delivered;
    counter failed;
    counter batches;
};

/// The stages of one MQTT → Kafka shard on one thread: translate/expiry → partitioner → batcher →
/// (expiry re-check at hand-off) → destination. Pure: no sockets, no threads, no slot ownership;
/// the shard pipeline decides which thread calls it and who owns the record slots.
///
/// Owned by one thread: every method must be called from it, including complete() (the Kafka
/// transport is polled on this thread, so its delivery reports arrive here).
class mqtt_to_kafka_chain final : private batch_sink {
public:
    mqtt_to_kafka_chain(const mqtt_to_kafka_chain_settings& settings, const clock& time,
                        const std::atomic<std::int32_t>& partition_count, batch_sink& destination,
                        completion_sink& owner, std::uint64_t seed = 1);

    /// Runs a received message through translate, expiry, partitioner and batcher into
    /// `record`, a free slot, which the chain owns until complete(). `message` need only live
    /// through the call (its bytes until completion). `now` is the injected clock's time, read
    /// once per ingress burst by the caller (a clock read costs as much as a stage).
    void process(outbound_kafka_record* record, const mqtt_message& message, mono_ns now) noexcept;

    /// Flushes batches that reached latencyMs. Call after every ingress burst and at
    /// next_deadline().
    void poll(mono_ns now) noexcept { batcher_.poll(now); }
    void poll() noexcept { poll(clock_.now()); }
    mono_ns next_deadline() const noexcept { return batcher_.next_deadline(); }

    /// Flushes everything buffered (drain on shutdown).
    void flush() noexcept { batcher_.flush_all(); }

    /// The destination finished with `record`: counts it and hands it to the slot owner.
    void complete(outbound_kafka_record* record, completion how) noexcept;

    /// SPEC §3.3, for a record the destination held back after the first hand-off (Kafka was
    /// unreachable, so the record waited outside the client): re-evaluated immediately before
    /// it is handed over again, with this chain's clock and drop counters. true: still alive,
    /// its `Message Expiry Interval` header now carries the remaining interval; false: expired,
    /// counted and completed as `expired` here (its source acknowledges it, SPEC §4).
    bool reevaluate_at_handoff(outbound_kafka_record* record) noexcept;

    /// Records given to process() and not yet completed (buffered or at the destination). Any
    /// thread may read it (the metrics scrape); only the chain's thread writes it.
    std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
    std::size_t buffered() const noexcept { return batcher_.buffered_records(); }
    const drop_counters& drops() const noexcept { return drops_; }
    const chain_counters& counters() const noexcept { return counters_; }

private:
    void deliver(partition_id partition, std::span<outbound_kafka_record*> batch) noexcept override;

    mqtt_to_kafka_chain_settings settings_;
    const clock& clock_;
    const std::atomic<std::int32_t>& partition_count_;
    batch_sink& destination_;
    completion_sink& owner_;
    std::atomic<std::size_t> in_flight_{0};  // single writer: the chain's thread
    uuid_source ids_;
    partitioner partitioner_;
    batcher batcher_;
    drop_counters drops_;
    chain_counters counters_;
};

}  // namespace flowbridge
