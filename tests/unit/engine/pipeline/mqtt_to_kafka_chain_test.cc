// mqtt_to_kafka_chain: the second hand-off (SPEC §3.3) — a record the destination held back
// during an outage is re-evaluated with the chain's clock and drop counters right before it goes
// out again — and the Default partitioner's turns under the runtime's batching (SPEC §3.4).
// Simulated time only (manual_clock).
#include "engine/pipeline/mqtt_to_kafka_chain.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/engine/test_messages.h"

namespace flowbridge {
namespace {

struct holding_sink final : batch_sink {
    std::vector<outbound_kafka_record*> held;
    void deliver(partition_id, std::span<outbound_kafka_record*> batch) noexcept override {
        held.insert(held.end(), batch.begin(), batch.end());
    }
};

struct recording_owner final : completion_sink {
    std::vector<std::pair<outbound_kafka_record*, completion>> done;
    void complete(outbound_kafka_record* r, completion how) noexcept override {
        done.emplace_back(r, how);
    }
};

std::string_view expiry_header(const outbound_kafka_record& r) {
    return r.expiry_header < 0 ? std::string_view("<none>")
                               : r.headers[static_cast<std::size_t>(r.expiry_header)].value;
}

class chain_second_handoff : public ::testing::Test {
  protected:
    static mqtt_to_kafka_chain_settings settings() {
        mqtt_to_kafka_chain_settings s;
        s.translation.destination_topic = "t";
        s.batching = {false, 0, 1, 1'000'000};  // every message its own batch
        return s;
    }

    outbound_kafka_record* receive(std::uint32_t expiry) {
        testing::publish_spec s;
        s.expiry = expiry;
        messages_.push_back(std::make_unique<testing::received_publish>(s));
        records_.push_back(std::make_unique<outbound_kafka_record>());
        outbound_kafka_record* r = records_.back().get();
        mqtt_message m = messages_.back()->message();
        m.arrival = clock_.now();
        chain_.process(r, m, clock_.now());
        return r;
    }

    manual_clock clock_{100 * ns_per_s};
    std::atomic<std::int32_t> partitions_{1};
    holding_sink sink_;
    recording_owner owner_;
    mqtt_to_kafka_chain chain_{settings(), clock_, partitions_, sink_, owner_};
    std::vector<std::unique_ptr<testing::received_publish>> messages_;
    std::vector<std::unique_ptr<outbound_kafka_record>> records_;
};

TEST_F(chain_second_handoff, expired_while_held_is_completed_expired_and_counted) {
    outbound_kafka_record* r = receive(2);
    ASSERT_EQ(sink_.held.size(), 1u);  // first hand-off: alive, full interval
    EXPECT_EQ(expiry_header(*r), "2");
    clock_.advance(2 * ns_per_s);  // remaining = 2 − 2 = 0 → expired
    EXPECT_FALSE(chain_.reevaluate_at_handoff(r));
    ASSERT_EQ(owner_.done.size(), 1u);
    EXPECT_EQ(owner_.done[0].second, completion::expired);  // handled: the source acknowledges
    EXPECT_EQ(chain_.drops().value(drop_reason::message_expired), 1u);
    EXPECT_EQ(chain_.in_flight(), 0u);
}

TEST_F(chain_second_handoff, survivor_carries_the_remaining_interval) {
    outbound_kafka_record* r = receive(60);
    clock_.advance(3 * ns_per_s + 900 * ns_per_ms);  // 3 whole seconds queued
    EXPECT_TRUE(chain_.reevaluate_at_handoff(r));
    EXPECT_EQ(expiry_header(*r), "57");
    EXPECT_TRUE(owner_.done.empty());
    EXPECT_EQ(chain_.in_flight(), 1u);
    EXPECT_EQ(chain_.drops().value(drop_reason::message_expired), 0u);
    // A later hand-off (a second outage) counts from arrival again, never from the last stamp.
    clock_.advance(10 * ns_per_s);
    EXPECT_TRUE(chain_.reevaluate_at_handoff(r));
    EXPECT_EQ(expiry_header(*r), "47");
}

TEST_F(chain_second_handoff, message_without_expiry_is_always_handed_over_unchanged) {
    testing::publish_spec s;
    messages_.push_back(std::make_unique<testing::received_publish>(s));
    records_.push_back(std::make_unique<outbound_kafka_record>());
    outbound_kafka_record* r = records_.back().get();
    mqtt_message m = messages_.back()->message();
    m.arrival = clock_.now();
    chain_.process(r, m, clock_.now());
    clock_.advance(3600 * ns_per_s);
    EXPECT_TRUE(chain_.reevaluate_at_handoff(r));
    EXPECT_EQ(r->expiry_header, -1);
}

// The runtime's Kafka mapping: the engine hands every burst over at once (latency 0) and
// librdkafka batches by the configured shape, so a Default turn must follow that shape — 10
// records per partition here — and not the bursts of 4 the engine hands over.
TEST(chain_partitioning, default_turn_follows_the_configured_batch_not_the_engine_handover) {
    mqtt_to_kafka_chain_settings settings;
    settings.translation.destination_topic = "t";
    settings.batching = {true, 0, 100000, 1'000'000};
    settings.partitioning.rotation = rotation_unit::per_batch;
    settings.partitioning.turn = {true, 5, 10, 1'000'000};
    manual_clock clock{100 * ns_per_s};
    std::atomic<std::int32_t> partitions{3};
    holding_sink sink;
    recording_owner owner;
    mqtt_to_kafka_chain chain{settings, clock, partitions, sink, owner, 0};
    testing::received_publish message{testing::publish_spec{}};
    std::vector<outbound_kafka_record> records(32);
    for (std::size_t burst = 0; burst < 8; ++burst) {
        const mono_ns now = clock.now();
        for (std::size_t i = 0; i < 4; ++i) {
            mqtt_message m = message.message();
            m.arrival = now;
            chain.process(&records[burst * 4 + i], m, now);
        }
        chain.poll(now);  // as the shard loop does after every burst
        EXPECT_EQ(sink.held.size(), 4 * (burst + 1)) << "the burst is handed over at once";
        clock.advance(100 * 1000);  // 100 µs between bursts
    }
    std::vector<int> expected;
    for (int p : {0, 1, 2}) expected.insert(expected.end(), 10, p);
    expected.insert(expected.end(), 2, 0);
    std::vector<int> assigned;  // in arrival order (a hand-over goes partition by partition)
    for (const outbound_kafka_record& r : records) assigned.push_back(r.partition.value);
    EXPECT_EQ(assigned, expected);
}

}  // namespace
}  // namespace flowbridge
