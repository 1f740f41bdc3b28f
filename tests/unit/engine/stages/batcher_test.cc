// SPEC §2.1 batching: flush on maxMessages, maxBytes or latencyMs, whichever comes first.
#include "engine/stages/batcher.h"

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/message/record_pool.h"

namespace flowbridge {
namespace {

struct recorded_batch {
    partition_id partition;
    std::vector<outbound_kafka_record*> records;
    mono_ns at = 0;
};

class recording_sink final : public batch_sink {
public:
    explicit recording_sink(const manual_clock* clock = nullptr) : clock_(clock) {}
    void deliver(partition_id p, std::span<outbound_kafka_record*> batch) noexcept override {
        batches.push_back({p, {batch.begin(), batch.end()}, clock_ ? clock_->now() : 0});
    }
    std::vector<recorded_batch> batches;

private:
    const manual_clock* clock_;
};

struct batcher_fixture : ::testing::Test {
    record_pool<outbound_kafka_record> pool{100000};

    outbound_kafka_record* make(int partition, std::uint32_t bytes, std::uint64_t id = 0) {
        auto* r = pool.acquire();
        r->partition = partition_id{partition};
        r->bytes = bytes;
        r->tag = delivery_tag{id};
        return r;
    }
};

TEST_F(batcher_fixture, flushes_when_max_messages_are_buffered) {
    recording_sink sink;
    batcher b({true, 1000, 3, 1'000'000}, sink);
    for (int i = 0; i < 7; ++i) b.add(make(0, 10), 0);
    ASSERT_EQ(sink.batches.size(), 2u);
    EXPECT_EQ(sink.batches[0].records.size(), 3u);
    EXPECT_EQ(sink.batches[1].records.size(), 3u);
    EXPECT_EQ(b.buffered_records(), 1u);
}

TEST_F(batcher_fixture, flushes_before_a_record_would_exceed_max_bytes) {
    recording_sink sink;
    batcher b({true, 1000, 1000, 100}, sink);
    b.add(make(0, 40), 0);
    b.add(make(0, 40), 0);
    EXPECT_TRUE(sink.batches.empty());
    b.add(make(0, 40), 0);  // 120 > 100: the first two go out first
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_EQ(sink.batches[0].records.size(), 2u);
    EXPECT_EQ(b.buffered_records(), 1u);
}

TEST_F(batcher_fixture, flushes_as_soon_as_max_bytes_is_reached_exactly) {
    recording_sink sink;
    batcher b({true, 1000, 1000, 100}, sink);
    b.add(make(0, 60), 0);
    b.add(make(0, 40), 0);
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_EQ(sink.batches[0].records.size(), 2u);
}

TEST_F(batcher_fixture, record_larger_than_max_bytes_is_sent_alone) {
    recording_sink sink;
    batcher b({true, 1000, 1000, 100}, sink);
    b.add(make(0, 10), 0);
    b.add(make(0, 500), 0);
    ASSERT_EQ(sink.batches.size(), 2u);
    EXPECT_EQ(sink.batches[0].records.size(), 1u);
    EXPECT_EQ(sink.batches[1].records.size(), 1u);
    EXPECT_EQ(sink.batches[1].records[0]->bytes, 500u);
}

TEST_F(batcher_fixture, flushes_latency_ms_after_the_first_message_of_the_batch) {
    manual_clock clock;
    recording_sink sink(&clock);
    batcher b({true, 5, 1000, 1'000'000}, sink);
    b.add(make(0, 10), clock.now());
    clock.advance(3 * ns_per_ms);
    b.add(make(0, 10), clock.now());  // does not restart the timer
    b.poll(clock.now());
    EXPECT_TRUE(sink.batches.empty());
    EXPECT_EQ(b.next_deadline(), 5 * ns_per_ms);
    clock.advance(2 * ns_per_ms);
    b.poll(clock.now());
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_EQ(sink.batches[0].records.size(), 2u);
}

TEST_F(batcher_fixture, does_not_flush_before_latency_when_limits_are_not_reached) {
    manual_clock clock;
    recording_sink sink(&clock);
    batcher b({true, 1000, 1000, 1'000'000}, sink);
    for (int i = 0; i < 50; ++i) {
        b.add(make(0, 10), clock.now());
        clock.advance(10 * ns_per_ms);
        b.poll(clock.now());
    }
    EXPECT_TRUE(sink.batches.empty());  // 500 ms < 1000 ms, 50 < 1000 messages
    clock.advance(500 * ns_per_ms);
    b.poll(clock.now());
    EXPECT_EQ(sink.batches.size(), 1u);
}

TEST_F(batcher_fixture, zero_latency_flushes_at_every_poll) {
    recording_sink sink;
    batcher b({true, 0, 1000, 1'000'000}, sink);
    b.add(make(0, 10), 0);
    b.add(make(0, 10), 0);
    b.poll(0);
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_EQ(sink.batches[0].records.size(), 2u);
}

TEST_F(batcher_fixture, disabled_mode_sends_every_message_as_its_own_batch) {
    recording_sink sink;
    batcher b({false, 1000, 1000, 1'000'000}, sink);
    for (int i = 0; i < 5; ++i) b.add(make(i % 2, 10), 0);
    ASSERT_EQ(sink.batches.size(), 5u);
    for (const auto& batch : sink.batches) EXPECT_EQ(batch.records.size(), 1u);
    EXPECT_EQ(b.buffered_records(), 0u);
}

TEST_F(batcher_fixture, batches_are_kept_per_partition) {
    recording_sink sink;
    batcher b({true, 1000, 2, 1'000'000}, sink);
    b.add(make(0, 1, 1), 0);
    b.add(make(1, 1, 2), 0);
    b.add(make(0, 1, 3), 0);
    ASSERT_EQ(sink.batches.size(), 1u);
    EXPECT_EQ(sink.batches[0].partition.value, 0);
    EXPECT_EQ(sink.batches[0].records[0]->tag.value, 1u);
    EXPECT_EQ(sink.batches[0].records[1]->tag.value, 3u);
}

TEST_F(batcher_fixture, flush_all_drains_every_partition) {
    recording_sink sink;
    batcher b({true, 1000, 1000, 1'000'000}, sink);
    b.add(make(0, 1), 0);
    b.add(make(3, 1), 0);
    b.flush_all();
    EXPECT_EQ(sink.batches.size(), 2u);
    EXPECT_EQ(b.buffered_records(), 0u);
    EXPECT_EQ(b.next_deadline(), std::numeric_limits<mono_ns>::max());
}

TEST_F(batcher_fixture, flush_observer_is_told_partition_reason_and_size) {
    recording_sink sink;
    batcher b({true, 1000, 2, 1'000'000}, sink);
    std::vector<std::tuple<int, flush_reason, std::size_t>> seen;
    b.set_flush_observer(
        [](void* ctx, partition_id p, flush_reason why, std::size_t n) {
            static_cast<decltype(seen)*>(ctx)->emplace_back(p.value, why, n);
        },
        &seen);
    b.add(make(1, 1), 0);
    b.add(make(1, 1), 0);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], std::make_tuple(1, flush_reason::max_messages, std::size_t{2}));
}

