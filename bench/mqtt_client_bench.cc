// MQTT client receive throughput against a real mosquitto, compared with mosquitto_sub in the
// same run (issue 5, acceptance: ≥ 90 % of mosquitto_sub).
//
// Method: the fixture starts mosquitto on a free loopback port. Two persistent sessions (ours and
// mosquitto_sub's) subscribe and go offline; a publisher then puts N messages of 100 bytes into
// the broker, which queues them for both (QoS 0 too: queue_qos0_messages). Then each subscriber
// in turn connects and drains its queue; the time is from starting the client (process spawn for
// mosquitto_sub, start() for ours) to the N-th message — the same work on both sides: connect,
// receive, acknowledge (QoS 1). Our client runs the shard's loop: poll the event loop, take a
// burst, complete each message as `delivered` (what the engine does once Kafka has it), so the
// PUBACKs go out in order through the window. mosquitto_sub writes each payload to /dev/null.
// Both use Receive Maximum 100 (`maxInflightMessages` default). The benchmark's time is ours;
// counters give both rates and `ratio` = ours / mosquitto_sub's.
//
// Run: flowbridge_bench --benchmark_filter=mqtt_client --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/mqtt/mosquitto_broker.h"
#include "transports/mqtt/session.h"

namespace {

using namespace flowbridge;
using flowbridge::test::milliseconds;

constexpr std::uint16_t bench_receive_maximum = 100;

struct publish_counter : mqtt::publish_listener {
    std::size_t done = 0;
    std::size_t failed = 0;
    void on_publish_complete(std::uint64_t, mqtt_reason r) noexcept override {
        ++done;
        if (r != mqtt_reason::success) ++failed;
    }
};

mqtt::session_options client_options(std::uint16_t port, std::string id) {
    mqtt::session_options o;
    o.port = port;
    o.client_id = std::move(id);
    o.session_expiry_seconds = 3600;
    o.receive_maximum = bench_receive_maximum;
    o.publish_window = 1000;
    return o;
}

bool run_until(mqtt::event_loop& loop, const std::function<bool()>& cond, milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!cond()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        loop.run_one_for(milliseconds(1));
    }
    return true;
}

