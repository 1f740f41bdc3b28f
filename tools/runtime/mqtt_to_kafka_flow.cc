// MQTT → Kafka flow: the wiring of docs/architecture.md, one fused shard per MQTT connection.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "engine/pipeline/mqtt_to_kafka_shard.h"
#include "tools/runtime/flows.h"
#include "transports/mqtt/event_loop.h"
#include "transports/mqtt/mqtt_ingress.h"

namespace flowbridge::runtime {

namespace {

using namespace std::chrono_literals;

std::chrono::milliseconds remaining(steady_time until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : 0ms;
}

/// The batcher's sink in front of the producer: observes records and bytes per batch (two
/// histogram observes per batch, no lock, no allocation), then hands the batch on. Shard thread.
struct metered_sink final : batch_sink {
    batch_sink* next = nullptr;
    metrics::histogram* records = nullptr;
    metrics::histogram* bytes = nullptr;
    std::size_t shard = 0;

    void deliver(partition_id partition, std::span<outbound_kafka_record*> batch) noexcept override {
        std::int64_t n = 0;
        for (const outbound_kafka_record* r : batch) n += r->bytes;  // computed by translation
        records->observe(static_cast<std::int64_t>(batch.size()), shard);
        bytes->observe(n, shard);
        next->deliver(partition, batch);  // may complete records: observed before
    }
};

/// One shard: MQTT session + ingress + engine shard + Kafka producer. Created and destroyed by
/// the supervisor thread; between start and drain, session/ingress/chain/producer polling belong
/// to the shard thread.
struct shard_unit {
    std::uint32_t index = 0;
    std::string label;  // "shard N"
    const logger* log = nullptr;
    const std::string* flow_name = nullptr;
    std::unique_ptr<mqtt::event_loop> loop;
    std::unique_ptr<mqtt::session> session;
    std::unique_ptr<mqtt::mqtt_ingress> ingress;
    std::unique_ptr<kafka::kafka_producer> producer;
    std::unique_ptr<mqtt_to_kafka_shard> shard;
    std::atomic<bool> subscribed{false};
    std::atomic<bool> producing{false};
    std::atomic<std::uint64_t> kafka_start_attempts{0};
    // Metrics: latency is observed on the shard thread when Kafka acknowledges a record.
    metered_sink sink;
    metrics::histogram* latency = nullptr;
    const clock* time = nullptr;
    // Shard thread only (completion callback): the clock read once per producer poll (a clock
    // read per record cost 3 % of the shard thread at line rate), at least every 64 records.
    std::uint64_t seen_polls = ~std::uint64_t{0};
    std::uint32_t since_clock = 0;
    mono_ns completed_at = 0;
    mono_ns completion_time() noexcept {
        const std::uint64_t polls = producer->polls();
        if (polls != seen_polls || ++since_clock >= 64) {
            seen_polls = polls;
            since_clock = 0;
            completed_at = time->now();
        }
        return completed_at;
    }
    // Shard thread only (completion callback): rate limit of failure logs.
    std::uint64_t failures_logged = 0;
    std::chrono::steady_clock::time_point last_failure_log{};
    // Session event log rate limit (loop thread).
    std::chrono::steady_clock::time_point last_connect_failure_log{};

    static void on_complete(void* self, outbound_kafka_record* record, completion how,
                            kafka::delivery_error error) noexcept {
        auto* u = static_cast<shard_unit*>(self);
        if (how == completion::failed) u->log_failure(error);
        if (how == completion::delivered) {
            u->latency->observe_exclusive(u->completion_time() - record->arrival, u->index);
        }
        // The shard exists whenever the producer has records (they came through it).
        u->shard->destination_completed(record, how);
    }

    // The shard thread's idle wait: blocks on the MQTT loop — its sockets, its timers and the
    // producer's wakeup descriptor — until one is ready or `max` passed.
    static void idle_wait(void* self, std::chrono::microseconds max) noexcept {
        try {
            static_cast<shard_unit*>(self)->loop->run_one_for(max);
        } catch (...) {
            // A handler of this transport never throws (see mqtt_ingress::receive).
        }
    }

    // SPEC §3.3: a record parked during a Kafka outage is re-evaluated before it is produced.
    static bool on_handoff(void* self, outbound_kafka_record* record) noexcept {
        return static_cast<shard_unit*>(self)->shard->destination_handoff(record);
    }

