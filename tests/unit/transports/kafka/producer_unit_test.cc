#include <gtest/gtest.h>

#include <vector>

#include "transports/kafka/producer.h"

namespace flowbridge::kafka {
namespace {

struct outcome {
    outbound_kafka_record* record;
    completion how;
    delivery_error error;
};

void collect(void* context, outbound_kafka_record* record, completion how,
             delivery_error error) noexcept {
    static_cast<std::vector<outcome>*>(context)->push_back({record, how, error});
}

std::unique_ptr<kafka_producer> unstarted_producer(std::vector<outcome>& out) {
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}};
    o.topics = {"known"};
    std::string error;
    auto p = kafka_producer::create(o, &collect, &out, error);
    EXPECT_NE(p, nullptr) << error;
    return p;
}

// Without metadata no partition is known: records fail at once (fatal) and nothing is handed to
// librdkafka — the produceva header pitfall of librdkafka 2.0.2 is never reached.
TEST(kafka_producer_unit, record_for_a_partition_not_in_metadata_fails_at_once) {
    std::vector<outcome> out;
    auto p = unstarted_producer(out);
    outbound_kafka_record r;
    r.topic = "known";
    r.partition = partition_id{0};
    r.value = "v";
    r.headers.push_back({"h", "v"});
    outbound_kafka_record* batch[] = {&r};
    p->deliver(partition_id{0}, batch);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].record, &r);
    EXPECT_EQ(out[0].how, completion::failed);
    EXPECT_EQ(out[0].error.kind, error_class::fatal);
    EXPECT_EQ(error_name(out[0].error.code), "_UNKNOWN_PARTITION");
    EXPECT_EQ(p->in_flight(), 0u);
}

TEST(kafka_producer_unit, record_for_an_undeclared_topic_fails_at_once) {
    std::vector<outcome> out;
    auto p = unstarted_producer(out);
    outbound_kafka_record a;
    a.topic = "other";
    a.partition = partition_id{0};
    outbound_kafka_record b = a;
    outbound_kafka_record* batch[] = {&a, &b};
    p->deliver(partition_id{0}, batch);
    ASSERT_EQ(out.size(), 2u);
    for (const auto& o : out) {
        EXPECT_EQ(o.how, completion::failed);
        EXPECT_EQ(error_name(o.error.code), "_UNKNOWN_TOPIC");
    }
}

TEST(kafka_producer_unit, start_without_a_reachable_cluster_is_a_clear_error) {
    std::vector<outcome> out;
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}};
    o.topics = {"known"};
    o.metadata_timeout = std::chrono::milliseconds(300);
    std::string error;
    auto p = kafka_producer::create(o, &collect, &out, error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_FALSE(p->start(error));
    EXPECT_NE(error.find("'known'"), std::string::npos) << error;
}

}  // namespace
}  // namespace flowbridge::kafka
