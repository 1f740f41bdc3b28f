#include "transports/kafka/consumer.h"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <deque>

#include "transports/kafka/client_log.h"
#include "transports/kafka/errors.h"
#include "transports/kafka/handle.h"
#include "transports/kafka/oauth.h"

namespace flowbridge::kafka {

struct kafka_consumer::partition_state {
    std::string topic;
    std::int32_t partition = -1;
    bool assigned = false;
    std::deque<slot*> pending;        // handed out, in offset order
    std::int64_t next_commit = -1;    // offset after the completed prefix (-1: nothing yet)
    std::int64_t committed = -1;      // what the last commit carried
};

struct kafka_consumer::slot {
    static constexpr std::size_t reserved_headers = 32;
    slot() { headers.reserve(reserved_headers); }

    kafka_record record;
    rd_kafka_message_t* message = nullptr;
    std::vector<kafka_header> headers;  // views into the message's header storage; reused
    partition_state* partition = nullptr;  // nullptr: orphaned by a revoke
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    bool done = false;
};

struct consumer_callbacks {
    static void rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
        static_cast<kafka_consumer*>(opaque)->on_rebalance(err, partitions);
    }
    static void committed(rd_kafka_t*, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t*, void* opaque) {
        auto* self = static_cast<kafka_consumer*>(opaque);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            self->counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
            self->last_error_ = "offset commit failed: " + describe(err);
            // Commit everything again at the next cadence.
            for (auto& p : self->partitions_) p->committed = -1;
            self->dirty_ = true;
        }
    }
    static int stats(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
        auto* self = static_cast<kafka_consumer*>(opaque);
        if (self->on_statistics_) self->on_statistics_(std::string_view(json, json_len));
        return 0;
    }
    static void oauth_refresh(rd_kafka_t* rk, const char*, void* opaque) {
        static_cast<kafka_consumer*>(opaque)->oauth_->on_refresh(rk);
    }
    static void log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
        auto* self = static_cast<kafka_consumer*>(rd_kafka_opaque(rk));
        if (self && self->log_)
            self->log_->emit(level, facility ? facility : "", message ? message : "");
    }
};

namespace {

const property_list consumer_defaults = {
    {"auto.offset.reset", "earliest"},  // SPEC §4: a new group misses nothing
    {"socket.nagle.disable", "true"},
};

// SPEC §4: an offset is committed only once its record was completed by the engine.
const property_list consumer_forced = {
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
};

void destroy_error(rd_kafka_error_t* e) noexcept {
    if (e) rd_kafka_error_destroy(e);
}

constexpr std::uint64_t make_tag(std::uint32_t index, std::uint32_t generation) {
    return (static_cast<std::uint64_t>(generation) << 32) | index;
}

}  // namespace

kafka_consumer::kafka_consumer() : oauth_(std::make_unique<detail::oauth_binding>()) {}

std::uint64_t kafka_consumer::oauth_tokens_set() const noexcept { return oauth_->tokens_set(); }

