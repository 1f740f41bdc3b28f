// SPEC §3.3 "messages waiting while the destination is down are re-evaluated when they are
// finally emitted" and SPEC §4 "nothing lost" for the Kafka producer's outage handling
// (docs/kafka.md, "Kafka unreachable: park, purge, re-evaluate"): against the mock cluster over
// TCP on 127.0.0.1, with the broker taken down and brought back. The shard tests use a manual
// clock for expiry, so no test waits for seconds of expiry to pass; real time is spent only on
// librdkafka noticing the broker (each wait has a deadline).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "engine/pipeline/mqtt_to_kafka_shard.h"
#include "tests/integration/kafka/kafka_test_support.h"
#include "tests/unit/engine/test_messages.h"

namespace flowbridge::kafka::testing {
namespace {

// Fast reconnects and probes, so that a broker's return is noticed in well under a second.
property_list fast_reconnect() {
    return {{"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "200"}};
}

std::string header_of(const consumed& c, const std::string& name) {
    for (const auto& [n, v] : c.headers) {
        if (n == name) return v;
    }
    return "<missing>";
}

std::size_t sequence_of(const consumed& c) { return std::stoul(header_of(c, "seq")); }

// Per partition, the records must come back in the order they were given (seq increasing).
void expect_per_partition_order(const std::vector<consumed>& back) {
    std::map<std::int32_t, std::vector<consumed>> by_partition;
    for (const auto& c : back) by_partition[c.partition].push_back(c);
    for (auto& [p, list] : by_partition) {
        std::sort(list.begin(), list.end(),
                  [](const consumed& a, const consumed& b) { return a.offset < b.offset; });
        for (std::size_t i = 1; i < list.size(); ++i) {
            EXPECT_LT(sequence_of(list[i - 1]), sequence_of(list[i]))
                << "partition " << p << " offsets " << list[i - 1].offset << ", " << list[i].offset;
        }
    }
}

// ---- The producer alone (records from a record_store, a hand-off hook of the test's own) ----

struct hooked_harness : producer_harness {
    using producer_harness::producer_harness;
    std::size_t handoffs = 0;
    std::set<std::size_t> expire;  // indexes (in `order`) the hook declares expired
    std::map<outbound_kafka_record*, std::size_t> index;
    std::vector<std::size_t> handoff_order;

    static bool hook(void* self, outbound_kafka_record* r) noexcept {
        auto* h = static_cast<hooked_harness*>(static_cast<producer_harness*>(self));
        ++h->handoffs;
        const std::size_t i = h->index.at(r);
        h->handoff_order.push_back(i);
        if (h->expire.count(i) == 0) return true;
        // As the chain does: completed as expired by the hook itself.
        h->outcomes.push_back({r, completion::expired, {}});
        return false;
    }
};

std::unique_ptr<hooked_harness> make_hooked(const std::string& bootstrap, const std::string& topic,
                                            property_list extra = fast_reconnect()) {
    // producer_harness's constructor builds the producer; rebuild it with the hook installed.
    auto h = std::make_unique<hooked_harness>(bootstrap, std::vector<std::string>{topic}, extra);
    producer_options o;
    o.config.properties = {{"bootstrap.servers", bootstrap}};
    for (auto& p : extra) o.config.properties.push_back(p);
    o.topics = {topic};
    o.on_handoff = &hooked_harness::hook;
    o.probe_interval = 100ms;
    o.probe_timeout = 1000ms;
    std::string error;
    h->producer = kafka_producer::create(o, &producer_harness::collect,
                                         static_cast<producer_harness*>(h.get()), error);
    EXPECT_NE(h->producer, nullptr) << error;
    return h;
}

std::vector<outbound_kafka_record*> numbered_records(record_store& store, const std::string& topic,
                                                     std::size_t n, int partitions,
                                                     hooked_harness& h) {
    std::vector<outbound_kafka_record*> records;
    for (std::size_t i = 0; i < n; ++i) {
        record_spec s;
        s.partition = static_cast<std::int32_t>(i % partitions);
        s.value = "r" + std::to_string(i);
        s.headers = {{"seq", std::to_string(i)}};
        records.push_back(store.add(topic, s));
        h.index[records.back()] = i;
    }
    return records;
}

// Serves the producer until it reports an outage (or the deadline passes).
bool wait_outage(producer_harness& h, std::chrono::milliseconds deadline) {
    return wait_until([&] { return h.producer->counters().outages.load() >= 1; }, deadline,
                      [&] {
                          h.producer->poll();
                          std::this_thread::sleep_for(5ms);
                      });
}

TEST(kafka_outage, records_queued_in_the_client_when_kafka_goes_down_are_purged_and_parked) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("outage", 2), "");
    auto h = make_hooked(cluster->bootstrap(), "outage");
    ASSERT_TRUE(h->start());
    ASSERT_EQ(cluster->broker_down(1), "");
    // Given to librdkafka before the producer noticed anything: they sit in its queue.
    record_store store;
    const auto records = numbered_records(store, "outage", 100, 2, *h);
    h->produce(records);
    ASSERT_TRUE(wait_outage(*h, 20s)) << h->producer->last_client_error();
    EXPECT_TRUE(h->producer->parking());
    EXPECT_GE(h->producer->counters().purges.load(), 1u);
    // Nothing is on the wire while the broker is down: everything comes back and is parked.
    EXPECT_TRUE(wait_until([&] { return h->producer->counters().parked_now.load() == 100; }, 5s,
                           [&] {
                               h->producer->poll();
                               std::this_thread::sleep_for(5ms);
                           }))
        << h->producer->counters().parked_now.load();
    ASSERT_GT(h->producer->counters().parked_now.load(), 0u);
    EXPECT_TRUE(h->outcomes.empty()) << "a parked record is not completed";
    EXPECT_EQ(h->producer->in_flight(), 100u);
    // The hand-off re-evaluation happens only when the records are produced again.
    EXPECT_EQ(h->handoffs, 0u);

    ASSERT_EQ(cluster->broker_up(1), "");
    ASSERT_TRUE(h->wait_completions(100, 30s)) << h->outcomes.size();
    EXPECT_EQ(h->count(completion::delivered), 100u);
    EXPECT_EQ(h->handoffs, h->producer->counters().parked.load());
    EXPECT_EQ(h->producer->counters().reproduced.load(), h->handoffs);
    EXPECT_EQ(h->producer->counters().parked_now.load(), 0u);
    // The hand-off saw each partition's records in their original order.
    std::map<int, std::vector<std::size_t>> seen;
    for (auto i : h->handoff_order) seen[static_cast<int>(i % 2)].push_back(i);
    for (auto& [p, list] : seen) EXPECT_TRUE(std::is_sorted(list.begin(), list.end())) << p;

    const auto back = consume(cluster->bootstrap(), {"outage"}, "outage-a", 100, 20s);
    EXPECT_EQ(back.size(), 100u);
    expect_per_partition_order(back);
}

TEST(kafka_outage, batches_handed_over_while_kafka_is_down_are_parked_not_produced) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("parked", 3), "");
    auto h = make_hooked(cluster->bootstrap(), "parked");
    ASSERT_TRUE(h->start());
    ASSERT_EQ(cluster->broker_down(1), "");
    ASSERT_TRUE(wait_outage(*h, 20s)) << h->producer->last_client_error();
    const auto produced_before = h->producer->counters().produced.load();
    record_store store;
    const auto records = numbered_records(store, "parked", 60, 3, *h);
    // Every third record "expires" at the hand-off after the outage.
    for (std::size_t i = 0; i < 60; i += 3) h->expire.insert(i);
    h->produce(records);
    EXPECT_EQ(h->producer->counters().parked_now.load(), 60u);
    EXPECT_EQ(h->producer->counters().produced.load(), produced_before) << "nothing to librdkafka";
    h->producer->poll();
    EXPECT_TRUE(h->outcomes.empty());

