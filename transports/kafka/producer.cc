#include "transports/kafka/producer.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>

#include "transports/kafka/client_log.h"
#include "transports/kafka/handle.h"
#include "transports/kafka/oauth.h"

namespace flowbridge::kafka {

namespace {

// Defaults the endpoint's properties may override (docs/kafka.md, "Producer defaults").
const property_list producer_defaults = {
    // librdkafka 2.0.2 leaves Nagle on: every small produce request would wait for the ACK of
    // the previous segment.
    {"socket.nagle.disable", "true"},
    // The default (100 000) is below what one shard keeps in flight at full rate.
    {"queue.buffering.max.messages", "1000000"},
};

// The transport's contract: every message gets a delivery report, success included.
const property_list producer_forced = {
    {"delivery.report.only.error", "false"},
};

using clock_type = std::chrono::steady_clock;

// The per-record counters have one writer (the thread that owns the producer): a load and a
// store, not a locked read-modify-write per record.
inline void bump(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

std::unique_ptr<kafka_producer> kafka_producer::create(producer_options options,
                                                       completion_callback on_complete,
                                                       void* context, std::string& error) {
    if (!on_complete) {
        error = "kafka_producer needs a completion callback";
        return nullptr;
    }
    auto conf = detail::make_conf(options.config, producer_defaults, producer_forced, error);
    if (!conf) return nullptr;

    const bool oauth = detail::uses_oauthbearer(conf.get());
    if (oauth && !options.token_source) {
        error = "sasl.mechanisms=OAUTHBEARER (managed identity) needs an identity token source";
        return nullptr;
    }

    std::unique_ptr<kafka_producer> p(new kafka_producer());
    p->log_ = std::make_unique<detail::client_log>(std::move(options.on_log), options.config);
    p->log_->configure(conf.get(), &kafka_producer::on_log);
    p->park_enabled_ = options.park_when_unreachable;
    p->on_handoff_ = options.on_handoff;
    p->probe_interval_ = std::max(options.probe_interval, std::chrono::milliseconds(10));
    p->probe_timeout_ = std::max(options.probe_timeout, std::chrono::milliseconds(100));
    // The records are the shard's pool slots: reserving their count once means parking never
    // allocates.
    const std::size_t slots = std::max<std::size_t>(options.max_in_flight, 1);
    p->parked_.reserve(slots);
    p->resuming_.reserve(slots);
    p->reports_.reserve(slots);
    rd_kafka_conf_set_opaque(conf.get(), p.get());
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &kafka_producer::on_delivery);
    rd_kafka_conf_set_error_cb(conf.get(), &kafka_producer::on_error);
    if (options.on_statistics) {
        p->on_statistics_ = std::move(options.on_statistics);
        rd_kafka_conf_set_stats_cb(conf.get(), &kafka_producer::on_stats);
    }
    if (oauth)
        p->oauth_->configure(conf.get(), options.token_source, &kafka_producer::on_oauth_refresh);
    auto handle = detail::make_handle(RD_KAFKA_PRODUCER, std::move(conf), error);
    if (!handle) return nullptr;
    p->rk_ = handle.release();
    if (!p->oauth_->attach(p->rk_, error)) return nullptr;
    p->on_complete_ = on_complete;
    p->context_ = context;
    p->refresh_interval_ = options.metadata_refresh_interval;
    p->metadata_timeout_ = options.metadata_timeout;

    for (auto& name : options.topics) {
        if (p->find_topic(name)) continue;
        auto t = std::make_unique<topic_state>();
        t->name = name;
        t->handle = rd_kafka_topic_new(p->rk_, name.c_str(), nullptr);
        if (!t->handle) {
            error = "Kafka topic '" + name + "': " +
                    describe(static_cast<int>(rd_kafka_last_error()));
            return nullptr;
        }
        p->topics_.push_back(std::move(t));
    }
    return p;
}

kafka_producer::kafka_producer() : oauth_(std::make_unique<detail::oauth_binding>()) {}

kafka_producer::~kafka_producer() {
    close(std::chrono::milliseconds(0));
    {
        std::lock_guard lock(metadata_mutex_);
        metadata_stop_ = true;
    }
    metadata_wake_.notify_all();
    if (metadata_thread_.joinable()) metadata_thread_.join();
    for (auto& t : topics_) {
        if (t->handle) rd_kafka_topic_destroy(t->handle);
    }
    // No token listener may run into a destroyed handle.
    oauth_->detach();
    if (rk_ && wakeup_write_ >= 0) {
        rd_kafka_queue_t* main = rd_kafka_queue_get_main(rk_);
        rd_kafka_queue_io_event_enable(main, -1, nullptr, 0);  // no more writes to the pipe
        rd_kafka_queue_destroy(main);
    }
    if (rk_) rd_kafka_destroy(rk_);
    if (wakeup_write_ >= 0) ::close(wakeup_write_);
    if (wakeup_read_ >= 0) ::close(wakeup_read_);
}

int kafka_producer::wakeup_fd() noexcept {
    if (wakeup_read_ >= 0 || !rk_) return wakeup_read_;
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    wakeup_read_ = fds[0];
    wakeup_write_ = fds[1];
    rd_kafka_queue_t* main = rd_kafka_queue_get_main(rk_);
    rd_kafka_queue_io_event_enable(main, wakeup_write_, "1", 1);
    rd_kafka_queue_destroy(main);
    return wakeup_read_;
}

kafka_producer::topic_state* kafka_producer::find_topic(std::string_view name) noexcept {
    if (last_topic_ && last_topic_->name == name) return last_topic_;
    for (auto& t : topics_) {
        if (t->name == name) return last_topic_ = t.get();
    }
    return nullptr;
}

const std::atomic<std::int32_t>* kafka_producer::partition_count(
    std::string_view topic) const noexcept {
    for (const auto& t : topics_) {
        if (t->name == topic) return &t->partitions;
    }
    return nullptr;
}

bool kafka_producer::start(std::string& error) {
    const auto deadline = clock_type::now() + metadata_timeout_;
    std::string last;
    while (!refresh_metadata(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::max(deadline - clock_type::now(), clock_type::duration(
                                                                            std::chrono::milliseconds(100)))),
                             &last)) {
        if (clock_type::now() >= deadline) {
            error = last;
            return false;
        }
        // A topic being auto-created reports LEADER_NOT_AVAILABLE for a moment.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!metadata_thread_.joinable()) metadata_thread_ = std::thread([this] { metadata_loop(); });
    return true;
}

bool kafka_producer::refresh_metadata(std::chrono::milliseconds timeout, std::string* error,
                                      bool* reachable) noexcept {
    bool all_known = true;
    // Reachable: every metadata request answered, and no destination topic without any
    // partition leader (a topic that does not exist is a different problem, not an outage).
    bool answered = true;
    for (auto& t : topics_) {
        const rd_kafka_metadata_t* md = nullptr;
        const auto err = rd_kafka_metadata(rk_, 0, t->handle, &md,
                                           static_cast<int>(std::max<std::int64_t>(timeout.count(), 1)));
        counters_.metadata_refreshes.fetch_add(1, std::memory_order_relaxed);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            all_known = false;
            answered = false;
            if (error) {
                *error = "cannot read Kafka metadata for topic '" + t->name + "': " +
                         describe(err) + " (is bootstrap.servers reachable?)";
            }
            continue;
        }
        const rd_kafka_metadata_topic_t* mt = nullptr;
        for (int i = 0; i < md->topic_cnt; ++i) {
            if (t->name == md->topics[i].topic) mt = &md->topics[i];
        }
        if (mt && mt->err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) answered = false;
        if (mt && mt->err == RD_KAFKA_RESP_ERR_NO_ERROR && mt->partition_cnt > 0) {
            bool any_leader = false;
            for (int i = 0; i < mt->partition_cnt; ++i) any_leader |= mt->partitions[i].leader >= 0;
            if (!any_leader) answered = false;
        }
        if (!mt || mt->err != RD_KAFKA_RESP_ERR_NO_ERROR || mt->partition_cnt <= 0) {
            all_known = false;
            if (error) {
                const int code = mt ? mt->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                *error = "Kafka topic '" + t->name + "' is not available: " + describe(code);
                if (code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                    *error += ". Create the topic, or let the broker create it "
                              "(auto.create.topics.enable=true on the broker; flowbridge asks for "
                              "it unless allow.auto.create.topics=false)";
                }
            }
        } else {
            // Kafka never shrinks a topic; a smaller count means it was re-created: follow it.
            t->partitions.store(mt->partition_cnt, std::memory_order_release);
        }
        rd_kafka_metadata_destroy(md);
    }
    if (reachable) *reachable = answered;
    return all_known;
}

void kafka_producer::metadata_loop() {
    std::unique_lock lock(metadata_mutex_);
    // One slow answer is not an outage: two failed probes in a row are (the error event
    // _ALL_BROKERS_DOWN starts parking at once anyway).
    int failures_in_a_row = 0;
    while (!metadata_stop_) {
        // While the worker parks records, probe often: the cluster's return ends the outage.
        const bool outage = outage_generation_.load(std::memory_order_acquire) >
                            reachable_generation_.load(std::memory_order_acquire);
        metadata_wake_.wait_for(lock, outage ? probe_interval_ : refresh_interval_,
                                [this] { return metadata_stop_ || metadata_requested_; });
        if (metadata_stop_) break;
        metadata_requested_ = false;
        lock.unlock();
        // Tag the probe with the outage it started under: an answer to a request sent before
        // the worker started parking must not end that outage.
        const std::uint64_t generation = outage_generation_.load(std::memory_order_acquire);
        bool reachable = false;
        refresh_metadata(std::min(metadata_timeout_, probe_timeout_), nullptr, &reachable);
        failures_in_a_row = reachable ? 0 : failures_in_a_row + 1;
        if (reachable) {
            std::uint64_t seen = reachable_generation_.load(std::memory_order_relaxed);
            while (seen < generation &&
                   !reachable_generation_.compare_exchange_weak(seen, generation,
                                                                std::memory_order_acq_rel)) {
            }
        } else if (failures_in_a_row >= 2) {
            down_reports_.fetch_add(1, std::memory_order_acq_rel);
        } else {
            // Confirm (or clear) soon instead of at the next periodic refresh.
            lock.lock();
            metadata_requested_ = true;
            continue;
        }
        lock.lock();
    }
}

void kafka_producer::request_metadata_refresh() noexcept {
    {
        std::lock_guard lock(metadata_mutex_);
        metadata_requested_ = true;
    }
    metadata_wake_.notify_all();
}

void kafka_producer::deliver(partition_id partition,
                             std::span<outbound_kafka_record*> batch) noexcept {
    if (batch.empty()) return;
    if (parking_ && !closed_) {
        // Kafka is unreachable: the batch waits here, outside librdkafka, so that its expiry is
        // re-evaluated when it is finally produced (SPEC §3.3). Order is the batch's.
        for (auto* record : batch) park(record, ++next_seq_);
        return;
    }
    topic_state* topic = find_topic(batch.front()->topic);
    int reject = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (closed_) {
        reject = RD_KAFKA_RESP_ERR__DESTROY;  // after close(): nobody would serve its report
    } else if (!topic) {
        reject = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    } else if (!partition.valid() ||
               partition.value >= topic->partitions.load(std::memory_order_acquire)) {
        // Only partitions known from metadata are produced to: librdkafka 2.0.2's produceva
        // mishandles the headers of a record its partitioner rejects (docs/kafka.md).
        reject = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
        request_metadata_refresh();
    }
    for (auto* record : batch) {
        if (reject != RD_KAFKA_RESP_ERR_NO_ERROR) {
            complete(record, reject);
        } else if (record->topic != topic->name) {
            // A batch is one topic's by contract; check anyway, it is cheap.
            complete(record, RD_KAFKA_RESP_ERR__INVALID_ARG);
        } else {
            produce_one(*topic, record);
        }
    }
}

void kafka_producer::produce_one(topic_state& topic, outbound_kafka_record* record) noexcept {
    rd_kafka_vu_t vu[8];
    std::size_t n = 0;
    vu[n].vtype = RD_KAFKA_VTYPE_RKT;
    vu[n++].u.rkt = topic.handle;
    vu[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[n++].u.i32 = record->partition.value;
    // No RD_KAFKA_MSG_F_COPY: librdkafka points at the record's bytes, which stay alive until
    // the delivery report completes the record.
    vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[n++].u.i = 0;
    vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[n].u.mem.ptr = const_cast<char*>(record->value.data());
    vu[n++].u.mem.size = record->value.size();
    if (record->has_key) {
        vu[n].vtype = RD_KAFKA_VTYPE_KEY;
        vu[n].u.mem.ptr = const_cast<char*>(record->key.data());
        vu[n++].u.mem.size = record->key.size();
    }
    vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    vu[n++].u.i64 = record->timestamp_ms;  // 0: librdkafka stamps the current time
    record->handoff_seq = ++next_seq_;
    vu[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[n++].u.ptr = record;
    // Headers: an application-owned list (VTYPE_HEADERS) rather than VTYPE_HEADER pairs: names
    // are views (not NUL-terminated), and on any produce error the list stays ours to free, so
    // no librdkafka error path can free it twice.
    rd_kafka_headers_t* headers = nullptr;
    if (!record->headers.empty()) {
        headers = rd_kafka_headers_new(record->headers.size());
        for (const auto& h : record->headers) {
            rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()),
                                h.value.data(), static_cast<ssize_t>(h.value.size()));
        }
        vu[n].vtype = RD_KAFKA_VTYPE_HEADERS;
        vu[n++].u.headers = headers;
    }

    for (;;) {
        rd_kafka_error_t* error = rd_kafka_produceva(rk_, vu, n);
        if (!error) {
            ++in_flight_;
            bump(counters_.produced);
            return;
        }
        const auto code = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
        if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            // Back-pressure, never a drop: serve delivery reports (completions free queue
            // space) and try again. librdkafka's message.timeout.ms bounds the wait.
            counters_.queue_full_waits.fetch_add(1, std::memory_order_relaxed);
            serve(10);
            continue;
        }
        if (headers) rd_kafka_headers_destroy(headers);
        if (code == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
            code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
            request_metadata_refresh();
        }
        complete(record, code);
        return;
    }
}

