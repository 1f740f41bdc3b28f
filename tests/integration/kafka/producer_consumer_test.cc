// Producer → mock cluster (real TCP on 127.0.0.1) → consumer. SPEC §2.1, §3.1, §4.
#include <poll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <set>

#include "tests/integration/kafka/kafka_test_support.h"

namespace flowbridge::kafka::testing {
namespace {

std::string binary_bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) & 0xff);
    return s;
}

TEST(kafka_round_trip, value_key_headers_timestamp_and_explicit_partition_survive) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("rt", 3), "");
    producer_harness h(cluster->bootstrap(), {"rt"});
    ASSERT_TRUE(h.start());
    ASSERT_EQ(h.producer->partition_count("rt")->load(), 3);

    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 30; ++i) {
        record_spec s;
        s.partition = i % 3;
        if (i % 2 == 0) s.key = "key-" + std::to_string(i);
        s.value = i % 5 == 0 ? binary_bytes(100 + i, i) : "value " + std::to_string(i);
        s.timestamp_ms = 1'700'000'000'000 + i;
        s.headers = {{"Content Type", "application/json"},
                     {"Correlation Data", binary_bytes(9, i)},  // binary bytes (SPEC §3.1)
                     {"dup", "first"},
                     {"dup", "second"},  // duplicates preserved, in order
                     {"empty", ""}};
        records.push_back(store.add("rt", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s)) << h.outcomes.size();
    EXPECT_EQ(h.count(completion::delivered), records.size());
    EXPECT_EQ(h.producer->in_flight(), 0u);
    // Every record got exactly one completion.
    std::set<outbound_kafka_record*> seen;
    for (const auto& o : h.outcomes) EXPECT_TRUE(seen.insert(o.record).second);

    // A new group starts at the earliest offset (SPEC §4).
    auto got = consume(cluster->bootstrap(), {"rt"}, "rt-group", records.size(), 20s);
    ASSERT_EQ(got.size(), records.size());
    std::map<std::int32_t, std::vector<consumed>> by_partition;
    for (auto& c : got) by_partition[c.partition].push_back(c);
    for (auto& [p, list] : by_partition) {
        std::sort(list.begin(), list.end(),
                  [](const consumed& a, const consumed& b) { return a.offset < b.offset; });
        // Records of a partition come back in produce order.
        std::size_t j = 0;
        for (std::size_t i = 0; i < store.size(); ++i) {
            const auto& s = store.spec(i);
            if (s.partition != p) continue;
            ASSERT_LT(j, list.size());
            const auto& c = list[j++];
            EXPECT_EQ(c.value, s.value);
            EXPECT_EQ(c.key, s.key);
            EXPECT_EQ(c.timestamp_ms, s.timestamp_ms);
            EXPECT_EQ(c.headers, s.headers);
            EXPECT_EQ(c.offset, static_cast<std::int64_t>(j - 1));
        }
        EXPECT_EQ(j, list.size());
    }
}

// An idle shard thread blocks on this descriptor (with its MQTT sockets) instead of polling:
// it must turn readable when a delivery report is waiting.
TEST(kafka_round_trip, wakeup_descriptor_turns_readable_when_a_delivery_report_waits) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("wake", 1), "");
    producer_harness h(cluster->bootstrap(), {"wake"});
    ASSERT_TRUE(h.start());
    const int fd = h.producer->wakeup_fd();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(h.producer->wakeup_fd(), fd) << "one pipe per producer";
    h.producer->poll();  // whatever start-up queued
    char buf[64];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    record_store store;
    record_spec s;
    s.partition = 0;
    s.value = "wake-up";
    h.produce({store.add("wake", s)});
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 20000), 1) << "no wake-up for the delivery report";
    EXPECT_GT(::read(fd, buf, sizeof buf), 0);
    ASSERT_TRUE(h.wait_completions(1, 20s));
    EXPECT_EQ(h.count(completion::delivered), 1u);
}

class kafka_compression : public ::testing::TestWithParam<const char*> {};

