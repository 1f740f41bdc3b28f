#include "engine/pipeline/mqtt_to_kafka_chain.h"

namespace flowbridge {

mqtt_to_kafka_chain::mqtt_to_kafka_chain(const mqtt_to_kafka_chain_settings& settings,
                                         const clock& time,
                                         const std::atomic<std::int32_t>& partition_count,
                                         batch_sink& destination, completion_sink& owner,
                                         std::uint64_t seed)
    : settings_(settings),
      clock_(time),
      partition_count_(partition_count),
      destination_(destination),
      owner_(owner),
      ids_(seed),
      partitioner_(settings.partitioning, static_cast<std::uint32_t>(seed)),
      batcher_(settings.batching, *this) {}

void mqtt_to_kafka_chain::process(outbound_kafka_record* record, const mqtt_message& message,
                                  mono_ns now) noexcept {
    counters_.received.add();
    in_flight_.store(in_flight_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    translate_mqtt_to_kafka(message, *record, settings_.translation, drops_, &ids_);
    // SPEC §3.3: a message that is already expired takes no batch space; it is handled. (The
    // header is rewritten at hand-off; here only the verdict matters.)
    if (record->has_expiry &&
        evaluate_expiry(record->expiry_interval, record->arrival, now).expired) {
        drops_.add(drop_reason::message_expired);
        complete(record, completion::expired);
        return;
    }
    std::int32_t partitions = partition_count_.load(std::memory_order_relaxed);
    if (partitions < 1) partitions = 1;  // metadata not known yet: the transport waits for it
    partitioner_.assign(*record, message, partitions, drops_);
    batcher_.add(record, now);
}

void mqtt_to_kafka_chain::deliver(partition_id partition,
                                  std::span<outbound_kafka_record*> batch) noexcept {
    // SPEC §3.3: re-evaluated immediately before the hand-off to the destination.
    const std::size_t kept = restamp_expiry(batch, clock_.now(), drops_,
                                            [this](outbound_kafka_record* r) {
                                                complete(r, completion::expired);
                                            });
    if (kept == 0) return;
    counters_.handed_off.add(kept);
    counters_.batches.add();
    destination_.deliver(partition, batch.first(kept));
}

bool mqtt_to_kafka_chain::reevaluate_at_handoff(outbound_kafka_record* record) noexcept {
    if (restamp_expiry(*record, clock_.now(), drops_)) return true;
    complete(record, completion::expired);
    return false;
}

void mqtt_to_kafka_chain::complete(outbound_kafka_record* record, completion how) noexcept {
    if (how == completion::delivered) counters_.delivered.add();
    if (how == completion::failed) counters_.failed.add();
    in_flight_.store(in_flight_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    owner_.complete(record, how);
}

}  // namespace flowbridge
