// SPEC §3.4: partitioning for Kafka destinations.
#include "engine/stages/partitioner.h"

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "tests/unit/engine/stages/translation_fixture.h"

namespace flowbridge {
namespace {

using testing::publish_spec;
using testing::translated;

TEST(murmur2, matches_the_java_client_test_vectors) {
    // Apache Kafka UtilsTest.testMurmur2.
    EXPECT_EQ(murmur2("21"), -973932308);
    EXPECT_EQ(murmur2("foobar"), -790332482);
    EXPECT_EQ(murmur2("a-little-bit-long-string"), -985981536);
    EXPECT_EQ(murmur2("a-little-bit-longer-string"), -1486304829);
    EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
    EXPECT_EQ(murmur2("abc"), 479470107);
}

TEST(murmur2, partition_is_to_positive_hash_mod_count_like_java) {
    // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; % 7 = 1173551340 % 7.
    EXPECT_EQ(murmur2_partition("21", 7).value, 1173551340 % 7);
    EXPECT_EQ(murmur2_partition("abc", 12).value, 479470107 % 12);
}

TEST(murmur2, agrees_with_librdkafkas_murmur2_partitioner_on_random_keys) {
    const unsigned seed = 20261126;
    std::printf("seed %u\n", seed);
    std::mt19937 rng(seed);
    for (int i = 0; i < 20000; ++i) {
        std::string key(rng() % 40, '\0');
        for (auto& c : key) c = static_cast<char>(rng());
        const std::int32_t count = 1 + static_cast<std::int32_t>(rng() % 64);
        const std::int32_t theirs = rd_kafka_msg_partitioner_murmur2(
            nullptr, key.data(), key.size(), count, nullptr, nullptr);
        ASSERT_EQ(murmur2_partition(key, count).value, theirs) << "key length " << key.size();
    }
}

TEST(partitioner, default_round_robin_per_message_cycles_through_partitions) {
    partitioner p({partition_strategy::round_robin, rotation_unit::per_message, {}, {}, {}});
    drop_counters drops;
    translated t(publish_spec{});
    std::vector<int> seen;
    for (int i = 0; i < 8; ++i) {
        p.assign(t.record, t.message, 3, drops);
        seen.push_back(t.record.partition.value);
    }
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1}));
    EXPECT_FALSE(t.record.has_key);  // SPEC §3.1: no key for Default
}

// Assigns one record of `bytes` bytes arriving at `arrival` and returns its partition.
int assign_at(partitioner& p, translated& t, std::uint32_t bytes, mono_ns arrival,
              std::int32_t partitions = 3) {
    drop_counters drops;
    t.record.bytes = bytes;
    t.record.arrival = arrival;
    p.assign(t.record, t.message, partitions, drops);
    return t.record.partition.value;
}

partitioner per_batch(batching_settings turn) {
    return partitioner({partition_strategy::round_robin, rotation_unit::per_batch, {}, {}, turn});
}

TEST(partitioner, default_turn_holds_max_messages_records_then_moves_on) {
    partitioner p = per_batch({true, 5, 3, 1'000'000});
    translated t(publish_spec{});
    std::vector<int> seen;
    for (int i = 0; i < 10; ++i) seen.push_back(assign_at(p, t, 100, 0));
    EXPECT_EQ(seen, (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 2, 0}));
    EXPECT_FALSE(t.record.has_key);  // SPEC §3.1: no key for Default
    // Batching disabled: every message is its own batch, so its own turn.
    partitioner disabled = per_batch({false, 5, 100, 1'000'000});
    seen.clear();
    for (int i = 0; i < 4; ++i) seen.push_back(assign_at(disabled, t, 100, 0));
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 0}));
}

