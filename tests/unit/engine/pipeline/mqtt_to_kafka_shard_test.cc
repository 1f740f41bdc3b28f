// The MQTT → Kafka shard: fused and split topologies, completeness, back-pressure, drain, expiry.
// Real threads: also runs under ThreadSanitizer (label tsan).
#include "engine/pipeline/mqtt_to_kafka_shard.h"

#include <algorithm>
#include <functional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/engine/test_messages.h"

namespace flowbridge {
namespace {

using namespace std::chrono_literals;

// Hands out `total` copies of one PUBLISH, tags 1..total, and records completions. Called on the
// ingress thread only (checked). Fields are read after stop() joined the threads.
class synthetic_source final : public ingress_source {
public:
    explicit synthetic_source(std::uint64_t total, testing::publish_spec spec = {})
        : total_(total), publish_(spec) {}

    std::size_t receive(std::span<mqtt_message*> messages, mono_ns now) noexcept override {
        check_thread();
        std::size_t n = 0;
        while (n < messages.size() && next_ <= total_) {
            handout_.put(messages, n, publish_.message(), now, delivery_tag{next_++});
            ++n;
        }
        received_.store(next_ - 1, std::memory_order_release);
        return n;
    }

    void complete(delivery_tag tag, completion how) noexcept override {
        check_thread();
        completions.push_back({tag.value, how});
    }

    std::uint64_t received() const { return received_.load(std::memory_order_acquire); }

    std::vector<std::pair<std::uint64_t, completion>> completions;
    bool wrong_thread = false;

private:
    void check_thread() noexcept {
        if (owner_ == std::thread::id{}) owner_ = std::this_thread::get_id();
        if (owner_ != std::this_thread::get_id()) wrong_thread = true;
    }
    std::uint64_t total_;
    std::uint64_t next_ = 1;
    std::atomic<std::uint64_t> received_{0};
    testing::received_publish publish_;
    testing::handout handout_;
    std::thread::id owner_;
};

// A Kafka-like destination: records handed over are acknowledged on a later poll, from the worker
// thread (as librdkafka delivery reports served by rd_kafka_poll on the shard thread), in reverse
// order so the source sees out-of-order completions. While `accept` is false (broker down)
// nothing is acknowledged.
struct acking_destination final : batch_sink, destination_service {
    mqtt_to_kafka_shard* shard = nullptr;
    std::vector<outbound_kafka_record*> pending;
    std::atomic<bool> accept{true};
    std::atomic<std::uint64_t> handed_over{0};

    void deliver(partition_id p, std::span<outbound_kafka_record*> batch) noexcept override {
        for (auto* r : batch) {
            if (r->partition != p) std::abort();
        }
        pending.insert(pending.end(), batch.begin(), batch.end());
        handed_over.fetch_add(batch.size(), std::memory_order_relaxed);
    }
    std::size_t poll() noexcept override {
        if (!accept.load(std::memory_order_acquire) || pending.empty()) return 0;
        std::vector<outbound_kafka_record*> done;
        done.swap(pending);
        std::reverse(done.begin(), done.end());
        for (auto* r : done) shard->destination_completed(r, completion::delivered);
        return done.size();
    }
};

mqtt_to_kafka_chain_settings chain_settings() {
    mqtt_to_kafka_chain_settings s;
    s.translation.destination_topic = "telemetry";
    s.batching = {true, 1, 50, 1'000'000};
    return s;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

class shard_topologies : public ::testing::TestWithParam<pipeline::topology> {
protected:
    mqtt_to_kafka_shard_options options(std::size_t limit) const {
        mqtt_to_kafka_shard_options o;
        o.topo = GetParam();
        o.in_flight_limit = limit;
        return o;
    }
};

TEST_P(shard_topologies, every_message_is_delivered_and_completed_exactly_once) {
    constexpr std::uint64_t total = 50000;
    system_clock clock;
    std::atomic<std::int32_t> partitions{4};
    synthetic_source source(total);
    acking_destination dest;
    mqtt_to_kafka_shard shard(chain_settings(), clock, partitions, dest, &dest, source, options(256));
    dest.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return shard.completed() == total; }));
    EXPECT_EQ(shard.stop(5s), 0u);

    ASSERT_EQ(source.completions.size(), total);
    std::vector<std::uint64_t> tags;
    for (const auto& [tag, how] : source.completions) {
        EXPECT_EQ(how, completion::delivered);
        tags.push_back(tag);
    }
    std::sort(tags.begin(), tags.end());
    for (std::uint64_t i = 0; i < total; ++i) ASSERT_EQ(tags[i], i + 1);
    EXPECT_FALSE(source.wrong_thread) << "source called from more than one thread";
    EXPECT_EQ(shard.counters().delivered.value(), total);
}

TEST_P(shard_topologies, in_flight_bound_stops_reading_the_source_while_the_destination_is_down) {
    system_clock clock;
    std::atomic<std::int32_t> partitions{2};
    synthetic_source source(100000);
    acking_destination dest;
    dest.accept = false;
    mqtt_to_kafka_shard shard(chain_settings(), clock, partitions, dest, &dest, source, options(128));
    dest.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return source.received() == 128; }));
    // Nothing is acknowledged: the shard holds exactly its bound and reads no further.
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(source.received(), 128u);
    EXPECT_EQ(shard.in_flight(), 128u);
    dest.accept = true;  // the broker is back
    ASSERT_TRUE(wait_until([&] { return shard.completed() == 100000; }));
    EXPECT_EQ(shard.stop(5s), 0u);
    EXPECT_EQ(source.completions.size(), 100000u);
}

