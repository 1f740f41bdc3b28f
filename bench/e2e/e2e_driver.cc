// flowbridge_e2e: the load generator and measuring end of the end-to-end benchmark (bench/e2e/run).
//
// One binary, several roles, each printing one JSON object on stdout when it is done:
//
//   free-port                       a free loopback TCP port (bind 0, print, close)
//   mqtt-ceiling  --port P ...      publisher → mosquitto → our MQTT subscriber: the broker's ceiling
//   kafka-raw     --bootstrap B ... raw librdkafka producing the records flowbridge would produce
//                                   (same value size, same five headers, same client properties;
//                                   --distinct-payloads N: each value its own bytes, from N copies)
//   e2e           --port P --bootstrap B --topic T ...
//                                   publisher → mosquitto → `flowbridge run` → Kafka → consumer:
//                                   throughput (as fast as the publish window allows) and latency
//                                   (paced), from a send stamp in the payload
//   mqtt-source   --bootstrap B --topic T ...
//                                   a line-rate MQTT v5 *server*: accepts flowbridge, streams pre-
//                                   encoded PUBLISH packets (with properties) as fast as the socket
//                                   takes them, honouring the client's Receive Maximum at QoS 1;
//                                   throughput is read from the Kafka high watermarks; with
//                                   --subscribers N the stream is split between N connections
//                                   (--split available: to whichever has room; even: round robin)
//   mqtt-floor    --port P --bootstrap B --topic T ...
//                                   the floor in flowbridge's place: connects to mqtt-source, frames
//                                   each PUBLISH and produces it like kafka-raw (nothing parsed or
//                                   translated); --connections N: one thread and producer each
//   soak          --port P --bootstrap B --topic T --fb-pid PID --mock-control FIFO ...
//                                   Kafka down, N QoS 1 messages into the broker, flowbridge's VmRSS
//                                   sampled every 100 ms, Kafka up, every message counted in Kafka
//
// Payload layout (little endian, first 24 bytes; the rest is filler): magic u32, run u32, seq u64,
// send stamp u64 (CLOCK_MONOTONIC ns, comparable across processes of this machine). Every role
// checks what it receives (magic, run, distinct sequence numbers, header count) before reporting.
//
// Threads: the publisher (main thread, its own event_loop), one sink thread (Kafka consumer or MQTT
// subscriber, its own event_loop). They share only `run_stats` (atomics + per-message slots that
// only the sink writes and the main thread reads after the run).
#include <arpa/inet.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "transports/mqtt/codec.h"
#include "transports/mqtt/event_loop.h"
#include "transports/mqtt/session.h"

namespace {

using namespace flowbridge;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::uint32_t payload_magic = 0x32454246;  // "FBE2"
constexpr std::size_t stamp_bytes = 24;

std::int64_t now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "flowbridge_e2e: %s\n", what.c_str());
    std::exit(1);
}

void note(const std::string& what) { std::fprintf(stderr, "flowbridge_e2e: %s\n", what.c_str()); }

// --- options -------------------------------------------------------------------------------------

struct options {
    std::map<std::string, std::string> values;
    std::vector<std::pair<std::string, std::string>> properties;  // --property k=v (librdkafka)

    std::string str(const std::string& k, const std::string& def = "") const {
        auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
    long long num(const std::string& k, long long def) const {
        auto it = values.find(k);
        return it == values.end() ? def : std::stoll(it->second);
    }
    std::string need(const std::string& k) const {
        auto it = values.find(k);
        if (it == values.end()) die("--" + k + " is required");
        return it->second;
    }
};

options parse(int argc, char** argv, int first) {
    options o;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (!a.starts_with("--") || i + 1 >= argc) die("bad argument " + a);
        std::string v = argv[++i];
        a = a.substr(2);
        if (a == "property") {
            const auto eq = v.find('=');
            if (eq == std::string::npos) die("--property needs KEY=VALUE");
            o.properties.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        } else {
            o.values[a] = v;
        }
    }
    return o;
}

// --- the message ---------------------------------------------------------------------------------

/// The MQTT message every role sends: 100 B or 1 KiB payload and the properties that become the
/// five Kafka headers (Message Expiry Interval, Correlation Data, Content Type, two user
/// properties), SPEC §3.1.
struct message_shape {
    explicit message_shape(std::size_t payload_size, std::string topic_name)
        : topic(std::move(topic_name)), payload(std::max(payload_size, stamp_bytes), 'x') {}
    std::string topic;
    std::string payload;
    std::string correlation = "0123456789abcdef";
    std::array<user_property, 2> users{{{"device", "sensor-17"}, {"site", "plant-3"}}};

    mqtt::publish_packet packet(qos q) const {
        mqtt::publish_packet p;
        p.topic = topic;
        p.payload = payload;
        p.qos_level = q;
        p.message_expiry_interval = 3600;
        p.content_type = "application/json";
        p.correlation_data = correlation;
        p.user_properties = users;
        return p;
    }
    void stamp(std::uint32_t run, std::uint64_t seq, std::int64_t t) {
        char* b = payload.data();
        std::memcpy(b, &payload_magic, 4);
        std::memcpy(b + 4, &run, 4);
        std::memcpy(b + 8, &seq, 8);
        std::memcpy(b + 16, &t, 8);
    }
};

/// The Kafka headers flowbridge produces for message_shape (what the raw producer sends too).
std::vector<std::pair<std::string, std::string>> expected_headers() {
    return {{"Message Expiry Interval", "3600"},
            {"Correlation Data", "0123456789abcdef"},
            {"Content Type", "application/json"},
            {"device", "sensor-17"},
            {"site", "plant-3"}};
}

using header_pairs = std::vector<std::pair<std::string, std::string>>;

/// A librdkafka header list of `headers` (the producer owns it once produced).
rd_kafka_headers_t* kafka_headers(const header_pairs& headers) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(headers.size());
    for (const auto& [k, v] : headers)
        rd_kafka_header_add(h, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
    return h;
}

/// Records per partition turn, like flowbridge's Default partitioner (a turn per configured
/// batch, SPEC §3.4): what --max-messages / --max-bytes allow, the batcher counting value + header
/// names and values.
std::size_t partition_turn(const options& o, std::size_t value_size, const header_pairs& headers) {
    std::size_t header_bytes = 0;
    for (const auto& [k, v] : headers) header_bytes += k.size() + v.size();
    return std::max<std::size_t>(
        1, std::min<std::size_t>(static_cast<std::size_t>(o.num("max-messages", 100000)),
                                 static_cast<std::size_t>(o.num("max-bytes", 1000000)) /
                                     (value_size + header_bytes)));
}

// --- what a sink records for one run -------------------------------------------------------------

struct run_stats {
    run_stats(std::uint32_t r, std::size_t n) : run(r), count(n), latency_ns(n, -1) {}
    const std::uint32_t run;
    const std::size_t count;
    std::vector<std::int64_t> latency_ns;  // sink thread writes; main reads after the run
    std::atomic<std::size_t> distinct{0};
    std::atomic<std::size_t> duplicates{0};
    std::atomic<std::int64_t> first_ns{0};
    std::atomic<std::int64_t> last_ns{0};
    std::atomic<int> headers{-1};
    std::atomic<bool> headers_ok{true};
    // Kafka sinks: receive time minus the record's CreateTime (flowbridge's receive time, SPEC
    // §3.1), ms: how much of the latency is after flowbridge read the message.
    std::vector<std::int32_t> after_ingress_ms = std::vector<std::int32_t>(count, -1);
};

