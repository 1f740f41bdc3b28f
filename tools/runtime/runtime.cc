#include "tools/runtime/runtime.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

#include "engine/config/topic.h"
#include "engine/message/clock.h"
#include "engine/pipeline/core_plan.h"
#include "tools/runtime/flows.h"
#include "transports/identity/from_config.h"
#include "transports/identity/token_provider.h"
#include "transports/kafka/mock_cluster.h"

namespace flowbridge::runtime {

std::string_view to_string(flow_direction d) noexcept {
    switch (d) {
        case flow_direction::mqtt_to_kafka: return "mqtt_to_kafka";
        case flow_direction::kafka_to_mqtt: return "kafka_to_mqtt";
        case flow_direction::mqtt_to_mqtt: return "mqtt_to_mqtt";
    }
    return "unknown";
}

namespace {

std::vector<std::int64_t> powers(std::int64_t start, std::int64_t factor, std::int64_t last) {
    std::vector<std::int64_t> v;
    for (std::int64_t b = start; b <= last; b *= factor) v.push_back(b);
    return v;
}

}  // namespace

std::span<const std::int64_t> batch_records_bounds() noexcept {
    static const std::vector<std::int64_t> b = powers(1, 2, 8192);
    return b;
}

std::span<const std::int64_t> batch_bytes_bounds() noexcept {
    static const std::vector<std::int64_t> b = powers(1024, 4, 16 << 20);
    return b;
}

std::span<const std::int64_t> latency_bounds() noexcept {
    static const std::vector<std::int64_t> b = metrics::exponential_bounds(100'000, 2.5, 18);
    return b;
}

std::unique_ptr<metrics::histogram> make_histogram(std::span<const std::int64_t> bounds,
                                                   double scale, std::size_t shards) {
    return std::make_unique<metrics::histogram>(bounds, scale, shards);
}

kafka::log_callback kafka_log_route(const logger& log, const std::string& flow, std::string label) {
    return [log, flow, label = std::move(label)](int level, std::string_view facility,
                                                 std::string_view message) {
        const log_level l = level <= 4 ? log_level::warn
                            : level <= 6 ? log_level::info
                                         : log_level::debug;
        if (!log.enabled(l)) return;
        log.log(l, "kafka", flow,
                label + ": librdkafka " + std::string(facility) + ": " + std::string(message));
    };
}

histogram_snapshot snapshot_of(const metrics::histogram& h) {
    histogram_snapshot s;
    const auto b = h.bounds();
    s.bounds.assign(b.begin(), b.end());
    s.buckets.resize(b.size() + 1);
    s.sum = h.read(s.buckets);
    for (auto n : s.buckets) s.count += n;
    s.scale = h.scale();
    return s;
}

log_sink stderr_log_sink() {
    auto mutex = std::make_shared<std::mutex>();
    return [mutex](const log_record& r) {
        std::ostringstream line;
        line << config::to_string(r.level) << ' ' << r.component;
        if (!r.dataflow.empty()) line << " [" << r.dataflow << ']';
        line << ' ' << r.message << '\n';
        std::lock_guard lock(*mutex);
        std::cerr << line.str() << std::flush;
    };
}

namespace {

std::string key_of(const config::object_meta& m) { return m.namespace_name + "/" + m.name; }

}  // namespace

struct runtime::impl {
    config::configuration config;
    runtime_options options;
    // CPUs this process may run on (set by start()): what `flowbridge.io/shards: "auto"` means.
    std::uint32_t cpus = 1;
    logger log;
    system_clock clock;
    std::map<std::string, std::unique_ptr<kafka::mock_cluster>> embedded;  // by endpoint key
    // Managed identity token providers (SPEC §6), one per distinct token request; they outlive
    // every flow (destroyed after them).
    std::map<std::string, std::unique_ptr<identity::token_provider>> tokens;
    mutable std::mutex flows_mutex;  // guards `flows` (the vector, not the flows) for readers
    std::vector<std::unique_ptr<flow>> flows;
    // Which endpoint uses which token provider (guarded by flows_mutex, for metrics_snapshot).
    struct token_user {
        std::string endpoint;
        std::string method;
        const identity::token_provider* provider;
    };
    std::vector<token_user> token_users;
    // The flows' totals when they stopped (guarded by flows_mutex): metrics_snapshot() keeps
    // answering with them after stop(), so a last scrape or an embedder sees the final counts.
    std::vector<dataflow_metrics> final_metrics;
    std::atomic<bool> stopping{false};
    std::uint16_t profile_metrics_port = 0;
    bool started = false;
    bool stopped = false;

    // The dataflows this instance runs: enabled, and this instance is within the profile's
    // instanceCount (SPEC §2.4).
    struct selected {
        const config::dataflow* df;
        const config::dataflow_profile* profile;
        const config::dataflow_endpoint* source;
        const config::dataflow_endpoint* destination;
    };

    std::vector<selected> select(std::vector<std::string>& errors) {
        std::vector<selected> out;
        for (const auto& df : config.dataflows) {
            const std::string name = key_of(df.meta);
            if (df.mode != config::dataflow_mode::enabled) {
                log.info("runtime", name, "disabled (spec.mode); not started");
                continue;
            }
            const auto* profile = config.find_profile(df.meta.namespace_name, df.profile_ref);
            const std::uint32_t count = profile != nullptr ? profile->instance_count : 1;
            if (options.instance >= count) {
                log.info("runtime", name,
                         "not run by instance " + std::to_string(options.instance) + ": profile '" +
                             df.profile_ref + "' has instanceCount " + std::to_string(count));
                continue;
            }
            const auto* src = config.find_endpoint(df.meta.namespace_name, df.source.endpoint_ref);
            const auto* dst =
                config.find_endpoint(df.meta.namespace_name, df.destination.endpoint_ref);
            if (src == nullptr || dst == nullptr) {
                errors.push_back(name + ": endpoint reference does not resolve");
                continue;
            }
            out.push_back({&df, profile, src, dst});
        }
        return out;
    }

    const kafka::mock_cluster* embedded_for(const config::dataflow_endpoint& ep,
                                            std::vector<std::string>& errors) {
        const std::string key = key_of(ep.meta);
        auto it = embedded.find(key);
        if (it != embedded.end()) return it->second.get();
        std::string error;
        auto cluster = kafka::mock_cluster::create(1, error);
        if (!cluster) {
            errors.push_back(ep.meta.display_name() + ": cannot start the embedded Kafka cluster: " +
                             error);
            return nullptr;
        }
        // The quickstart and docs/operations.md rely on this exact line.
        log.info("embedded-kafka", "",
                 "embedded Kafka cluster for endpoint " + key + ": bootstrap=" + cluster->bootstrap());
        return embedded.emplace(key, std::move(cluster)).first->second.get();
    }

    // The token source of a managed identity, created and started on first use. Start-up waits
    // a little for the first token; a failure is logged and retried by the provider's thread
    // (connections retry meanwhile), never fatal: the identity endpoint may come up later.
    identity::token_provider* token_source_for(const config::token_settings& t,
                                               std::vector<std::string>& errors) {
        const std::string key = std::string(config::to_string(t.method)) + "|" + t.resource + "|" +
                                t.scope + "|" + t.client_id + "|" + t.tenant_id + "|" +
                                t.identity_endpoint;
        if (auto it = tokens.find(key); it != tokens.end()) return it->second.get();
        identity::provider_options o;
        o.request = identity::request_settings_from(t);
        logger l = log;
        o.log = [l](identity::log_level level, std::string_view line) {
            const log_level mapped = level == identity::log_level::debug ? log_level::debug
                                     : level == identity::log_level::info ? log_level::info
                                     : level == identity::log_level::warning ? log_level::warn
                                                                              : log_level::error;
            l.log(mapped, "identity", "", line);
        };
        std::string error;
        auto p = identity::token_provider::create(std::move(o), error);
        if (!p) {
            errors.push_back("managed identity (" + std::string(config::to_string(t.method)) +
                             "): " + error);
            return nullptr;
        }
        if (!p->start(std::chrono::seconds(3), error)) {
            log.warn("identity", "", "no token yet from " + p->describe() + ": " + error +
                                         " (retrying in the background)");
        } else {
            log.info("identity", "", "token obtained from " + p->describe());
        }
        return tokens.emplace(key, std::move(p)).first->second.get();
    }

    // The MQTT authentication environment of one endpoint: OAUTH2-JWT tokens from its provider
    // unless the embedding application supplied its own callback.
    std::optional<mqtt_auth_environment> mqtt_env_for(const config::dataflow_endpoint& ep,
                                                      std::vector<std::string>& errors) {
        mqtt_auth_environment env = options.mqtt_auth;
        const auto method = ep.mqtt.auth.method;
        if (!env.tokens && (method == config::auth_method::system_assigned_managed_identity ||
                            method == config::auth_method::user_assigned_managed_identity)) {
            const auto c = config::make_mqtt_connection_options(ep);
            if (!c.token) return env;
            identity::token_provider* p = token_source_for(*c.token, errors);
            if (p == nullptr) return std::nullopt;
            note_token_user(ep, *c.token, p);
            env.tokens = [p](const config::token_settings&) {
                identity::access_token t;
                std::string ignored;
                return p->current(t, ignored) ? t.value : std::string();
            };
        }
        return env;
    }

    // The token source of a Kafka endpoint that authenticates with a managed identity.
    bool kafka_token_source(const config::dataflow_endpoint& ep, config::kafka_role role,
                            identity::token_source*& out, std::vector<std::string>& errors) {
        out = nullptr;
        if (ep.kafka.embedded) return true;
        const auto s = config::make_kafka_client_settings(ep, role);
        if (!s.token) return true;
        identity::token_provider* p = token_source_for(*s.token, errors);
        if (p != nullptr) note_token_user(ep, *s.token, p);
        out = p;
        return out != nullptr;
    }

    void note_token_user(const config::dataflow_endpoint& ep, const config::token_settings& t,
                         const identity::token_provider* p) {
        const std::string key = key_of(ep.meta);
        std::lock_guard lock(flows_mutex);
        for (const auto& u : token_users) {
            if (u.endpoint == key && u.provider == p) return;
        }
        token_users.push_back({key, std::string(config::to_string(t.method)), p});
    }

    void create_embedded_topic(const kafka::mock_cluster& c, const std::string& topic) {
        // The mock would auto-create it on first use anyway (4 partitions); creating it up front
        // makes the partition count deterministic and start-up immediate.
        auto& cluster = const_cast<kafka::mock_cluster&>(c);
        const std::string err = cluster.create_topic(topic, 4, 1);
        if (!err.empty()) log.debug("embedded-kafka", "", "topic '" + topic + "': " + err);
    }

    std::uint32_t total_m2k_shards(const std::vector<selected>& flows) {
        std::uint32_t n = 0;
        for (const auto& s : flows) {
            if (s.source->type == config::endpoint_type::mqtt &&
                s.destination->type == config::endpoint_type::kafka) {
                n += shard_count(*s.df, s.profile, cpus);
            }
        }
        return n;
    }

    std::unique_ptr<flow> build_mqtt_to_kafka(const selected& s, const pipeline::core_plan& plan,
                                              std::size_t& next_thread,
                                              std::vector<std::string>& errors) {
        const std::string name = key_of(s.df->meta);
        const std::uint32_t shards = shard_count(*s.df, s.profile, cpus);
        const std::uint32_t count = s.profile != nullptr ? s.profile->instance_count : 1;
        mqtt_to_kafka_plan p;
        p.name = name;
        p.source_endpoint = key_of(s.source->meta);
        p.destination_endpoint = key_of(s.destination->meta);
        p.in_flight_limit = options.shard_in_flight_limit;
        const auto filters = subscription_filters(*s.df, count, shards);
        const auto env = mqtt_env_for(*s.source, errors);
        if (!env) return nullptr;
        for (std::uint32_t i = 0; i < shards; ++i) {
            std::string error;
            session_identity who{s.df->meta.name, options.instance,
                                 shards > 1 ? std::optional<std::uint32_t>(i) : std::nullopt};
            auto o = make_session_options(*s.source, who, filters, *env, error);
            if (!o) {
                errors.push_back(name + ": " + error);
                return nullptr;
            }
            p.sessions.push_back(std::move(*o));
            std::optional<pipeline::cpu_id> cpu;
            if (next_thread < plan.threads.size()) cpu = plan.threads[next_thread].cpu;
            ++next_thread;
            p.cpus.push_back(cpu);
        }
        std::string bootstrap;
        if (s.destination->kafka.embedded) {
            const auto* c = embedded_for(*s.destination, errors);
            if (c == nullptr) return nullptr;
            bootstrap = c->bootstrap();
            create_embedded_topic(*c, s.df->destination.data_destination);
        }
        std::string error;
        identity::token_source* token = nullptr;
        if (!kafka_token_source(*s.destination, config::kafka_role::destination, token, errors)) {
            return nullptr;
        }
        auto cc = make_kafka_client_config(*s.destination, config::kafka_role::destination,
                                           bootstrap, options.kafka_properties, error,
                                           token != nullptr);
        if (!cc) {
            errors.push_back(name + ": " + error);
            return nullptr;
        }
        p.producer.config = std::move(*cc);
        p.producer.topics = {s.df->destination.data_destination};
        p.producer.token_source = token;
        p.producer.metadata_timeout = options.kafka_metadata_timeout;
        p.settings = std::make_unique<mqtt_to_kafka_flow_settings>(*s.df, *s.destination,
                                                                   options.instance);
        log.info("runtime", name,
                 "MQTT " + s.source->mqtt.host + " [" + join(filters) + "] -> Kafka topic '" +
                     s.df->destination.data_destination + "', " + std::to_string(shards) +
                     " shard(s), client id " + p.sessions.front().client_id);
        return make_mqtt_to_kafka_flow(std::move(p), log, clock);
    }

    std::unique_ptr<flow> build_kafka_to_mqtt(const selected& s, std::vector<std::string>& errors) {
        const std::string name = key_of(s.df->meta);
        const std::uint32_t shards = shard_count(*s.df, s.profile, cpus);
        kafka_to_mqtt_plan p;
        p.name = name;
        p.source_endpoint = key_of(s.source->meta);
        p.destination_endpoint = key_of(s.destination->meta);
        const auto env = mqtt_env_for(*s.destination, errors);
        if (!env) return nullptr;
        for (std::uint32_t i = 0; i < shards; ++i) {
            std::string error;
            session_identity who{s.df->meta.name, options.instance,
                                 shards > 1 ? std::optional<std::uint32_t>(i) : std::nullopt};
            auto o = make_session_options(*s.destination, who, {}, *env, error);
            if (!o) {
                errors.push_back(name + ": " + error);
                return nullptr;
            }
            p.sessions.push_back(std::move(*o));
        }
        std::string bootstrap;
        if (s.source->kafka.embedded) {
            const auto* c = embedded_for(*s.source, errors);
            if (c == nullptr) return nullptr;
            bootstrap = c->bootstrap();
            for (const auto& t : s.df->source.data_sources) create_embedded_topic(*c, t);
        }
        std::string error;
        identity::token_source* token = nullptr;
        if (!kafka_token_source(*s.source, config::kafka_role::source, token, errors)) {
            return nullptr;
        }
        auto cc = make_kafka_client_config(*s.source, config::kafka_role::source, bootstrap,
                                           options.kafka_properties, error, token != nullptr);
        if (!cc) {
            errors.push_back(name + ": " + error);
            return nullptr;
        }
        p.consumer.config = std::move(*cc);
        p.consumer.topics = s.df->source.data_sources;
        p.consumer.token_source = token;
        p.consumer.max_in_flight = std::max<std::size_t>(1024, p.sessions.front().publish_window);
        p.publish_qos = s.destination->mqtt.qos == 0 ? qos::at_most_once : qos::at_least_once;
        try {
            p.settings = std::make_unique<kafka_to_mqtt_flow_settings>(*s.df, s.source);
        } catch (const std::exception& e) {
            errors.push_back(e.what());
            return nullptr;
        }
        log.info("runtime", name,
                 "Kafka topic(s) [" + join(s.df->source.data_sources) + "] group '" +
                     s.source->kafka.consumer_group_id + "' -> MQTT " + s.destination->mqtt.host +
                     " '" + s.df->destination.data_destination + "' QoS " +
                     std::to_string(s.destination->mqtt.qos) + ", " + std::to_string(shards) +
                     " shard(s)");
        return make_kafka_to_mqtt_flow(std::move(p), log, clock);
    }

    std::unique_ptr<flow> build_mqtt_to_mqtt(const selected& s, std::vector<std::string>& errors) {
        const std::string name = key_of(s.df->meta);
        const std::uint32_t shards = shard_count(*s.df, s.profile, cpus);
        const std::uint32_t count = s.profile != nullptr ? s.profile->instance_count : 1;
        const auto filters = subscription_filters(*s.df, count, shards);
        mqtt_to_mqtt_plan p;
        p.name = name;
        p.source_endpoint = key_of(s.source->meta);
        p.destination_endpoint = key_of(s.destination->meta);
        const auto src_env = mqtt_env_for(*s.source, errors);
        const auto dst_env = mqtt_env_for(*s.destination, errors);
        if (!src_env || !dst_env) return nullptr;
        for (std::uint32_t i = 0; i < shards; ++i) {
            std::string error;
            session_identity who{s.df->meta.name, options.instance,
                                 shards > 1 ? std::optional<std::uint32_t>(i) : std::nullopt};
            auto src = make_session_options(*s.source, who, filters, *src_env, error);
            auto dst = src ? make_session_options(*s.destination, who, {}, *dst_env, error)
                           : std::nullopt;
            if (!src || !dst) {
                errors.push_back(name + ": " + error);
                return nullptr;
            }
            // Both sessions may reach the same broker with the same prefix: the publisher's id
            // gets a suffix so the two never take over each other's session.
            dst->client_id += "-out";
            p.sources.push_back(std::move(*src));
            p.destinations.push_back(std::move(*dst));
        }
        p.destination_topic = std::make_unique<topic_template>();
        std::string error;
        if (!p.destination_topic->parse(s.df->destination.data_destination, error)) {
            errors.push_back(name + ": dataDestination: " + error);
            return nullptr;
        }
        p.publish_qos = s.destination->mqtt.qos == 0 ? qos::at_most_once : qos::at_least_once;
        log.info("runtime", name,
                 "MQTT " + s.source->mqtt.host + " [" + join(filters) + "] -> MQTT " +
                     s.destination->mqtt.host + " '" + s.df->destination.data_destination +
                     "' QoS " + std::to_string(s.destination->mqtt.qos) + ", " +
                     std::to_string(shards) + " shard(s)");
        return make_mqtt_to_mqtt_flow(std::move(p), log, clock);
    }

    static std::string join(const std::vector<std::string>& v) {
        std::string out;
        for (const auto& s : v) {
            if (!out.empty()) out += ", ";
            out += s;
        }
        return out;
    }
};

runtime::runtime(config::configuration config, runtime_options options)
    : impl_(std::make_unique<impl>()) {
    impl_->config = std::move(config);
    impl_->options = std::move(options);
    log_level level = log_level::info;
    if (impl_->options.level) {
        level = *impl_->options.level;
    } else if (!impl_->config.profiles.empty()) {
        level = log_level::error;
        for (const auto& p : impl_->config.profiles) {
            level = static_cast<int>(p.logs) < static_cast<int>(level) ? p.logs : level;
        }
    }
    for (const auto& p : impl_->config.profiles) {
        if (p.meta.name == config::default_profile_name || impl_->profile_metrics_port == 0) {
            impl_->profile_metrics_port = p.prometheus_port;
        }
    }
    impl_->log = logger(impl_->options.sink ? impl_->options.sink : stderr_log_sink(), level);
}

runtime::~runtime() { stop(std::chrono::milliseconds(0)); }

bool runtime::start(std::string& error) {
    auto& m = *impl_;
    if (m.started) {
        error = "runtime already started";
        return false;
    }
    m.started = true;
    std::vector<std::string> errors;
    const auto chosen = m.select(errors);
    const auto allowed = pipeline::allowed_cpus();
    m.cpus = static_cast<std::uint32_t>(std::max<std::size_t>(1, allowed.size()));
    const pipeline::core_plan plan =
        pipeline::plan_cores(m.total_m2k_shards(chosen), pipeline::topology::fused, allowed);
    std::size_t next_thread = 0;
    for (const auto& s : chosen) {
        const bool mqtt_src = s.source->type == config::endpoint_type::mqtt;
        const bool mqtt_dst = s.destination->type == config::endpoint_type::mqtt;
        std::unique_ptr<flow> f;
        if (mqtt_src && !mqtt_dst) {
            f = m.build_mqtt_to_kafka(s, plan, next_thread, errors);
        } else if (!mqtt_src && mqtt_dst) {
            f = m.build_kafka_to_mqtt(s, errors);
        } else if (mqtt_src && mqtt_dst) {
            f = m.build_mqtt_to_mqtt(s, errors);
        } else {
            errors.push_back(key_of(s.df->meta) + ": Kafka -> Kafka is not supported");
        }
        if (f) {
            std::lock_guard lock(m.flows_mutex);
            m.flows.push_back(std::move(f));
        }
    }
    if (!errors.empty()) {
        {
            std::lock_guard lock(m.flows_mutex);
            m.flows.clear();
            m.token_users.clear();
        }
        m.embedded.clear();
        m.tokens.clear();
        for (const auto& e : errors) {
            if (!error.empty()) error += '\n';
            error += e;
        }
        return false;
    }
    if (m.flows.empty()) m.log.warn("runtime", "", "no enabled Dataflow to run on this instance");
    m.log.info("runtime", "",
               "instance " + std::to_string(m.options.instance) + ": starting " +
                   std::to_string(m.flows.size()) + " dataflow(s); core plan " +
                   std::string(pipeline::to_string(plan.status)));
    for (auto& f : m.flows) f->start();
    return true;
}

std::size_t runtime::stop(std::chrono::milliseconds deadline) {
    auto& m = *impl_;
    if (m.stopped || !m.started) return 0;
    m.stopped = true;
    m.stopping.store(true, std::memory_order_release);
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (auto& f : m.flows) f->request_stop(until);
    std::size_t left = 0;
    std::vector<dataflow_metrics> totals;
    for (auto& f : m.flows) {
        left += f->join();
        totals.push_back(f->metrics());
        const dataflow_metrics& d = totals.back();
        m.log.info("runtime", d.name,
                   "totals: received " + std::to_string(d.received) + ", delivered " +
                       std::to_string(d.delivered) + ", acknowledged " +
                       std::to_string(d.acknowledged) + ", failed " + std::to_string(d.failed) +
                       ", dropped " + std::to_string(d.dropped_total()));
    }
    {
        std::lock_guard lock(m.flows_mutex);
        m.final_metrics = std::move(totals);
        m.flows.clear();
        m.token_users.clear();
    }
    m.embedded.clear();  // after every client is gone
    m.tokens.clear();
    return left;
}

runtime_metrics runtime::metrics_snapshot() const {
    runtime_metrics s;
    s.stopping = impl_->stopping.load(std::memory_order_acquire);
    std::lock_guard lock(impl_->flows_mutex);
    if (impl_->flows.empty()) {
        s.dataflows = impl_->final_metrics;
    } else {
        for (const auto& f : impl_->flows) s.dataflows.push_back(f->metrics());
    }
    for (const auto& u : impl_->token_users) {
        token_metrics t;
        t.endpoint = u.endpoint;
        t.method = u.method;
        identity::access_token token;
        std::string ignored;
        if (u.provider->current(token, ignored)) {
            t.expires_at_s = std::chrono::duration_cast<std::chrono::seconds>(
                                 token.expires_at.time_since_epoch())
                                 .count();
        }
        const auto& c = u.provider->counters();
        t.tokens = c.tokens.load(std::memory_order_relaxed);
        t.failures = c.failures.load(std::memory_order_relaxed);
        s.tokens.push_back(std::move(t));
    }
    return s;
}

static std::vector<std::string> list_not_ready(const runtime_metrics& s) {
    std::vector<std::string> out;
    if (s.stopping) {
        out.emplace_back("shutting down");
        return out;
    }
    for (const auto& d : s.dataflows) {
        const auto of = [&d](std::uint32_t n) {
            return " (" + std::to_string(n) + " of " + std::to_string(d.shards) + " shard(s))";
        };
        if (d.source_ready < d.shards) {
            const bool kafka = d.direction == flow_direction::kafka_to_mqtt;
            out.push_back("dataflow " + d.name + ": source " + d.source.endpoint +
                          (kafka ? " has no partition assignment yet" : " not subscribed") +
                          of(d.source_ready));
        }
        if (d.destination.connected < d.shards) {
            out.push_back("dataflow " + d.name + ": destination " + d.destination.endpoint +
                          " not connected" + of(d.destination.connected));
        }
    }
    return out;
}

std::vector<std::string> runtime::not_ready() const {
    return runtime::not_ready_from(metrics_snapshot());
}

std::vector<std::string> runtime::not_ready_from(const runtime_metrics& snapshot) {
    return list_not_ready(snapshot);
}

bool runtime::ready() const { return not_ready().empty(); }

std::optional<std::uint16_t> runtime::metrics_port() const {
    if (impl_->options.metrics_port) return impl_->options.metrics_port;
    if (impl_->profile_metrics_port == 0) return std::nullopt;
    return impl_->profile_metrics_port;
}

std::vector<std::pair<std::string, std::string>> runtime::embedded_clusters() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, c] : impl_->embedded) out.emplace_back(k, c->bootstrap());
    return out;
}

const logger& runtime::log() const noexcept { return impl_->log; }

}  // namespace flowbridge::runtime
