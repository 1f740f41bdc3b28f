// MQTT → MQTT flow: per shard one worker thread with two sessions on one event loop — the source
// (subscriber) and the destination (publisher). A source message is acknowledged only after the
// destination acknowledged its copy (QoS 1 PUBACK) or wrote it (QoS 0), SPEC §4.
#include <atomic>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <thread>

#include "engine/stages/expiry.h"
#include "tools/runtime/flows.h"
#include "transports/mqtt/codec.h"
#include "transports/mqtt/event_loop.h"

namespace flowbridge::runtime {

namespace {

using namespace std::chrono_literals;

struct m2m_counters {
    counter received;
    counter delivered;
    counter rejected;
    std::atomic<std::uint64_t> in_flight{0};
    std::atomic<bool> source_ready{false};
    std::atomic<bool> destination_ready{false};
    std::atomic<std::uint64_t> acknowledged{0};  // copied from the source session's counter
    std::atomic<std::uint64_t> reconnects{0};
    std::atomic<std::uint64_t> source_attempts{0};  // copied from the sessions' counters
    std::atomic<std::uint64_t> destination_attempts{0};
    std::atomic<std::uint64_t> destination_losses{0};
    std::atomic<bool> source_connected{false};
    drop_counters drops;
};

class m2m_worker final : private mqtt::publish_listener {
  public:
    m2m_worker(const mqtt_to_mqtt_plan& plan, std::uint32_t index, const logger& log,
               const clock& time, m2m_counters& counters, metrics::histogram& latency)
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
        mqtt::session source(loop, plan_.sources[index_], nullptr,
                             [this](const mqtt::session_event& e) { on_event(e, true); });
        mqtt::session destination(loop, plan_.destinations[index_], this,
                                  [this](const mqtt::session_event& e) { on_event(e, false); });
        source_ = &source;
        destination_ = &destination;
        destination.start();
        source.start();
        while (!stop.stop_requested()) {
            std::size_t work = loop.poll();
            work += publish_pending();
            while (pending_.size() < max_pending) {
                mqtt_message m;
                if (!source.take(m)) break;
                m.arrival = clock_.now();
                counters_.received.add();
                counters_.in_flight.fetch_add(1, std::memory_order_acq_rel);
                pending_.push_back(m);
                ++work;
            }
            if (work != 0) publish_pending();
            counters_.acknowledged.store(source.counters().acknowledgements_sent.value(),
                                         std::memory_order_release);
            counters_.reconnects.store(source.counters().connection_losses.value(),
                                       std::memory_order_release);
            publish_state(source, destination);
            if (work == 0) loop.run_one_for(2ms);
        }
        // Drain: take nothing new; publish what is held; wait for the destination's PUBACKs.
        const auto until = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(drain_until_ns.load(std::memory_order_acquire)));
        while ((!pending_.empty() || awaiting_ != 0) && std::chrono::steady_clock::now() < until) {
            loop.poll();
            if (publish_pending() == 0) loop.run_one_for(2ms);
        }
        left_ = pending_.size() + awaiting_;
        source.stop();  // sends the PUBACKs that are due, then DISCONNECT
        destination.stop();
        const auto stop_until = std::chrono::steady_clock::now() + 1s;
        while ((source.state() != mqtt::session_state::stopped ||
                destination.state() != mqtt::session_state::stopped) &&
               std::chrono::steady_clock::now() < stop_until) {
            loop.run_one_for(10ms);
        }
        counters_.acknowledged.store(source.counters().acknowledgements_sent.value(),
                                     std::memory_order_release);
        publish_state(source, destination);
        counters_.source_connected.store(false, std::memory_order_release);
        source_ = destination_ = nullptr;
    }

    // Copies what metrics() reads of the sessions this thread owns.
    void publish_state(const mqtt::session& source, const mqtt::session& destination) noexcept {
        counters_.source_attempts.store(source.counters().connect_attempts.value(),
                                        std::memory_order_relaxed);
        counters_.destination_attempts.store(destination.counters().connect_attempts.value(),
                                             std::memory_order_relaxed);
        counters_.destination_losses.store(destination.counters().connection_losses.value(),
                                           std::memory_order_relaxed);
    }

