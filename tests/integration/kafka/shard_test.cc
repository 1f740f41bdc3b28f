// The real Kafka producer as the destination of an MQTT → Kafka shard (engine/pipeline), against
// the mock cluster over TCP: every message is consumed back with its headers on the partition
// the partitioner chose, every completion is `delivered`, and a broker that goes down and comes
// back loses nothing (SPEC §4).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "engine/pipeline/mqtt_to_kafka_shard.h"
#include "tests/integration/kafka/kafka_test_support.h"
#include "tests/unit/engine/test_messages.h"

namespace flowbridge::kafka::testing {
namespace {

constexpr const char* topic = "telemetry";

// Hands out `total` PUBLISHes, each with payload "msg-<i>" and user properties seq=<i> and
// line=<i % 3>; records completions (ingress thread only; read after stop()).
class numbered_source final : public ingress_source {
  public:
    explicit numbered_source(std::size_t total) {
        for (std::size_t i = 0; i < total; ++i) {
            flowbridge::testing::publish_spec s;
            s.payload = "msg-" + std::to_string(i);
            s.user_properties = {{"seq", std::to_string(i)}, {"line", std::to_string(i % 3)}};
            s.content_type = "text/plain";
            messages_.push_back(std::make_unique<flowbridge::testing::received_publish>(s));
        }
    }
    std::size_t receive(std::span<mqtt_message*> messages, mono_ns now) noexcept override {
        std::size_t n = 0;
        while (n < messages.size() && next_ < messages_.size()) {
            handout_.put(messages, n, messages_[next_]->message(), now, delivery_tag{next_ + 1});
            ++next_;
            ++n;
        }
        received_.store(next_, std::memory_order_release);
        return n;
    }
    void complete(delivery_tag tag, completion how) noexcept override {
        completions.emplace_back(tag.value, how);
    }
    std::size_t received() const { return received_.load(std::memory_order_acquire); }

    std::vector<std::pair<std::uint64_t, completion>> completions;

  private:
    std::vector<std::unique_ptr<flowbridge::testing::received_publish>> messages_;
    flowbridge::testing::handout handout_;
    std::size_t next_ = 0;
    std::atomic<std::size_t> received_{0};
};

// Forwards to the producer and remembers which partition each message was given.
struct recording_sink final : batch_sink {
    kafka_producer* producer = nullptr;
    std::mutex mutex;
    std::map<std::string, std::int32_t> partition_of;  // payload → partition
    void deliver(partition_id p, std::span<outbound_kafka_record*> batch) noexcept override {
        {
            std::lock_guard lock(mutex);
            for (auto* r : batch) partition_of[std::string(r->value)] = p.value;
        }
        producer->deliver(p, batch);
    }
};

struct shard_holder {
    mqtt_to_kafka_shard* shard = nullptr;
};
void to_shard(void* holder, outbound_kafka_record* r, completion how, delivery_error) noexcept {
    static_cast<shard_holder*>(holder)->shard->destination_completed(r, how);
}

mqtt_to_kafka_chain_settings chain_settings() {
    mqtt_to_kafka_chain_settings s;
    s.translation.destination_topic = topic;
    s.partitioning.strategy = partition_strategy::round_robin;
    s.partitioning.rotation = rotation_unit::per_batch;
    s.batching = {true, 5, 100, 1'000'000};
    s.partitioning.turn = s.batching;  // Default turns of one batch
    return s;
}

std::string header(const consumed& c, const std::string& name) {
    for (const auto& [n, v] : c.headers) {
        if (n == name) return v;
    }
    return "<missing>";
}

struct shard_run {
    std::unique_ptr<mock_cluster> cluster;
    shard_holder holder;
    std::unique_ptr<kafka_producer> producer;
    recording_sink sink;
    system_clock clock;
    std::unique_ptr<numbered_source> source;
    std::unique_ptr<mqtt_to_kafka_shard> shard;

