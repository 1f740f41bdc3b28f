// SPEC §2.1 batching knobs change the shape of the produced record batches. The producer is
// configured exactly as engine/config renders a DataflowEndpoint (make_kafka_client_settings:
// batching → linger.ms / batch.num.messages / batch.size), and the shapes are read from
// librdkafka's statistics (statistics.interval.ms): per topic, `batchcnt` is the histogram of
// messages per produced batch and `batchsize` of bytes per batch, over each statistics window.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <mutex>

#include "engine/config/client_settings.h"
#include "tests/integration/kafka/kafka_test_support.h"

namespace flowbridge::kafka::testing {
namespace {

struct batch_shapes {
    std::int64_t batches = 0;  // sum of `cnt` over every window
    std::int64_t min_messages = std::numeric_limits<std::int64_t>::max();
    std::int64_t max_messages = 0;
    std::int64_t max_bytes = 0;
    int windows = 0;
};

class shape_collector {
  public:
    explicit shape_collector(std::string topic) : topic_(std::move(topic)) {}
    void on_statistics(std::string_view json) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        if (parser.parse(json.data(), json.size()).get(doc)) return;
        simdjson::dom::element t;
        if (doc["topics"][topic_].get(t)) return;
        std::int64_t cnt = 0, mn = 0, mx = 0, bytes_max = 0;
        if (t["batchcnt"]["cnt"].get(cnt) || t["batchcnt"]["min"].get(mn) ||
            t["batchcnt"]["max"].get(mx) || t["batchsize"]["max"].get(bytes_max))
            return;
        std::lock_guard lock(mutex_);
        ++shapes_.windows;
        if (cnt == 0) return;
        shapes_.batches += cnt;
        shapes_.min_messages = std::min(shapes_.min_messages, mn);
        shapes_.max_messages = std::max(shapes_.max_messages, mx);
        shapes_.max_bytes = std::max(shapes_.max_bytes, bytes_max);
    }
    batch_shapes shapes() const {
        std::lock_guard lock(mutex_);
        return shapes_;
    }

  private:
    std::string topic_;
    mutable std::mutex mutex_;
    batch_shapes shapes_;
};

/// The librdkafka properties engine/config renders for a destination endpoint with `batching`.
property_list rendered(const config::batching_settings& batching) {
    config::dataflow_endpoint ep;
    ep.meta.name = "kafka-target";
    ep.kafka.host = "kafka.example:9092";
    ep.kafka.bootstrap_servers = {{"kafka.example", 9092}};  // replaced by the mock's below
    ep.kafka.auth.method = config::auth_method::anonymous;
    ep.kafka.tls.mode = config::tls_mode::disabled;
    ep.kafka.acks = config::kafka_acks::one;
    ep.kafka.batching = batching;
    const auto settings = config::make_kafka_client_settings(ep, config::kafka_role::destination);
    property_list out;
    for (const auto& p : settings.properties.all()) out.emplace_back(p.name, p.value.reveal());
    return out;
}

struct run_result {
    batch_shapes shapes;
    std::size_t delivered = 0;
    std::chrono::milliseconds elapsed{0};
};

run_result produce_and_observe(const config::batching_settings& batching, std::size_t count,
                               std::size_t value_size) {
    auto cluster = start_cluster(1);
    const std::string topic = "shapes";
    EXPECT_EQ(cluster->create_topic(topic, 1), "");
    shape_collector collector(topic);
    std::vector<outcome> outcomes;
    producer_options o;
    o.config.properties = rendered(batching);
    o.config.properties.push_back({"bootstrap.servers", cluster->bootstrap()});
    o.config.properties.push_back({"statistics.interval.ms", "100"});
    o.topics = {topic};
    o.on_statistics = [&](std::string_view json) { collector.on_statistics(json); };
    std::string error;
    auto producer = kafka_producer::create(
        o,
        [](void* self, outbound_kafka_record* r, completion how, delivery_error e) noexcept {
            static_cast<std::vector<outcome>*>(self)->push_back({r, how, e});
        },
        &outcomes, error);
    EXPECT_NE(producer, nullptr) << error;
    run_result result;
    if (!producer || !producer->start(error)) {
        ADD_FAILURE() << error;
        return result;
    }
    record_store store;
    std::vector<outbound_kafka_record*> batch;
    for (std::size_t i = 0; i < count; ++i) {
        record_spec s;
        s.partition = 0;
        s.value = std::string(value_size, static_cast<char>('a' + i % 26));
        batch.push_back(store.add(topic, s));
    }
    const auto t0 = steady::now();
    producer->deliver(partition_id{0}, batch);
    EXPECT_TRUE(
        wait_until([&] { return outcomes.size() == count; }, 20s, [&] { producer->poll(1ms); }));
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
    for (const auto& x : outcomes) result.delivered += x.how == completion::delivered;
    // Two more statistics windows: every produced batch is in some window by then.
    const int windows = collector.shapes().windows;
    EXPECT_TRUE(wait_until([&] { return collector.shapes().windows >= windows + 2; }, 5s,
                           [&] { producer->poll(10ms); }));
    result.shapes = collector.shapes();
    producer->close(5s);
    return result;
}

TEST(kafka_batching, max_messages_caps_every_batch_and_flushes_before_the_latency) {
    config::batching_settings b;
    b.latency_ms = 5000;  // long: full batches must go out without waiting for it
    b.max_messages = 10;
    const auto r = produce_and_observe(b, 100, 64);
    EXPECT_EQ(r.delivered, 100u);
    EXPECT_LT(r.elapsed, 4000ms) << "full batches waited for linger.ms";
    EXPECT_EQ(r.shapes.max_messages, 10);
    EXPECT_EQ(r.shapes.min_messages, 10);
    EXPECT_EQ(r.shapes.batches, 10);
}

TEST(kafka_batching, disabled_means_one_message_per_batch) {
    config::batching_settings b;
    b.mode = config::batching_mode::disabled;
    const auto r = produce_and_observe(b, 50, 64);
    EXPECT_EQ(r.delivered, 50u);
    EXPECT_EQ(r.shapes.max_messages, 1);
    EXPECT_EQ(r.shapes.batches, 50);
}

TEST(kafka_batching, max_bytes_caps_the_batch_size) {
    config::batching_settings b;
    b.latency_ms = 1000;  // the last, partial batch waits for it; the full ones do not
    b.max_messages = 100000;
    b.max_bytes = 4000;
    const auto r = produce_and_observe(b, 60, 500);
    EXPECT_EQ(r.delivered, 60u);
    EXPECT_LE(r.shapes.max_bytes, 4000);
    EXPECT_GT(r.shapes.batches, 60 * 500 / 4000);  // ≥ 8 batches for 30 000 value bytes
    EXPECT_LT(r.shapes.max_messages, 8);
}

TEST(kafka_batching, latency_holds_a_partial_batch_until_it_expires) {
    config::batching_settings b;
    b.latency_ms = 400;
    b.max_messages = 1000;
    const auto r = produce_and_observe(b, 20, 64);
    EXPECT_EQ(r.delivered, 20u);
    EXPECT_GE(r.elapsed, 350ms) << "a partial batch went out before latencyMs";
    EXPECT_EQ(r.shapes.batches, 1);
    EXPECT_EQ(r.shapes.max_messages, 20);
}

}  // namespace
}  // namespace flowbridge::kafka::testing