// Seeded property test: random records, partitions, sizes, limits and time steps.
TEST_F(batcher_fixture, property_limits_order_completeness_and_latency_hold_for_random_input) {
    const unsigned seed = 1126;
    std::printf("seed %u\n", seed);
    std::mt19937 rng(seed);
    for (int round = 0; round < 40; ++round) {
        manual_clock clock;
        recording_sink sink(&clock);
        const batching_settings settings{true, 1 + static_cast<std::uint32_t>(rng() % 20),
                                         1 + static_cast<std::uint32_t>(rng() % 50),
                                         50 + static_cast<std::uint32_t>(rng() % 2000)};
        batcher b(settings, sink);
        const int partitions = 1 + static_cast<int>(rng() % 5);
        std::map<std::uint64_t, mono_ns> added_at;
        const int n = 500;
        for (int i = 0; i < n; ++i) {
            auto* r = make(static_cast<int>(rng() % partitions), 1 + rng() % 200,
                           static_cast<std::uint64_t>(i));
            added_at[r->tag.value] = clock.now();
            b.add(r, clock.now());
            // Time moves in steps of 0..1 ms; the shard polls after every step.
            clock.advance(static_cast<mono_ns>(rng() % 1'000'000));
            b.poll(clock.now());
        }
        b.flush_all();

        std::map<int, std::uint64_t> last_per_partition;
        std::size_t total = 0;
        for (const auto& batch : sink.batches) {
            ASSERT_FALSE(batch.records.empty());
            EXPECT_LE(batch.records.size(), settings.max_messages);
            std::uint64_t bytes = 0;
            for (auto* r : batch.records) bytes += r->bytes;
            if (batch.records.size() > 1) {
                EXPECT_LE(bytes, settings.max_bytes);
            }
            for (auto* r : batch.records) {
                EXPECT_EQ(r->partition, batch.partition);
                auto [it, fresh] = last_per_partition.try_emplace(batch.partition.value, r->tag.value);
                if (!fresh) {
                    EXPECT_GT(r->tag.value, it->second) << "order within a partition";
                    it->second = r->tag.value;
                }
                // Flushed no later than latencyMs after its batch's first record, up to the poll
                // granularity (1 ms here).
                const mono_ns first = added_at[batch.records.front()->tag.value];
                EXPECT_LE(batch.at - first,
                          static_cast<mono_ns>(settings.latency_ms) * ns_per_ms + ns_per_ms);
                ++total;
            }
        }
        EXPECT_EQ(total, static_cast<std::size_t>(n)) << "every record delivered exactly once";
        for (auto& batch : sink.batches) {
            for (auto* r : batch.records) pool.release(r);
        }
    }
}

}  // namespace
}  // namespace flowbridge