    void log_failure(const kafka::delivery_error& error) noexcept {
        const auto now = std::chrono::steady_clock::now();
        ++failures_logged;
        if (failures_logged != 1 && now - last_failure_log < 10s) return;
        last_failure_log = now;
        try {
            log->warn("kafka", *flow_name,
                      label + ": Kafka delivery failed (" + std::string(kafka::to_string(error.kind)) +
                          ", code " + std::to_string(error.code) +
                          "); the MQTT message stays unacknowledged and is redelivered (" +
                          std::to_string(failures_logged) + " failure(s) so far)");
        } catch (...) {
        }
    }

    void on_session_event(const mqtt::session_event& e) {
        using k = mqtt::session_event::kind;
        std::string what = label + ": MQTT " + std::string(mqtt::to_string(e.what));
        if (e.what == k::connected) what += e.session_present ? " (session present)" : " (new session)";
        if (!e.detail.empty()) what += ": " + std::string(e.detail);
        switch (e.what) {
            case k::subscribed:
                subscribed.store(true, std::memory_order_release);
                log->info("mqtt", *flow_name, what);
                return;
            case k::connected:
                // A present session keeps its subscriptions: the broker sends no SUBACK then.
                if (e.session_present) subscribed.store(true, std::memory_order_release);
                log->info("mqtt", *flow_name, what);
                return;
            case k::connect_failed: {
                subscribed.store(false, std::memory_order_release);
                const auto now = std::chrono::steady_clock::now();
                if (now - last_connect_failure_log < 30s) return;  // reconnects are backed off
                last_connect_failure_log = now;
                log->warn("mqtt", *flow_name, what + " (retrying with back-off)");
                return;
            }
            case k::stopped:
                subscribed.store(false, std::memory_order_release);
                log->debug("mqtt", *flow_name, what);
                return;
            default:
                subscribed.store(false, std::memory_order_release);
                log->warn("mqtt", *flow_name, what);
                return;
        }
    }
};

class mqtt_to_kafka_flow final : public flow {
  public:
    mqtt_to_kafka_flow(mqtt_to_kafka_plan plan, const logger& log, const clock& time)
        : plan_(std::move(plan)), log_(log), clock_(time) {
        const std::size_t shards = plan_.sessions.size();
        batch_records_ = make_histogram(batch_records_bounds(), 1.0, shards);
        batch_bytes_ = make_histogram(batch_bytes_bounds(), 1.0, shards);
        latency_ = make_histogram(latency_bounds(), 1e-9, shards);
        for (std::size_t i = 0; i < shards; ++i) {
            in_flight_limit_ += std::max<std::size_t>(plan_.in_flight_limit,
                                                      plan_.sessions[i].receive_maximum);
        }
        retired_ = empty_metrics();
    }

    ~mqtt_to_kafka_flow() override {
        request_stop(std::chrono::steady_clock::now());
        join();
    }

    void start() override {
        supervisor_ = std::thread([this] { supervise(); });
    }

    void request_stop(steady_time until) override {
        {
            std::lock_guard lock(stop_mutex_);
            if (stop_requested_) return;
            stop_requested_ = true;
            until_ = until;
        }
        stop_wake_.notify_all();
    }

    std::size_t join() override {
        if (supervisor_.joinable()) supervisor_.join();
        return left_;
    }

    dataflow_metrics metrics() const override {
        std::lock_guard lock(units_mutex_);
        return collect();
    }

  private:
    dataflow_metrics empty_metrics() const {
        dataflow_metrics m;
        m.name = plan_.name;
        m.direction = flow_direction::mqtt_to_kafka;
        m.shards = static_cast<std::uint32_t>(plan_.sessions.size());
        m.in_flight_limit = in_flight_limit_;
        m.source.endpoint = plan_.source_endpoint;
        m.destination.endpoint = plan_.destination_endpoint;
        return m;
    }

    // Caller holds units_mutex_. After teardown, the totals the shards had when they stopped.
    dataflow_metrics collect() const {
        dataflow_metrics m = units_.empty() ? retired_ : empty_metrics();
        m.batch_records = snapshot_of(*batch_records_);
        m.batch_bytes = snapshot_of(*batch_bytes_);
        m.latency = snapshot_of(*latency_);
        if (units_.empty()) return m;
        for (const auto& u : units_) {
            const bool subscribed = u->subscribed.load(std::memory_order_acquire);
            // Started, and not parking records because the cluster stopped answering.
            const bool producing = u->producing.load(std::memory_order_acquire) &&
                                   !(u->producer && u->producer->counters().unreachable.load(
                                                        std::memory_order_relaxed) != 0);
            if (subscribed && producing) ++m.shards_connected;
            if (subscribed) ++m.source_ready;
            if (subscribed) ++m.source.connected;
            if (producing) ++m.destination.connected;
            m.destination.attempts += u->kafka_start_attempts.load(std::memory_order_relaxed);
            if (u->session) {
                const auto& c = u->session->counters();
                m.acknowledged += c.acknowledgements_sent.value();
                m.source_reconnects += c.connection_losses.value();
                m.source.losses += c.connection_losses.value();
                m.source.attempts += c.connect_attempts.value();
            }
            if (u->shard) {
                const chain_counters& c = u->shard->counters();
                m.received += c.received.value();
                m.delivered += c.delivered.value();
                m.failed += c.failed.value();
                m.in_flight += u->shard->in_flight();
                m.add_drops(u->shard->drops());
            }
        }
        return m;
    }