TEST_P(kafka_compression, every_codec_reads_back_intact) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("z", 1), "");
    producer_harness h(cluster->bootstrap(), {"z"},
                       {{"compression.codec", GetParam()}, {"linger.ms", "20"}});
    ASSERT_TRUE(h.start());
    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 300; ++i) {
        record_spec s;
        s.partition = 0;
        // Compressible text and incompressible bytes alternate.
        s.value = i % 2 ? std::string(200 + i, static_cast<char>('a' + i % 26))
                        : binary_bytes(300, i);
        s.headers = {{"n", std::to_string(i)}};
        records.push_back(store.add("z", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s));
    ASSERT_EQ(h.count(completion::delivered), records.size());
    auto got = consume(cluster->bootstrap(), {"z"}, std::string("z-") + GetParam(),
                       records.size(), 20s);
    ASSERT_EQ(got.size(), records.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].value, store.spec(i).value) << i;
        EXPECT_EQ(got[i].headers, store.spec(i).headers) << i;
    }
}

INSTANTIATE_TEST_SUITE_P(codecs, kafka_compression,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

class kafka_acks : public ::testing::TestWithParam<const char*> {};

TEST_P(kafka_acks, every_record_is_delivered_at_the_configured_level) {
    auto cluster = start_cluster(3);
    ASSERT_EQ(cluster->create_topic("acks", 3, 3), "");
    producer_harness h(cluster->bootstrap(), {"acks"}, {{"acks", GetParam()}});
    ASSERT_TRUE(h.start());
    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 60; ++i) {
        record_spec s;
        s.partition = i % 3;
        s.value = "a" + std::to_string(i);
        records.push_back(store.add("acks", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s));
    EXPECT_EQ(h.count(completion::delivered), records.size());
    auto got = consume(cluster->bootstrap(), {"acks"}, std::string("acks-") + GetParam(),
                       records.size(), 20s);
    EXPECT_EQ(got.size(), records.size());
}

INSTANTIATE_TEST_SUITE_P(levels, kafka_acks, ::testing::Values("0", "1", "all"),
                         [](const auto& info) {
                             return std::string("acks_") + info.param;
                         });

TEST(kafka_failure, broker_down_then_up_loses_nothing_and_reports_nothing_early) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("down", 2), "");
    producer_harness h(cluster->bootstrap(), {"down"},
                       {{"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "200"}});
    ASSERT_TRUE(h.start());
    ASSERT_EQ(cluster->broker_down(1), "");

    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 100; ++i) {
        record_spec s;
        s.partition = i % 2;
        s.value = "d" + std::to_string(i);
        s.headers = {{"i", std::to_string(i)}};
        records.push_back(store.add("down", s));
    }
    h.produce(records);
    // Broker down for 3 s: no completion of any kind may arrive (nothing acknowledged, and
    // nothing given up: message.timeout.ms is far away).
    const auto down_until = steady::now() + 3s;
    while (steady::now() < down_until) {
        h.producer->poll();
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(h.outcomes.size(), 0u);
    EXPECT_EQ(h.producer->in_flight(), records.size());

    ASSERT_EQ(cluster->broker_up(1), "");
    ASSERT_TRUE(h.wait_completions(records.size(), 30s)) << h.outcomes.size();
    EXPECT_EQ(h.count(completion::delivered), records.size());

    auto got = consume(cluster->bootstrap(), {"down"}, "down-group", records.size(), 20s);
    std::set<std::string> values;
    for (const auto& c : got) values.insert(c.value);
    EXPECT_EQ(values.size(), records.size());  // nothing lost
}

TEST(kafka_failure, message_timed_out_in_librdkafka_is_failed_never_delivered) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("timeout", 1), "");
    // Without parking (docs/kafka.md, "Kafka unreachable"): the record waits in librdkafka.
    producer_harness h(cluster->bootstrap(), {"timeout"}, {{"message.timeout.ms", "500"}},
                       /*park_when_unreachable=*/false);
    ASSERT_TRUE(h.start());
    ASSERT_EQ(cluster->broker_down(1), "");
    record_store store;
    record_spec s;
    s.value = "late";
    s.headers = {{"h", "v"}};
    std::vector<outbound_kafka_record*> records = {store.add("timeout", s)};
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(1, 10s));
    EXPECT_EQ(h.outcomes[0].how, completion::failed);
    EXPECT_EQ(error_name(h.outcomes[0].error.code), "_MSG_TIMED_OUT");
    EXPECT_EQ(h.outcomes[0].error.kind, error_class::retriable);
    ASSERT_EQ(cluster->broker_up(1), "");
}