/// Which run the sink is currently filling; older runs' late messages are counted as stale.
struct sink_target {
    std::atomic<run_stats*> current{nullptr};
    std::atomic<std::size_t> stale{0};
    std::atomic<std::size_t> foreign{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> ready{false};

    // Sink thread.
    void record(std::string_view payload, std::int64_t received, int headers, bool headers_ok,
                std::int64_t after_ingress_ms = -1) {
        if (payload.size() < stamp_bytes) {
            foreign.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        std::uint32_t magic, run;
        std::uint64_t seq;
        std::int64_t sent;
        std::memcpy(&magic, payload.data(), 4);
        std::memcpy(&run, payload.data() + 4, 4);
        std::memcpy(&seq, payload.data() + 8, 8);
        std::memcpy(&sent, payload.data() + 16, 8);
        run_stats* s = current.load(std::memory_order_acquire);
        if (magic != payload_magic) {
            foreign.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (s == nullptr || run != s->run || seq >= s->count) {
            stale.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (s->latency_ns[seq] >= 0) {
            s->duplicates.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        s->latency_ns[seq] = received - sent;
        s->after_ingress_ms[seq] = static_cast<std::int32_t>(after_ingress_ms);
        if (s->first_ns.load(std::memory_order_relaxed) == 0) s->first_ns.store(received);
        s->last_ns.store(received, std::memory_order_relaxed);
        if (s->headers.load(std::memory_order_relaxed) < 0) s->headers.store(headers);
        if (!headers_ok) s->headers_ok.store(false, std::memory_order_relaxed);
        s->distinct.fetch_add(1, std::memory_order_release);
    }
};

struct percentiles {
    double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
    double after_ingress_p50_ms = -1;
};

percentiles latency_of(const run_stats& s) {
    std::vector<std::int64_t> v;
    v.reserve(s.count);
    for (auto x : s.latency_ns)
        if (x >= 0) v.push_back(x);
    percentiles p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        std::size_t i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
        return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1000.0;
    };
    p.p50_us = at(0.50);
    p.p99_us = at(0.99);
    p.p999_us = at(0.999);
    p.max_us = static_cast<double>(v.back()) / 1000.0;
    std::vector<std::int32_t> a;
    for (auto x : s.after_ingress_ms)
        if (x >= 0) a.push_back(x);
    if (!a.empty()) {
        std::sort(a.begin(), a.end());
        p.after_ingress_p50_ms = a[a.size() / 2];
    }
    return p;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string json_list(const std::vector<double>& v) {
    std::string j = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) j += ',';
        j += std::to_string(static_cast<long long>(v[i]));
    }
    return j + "]";
}

// --- Kafka helpers -------------------------------------------------------------------------------

rd_kafka_conf_t* kafka_conf(const std::string& bootstrap,
                            const std::vector<std::pair<std::string, std::string>>& props) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    auto set = [&](const std::string& k, const std::string& v) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
            die("librdkafka property " + k + ": " + err);
    };
    set("bootstrap.servers", bootstrap);
    set("log_level", "3");
    for (const auto& [k, v] : props) set(k, v);
    return conf;
}

int partition_count(rd_kafka_t* rk, const std::string& topic) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    int n = -1;
    for (int attempt = 0; attempt < 50 && n <= 0; ++attempt) {
        if (rd_kafka_metadata(rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == 0) n = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
        }
        if (n <= 0) std::this_thread::sleep_for(100ms);
    }
    rd_kafka_topic_destroy(t);
    if (n <= 0) die("no metadata for topic " + topic);
    return n;
}

/// Sum of the high watermarks of `topic` (how many records it holds); -1 on error.
long long high_watermarks(rd_kafka_t* rk, const std::string& topic, int partitions) {
    long long sum = 0;
    for (int p = 0; p < partitions; ++p) {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 2000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
            return -1;
        sum += hi;
    }
    return sum;
}

/// A librdkafka consumer of every partition of `topic`, from the current end, feeding a
/// sink_target. Runs on its own thread.
class kafka_sink {
public:
    /// Starts at the end of every partition, or at the beginning (`from_beginning`: a recount).
    kafka_sink(const std::string& bootstrap, const std::string& topic, sink_target& target,
               bool from_beginning = false)
        : target_(target), topic_(topic) {
        // Small fetch waits: latency is measured here, and the default (500 ms) would dominate.
        // An offset out of range (seen once after a mock broker came back) re-reads from the
        // start rather than skipping to the end: counting is by distinct sequence number.
        rd_kafka_conf_t* conf = kafka_conf(bootstrap, {{"group.id", "flowbridge-e2e-bench"},
                                                       {"enable.auto.commit", "false"},
                                                       {"fetch.wait.max.ms", "5"},
                                                       {"fetch.error.backoff.ms", "5"},
                                                       {"auto.offset.reset", "earliest"},
                                                       {"enable.partition.eof", "false"}});
        char err[512];
        rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        if (rk_ == nullptr) die(std::string("consumer: ") + err);
        partitions_ = partition_count(rk_, topic);
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions_);
        for (int p = 0; p < partitions_; ++p) {
            int64_t lo = 0, hi = 0;
            if (rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &lo, &hi, 5000) != 0)
                die("consumer: watermarks of " + topic);
            rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = from_beginning ? lo : hi;
        }
        if (rd_kafka_assign(rk_, list) != 0) die("consumer: assign");
        rd_kafka_topic_partition_list_destroy(list);
        queue_ = rd_kafka_queue_get_consumer(rk_);
        thread_ = std::thread([this] { run(); });
    }
    ~kafka_sink() {
        target_.stop.store(true);
        thread_.join();
        rd_kafka_queue_destroy(queue_);
        rd_kafka_consumer_close(rk_);
        rd_kafka_destroy(rk_);
    }
    int partitions() const { return partitions_; }

private:
    void run() {
        const auto expected = expected_headers();
        std::vector<rd_kafka_message_t*> batch(1024);
        target_.ready.store(true);
        while (!target_.stop.load(std::memory_order_relaxed)) {
            // consume_batch_queue waits for a full batch or its timeout: block on the first
            // message only, then take what is already there.
            batch[0] = rd_kafka_consume_queue(queue_, 100);
            if (batch[0] == nullptr) continue;
            ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, batch.data() + 1, batch.size() - 1);
            n = n < 0 ? 1 : n + 1;
            const std::int64_t t = now_ns();
            for (ssize_t i = 0; i < n; ++i) {
                rd_kafka_message_t* m = batch[static_cast<std::size_t>(i)];
                if (m->err == 0) {
                    rd_kafka_headers_t* h = nullptr;
                    int count = 0;
                    bool ok = true;
                    if (rd_kafka_message_headers(m, &h) == 0 && h != nullptr) {
                        count = static_cast<int>(rd_kafka_header_cnt(h));
                        // Check names and values of the first run message only (cheap enough).
                        run_stats* s = target_.current.load(std::memory_order_relaxed);
                        if (s != nullptr && s->headers.load(std::memory_order_relaxed) < 0) {
                            ok = count == static_cast<int>(expected.size());
                            for (std::size_t k = 0; ok && k < expected.size(); ++k) {
                                const void* v = nullptr;
                                size_t vs = 0;
                                ok = rd_kafka_header_get_last(h, expected[k].first.c_str(), &v,
                                                              &vs) == 0 &&
                                     std::string_view(static_cast<const char*>(v), vs) ==
                                         expected[k].second;
                            }
                        }
                    }
                    rd_kafka_timestamp_type_t tt;
                    const std::int64_t created = rd_kafka_message_timestamp(m, &tt);
                    target_.record(std::string_view(static_cast<const char*>(m->payload), m->len),
                                   t, count, ok, wall_ms() - created);
                }
                rd_kafka_message_destroy(m);
            }
        }
    }

    sink_target& target_;
    std::string topic_;
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_queue_t* queue_ = nullptr;
    int partitions_ = 0;
    std::thread thread_;
};

/// Our MQTT client subscribing (the mosquitto → subscriber ceiling). Own thread and loop.
class mqtt_sink {
public:
    mqtt_sink(std::uint16_t port, const std::string& filter, qos q, std::uint16_t receive_maximum,
              sink_target& target)
        : target_(target) {
        thread_ = std::thread([=, this] { run(port, filter, q, receive_maximum); });
        while (!target_.ready.load()) std::this_thread::sleep_for(1ms);
    }
    ~mqtt_sink() {
        target_.stop.store(true);
        thread_.join();
    }

private:
    void run(std::uint16_t port, std::string filter, qos q, std::uint16_t rm) {
        mqtt::event_loop loop;
        mqtt::session_options o;
        o.port = port;
        o.client_id = "e2e-ceiling-sub";
        o.clean_start = true;
        o.session_expiry_seconds = 0;
        o.receive_maximum = rm;
        o.subscriptions.push_back(mqtt::subscription_options{filter, q});
        bool subscribed = false;
        mqtt::session s(loop, o, nullptr, [&](const mqtt::session_event& e) {
            if (e.what == mqtt::session_event::kind::subscribed) subscribed = true;
        });
        s.start();
        const auto until = steady::now() + 10s;
        while (!subscribed && steady::now() < until) loop.run_one_for(1ms);
        if (!subscribed) die("ceiling subscriber could not subscribe");
        target_.ready.store(true);
        mqtt_message burst[64];
        std::size_t idle = 0;
        while (!target_.stop.load(std::memory_order_relaxed)) {
            loop.poll();
            std::size_t n = 0;
            while (n < 64 && s.take(burst[n])) ++n;
            const std::int64_t t = n ? now_ns() : 0;
            for (std::size_t i = 0; i < n; ++i) {
                target_.record(burst[i].payload, t, 5, true);
                s.complete(burst[i].tag, true);
            }
            if (n == 0 && ++idle > 64) {
                loop.run_one_for(200us);
                idle = 0;
            }
        }
        s.stop();
        const auto stop_until = steady::now() + 2s;
        while (s.state() != mqtt::session_state::stopped && steady::now() < stop_until)
            loop.run_one_for(1ms);
    }

