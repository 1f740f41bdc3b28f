#pragma once

// Shared by the Kafka integration tests: records that own their bytes, a producer harness that
// collects completions, and a consumer that reads everything back. Everything talks to the mock
// cluster on 127.0.0.1 and waits on conditions with deadlines (no sleep-and-hope).

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "transports/kafka/consumer.h"
#include "transports/kafka/mock_cluster.h"
#include "transports/kafka/producer.h"

namespace flowbridge::kafka::testing {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Polls `step` until `done` holds or `timeout` passes; returns whether it holds.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       const std::function<void()>& step = [] {
                           std::this_thread::sleep_for(5ms);
                       }) {
    const auto deadline = steady::now() + timeout;
    while (!done()) {
        if (steady::now() >= deadline) return false;
        step();
    }
    return true;
}

/// What a test wants produced, with the bytes it owns.
struct record_spec {
    std::int32_t partition = 0;
    std::optional<std::string> key;
    std::string value;
    std::int64_t timestamp_ms = 0;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// What came back from Kafka, copied out of the consumer's views.
struct consumed {
    std::string topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::optional<std::string> key;
    std::string value;
    std::int64_t timestamp_ms = -1;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Owns outbound records (stable addresses) and the bytes they view.
class record_store {
public:
    outbound_kafka_record* add(const std::string& topic, const record_spec& spec) {
        specs_.push_back(spec);
        const record_spec& s = specs_.back();
        topics_.push_back(topic);
        auto& r = records_.emplace_back();
        r.topic = topics_.back();
        r.partition = partition_id{s.partition};
        if (s.key) {
            r.key = *s.key;
            r.has_key = true;
        }
        r.value = s.value;
        r.timestamp_ms = s.timestamp_ms;
        for (const auto& [n, v] : s.headers) r.headers.push_back({n, v});
        return &r;
    }
    std::size_t size() const { return records_.size(); }
    outbound_kafka_record& at(std::size_t i) { return records_[i]; }
    const record_spec& spec(std::size_t i) const { return specs_[i]; }

private:
    std::deque<record_spec> specs_;
    std::deque<std::string> topics_;
    std::deque<outbound_kafka_record> records_;
};

struct outcome {
    outbound_kafka_record* record;
    completion how;
    delivery_error error;
};

/// A started producer that records every completion.
class producer_harness {
public:
    static void collect(void* self, outbound_kafka_record* r, completion how,
                        delivery_error e) noexcept {
        static_cast<producer_harness*>(self)->outcomes.push_back({r, how, e});
    }

    producer_harness(const std::string& bootstrap, const std::vector<std::string>& topics,
                     property_list extra = {}, bool park_when_unreachable = true) {
        producer_options o;
        o.park_when_unreachable = park_when_unreachable;
        o.config.properties = {{"bootstrap.servers", bootstrap}};
        for (auto& p : extra) o.config.properties.push_back(std::move(p));
        o.topics = topics;
        o.metadata_timeout = 10s;
        std::string error;
        producer = kafka_producer::create(o, &collect, this, error);
        EXPECT_NE(producer, nullptr) << error;
    }

    bool start() {
        std::string error;
        const bool ok = producer && producer->start(error);
        EXPECT_TRUE(ok) << error;
        return ok;
    }

    /// Hands the records to the producer in per-partition batches (as the batcher does).
    void produce(const std::vector<outbound_kafka_record*>& records) {
        std::map<std::int32_t, std::vector<outbound_kafka_record*>> by_partition;
        for (auto* r : records) by_partition[r->partition.value].push_back(r);
        for (auto& [p, batch] : by_partition) producer->deliver(partition_id{p}, batch);
    }

    /// Serves delivery reports until `n` completions arrived or `timeout` passed.
    bool wait_completions(std::size_t n, std::chrono::milliseconds timeout) {
        return wait_until([&] { return outcomes.size() >= n; }, timeout,
                          [&] {
                              if (producer->poll() == 0) std::this_thread::sleep_for(1ms);
                          });
    }

    std::size_t count(completion how) const {
        std::size_t n = 0;
        for (const auto& o : outcomes) n += o.how == how;
        return n;
    }

    std::unique_ptr<kafka_producer> producer;
    std::vector<outcome> outcomes;
};

/// Reads `n` records of `topics` in group `group` (completing each at once) or until `timeout`.
inline std::vector<consumed> consume(const std::string& bootstrap,
                                     const std::vector<std::string>& topics,
                                     const std::string& group, std::size_t n,
                                     std::chrono::milliseconds timeout,
                                     property_list extra = {}) {
    consumer_options o;
    o.config.properties = {{"bootstrap.servers", bootstrap}, {"group.id", group}};
    for (auto& p : extra) o.config.properties.push_back(std::move(p));
    o.topics = topics;
    std::string error;
    auto c = kafka_consumer::create(o, error);
    EXPECT_NE(c, nullptr) << error;
    std::vector<consumed> out;
    if (!c || !c->start(error)) return out;
    const kafka_record* batch[64];
    wait_until(
        [&] { return out.size() >= n; }, timeout,
        [&] {
            const auto got = c->poll(batch, 100ms, 0);
            for (std::size_t i = 0; i < got; ++i) {
                const kafka_record& r = *batch[i];
                consumed x;
                x.topic = std::string(r.topic);
                x.partition = r.partition.value;
                x.offset = r.offset;
                if (r.has_key) x.key = std::string(r.key);
                x.value = std::string(r.value);
                x.timestamp_ms = r.timestamp_ms;
                for (const auto& h : r.headers) x.headers.emplace_back(h.name, h.value);
                out.push_back(std::move(x));
                c->complete(r.tag);
            }
        });
    c->close();
    return out;
}

/// A mock cluster for one test.
inline std::unique_ptr<mock_cluster> start_cluster(int brokers) {
    std::string error;
    auto m = mock_cluster::create(brokers, error);
    EXPECT_NE(m, nullptr) << error;
    return m;
}

}  // namespace flowbridge::kafka::testing