    ASSERT_EQ(cluster->broker_up(1), "");
    ASSERT_TRUE(h->wait_completions(60, 30s)) << h->outcomes.size();
    EXPECT_EQ(h->count(completion::expired), 20u);
    EXPECT_EQ(h->count(completion::delivered), 40u);
    EXPECT_EQ(h->producer->counters().expired_on_resume.load(), 20u);
    const auto back = consume(cluster->bootstrap(), {"parked"}, "parked-a", 40, 20s);
    ASSERT_EQ(back.size(), 40u);
    for (const auto& c : back) EXPECT_NE(sequence_of(c) % 3, 0u) << "an expired record went out";
    expect_per_partition_order(back);
}

TEST(kafka_outage, close_during_an_outage_fails_parked_records_so_they_are_redelivered) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("closing", 2), "");
    auto h = make_hooked(cluster->bootstrap(), "closing");
    ASSERT_TRUE(h->start());
    ASSERT_EQ(cluster->broker_down(1), "");
    ASSERT_TRUE(wait_outage(*h, 20s));
    record_store store;
    const auto records = numbered_records(store, "closing", 30, 2, *h);
    h->produce(records);
    ASSERT_EQ(h->producer->counters().parked_now.load(), 30u);
    h->producer->close(200ms);
    // SPEC §4: exactly one completion each, `failed` (retriable): the MQTT source leaves them
    // unacknowledged and the broker redelivers them.
    ASSERT_EQ(h->outcomes.size(), 30u);
    std::set<outbound_kafka_record*> once;
    for (const auto& o : h->outcomes) {
        EXPECT_EQ(o.how, completion::failed);
        EXPECT_EQ(o.error.kind, error_class::retriable);
        once.insert(o.record);
    }
    EXPECT_EQ(once.size(), 30u);
    EXPECT_EQ(h->producer->in_flight(), 0u);
    EXPECT_EQ(h->handoffs, 0u) << "never re-evaluated: never emitted";
    ASSERT_EQ(cluster->broker_up(1), "");
}