    sink_target& target_;
    std::thread thread_;
};

// --- the publisher -------------------------------------------------------------------------------

struct completion_counter : mqtt::publish_listener {
    std::size_t done = 0, failed = 0;
    void on_publish_complete(std::uint64_t, mqtt_reason r) noexcept override {
        ++done;
        if (r != mqtt_reason::success) ++failed;
    }
};

/// A publisher on its own loop (the calling thread), QoS 0 or 1, with a bounded number of
/// publishes not yet completed (written for QoS 0, PUBACKed for QoS 1).
class publisher {
public:
    publisher(std::uint16_t port, const std::string& client_id, qos q, std::size_t window,
              message_shape& shape)
        : q_(q), window_(window), shape_(shape) {
        mqtt::session_options o;
        o.port = port;
        o.client_id = client_id;
        o.clean_start = true;
        o.session_expiry_seconds = 0;
        o.publish_window = static_cast<std::uint16_t>(std::min<std::size_t>(window, 65535));
        session_ = std::make_unique<mqtt::session>(loop_, o, &done_, [this](const mqtt::session_event& e) {
            if (e.what == mqtt::session_event::kind::connected) connected_ = true;
        });
        session_->start();
        const auto until = steady::now() + 10s;
        while (!connected_ && steady::now() < until) loop_.run_one_for(1ms);
        if (!connected_) die("publisher could not connect to port " + std::to_string(port));
    }
    ~publisher() {
        session_->stop();
        const auto until = steady::now() + 2s;
        while (session_->state() != mqtt::session_state::stopped && steady::now() < until)
            loop_.run_one_for(1ms);
    }

    /// Publishes `n` messages of run `run`, as fast as the window allows (rate 0) or paced at
    /// `rate` messages/s. Returns the stamp of the first send.
    std::int64_t publish(std::uint32_t run, std::size_t n, double rate) {
        std::size_t sent = 0;
        const std::int64_t start = now_ns();
        const std::size_t base = done_.done;
        const mqtt::publish_packet templ = shape_.packet(q_);
        while (sent < n) {
            std::size_t allowed = n;
            if (rate > 0) {
                const double due = static_cast<double>(now_ns() - start) * rate / 1e9;
                allowed = std::min(n, static_cast<std::size_t>(due) + 1);
            }
            std::size_t burst = 0;
            while (sent < allowed && burst < 256 && sent - (done_.done - base) < window_) {
                shape_.stamp(run, sent, now_ns());
                mqtt::publish_packet p = templ;
                p.payload = shape_.payload;
                const auto st = session_->publish(p, sent);
                if (st == mqtt::publish_status::window_full) break;
                if (st != mqtt::publish_status::accepted) die("publish refused");
                ++sent;
                ++burst;
            }
            if (burst == 0) {
                loop_.run_one_for(rate > 0 ? 100us : 1ms);
            } else {
                loop_.poll();
            }
        }
        // Let the last ones complete (written / acknowledged by the broker).
        const auto until = steady::now() + 30s;
        while (done_.done - base < n && steady::now() < until) loop_.run_one_for(1ms);
        if (done_.failed != 0) die("publishes failed: " + std::to_string(done_.failed));
        return start;
    }
    void idle(std::chrono::milliseconds d) {
        const auto until = steady::now() + d;
        while (steady::now() < until) loop_.run_one_for(1ms);
    }

private:
    qos q_;
    std::size_t window_;
    message_shape& shape_;
    mqtt::event_loop loop_;
    completion_counter done_;
    std::unique_ptr<mqtt::session> session_;
    bool connected_ = false;
};

/// Waits until the run has every message, or nothing new arrived for `stall`.
void wait_for(const run_stats& s, std::chrono::milliseconds stall, publisher* keep_alive = nullptr) {
    std::size_t last = 0;
    auto last_change = steady::now();
    while (s.distinct.load() < s.count) {
        if (keep_alive) {
            keep_alive->idle(2ms);
        } else {
            std::this_thread::sleep_for(2ms);
        }
        const std::size_t d = s.distinct.load();
        if (d != last) {
            last = d;
            last_change = steady::now();
        } else if (steady::now() - last_change > stall) {
            return;
        }
    }
}

std::string run_json(const char* name, const run_stats& s, std::int64_t start) {
    const percentiles p = latency_of(s);
    const std::size_t d = s.distinct.load();
    const double secs = s.last_ns.load() > start ? static_cast<double>(s.last_ns.load() - start) / 1e9 : 0;
    char b[1024];
    std::snprintf(b, sizeof b,
                  "\"%s\":{\"sent\":%zu,\"distinct\":%zu,\"duplicates\":%zu,\"seconds\":%.4f,"
                  "\"msgs_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
                  "\"max_us\":%.1f,\"after_ingress_p50_ms\":%.0f,\"headers\":%d,\"headers_ok\":%s}",
                  name, s.count, d, s.duplicates.load(), secs, secs > 0 ? static_cast<double>(d) / secs : 0,
                  p.p50_us, p.p99_us, p.p999_us, p.max_us, p.after_ingress_p50_ms, s.headers.load(),
                  s.headers_ok.load() ? "true" : "false");
    return b;
}

/// Warm-up, then a throughput run (unpaced), then a latency run (paced), through whatever sink
/// is attached to `target`.
std::string measure(publisher& pub, sink_target& target, const options& o) {
    const std::size_t warmup = static_cast<std::size_t>(o.num("warmup", 5000));
    const std::size_t count = static_cast<std::size_t>(o.num("count", 100000));
    const std::size_t paced = static_cast<std::size_t>(o.num("paced-count", 10000));
    const double rate = static_cast<double>(o.num("paced-rate", 5000));
    std::vector<std::unique_ptr<run_stats>> runs;
    auto begin = [&](std::uint32_t id, std::size_t n) {
        runs.push_back(std::make_unique<run_stats>(id, n));
        target.current.store(runs.back().get(), std::memory_order_release);
        return runs.back().get();
    };
    run_stats* w = begin(1, warmup);
    pub.publish(1, warmup, 0);
    wait_for(*w, 15s, &pub);
    if (w->distinct.load() != warmup)
        note("warm-up: only " + std::to_string(w->distinct.load()) + " of " + std::to_string(warmup));
    pub.idle(200ms);

    run_stats* t = begin(2, count);
    const std::int64_t t_start = pub.publish(2, count, 0);
    wait_for(*t, 15s, &pub);
    pub.idle(300ms);

    run_stats* l = begin(3, paced);
    const std::int64_t l_start = pub.publish(3, paced, rate);
    wait_for(*l, 15s, &pub);

    std::string out = "{" + run_json("throughput", *t, t_start) + "," + run_json("paced", *l, l_start);
    out += ",\"paced_rate\":" + std::to_string(static_cast<long long>(rate));
    out += ",\"stale\":" + std::to_string(target.stale.load());
    out += ",\"foreign\":" + std::to_string(target.foreign.load()) + "}";
    return out;
}

qos qos_of(const options& o) { return o.num("qos", 1) == 0 ? qos::at_most_once : qos::at_least_once; }

// --- roles ---------------------------------------------------------------------------------------

int cmd_free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    std::printf("%u\n", ntohs(a.sin_port));
    ::close(fd);
    return 0;
}

