#include "tools/runtime/exporter.h"

#include <chrono>

#include "tools/runtime/runtime.h"

#ifndef FLOWBRIDGE_VERSION
#define FLOWBRIDGE_VERSION "unknown"
#endif

namespace flowbridge::runtime {

namespace {

using metrics::metric_type;
using metrics::sample_writer;

enum class drop_kind : std::uint8_t { message, header, partition_key };

// Which family a drop reason belongs to (docs/observability.md): every reason in exactly one.
constexpr drop_kind kind_of(drop_reason r) noexcept {
    switch (r) {
        case drop_reason::header_shadowed:
        case drop_reason::header_non_utf8:
        case drop_reason::header_too_large:
        case drop_reason::restore_failed:
            return drop_kind::header;
        case drop_reason::partition_key_missing:
            return drop_kind::partition_key;
        case drop_reason::message_expired:
        case drop_reason::topic_unresolved:
        case drop_reason::packet_too_large:
        case drop_reason::count_:
            break;
    }
    return drop_kind::message;
}

double now_unix() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void write_histogram(sample_writer& w, const dataflow_metrics& d, const histogram_snapshot& h) {
    if (!h.measured()) return;
    w.add_histogram({{"dataflow", d.name}}, h.bounds, h.buckets, h.sum, h.scale);
}

void write_connection(sample_writer& w, const dataflow_metrics& d, std::string_view side,
                      const connection_metrics& c, std::uint64_t value) {
    w.add({{"dataflow", d.name}, {"endpoint", c.endpoint}, {"side", side}}, value);
}

}  // namespace

std::string_view build_version() noexcept { return FLOWBRIDGE_VERSION; }

exporter::exporter(metrics::registry& registry, const runtime& rt, exporter_options options)
    : exporter(
          registry, [&rt] { return rt.metrics_snapshot(); }, std::move(options)) {}

exporter::exporter(metrics::registry& registry, snapshot_fn snapshot, exporter_options options)
    : registry_(registry), snapshot_fn_(std::move(snapshot)) {
    try {
        ids_.push_back(registry_.add_refresh([this] { snapshot_ = snapshot_fn_(); }));

        const auto per_dataflow = [this](std::string_view name, std::string_view help,
                                         metric_type type,
                                         std::uint64_t (*value)(const dataflow_metrics&)) {
            add(name, help, type, [value](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) w.add({{"dataflow", d.name}}, value(d));
            });
        };
        per_dataflow("flowbridge_messages_received_total",
                     "Messages taken from the source (MQTT PUBLISH decoded, Kafka record "
                     "consumed).",
                     metric_type::counter, [](const dataflow_metrics& d) { return d.received; });
        per_dataflow("flowbridge_messages_delivered_total",
                     "Messages acknowledged by the destination (Kafka acks, MQTT PUBACK, or "
                     "written for QoS 0).",
                     metric_type::counter, [](const dataflow_metrics& d) { return d.delivered; });
        per_dataflow("flowbridge_messages_acknowledged_total",
                     "Source acknowledgements: PUBACKs sent to the MQTT source, or Kafka offsets "
                     "completed for commit.",
                     metric_type::counter,
                     [](const dataflow_metrics& d) { return d.acknowledged; });
        add("flowbridge_messages_dropped_total",
            "Messages intentionally not delivered, by reason (handled and acknowledged).",
            metric_type::counter, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) {
                    for (std::size_t r = 0; r < drop_reason_count; ++r) {
                        const auto reason = static_cast<drop_reason>(r);
                        if (kind_of(reason) != drop_kind::message) continue;
                        w.add({{"dataflow", d.name}, {"reason", to_string(reason)}}, d.dropped[r]);
                    }
                }
            });
        add("flowbridge_headers_dropped_total",
            "Headers removed while the message was forwarded, by reason.", metric_type::counter,
            [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) {
                    for (std::size_t r = 0; r < drop_reason_count; ++r) {
                        const auto reason = static_cast<drop_reason>(r);
                        if (kind_of(reason) != drop_kind::header) continue;
                        w.add({{"dataflow", d.name}, {"reason", to_string(reason)}}, d.dropped[r]);
                    }
                }
            });
        per_dataflow(
            "flowbridge_partition_key_missing_total",
            "Property partitioning fell back to Default: the message lacked the key "
            "property (not a loss).",
            metric_type::counter, [](const dataflow_metrics& d) {
                return d.dropped[static_cast<std::size_t>(drop_reason::partition_key_missing)];
            });
        per_dataflow("flowbridge_delivery_failures_total",
                     "The destination reported a failure: not acknowledged, the source "
                     "redelivers.",
                     metric_type::counter, [](const dataflow_metrics& d) { return d.failed; });
        per_dataflow("flowbridge_publishes_rejected_total",
                     "MQTT destination: PUBACK with a failure reason (counted and completed, "
                     "not retried).",
                     metric_type::counter, [](const dataflow_metrics& d) { return d.rejected; });
        per_dataflow("flowbridge_messages_in_flight", "Messages received and not yet completed.",
                     metric_type::gauge, [](const dataflow_metrics& d) { return d.in_flight; });
        per_dataflow("flowbridge_in_flight_limit",
                     "The bound of flowbridge_messages_in_flight (record slots over all shards).",
                     metric_type::gauge,
                     [](const dataflow_metrics& d) { return d.in_flight_limit; });
        per_dataflow("flowbridge_shards", "Shards of the dataflow on this instance.",
                     metric_type::gauge,
                     [](const dataflow_metrics& d) -> std::uint64_t { return d.shards; });
        per_dataflow("flowbridge_source_ready",
                     "1 when the source is subscribed (MQTT SUBACK on every shard) or assigned "
                     "(Kafka group), else 0.",
                     metric_type::gauge, [](const dataflow_metrics& d) -> std::uint64_t {
                         return d.shards != 0 && d.source_ready == d.shards ? 1 : 0;
                     });
        add("flowbridge_connection_up",
            "1 while every shard's connection to the endpoint is up, else 0.", metric_type::gauge,
            [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) {
                    const auto up = [&d](const connection_metrics& c) -> std::uint64_t {
                        return d.shards != 0 && c.connected == d.shards ? 1 : 0;
                    };
                    write_connection(w, d, "source", d.source, up(d.source));
                    write_connection(w, d, "destination", d.destination, up(d.destination));
                }
            });
        add("flowbridge_connection_attempts_total",
            "Connection attempts (MQTT CONNECT, Kafka producer start-up).", metric_type::counter,
            [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) {
                    write_connection(w, d, "source", d.source, d.source.attempts);
                    write_connection(w, d, "destination", d.destination, d.destination.attempts);
                }
            });
        add("flowbridge_connection_losses_total",
            "Connections lost other than by a stop (each followed by a reconnect).",
            metric_type::counter, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) {
                    write_connection(w, d, "source", d.source, d.source.losses);
                    write_connection(w, d, "destination", d.destination, d.destination.losses);
                }
            });
        add("flowbridge_batch_records", "Records per batch handed to Kafka.",
            metric_type::histogram, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) write_histogram(w, d, d.batch_records);
            });
        add("flowbridge_batch_bytes", "Bytes (key, value, headers) per batch handed to Kafka.",
            metric_type::histogram, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) write_histogram(w, d, d.batch_bytes);
            });
        add("flowbridge_end_to_end_latency_seconds",
            "Arrival at flowbridge to acknowledgement by the destination, delivered messages.",
            metric_type::histogram, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& d : s.dataflows) write_histogram(w, d, d.latency);
            });
        add("flowbridge_token_expiry_timestamp_seconds",
            "Unix time the current managed identity token expires (0: none yet).",
            metric_type::gauge, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& t : s.tokens) {
                    w.add({{"endpoint", t.endpoint}, {"method", t.method}}, t.expires_at_s);
                }
            });
        add("flowbridge_token_refresh_failures_total",
            "Failed managed identity token fetches (each retried with back-off).",
            metric_type::counter, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& t : s.tokens) {
                    w.add({{"endpoint", t.endpoint}, {"method", t.method}}, t.failures);
                }
            });
        add("flowbridge_tokens_obtained_total", "Managed identity tokens obtained.",
            metric_type::counter, [](sample_writer& w, const runtime_metrics& s) {
                for (const auto& t : s.tokens) {
                    w.add({{"endpoint", t.endpoint}, {"method", t.method}}, t.tokens);
                }
            });
        std::string version =
            options.version.empty() ? std::string(build_version()) : std::move(options.version);
        ids_.push_back(registry_.add_collector(
            "flowbridge_build_info", "Constant 1, labelled with the flowbridge version.",
            metric_type::gauge, {{"version", std::move(version)}},
            [](sample_writer& w) { w.add({}, 1); }));
        const double start =
            options.process_start_time > 0 ? options.process_start_time : now_unix();
        ids_.push_back(registry_.add_collector(
            "process_start_time_seconds", "Start time of the process since the Unix epoch.",
            metric_type::gauge, {}, [start](sample_writer& w) { w.add({}, start); }));
    } catch (...) {
        for (auto id : ids_) registry_.remove_collector(id);
        throw;
    }
}

exporter::~exporter() {
    for (auto id : ids_) registry_.remove_collector(id);
}

void exporter::add(std::string_view name, std::string_view help, metric_type type,
                   std::function<void(sample_writer&, const runtime_metrics&)> write) {
    ids_.push_back(registry_.add_collector(
        name, help, type, {},
        [this, write = std::move(write)](sample_writer& w) { write(w, snapshot_); }));
}

}  // namespace flowbridge::runtime