TEST(partitioner, default_turn_ends_before_a_record_that_would_pass_max_bytes) {
    partitioner p = per_batch({true, 5, 100, 250});
    translated t(publish_spec{});
    EXPECT_EQ(assign_at(p, t, 100, 0), 0);
    EXPECT_EQ(assign_at(p, t, 100, 0), 0);   // 200 of 250
    EXPECT_EQ(assign_at(p, t, 100, 0), 1);   // 300 would not fit: next turn
    EXPECT_EQ(assign_at(p, t, 150, 0), 1);   // exactly 250: full, the turn ends after it
    EXPECT_EQ(assign_at(p, t, 400, 0), 2);   // larger than max_bytes alone: a turn of one
    EXPECT_EQ(assign_at(p, t, 10, 0), 0);
}

TEST(partitioner, default_turn_ends_latency_after_its_first_record_but_keeps_a_burst_together) {
    partitioner p = per_batch({true, 5, 100, 1'000'000});
    translated t(publish_spec{});
    EXPECT_EQ(assign_at(p, t, 10, 1 * ns_per_ms), 0);
    EXPECT_EQ(assign_at(p, t, 10, 5 * ns_per_ms), 0);  // 4 ms after the turn's first record
    EXPECT_EQ(assign_at(p, t, 10, 6 * ns_per_ms), 1);  // 5 ms: a new turn
    EXPECT_EQ(assign_at(p, t, 10, 6 * ns_per_ms), 1);
    // latencyMs 0: every burst (one arrival time) is a turn of its own, never split.
    partitioner zero = per_batch({true, 0, 100, 1'000'000});
    std::vector<int> seen;
    for (mono_ns burst : {10, 10, 10, 20, 20, 30}) seen.push_back(assign_at(zero, t, 10, burst));
    EXPECT_EQ(seen, (std::vector<int>{0, 0, 0, 1, 1, 2}));
}

TEST(partitioner, default_turn_restarts_when_the_partition_count_shrinks_below_it) {
    partitioner p = per_batch({true, 5, 2, 1'000'000});
    translated t(publish_spec{});
    std::vector<int> seen;
    for (int i = 0; i < 5; ++i) seen.push_back(assign_at(p, t, 10, 0, 4));  // 0 0 1 1 2
    seen.push_back(assign_at(p, t, 10, 0, 2));  // partition 2 is gone: a new turn on 0
    seen.push_back(assign_at(p, t, 10, 0, 2));
    seen.push_back(assign_at(p, t, 10, 0, 2));
    EXPECT_EQ(seen, (std::vector<int>{0, 0, 1, 1, 2, 0, 0, 1}));
}

TEST(partitioner, default_distribution_over_time_is_even) {
    for (rotation_unit unit : {rotation_unit::per_message, rotation_unit::per_batch}) {
        partitioner p({partition_strategy::round_robin, unit, {}, {}, {true, 5, 100, 1'000'000}});
        translated t(publish_spec{});
        std::map<int, int> counts;
        for (int i = 0; i < 12000; ++i) ++counts[assign_at(p, t, 200, i * 1000, 6)];  // 1 µs apart
        ASSERT_EQ(counts.size(), 6u);
        for (const auto& [partition, n] : counts) EXPECT_EQ(n, 2000) << partition;
    }
}

TEST(partitioner, static_strategy_uses_instance_id_mod_partition_count) {
    drop_counters drops;
    translated t(publish_spec{});
    for (std::uint32_t instance : {0u, 1u, 5u, 7u}) {
        partitioner p({partition_strategy::fixed, rotation_unit::per_message, {}, {instance}, {}});
        p.assign(t.record, t.message, 4, drops);
        EXPECT_EQ(t.record.partition.value, static_cast<int>(instance % 4));
        p.assign(t.record, t.message, 4, drops);
        EXPECT_EQ(t.record.partition.value, static_cast<int>(instance % 4));
    }
    EXPECT_FALSE(t.record.has_key);  // SPEC §3.1: no key for Static
}

TEST(partitioner, topic_strategy_hashes_the_mqtt_topic_and_sets_it_as_key) {
    partitioner p({partition_strategy::topic, rotation_unit::per_message, {}, {}, {}});
    drop_counters drops;
    publish_spec s;
    s.topic = "factory/line7/pressure";
    translated t(s);
    p.assign(t.record, t.message, 12, drops);
    EXPECT_TRUE(t.record.has_key);
    EXPECT_EQ(t.record.key, "factory/line7/pressure");
    EXPECT_EQ(t.record.partition, murmur2_partition("factory/line7/pressure", 12));
}