int cmd_mqtt_ceiling(const options& o) {
    const auto port = static_cast<std::uint16_t>(std::stoi(o.need("port")));
    const qos q = qos_of(o);
    message_shape shape(static_cast<std::size_t>(o.num("payload", 100)), "ceiling/t");
    sink_target target;
    mqtt_sink sink(port, "ceiling/t", q, static_cast<std::uint16_t>(o.num("receive-maximum", 1000)),
                   target);
    publisher pub(port, "e2e-ceiling-pub", q, static_cast<std::size_t>(o.num("window", 1000)), shape);
    std::printf("%s\n", measure(pub, target, o).c_str());
    return 0;
}

int cmd_e2e(const options& o) {
    const auto port = static_cast<std::uint16_t>(std::stoi(o.need("port")));
    const qos q = qos_of(o);
    message_shape shape(static_cast<std::size_t>(o.num("payload", 100)), o.str("mqtt-topic", "e2e/dev1/t"));
    sink_target target;
    kafka_sink sink(o.need("bootstrap"), o.need("topic"), target);
    while (!target.ready.load()) std::this_thread::sleep_for(1ms);
    publisher pub(port, "e2e-pub", q, static_cast<std::size_t>(o.num("window", 1000)), shape);
    std::printf("%s\n", measure(pub, target, o).c_str());
    return 0;
}

int cmd_kafka_raw(const options& o) {
    const std::string topic = o.need("topic");
    const std::size_t count = static_cast<std::size_t>(o.num("count", 100000));
    const std::size_t warmup = static_cast<std::size_t>(o.num("warmup", 5000));
    message_shape shape(static_cast<std::size_t>(o.num("payload", 100)), topic);
    struct counts {
        std::atomic<std::size_t> reports{0}, failures{0};
        std::int64_t last_ns = 0;
        std::vector<std::uint8_t> in_flight;  // per --distinct-payloads slot
    } c;
    rd_kafka_conf_t* conf = kafka_conf(o.need("bootstrap"), o.properties);
    rd_kafka_conf_set_opaque(conf, &c);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* op) {
        auto* k = static_cast<counts*>(op);
        k->reports.fetch_add(1, std::memory_order_relaxed);
        if (m->err) k->failures.fetch_add(1, std::memory_order_relaxed);
        if (m->_private != nullptr) k->in_flight[reinterpret_cast<std::uintptr_t>(m->_private) - 1] = 0;
        k->last_ns = now_ns();
    });
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) die(std::string("producer: ") + err);
    const int partitions = partition_count(rk, topic);
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const auto headers = expected_headers();
    const std::size_t per_partition = partition_turn(o, shape.payload.size(), headers);
    // Throughput runs: no copy (librdkafka points at the payload, which stays unchanged until the
    // last delivery report), like flowbridge's transport and bench/kafka_bench.cc.
    const std::size_t poll_every = static_cast<std::size_t>(std::max<long long>(1, o.num("poll-every", 64)));
    // --distinct-payloads N: every record gets its own value bytes, stamped with its own sequence
    // number, from a ring of N copies (a slot is reused only once its record's delivery report
    // came back) — records as distinct in memory as the ones flowbridge produces from its
    // receive buffers. 0 (the default): one buffer, stamped once per run, for every record.
    const std::size_t distinct = static_cast<std::size_t>(o.num("distinct-payloads", 0));
    const std::size_t value_size = shape.payload.size();
    std::vector<char> ring(distinct * value_size);
    for (std::size_t k = 0; k < distinct; ++k) {
        std::memcpy(ring.data() + k * value_size, shape.payload.data(), value_size);
    }
    c.in_flight.assign(distinct, 0);
    std::size_t produced = 0;
    auto produce = [&](std::uint32_t run, std::size_t n) {
        const std::size_t target = c.reports.load() + n;
        const std::int64_t start = now_ns();
        shape.stamp(run, 0, start);
        for (std::size_t i = 0; i < n; ++i) {
            const char* value = shape.payload.data();
            void* opaque = nullptr;
            if (distinct != 0) {
                const std::size_t k = produced % distinct;
                while (c.in_flight[k] != 0) rd_kafka_poll(rk, 1);
                c.in_flight[k] = 1;
                char* slot = ring.data() + k * value_size;
                std::memcpy(slot + 4, &run, 4);
                std::memcpy(slot + 8, &i, 8);
                value = slot;
                opaque = reinterpret_cast<void*>(static_cast<std::uintptr_t>(k + 1));
            }
            ++produced;
            rd_kafka_headers_t* h = kafka_headers(headers);
            const auto part = static_cast<std::int32_t>((i / per_partition) % static_cast<std::size_t>(partitions));
            for (;;) {
                const auto e = rd_kafka_producev(
                    rk, RD_KAFKA_V_RKT(t), RD_KAFKA_V_PARTITION(part),
                    RD_KAFKA_V_VALUE(const_cast<char*>(value), value_size),
                    RD_KAFKA_V_OPAQUE(opaque),
                    RD_KAFKA_V_TIMESTAMP(1'700'000'000'000 + static_cast<std::int64_t>(i)),
                    RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
                if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
                if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("produce: ") + rd_kafka_err2str(e));
                rd_kafka_poll(rk, 1);
            }
            // Delivery reports are served every `poll_every` records (flowbridge's shard polls
            // once per burst of up to 64 messages).
            if ((i + 1) % poll_every == 0) rd_kafka_poll(rk, 0);
        }
        while (c.reports.load() < target) rd_kafka_poll(rk, 1);
        return start;
    };
    produce(1, warmup);
    // `repeat` measured runs back to back; the median is the result (single runs on a shared
    // 2-vCPU machine vary by ±30 %).
    const int repeat = static_cast<int>(o.num("repeat", 1));
    std::vector<double> rates;
    double secs = 0;
    for (int rep = 0; rep < repeat; ++rep) {
        const std::int64_t start = produce(static_cast<std::uint32_t>(2 + rep), count);
        secs = static_cast<double>(c.last_ns - start) / 1e9;
        rates.push_back(static_cast<double>(count) / secs);
    }
    // Optional: latency of raw producing at a paced rate, through the same consumer as e2e.
    std::string paced_json;
    if (const auto paced = static_cast<std::size_t>(o.num("paced-count", 0)); paced > 0) {
        const double rate = static_cast<double>(o.num("paced-rate", 5000));
        sink_target target;
        kafka_sink sink(o.need("bootstrap"), topic, target);
        while (!target.ready.load()) std::this_thread::sleep_for(1ms);
        run_stats r(3, paced);
        target.current.store(&r);
        const std::int64_t t0 = now_ns();
        for (std::size_t i = 0; i < paced;) {
            const auto due = static_cast<std::size_t>(static_cast<double>(now_ns() - t0) * rate / 1e9) + 1;
            if (i >= due) {
                rd_kafka_poll(rk, 0);
                std::this_thread::sleep_for(100us);
                continue;
            }
            const std::size_t n = std::min(paced, due) - i;
            // Produce one message at a time through the same path (headers, stamp).
            for (std::size_t k = 0; k < n; ++k, ++i) {
                shape.stamp(3, i, now_ns());
                rd_kafka_headers_t* h = kafka_headers(headers);
                (void)rd_kafka_producev(rk, RD_KAFKA_V_RKT(t),
                                        RD_KAFKA_V_PARTITION(static_cast<std::int32_t>((i / per_partition) % static_cast<std::size_t>(partitions))),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_VALUE(shape.payload.data(), shape.payload.size()),
                                        RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
            }
            rd_kafka_poll(rk, 0);
        }
        wait_for(r, 15s);
        paced_json = "," + run_json("paced", r, t0);
    }
    std::printf("{\"sent\":%zu,\"failures\":%zu,\"seconds\":%.4f,\"msgs_per_s\":%.0f,\"runs\":%s,"
                "\"partitions\":%d,\"headers\":%zu,\"records_per_partition_turn\":%zu%s}\n",
                count, c.failures.load(), secs, median(rates), json_list(rates).c_str(), partitions,
                headers.size(), per_partition, paced_json.c_str());
    rd_kafka_topic_destroy(t);
    rd_kafka_flush(rk, 10000);
    rd_kafka_destroy(rk);
    return c.failures.load() == 0 ? 0 : 1;
}

