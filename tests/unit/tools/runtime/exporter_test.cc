// The runtime's Prometheus families over a synthetic snapshot (no runtime, no sockets): names,
// labels, types, histogram buckets; /readyz lines from a snapshot; the log bridge's lines.
#include "tools/runtime/exporter.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "engine/message/clock.h"
#include "tools/runtime/log_bridge.h"
#include "tools/runtime/runtime.h"

namespace flowbridge::runtime {
namespace {

histogram_snapshot histogram_of(std::span<const std::int64_t> bounds, double scale,
                                std::vector<std::int64_t> values) {
    metrics::histogram h(bounds, scale, 2);
    for (std::size_t i = 0; i < values.size(); ++i) h.observe(values[i], i % 2);
    histogram_snapshot s;
    s.bounds.assign(bounds.begin(), bounds.end());
    s.buckets.resize(bounds.size() + 1);
    s.sum = h.read(s.buckets);
    for (auto n : s.buckets) s.count += n;
    s.scale = scale;
    return s;
}

runtime_metrics synthetic() {
    runtime_metrics s;
    dataflow_metrics d;
    d.name = "ns/up";
    d.direction = flow_direction::mqtt_to_kafka;
    d.shards = 2;
    d.shards_connected = 1;
    d.source_ready = 2;
    d.received = 10;
    d.delivered = 7;
    d.acknowledged = 9;
    d.failed = 1;
    d.in_flight = 0;
    d.in_flight_limit = 2048;
    d.dropped[static_cast<std::size_t>(drop_reason::message_expired)] = 2;
    d.dropped[static_cast<std::size_t>(drop_reason::header_shadowed)] = 4;
    d.dropped[static_cast<std::size_t>(drop_reason::partition_key_missing)] = 3;
    d.source = {"ns/mq", 2, 5, 1};
    d.destination = {"ns/kafka", 1, 3, 0};
    d.batch_records = histogram_of(batch_records_bounds(), 1.0, {1, 2, 4});
    d.batch_bytes = histogram_of(batch_bytes_bounds(), 1.0, {100, 5000, 70000});
    d.latency = histogram_of(latency_bounds(), 1e-9,
                             {50'000, 100'000, 3'000'000, 7 * 60'000'000'000LL,
                              10 * 60'000'000'000LL, 1'000'000, 2'000'000});
    s.dataflows.push_back(d);
    dataflow_metrics k;
    k.name = "ns/down";
    k.direction = flow_direction::kafka_to_mqtt;
    k.shards = 1;
    k.source = {"ns/kafka", 0, 1, 0};
    k.destination = {"ns/mq", 1, 1, 0};
    k.latency = histogram_of(latency_bounds(), 1e-9, {});
    s.dataflows.push_back(k);
    s.tokens.push_back({"ns/eh", "SystemAssignedManagedIdentity", 1'800'000'000, 3, 2});
    return s;
}

std::string expose(const runtime_metrics& snapshot, int* scrapes = nullptr) {
    metrics::registry r;
    exporter_options o;
    o.version = "9.9.9";
    o.process_start_time = 1'700'000'000.5;
    exporter e(
        r,
        [&] {
            if (scrapes != nullptr) ++*scrapes;
            return snapshot;
        },
        o);
    return r.expose();
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(runtime_exporter, counters_carry_the_dataflow_label_and_counter_type) {
    const std::string t = expose(synthetic());
    EXPECT_TRUE(has_line(t, "# TYPE flowbridge_messages_received_total counter")) << t;
    EXPECT_TRUE(has_line(t, "flowbridge_messages_received_total{dataflow=\"ns/up\"} 10")) << t;
    EXPECT_TRUE(has_line(t, "flowbridge_messages_received_total{dataflow=\"ns/down\"} 0")) << t;
    EXPECT_TRUE(has_line(t, "flowbridge_messages_delivered_total{dataflow=\"ns/up\"} 7"));
    EXPECT_TRUE(has_line(t, "flowbridge_messages_acknowledged_total{dataflow=\"ns/up\"} 9"));
    EXPECT_TRUE(has_line(t, "flowbridge_delivery_failures_total{dataflow=\"ns/up\"} 1"));
    EXPECT_TRUE(has_line(t, "# TYPE flowbridge_messages_in_flight gauge"));
    EXPECT_TRUE(has_line(t, "flowbridge_in_flight_limit{dataflow=\"ns/up\"} 2048"));
    EXPECT_TRUE(has_line(t, "flowbridge_shards{dataflow=\"ns/up\"} 2"));
}

TEST(runtime_exporter, every_drop_reason_is_in_exactly_one_family) {
    const std::string t = expose(synthetic());
    EXPECT_TRUE(
        has_line(t, "flowbridge_messages_dropped_total{dataflow=\"ns/up\",reason=\"expired\"} 2"))
        << t;
    EXPECT_TRUE(has_line(
        t, "flowbridge_messages_dropped_total{dataflow=\"ns/up\",reason=\"topic_unresolved\"} 0"));
    EXPECT_TRUE(has_line(
        t, "flowbridge_messages_dropped_total{dataflow=\"ns/up\",reason=\"packet_too_large\"} 0"));
    EXPECT_TRUE(
        has_line(t, "flowbridge_headers_dropped_total{dataflow=\"ns/up\",reason=\"shadowed\"} 4"));
    EXPECT_TRUE(has_line(t, "flowbridge_partition_key_missing_total{dataflow=\"ns/up\"} 3"));
    for (std::size_t r = 0; r < drop_reason_count; ++r) {
        const std::string reason(to_string(static_cast<drop_reason>(r)));
        const std::regex series("flowbridge_[a-z_]+\\{dataflow=\"ns/up\",reason=\"" + reason +
                                "\"\\}");
        const auto n =
            std::distance(std::sregex_iterator(t.begin(), t.end(), series), std::sregex_iterator());
        if (reason == "partition_key_missing") {
            EXPECT_EQ(n, 0) << reason << ": has a family of its own";
        } else {
            EXPECT_EQ(n, 1) << reason;
        }
    }
}

TEST(runtime_exporter, connection_state_is_up_only_when_every_shard_is_connected) {
    const std::string t = expose(synthetic());
    EXPECT_TRUE(has_line(t, "# TYPE flowbridge_connection_up gauge"));
    EXPECT_TRUE(has_line(
        t, "flowbridge_connection_up{dataflow=\"ns/up\",endpoint=\"ns/mq\",side=\"source\"} 1"))
        << t;
    EXPECT_TRUE(has_line(t,
                         "flowbridge_connection_up{dataflow=\"ns/up\",endpoint=\"ns/"
                         "kafka\",side=\"destination\"} 0"));
    EXPECT_TRUE(has_line(
        t,
        "flowbridge_connection_up{dataflow=\"ns/down\",endpoint=\"ns/kafka\",side=\"source\"} 0"));
    EXPECT_TRUE(has_line(t,
                         "flowbridge_connection_attempts_total{dataflow=\"ns/up\",endpoint=\"ns/"
                         "mq\",side=\"source\"} 5"));
    EXPECT_TRUE(has_line(t,
                         "flowbridge_connection_losses_total{dataflow=\"ns/up\",endpoint=\"ns/"
                         "mq\",side=\"source\"} 1"));
    EXPECT_TRUE(has_line(t, "flowbridge_source_ready{dataflow=\"ns/up\"} 1"));
    EXPECT_TRUE(has_line(t, "flowbridge_source_ready{dataflow=\"ns/down\"} 0"));
}

TEST(runtime_exporter, histograms_have_cumulative_buckets_in_base_units) {
    const std::string t = expose(synthetic());
    EXPECT_TRUE(has_line(t, "# TYPE flowbridge_end_to_end_latency_seconds histogram"));
    // 100 µs × 2.5ⁿ: 50 µs and 100 µs (inclusive bound) are in the first bucket (le is the
    // shortest round-trip decimal: 1e-04).
    EXPECT_TRUE(has_line(
        t, "flowbridge_end_to_end_latency_seconds_bucket{dataflow=\"ns/up\",le=\"1e-04\"} 2"))
        << t;
    EXPECT_TRUE(has_line(
        t, "flowbridge_end_to_end_latency_seconds_bucket{dataflow=\"ns/up\",le=\"0.00025\"} 2"));
    EXPECT_TRUE(has_line(
        t, "flowbridge_end_to_end_latency_seconds_bucket{dataflow=\"ns/up\",le=\"0.0015625\"} 3"));
    EXPECT_TRUE(has_line(
        t, "flowbridge_end_to_end_latency_seconds_bucket{dataflow=\"ns/up\",le=\"0.00390625\"} 5"));
    // 7 min is under the last bound (~9.7 min), 10 min only in +Inf.
    EXPECT_TRUE(has_line(
        t, "flowbridge_end_to_end_latency_seconds_bucket{dataflow=\"ns/up\",le=\"+Inf\"} 7"));
    EXPECT_TRUE(has_line(t, "flowbridge_end_to_end_latency_seconds_count{dataflow=\"ns/up\"} 7"));
    EXPECT_TRUE(
        has_line(t, "flowbridge_end_to_end_latency_seconds_sum{dataflow=\"ns/up\"} 1020.00615"));
    const std::regex le_last(
        "flowbridge_end_to_end_latency_seconds_bucket\\{dataflow=\"ns/up\",le=\"([0-9.e+]+)\"\\} "
        "6\n"
        "flowbridge_end_to_end_latency_seconds_bucket\\{dataflow=\"ns/up\",le=\"\\+Inf\"\\} 7");
    EXPECT_TRUE(std::regex_search(t, le_last)) << t;
    // Records per batch: 1, 2, 4 … 8192.
    EXPECT_TRUE(has_line(t, "flowbridge_batch_records_bucket{dataflow=\"ns/up\",le=\"1\"} 1"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_records_bucket{dataflow=\"ns/up\",le=\"2\"} 2"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_records_bucket{dataflow=\"ns/up\",le=\"8192\"} 3"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_records_sum{dataflow=\"ns/up\"} 7"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_bytes_bucket{dataflow=\"ns/up\",le=\"1024\"} 1"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_bytes_bucket{dataflow=\"ns/up\",le=\"16384\"} 2"));
    EXPECT_TRUE(has_line(t, "flowbridge_batch_bytes_bucket{dataflow=\"ns/up\",le=\"16777216\"} 3"));
    // A flow without batches (Kafka → MQTT) has no batch series, but a latency one.
    EXPECT_EQ(t.find("flowbridge_batch_records_count{dataflow=\"ns/down\"}"), std::string::npos);
    EXPECT_TRUE(has_line(t, "flowbridge_end_to_end_latency_seconds_count{dataflow=\"ns/down\"} 0"));
}

TEST(runtime_exporter, tokens_build_info_and_start_time) {
    const std::string t = expose(synthetic());
    EXPECT_TRUE(has_line(t,
                         "flowbridge_token_expiry_timestamp_seconds{endpoint=\"ns/"
                         "eh\",method=\"SystemAssignedManagedIdentity\"} 1800000000"))
        << t;
    EXPECT_TRUE(has_line(t,
                         "flowbridge_token_refresh_failures_total{endpoint=\"ns/"
                         "eh\",method=\"SystemAssignedManagedIdentity\"} 2"));
    EXPECT_TRUE(has_line(t,
                         "flowbridge_tokens_obtained_total{endpoint=\"ns/"
                         "eh\",method=\"SystemAssignedManagedIdentity\"} 3"));
    EXPECT_TRUE(has_line(t, "flowbridge_build_info{version=\"9.9.9\"} 1"));
    EXPECT_TRUE(has_line(t, "# TYPE process_start_time_seconds gauge"));
    EXPECT_TRUE(has_line(t, "process_start_time_seconds 1700000000.5"));
}

TEST(runtime_exporter, one_snapshot_per_scrape_and_families_leave_with_the_exporter) {
    metrics::registry r;
    int scrapes = 0;
    {
        exporter e(r, [&] {
            ++scrapes;
            return synthetic();
        });
        r.expose();
        EXPECT_EQ(scrapes, 1);
        r.expose();
        EXPECT_EQ(scrapes, 2);
        EXPECT_NE(r.expose().find(std::string("flowbridge_build_info{version=\"") +
                                  std::string(build_version()) + "\"} 1"),
                  std::string::npos);
    }
    const std::string after = r.expose();
    EXPECT_EQ(scrapes, 3);
    EXPECT_EQ(after.find("dataflow="), std::string::npos) << after;
}

TEST(runtime_exporter, every_sample_line_is_valid_exposition_text) {
    const std::string t = expose(synthetic());
    const std::regex sample(
        "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\",?)*\\})? "
        "(-?[0-9.e+-]+|\\+Inf|NaN)");
    std::istringstream in(t);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
        EXPECT_TRUE(std::regex_match(line, sample)) << line;
    }
}

TEST(runtime_readiness, lists_what_is_missing_per_dataflow_and_shutting_down) {
    runtime_metrics s = synthetic();
    auto lines = runtime::not_ready_from(s);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "dataflow ns/up: destination ns/kafka not connected (1 of 2 shard(s))");
    EXPECT_EQ(
        lines[1],
        "dataflow ns/down: source ns/kafka has no partition assignment yet (0 of 1 shard(s))");
    s.dataflows[0].destination.connected = 2;
    s.dataflows[1].source_ready = 1;
    EXPECT_TRUE(runtime::not_ready_from(s).empty());
    s.dataflows[0].source_ready = 1;
    EXPECT_EQ(
        runtime::not_ready_from(s),
        std::vector<std::string>{"dataflow ns/up: source ns/mq not subscribed (1 of 2 shard(s))"});
    s.stopping = true;
    EXPECT_EQ(runtime::not_ready_from(s), std::vector<std::string>{"shutting down"});
}

struct captured_log {
    std::vector<std::string> lines;
    manual_clock time;
    std::shared_ptr<log::logger> make(log::format style) {
        log::options o;
        o.style = style;
        o.threshold = log::level::trace;
        o.time = &time;
        o.out = [this](std::string_view line) { lines.emplace_back(line); };
        return std::make_shared<log::logger>(std::move(o));
    }
};

TEST(runtime_log_bridge, text_keeps_the_dataflow_in_brackets_before_the_message) {
    captured_log c;
    const log_sink sink = make_log_sink(c.make(log::format::text));
    sink({log_level::info, "runtime", "ns/up", "totals: received 3"});
    sink({log_level::warn, "mqtt", "", "connection lost"});
    ASSERT_EQ(c.lines.size(), 2u);
    EXPECT_NE(c.lines[0].find(" INFO  runtime: [ns/up] totals: received 3\n"), std::string::npos)
        << c.lines[0];
    EXPECT_NE(c.lines[1].find(" WARN  mqtt: connection lost\n"), std::string::npos) << c.lines[1];
}

TEST(runtime_log_bridge, json_puts_the_dataflow_in_a_field_and_escapes) {
    captured_log c;
    const log_sink sink = make_log_sink(c.make(log::format::json));
    sink({log_level::error, "runtime", "ns/up", "cannot start:\nline \"2\""});
    ASSERT_EQ(c.lines.size(), 1u);
    const std::string& l = c.lines[0];
    EXPECT_EQ(l.find('\n'), l.size() - 1);
    EXPECT_NE(l.find("\"level\":\"error\",\"component\":\"runtime\",\"msg\":\"cannot start:\\nline "
                     "\\\"2\\\"\",\"dataflow\":\"ns/up\"}"),
              std::string::npos)
        << l;
}

TEST(runtime_log_bridge, identical_warnings_are_rate_limited_and_counted) {
    captured_log c;
    log_bridge_options o;
    o.repeat_interval = std::chrono::seconds(10);
    const log_sink sink = make_log_sink(c.make(log::format::text), o);
    for (int i = 0; i < 5; ++i) sink({log_level::warn, "kafka", "ns/up", "broker down"});
    sink({log_level::warn, "kafka", "ns/up", "another problem"});
    sink({log_level::info, "kafka", "ns/up", "info is never limited"});
    sink({log_level::info, "kafka", "ns/up", "info is never limited"});
    ASSERT_EQ(c.lines.size(), 4u);
    c.time.advance(11'000'000'000);
    sink({log_level::warn, "kafka", "ns/up", "broker down"});
    ASSERT_EQ(c.lines.size(), 5u);
    EXPECT_NE(c.lines[4].find("broker down suppressed=4\n"), std::string::npos) << c.lines[4];
}

TEST(runtime_log_bridge, levels_map_one_to_one) {
    EXPECT_EQ(to_log_level(log_level::trace), log::level::trace);
    EXPECT_EQ(to_log_level(log_level::debug), log::level::debug);
    EXPECT_EQ(to_log_level(log_level::info), log::level::info);
    EXPECT_EQ(to_log_level(log_level::warn), log::level::warn);
    EXPECT_EQ(to_log_level(log_level::error), log::level::error);
}

}  // namespace
}  // namespace flowbridge::runtime