// Creates our persistent session: connect, subscribe, disconnect (the broker keeps it).
bool create_session(mqtt::event_loop& loop, std::uint16_t port, const std::string& id, qos q) {
    auto o = client_options(port, id);
    o.subscriptions.push_back(mqtt::subscription_options{"bench/t", q});
    bool subscribed = false;
    mqtt::session s(loop, o, nullptr, [&](const mqtt::session_event& e) {
        if (e.what == mqtt::session_event::kind::subscribed) subscribed = true;
    });
    s.start();
    if (!run_until(loop, [&] { return subscribed; }, milliseconds(10'000))) return false;
    s.stop();
    return run_until(loop, [&] { return s.state() == mqtt::session_state::stopped; },
                     milliseconds(10'000));
}

// Publishes n messages (plus a QoS 1 marker after QoS 0 ones: its PUBACK proves the broker has
// queued everything before it). Returns how many messages each subscriber will receive.
std::size_t publish(mqtt::event_loop& loop, std::uint16_t port, qos q, std::size_t n) {
    publish_counter done;
    bool connected = false;
    mqtt::session p(loop, client_options(port, "bench-publisher"), &done,
                    [&](const mqtt::session_event& e) {
                        if (e.what == mqtt::session_event::kind::connected) connected = true;
                    });
    p.start();
    if (!run_until(loop, [&] { return connected; }, milliseconds(10'000))) return 0;
    std::string payload(100, 'p');
    std::size_t sent = 0;
    const std::size_t total = q == qos::at_most_once ? n + 1 : n;
    const bool ok = run_until(loop, [&] {
        while (sent < total) {
            mqtt::publish_packet pk;
            pk.topic = "bench/t";
            const std::string index = std::to_string(sent);
            payload.replace(0, index.size(), index);
            pk.payload = payload;
            // The marker (last, QoS 0 runs) goes at QoS 1 so that its PUBACK can be waited for.
            pk.qos_level = (q == qos::at_least_once || sent == n) ? qos::at_least_once : qos::at_most_once;
            const auto st = p.publish(pk, sent);
            if (st == mqtt::publish_status::window_full) break;
            if (st != mqtt::publish_status::accepted) return false;
            ++sent;
            if (sent % 256 == 0) break;  // let the loop write and read acknowledgements
        }
        return done.done == total;
    }, milliseconds(120'000));
    p.stop();
    run_until(loop, [&] { return p.state() == mqtt::session_state::stopped; }, milliseconds(5'000));
    return ok && done.failed == 0 ? total : 0;
}

// Drains `expect` messages with our client; returns seconds, or a negative value on failure.
double drain_with_flowbridge(mqtt::event_loop& loop, std::uint16_t port, const std::string& id,
                             qos q, std::size_t expect) {
    auto o = client_options(port, id);
    o.subscriptions.push_back(mqtt::subscription_options{"bench/t", q});
    mqtt::session s(loop, o);
    std::size_t got = 0;
    bool payload_ok = true;
    const auto start = std::chrono::steady_clock::now();
    s.start();
    const auto until = start + std::chrono::seconds(120);
    mqtt_message burst[64];
    while (got < expect && std::chrono::steady_clock::now() < until) {
        loop.poll();
        std::size_t n = 0;
        while (n < 64 && s.take(burst[n])) ++n;
        for (std::size_t i = 0; i < n; ++i) {
            payload_ok &= burst[i].payload.size() == 100;
            s.complete(burst[i].tag, true);
        }
        got += n;
    }
    const auto end = std::chrono::steady_clock::now();
    // Let the last acknowledgements go out before disconnecting.
    run_until(loop, [&] { return s.held() == 0; }, milliseconds(5'000));
    s.stop();
    run_until(loop, [&] { return s.state() == mqtt::session_state::stopped; }, milliseconds(5'000));
    if (got != expect || !payload_ok) return -1;
    return std::chrono::duration<double>(end - start).count();
}

double drain_with_mosquitto_sub(const test::mosquitto_broker& broker, const std::string& id, qos q,
                                std::size_t expect) {
    auto args = broker.client_args("/usr/bin/mosquitto_sub");
    const std::string qs = std::to_string(static_cast<int>(q));
    args.insert(args.end(), {"-c", "-i", id, "-x", "3600", "-q", qs, "-t", "bench/t", "-C",
                             std::to_string(expect), "-W", "120", "-D", "connect", "receive-maximum",
                             std::to_string(bench_receive_maximum)});
    const auto start = std::chrono::steady_clock::now();
    test::child_process p(args);
    const int rc = p.wait(milliseconds(130'000));
    const auto end = std::chrono::steady_clock::now();
    if (rc != 0) return -1;
    return std::chrono::duration<double>(end - start).count();
}

void BM_mqtt_client_receive_vs_mosquitto_sub(benchmark::State& state) {
    const qos q = state.range(0) == 0 ? qos::at_most_once : qos::at_least_once;
    const auto n = static_cast<std::size_t>(state.range(1));
    test::mosquitto_broker broker(test::mosquitto_options{
        .extra = {"queue_qos0_messages true", "max_queued_messages 10000000", "max_inflight_messages 0"}});
    mqtt::event_loop loop;
    double ours_total = 0, theirs_total = 0;
    std::size_t received = 0;
    int round = 0;
    for (auto _ : state) {
        const std::string ours_id = "bench-fb-" + std::to_string(round);
        const std::string theirs_id = "bench-sub-" + std::to_string(round);
        ++round;
        auto create = broker.client_args("/usr/bin/mosquitto_sub");
        create.insert(create.end(), {"-c", "-i", theirs_id, "-x", "3600", "-q",
                                     std::to_string(static_cast<int>(q)), "-t", "bench/t", "-E"});
        if (test::run_command(create) != 0 || !create_session(loop, broker.port(), ours_id, q)) {
            state.SkipWithError("cannot create the subscriber sessions");
            return;
        }
        const std::size_t expect = publish(loop, broker.port(), q, n);
        if (expect == 0) {
            state.SkipWithError("publishing failed");
            return;
        }
        // Alternate who goes first, so neither always meets a warmer broker.
        double theirs = 0, ours = 0;
        if (round % 2 == 1) {
            theirs = drain_with_mosquitto_sub(broker, theirs_id, q, expect);
            ours = drain_with_flowbridge(loop, broker.port(), ours_id, q, expect);
        } else {
            ours = drain_with_flowbridge(loop, broker.port(), ours_id, q, expect);
            theirs = drain_with_mosquitto_sub(broker, theirs_id, q, expect);
        }
        if (ours < 0 || theirs < 0) {
            state.SkipWithError(ours < 0 ? "flowbridge client did not receive every message"
                                         : "mosquitto_sub did not receive every message");
            return;
        }
        state.SetIterationTime(ours);
        ours_total += ours;
        theirs_total += theirs;
        received += expect;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(received));
    const double per_client = static_cast<double>(received);
    state.counters["flowbridge_msgs_per_s"] = per_client / ours_total;
    state.counters["mosquitto_sub_msgs_per_s"] = per_client / theirs_total;
    state.counters["ratio"] = theirs_total / ours_total;
}

BENCHMARK(BM_mqtt_client_receive_vs_mosquitto_sub)
    ->ArgNames({"qos", "messages"})
    ->Args({0, 100'000})
    ->Args({1, 100'000})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