// --- the line-rate MQTT source -------------------------------------------------------------------

/// A minimal MQTT v5 server for `subscribers` clients at a time: CONNACK (Session Present when the
/// client id connected before without Clean Start), SUBACK, then PUBLISHes as fast as the sockets
/// take them. With more than one subscriber the stream is split between them like a broker splits
/// a shared subscription (flowbridge's shards: `flowbridge.io/shards`): by `split`. QoS 1: at most the client's Receive Maximum unacknowledged per connection
/// (MQTT v5 §3.3.4); PUBACKs are counted. PINGREQ is answered. Anything else is ignored.
class line_rate_source {
public:
    /// How a stream is split between the connections: `even` gives each connection every N-th
    /// message (a broker's round robin); `available` hands the next messages to whichever
    /// connection's socket has room (a broker that delivers a shared subscription's message to a
    /// member able to take it, MQTT v5 §4.8.2).
    enum class split { even, available };

    line_rate_source(message_shape& shape, qos q, std::size_t subscribers, split how)
        : shape_(shape), q_(q), conns_(std::max<std::size_t>(1, subscribers)), split_(how) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
        ::listen(listen_fd_, 16);
        socklen_t len = sizeof a;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        // One pre-encoded PUBLISH; packet id and payload stamp are patched per copy.
        mqtt::publish_packet p = shape_.packet(q_);
        if (q_ != qos::at_most_once) p.packet_id = 1;
        if (mqtt::encode(p, templ_) != mqtt_reason::success) die("encode PUBLISH");
        std::size_t i = 1;
        while (static_cast<unsigned char>(templ_[i]) & 0x80) ++i;
        const std::size_t header = i + 1;
        id_offset_ = header + 2 + shape_.topic.size();
        payload_offset_ = templ_.size() - shape_.payload.size();
    }
    std::uint16_t port() const { return port_; }
    std::size_t packet_size() const { return templ_.size(); }

    /// Accepts (or keeps) connections until every expected client subscribed (or resumed its
    /// session).
    void await_subscriber() {
        for (;;) {
            bool all = true;
            for (const connection& c : conns_) all = all && c.streaming;
            if (all) return;
            for (connection& c : conns_)
                if (c.fd < 0) {
                    accept_one(c);
                    break;
                }
            for (connection& c : conns_)
                if (c.fd >= 0 && !pump_reads(c, 50)) close_connection(c);
        }
    }

    /// Streams `n` messages of run `run`, split between the connections; returns when all are
    /// written (QoS 0) or acknowledged (QoS 1).
    void stream(std::uint32_t run, std::size_t n) {
        const std::size_t ways = conns_.size();
        std::vector<pollfd> polls(ways);
        for (std::size_t k = 0; k < ways; ++k) {
            connection& c = conns_[k];
            c.share = split_ == split::even ? n / ways + (k < n % ways ? 1 : 0) : 0;
            c.written = 0;
            c.acked_base = c.acked;
            c.buf.clear();
            c.buf.reserve(templ_.size() * 512);
            c.buf_pos = 0;
        }
        // Split `available`: the messages not yet handed to any connection, taken by whichever
        // connection's socket has room first.
        std::size_t pool = split_ == split::even ? 0 : n, next_seq = 0;
        auto busy = [&](const connection& c) {
            return (q_ != qos::at_most_once && c.acked - c.acked_base < c.written) || c.written < c.share ||
                   c.buf_pos < c.buf.size() || pool > 0;
        };
        for (;;) {
            bool any = false;
            for (std::size_t k = 0; k < ways; ++k) {
                connection& c = conns_[k];
                polls[k] = pollfd{-1, 0, 0};
                if (!busy(c)) continue;
                any = true;
                if (c.fd < 0) die("line-rate source: connection lost while streaming");
                if (c.buf_pos == c.buf.size()) {
                    if (split_ == split::even && c.written < c.share) {
                        refill(c, run, (c.written * ways) + k, ways, c.share - c.written);
                    } else if (pool > 0) {
                        const std::size_t took = refill(c, run, next_seq, 1, pool);
                        pool -= took;
                        next_seq += took;
                    }
                }
                polls[k] = pollfd{c.fd, static_cast<short>(POLLIN | (c.buf_pos < c.buf.size() ? POLLOUT : 0)), 0};
            }
            if (!any) return;
            ::poll(polls.data(), polls.size(), 100);
            for (std::size_t k = 0; k < ways; ++k) {
                connection& c = conns_[k];
                const short ev = polls[k].revents;
                if (polls[k].fd < 0 || c.fd < 0) continue;
                if (ev & POLLOUT) {
                    const ssize_t w = ::send(c.fd, c.buf.data() + c.buf_pos, c.buf.size() - c.buf_pos, MSG_NOSIGNAL);
                    if (w > 0) c.buf_pos += static_cast<std::size_t>(w);
                    else if (w < 0 && errno != EAGAIN && errno != EINTR) close_connection(c);
                }
                if (c.fd >= 0 && (ev & (POLLIN | POLLHUP | POLLERR)) && !pump_reads(c, 0)) close_connection(c);
            }
        }
    }
    std::size_t acked() const {
        std::size_t n = 0;
        for (const connection& c : conns_) n += c.acked;
        return n;
    }
    /// Answers PINGREQs and takes PUBACKs for `d` (keeps the clients happy between runs).
    void serve(std::chrono::milliseconds d) {
        const auto until = steady::now() + d;
        while (steady::now() < until) {
            std::vector<pollfd> polls;
            for (const connection& c : conns_)
                if (c.fd >= 0) polls.push_back(pollfd{c.fd, POLLIN, 0});
            if (polls.empty()) return;
            ::poll(polls.data(), polls.size(), 5);
            for (connection& c : conns_)
                if (c.fd >= 0 && !pump_reads(c, 0)) close_connection(c);
        }
    }