// ---- A real mqtt_to_kafka_shard (chain's clock and drop counters) in front of the producer ----

constexpr const char* shard_topic = "expiry";

// Hands out the messages of `specs` once release() was called; records completions.
class gated_source final : public ingress_source {
  public:
    void add(const flowbridge::testing::publish_spec& s) {
        messages_.push_back(std::make_unique<flowbridge::testing::received_publish>(s));
    }
    void release() { released_.store(messages_.size(), std::memory_order_release); }
    std::size_t receive(std::span<mqtt_message*> messages, mono_ns now) noexcept override {
        const std::size_t limit = released_.load(std::memory_order_acquire);
        std::size_t n = 0;
        while (n < messages.size() && next_ < limit) {
            handout_.put(messages, n, messages_[next_]->message(), now, delivery_tag{next_});
            ++next_;
            ++n;
        }
        return n;
    }
    void complete(delivery_tag tag, completion how) noexcept override {
        std::lock_guard lock(mutex_);
        completions_.emplace_back(tag.value, how);
    }
    std::vector<std::pair<std::uint64_t, completion>> completions() {
        std::lock_guard lock(mutex_);
        return completions_;
    }

  private:
    std::vector<std::unique_ptr<flowbridge::testing::received_publish>> messages_;
    flowbridge::testing::handout handout_;
    std::atomic<std::size_t> released_{0};
    std::size_t next_ = 0;
    std::mutex mutex_;
    std::vector<std::pair<std::uint64_t, completion>> completions_;
};

struct shard_holder {
    mqtt_to_kafka_shard* shard = nullptr;
};
void to_shard(void* holder, outbound_kafka_record* r, completion how, delivery_error) noexcept {
    static_cast<shard_holder*>(holder)->shard->destination_completed(r, how);
}
bool handoff(void* holder, outbound_kafka_record* r) noexcept {
    return static_cast<shard_holder*>(holder)->shard->destination_handoff(r);
}