    shard_run(std::size_t total, pipeline::topology topo, std::size_t in_flight) {
        cluster = start_cluster(1);
        EXPECT_EQ(cluster->create_topic(topic, 3), "");
        producer_options o;
        o.config.properties = {
            {"bootstrap.servers", cluster->bootstrap()}, {"acks", "all"}, {"linger.ms", "5"}};
        o.topics = {topic};
        std::string error;
        producer = kafka_producer::create(o, &to_shard, &holder, error);
        EXPECT_NE(producer, nullptr) << error;
        EXPECT_TRUE(producer->start(error)) << error;
        sink.producer = producer.get();
        source = std::make_unique<numbered_source>(total);
        mqtt_to_kafka_shard_options so;
        so.topo = topo;
        so.in_flight_limit = in_flight;
        shard = std::make_unique<mqtt_to_kafka_shard>(chain_settings(), clock,
                                                      *producer->partition_count(topic), sink,
                                                      producer.get(), *source, so);
        holder.shard = shard.get();
    }

    void check_everything_arrived(std::size_t total) {
        ASSERT_EQ(source->completions.size(), total);
        std::set<std::uint64_t> tags;
        for (const auto& [tag, how] : source->completions) {
            EXPECT_EQ(how, completion::delivered) << "tag " << tag;
            tags.insert(tag);
        }
        EXPECT_EQ(tags.size(), total);
        const auto back = consume(cluster->bootstrap(), {topic}, "shard-check", total, 60s);
        ASSERT_EQ(back.size(), total);
        std::set<std::string> payloads;
        std::set<std::int32_t> partitions_used;
        for (const auto& c : back) {
            payloads.insert(c.value);
            const std::string seq = c.value.substr(4);
            EXPECT_EQ(header(c, "seq"), seq) << c.value;
            EXPECT_EQ(header(c, "line"), std::to_string(std::stoul(seq) % 3)) << c.value;
            EXPECT_EQ(header(c, "Content Type"), "text/plain") << c.value;
            std::lock_guard lock(sink.mutex);
            EXPECT_EQ(c.partition, sink.partition_of.at(c.value)) << c.value;
            partitions_used.insert(c.partition);
        }
        EXPECT_EQ(payloads.size(), total);  // nothing lost (duplicates would be allowed, none seen)
        EXPECT_EQ(partitions_used.size(), 3u);
    }
};

class kafka_shard : public ::testing::TestWithParam<pipeline::topology> {};

TEST_P(kafka_shard, every_message_is_delivered_consumed_back_with_headers_on_its_partition) {
    constexpr std::size_t total = 3000;
    shard_run run(total, GetParam(), 512);
    run.shard->start();
    ASSERT_TRUE(wait_until([&] { return run.shard->completed() == total; }, 60s));
    EXPECT_EQ(run.shard->stop(10s), 0u);
    run.producer->close(5s);
    EXPECT_EQ(run.producer->counters().delivered.load(), total);
    EXPECT_EQ(run.shard->counters().delivered.value(), total);
    run.check_everything_arrived(total);
}

TEST_P(kafka_shard, broker_down_then_up_loses_nothing_and_completes_nothing_early) {
    constexpr std::size_t total = 2000;
    constexpr std::size_t in_flight = 256;
    shard_run run(total, GetParam(), in_flight);
    ASSERT_EQ(run.cluster->broker_down(1), "");
    run.shard->start();
    // With the broker away the shard fills its in-flight window and stops reading the source
    // (SPEC §4 back-pressure); nothing is completed in the meantime.
    ASSERT_TRUE(wait_until([&] { return run.shard->in_flight() == in_flight; }, 20s));
    const auto deadline = steady::now() + 2s;  // the broker stays away this long
    ASSERT_TRUE(wait_until([&] { return steady::now() >= deadline; }, 3s));
    EXPECT_EQ(run.shard->completed(), 0u);
    EXPECT_EQ(run.source->received(), in_flight);
    ASSERT_EQ(run.cluster->broker_up(1), "");
    ASSERT_TRUE(wait_until([&] { return run.shard->completed() == total; }, 120s))
        << run.shard->completed() << " of " << total;
    EXPECT_EQ(run.shard->stop(10s), 0u);
    run.producer->close(5s);
    EXPECT_EQ(run.producer->counters().failed_retriable.load() +
                  run.producer->counters().failed_fatal.load(),
              0u);
    run.check_everything_arrived(total);
}

INSTANTIATE_TEST_SUITE_P(topologies, kafka_shard,
                         ::testing::Values(pipeline::topology::fused, pipeline::topology::split),
                         [](const auto& info) {
                             return info.param == pipeline::topology::fused ? std::string("fused")
                                                                            : std::string("split");
                         });

}  // namespace
}  // namespace flowbridge::kafka::testing