private:
    struct connection {
        int fd = -1;
        std::string in;
        std::size_t receive_maximum = 65535;
        std::uint16_t next_id = 0;
        std::size_t acked = 0;
        bool streaming = false;
        // The current stream() call.
        std::size_t share = 0, written = 0, acked_base = 0;
        std::string buf;
        std::size_t buf_pos = 0;
    };

    // Up to 512 more PUBLISHes for `c`, at most `left`, within its window; the i-th of them
    // carries sequence number `first_seq + i * stride` (distinct over all connections). Returns how
    // many it wrote.
    std::size_t refill(connection& c, std::uint32_t run, std::size_t first_seq, std::size_t stride,
                       std::size_t left) {
        c.buf.clear();
        c.buf_pos = 0;
        const std::size_t in_flight = c.written - (c.acked - c.acked_base);
        std::size_t room = left;
        if (q_ != qos::at_most_once)
            room = std::min(room, c.receive_maximum > in_flight ? c.receive_maximum - in_flight : 0);
        room = std::min<std::size_t>(room, 512);
        const std::int64_t t = now_ns();
        for (std::size_t i = 0; i < room; ++i) {
            const std::size_t at = c.buf.size();
            c.buf.append(templ_);
            if (q_ != qos::at_most_once) {
                c.next_id = c.next_id == 65535 ? 1 : c.next_id + 1;
                c.buf[at + id_offset_] = static_cast<char>(c.next_id >> 8);
                c.buf[at + id_offset_ + 1] = static_cast<char>(c.next_id & 0xff);
            }
            const std::uint64_t seq = first_seq + i * stride;
            std::memcpy(c.buf.data() + at + payload_offset_, &payload_magic, 4);
            std::memcpy(c.buf.data() + at + payload_offset_ + 4, &run, 4);
            std::memcpy(c.buf.data() + at + payload_offset_ + 8, &seq, 8);
            std::memcpy(c.buf.data() + at + payload_offset_ + 16, &t, 8);
        }
        c.written += room;
        return room;
    }
    void accept_one(connection& c) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) return;
        c.fd = ::accept(listen_fd_, nullptr, nullptr);
        if (c.fd < 0) return;
        int one = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        c.in.clear();
    }
    static void close_connection(connection& c) {
        if (c.fd >= 0) ::close(c.fd);
        c.fd = -1;
        c.streaming = false;
    }
    static void send_all(connection& c, const std::string& bytes) {
        std::size_t pos = 0;
        while (pos < bytes.size() && c.fd >= 0) {
            const ssize_t w = ::send(c.fd, bytes.data() + pos, bytes.size() - pos, MSG_NOSIGNAL);
            if (w > 0) {
                pos += static_cast<std::size_t>(w);
            } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
                pollfd p{c.fd, POLLOUT, 0};
                ::poll(&p, 1, 100);
            } else {
                close_connection(c);
            }
        }
    }
    // Reads what is there (waiting up to `timeout_ms` for the first byte) and handles every whole
    // packet. False when the connection ended.
    bool pump_reads(connection& c, int timeout_ms) {
        if (c.fd < 0) return true;
        pollfd p{c.fd, POLLIN, 0};
        if (timeout_ms > 0 && ::poll(&p, 1, timeout_ms) <= 0) return true;
        char tmp[65536];
        for (;;) {
            const ssize_t r = ::recv(c.fd, tmp, sizeof tmp, 0);
            if (r == 0) return false;
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR) break;
                return false;
            }
            c.in.append(tmp, static_cast<std::size_t>(r));
            if (static_cast<std::size_t>(r) < sizeof tmp) break;
        }
        std::size_t pos = 0;
        for (;;) {
            // Fast path: a short-form PUBACK (MQTT v5 §3.4.2.1, what flowbridge sends) is 4 bytes.
            while (c.in.size() - pos >= 4 && c.in[pos] == 0x40 && c.in[pos + 1] == 0x02) {
                ++c.acked;
                pos += 4;
            }
            const std::string_view avail(c.in.data() + pos, c.in.size() - pos);
            const mqtt::frame f = mqtt::frame_packet(avail);
            if (f.status == mqtt::frame_status::incomplete || avail.empty()) break;
            if (f.status != mqtt::frame_status::complete) return false;
            handle(c, f, avail.substr(0, f.size));
            pos += f.size;
            if (c.fd < 0) return false;
        }
        c.in.erase(0, pos);
        return true;
    }
    void handle(connection& c, const mqtt::frame& f, std::string_view packet) {
        std::string out;
        switch (f.type) {
            case mqtt::packet_type::connect: {
                mqtt::connect_packet p;
                if (mqtt::decode_connect(packet, p) != mqtt_reason::success) die("bad CONNECT");
                c.receive_maximum = p.receive_maximum.value_or(65535);
                const std::string id(p.client_id);
                const bool present = !p.clean_start && known_clients_.count(id) != 0;
                known_clients_[id] = true;
                mqtt::connack_packet a;
                a.session_present = present;
                a.topic_alias_maximum = 0;
                (void)mqtt::encode(a, out);
                send_all(c, out);
                if (present) c.streaming = true;  // MQTT v5 §3.2.2.1.1: subscriptions kept
                note("line-rate source: client '" + id + "' connected, Receive Maximum " +
                     std::to_string(c.receive_maximum) + (present ? ", session present" : ""));
                break;
            }
            case mqtt::packet_type::subscribe: {
                mqtt::subscribe_packet s;
                if (mqtt::decode_subscribe(packet, s) != mqtt_reason::success) die("bad SUBSCRIBE");
                mqtt::suback_packet a;
                a.packet_id = s.packet_id;
                for (const auto& sub : s.subscriptions)
                    a.reason_codes.push_back(static_cast<mqtt_reason>(std::min(sub.maximum_qos, q_)));
                (void)mqtt::encode(a, out);
                send_all(c, out);
                c.streaming = true;
                break;
            }
            case mqtt::packet_type::puback: ++c.acked; break;
            case mqtt::packet_type::pingreq: {
                (void)mqtt::encode(mqtt::pingresp_packet{}, out);
                send_all(c, out);
                break;
            }
            case mqtt::packet_type::disconnect: close_connection(c); break;
            default: break;
        }
    }

    message_shape& shape_;
    qos q_;
    std::vector<connection> conns_;
    split split_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::string templ_;
    std::size_t id_offset_ = 0, payload_offset_ = 0;
    std::map<std::string, bool> known_clients_;
};

std::int64_t process_cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// CPU ticks per thread name of process `pid` (/proc/PID/task/*/stat: utime + stime).
std::map<std::string, long long> thread_ticks(int pid) {
    std::map<std::string, long long> out;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    for (int tid_pass = 0; tid_pass < 1; ++tid_pass) {
        FILE* ls = ::popen(("ls " + dir + " 2>/dev/null").c_str(), "r");
        if (!ls) return out;
        char tid[32];
        while (std::fscanf(ls, "%31s", tid) == 1) {
            std::ifstream in(dir + "/" + tid + "/stat");
            std::string line;
            if (!std::getline(in, line)) continue;
            const auto l = line.find('('), r = line.rfind(')');
            if (l == std::string::npos || r == std::string::npos) continue;
            const std::string name = line.substr(l + 1, r - l - 1);
            std::istringstream rest(line.substr(r + 2));
            std::string field;
            long long utime = 0, stime = 0;
            for (int i = 3; i <= 15 && rest >> field; ++i) {
                if (i == 14) utime = std::stoll(field);
                if (i == 15) stime = std::stoll(field);
            }
            out[name] += utime + stime;
        }
        ::pclose(ls);
    }
    return out;
}

std::string thread_cpu_json(const std::map<std::string, long long>& before,
                             const std::map<std::string, long long>& after, double seconds) {
    std::string j = "{";
    const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (const auto& [name, t] : after) {
        const auto it = before.find(name);
        const double d = static_cast<double>(t - (it == before.end() ? 0 : it->second)) / hz;
        if (d <= 0) continue;
        char b[128];
        std::snprintf(b, sizeof b, "%s\"%s\":%.0f", j.size() > 1 ? "," : "", name.c_str(), 100 * d / seconds);
        j += b;
    }
    return j + "}";
}