void kafka_producer::complete(outbound_kafka_record* record, int err) noexcept {
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        bump(counters_.delivered);
        on_complete_(context_, record, completion::delivered, delivery_error{});
        return;
    }
    const error_class kind = classify(err);
    (kind == error_class::fatal ? counters_.failed_fatal : counters_.failed_retriable)
        .fetch_add(1, std::memory_order_relaxed);
    on_complete_(context_, record, completion::failed, delivery_error{err, kind});
}

void kafka_producer::on_delivery(rd_kafka_s* /*rk*/, const rd_kafka_message_s* message,
                                 void* opaque) {
    // Only noted here: the record is touched after rd_kafka_poll returns, in handle_reports(),
    // where a burst of records is prefetched first (a record waited latencyMs and more since it
    // was produced: it is rarely still in the cache). The record and the bytes librdkafka
    // pointed at stay alive until then; librdkafka frees its own copy after this returns.
    static_cast<kafka_producer*>(opaque)->reports_.push_back(
        {static_cast<outbound_kafka_record*>(message->_private), static_cast<int>(message->err)});
}

std::size_t kafka_producer::serve(int timeout_ms) noexcept {
    ++polls_;
    const auto n = static_cast<std::size_t>(rd_kafka_poll(rk_, timeout_ms));
    handle_reports();
    return n;
}