TEST(partitioner, property_strategy_hashes_the_property_value_and_sets_it_as_key) {
    partitioner p({partition_strategy::property, rotation_unit::per_message, "device-id", {}, {}});
    drop_counters drops;
    publish_spec s;
    s.user_properties = {{"site", "x"}, {"device-id", "pump-42"}, {"device-id", "second"}};
    translated t(s);
    p.assign(t.record, t.message, 10, drops);
    EXPECT_EQ(t.record.key, "pump-42");  // the first occurrence
    EXPECT_EQ(t.record.partition, murmur2_partition("pump-42", 10));
    EXPECT_EQ(drops.value(drop_reason::partition_key_missing), 0u);
}

TEST(partitioner, property_strategy_without_the_property_falls_back_to_default_and_counts) {
    partitioner p({partition_strategy::property, rotation_unit::per_message, "device-id", {}, {}});
    drop_counters drops;
    publish_spec s;
    s.user_properties = {{"site", "x"}};
    translated t(s);
    std::set<int> partitions;
    for (int i = 0; i < 4; ++i) {
        p.assign(t.record, t.message, 4, drops);
        partitions.insert(t.record.partition.value);
    }
    EXPECT_EQ(partitions.size(), 4u);  // round robin
    EXPECT_FALSE(t.record.has_key);
    EXPECT_EQ(drops.value(drop_reason::partition_key_missing), 4u);
}

TEST(partitioner, key_based_strategies_are_stable_across_instances_and_calls) {
    drop_counters drops;
    publish_spec s;
    s.topic = "a/b";
    translated t(s);
    partitioner p1({partition_strategy::topic, rotation_unit::per_message, {}, {0}, {}});
    partitioner p2({partition_strategy::topic, rotation_unit::per_message, {}, {3}, {}});
    p1.assign(t.record, t.message, 16, drops);
    const auto first = t.record.partition;
    for (int i = 0; i < 10; ++i) {
        p2.assign(t.record, t.message, 16, drops);
        EXPECT_EQ(t.record.partition, first);
    }
}

TEST(partitioner, a_topic_that_grows_is_used_without_restart) {
    partitioner p({partition_strategy::round_robin, rotation_unit::per_message, {}, {}, {}});
    drop_counters drops;
    translated t(publish_spec{});
    std::set<int> seen;
    for (int i = 0; i < 2; ++i) p.assign(t.record, t.message, 2, drops);
    for (int i = 0; i < 8; ++i) {
        p.assign(t.record, t.message, 8, drops);
        seen.insert(t.record.partition.value);
    }
    EXPECT_EQ(seen.size(), 8u);
}

TEST(partitioner, key_hash_distribution_over_partitions_is_balanced) {
    const unsigned seed = 7;
    std::printf("seed %u\n", seed);
    std::mt19937 rng(seed);
    constexpr int partitions = 8;
    constexpr int keys = 80000;
    std::vector<int> counts(partitions);
    for (int i = 0; i < keys; ++i) {
        ++counts[static_cast<std::size_t>(
            murmur2_partition("device-" + std::to_string(rng()), partitions).value)];
    }
    for (int c : counts) {
        EXPECT_NEAR(c, keys / partitions, keys / partitions * 0.05);  // within 5 %
    }
}

TEST(partitioner, key_bytes_are_added_to_the_batch_accounting) {
    partitioner p({partition_strategy::topic, rotation_unit::per_message, {}, {}, {}});
    drop_counters drops;
    translated t(publish_spec{});
    const auto before = t.record.bytes;
    p.assign(t.record, t.message, 3, drops);
    EXPECT_EQ(t.record.bytes, before + t.record.key.size());
}

}  // namespace
}  // namespace flowbridge