int cmd_mqtt_source(const options& o) {
    const qos q = qos_of(o);
    const std::string topic = o.need("topic");
    const std::size_t count = static_cast<std::size_t>(o.num("count", 1'000'000));
    const std::size_t warmup = static_cast<std::size_t>(o.num("warmup", 20000));
    message_shape shape(static_cast<std::size_t>(o.num("payload", 100)), o.str("mqtt-topic", "e2e/dev1/t"));
    const std::string how = o.str("split", "available");
    if (how != "even" && how != "available") die("--split: even or available");
    line_rate_source source(shape, q, static_cast<std::size_t>(o.num("subscribers", 1)),
                            how == "even" ? line_rate_source::split::even
                                          : line_rate_source::split::available);
    // The contract with the script: the port is the first line on stdout.
    std::printf("%u\n", source.port());
    std::fflush(stdout);

    rd_kafka_conf_t* conf = kafka_conf(o.need("bootstrap"), {});
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) die(err);
    const int partitions = partition_count(rk, topic);

    // Watermark watcher: its own thread, so that the streaming thread never blocks on Kafka. It
    // asks only while `watching` (after a stream was handed over): watermark requests every 5 ms
    // during the stream would cost the measured machine ~5 % of a core (its Kafka client and the
    // mock answering them), which the raw producer it is compared with does not pay.
    std::atomic<long long> in_kafka{-1};
    std::atomic<bool> stop{false}, watching{true};
    std::thread watcher([&] {
        while (!stop.load()) {
            if (watching.load()) {
                const long long v = high_watermarks(rk, topic, partitions);
                if (v >= 0) in_kafka.store(v);
            }
            std::this_thread::sleep_for(watching.load() ? 5ms : 1ms);
        }
    });
    while (in_kafka.load() < 0) std::this_thread::sleep_for(1ms);

    source.await_subscriber();
    // Until `target` records are in Kafka; the time they were seen there (0 after `limit`).
    auto wait_kafka = [&](long long target, std::chrono::seconds limit) {
        watching.store(true);
        const auto until = steady::now() + limit;
        while (in_kafka.load() < target && steady::now() < until) source.serve(2ms);
        watching.store(false);
        return in_kafka.load() >= target ? now_ns() : 0;
    };
    long long base = in_kafka.load();
    source.stream(1, warmup);
    if (!wait_kafka(base + static_cast<long long>(warmup), 30s)) die("warm-up did not reach Kafka");
    source.serve(200ms);
    base = in_kafka.load();
    // flowbridge's pid (written by the script once it started): CPU of each of its threads
    // over the measured stream.
    int fb_pid = 0;
    if (const std::string f = o.str("fb-pid-file"); !f.empty()) std::ifstream(f) >> fb_pid;
    const auto ticks0 = fb_pid > 0 ? thread_ticks(fb_pid) : std::map<std::string, long long>{};
    const std::int64_t own_cpu0 = process_cpu_ns();
    const int repeat = static_cast<int>(o.num("repeat", 1));
    std::vector<double> rates;
    double busy_secs = 0;
    std::int64_t start = 0, streamed = 0, done = 0;
    for (int rep = 0; rep < repeat; ++rep) {
        base = in_kafka.load();
        start = now_ns();
        source.stream(static_cast<std::uint32_t>(2 + rep), count);
        streamed = now_ns();
        done = wait_kafka(base + static_cast<long long>(count), 60s);
        if (!done) break;
        busy_secs += static_cast<double>(done - start) / 1e9;
        rates.push_back(static_cast<double>(count) / (static_cast<double>(done - start) / 1e9));
        if (rep + 1 < repeat) source.serve(100ms);
    }
    const auto ticks1 = fb_pid > 0 ? thread_ticks(fb_pid) : std::map<std::string, long long>{};
    const std::int64_t own_cpu1 = process_cpu_ns();
    stop.store(true);
    watcher.join();
    const long long got = in_kafka.load() - base;
    // The watcher polls every ~5 ms: up to that much is added to the time (≤ 1 % at ≥ 0.5 s).
    const double secs = done ? static_cast<double>(done - start) / 1e9 : 0;
    // Thread CPU over all measured runs (plus the 100 ms pauses between them).
    const double cpu_secs = busy_secs + 0.1 * (repeat - 1);
    std::printf("{\"sent\":%zu,\"in_kafka\":%lld,\"seconds\":%.4f,\"msgs_per_s\":%.0f,\"runs\":%s,"
                "\"source_seconds\":%.4f,\"packet_bytes\":%zu,\"pubacks\":%zu,"
                "\"flowbridge_thread_cpu_percent\":%s,\"source_cpu_percent\":%.0f}\n",
                count, got, secs, median(rates), json_list(rates).c_str(),
                static_cast<double>(streamed - start) / 1e9, source.packet_size(), source.acked(),
                thread_cpu_json(ticks0, ticks1, cpu_secs > 0 ? cpu_secs : 1).c_str(),
                cpu_secs > 0 ? 100.0 * static_cast<double>(own_cpu1 - own_cpu0) / 1e9 / cpu_secs : 0);
    rd_kafka_destroy(rk);
    return done ? 0 : 1;
}

// --- soak: RSS during a Kafka outage -------------------------------------------------------------

long rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    return -1;
}

int cmd_soak(const options& o) {
    const auto port = static_cast<std::uint16_t>(std::stoi(o.need("port")));
    const int pid = static_cast<int>(o.num("fb-pid", 0));
    const std::string control = o.need("mock-control");
    const std::size_t count = static_cast<std::size_t>(o.num("count", 200000));
    const auto hold = std::chrono::milliseconds(o.num("hold-ms", 5000));
    const std::string csv = o.str("rss-csv", "");
    message_shape shape(static_cast<std::size_t>(o.num("payload", 100)), o.str("mqtt-topic", "e2e/dev1/t"));
    if (rss_kib(pid) < 0) die("no process " + std::to_string(pid));

    sink_target target;
    kafka_sink sink(o.need("bootstrap"), o.need("topic"), target);
    while (!target.ready.load()) std::this_thread::sleep_for(1ms);

    // RSS sampler, every 100 ms, with phase marks.
    std::atomic<bool> stop{false};
    std::atomic<int> phase{0};  // 0 before outage, 1 outage, 2 recovering
    std::mutex m;
    std::vector<std::tuple<double, long, int>> samples;
    const std::int64_t t0 = now_ns();
    std::thread sampler([&] {
        while (!stop.load()) {
            const long r = rss_kib(pid);
            {
                std::lock_guard lock(m);
                samples.emplace_back(static_cast<double>(now_ns() - t0) / 1e9, r, phase.load());
            }
            std::this_thread::sleep_for(100ms);
        }
    });
    auto command = [&](const std::string& line) {
        const int fd = ::open(control.c_str(), O_WRONLY);
        if (fd < 0) die("cannot open " + control);
        const std::string l = line + "\n";
        if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) die("write " + control);
        ::close(fd);
    };

    publisher pub(port, "e2e-soak-pub", qos::at_least_once, 1000, shape);
    std::this_thread::sleep_for(500ms);
    const long before = rss_kib(pid);
    command("down 1");
    phase.store(1);
    pub.idle(1000ms);
    auto run = std::make_unique<run_stats>(7, count);
    target.current.store(run.get());
    const std::int64_t pub_start = now_ns();
    pub.publish(7, count, 0);
    const double publish_secs = static_cast<double>(now_ns() - pub_start) / 1e9;
    pub.idle(hold);
    const std::size_t during = run->distinct.load();
    long peak_outage = 0;
    {
        std::lock_guard lock(m);
        for (auto& [t, r, ph] : samples)
            if (ph == 1) peak_outage = std::max(peak_outage, r);
    }
    command("up 1");
    phase.store(2);
    const std::int64_t up_at = now_ns();
    wait_for(*run, 30s, &pub);
    const double recover_secs =
        run->last_ns.load() > up_at ? static_cast<double>(run->last_ns.load() - up_at) / 1e9 : -1;
    pub.idle(1000ms);
    // Recount with a fresh consumer from the beginning of the topic: the verdict must not depend
    // on the live consumer having survived the outage.
    const std::size_t live = run->distinct.load();
    auto recount = std::make_unique<run_stats>(7, count);
    {
        sink_target again;
        kafka_sink verifier(o.need("bootstrap"), o.need("topic"), again, true);
        again.current.store(recount.get());
        wait_for(*recount, 15s);
    }
    stop.store(true);
    sampler.join();
    long peak = 0;
    for (auto& [t, r, ph] : samples) peak = std::max(peak, r);
    if (!csv.empty()) {
        std::ofstream out(csv);
        out << "# seconds rss_kib phase(0 before,1 kafka down,2 recovering)\n";
        for (auto& [t, r, ph] : samples) out << t << ' ' << r << ' ' << ph << '\n';
    }
    std::printf("{\"published\":%zu,\"publish_seconds\":%.2f,\"outage_seconds\":%.2f,"
                "\"delivered_during_outage\":%zu,\"distinct\":%zu,\"duplicates\":%zu,"
                "\"distinct_live_consumer\":%zu,"
                "\"recover_seconds\":%.2f,\"rss_before_kib\":%ld,\"rss_peak_outage_kib\":%ld,"
                "\"rss_peak_kib\":%ld,\"rss_growth_kib\":%ld,\"samples\":%zu}\n",
                count, publish_secs, static_cast<double>(up_at - pub_start) / 1e9 + 1.0, during,
                recount->distinct.load(), recount->duplicates.load(), live, recover_secs, before,
                peak_outage, peak, peak - before, samples.size());
    return recount->distinct.load() == count ? 0 : 1;
}

// --- the floor: MQTT in, raw librdkafka out, nothing else ---------------------------------------

/// The least any MQTT → Kafka bridge can do per message, for the line-rate comparison: one TCP
/// connection to the line-rate source, PUBLISHes framed in place (no property is parsed, no UTF-8
/// checked), each produced exactly like `kafka-raw` produces its records (same five constant
/// headers, same partition turns, value copied), PUBACKs written in delivery-report order once per
/// poll. Not a bridge — no translation, no expiry, no ordering of acknowledgements, no reconnects
/// — only the cost floor that flowbridge's line-rate ratio is read against.
struct floor_result {
    std::size_t produced = 0, failures = 0;
};