TEST_P(shard_topologies, stop_drains_buffered_batches_and_waits_for_acknowledgements) {
    manual_clock clock;  // time stands still: only the drain can flush the batches
    std::atomic<std::int32_t> partitions{3};
    synthetic_source source(40);
    acking_destination dest;
    auto settings = chain_settings();
    settings.batching = {true, 60000, 1000, 1'000'000};  // nothing flushes on its own
    mqtt_to_kafka_shard shard(settings, clock, partitions, dest, &dest, source, options(64));
    dest.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return source.received() == 40; }));
    EXPECT_EQ(dest.handed_over.load(), 0u);
    EXPECT_EQ(shard.stop(5s), 0u);
    EXPECT_EQ(source.completions.size(), 40u);
    EXPECT_EQ(dest.handed_over.load(), 40u);
}

TEST_P(shard_topologies, stop_reports_what_is_still_in_flight_at_the_deadline) {
    system_clock clock;
    std::atomic<std::int32_t> partitions{1};
    synthetic_source source(10);
    acking_destination dest;
    dest.accept = false;  // never acknowledges
    mqtt_to_kafka_shard shard(chain_settings(), clock, partitions, dest, &dest, source, options(64));
    dest.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return source.received() == 10; }));
    EXPECT_EQ(shard.stop(20ms), 10u);
    EXPECT_TRUE(source.completions.empty()) << "nothing unacknowledged may be reported done";
}

TEST_P(shard_topologies, expired_messages_are_completed_as_handled_without_reaching_kafka) {
    manual_clock clock;
    std::atomic<std::int32_t> partitions{1};
    testing::publish_spec spec;
    spec.expiry = 0;  // expired on arrival (docs/translation.md)
    synthetic_source source(20, spec);
    acking_destination dest;
    mqtt_to_kafka_shard shard(chain_settings(), clock, partitions, dest, &dest, source, options(64));
    dest.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return shard.completed() == 20; }));
    EXPECT_EQ(shard.stop(5s), 0u);
    for (const auto& [tag, how] : source.completions) EXPECT_EQ(how, completion::expired);
    EXPECT_EQ(dest.handed_over.load(), 0u);
    EXPECT_EQ(shard.drops().value(drop_reason::message_expired), 20u);
}

// The idle wait hook (the runtime blocks on the MQTT loop there): the fused thread calls it
// instead of sleeping, never with a bound past the batcher's next deadline, so a buffered batch
// is flushed on time however long the hook may block; the split threads (rings, no descriptor
// to wait on) never call it.
struct recording_wait {
    mqtt_to_kafka_shard* shard = nullptr;
    std::thread::id caller;
    bool other_thread = false;
    std::vector<std::chrono::microseconds> while_buffered;  // nothing handed over yet
    std::vector<std::chrono::microseconds> after;
    std::atomic<std::uint64_t> calls{0};

    static void wait(void* self, std::chrono::microseconds max) noexcept {
        auto* w = static_cast<recording_wait*>(self);
        if (w->caller == std::thread::id{}) w->caller = std::this_thread::get_id();
        if (w->caller != std::this_thread::get_id()) w->other_thread = true;
        (w->shard->counters().handed_off.value() == 0 ? w->while_buffered : w->after).push_back(max);
        w->calls.fetch_add(1, std::memory_order_release);
    }
};

TEST_P(shard_topologies, idle_wait_is_bounded_by_the_next_batch_deadline) {
    system_clock clock;
    std::atomic<std::int32_t> partitions{1};
    synthetic_source source(5);
    acking_destination dest;
    mqtt_to_kafka_chain_settings settings = chain_settings();
    settings.batching = {true, 200, 100000, 1'000'000};  // the 5 messages wait 200 ms
    recording_wait hook;
    mqtt_to_kafka_shard_options o = options(64);
    o.idle.spins = 0;
    o.idle.yields = 0;
    o.idle.wait = &recording_wait::wait;
    o.idle.wait_context = &hook;
    o.idle.wait_max = std::chrono::seconds(10);
    mqtt_to_kafka_shard shard(settings, clock, partitions, dest, &dest, source, o);
    dest.shard = &shard;
    hook.shard = &shard;
    shard.start();
    ASSERT_TRUE(wait_until([&] { return shard.completed() == 5; }));
    if (GetParam() == pipeline::topology::fused) {
        // Idle again after the completions: the hook is called with nothing buffered.
        const std::uint64_t seen = hook.calls.load(std::memory_order_acquire);
        ASSERT_TRUE(wait_until([&] { return hook.calls.load(std::memory_order_acquire) > seen + 1; }));
    }
    EXPECT_EQ(shard.stop(5s), 0u);

    if (GetParam() == pipeline::topology::split) {
        EXPECT_EQ(hook.calls.load(), 0u) << "the split threads sleep; they have nothing to block on";
        return;
    }
    EXPECT_FALSE(hook.other_thread);
    ASSERT_FALSE(hook.while_buffered.empty()) << "the thread idled while the batch waited";
    for (const auto max : hook.while_buffered) {
        EXPECT_LE(max, std::chrono::microseconds(200'001)) << "never past the batch's deadline";
    }
    ASSERT_FALSE(hook.after.empty());
    EXPECT_EQ(hook.after.back(), std::chrono::seconds(10)) << "nothing buffered: wait_max";
    EXPECT_EQ(source.completions.size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(topology, shard_topologies,
                         ::testing::Values(pipeline::topology::fused, pipeline::topology::split),
                         [](const auto& info) {
                             return std::string(pipeline::to_string(info.param));
                         });

}  // namespace
}  // namespace flowbridge