TEST(kafka_failure, injected_produce_errors_are_retried_by_the_client) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("inject", 1), "");
    producer_harness h(cluster->bootstrap(), {"inject"}, {{"retry.backoff.ms", "20"}});
    ASSERT_TRUE(h.start());
    // The next three Produce requests (API key 0) fail with retriable errors.
    cluster->push_request_errors(0, {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                     RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                     RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE});
    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 10; ++i) {
        record_spec s;
        s.value = "r" + std::to_string(i);
        records.push_back(store.add("inject", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s));
    EXPECT_EQ(h.count(completion::delivered), records.size());
    auto got = consume(cluster->bootstrap(), {"inject"}, "inject-group", records.size(), 20s);
    EXPECT_EQ(got.size(), records.size());
}

TEST(kafka_failure, record_for_a_partition_beyond_metadata_fails_and_nothing_crashes) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("few", 2), "");
    producer_harness h(cluster->bootstrap(), {"few"});
    ASSERT_TRUE(h.start());
    record_store store;
    record_spec s;
    s.partition = 7;  // does not exist: the produceva header pitfall if it reached librdkafka
    s.value = "x";
    s.headers = {{"a", "b"}, {"c", "d"}};
    std::vector<outbound_kafka_record*> records = {store.add("few", s)};
    h.produce(records);
    ASSERT_EQ(h.outcomes.size(), 1u);
    EXPECT_EQ(h.outcomes[0].how, completion::failed);
    EXPECT_EQ(error_name(h.outcomes[0].error.code), "_UNKNOWN_PARTITION");
}