std::unique_ptr<kafka_consumer> kafka_consumer::create(consumer_options options,
                                                       std::string& error) {
    if (options.topics.empty()) {
        error = "a Kafka source needs at least one topic";
        return nullptr;
    }
    auto conf = detail::make_conf(options.config, consumer_defaults, consumer_forced, error);
    if (!conf) return nullptr;
    if (detail::get_property(conf.get(), "group.id").empty()) {
        error = "a Kafka source needs a consumer group (consumerGroupId / group.id)";
        return nullptr;
    }
    const bool oauth = detail::uses_oauthbearer(conf.get());
    if (oauth && !options.token_source) {
        error = "sasl.mechanisms=OAUTHBEARER (managed identity) needs an identity token source";
        return nullptr;
    }
    std::unique_ptr<kafka_consumer> c(new kafka_consumer());
    c->log_ = std::make_unique<detail::client_log>(std::move(options.on_log), options.config);
    c->log_->configure(conf.get(), &consumer_callbacks::log);
    rd_kafka_conf_set_opaque(conf.get(), c.get());
    rd_kafka_conf_set_rebalance_cb(conf.get(), &consumer_callbacks::rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf.get(), &consumer_callbacks::committed);
    if (options.on_statistics) {
        c->on_statistics_ = std::move(options.on_statistics);
        rd_kafka_conf_set_stats_cb(conf.get(), &consumer_callbacks::stats);
    }
    if (oauth)
        c->oauth_->configure(conf.get(), options.token_source,
                             &consumer_callbacks::oauth_refresh);
    auto handle = detail::make_handle(RD_KAFKA_CONSUMER, std::move(conf), error);
    if (!handle) return nullptr;
    c->rk_ = handle.release();
    if (!c->oauth_->attach(c->rk_, error)) return nullptr;
    // Every event (rebalance, errors) is served by rd_kafka_consumer_poll().
    rd_kafka_poll_set_consumer(c->rk_);
    c->topics_ = std::move(options.topics);
    c->commit_interval_ = options.commit_interval;
    const std::size_t n = std::max<std::size_t>(options.max_in_flight, 1);
    c->slots_.reserve(n);
    c->free_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        c->slots_.push_back(std::make_unique<slot>());
        c->slots_.back()->index = static_cast<std::uint32_t>(i);
    }
    for (std::size_t i = n; i-- > 0;) c->free_.push_back(c->slots_[i].get());
    return c;
}

void kafka_consumer::on_client_error(int err, const char* reason) noexcept {
    try {
        std::string line = last_error_;
        if (reason && *reason) line += std::string(" (") + reason + ")";
        const bool connectivity =
            err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT;
        log_->emit(connectivity ? 4 : 3, "ERROR", line);
    } catch (...) {
    }
    // The broker rejected the token: fetch a new one now rather than at 80 % of its lifetime.
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && oauth_->enabled() &&
        oauth_->on_authentication_failure()) {
        counters_.auth_refresh_requests.fetch_add(1, std::memory_order_relaxed);
        log_->emit(5, "OAUTHBEARER",
                   "SASL authentication failed: asked the identity provider for a new token");
    }
}

kafka_consumer::~kafka_consumer() {
    close();
    oauth_->detach();
    if (rk_) rd_kafka_destroy(rk_);
}

bool kafka_consumer::start(std::string& error) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(topics_.size()));
    for (const auto& t : topics_)
        rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    const auto err = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = "cannot subscribe to the Kafka topics: " + describe(err);
        return false;
    }
    return true;
}

kafka_consumer::partition_state* kafka_consumer::state_for(std::string_view topic,
                                                           std::int32_t partition,
                                                           bool create) {
    if (last_partition_ && last_partition_->partition == partition &&
        last_partition_->topic == topic)
        return last_partition_;
    for (auto& p : partitions_) {
        if (p->partition == partition && p->topic == topic) return last_partition_ = p.get();
    }
    if (!create) return nullptr;
    auto p = std::make_unique<partition_state>();
    p->topic = std::string(topic);
    p->partition = partition;
    partitions_.push_back(std::move(p));
    return last_partition_ = partitions_.back().get();
}

kafka_consumer::slot* kafka_consumer::take_slot() noexcept {
    if (free_.empty()) return nullptr;
    slot* s = free_.back();
    free_.pop_back();
    ++in_flight_;
    return s;
}

void kafka_consumer::release(slot* s) noexcept {
    if (s->message) rd_kafka_message_destroy(s->message);
    s->message = nullptr;
    s->headers.clear();
    s->record = {};
    s->partition = nullptr;
    s->done = false;
    ++s->generation;  // a stale tag no longer matches
    free_.push_back(s);
    --in_flight_;
}

