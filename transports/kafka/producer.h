#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/message/outbound.h"
#include "engine/pipeline/mqtt_to_kafka_chain.h"
#include "engine/pipeline/mqtt_to_kafka_shard.h"  // destination_service
#include "engine/stages/batcher.h"
#include "transports/identity/token_source.h"
#include "transports/kafka/client_config.h"
#include "transports/kafka/errors.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace flowbridge::kafka {

namespace detail {
class oauth_binding;
class client_log;
}

/// Receives librdkafka's statistics JSON (`statistics.interval.ms` > 0) on the thread that
/// serves poll(). The view is valid during the call only.
using statistics_callback = std::function<void(std::string_view json)>;

/// Called once per record the producer was given, with its outcome: `delivered` (acknowledged at
/// the configured acks level) or `failed` (with the classified error). Runs on the thread that
/// calls deliver()/poll()/close() — the shard's worker thread. The record may be reused as soon
/// as the callback returns.
using completion_callback = void (*)(void* context, outbound_kafka_record* record, completion how,
                                     delivery_error error) noexcept;

/// SPEC §3.3 at the second hand-off: called, with the same context as the completion callback,
/// immediately before a record that waited outside librdkafka during an outage (it was parked)
/// is produced. Returns true when the record is still to be produced (its `Message Expiry
/// Interval` header now carries the remaining interval); false when the callee completed it
/// itself (expired: dropped, counted, acknowledged). Worker thread. See handoff_to_shard().
using handoff_callback = bool (*)(void* context, outbound_kafka_record* record) noexcept;

struct producer_options {
    client_config config;  // librdkafka properties (bootstrap.servers, acks, compression, ...)
    /// The destination topics. Partition counts are tracked for these only; a record for any
    /// other topic fails (fatal, UNKNOWN_TOPIC).
    std::vector<std::string> topics;
    /// Partition counts are re-read from metadata this often, and at once after a produce error
    /// that suggests stale metadata (SPEC §3.4: a topic that grows is used without a restart).
    std::chrono::milliseconds metadata_refresh_interval{30000};
    /// How long start() waits for the first metadata of every topic.
    std::chrono::milliseconds metadata_timeout{10000};
    /// SASL OAUTHBEARER (managed identities, SPEC §6): where access tokens come from. Required
    /// when `sasl.mechanisms` is OAUTHBEARER, ignored otherwise; must outlive the producer.
    identity::token_source* token_source = nullptr;
    statistics_callback on_statistics;
    /// librdkafka's log lines and error events (redacted, rate-limited); none: librdkafka's
    /// default stderr logger.
    log_callback on_log;

    /// Outage handling (docs/kafka.md, "Kafka unreachable"). When the cluster cannot be reached
    /// (error event _ALL_BROKERS_DOWN, or a metadata probe that fails or finds no partition
    /// leader), records are parked instead of waiting inside librdkafka, and re-evaluated by
    /// `on_handoff` when the cluster answers again. false: the old behaviour (records wait in
    /// librdkafka until message.timeout.ms).
    bool park_when_unreachable = true;
    handoff_callback on_handoff = nullptr;
    /// Capacity reserved for parked records at create() (the shard's in-flight limit): parking
    /// never allocates below it.
    std::size_t max_in_flight = 1024;
    /// While parked, the metadata thread probes the cluster this often, each probe waiting at
    /// most `probe_timeout` (also the bound of every periodic refresh).
    std::chrono::milliseconds probe_interval{500};
    std::chrono::milliseconds probe_timeout{3000};
};

/// Per-producer statistics (written by the worker thread, read by anyone).
struct producer_counters {
    std::atomic<std::uint64_t> produced{0};   // accepted by librdkafka
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> failed_retriable{0};
    std::atomic<std::uint64_t> failed_fatal{0};
    std::atomic<std::uint64_t> queue_full_waits{0};  // deliver() polled because the queue was full
    std::atomic<std::uint64_t> metadata_refreshes{0};
    std::atomic<std::uint64_t> client_errors{0};  // librdkafka error events (broker down, ...)
    // Outages (records parked outside librdkafka while the cluster is unreachable).
    std::atomic<std::uint64_t> outages{0};          // times parking started
    std::atomic<std::uint64_t> purges{0};           // rd_kafka_purge(QUEUE) calls at outage start
    std::atomic<std::uint64_t> parked{0};           // records parked (purged back or held)
    std::atomic<std::uint64_t> reproduced{0};       // parked records produced again
    std::atomic<std::uint64_t> expired_on_resume{0};  // parked records the hand-off dropped
    std::atomic<std::uint64_t> parked_now{0};       // gauge: records parked at the moment
    std::atomic<std::uint64_t> unreachable{0};      // gauge: 1 while parking (cluster unreachable)
    std::atomic<std::uint64_t> auth_refresh_requests{0};  // token refreshes asked after SASL errors
};

