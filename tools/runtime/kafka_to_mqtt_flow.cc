// Kafka → MQTT flow: per shard one worker thread running consumer → translate → publish, with
// offsets completed only on PUBACK (QoS 1) or socket write (QoS 0), SPEC §4.
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <thread>

#include "engine/stages/expiry.h"
#include "engine/stages/kafka_to_mqtt.h"
#include "tools/runtime/flows.h"
#include "transports/mqtt/codec.h"
#include "transports/mqtt/event_loop.h"

namespace flowbridge::runtime {

namespace {

using namespace std::chrono_literals;

/// Counters of one worker, written by it, read by metrics().
struct worker_counters {
    counter received;
    counter published;     // accepted by the session
    counter delivered;     // PUBACK success / written (QoS 0)
    counter rejected;      // PUBACK reason ≥ 0x80, or not sent (connection failed, QoS 0)
    counter completed;     // offsets completed
    std::atomic<std::uint64_t> in_flight{0};
    std::atomic<bool> connected{false};
    std::atomic<bool> assigned{false};  // consumer subscribed, first group assignment received
    // Copied from the publisher session's counters by the worker (it owns the session).
    std::atomic<std::uint64_t> connect_attempts{0};
    std::atomic<std::uint64_t> connection_losses{0};
    std::atomic<std::uint64_t> consumer_starts{0};  // Kafka consumer subscribe attempts
    drop_counters drops;
};

class worker final : private mqtt::publish_listener {
  public:
    worker(const kafka_to_mqtt_plan& plan, std::uint32_t index, const logger& log,
           const clock& time, worker_counters& counters, metrics::histogram& latency)
        : plan_(plan), index_(index), label_("shard " + std::to_string(index)), log_(log),
          clock_(time), counters_(counters), latency_(latency) {}

    void run(std::stop_token stop, const std::atomic<std::int64_t>& drain_until_ns) {
        try {
            body(stop, drain_until_ns);
        } catch (const std::exception& e) {
            log_.error("runtime", plan_.name, label_ + ": stopped: " + e.what());
        }
    }

    std::size_t left() const noexcept { return left_; }

  private:
    void body(std::stop_token stop, const std::atomic<std::int64_t>& drain_until_ns) {
        mqtt::event_loop loop;
        mqtt::session session(loop, plan_.sessions[index_], this,
                              [this](const mqtt::session_event& e) { on_event(e); });
        session_ = &session;
        std::string error;
        kafka::consumer_options consumer_options = plan_.consumer;
        consumer_options.on_log = kafka_log_route(log_, plan_.name, label_);
        consumer_ = kafka::kafka_consumer::create(std::move(consumer_options), error);
        if (!consumer_) throw std::runtime_error("cannot create the Kafka consumer: " + error);
        counters_.consumer_starts.fetch_add(1, std::memory_order_relaxed);
        if (!consumer_->start(error)) throw std::runtime_error("cannot subscribe: " + error);
        session.start();
        log_.info("runtime", plan_.name,
                  label_ + ": consuming " + std::to_string(plan_.consumer.topics.size()) +
                      " topic(s) as client '" + plan_.sessions[index_].client_id + "'");

        std::array<const kafka_record*, 64> batch{};
        while (!stop.stop_requested()) {
            std::size_t work = loop.poll();
            work += publish_pending(clock_.now());
            // The consumer pauses itself when max_in_flight records are out (held here or
            // awaiting PUBACK): that bounds memory however long the MQTT broker is away.
            if (pending_.size() < batch.size()) {
                const std::size_t n = consumer_->poll(batch, 0ms, clock_.now());
                for (std::size_t i = 0; i < n; ++i) accept(*batch[i]);
                work += n;
                if (n != 0) work += publish_pending(clock_.now());
            }
            publish_state(session);
            if (work == 0) loop.run_one_for(2ms);
        }

        // Drain (SPEC §4): no new records; publish what is held and wait for the broker's
        // acknowledgements until the deadline; commit the completed prefix; disconnect.
        const auto until = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(drain_until_ns.load(std::memory_order_acquire)));
        while ((!pending_.empty() || awaiting_ != 0) && std::chrono::steady_clock::now() < until) {
            loop.poll();
            if (publish_pending(clock_.now()) == 0) loop.run_one_for(2ms);
        }
        left_ = pending_.size() + awaiting_;
        if (!consumer_->commit(&error)) {
            log_.warn("kafka", plan_.name, label_ + ": final commit failed: " + error);
        }
        session.stop();
        const auto stop_until = std::chrono::steady_clock::now() + 1s;
        while (session.state() != mqtt::session_state::stopped &&
               std::chrono::steady_clock::now() < stop_until) {
            loop.run_one_for(10ms);
        }
        publish_state(session);
        consumer_->close();
        consumer_.reset();
        session_ = nullptr;
        counters_.connected.store(false, std::memory_order_release);
        counters_.assigned.store(false, std::memory_order_release);
    }

