#include "transports/kafka/mock_cluster.h"

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
// clang-format on

#include "transports/kafka/errors.h"
#include "transports/kafka/handle.h"

namespace flowbridge::kafka {

namespace {

std::string reason(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? std::string() : describe(err);
}

}  // namespace

std::unique_ptr<mock_cluster> mock_cluster::create(int brokers, std::string& error) {
    if (brokers < 1) {
        error = "a mock cluster needs at least one broker";
        return nullptr;
    }
    // The mock cluster lives on a client handle; this one is never used to produce. Its logs are
    // limited to warnings and worse (the mock logs every request at debug level).
    client_config config;
    config.properties = {{"log_level", "4"}};
    auto conf = detail::make_conf(config, {}, {}, error);
    if (!conf) return nullptr;
    auto handle = detail::make_handle(RD_KAFKA_PRODUCER, std::move(conf), error);
    if (!handle) return nullptr;
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle.get(), brokers);
    if (!cluster) {
        error = "cannot start the librdkafka mock cluster";
        return nullptr;
    }
    std::unique_ptr<mock_cluster> m(new mock_cluster());
    m->rk_ = handle.release();
    m->cluster_ = cluster;
    m->bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
    m->brokers_ = brokers;
    return m;
}

mock_cluster::~mock_cluster() {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
    if (rk_) rd_kafka_destroy(rk_);
}

std::string mock_cluster::broker_down(std::int32_t broker_id) {
    return reason(rd_kafka_mock_broker_set_down(cluster_, broker_id));
}

std::string mock_cluster::broker_up(std::int32_t broker_id) {
    return reason(rd_kafka_mock_broker_set_up(cluster_, broker_id));
}

std::string mock_cluster::set_rtt(std::int32_t broker_id, int rtt_ms) {
    if (rtt_ms < 0) return "rtt must be >= 0 ms";
    return reason(rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms));
}

std::string mock_cluster::create_topic(const std::string& name, int partitions,
                                       int replication_factor) {
    if (name.empty()) return "empty topic name";
    if (partitions < 1) return "a topic needs at least one partition";
    return reason(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions,
                                             replication_factor));
}

void mock_cluster::set_topic_error(const std::string& topic, int error) {
    rd_kafka_mock_topic_set_error(cluster_, topic.c_str(), static_cast<rd_kafka_resp_err_t>(error));
}

void mock_cluster::push_request_errors(std::int16_t api_key, const std::vector<int>& errors) {
    std::vector<rd_kafka_resp_err_t> codes;
    codes.reserve(errors.size());
    for (int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
    rd_kafka_mock_push_request_errors_array(cluster_, api_key, codes.size(), codes.data());
}

}  // namespace flowbridge::kafka