    std::size_t publish_pending() {
        std::size_t done = 0;
        const mono_ns now = clock_.now();
        while (!pending_.empty()) {
            const mqtt_message& m = pending_.front();
            mqtt::publish_packet p = mqtt::to_publish_packet(m);
            if (!plan_.destination_topic->resolve(m.topic, topic_)) {
                counters_.drops.add(drop_reason::topic_unresolved);
                finish(m.tag, true);
                pending_.pop_front();
                ++done;
                continue;
            }
            p.topic = topic_;
            p.qos_level = plan_.publish_qos;
            p.dup = false;
            p.packet_id = 0;
            if (m.properties.has(publish_properties::has_message_expiry)) {
                // SPEC §3.3: the remaining interval, re-evaluated at every attempt.
                const expiry_verdict v =
                    evaluate_expiry(m.properties.message_expiry_interval, m.arrival, now);
                if (v.expired) {
                    counters_.drops.add(drop_reason::message_expired);
                    finish(m.tag, true);
                    pending_.pop_front();
                    ++done;
                    continue;
                }
                p.message_expiry_interval = v.remaining_s;
            }
            // Pushed first: a QoS 0 publish may complete inside publish().
            arrivals_.push(m.tag.value, m.arrival);
            const mqtt::publish_status st = destination_->publish(p, m.tag.value);
            if (st != mqtt::publish_status::accepted) arrivals_.pop_back();
            switch (st) {
                case mqtt::publish_status::accepted:
                    ++awaiting_;
                    pending_.pop_front();
                    ++done;
                    continue;
                case mqtt::publish_status::window_full:
                case mqtt::publish_status::not_connected:
                case mqtt::publish_status::stopped:
                    return done;
                case mqtt::publish_status::packet_too_large:
                    counters_.drops.add(drop_reason::packet_too_large);
                    finish(m.tag, true);
                    pending_.pop_front();
                    ++done;
                    continue;
                case mqtt::publish_status::invalid:
                    counters_.rejected.add();
                    finish(m.tag, true);
                    pending_.pop_front();
                    ++done;
                    continue;
            }
        }
        return done;
    }

    void on_publish_complete(std::uint64_t token, mqtt_reason result) noexcept override {
        if (awaiting_ > 0) --awaiting_;
        const mono_ns arrival = arrivals_.take(token);
        if (result == mqtt_reason::success || result == mqtt_reason::no_matching_subscribers) {
            counters_.delivered.add();
            if (arrival >= 0) latency_.observe(clock_.now() - arrival, index_);
            finish(delivery_tag{token}, true);
        } else if (result == mqtt_reason::unspecified_error) {
            // A QoS 0 copy lost with its connection: leave the source unacknowledged so that
            // its broker redelivers it (at least once).
            finish(delivery_tag{token}, false);
        } else {
            if (result == mqtt_reason::packet_too_large) {
                counters_.drops.add(drop_reason::packet_too_large);
            } else {
                counters_.rejected.add();
            }
            finish(delivery_tag{token}, true);
        }
    }

    void finish(delivery_tag tag, bool acknowledge) noexcept {
        if (source_ != nullptr) source_->complete(tag, acknowledge);
        counters_.in_flight.fetch_sub(1, std::memory_order_acq_rel);
    }

    void on_event(const mqtt::session_event& e, bool is_source) {
        using k = mqtt::session_event::kind;
        auto& ready = is_source ? counters_.source_ready : counters_.destination_ready;
        std::string what = label_ + (is_source ? ": source MQTT " : ": destination MQTT ") +
                           std::string(mqtt::to_string(e.what));
        if (!e.detail.empty()) what += ": " + std::string(e.detail);
        if (is_source) {
            counters_.source_connected.store(e.what == k::connected || e.what == k::subscribed,
                                             std::memory_order_release);
        }
        if (e.what == k::subscribed || (e.what == k::connected && (!is_source || e.session_present))) {
            ready.store(true, std::memory_order_release);
            log_.info("mqtt", plan_.name, what);
            return;
        }
        if (e.what == k::connected) {
            log_.info("mqtt", plan_.name, what);
            return;
        }
        ready.store(false, std::memory_order_release);
        log_.log(e.what == k::stopped ? log_level::debug : log_level::warn, "mqtt", plan_.name, what);
    }

  public:
    static constexpr std::size_t max_pending = 1024;