    // Copies what metrics() reads of the objects this thread owns (relaxed: monotonic values).
    void publish_state(const mqtt::session& session) noexcept {
        const auto& c = session.counters();
        counters_.connect_attempts.store(c.connect_attempts.value(), std::memory_order_relaxed);
        counters_.connection_losses.store(c.connection_losses.value(), std::memory_order_relaxed);
        if (consumer_ && consumer_->counters().rebalances.load(std::memory_order_relaxed) != 0) {
            counters_.assigned.store(true, std::memory_order_relaxed);
        }
    }

    // Translates a consumed record into a held slot (SPEC §3.2).
    void accept(const kafka_record& r) {
        counters_.received.add();
        counters_.in_flight.fetch_add(1, std::memory_order_acq_rel);
        outbound_mqtt_publish* slot = take_slot();
        if (!translate_kafka_to_mqtt(r, *slot, plan_.settings->translation(), counters_.drops)) {
            // Topic unresolved: counted by translation; handled, so its offset moves on.
            finish(r.tag);
            release_slot(slot);
            return;
        }
        pending_.push_back(slot);
    }

    // Publishes held slots in order while the session takes them. Returns how many left.
    std::size_t publish_pending(mono_ns now) {
        std::size_t done = 0;
        while (!pending_.empty()) {
            outbound_mqtt_publish* s = pending_.front();
            using pp = publish_properties;
            // SPEC §3.3: a restored expiry interval is re-evaluated right before publishing.
            if ((s->present & pp::has_message_expiry) != 0 &&
                !restamp_expiry(*s, now, counters_.drops)) {
                finish(s->tag);
                pop_front();
                ++done;
                continue;
            }
            mqtt::publish_packet p;
            p.topic = s->topic;
            p.payload = s->payload;
            p.qos_level = plan_.publish_qos;
            if ((s->present & pp::has_payload_format) != 0) p.payload_format_indicator = s->payload_format_indicator;
            if ((s->present & pp::has_message_expiry) != 0) p.message_expiry_interval = s->message_expiry_interval;
            if ((s->present & pp::has_content_type) != 0) p.content_type = s->content_type;
            if ((s->present & pp::has_response_topic) != 0) p.response_topic = s->response_topic;
            if ((s->present & pp::has_correlation_data) != 0) p.correlation_data = s->correlation_data;
            p.user_properties = mqtt::user_property_list(std::span<const user_property>(s->user_properties));
            // Pushed first: a QoS 0 publish may complete inside publish().
            arrivals_.push(s->tag.value, s->arrival);
            const mqtt::publish_status st = session_->publish(p, s->tag.value);
            if (st != mqtt::publish_status::accepted) arrivals_.pop_back();
            switch (st) {
                case mqtt::publish_status::accepted:
                    counters_.published.add();
                    ++awaiting_;
                    pop_front();
                    ++done;
                    continue;
                case mqtt::publish_status::window_full:
                case mqtt::publish_status::not_connected:
                    return done;  // retried after a completion / on connect; order kept
                case mqtt::publish_status::packet_too_large:
                    // SPEC §3.2: dropped and counted (the session counts it too), then handled.
                    counters_.drops.add(drop_reason::packet_too_large);
                    log_too_large(s->topic);
                    finish(s->tag);
                    pop_front();
                    ++done;
                    continue;
                case mqtt::publish_status::invalid:
                    counters_.rejected.add();
                    log_.warn("mqtt", plan_.name, label_ + ": publish to '" + s->topic +
                                                      "' refused as invalid; record skipped");
                    finish(s->tag);
                    pop_front();
                    ++done;
                    continue;
                case mqtt::publish_status::stopped:
                    return done;
            }
        }
        return done;
    }