// One connection of the floor, on the calling thread, until the source closes it.
floor_result floor_connection(const options& o, std::size_t index) {
    const std::string topic = o.need("topic");
    const auto q = static_cast<qos>(o.num("qos", 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(o.num("port", 0)));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("floor: connect");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto send_all = [&](const char* p, std::size_t n) {
        while (n > 0) {
            const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) die("floor: send");
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    };
    std::string out;
    mqtt::connect_packet c;
    c.clean_start = true;
    const std::string client_id = "floor-" + std::to_string(index);
    c.client_id = client_id;
    c.receive_maximum = 65535;
    (void)mqtt::encode(c, out);
    mqtt::subscribe_packet sub;
    sub.packet_id = 1;
    sub.subscriptions.push_back(mqtt::subscription{"e2e/+/t", q});
    (void)mqtt::encode(sub, out);
    send_all(out.data(), out.size());

    // Values are not copied (like flowbridge's producer): a record points into the receive chunk
    // it arrived in, and a chunk is reused once every record in it was reported (and it is no
    // longer the one being read into).
    constexpr std::size_t chunk_size = 256 * 1024;
    struct state {
        std::string pubacks;
        std::size_t failures = 0, reports = 0;
        std::vector<std::unique_ptr<char[]>> chunks;
        std::vector<std::uint32_t> refs, free_chunks;
        void release(std::uint32_t k) {
            if (--refs[k] == 0) free_chunks.push_back(k);
        }
        std::uint32_t take() {
            if (free_chunks.empty()) {
                chunks.push_back(std::make_unique_for_overwrite<char[]>(chunk_size));
                refs.push_back(0);
                free_chunks.push_back(static_cast<std::uint32_t>(chunks.size() - 1));
            }
            const std::uint32_t k = free_chunks.back();
            free_chunks.pop_back();
            refs[k] = 1;  // the reading side's reference
            return k;
        }
    } st;
    rd_kafka_conf_t* conf = kafka_conf(o.need("bootstrap"), o.properties);
    rd_kafka_conf_set_opaque(conf, &st);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* op) {
        auto* s = static_cast<state*>(op);
        ++s->reports;
        if (m->err) ++s->failures;
        const auto opaque = reinterpret_cast<std::uintptr_t>(m->_private);
        s->release(static_cast<std::uint32_t>(opaque >> 16));
        const auto id = static_cast<std::uint16_t>(opaque & 0xffff);
        if (id != 0) {
            const char ack[4] = {0x40, 0x02, static_cast<char>(id >> 8), static_cast<char>(id & 0xff)};
            s->pubacks.append(ack, 4);
        }
    });
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk == nullptr) die(std::string("floor: producer: ") + err);
    const int partitions = partition_count(rk, topic);
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const auto headers = expected_headers();
    const std::size_t per_partition =
        partition_turn(o, static_cast<std::size_t>(o.num("payload", 100)), headers);
    // PUBACKs of the records reported so far, in report order, in one write.
    auto flush_acks = [&] {
        if (st.pubacks.empty()) return;
        send_all(st.pubacks.data(), st.pubacks.size());
        st.pubacks.clear();
    };
    std::uint32_t cur = st.take();
    char* buf = st.chunks[cur].get();
    std::size_t start = 0, have = 0, produced = 0;  // [start, have): not framed yet
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    bool streaming = false;
    // At most as many records in flight as flowbridge's record pool holds (maxInflightMessages
    // 65535): at QoS 0 nothing else would bound librdkafka's queue.
    const std::size_t max_in_flight = static_cast<std::size_t>(o.num("max-in-flight", 65535));
    for (;;) {
        if (produced - st.reports >= max_in_flight) {
            rd_kafka_poll(rk, 1);
            flush_acks();
            continue;
        }
        if (chunk_size - have < 64 * 1024) {
            // Too little room left: continue in another chunk, carrying the partial packet over.
            const std::uint32_t next = st.take();
            char* nbuf = st.chunks[next].get();
            std::memcpy(nbuf, buf + start, have - start);
            st.release(cur);
            cur = next;
            buf = nbuf;
            have -= start;
            start = 0;
        }
        const ssize_t r = ::recv(fd, buf + have, chunk_size - have, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno != EAGAIN && errno != EINTR) break;
            rd_kafka_poll(rk, 0);
            flush_acks();
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, 1);
            continue;
        }
        have += static_cast<std::size_t>(r);
        const std::int64_t ts = wall_ms();  // CreateTime: once per read, like flowbridge
        std::size_t pos = start, in_burst = 0;
        for (;;) {
            const mqtt::frame f = mqtt::frame_packet(std::string_view(buf + pos, have - pos));
            if (f.status == mqtt::frame_status::incomplete) break;
            if (f.status != mqtt::frame_status::complete) die("floor: malformed packet");
            const auto* b = reinterpret_cast<const unsigned char*>(buf + pos);
            const std::size_t total = f.size;
            if (f.type == mqtt::packet_type::publish) {
                const unsigned pq = (f.flags >> 1) & 3;
                std::size_t at = f.header_size;
                const std::size_t topic_len = (std::size_t{b[at]} << 8) | b[at + 1];
                at += 2 + topic_len;
                std::uintptr_t id = std::uintptr_t{cur} << 16;
                if (pq != 0) {
                    id |= (std::uintptr_t{b[at]} << 8) | b[at + 1];
                    at += 2;
                }
                std::size_t props = 0;
                for (unsigned shift = 0;; shift += 7) {
                    props |= static_cast<std::size_t>(b[at] & 0x7f) << shift;
                    if ((b[at++] & 0x80) == 0) break;
                }
                at += props;
                rd_kafka_headers_t* h = kafka_headers(headers);
                const auto part = static_cast<std::int32_t>((produced / per_partition) %
                                                            static_cast<std::size_t>(partitions));
                char* const value = buf + pos + at;
                for (;;) {
                    const auto e = rd_kafka_producev(
                        rk, RD_KAFKA_V_RKT(t), RD_KAFKA_V_PARTITION(part),
                        RD_KAFKA_V_VALUE(value, total - at),
                        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(id)),
                        RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
                    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
                    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(std::string("floor: produce: ") + rd_kafka_err2str(e));
                    rd_kafka_poll(rk, 1);
                }
                ++st.refs[cur];
                ++produced;
                if (++in_burst % 64 == 0) rd_kafka_poll(rk, 0);
            } else if (!streaming && f.type == mqtt::packet_type::suback) {
                streaming = true;
                std::fprintf(stderr, "floor: subscribed\n");
            }
            pos += total;
        }
        // The bytes before `pos` stay where they are (records point into them); the partial packet
        // after them moves to a new chunk when this one runs out of room (above).
        start = pos;
        if (start == have && st.refs[cur] == 1) start = have = 0;  // nothing of it in flight
        rd_kafka_poll(rk, 0);
        flush_acks();
    }
    rd_kafka_flush(rk, 10000);
    rd_kafka_topic_destroy(t);
    rd_kafka_destroy(rk);
    ::close(fd);
    return floor_result{produced, st.failures};
}

/// --connections N: N connections, each on its own thread with its own producer (what
/// `flowbridge.io/shards: N` runs, minus everything but framing and producing).
int cmd_mqtt_floor(const options& o) {
    const auto n = static_cast<std::size_t>(std::max<long long>(1, o.num("connections", 1)));
    std::vector<floor_result> results(n);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < n; ++k) {
        threads.emplace_back([&, k] { results[k] = floor_connection(o, k); });
    }
    floor_result total;
    for (std::size_t k = 0; k < n; ++k) {
        threads[k].join();
        total.produced += results[k].produced;
        total.failures += results[k].failures;
    }
    std::printf("{\"produced\":%zu,\"failures\":%zu}\n", total.produced, total.failures);
    return total.failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: flowbridge_e2e free-port | mqtt-ceiling | kafka-raw | e2e | mqtt-source "
                     "| mqtt-floor | soak [--name value]...  (see bench/e2e/README.md)\n");
        return 2;
    }
    const std::string cmd = argv[1];
    const options o = parse(argc, argv, 2);
    if (cmd == "free-port") return cmd_free_port();
    if (cmd == "mqtt-ceiling") return cmd_mqtt_ceiling(o);
    if (cmd == "kafka-raw") return cmd_kafka_raw(o);
    if (cmd == "e2e") return cmd_e2e(o);
    if (cmd == "mqtt-source") return cmd_mqtt_source(o);
    if (cmd == "soak") return cmd_soak(o);
    if (cmd == "mqtt-floor") return cmd_mqtt_floor(o);
    die("unknown role " + cmd);
}