// A started producer for a real shard (completions and hand-offs go to holder.shard), probing
// every 100 ms during an outage.
std::unique_ptr<kafka_producer> start_shard_producer(const mock_cluster& cluster,
                                                     shard_holder& holder, property_list extra,
                                                     std::size_t max_in_flight) {
    producer_options o;
    o.config.properties = {{"bootstrap.servers", cluster.bootstrap()}};
    for (auto& p : extra) o.config.properties.push_back(std::move(p));
    for (auto& p : fast_reconnect()) o.config.properties.push_back(p);
    o.topics = {shard_topic};
    o.on_handoff = &handoff;
    o.max_in_flight = max_in_flight;
    o.probe_interval = 100ms;
    o.probe_timeout = 1000ms;
    std::string error;
    auto producer = kafka_producer::create(o, &to_shard, &holder, error);
    EXPECT_NE(producer, nullptr) << error;
    if (producer && !producer->start(error)) {
        ADD_FAILURE() << error;
        return nullptr;
    }
    return producer;
}

class kafka_outage_shard : public ::testing::TestWithParam<pipeline::topology> {};

TEST_P(kafka_outage_shard, expiry_reevaluated_when_kafka_comes_back) {
    constexpr std::size_t total = 40;  // even: short (2 s), odd: long (60 s)
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic(shard_topic, 3), "");
    manual_clock clock(5 * ns_per_s);
    shard_holder holder;
    auto producer = start_shard_producer(*cluster, holder, {{"acks", "all"}, {"linger.ms", "5"}}, 64);
    ASSERT_NE(producer, nullptr);

    gated_source source;
    for (std::size_t i = 0; i < total; ++i) {
        flowbridge::testing::publish_spec s;
        s.payload = "m-" + std::to_string(i);
        s.expiry = i % 2 == 0 ? 2u : 60u;
        s.user_properties = {{"seq", std::to_string(i)}};
        source.add(s);
    }
    mqtt_to_kafka_chain_settings cs;
    cs.translation.destination_topic = shard_topic;
    cs.partitioning.strategy = partition_strategy::round_robin;
    cs.partitioning.rotation = rotation_unit::per_batch;
    cs.batching = {false, 0, 1, 1'000'000};  // mode Disabled: the manual clock needs no flush
    cs.partitioning.turn = cs.batching;  // as the runtime maps it
    mqtt_to_kafka_shard_options so;
    so.topo = GetParam();
    so.in_flight_limit = 64;
    mqtt_to_kafka_shard shard(cs, clock, *producer->partition_count(shard_topic), *producer,
                              producer.get(), source, so);
    holder.shard = &shard;
    shard.start();

    ASSERT_EQ(cluster->broker_down(1), "");
    const auto& pc = producer->counters();
    ASSERT_TRUE(wait_until([&] { return pc.outages.load() >= 1; }, 20s));
    source.release();
    // Handed over by the chain (restamped: nothing queued yet) and parked by the producer.
    ASSERT_TRUE(wait_until([&] { return pc.parked_now.load() == total; }, 10s))
        << pc.parked_now.load();
    EXPECT_EQ(pc.produced.load(), 0u);
    EXPECT_EQ(shard.completed(), 0u);

    clock.advance(3 * ns_per_s);  // 3 whole seconds queued: 2 s ones expired, 60 s → 57
    ASSERT_EQ(cluster->broker_up(1), "");
    ASSERT_TRUE(wait_until([&] { return shard.completed() == total; }, 30s)) << shard.completed();
    EXPECT_EQ(shard.stop(10s), 0u);
    producer->close(5s);

    // Completions: short ones expired (acknowledged), long ones delivered; each exactly once.
    const auto done = source.completions();
    ASSERT_EQ(done.size(), total);
    std::set<std::uint64_t> tags;
    for (const auto& [tag, how] : done) {
        tags.insert(tag);
        EXPECT_EQ(how, tag % 2 == 0 ? completion::expired : completion::delivered) << tag;
    }
    EXPECT_EQ(tags.size(), total);
    EXPECT_EQ(shard.drops().value(drop_reason::message_expired), total / 2);
    EXPECT_EQ(shard.counters().delivered.value(), total / 2);
    EXPECT_EQ(pc.expired_on_resume.load(), total / 2);
    EXPECT_EQ(pc.reproduced.load(), total / 2);
    EXPECT_EQ(pc.failed_retriable.load() + pc.failed_fatal.load(), 0u);

    const auto back = consume(cluster->bootstrap(), {shard_topic}, "expiry-check", total / 2, 20s);
    ASSERT_EQ(back.size(), total / 2);
    for (const auto& c : back) {
        EXPECT_EQ(sequence_of(c) % 2, 1u) << "an expired message reached Kafka: " << c.value;
        EXPECT_EQ(header_of(c, "Message Expiry Interval"), "57") << c.value;
    }
    expect_per_partition_order(back);
}