    // publish_listener: on the loop thread (this worker).
    void on_publish_complete(std::uint64_t token, mqtt_reason result) noexcept override {
        if (awaiting_ > 0) --awaiting_;
        const mono_ns arrival = arrivals_.take(token);
        if (result == mqtt_reason::success || result == mqtt_reason::no_matching_subscribers) {
            counters_.delivered.add();
            if (arrival >= 0) latency_.observe(clock_.now() - arrival, index_);
        } else if (result == mqtt_reason::packet_too_large) {
            counters_.drops.add(drop_reason::packet_too_large);
        } else {
            // The broker answered (and so handled) it with a failure, or a QoS 0 publish was
            // lost with its connection: counted, and its offset moves on (no retry loop).
            counters_.rejected.add();
        }
        finish(delivery_tag{token});
    }

    void finish(delivery_tag tag) noexcept {
        if (consumer_) consumer_->complete(tag);
        counters_.completed.add();
        counters_.in_flight.fetch_sub(1, std::memory_order_acq_rel);
    }

    void on_event(const mqtt::session_event& e) {
        using k = mqtt::session_event::kind;
        std::string what = label_ + ": MQTT " + std::string(mqtt::to_string(e.what));
        if (!e.detail.empty()) what += ": " + std::string(e.detail);
        if (e.what == k::connected) {
            counters_.connected.store(true, std::memory_order_release);
            log_.info("mqtt", plan_.name, what);
            return;
        }
        counters_.connected.store(false, std::memory_order_release);
        if (e.what == k::connect_failed) {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_connect_failure_log_ < 30s) return;
            last_connect_failure_log_ = now;
        }
        log_.log(e.what == k::stopped ? log_level::debug : log_level::warn, "mqtt", plan_.name, what);
    }

    void log_too_large(const std::string& topic) {
        // SPEC §3.2: logged once per topic per minute (one entry here is enough: per worker).
        const auto now = std::chrono::steady_clock::now();
        if (topic == last_too_large_topic_ && now - last_too_large_ < 60s) return;
        last_too_large_topic_ = topic;
        last_too_large_ = now;
        log_.warn("mqtt", plan_.name, label_ + ": message for '" + topic +
                                          "' exceeds the broker's Maximum Packet Size; dropped");
    }

    outbound_mqtt_publish* take_slot() {
        if (free_.empty()) {
            slots_.push_back(std::make_unique<outbound_mqtt_publish>());
            return slots_.back().get();
        }
        outbound_mqtt_publish* s = free_.back();
        free_.pop_back();
        return s;
    }
    void release_slot(outbound_mqtt_publish* s) { free_.push_back(s); }
    void pop_front() {
        release_slot(pending_.front());
        pending_.pop_front();
    }