TEST(kafka_metadata, unknown_topic_is_a_clear_start_error) {
    auto cluster = start_cluster(1);
    // What a broker without auto.create.topics.enable answers (the mock would auto-create).
    cluster->set_topic_error("missing-topic", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    producer_options o;
    o.config.properties = {{"bootstrap.servers", cluster->bootstrap()},
                           {"allow.auto.create.topics", "false"}};
    o.topics = {"missing-topic"};
    o.metadata_timeout = 1500ms;
    std::vector<outcome> out;
    std::string error;
    auto p = kafka_producer::create(o, &producer_harness::collect, nullptr, error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_FALSE(p->start(error));
    EXPECT_NE(error.find("'missing-topic'"), std::string::npos) << error;
    EXPECT_NE(error.find("UNKNOWN_TOPIC_OR_PART"), std::string::npos) << error;
}

TEST(kafka_metadata, topic_auto_created_by_the_broker_gets_its_partition_count) {
    auto cluster = start_cluster(1);
    producer_harness h(cluster->bootstrap(), {"auto-created"});
    ASSERT_TRUE(h.start());
    // The mock cluster auto-creates topics with 4 partitions.
    EXPECT_EQ(h.producer->partition_count("auto-created")->load(), 4);
}

TEST(kafka_consumer_offsets, restart_resumes_at_the_first_uncompleted_record) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("resume", 1), "");
    {
        producer_harness h(cluster->bootstrap(), {"resume"});
        ASSERT_TRUE(h.start());
        record_store store;
        std::vector<outbound_kafka_record*> records;
        for (int i = 0; i < 10; ++i) {
            record_spec s;
            s.value = "m" + std::to_string(i);
            records.push_back(store.add("resume", s));
        }
        h.produce(records);
        ASSERT_TRUE(h.wait_completions(records.size(), 20s));
        ASSERT_EQ(h.count(completion::delivered), records.size());
    }
    consumer_options o;
    o.config.properties = {{"bootstrap.servers", cluster->bootstrap()}, {"group.id", "resume-g"}};
    o.topics = {"resume"};
    o.commit_interval = 10ms;
    o.config.properties.push_back({"session.timeout.ms", "6000"});
    o.config.properties.push_back({"heartbeat.interval.ms", "500"});
    std::string error;
    {
        auto c = kafka_consumer::create(o, error);
        ASSERT_NE(c, nullptr) << error;
        ASSERT_TRUE(c->start(error)) << error;
        std::vector<const kafka_record*> held;
        const kafka_record* batch[16];
        ASSERT_TRUE(wait_until([&] { return held.size() >= 10; }, 20s, [&] {
            const auto n = c->poll(batch, 100ms, 0);
            held.insert(held.end(), batch, batch + n);
        }));
        // Complete everything except offset 5, out of order.
        for (int i : {9, 0, 1, 2, 3, 4, 6, 7, 8}) c->complete(held[i]->tag);
        EXPECT_EQ(c->committable_offset("resume", 0), 5);
        ASSERT_TRUE(c->commit(&error)) << error;
        EXPECT_EQ(c->in_flight(), 5u);  // 5 and the completed ones after it are still held
        c->close();
    }
    {
        auto c = kafka_consumer::create(o, error);
        ASSERT_NE(c, nullptr) << error;
        ASSERT_TRUE(c->start(error)) << error;
        std::vector<std::int64_t> offsets;
        const kafka_record* batch[16];
        ASSERT_TRUE(wait_until([&] { return offsets.size() >= 5; }, 20s, [&] {
            const auto n = c->poll(batch, 100ms, 0);
            for (std::size_t i = 0; i < n; ++i) {
                offsets.push_back(batch[i]->offset);
                c->complete(batch[i]->tag);
            }
        }));
        EXPECT_EQ(offsets, (std::vector<std::int64_t>{5, 6, 7, 8, 9}));
        ASSERT_TRUE(c->commit(&error)) << error;
        EXPECT_EQ(c->committable_offset("resume", 0), 10);
        c->close();
    }
}

TEST(kafka_consumer_offsets, back_pressure_pauses_without_losing_records) {
    auto cluster = start_cluster(1);
    ASSERT_EQ(cluster->create_topic("bp", 1), "");
    producer_harness h(cluster->bootstrap(), {"bp"});
    ASSERT_TRUE(h.start());
    record_store store;
    std::vector<outbound_kafka_record*> records;
    for (int i = 0; i < 50; ++i) {
        record_spec s;
        s.value = "b" + std::to_string(i);
        records.push_back(store.add("bp", s));
    }
    h.produce(records);
    ASSERT_TRUE(h.wait_completions(records.size(), 20s));

    consumer_options o;
    o.config.properties = {{"bootstrap.servers", cluster->bootstrap()}, {"group.id", "bp-g"}};
    o.topics = {"bp"};
    o.max_in_flight = 4;
    std::string error;
    auto c = kafka_consumer::create(o, error);
    ASSERT_NE(c, nullptr) << error;
    ASSERT_TRUE(c->start(error)) << error;
    std::vector<const kafka_record*> held;
    std::vector<std::int64_t> offsets;
    const kafka_record* batch[16];
    ASSERT_TRUE(wait_until([&] { return offsets.size() >= 50; }, 30s, [&] {
        const auto n = c->poll(batch, 50ms, 0);
        for (std::size_t i = 0; i < n; ++i) {
            held.push_back(batch[i]);
            offsets.push_back(batch[i]->offset);
        }
        EXPECT_LE(c->in_flight(), 4u);
        if (held.size() == 4) {  // the engine finishes a burst once every slot is out
            for (auto* r : held) c->complete(r->tag);
            held.clear();
        }
    }));
    for (std::size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], static_cast<std::int64_t>(i));
}

}  // namespace
}  // namespace flowbridge::kafka::testing