/// The Kafka destination of MQTT → Kafka shards: the batcher's sink (batch_sink) and the work
/// the shard's worker thread does for it (destination_service).
///
/// Each record is produced with rd_kafka_produceva to its explicit partition, with its key,
/// CreateTime and headers, and the record pointer as the per-message opaque. The value and key
/// are not copied (the record's bytes stay alive until its completion); librdkafka copies the
/// headers (docs/kafka.md measures it). Delivery reports are served by poll(), so completions
/// arrive on the worker thread, in librdkafka's per-partition order.
///
/// Threads: deliver(), poll(), close() and the completion callback belong to one thread (the
/// shard's worker; or the control thread once that worker has stopped). start() and
/// partition_count() belong to the control thread; the partition-count atomics are written by
/// this producer's metadata thread and read by anyone. Never drops a record: every record given
/// to deliver() gets exactly one completion, at the latest from close().
///
/// Outages (SPEC §3.3, §4): while the cluster is unreachable new batches are parked (a vector
/// of record pointers reserved for max_in_flight: the records are the shard's pool slots, so
/// parking adds no memory), and what librdkafka holds but has not sent is purged back
/// (rd_kafka_purge QUEUE: those reports park the records; each carries the sequence it was
/// first produced with, and the parked list is put back in that order before it goes out).
/// Requests already on the wire stay with librdkafka. When a metadata probe succeeds again the
/// worker re-evaluates each parked record through on_handoff (expired → completed `expired`),
/// then produces the rest in their original order.
class kafka_producer final : public batch_sink, public destination_service {
public:
    /// Creates the librdkafka producer (no connection yet). nullptr + `error` when a property is
    /// rejected (the error names the key, never a secret value).
    static std::unique_ptr<kafka_producer> create(producer_options options,
                                                  completion_callback on_complete,
                                                  void* context, std::string& error);
    ~kafka_producer() override;

    kafka_producer(const kafka_producer&) = delete;
    kafka_producer& operator=(const kafka_producer&) = delete;

    /// Fetches the partition count of every topic (waiting up to metadata_timeout) and starts
    /// the periodic refresh. False + a clear `error` for a topic that does not exist (see
    /// docs/kafka.md for auto-creation) or a cluster that cannot be reached.
    bool start(std::string& error);

    /// The partition count of `topic` kept current by the metadata refresh (0 until known), for
    /// the partitioner; nullptr for a topic not in options.topics. Valid for the producer's life.
    const std::atomic<std::int32_t>* partition_count(std::string_view topic) const noexcept;

    /// Asks the metadata thread for a refresh now (any thread).
    void request_metadata_refresh() noexcept;

    // batch_sink: produces the batch; on a full queue serves delivery reports and retries.
    void deliver(partition_id partition, std::span<outbound_kafka_record*> batch) noexcept override;
    // destination_service: serves delivery reports (rd_kafka_poll(rk, 0), then the reports).
    std::size_t poll() noexcept override;
    /// The same, blocking up to `wait` for the first event (an idle worker, a drain).
    std::size_t poll(std::chrono::milliseconds wait) noexcept;

    /// Waits until every produced record has its delivery report, serving them, or `timeout`
    /// passes. Returns how many are still outstanding.
    std::size_t flush(std::chrono::milliseconds timeout) noexcept;

    /// Shutdown (SPEC §4): flush for up to `timeout`, then fail (retriable, _PURGE_*) whatever
    /// is left, so that every record has its completion. Idempotent; the destructor calls it
    /// with a zero timeout.
    void close(std::chrono::milliseconds timeout) noexcept;

    /// A descriptor that becomes readable when librdkafka has something for poll() (delivery
    /// reports, errors): librdkafka writes a byte to a pipe when its queue goes from empty to
    /// non-empty. An idle worker blocks on it (with its sockets) instead of polling; the reader
    /// drains it. Created on the first call; -1 if the pipe cannot be made. Owned by the
    /// producer, valid for its life; control thread, before the worker starts.
    int wakeup_fd() noexcept;

    /// How many times this producer served delivery reports (poll, flush): callers of the
    /// completion callback use it to read their clock once per poll instead of per record.
    /// Worker thread.
    std::uint64_t polls() const noexcept { return polls_; }

