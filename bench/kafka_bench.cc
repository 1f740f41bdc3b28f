// The Kafka transport against its ceiling: raw librdkafka producing the same records (same
// payloads, same headers, same partitions, same client settings) to the same embedded mock
// cluster over loopback TCP, in the same run. Issue 4 asks the transport for >= 90 % of raw.
//
//   BM_kafka_produce_raw/headers:H        rd_kafka_producev, headers as a V_HEADERS list
//   BM_kafka_produce_transport/headers:H  kafka_producer::deliver() with batches of
//                                         outbound_kafka_record, completions via poll()
//   BM_kafka_transport_vs_raw/headers:H   both alternately in one loop; counters raw_msgs_per_s,
//                                         transport_msgs_per_s and ratio (transport / raw)
// H = 0 (no headers) or 5 (the five MQTT property headers of SPEC §3.1 plus user properties).
// Every iteration produces `records_per_round` records and waits for all delivery reports.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "transports/kafka/mock_cluster.h"
#include "transports/kafka/producer.h"

namespace flowbridge {
namespace {

constexpr std::size_t records_per_round = 20000;
constexpr std::size_t batch_size = 500;  // what the batcher hands over per deliver()
constexpr int partitions = 4;
constexpr std::size_t payload_size = 256;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "kafka benchmark self-check failed: %s\n", what);
        std::abort();
    }
}

// Same client settings for both contenders.
kafka::property_list client_properties(const std::string& bootstrap) {
    return {{"bootstrap.servers", bootstrap},
            {"acks", "1"},
            {"linger.ms", "5"},
            {"socket.nagle.disable", "true"},
            {"queue.buffering.max.messages", "1000000"},
            {"log_level", "3"}};
}

kafka::mock_cluster& cluster() {
    static std::unique_ptr<kafka::mock_cluster> c = [] {
        std::string error;
        auto m = kafka::mock_cluster::create(1, error);
        require(m != nullptr, "mock cluster");
        require(m->create_topic("bench", partitions).empty(), "topic");
        return m;
    }();
    return *c;
}

/// The records of one round and the bytes they view (built once, reused every round).
struct round_records {
    explicit round_records(int headers) {
        payload.assign(payload_size, 'p');
        for (int i = 0; i < 16; ++i) names.push_back("user-property-" + std::to_string(i));
        records.resize(records_per_round);
        for (std::size_t i = 0; i < records.size(); ++i) {
            auto& r = records[i];
            r.topic = "bench";
            r.value = payload;
            r.partition = partition_id{static_cast<std::int32_t>((i / batch_size) % partitions)};
            r.timestamp_ms = 1'700'000'000'000;
            if (headers > 0) {
                r.headers.push_back({"Content Type", "application/json"});
                r.headers.push_back({"Correlation Data", "0123456789abcdef"});
                r.headers.push_back({"Message Expiry Interval", "3600"});
                for (int h = 3; h < headers; ++h) r.headers.push_back({names[h], "some-value"});
            }
        }
    }
    std::string payload;
    std::vector<std::string> names;
    std::vector<outbound_kafka_record> records;
};

/// Raw librdkafka: what an application writing directly against the C API would do.
class raw_producer {
public:
    raw_producer() {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        char err[256];
        for (const auto& [k, v] : client_properties(cluster().bootstrap()))
            require(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) ==
                        RD_KAFKA_CONF_OK,
                    "raw conf");
        rd_kafka_conf_set_opaque(conf, this);
        rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* o) {
            auto* self = static_cast<raw_producer*>(o);
            ++self->reports;
            if (m->err) ++self->failures;
        });
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        require(rk != nullptr, "raw producer");
        topic = rd_kafka_topic_new(rk, "bench", nullptr);
    }
    ~raw_producer() {
        rd_kafka_flush(rk, 10000);
        rd_kafka_topic_destroy(topic);
        rd_kafka_destroy(rk);
    }

    void round(const round_records& rr) {
        const std::size_t target = reports + rr.records.size();
        for (const auto& r : rr.records) {
            rd_kafka_headers_t* hdrs = nullptr;
            if (!r.headers.empty()) {
                hdrs = rd_kafka_headers_new(r.headers.size());
                for (const auto& h : r.headers)
                    rd_kafka_header_add(hdrs, h.name.data(), static_cast<ssize_t>(h.name.size()),
                                        h.value.data(), static_cast<ssize_t>(h.value.size()));
            }
            for (;;) {
                const auto err = hdrs ? rd_kafka_producev(
                                            rk, RD_KAFKA_V_RKT(topic),
                                            RD_KAFKA_V_PARTITION(r.partition.value),
                                            RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()),
                                                             r.value.size()),
                                            RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
                                            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END)
                                      : rd_kafka_producev(
                                            rk, RD_KAFKA_V_RKT(topic),
                                            RD_KAFKA_V_PARTITION(r.partition.value),
                                            RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()),
                                                             r.value.size()),
                                            RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
                require(err == RD_KAFKA_RESP_ERR__QUEUE_FULL, "raw produce");
                rd_kafka_poll(rk, 1);
            }
            rd_kafka_poll(rk, 0);
        }
        while (reports < target) rd_kafka_poll(rk, 1);
        require(failures == 0, "raw delivery");
    }

    rd_kafka_t* rk = nullptr;
    rd_kafka_topic_t* topic = nullptr;
    std::size_t reports = 0;
    std::size_t failures = 0;
};

