#include "engine/pipeline/mqtt_to_kafka_shard.h"

#include <algorithm>
#include <limits>
#include <thread>

namespace flowbridge {

namespace {
// Header entries prefetched per slot: the five MQTT property headers and a few user properties.
constexpr std::size_t prefetched_headers = 8;
}  // namespace

mqtt_to_kafka_shard::mqtt_to_kafka_shard(const mqtt_to_kafka_chain_settings& settings,
                                         const clock& time,
                                         const std::atomic<std::int32_t>& partition_count,
                                         batch_sink& destination, destination_service* service,
                                         ingress_source& source,
                                         mqtt_to_kafka_shard_options options)
    : clock_(time),
      source_(source),
      service_(service),
      options_(std::move(options)),
      chain_(settings, time, partition_count, destination, *this),
      pool_(options_.in_flight_limit) {
    if (options_.burst == 0) options_.burst = 1;
    burst_.reserve(options_.burst);
    received_.resize(options_.burst);
    if (options_.topo == pipeline::topology::split) {
        handed_over_.resize(options_.in_flight_limit);
        to_worker_ = std::make_unique<spsc_ring<outbound_kafka_record*>>(options_.in_flight_limit);
        to_ingress_ = std::make_unique<spsc_ring<returned>>(options_.in_flight_limit);
        worker_batch_.resize(options_.burst);
        returned_batch_.resize(options_.burst);
    }
}

mqtt_to_kafka_shard::~mqtt_to_kafka_shard() {
    for (auto& t : threads_) t.request_stop();
    for (auto& t : threads_) t.join();
}

std::vector<pipeline::pin_report> mqtt_to_kafka_shard::start() {
    std::vector<pipeline::pin_report> reports;
    pipeline::shard_thread_options ingress{options_.ingress_cpu, pipeline::unavailable_cpu_policy::wrap,
                                           options_.name + "-in", options_.idle};
    if (options_.topo == pipeline::topology::fused) {
        ingress.name = options_.name;
        if (options_.idle.wait != nullptr) {
            ingress.idle.wait = &mqtt_to_kafka_shard::idle_wait;
            ingress.idle.wait_context = this;
        }
        threads_.emplace_back();
        reports.push_back(threads_.back().start(ingress, [this] {
            const mono_ns now = clock_.now();
            return ingress_poll(now) + worker_poll(now);
        }));
        return reports;
    }
    // Split: each side polls a ring the other fills, which no descriptor announces: they sleep.
    pipeline::idle_options split_idle = options_.idle;
    split_idle.wait = nullptr;
    ingress.idle = split_idle;
    pipeline::shard_thread_options worker{options_.worker_cpu, pipeline::unavailable_cpu_policy::wrap,
                                          options_.name + "-wk", split_idle};
    threads_.emplace_back();
    reports.push_back(threads_.back().start(worker, [this] { return worker_poll(clock_.now()); }));
    threads_.emplace_back();
    reports.push_back(threads_.back().start(ingress, [this] { return ingress_poll(clock_.now()); }));
    return reports;
}

std::size_t mqtt_to_kafka_shard::ingress_poll(mono_ns now) noexcept {
    std::size_t work = 0;
    if (to_ingress_) {
        // Slots coming back from the worker: acknowledge, then reuse.
        std::size_t n;
        while ((n = to_ingress_->pop_batch(std::span<returned>(returned_batch_))) != 0) {
            for (std::size_t i = 0; i < n; ++i) finish(returned_batch_[i].record, returned_batch_[i].how);
            work += n;
        }
    }
    if (!intake_.load(std::memory_order_acquire)) return work;

    // Take as many free slots as the burst allows; none free means the in-flight bound is
    // reached and the source is not read (back-pressure, SPEC §4).
    // The slots are usually out of the cache (a shard keeps rate × latency records in flight):
    // start loading all of them before touching any, so that their misses overlap instead of
    // stalling the thread one after another (docs/performance.md, "Record slots and the cache").
    burst_.clear();
    while (burst_.size() < options_.burst) {
        outbound_kafka_record* slot = pool_.acquire_unreset();
        if (slot == nullptr) break;
        slot->prefetch();
        burst_.push_back(slot);
    }
    // Called even with no free slot: the source's receive() also drives its connection (keep-
    // alive, acknowledgement writes), which must go on while the in-flight bound holds intake.
    // Meanwhile (socket reads, decoding) the slots' lines arrive.
    const std::size_t got =
        source_.receive(std::span<mqtt_message*>(received_.data(), burst_.size()), now);
    for (std::size_t i = got; i < burst_.size(); ++i) pool_.release(burst_[i]);
    if (got == 0) return work;
    // The header entries hang off the slots: their addresses are in the lines just loaded.
    for (std::size_t i = 0; i < got; ++i) {
        burst_[i]->reset();
        burst_[i]->prefetch_headers(prefetched_headers);
    }
    in_flight_.store(in_flight_.load(std::memory_order_relaxed) + got, std::memory_order_release);

    if (to_worker_) {
        for (std::size_t i = 0; i < got; ++i) handed_over_[pool_.index_of(burst_[i])] = *received_[i];
        // Cannot fail: the ring holds every slot of the pool.
        to_worker_->push_batch(std::span<outbound_kafka_record* const>(burst_.data(), got));
    } else {
        for (std::size_t i = 0; i < got; ++i) chain_.process(burst_[i], *received_[i], now);
    }
    // The slots the next burst will take (unless completions push others first): their lines
    // arrive while this burst is produced and delivery reports are served.
    for (std::size_t i = 0; i < options_.burst; ++i) {
        const outbound_kafka_record* next = pool_.peek(i);
        if (next == nullptr) break;
        next->prefetch();
    }
    return work + got;
}

std::size_t mqtt_to_kafka_shard::worker_poll(mono_ns now) noexcept {
    std::size_t work = 0;
    if (to_worker_) {
        std::size_t n;
        while ((n = to_worker_->pop_batch(std::span<outbound_kafka_record*>(worker_batch_))) != 0) {
            for (std::size_t i = 0; i < n; ++i) {
                outbound_kafka_record* record = worker_batch_[i];
                chain_.process(record, handed_over_[pool_.index_of(record)], now);
            }
            work += n;
        }
    }
    if (service_ != nullptr) work += service_->poll();
    if (draining_.load(std::memory_order_acquire)) {
        chain_.flush();  // shutdown: nothing waits for latencyMs any more
    } else {
        chain_.poll(now);
    }
    return work;
}

void mqtt_to_kafka_shard::idle_wait(void* self, std::chrono::microseconds max) noexcept {
    auto* shard = static_cast<mqtt_to_kafka_shard*>(self);
    const mono_ns deadline = shard->chain_.next_deadline();
    if (deadline != std::numeric_limits<mono_ns>::max()) {
        const mono_ns left = deadline - shard->clock_.now();
        if (left <= 0) return;  // a batch is due: poll at once
        max = std::min(max, std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::nanoseconds(left)) +
                                std::chrono::microseconds(1));
    }
    shard->options_.idle.wait(shard->options_.idle.wait_context, max);
}

void mqtt_to_kafka_shard::complete(outbound_kafka_record* record, completion how) noexcept {
    if (to_ingress_) {
        // Cannot fail: the ring holds every slot of the pool.
        to_ingress_->try_push(returned{record, how});
    } else {
        finish(record, how);
    }
}

void mqtt_to_kafka_shard::finish(outbound_kafka_record* record, completion how) noexcept {
    source_.complete(record->tag, how);
    pool_.release(record);
    // Single writer (this thread): a load and a store each, no locked read-modify-write per
    // message. Release: a reader that sees in_flight() == 0 sees the completion's effects.
    completed_.store(completed_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    in_flight_.store(in_flight_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
}

std::size_t mqtt_to_kafka_shard::stop(std::chrono::milliseconds deadline) {
    intake_.store(false, std::memory_order_release);
    draining_.store(true, std::memory_order_release);
    const auto until = std::chrono::steady_clock::now() + deadline;
    // Control thread: a coarse wait is fine here; the data path never sleeps on this.
    while (in_flight() != 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (auto& t : threads_) t.request_stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    return in_flight();
}

}  // namespace flowbridge
