#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/message/clock.h"
#include "engine/message/ids.h"
#include "engine/message/outbound.h"

namespace flowbridge {

/// `batching` of a Kafka destination (SPEC §2.1).
struct batching_settings {
    bool enabled = true;                 // mode: Enabled
    std::uint32_t latency_ms = 5;        // 0..65535
    std::uint32_t max_messages = 100000;
    std::uint32_t max_bytes = 1000000;
};

/// Where a flushed batch goes (the Kafka transport implements it). A batch holds records of one
/// partition of one topic, in arrival order. The span is valid only during the call: the sink
/// takes the records (it completes each one later) but not the array.
class batch_sink {
public:
    virtual ~batch_sink() = default;
    virtual void deliver(partition_id partition, std::span<outbound_kafka_record*> batch) noexcept = 0;
};

/// Why a batch was flushed (counted per reason, and useful in tests).
enum class flush_reason : std::uint8_t { max_messages, max_bytes, latency, disabled, drain };

/// Groups records per partition and flushes a partition's batch when it holds `max_messages`
/// records, or adding the next record would take it past `max_bytes`, or `latency_ms` has passed
/// since its first record (SPEC §2.1), whichever comes first. A record larger than `max_bytes` on
/// its own is sent as a batch of one. With batching disabled every record is its own batch.
///
/// One per shard and destination; used by the shard's thread only. Steady state allocates
/// nothing: each partition's vector keeps its capacity across batches.
class batcher {
public:
    using flush_observer = void (*)(void* context, partition_id, flush_reason, std::size_t records);

    batcher(const batching_settings& settings, batch_sink& sink) noexcept;

    /// Adds a record whose partition is set. May flush that partition's batch first (bytes) or
    /// after (count). `now` is the injected clock's time.
    void add(outbound_kafka_record* record, mono_ns now) noexcept;

    /// Flushes every batch whose first record is `latency_ms` old or older. Call after each
    /// ingress burst and when next_deadline() passes.
    void poll(mono_ns now) noexcept;

    /// Flushes every non-empty batch (shutdown, or a drain).
    void flush_all() noexcept;

    /// The earliest time a batch becomes due, or INT64_MAX when nothing is buffered.
    mono_ns next_deadline() const noexcept;

    std::size_t buffered_records() const noexcept { return buffered_; }

    /// Called after every flush (tests observe the flush reasons through it). Optional.
    void set_flush_observer(flush_observer observer, void* context) noexcept {
        observer_ = observer;
        observer_context_ = context;
    }

private:
    struct partition_batch {
        std::vector<outbound_kafka_record*> records;
        std::uint64_t bytes = 0;
        mono_ns first_arrival = 0;  // when the first record was added
    };

    void flush(std::size_t partition, flush_reason why) noexcept;
    partition_batch& batch_for(partition_id p);

    batching_settings settings_;
    mono_ns latency_ns_;
    batch_sink& sink_;
    std::vector<partition_batch> batches_;  // indexed by partition; grows with the topic
    std::size_t buffered_ = 0;
    std::size_t open_batches_ = 0;
    flush_observer observer_ = nullptr;
    void* observer_context_ = nullptr;
};

}  // namespace flowbridge