    // Waits up to `d` or until stop is requested; true when stop was requested.
    bool wait_stop(std::chrono::milliseconds d) {
        std::unique_lock lock(stop_mutex_);
        return stop_wake_.wait_for(lock, d, [this] { return stop_requested_; });
    }
    bool stopping() {
        std::lock_guard lock(stop_mutex_);
        return stop_requested_;
    }

    void supervise() {
        try {
            if (build()) run();
        } catch (const std::exception& e) {
            log_.error("runtime", plan_.name, std::string("flow stopped: ") + e.what());
        }
        teardown();
    }

    bool build() {
        for (std::uint32_t i = 0; i < plan_.sessions.size(); ++i) {
            auto u = std::make_unique<shard_unit>();
            u->index = i;
            u->label = "shard " + std::to_string(i);
            u->log = &log_;
            u->flow_name = &plan_.name;
            u->latency = latency_.get();
            u->time = &clock_;
            u->loop = std::make_unique<mqtt::event_loop>();
            shard_unit* raw = u.get();
            // Throws std::invalid_argument on unusable options (bad PEM): fatal for the flow.
            u->session = std::make_unique<mqtt::session>(
                *u->loop, plan_.sessions[i], nullptr,
                [raw](const mqtt::session_event& e) { raw->on_session_event(e); });
            std::string error;
            kafka::producer_options producer_options = plan_.producer;
            producer_options.on_handoff = &shard_unit::on_handoff;
            producer_options.max_in_flight = std::max<std::size_t>(
                plan_.in_flight_limit, plan_.sessions[i].receive_maximum);
            producer_options.on_log = kafka_log_route(log_, plan_.name, u->label);
            u->producer = kafka::kafka_producer::create(std::move(producer_options),
                                                        &shard_unit::on_complete, raw, error);
            if (!u->producer) {
                log_.error("kafka", plan_.name, "cannot create the Kafka producer: " + error);
                return false;
            }
            std::lock_guard lock(units_mutex_);
            units_.push_back(std::move(u));
        }
        // Kafka start-up: metadata of the destination topic. A cluster that is down is retried
        // until it answers or the flow is stopped (SPEC §4: no operator action needed).
        for (auto& u : units_) {
            std::chrono::milliseconds backoff = 1s;
            std::uint32_t attempts = 0;
            for (;;) {
                if (stopping()) return false;
                std::string error;
                u->kafka_start_attempts.fetch_add(1, std::memory_order_relaxed);
                if (u->producer->start(error)) break;
                ++attempts;
                if (attempts == 1 || attempts % 10 == 0) {
                    log_.warn("kafka", plan_.name,
                              u->label + ": Kafka not ready (" + error + "); retrying");
                }
                if (wait_stop(backoff)) return false;
                backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
            }
            u->producing.store(true, std::memory_order_release);
        }
        const std::string& topic = plan_.settings->topic();
        for (auto& u : units_) {
            const std::atomic<std::int32_t>* partitions = u->producer->partition_count(topic);
            if (partitions == nullptr) throw std::logic_error("producer does not track " + topic);
            u->ingress = std::make_unique<mqtt::mqtt_ingress>(*u->loop, *u->session, clock_);
            mqtt_to_kafka_shard_options o;
            o.topo = pipeline::topology::fused;
            o.ingress_cpu = plan_.cpus.size() > u->index ? plan_.cpus[u->index] : std::nullopt;
            o.in_flight_limit = std::max<std::size_t>(plan_.in_flight_limit,
                                                      plan_.sessions[u->index].receive_maximum);
            o.name = "fb-" + std::to_string(u->index) + "-" +
                     plan_.name.substr(plan_.name.find('/') + 1).substr(0, 8);
            // Idle: block on the MQTT loop, which also watches the producer's wakeup pipe, so an
            // idle shard costs no CPU and wakes for a PUBLISH or a delivery report at once.
            if (u->loop->watch(u->producer->wakeup_fd())) {
                o.idle.wait = &shard_unit::idle_wait;
                o.idle.wait_context = u.get();
            } else {
                log_.warn("runtime", plan_.name,
                          u->label + ": cannot watch the Kafka client's wakeup pipe; the idle shard "
                                     "thread polls instead of blocking");
            }
            u->sink.next = u->producer.get();
            u->sink.records = batch_records_.get();
            u->sink.bytes = batch_bytes_.get();
            u->sink.shard = u->index;
            {
                std::lock_guard lock(units_mutex_);
                u->shard = std::make_unique<mqtt_to_kafka_shard>(
                    plan_.settings->chain(), clock_, *partitions, u->sink,
                    u->producer.get(), *u->ingress, o);
            }
            // The session is started here, before the shard thread exists; from then on only
            // the shard thread drives its loop (thread start orders the two).
            u->session->start();
            const auto reports = u->shard->start();
            std::string pin = u->label + ": started, " + std::to_string(partitions->load()) +
                              " partition(s) in '" + topic + "'";
            for (const auto& r : reports) {
                pin += r.cpu ? ", pinned to CPU " + std::to_string(r.cpu->value)
                             : ", not pinned (" + std::string(pipeline::to_string(r.status)) + ")";
            }
            log_.info("runtime", plan_.name, pin);
        }
        return true;
    }

