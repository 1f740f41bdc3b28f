#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/message/clock.h"
#include "engine/message/kafka_record.h"
#include "transports/identity/token_source.h"
#include "transports/kafka/client_config.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace flowbridge::kafka {

namespace detail {
class oauth_binding;
class client_log;
}

struct consumer_options {
    /// librdkafka properties: bootstrap.servers, group.id (the endpoint's consumerGroupId), auth.
    /// `auto.offset.reset` defaults to earliest (SPEC §4); enable.auto.commit and
    /// enable.auto.offset.store are forced off (offsets are committed only for completed records).
    client_config config;
    std::vector<std::string> topics;
    /// Completed offsets are committed (asynchronously) this often; synchronously on revoke and
    /// on close().
    std::chrono::milliseconds commit_interval{1000};
    /// Records handed out and not yet completed, at most. When all are out, the assigned
    /// partitions are paused (the consumer keeps polling for group events) until some complete.
    std::size_t max_in_flight = 1024;
    /// SASL OAUTHBEARER (managed identities, SPEC §6): where access tokens come from. Required
    /// when `sasl.mechanisms` is OAUTHBEARER, ignored otherwise; must outlive the consumer.
    identity::token_source* token_source = nullptr;
    /// librdkafka's statistics JSON (`statistics.interval.ms` > 0), served inside poll().
    std::function<void(std::string_view json)> on_statistics;
    /// librdkafka's log lines and client errors (redacted, rate-limited); none: librdkafka's
    /// default stderr logger.
    log_callback on_log;
};

struct consumer_counters {
    std::atomic<std::uint64_t> received{0};
    std::atomic<std::uint64_t> completed{0};
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> commit_failures{0};
    std::atomic<std::uint64_t> revoked_in_flight{0};  // completed after their partition was revoked
    std::atomic<std::uint64_t> consume_errors{0};
    std::atomic<std::uint64_t> rebalances{0};
    std::atomic<std::uint64_t> auth_refresh_requests{0};  // token refreshes asked after SASL errors
};

/// The Kafka source of Kafka → MQTT flows: a consumer-group member that hands out records as
/// kafka_record views (value, key, headers: zero-copy views into librdkafka's message, kept alive
/// until the record is completed) and commits a partition's offset only up to the first record
/// the engine has not completed (SPEC §4: at least once).
///
/// Rebalances: on revoke, the completed prefix of each revoked partition is committed
/// synchronously; records of a revoked partition still in flight stay valid but their offsets
/// are never committed by this member (the new owner re-reads them). A new group starts at the
/// earliest offset.
///
/// Thread: one thread owns it — poll(), complete(), commit() and close() (group events are served
/// inside poll()). Not thread-safe; counters may be read from anywhere.
class kafka_consumer {
public:
    static std::unique_ptr<kafka_consumer> create(consumer_options options, std::string& error);
    ~kafka_consumer();

    kafka_consumer(const kafka_consumer&) = delete;
    kafka_consumer& operator=(const kafka_consumer&) = delete;

    /// Subscribes to the topics. The group assigns partitions during the following polls.
    bool start(std::string& error);

    /// Hands out up to `out.size()` records, waiting up to `timeout` for the first one, stamped
    /// with arrival `now`. Each stays valid until complete(record->tag). Also serves group events
    /// and the commit cadence. Returns how many were written to `out`.
    std::size_t poll(std::span<const kafka_record*> out, std::chrono::milliseconds timeout,
                     mono_ns now) noexcept;

    /// The engine is done with the record (published and acknowledged, or intentionally
    /// dropped). Its offset becomes committable once every earlier record of its partition is
    /// complete too.
    void complete(delivery_tag tag) noexcept;

    /// Commits every completed prefix now, synchronously. False + `error` on failure.
    bool commit(std::string* error = nullptr) noexcept;

    /// Shutdown: commits, leaves the group, and releases every record (those still in flight
    /// become invalid and are not committed). Idempotent; the destructor calls it.
    void close() noexcept;

    std::size_t in_flight() const noexcept { return in_flight_; }
    /// The next offset this member will commit (or has committed) for a partition; -1 if none.
    std::int64_t committable_offset(std::string_view topic, std::int32_t partition) const noexcept;
    const consumer_counters& counters() const noexcept { return counters_; }
    const std::string& last_error() const noexcept { return last_error_; }
    /// OAUTHBEARER: tokens handed to librdkafka (any thread).
    std::uint64_t oauth_tokens_set() const noexcept;

private:
    struct partition_state;
    struct slot;

    kafka_consumer();
    partition_state* state_for(std::string_view topic, std::int32_t partition, bool create);
    slot* take_slot() noexcept;
    void release(slot* s) noexcept;
    void fill(slot* s, rd_kafka_message_s* message, mono_ns now) noexcept;
    bool store_and_commit(bool sync, std::string* error) noexcept;
    void on_rebalance(int err, rd_kafka_topic_partition_list_s* partitions) noexcept;
    void set_paused(bool paused) noexcept;
    void drop_stashed(std::string_view topic, std::int32_t partition) noexcept;
    void on_client_error(int err, const char* reason) noexcept;
    friend struct consumer_callbacks;  // librdkafka's C callbacks (consumer.cc)

    std::function<void(std::string_view)> on_statistics_;
    std::unique_ptr<detail::oauth_binding> oauth_;
    std::unique_ptr<detail::client_log> log_;

    rd_kafka_s* rk_ = nullptr;
    std::vector<std::string> topics_;
    std::chrono::milliseconds commit_interval_{1000};
    std::vector<std::unique_ptr<slot>> slots_;
    std::vector<slot*> free_;
    std::vector<std::unique_ptr<partition_state>> partitions_;
    partition_state* last_partition_ = nullptr;
    std::vector<rd_kafka_message_s*> stash_;  // fetched while paused, handed out first
    std::size_t stash_next_ = 0;
    std::size_t in_flight_ = 0;
    bool dirty_ = false;   // some completed prefix advanced since the last commit
    bool paused_ = false;
    bool closed_ = false;
    mono_ns last_commit_ = 0;
    consumer_counters counters_;
    std::string last_error_;
};

}  // namespace flowbridge::kafka