/// The transport, fed the way the batcher feeds it.
class transport_producer {
public:
    static void on_complete(void* self, outbound_kafka_record*, completion how,
                            kafka::delivery_error) noexcept {
        auto* t = static_cast<transport_producer*>(self);
        ++t->completions;
        if (how != completion::delivered) ++t->failures;
    }

    transport_producer() {
        kafka::producer_options o;
        o.config.properties = client_properties(cluster().bootstrap());
        o.topics = {"bench"};
        std::string error;
        producer = kafka::kafka_producer::create(o, &on_complete, this, error);
        require(producer != nullptr, "transport producer");
        require(producer->start(error), "transport start");
    }

    void round(round_records& rr) {
        const std::size_t target = completions + rr.records.size();
        std::vector<outbound_kafka_record*> batch;
        batch.reserve(batch_size);
        for (std::size_t i = 0; i < rr.records.size(); i += batch_size) {
            batch.clear();
            for (std::size_t j = i; j < std::min(i + batch_size, rr.records.size()); ++j)
                batch.push_back(&rr.records[j]);
            producer->deliver(batch.front()->partition, batch);
            producer->poll();  // the shard polls after every burst
        }
        while (completions < target) producer->poll(std::chrono::milliseconds(1));
        require(failures == 0, "transport delivery");
    }

    std::unique_ptr<kafka::kafka_producer> producer;
    std::size_t completions = 0;
    std::size_t failures = 0;
};

void BM_kafka_produce_raw(benchmark::State& state) {
    round_records rr(static_cast<int>(state.range(0)));
    raw_producer raw;
    raw.round(rr);  // warm-up: connections, metadata
    for (auto _ : state) raw.round(rr);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(records_per_round));
}
BENCHMARK(BM_kafka_produce_raw)->ArgName("headers")->Arg(0)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_kafka_produce_transport(benchmark::State& state) {
    round_records rr(static_cast<int>(state.range(0)));
    transport_producer t;
    t.round(rr);
    for (auto _ : state) t.round(rr);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(records_per_round));
}
BENCHMARK(BM_kafka_produce_transport)->ArgName("headers")->Arg(0)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_kafka_transport_vs_raw(benchmark::State& state) {
    using clk = std::chrono::steady_clock;
    round_records rr(static_cast<int>(state.range(0)));
    raw_producer raw;
    transport_producer t;
    raw.round(rr);
    t.round(rr);
    clk::duration raw_time{};
    clk::duration transport_time{};
    bool raw_first = true;
    for (auto _ : state) {
        // ABBA order, so that neither contender always runs right after the other.
        for (int k = 0; k < 2; ++k) {
            const auto a = clk::now();
            if (raw_first == (k == 0)) {
                raw.round(rr);
                raw_time += clk::now() - a;
            } else {
                t.round(rr);
                transport_time += clk::now() - a;
            }
        }
        raw_first = !raw_first;
    }
    const double n = static_cast<double>(state.iterations() * records_per_round);
    const double raw_rate = n / std::chrono::duration<double>(raw_time).count();
    const double t_rate = n / std::chrono::duration<double>(transport_time).count();
    state.counters["raw_msgs_per_s"] = raw_rate;
    state.counters["transport_msgs_per_s"] = t_rate;
    state.counters["ratio"] = t_rate / raw_rate;
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * records_per_round));
}
BENCHMARK(BM_kafka_transport_vs_raw)->ArgName("headers")->Arg(0)->Arg(5)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace flowbridge