    const kafka_to_mqtt_plan& plan_;
    std::uint32_t index_;
    std::string label_;
    logger log_;
    const clock& clock_;
    worker_counters& counters_;
    metrics::histogram& latency_;
    arrival_fifo arrivals_;  // accepted publishes awaiting completion
    mqtt::session* session_ = nullptr;
    std::unique_ptr<kafka::kafka_consumer> consumer_;
    std::vector<std::unique_ptr<outbound_mqtt_publish>> slots_;
    std::vector<outbound_mqtt_publish*> free_;
    std::deque<outbound_mqtt_publish*> pending_;  // translated, not yet accepted by the session
    std::size_t awaiting_ = 0;                    // accepted, completion not yet seen
    std::size_t left_ = 0;
    std::chrono::steady_clock::time_point last_connect_failure_log_{};
    std::string last_too_large_topic_;
    std::chrono::steady_clock::time_point last_too_large_{};
};

class kafka_to_mqtt_flow final : public flow {
  public:
    kafka_to_mqtt_flow(kafka_to_mqtt_plan plan, const logger& log, const clock& time)
        : plan_(std::move(plan)), log_(log), clock_(time),
          latency_(make_histogram(latency_bounds(), 1e-9, plan_.sessions.size())) {
        for (std::uint32_t i = 0; i < plan_.sessions.size(); ++i) {
            counters_.push_back(std::make_unique<worker_counters>());
            workers_.push_back(
                std::make_unique<worker>(plan_, i, log_, clock_, *counters_.back(), *latency_));
        }
    }
    ~kafka_to_mqtt_flow() override {
        request_stop(std::chrono::steady_clock::now());
        join();
    }

    void start() override {
        for (auto& w : workers_) {
            worker* raw = w.get();
            threads_.emplace_back([raw, this](std::stop_token st) { raw->run(st, drain_until_ns_); });
        }
    }

    void request_stop(steady_time until) override {
        drain_until_ns_.store(until.time_since_epoch().count(), std::memory_order_release);
        for (auto& t : threads_) t.request_stop();
    }

    std::size_t join() override {
        std::size_t left = 0;
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
        for (auto& w : workers_) left += w->left();
        return left;
    }

    dataflow_metrics metrics() const override {
        dataflow_metrics m;
        m.name = plan_.name;
        m.direction = flow_direction::kafka_to_mqtt;
        m.shards = static_cast<std::uint32_t>(workers_.size());
        m.in_flight_limit = plan_.consumer.max_in_flight * workers_.size();
        m.source.endpoint = plan_.source_endpoint;
        m.destination.endpoint = plan_.destination_endpoint;
        m.latency = snapshot_of(*latency_);
        for (const auto& c : counters_) {
            const bool connected = c->connected.load(std::memory_order_acquire);
            const bool assigned = c->assigned.load(std::memory_order_acquire);
            if (connected && assigned) ++m.shards_connected;
            if (assigned) ++m.source_ready;
            if (assigned) ++m.source.connected;  // the group coordinator answered
            if (connected) ++m.destination.connected;
            m.source.attempts += c->consumer_starts.load(std::memory_order_relaxed);
            m.destination.attempts += c->connect_attempts.load(std::memory_order_relaxed);
            m.destination.losses += c->connection_losses.load(std::memory_order_relaxed);
            m.received += c->received.value();
            m.delivered += c->delivered.value();
            m.acknowledged += c->completed.value();
            m.rejected += c->rejected.value();
            m.in_flight += c->in_flight.load(std::memory_order_acquire);
            m.add_drops(c->drops);
        }
        return m;
    }


  private:
    kafka_to_mqtt_plan plan_;
    logger log_;
    const clock& clock_;
    std::unique_ptr<metrics::histogram> latency_;  // observed by the workers
    std::vector<std::unique_ptr<worker_counters>> counters_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<std::jthread> threads_;
    std::atomic<std::int64_t> drain_until_ns_{0};
};

}  // namespace

std::unique_ptr<flow> make_kafka_to_mqtt_flow(kafka_to_mqtt_plan plan, const logger& log,
                                              const clock& time) {
    return std::make_unique<kafka_to_mqtt_flow>(std::move(plan), log, time);
}

}  // namespace flowbridge::runtime
