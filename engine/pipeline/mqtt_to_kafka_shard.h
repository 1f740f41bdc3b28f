#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/message/clock.h"
#include "engine/message/outbound.h"
#include "engine/message/record_pool.h"
#include "engine/pipeline/core_plan.h"
#include "engine/pipeline/mqtt_to_kafka_chain.h"
#include "engine/pipeline/shard_thread.h"
#include "engine/ring/spsc_ring.h"

namespace flowbridge {

/// The seam to an MQTT source (the MQTT transport implements it; tests and benchmarks use
/// synthetic ones). Called only from the shard's ingress thread.
class ingress_source {
public:
    virtual ~ingress_source() = default;

    /// Hands out up to `messages.size()` received PUBLISHes, `messages[i]` pointing at one with
    /// arrival = `now` and its tag set. The mqtt_message objects must stay unchanged until the
    /// next receive() call (the shard translates them before that, or copies them); the bytes
    /// their views point into until complete() is called for the tag. Returns how many (0:
    /// nothing ready). Also called with an empty span when every slot is in flight: the source
    /// keeps its connection alive (keep-alive, PUBACK writes) without taking new messages.
    virtual std::size_t receive(std::span<mqtt_message*> messages, mono_ns now) noexcept = 0;

    /// The message is finished: `delivered`/`expired` → acknowledge it (PUBACKs in arrival order
    /// are the source's job); `failed` → leave it unacknowledged, the broker redelivers.
    virtual void complete(delivery_tag tag, completion how) noexcept = 0;
};

/// Work the destination must do on the shard's worker thread (the Kafka producer serves its
/// delivery reports from here, so completions arrive on the chain's thread). Returns how much
/// work it did (0: idle).
class destination_service {
public:
    virtual ~destination_service() = default;
    virtual std::size_t poll() noexcept = 0;
};

struct mqtt_to_kafka_shard_options {
    pipeline::topology topo = pipeline::topology::fused;
    /// From the core plan: the fused thread uses `ingress_cpu`; split uses both.
    std::optional<pipeline::cpu_id> ingress_cpu;
    std::optional<pipeline::cpu_id> worker_cpu;
    /// Record slots: the most messages in flight in this shard (received, not yet completed).
    /// When all are in flight the shard stops receiving — SPEC §4 back-pressure.
    std::size_t in_flight_limit = 1024;
    /// Messages taken from the source per poll (one clock read per burst).
    std::size_t burst = 64;
    std::string name = "fb-s0";
    /// Back-off of the shard thread(s) when they find no work. With a `wait` hook (the runtime
    /// blocks on the MQTT loop, which also watches the Kafka client's wakeup descriptor), the
    /// fused thread never blocks past the batcher's next deadline.
    pipeline::idle_options idle;
};

/// One MQTT → Kafka shard: an ingress_source, the stage chain and a destination, on one pinned
/// thread (fused) or two (split: ingress thread → ring → worker thread, slots coming back on a
/// second ring). The ingress side owns the record slots and talks to the source; the worker side
/// runs the chain and services the destination.
///
/// Owned by the control thread: start() and stop() are called from it. Counters may be read from
/// any thread.
class mqtt_to_kafka_shard final : private completion_sink {
public:
    mqtt_to_kafka_shard(const mqtt_to_kafka_chain_settings& settings, const clock& time,
                        const std::atomic<std::int32_t>& partition_count, batch_sink& destination,
                        destination_service* service, ingress_source& source,
                        mqtt_to_kafka_shard_options options);
    ~mqtt_to_kafka_shard() override;

    mqtt_to_kafka_shard(const mqtt_to_kafka_shard&) = delete;
    mqtt_to_kafka_shard& operator=(const mqtt_to_kafka_shard&) = delete;

    /// Starts the thread(s); returns what pinning did for each, for the caller to log.
    std::vector<pipeline::pin_report> start();

    /// SPEC §4 shutdown: stops intake, flushes every batch, and waits until the destination has
    /// completed every record in flight or `deadline` passes; then stops the threads. Returns the
    /// number of records still in flight (0: a clean drain).
    std::size_t stop(std::chrono::milliseconds deadline);

    /// The destination reports that it finished a record it was given. Worker thread only: from
    /// batch_sink::deliver or destination_service::poll.
    void destination_completed(outbound_kafka_record* record, completion how) noexcept {
        chain_.complete(record, how);
    }

    /// The destination is about to hand `record` over again after holding it back (an outage):
    /// SPEC §3.3 re-evaluation by the chain. false: the record expired and is already completed.
    /// Worker thread only (from destination_service::poll), or the control thread after stop().
    bool destination_handoff(outbound_kafka_record* record) noexcept {
        return chain_.reevaluate_at_handoff(record);
    }

    /// Records received and not yet completed (any thread).
    std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_acquire); }
    std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }
    const drop_counters& drops() const noexcept { return chain_.drops(); }
    const chain_counters& counters() const noexcept { return chain_.counters(); }

private:
    // The two sides; in the fused topology one thread calls both.
    std::size_t ingress_poll(mono_ns now) noexcept;  // ingress thread
    std::size_t worker_poll(mono_ns now) noexcept;   // worker thread
    void complete(outbound_kafka_record* record, completion how) noexcept override;  // worker
    void finish(outbound_kafka_record* record, completion how) noexcept;             // ingress
    // Fused thread's idle wait: options_.idle.wait, bounded by the batcher's next deadline.
    static void idle_wait(void* self, std::chrono::microseconds max) noexcept;

    const clock& clock_;
    ingress_source& source_;
    destination_service* service_;
    mqtt_to_kafka_shard_options options_;
    mqtt_to_kafka_chain chain_;
    record_pool<outbound_kafka_record> pool_;  // ingress thread only (index_of: any)
    std::vector<outbound_kafka_record*> burst_;  // ingress thread only
    std::vector<mqtt_message*> received_;        // ingress thread only: burst_'s messages

    // Split topology only. Each ring holds every slot, so a push can never fail.
    struct returned {
        outbound_kafka_record* record;
        completion how;
    };
    std::unique_ptr<spsc_ring<outbound_kafka_record*>> to_worker_;
    // The message of each slot on its way to the worker (indexed like the pool): the source's
    // own copy is only valid until its next receive(). Written by the ingress thread before the
    // slot is pushed, read by the worker after the pop.
    std::vector<mqtt_message> handed_over_;
    std::unique_ptr<spsc_ring<returned>> to_ingress_;
    std::vector<outbound_kafka_record*> worker_batch_;  // worker thread only
    std::vector<returned> returned_batch_;              // ingress thread only

    std::atomic<bool> intake_{true};
    std::atomic<bool> draining_{false};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<std::uint64_t> completed_{0};
    std::vector<pipeline::shard_thread> threads_;
};

}  // namespace flowbridge