void kafka_producer::handle_reports() noexcept {
    // Never nested: a completion that leads to a poll (none does today) leaves its reports to
    // this loop, which re-reads the size.
    if (handling_reports_) return;
    handling_reports_ = true;
    constexpr std::size_t ahead = 8;  // records loaded ahead of the one being completed
    for (std::size_t i = 0; i < reports_.size() && i < ahead; ++i)
        __builtin_prefetch(reports_[i].record, 1, 3);
    for (std::size_t i = 0; i < reports_.size(); ++i) {
        if (i + ahead < reports_.size()) __builtin_prefetch(reports_[i + ahead].record, 1, 3);
        const report r = reports_[i];
        --in_flight_;
        if (r.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE && parking_ && !closed_) {
            // Purged back at the start of an outage (never sent): parked, to be re-evaluated
            // and produced again later, in the order it was first produced (resume sorts).
            park(r.record, r.record->handoff_seq);
            continue;
        }
        // Anything but NO_ERROR — including _MSG_TIMED_OUT, a message librdkafka gave up on —
        // is a failure: it was not acknowledged at the configured acks level (SPEC §4).
        complete(r.record, r.err);
    }
    reports_.clear();
    handling_reports_ = false;
}

void kafka_producer::on_error(rd_kafka_s* /*rk*/, int err, const char* reason, void* opaque) {
    auto* self = static_cast<kafka_producer*>(opaque);
    self->counters_.client_errors.fetch_add(1, std::memory_order_relaxed);
    // librdkafka's error events never carry configuration values (the log route redacts anyway).
    self->last_client_error_ = std::string(error_name(err)) + ": " + (reason ? reason : "");
    const bool connectivity =
        err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT;
    self->log_->emit(connectivity ? 4 : 3, "ERROR", self->last_client_error_);
    // Every broker connection is down: park from now on (the worker acts on it after this
    // poll). A single _TRANSPORT error (an idle connection closed) only asks for a probe.
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->outage_event_ = true;
    if (connectivity) self->request_metadata_refresh();
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && self->oauth_->enabled() &&
        self->oauth_->on_authentication_failure()) {
        self->counters_.auth_refresh_requests.fetch_add(1, std::memory_order_relaxed);
        self->log_->emit(5, "OAUTHBEARER",
                         "SASL authentication failed: asked the identity provider for a new token");
    }
}