  private:
    const mqtt_to_mqtt_plan& plan_;
    std::uint32_t index_;
    std::string label_;
    logger log_;
    const clock& clock_;
    m2m_counters& counters_;
    metrics::histogram& latency_;
    arrival_fifo arrivals_;  // accepted publishes awaiting the destination's completion
    mqtt::session* source_ = nullptr;
    mqtt::session* destination_ = nullptr;
    std::deque<mqtt_message> pending_;  // taken from the source, not yet accepted for publishing
    std::size_t awaiting_ = 0;
    std::size_t left_ = 0;
    std::string topic_;
};

class mqtt_to_mqtt_flow final : public flow {
  public:
    mqtt_to_mqtt_flow(mqtt_to_mqtt_plan plan, const logger& log, const clock& time)
        : plan_(std::move(plan)), log_(log), clock_(time),
          latency_(make_histogram(latency_bounds(), 1e-9, plan_.sources.size())) {
        for (std::uint32_t i = 0; i < plan_.sources.size(); ++i) {
            counters_.push_back(std::make_unique<m2m_counters>());
            workers_.push_back(std::make_unique<m2m_worker>(plan_, i, log_, clock_,
                                                            *counters_.back(), *latency_));
        }
    }
    ~mqtt_to_mqtt_flow() override {
        request_stop(std::chrono::steady_clock::now());
        join();
    }
    void start() override {
        for (auto& w : workers_) {
            m2m_worker* raw = w.get();
            threads_.emplace_back([raw, this](std::stop_token st) { raw->run(st, drain_until_ns_); });
        }
    }
    void request_stop(steady_time until) override {
        drain_until_ns_.store(until.time_since_epoch().count(), std::memory_order_release);
        for (auto& t : threads_) t.request_stop();
    }
    std::size_t join() override {
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
        std::size_t left = 0;
        for (auto& w : workers_) left += w->left();
        return left;
    }
    dataflow_metrics metrics() const override {
        dataflow_metrics m;
        m.name = plan_.name;
        m.direction = flow_direction::mqtt_to_mqtt;
        m.shards = static_cast<std::uint32_t>(workers_.size());
        m.source.endpoint = plan_.source_endpoint;
        m.destination.endpoint = plan_.destination_endpoint;
        m.latency = snapshot_of(*latency_);
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            // Taken but not yet published, plus published and awaiting the destination.
            m.in_flight_limit += m2m_worker::max_pending + plan_.destinations[i].publish_window;
        }
        for (const auto& c : counters_) {
            const bool source_ready = c->source_ready.load(std::memory_order_acquire);
            const bool destination_ready = c->destination_ready.load(std::memory_order_acquire);
            if (source_ready && destination_ready) ++m.shards_connected;
            if (source_ready) ++m.source_ready;
            if (c->source_connected.load(std::memory_order_acquire)) ++m.source.connected;
            if (destination_ready) ++m.destination.connected;
            m.source.attempts += c->source_attempts.load(std::memory_order_relaxed);
            m.source.losses += c->reconnects.load(std::memory_order_acquire);
            m.destination.attempts += c->destination_attempts.load(std::memory_order_relaxed);
            m.destination.losses += c->destination_losses.load(std::memory_order_relaxed);
            m.received += c->received.value();
            m.delivered += c->delivered.value();
            m.acknowledged += c->acknowledged.load(std::memory_order_acquire);
            m.rejected += c->rejected.value();
            m.source_reconnects += c->reconnects.load(std::memory_order_acquire);
            m.in_flight += c->in_flight.load(std::memory_order_acquire);
            m.add_drops(c->drops);
        }
        return m;
    }

  private:
    mqtt_to_mqtt_plan plan_;
    logger log_;
    const clock& clock_;
    std::unique_ptr<metrics::histogram> latency_;  // observed by the workers
    std::vector<std::unique_ptr<m2m_counters>> counters_;
    std::vector<std::unique_ptr<m2m_worker>> workers_;
    std::vector<std::jthread> threads_;
    std::atomic<std::int64_t> drain_until_ns_{0};
};

}  // namespace

std::unique_ptr<flow> make_mqtt_to_mqtt_flow(mqtt_to_mqtt_plan plan, const logger& log,
                                             const clock& time) {
    return std::make_unique<mqtt_to_mqtt_flow>(std::move(plan), log, time);
}

}  // namespace flowbridge::runtime
