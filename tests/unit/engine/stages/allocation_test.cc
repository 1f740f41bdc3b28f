// STYLE "Hot path": no heap allocation per message in steady state. This binary replaces the
// global operator new (bench/alloc_counter.cc) and counts.
#include <vector>

#include <gtest/gtest.h>

#include "bench/alloc_counter.h"
#include "engine/message/record_pool.h"
#include "engine/pipeline/mqtt_to_kafka_chain.h"
#include "engine/stages/kafka_to_mqtt.h"
#include "tests/unit/engine/test_messages.h"

namespace flowbridge {
namespace {

// Completes every delivered record when drained, like a destination that acknowledges quickly;
// also the slot owner, returning slots to the pool.
struct instant_destination final : batch_sink, completion_sink {
    explicit instant_destination(std::size_t slots) : pool(slots) {}
    record_pool<outbound_kafka_record> pool;
    mqtt_to_kafka_chain* chain = nullptr;
    std::uint64_t completed = 0;
    std::vector<outbound_kafka_record*> pending;
    void deliver(partition_id, std::span<outbound_kafka_record*> batch) noexcept override {
        for (auto* r : batch) pending.push_back(r);  // capacity reserved by the test
    }
    void complete(outbound_kafka_record* r, completion) noexcept override {
        ++completed;
        pool.release(r);
    }
    void drain() {
        for (auto* r : pending) chain->complete(r, completion::delivered);
        pending.clear();
    }
};

std::uint64_t allocations_for(partition_strategy strategy, bool batching) {
    manual_clock clock;
    std::atomic<std::int32_t> partitions{8};
    instant_destination dest(4096);
    dest.pending.reserve(100000);
    mqtt_to_kafka_chain_settings settings;
    settings.translation.destination_topic = "telemetry";
    settings.translation.cloud_events = cloud_events_mode::create_or_remap;
    settings.translation.cloud_events_source = "aio://flow";
    settings.partitioning.strategy = strategy;
    settings.partitioning.key_property = "device-id";
    settings.batching = {batching, 5, 64, 1'000'000};
    mqtt_to_kafka_chain chain(settings, clock, partitions, dest, dest);
    dest.chain = &chain;
    testing::received_publish publish(testing::full_publish_spec());

    auto run = [&](int n) {
        for (int i = 0; i < n; ++i) {
            auto* r = dest.pool.acquire();
            if (r == nullptr) {
                dest.drain();
                r = dest.pool.acquire();
            }
            mqtt_message m = publish.message();
            m.arrival = clock.now();
            chain.process(r, m, clock.now());
            if (i % 16 == 15) {
                clock.advance(ns_per_ms);
                chain.poll();
                dest.drain();
            }
        }
        chain.flush();
        dest.drain();
    };
    run(20000);  // warm-up: every slot, batch vector and partition seen once
    const std::uint64_t before = bench::allocations();
    run(100000);
    EXPECT_EQ(dest.completed, 120000u);
    return bench::allocations() - before;
}

TEST(allocation, mqtt_to_kafka_chain_allocates_nothing_per_message_round_robin) {
    EXPECT_EQ(allocations_for(partition_strategy::round_robin, true), 0u);
}

TEST(allocation, mqtt_to_kafka_chain_allocates_nothing_per_message_property_key) {
    EXPECT_EQ(allocations_for(partition_strategy::property, true), 0u);
}

TEST(allocation, mqtt_to_kafka_chain_allocates_nothing_per_message_batching_disabled) {
    EXPECT_EQ(allocations_for(partition_strategy::topic, false), 0u);
}

TEST(allocation, kafka_to_mqtt_translation_allocates_nothing_per_message) {
    topic_template dest;
    std::string error;
    ASSERT_TRUE(dest.parse("out/${inputTopic}/${inputTopic.1}", error));
    const kafka_to_mqtt_settings settings{&dest, true, true};
    const std::string amqp("\xa1\x03" "bar", 5);
    const kafka_header headers[] = {{"Content Type", "application/json"}, {"a", "1"}, {"b", amqp},
                                    {"bad", "\xff"}, {"Message Expiry Interval", "30"}};
    kafka_record in;
    in.topic = "orders";
    in.key = "k";
    in.has_key = true;
    in.timestamp_ms = 1'700'000'000'000;
    in.value = "v";
    in.headers = headers;
    outbound_mqtt_publish out;
    drop_counters drops;
    ASSERT_TRUE(translate_kafka_to_mqtt(in, out, settings, drops));  // warm-up
    const std::uint64_t before = bench::allocations();
    for (int i = 0; i < 10000; ++i) translate_kafka_to_mqtt(in, out, settings, drops);
    EXPECT_EQ(bench::allocations() - before, 0u);
    EXPECT_EQ(out.user_properties.size(), 4u);  // Key, Timestamp, a, b
}

}  // namespace
}  // namespace flowbridge