void kafka_producer::on_log(const rd_kafka_s* rk, int level, const char* facility,
                            const char* message) {
    auto* self = static_cast<kafka_producer*>(rd_kafka_opaque(rk));
    if (self && self->log_) self->log_->emit(level, facility ? facility : "", message ? message : "");
}

int kafka_producer::on_stats(rd_kafka_s* /*rk*/, char* json, std::size_t json_len,
                             void* opaque) {
    auto* self = static_cast<kafka_producer*>(opaque);
    if (self->on_statistics_) self->on_statistics_(std::string_view(json, json_len));
    return 0;  // librdkafka frees the JSON
}

void kafka_producer::on_oauth_refresh(rd_kafka_s* rk, const char* /*config*/, void* opaque) {
    static_cast<kafka_producer*>(opaque)->oauth_->on_refresh(rk);
}

std::uint64_t kafka_producer::oauth_tokens_set() const noexcept { return oauth_->tokens_set(); }
std::uint64_t kafka_producer::oauth_token_failures() const noexcept {
    return oauth_->token_failures();
}
std::string kafka_producer::oauth_last_failure() const { return oauth_->last_failure(); }

std::size_t kafka_producer::poll() noexcept {
    const std::size_t n = serve(0);
    check_outage();
    return n;
}

std::size_t kafka_producer::poll(std::chrono::milliseconds wait) noexcept {
    const std::size_t n = serve(static_cast<int>(wait.count()));
    check_outage();
    return n;
}

