#include "engine/stages/batcher.h"

#include <algorithm>
#include <limits>

namespace flowbridge {

namespace {
// Records reserved per partition up front; a batch that needs more grows once and keeps it.
constexpr std::size_t initial_reserve = 1024;
}  // namespace

batcher::batcher(const batching_settings& settings, batch_sink& sink) noexcept
    : settings_(settings),
      latency_ns_(static_cast<mono_ns>(settings.latency_ms) * ns_per_ms),
      sink_(sink) {
    if (settings_.max_messages == 0) settings_.max_messages = 1;
    if (settings_.max_bytes == 0) settings_.max_bytes = 1;
}

batcher::partition_batch& batcher::batch_for(partition_id p) {
    const auto index = static_cast<std::size_t>(p.value);
    if (index >= batches_.size()) {
        // A new partition (the topic grew): allocation happens once per partition, not per message.
        batches_.resize(index + 1);
    }
    partition_batch& b = batches_[index];
    if (b.records.capacity() == 0) {
        b.records.reserve(std::min<std::size_t>(settings_.max_messages, initial_reserve));
    }
    return b;
}

void batcher::add(outbound_kafka_record* record, mono_ns now) noexcept {
    const std::size_t index = static_cast<std::size_t>(record->partition.value);
    if (!settings_.enabled) {
        // mode: Disabled — every message is its own batch.
        outbound_kafka_record* single[1] = {record};
        sink_.deliver(record->partition, single);
        if (observer_ != nullptr) observer_(observer_context_, record->partition, flush_reason::disabled, 1);
        return;
    }
    partition_batch& b = batch_for(record->partition);
    // Never exceed maxBytes: flush first if this record would not fit beside the others.
    if (!b.records.empty() && b.bytes + record->bytes > settings_.max_bytes) {
        flush(index, flush_reason::max_bytes);
    }
    if (b.records.empty()) {
        b.first_arrival = now;
        ++open_batches_;
    }
    b.records.push_back(record);
    b.bytes += record->bytes;
    ++buffered_;
    if (b.records.size() >= settings_.max_messages) {
        flush(index, flush_reason::max_messages);
    } else if (b.bytes >= settings_.max_bytes) {
        flush(index, flush_reason::max_bytes);
    }
}

void batcher::poll(mono_ns now) noexcept {
    if (open_batches_ == 0) return;
    for (std::size_t i = 0; i < batches_.size(); ++i) {
        const partition_batch& b = batches_[i];
        if (!b.records.empty() && now - b.first_arrival >= latency_ns_) {
            flush(i, flush_reason::latency);
        }
    }
}

void batcher::flush_all() noexcept {
    for (std::size_t i = 0; i < batches_.size(); ++i) {
        if (!batches_[i].records.empty()) flush(i, flush_reason::drain);
    }
}

mono_ns batcher::next_deadline() const noexcept {
    mono_ns deadline = std::numeric_limits<mono_ns>::max();
    if (open_batches_ == 0) return deadline;
    for (const partition_batch& b : batches_) {
        if (!b.records.empty()) deadline = std::min(deadline, b.first_arrival + latency_ns_);
    }
    return deadline;
}

void batcher::flush(std::size_t partition, flush_reason why) noexcept {
    partition_batch& b = batches_[partition];
    const std::size_t n = b.records.size();
    const partition_id p{static_cast<std::int32_t>(partition)};
    sink_.deliver(p, std::span<outbound_kafka_record*>(b.records.data(), n));
    b.records.clear();  // keeps capacity
    b.bytes = 0;
    buffered_ -= n;
    --open_batches_;
    if (observer_ != nullptr) observer_(observer_context_, p, why, n);
}

}  // namespace flowbridge