void kafka_consumer::fill(slot* s, rd_kafka_message_t* m, mono_ns now) noexcept {
    s->message = m;
    auto& r = s->record;
    r.topic = rd_kafka_topic_name(m->rkt);
    r.partition = partition_id{m->partition};
    r.offset = m->offset;
    r.has_key = m->key != nullptr;
    r.key = r.has_key ? std::string_view(static_cast<const char*>(m->key), m->key_len)
                      : std::string_view();
    r.value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len)
                         : std::string_view();
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
    r.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
    // Header views point into the message's own header list (zero copy); the vector is reused.
    s->headers.clear();
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        for (std::size_t i = 0;
             rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            s->headers.push_back(
                {std::string_view(name),
                 value ? std::string_view(static_cast<const char*>(value), size)
                       : std::string_view()});
        }
    }
    r.headers = std::span<const kafka_header>(s->headers.data(), s->headers.size());
    r.arrival = now;
    r.tag = delivery_tag{make_tag(s->index, s->generation)};
}

std::size_t kafka_consumer::poll(std::span<const kafka_record*> out,
                                 std::chrono::milliseconds timeout, mono_ns now) noexcept {
    if (closed_) return 0;
    std::size_t n = 0;
    if (dirty_ && now - last_commit_ >= commit_interval_.count() * ns_per_ms) {
        store_and_commit(false, nullptr);
        last_commit_ = now;
    }
    // Back-pressure: with every slot out, pause fetching but keep serving group events.
    set_paused(free_.empty());
    if (paused_) {
        // Serve group events; a message fetched before the pause took effect waits in the
        // stash and is handed out first after the resume.
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 0)) stash_.push_back(m);
        return 0;
    }
    while (n < out.size()) {
        rd_kafka_message_t* m = nullptr;
        if (stash_next_ < stash_.size()) {
            m = stash_[stash_next_++];
            if (stash_next_ == stash_.size()) {
                stash_.clear();
                stash_next_ = 0;
            }
        } else {
            m = rd_kafka_consumer_poll(rk_, n == 0 ? static_cast<int>(timeout.count()) : 0);
        }
        if (!m) break;
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                counters_.consume_errors.fetch_add(1, std::memory_order_relaxed);
                last_error_ = describe(m->err);
                on_client_error(m->err, m->payload ? rd_kafka_message_errstr(m) : nullptr);
            }
            rd_kafka_message_destroy(m);
            if (n == 0) break;  // do not wait `timeout` again
            continue;
        }
        slot* s = take_slot();
        if (!s) {  // cannot happen: the loop stops when slots run out
            rd_kafka_message_destroy(m);
            break;
        }
        partition_state* p = state_for(rd_kafka_topic_name(m->rkt), m->partition, true);
        p->assigned = true;
        s->partition = p;
        fill(s, m, now);
        p->pending.push_back(s);
        out[n++] = &s->record;
        counters_.received.fetch_add(1, std::memory_order_relaxed);
        if (free_.empty()) break;
    }
    return n;
}

void kafka_consumer::complete(delivery_tag tag) noexcept {
    const auto index = static_cast<std::uint32_t>(tag.value & 0xffffffffu);
    const auto generation = static_cast<std::uint32_t>(tag.value >> 32);
    if (index >= slots_.size()) return;
    slot* s = slots_[index].get();
    if (s->generation != generation || !s->message || s->done) return;  // stale or repeated
    counters_.completed.fetch_add(1, std::memory_order_relaxed);
    partition_state* p = s->partition;
    if (!p) {
        // Its partition was revoked while it was in flight: never committed by this member.
        counters_.revoked_in_flight.fetch_add(1, std::memory_order_relaxed);
        release(s);
        return;
    }
    s->done = true;
    // Advance the completed prefix: the offset after the last record all of whose
    // predecessors are complete is what may be committed (SPEC §4).
    while (!p->pending.empty() && p->pending.front()->done) {
        slot* head = p->pending.front();
        p->pending.pop_front();
        p->next_commit = head->record.offset + 1;
        dirty_ = true;
        release(head);
    }
}

