#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace flowbridge::kafka {

/// An embedded Kafka-protocol cluster: librdkafka's mock cluster (rdkafka_mock.h), reachable over
/// real TCP on 127.0.0.1 by any Kafka client (kcat, Java, librdkafka). For `flowbridge kafka-mock`,
/// `host: embedded` and the integration tests.
///
/// What it is (librdkafka 2.0.2, see docs/kafka.md): PLAINTEXT only (no SASL, no TLS); each
/// broker listens on a random loopback port; one internal thread serves every broker; topics
/// auto-created by a Metadata or Produce request get 4 partitions; each partition keeps about
/// 5 MiB / 100 000 message sets and silently drops older ones.
///
/// Thread-safety: every method may be called from any thread (librdkafka posts the commands to
/// the mock thread and waits for them). Owned by whoever created it; destroying it closes the
/// listeners, so clients must not outlive it in tests that care about clean shutdown.
class mock_cluster {
public:
    /// Starts `brokers` brokers (ids 1..brokers). Returns nullptr and sets `error` on failure.
    static std::unique_ptr<mock_cluster> create(int brokers, std::string& error);
    ~mock_cluster();

    mock_cluster(const mock_cluster&) = delete;
    mock_cluster& operator=(const mock_cluster&) = delete;

    /// `127.0.0.1:port,...`: the bootstrap.servers value for clients.
    const std::string& bootstrap() const noexcept { return bootstrap_; }
    int brokers() const noexcept { return brokers_; }

    // Each returns "" on success, else librdkafka's reason (unknown broker id, bad count, ...).
    std::string broker_down(std::int32_t broker_id);
    std::string broker_up(std::int32_t broker_id);
    std::string set_rtt(std::int32_t broker_id, int rtt_ms);
    std::string create_topic(const std::string& name, int partitions, int replication_factor = 1);

    /// Metadata for `topic` reports `error` (rd_kafka_resp_err_t; 0 clears it). The 2.0.2 mock
    /// auto-creates every topic a Metadata request names, whatever the client's
    /// allow.auto.create.topics says, so this is how a missing topic is simulated.
    void set_topic_error(const std::string& topic, int error);

    /// The next `errors.size()` requests of API `api_key` (0 = Produce, 1 = Fetch, 3 = Metadata,
    /// 8 = OffsetCommit, ...) fail with these error codes, in order, on whichever broker gets them.
    void push_request_errors(std::int16_t api_key, const std::vector<int>& errors);

private:
    mock_cluster() = default;

    rd_kafka_s* rk_ = nullptr;  // the handle the mock cluster is attached to (never connects)
    rd_kafka_mock_cluster_s* cluster_ = nullptr;
    std::string bootstrap_;
    int brokers_ = 0;
};

}  // namespace flowbridge::kafka