void kafka_producer::park(outbound_kafka_record* record, std::uint64_t seq) noexcept {
    // Never past the reserve in a shard (at most max_in_flight records exist); a direct user
    // with more records in flight makes the vector grow once.
    parked_.push_back({record, seq});
    counters_.parked.fetch_add(1, std::memory_order_relaxed);
    counters_.parked_now.store(parked_.size(), std::memory_order_relaxed);
}

void kafka_producer::check_outage() noexcept {
    if (!park_enabled_ || closed_) return;
    if (!parking_) {
        const std::uint64_t reports = down_reports_.load(std::memory_order_acquire);
        if (!outage_event_ && reports == seen_down_reports_) return;  // the common case
        seen_down_reports_ = reports;
        outage_event_ = false;
        start_parking();
        return;
    }
    outage_event_ = false;
    if (reachable_generation_.load(std::memory_order_acquire) >= parked_generation_) {
        resume_parked();
    }
}

void kafka_producer::start_parking() noexcept {
    parking_ = true;
    counters_.unreachable.store(1, std::memory_order_relaxed);
    parked_generation_ = outage_generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
    counters_.outages.fetch_add(1, std::memory_order_relaxed);
    const std::size_t held = in_flight_;
    if (held > 0) {
        // What librdkafka holds but has not sent comes back as _PURGE_QUEUE reports, which park
        // the records (on_delivery). Requests already on the wire stay with librdkafka.
        rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE);
        counters_.purges.fetch_add(1, std::memory_order_relaxed);
        // Serve those reports now (the blocking purge has queued them all): the records are
        // parked at once, with the sequence they were first produced with.
        for (int i = 0; i < 10000 && serve(0) > 0; ++i) {
        }
    }
    request_metadata_refresh();
    try {
        log_->emit(4, "OUTAGE",
                   "Kafka unreachable (" +
                       (last_client_error_.empty() ? std::string("metadata probes failed")
                                                   : last_client_error_) +
                       "): parking records until it answers; " + std::to_string(parked_.size()) +
                       " taken back from the client queue, " + std::to_string(in_flight_) +
                       " left in flight",
                   true);
    } catch (...) {
    }
}