bool kafka_consumer::store_and_commit(bool sync, std::string* error) noexcept {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(4);
    for (auto& p : partitions_) {
        if (p->assigned && p->next_commit >= 0 && p->next_commit != p->committed) {
            rd_kafka_topic_partition_list_add(list, p->topic.c_str(), p->partition)->offset =
                p->next_commit;
        }
    }
    bool ok = true;
    if (list->cnt > 0) {
        // Manual offset store of exactly the completed prefixes, then a commit of the stored
        // offsets.
        auto err = rd_kafka_offsets_store(rk_, list);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = rd_kafka_commit(rk_, nullptr, sync ? 0 : 1);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            ok = false;
            counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
            last_error_ = "offset commit failed: " + describe(err);
            if (error) *error = last_error_;
        } else {
            counters_.commits.fetch_add(1, std::memory_order_relaxed);
            for (int i = 0; i < list->cnt; ++i) {
                if (auto* p = state_for(list->elems[i].topic, list->elems[i].partition, false))
                    p->committed = list->elems[i].offset;
            }
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
    dirty_ = !ok;
    return ok;
}

bool kafka_consumer::commit(std::string* error) noexcept {
    if (closed_) return false;
    return store_and_commit(true, error);
}

void kafka_consumer::set_paused(bool paused) noexcept {
    if (paused == paused_) return;
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (paused)
        rd_kafka_pause_partitions(rk_, assignment);
    else
        rd_kafka_resume_partitions(rk_, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    paused_ = paused;
}

std::int64_t kafka_consumer::committable_offset(std::string_view topic,
                                                std::int32_t partition) const noexcept {
    for (const auto& p : partitions_) {
        if (p->partition == partition && p->topic == topic) return p->next_commit;
    }
    return -1;
}

void kafka_consumer::on_rebalance(int err, rd_kafka_topic_partition_list_s* partitions) noexcept {
    counters_.rebalances.fetch_add(1, std::memory_order_relaxed);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < partitions->cnt; ++i) {
            auto* p = state_for(partitions->elems[i].topic, partitions->elems[i].partition, true);
            p->assigned = true;
            p->next_commit = p->committed = -1;  // the committed offset is the group's now
        }
        if (cooperative)
            destroy_error(rd_kafka_incremental_assign(rk_, partitions));
        else
            rd_kafka_assign(rk_, partitions);
        if (paused_) {
            paused_ = false;  // a new assignment starts unpaused; poll() re-pauses if needed
        }
        return;
    }
    // Revoked (or lost, or an error): commit what is complete, then drop what is in flight.
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk_))
        store_and_commit(true, nullptr);
    for (int i = 0; i < partitions->cnt; ++i) {
        drop_stashed(partitions->elems[i].topic, partitions->elems[i].partition);
        auto* p = state_for(partitions->elems[i].topic, partitions->elems[i].partition, false);
        if (!p) continue;
        p->assigned = false;
        for (slot* s : p->pending) {
            if (s->done) {
                release(s);
            } else {
                s->partition = nullptr;  // orphan: completes later, never committed
            }
        }
        p->pending.clear();
        p->next_commit = p->committed = -1;
    }
    if (cooperative)
        rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk_, partitions));
    else
        rd_kafka_assign(rk_, nullptr);
}

void kafka_consumer::drop_stashed(std::string_view topic, std::int32_t partition) noexcept {
    std::size_t keep = stash_next_;
    for (std::size_t i = stash_next_; i < stash_.size(); ++i) {
        rd_kafka_message_t* m = stash_[i];
        if (m->partition == partition && topic == rd_kafka_topic_name(m->rkt))
            rd_kafka_message_destroy(m);
        else
            stash_[keep++] = m;
    }
    stash_.resize(keep);
    if (stash_next_ == stash_.size()) {
        stash_.clear();
        stash_next_ = 0;
    }
}

void kafka_consumer::close() noexcept {
    if (closed_ || !rk_) return;
    store_and_commit(true, nullptr);
    // Leaves the group; the revoke callback runs from here.
    rd_kafka_consumer_close(rk_);
    closed_ = true;
    for (std::size_t i = stash_next_; i < stash_.size(); ++i) rd_kafka_message_destroy(stash_[i]);
    stash_.clear();
    stash_next_ = 0;
    for (auto& s : slots_) {
        if (s->message) release(s.get());
    }
    for (auto& p : partitions_) p->pending.clear();
}

}  // namespace flowbridge::kafka