    /// Records given to deliver() and not yet completed (in librdkafka or parked).
    std::size_t in_flight() const noexcept { return in_flight_ + parked_.size(); }
    /// True while records are parked because the cluster is unreachable (worker thread).
    bool parking() const noexcept { return parking_; }
    const producer_counters& counters() const noexcept { return counters_; }
    /// The last librdkafka error event (broker down, ...), for diagnostics; worker thread.
    const std::string& last_client_error() const noexcept { return last_client_error_; }
    /// OAUTHBEARER: tokens handed to librdkafka, and refreshes that had no token to hand
    /// (with the last reason, never a token). Any thread.
    std::uint64_t oauth_tokens_set() const noexcept;
    std::uint64_t oauth_token_failures() const noexcept;
    std::string oauth_last_failure() const;

private:
    struct topic_state {
        std::string name;
        rd_kafka_topic_s* handle = nullptr;
        std::atomic<std::int32_t> partitions{0};
    };

    kafka_producer();
    topic_state* find_topic(std::string_view name) noexcept;
    void produce_one(topic_state& topic, outbound_kafka_record* record) noexcept;
    void complete(outbound_kafka_record* record, int err) noexcept;
    bool refresh_metadata(std::chrono::milliseconds timeout, std::string* error,
                          bool* reachable = nullptr) noexcept;
    void metadata_loop();
    void check_outage() noexcept;  // worker: start or end parking
    void start_parking() noexcept;
    void resume_parked() noexcept;
    void fail_parked() noexcept;
    struct parked_record {
        outbound_kafka_record* record;
        std::uint64_t seq;
    };
    // A delivery report taken from librdkafka's callback, handled after rd_kafka_poll returns
    // (serve()): the records of a burst of reports are prefetched before they are touched.
    struct report {
        outbound_kafka_record* record;
        int err;
    };
    std::size_t serve(int timeout_ms) noexcept;  // rd_kafka_poll + handle_reports
    void handle_reports() noexcept;
    void park(outbound_kafka_record* record, std::uint64_t seq) noexcept;
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
    static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);
    static void on_log(const rd_kafka_s* rk, int level, const char* facility, const char* message);
    static int on_stats(rd_kafka_s* rk, char* json, std::size_t json_len, void* opaque);
    static void on_oauth_refresh(rd_kafka_s* rk, const char* config, void* opaque);

    rd_kafka_s* rk_ = nullptr;
    std::vector<std::unique_ptr<topic_state>> topics_;
    topic_state* last_topic_ = nullptr;  // worker thread: the batch before was for this topic
    completion_callback on_complete_ = nullptr;
    void* context_ = nullptr;
    std::size_t in_flight_ = 0;  // worker thread: records inside librdkafka
    std::uint64_t polls_ = 0;    // worker thread: see polls()
    int wakeup_read_ = -1;       // wakeup_fd(); both ends closed by the destructor
    int wakeup_write_ = -1;
    bool closed_ = false;

    // Outage state. Worker thread unless atomic.
    bool park_enabled_ = true;
    handoff_callback on_handoff_ = nullptr;
    bool parking_ = false;
    bool outage_event_ = false;                      // _ALL_BROKERS_DOWN seen (worker thread)
    std::vector<report> reports_;                    // reserved for max_in_flight at create()
    bool handling_reports_ = false;
    std::uint64_t next_seq_ = 0;
    std::vector<parked_record> parked_;              // sorted by seq when parking starts
    std::vector<parked_record> resuming_;            // parked_'s spare while re-producing
    std::uint64_t parked_generation_ = 0;            // outage_generation_ when parking started
    std::uint64_t seen_down_reports_ = 0;
    // Written by the worker (outage start), read by the metadata thread (which probes faster
    // and tags each probe with the generation it started under).
    std::atomic<std::uint64_t> outage_generation_{0};
    // Written by the metadata thread: failed probes, and the generation of the last good one.
    std::atomic<std::uint64_t> down_reports_{0};
    std::atomic<std::uint64_t> reachable_generation_{0};
    std::chrono::milliseconds probe_interval_{500};
    std::chrono::milliseconds probe_timeout_{3000};
    std::unique_ptr<detail::client_log> log_;
    producer_counters counters_;
    std::string last_client_error_;
    std::chrono::milliseconds refresh_interval_{30000};
    std::chrono::milliseconds metadata_timeout_{10000};
    statistics_callback on_statistics_;
    std::unique_ptr<detail::oauth_binding> oauth_;

    std::mutex metadata_mutex_;  // guards the refresh request and stop flags
    std::condition_variable metadata_wake_;
    bool metadata_requested_ = false;
    bool metadata_stop_ = false;
    std::thread metadata_thread_;
};

/// A completion_callback that forwards to mqtt_to_kafka_shard::destination_completed (pass the
/// shard as the context).
void complete_to_shard(void* shard, outbound_kafka_record* record, completion how,
                       delivery_error error) noexcept;

/// A handoff_callback that forwards to mqtt_to_kafka_shard::destination_handoff (pass the shard
/// as the context): the chain's clock and drop counters re-evaluate the expiry.
bool handoff_to_shard(void* shard, outbound_kafka_record* record) noexcept;

}  // namespace flowbridge::kafka