TEST_P(kafka_outage_shard,
       messages_that_outlive_the_outage_keep_their_full_interval_if_no_second_passed) {
    // Boundary of SPEC §3.3: less than one whole second queued → nothing is rewritten.
    constexpr std::size_t total = 6;
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic(shard_topic, 1), "");
    manual_clock clock(5 * ns_per_s);
    shard_holder holder;
    auto producer = start_shard_producer(*cluster, holder, {}, producer_options{}.max_in_flight);
    ASSERT_NE(producer, nullptr);
    gated_source source;
    for (std::size_t i = 0; i < total; ++i) {
        flowbridge::testing::publish_spec s;
        s.payload = "k-" + std::to_string(i);
        s.expiry = 1u;
        s.user_properties = {{"seq", std::to_string(i)}};
        source.add(s);
    }
    mqtt_to_kafka_chain_settings cs;
    cs.translation.destination_topic = shard_topic;
    cs.batching = {false, 0, 1, 1'000'000};
    mqtt_to_kafka_shard_options so;
    so.topo = GetParam();
    so.in_flight_limit = 16;
    mqtt_to_kafka_shard shard(cs, clock, *producer->partition_count(shard_topic), *producer,
                              producer.get(), source, so);
    holder.shard = &shard;
    shard.start();
    ASSERT_EQ(cluster->broker_down(1), "");
    ASSERT_TRUE(wait_until([&] { return producer->counters().outages.load() >= 1; }, 20s));
    source.release();
    ASSERT_TRUE(wait_until([&] { return producer->counters().parked_now.load() == total; }, 10s));
    clock.advance(999 * ns_per_ms);  // 0 whole seconds: remaining 1
    ASSERT_EQ(cluster->broker_up(1), "");
    ASSERT_TRUE(wait_until([&] { return shard.completed() == total; }, 30s));
    EXPECT_EQ(shard.stop(10s), 0u);
    producer->close(5s);
    for (const auto& [tag, how] : source.completions()) EXPECT_EQ(how, completion::delivered);
    const auto back = consume(cluster->bootstrap(), {shard_topic}, "boundary", total, 20s);
    ASSERT_EQ(back.size(), total);
    for (const auto& c : back) EXPECT_EQ(header_of(c, "Message Expiry Interval"), "1");
    expect_per_partition_order(back);
}

INSTANTIATE_TEST_SUITE_P(topologies, kafka_outage_shard,
                         ::testing::Values(pipeline::topology::fused, pipeline::topology::split),
                         [](const auto& info) {
                             return info.param == pipeline::topology::fused ? std::string("fused")
                                                                            : std::string("split");
                         });

}  // namespace
}  // namespace flowbridge::kafka::testing