    void run() {
        std::unique_lock lock(stop_mutex_);
        stop_wake_.wait(lock, [this] { return stop_requested_; });
    }

    // SPEC §4 drain: stop intake, flush batches, wait for Kafka's acknowledgements until the
    // deadline, then send the PUBACKs due, DISCONNECT, and fail (leave unacknowledged) the rest.
    void teardown() {
        steady_time until;
        {
            std::lock_guard lock(stop_mutex_);
            until = stop_requested_ ? until_ : std::chrono::steady_clock::now();
        }
        std::size_t left = 0;
        for (auto& u : units_) {
            if (u->shard) left += u->shard->stop(remaining(until));
        }
        // The shard threads are gone: the control thread may now poll the producers. close()
        // completes what is left as failed (unacknowledged → redelivered by the broker).
        for (auto& u : units_) {
            if (u->producer) u->producer->close(u->shard ? remaining(until) : 0ms);
        }
        for (auto& u : units_) {
            if (!u->session) continue;
            u->session->stop();
            const auto stop_until = std::max(until, std::chrono::steady_clock::now() + 200ms) + 800ms;
            while (u->session->state() != mqtt::session_state::stopped &&
                   std::chrono::steady_clock::now() < stop_until) {
                u->loop->run_one_for(10ms);
            }
        }
        {
            std::lock_guard lock(units_mutex_);
            retired_ = collect();
            retired_.shards_connected = 0;
            retired_.source_ready = 0;
            retired_.source.connected = 0;
            retired_.destination.connected = 0;
            retired_.in_flight = 0;
            for (auto& u : units_) {
                u->shard.reset();
                u->producer.reset();
                u->ingress.reset();
                u->session.reset();
                u->loop.reset();
            }
            units_.clear();
        }
        left_ = left;
        if (left != 0) {
            log_.warn("runtime", plan_.name,
                      std::to_string(left) +
                          " message(s) not delivered by the drain deadline; left unacknowledged "
                          "for the broker to redeliver");
        } else {
            log_.info("runtime", plan_.name, "drained");
        }
    }

    mqtt_to_kafka_plan plan_;
    logger log_;
    const clock& clock_;
    // Observed by the shard threads; outlive the shards (destroyed after units_).
    std::unique_ptr<metrics::histogram> batch_records_;
    std::unique_ptr<metrics::histogram> batch_bytes_;
    std::unique_ptr<metrics::histogram> latency_;
    std::size_t in_flight_limit_ = 0;
    std::thread supervisor_;
    mutable std::mutex units_mutex_;
    std::vector<std::unique_ptr<shard_unit>> units_;
    dataflow_metrics retired_;  // guarded by units_mutex_
    std::mutex stop_mutex_;
    std::condition_variable stop_wake_;
    bool stop_requested_ = false;
    steady_time until_{};
    std::size_t left_ = 0;
};

}  // namespace

std::unique_ptr<flow> make_mqtt_to_kafka_flow(mqtt_to_kafka_plan plan, const logger& log,
                                              const clock& time) {
    return std::make_unique<mqtt_to_kafka_flow>(std::move(plan), log, time);
}

}  // namespace flowbridge::runtime