void kafka_producer::resume_parked() noexcept {
    parking_ = false;
    counters_.unreachable.store(0, std::memory_order_relaxed);
    outage_event_ = false;
    seen_down_reports_ = down_reports_.load(std::memory_order_acquire);
    // Produce from the spare vector: anything parked meanwhile (nothing is expected) goes to
    // parked_ and waits for the next resume, never interleaved.
    resuming_.swap(parked_);
    counters_.parked_now.store(0, std::memory_order_relaxed);
    // librdkafka returns purged messages per queue (a broker's transmit queue, the partition
    // queue), not in production order — seen in tests: restore the order they were first
    // handed over in. In place (no allocation), once per outage.
    std::sort(resuming_.begin(), resuming_.end(),
              [](const parked_record& a, const parked_record& b) { return a.seq < b.seq; });
    std::size_t produced = 0;
    std::size_t expired = 0;
    for (const parked_record& p : resuming_) {
        outbound_kafka_record* record = p.record;
        // SPEC §3.3: re-evaluated immediately before it is handed to Kafka again.
        if (on_handoff_ && !on_handoff_(context_, record)) {
            ++expired;
            continue;
        }
        ++produced;
        topic_state* topic = find_topic(record->topic);
        if (!topic) {
            complete(record, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC);
        } else if (!record->partition.valid() ||
                   record->partition.value >= topic->partitions.load(std::memory_order_acquire)) {
            request_metadata_refresh();
            complete(record, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
        } else {
            produce_one(*topic, record);
        }
    }
    resuming_.clear();
    counters_.reproduced.fetch_add(produced, std::memory_order_relaxed);
    counters_.expired_on_resume.fetch_add(expired, std::memory_order_relaxed);
    try {
        log_->emit(5, "OUTAGE",
                   "Kafka reachable again: " + std::to_string(produced) +
                       " parked record(s) produced, " + std::to_string(expired) +
                       " expired while waiting (dropped and acknowledged)",
                   true);
    } catch (...) {
    }
}

void kafka_producer::fail_parked() noexcept {
    resuming_.swap(parked_);
    counters_.parked_now.store(0, std::memory_order_relaxed);
    // Retriable: the MQTT message stays unacknowledged and the broker redelivers it.
    for (const parked_record& p : resuming_) complete(p.record, RD_KAFKA_RESP_ERR__PURGE_QUEUE);
    resuming_.clear();
}

std::size_t kafka_producer::flush(std::chrono::milliseconds timeout) noexcept {
    const auto deadline = clock_type::now() + timeout;
    // rd_kafka_flush() serves the delivery reports on this thread (its callbacks note them;
    // handled right after).
    ++polls_;
    rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
    handle_reports();
    while (in_flight_ > 0 && clock_type::now() < deadline) serve(10);
    serve(0);
    return in_flight_ + parked_.size();
}

void kafka_producer::close(std::chrono::milliseconds timeout) noexcept {
    if (closed_ || !rk_) return;
    // An outage that has just ended: hand the parked records over before flushing.
    if (parking_ && reachable_generation_.load(std::memory_order_acquire) >= parked_generation_)
        resume_parked();
    closed_ = true;
    // Still unreachable: parked records are failed (unacknowledged → redelivered, SPEC §4).
    fail_parked();
    if (flush(timeout) == 0) return;
    // Whatever is left is failed (retriable): _PURGE_QUEUE / _PURGE_INFLIGHT reports.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    const auto deadline = clock_type::now() + std::chrono::seconds(5);
    while (in_flight_ > 0 && clock_type::now() < deadline) serve(10);
}

void complete_to_shard(void* shard, outbound_kafka_record* record, completion how,
                       delivery_error /*error*/) noexcept {
    static_cast<mqtt_to_kafka_shard*>(shard)->destination_completed(record, how);
}

bool handoff_to_shard(void* shard, outbound_kafka_record* record) noexcept {
    return static_cast<mqtt_to_kafka_shard*>(shard)->destination_handoff(record);
}

}  // namespace flowbridge::kafka
