#include "engine/metrics/registry.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/stages/drop_counters.h"

namespace flowbridge::metrics {
namespace {

TEST(metrics_registry, exposition_matches_golden_text) {
    registry r;
    auto& received = r.add_counter("flowbridge_received_total", "Messages received.",
                                   {{"dataflow", "orders"}}, 2);
    auto& in_flight =
        r.add_gauge("flowbridge_in_flight", "Records in flight.", {{"dataflow", "orders"}});
    const std::array<std::int64_t, 3> bounds{1'000'000, 5'000'000, 25'000'000};  // ns
    auto& latency = r.add_histogram("flowbridge_latency_seconds", "End-to-end latency.",
                                    {{"dataflow", "orders"}}, bounds, 1e-9);
    auto& batch = r.add_histogram("flowbridge_batch_records", "Records per batch.", {},
                                  std::array<std::int64_t, 2>{1, 10});
    r.add_counter("flowbridge_received_total", "Messages received.",
                  {{"dataflow", "b\"a\\d\nname"}});
    drop_counters drops;
    drops.add(drop_reason::message_expired, 3);
    r.add_collector(
        "flowbridge_dropped_total", "Messages dropped, by reason.", metric_type::counter,
        {{"dataflow", "orders"}}, [&drops](sample_writer& w) {
            for (auto reason : {drop_reason::message_expired, drop_reason::header_shadowed}) {
                w.add({{"reason", to_string(reason)}}, drops.value(reason));
            }
        });
    r.add_collector("flowbridge_up", "1 while running.", metric_type::gauge, {},
                    [](sample_writer& w) { w.add({}, 1); });

    received.add(0, 5);
    received.add(1, 2);
    in_flight.set(7);
    latency.observe(1'000'000);  // on the bound: le="0.001"
    latency.observe(3'000'000);
    latency.observe(100'000'000);  // above every bound: only +Inf
    batch.observe(4);

    EXPECT_EQ(r.expose(),
              "# HELP flowbridge_received_total Messages received.\n"
              "# TYPE flowbridge_received_total counter\n"
              "flowbridge_received_total{dataflow=\"orders\"} 7\n"
              "flowbridge_received_total{dataflow=\"b\\\"a\\\\d\\nname\"} 0\n"
              "# HELP flowbridge_in_flight Records in flight.\n"
              "# TYPE flowbridge_in_flight gauge\n"
              "flowbridge_in_flight{dataflow=\"orders\"} 7\n"
              "# HELP flowbridge_latency_seconds End-to-end latency.\n"
              "# TYPE flowbridge_latency_seconds histogram\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"orders\",le=\"0.001\"} 1\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"orders\",le=\"0.005\"} 2\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"orders\",le=\"0.025\"} 2\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"orders\",le=\"+Inf\"} 3\n"
              "flowbridge_latency_seconds_sum{dataflow=\"orders\"} 0.104\n"
              "flowbridge_latency_seconds_count{dataflow=\"orders\"} 3\n"
              "# HELP flowbridge_batch_records Records per batch.\n"
              "# TYPE flowbridge_batch_records histogram\n"
              "flowbridge_batch_records_bucket{le=\"1\"} 0\n"
              "flowbridge_batch_records_bucket{le=\"10\"} 1\n"
              "flowbridge_batch_records_bucket{le=\"+Inf\"} 1\n"
              "flowbridge_batch_records_sum 4\n"
              "flowbridge_batch_records_count 1\n"
              "# HELP flowbridge_dropped_total Messages dropped, by reason.\n"
              "# TYPE flowbridge_dropped_total counter\n"
              "flowbridge_dropped_total{dataflow=\"orders\",reason=\"expired\"} 3\n"
              "flowbridge_dropped_total{dataflow=\"orders\",reason=\"shadowed\"} 0\n"
              "# HELP flowbridge_up 1 while running.\n"
              "# TYPE flowbridge_up gauge\n"
              "flowbridge_up 1\n");
}

TEST(metrics_registry, help_text_escapes_backslash_and_newline_but_not_quotes) {
    registry r;
    r.add_gauge("g", "a \\ b\n\"c\"");
    EXPECT_EQ(r.expose(), "# HELP g a \\\\ b\\n\"c\"\n# TYPE g gauge\ng 0\n");
}

TEST(metrics_registry, collector_reads_existing_counters_at_every_scrape) {
    registry r;
    counter delivered;
    r.add_collector("delivered_total", "d", metric_type::counter, {},
                    [&delivered](sample_writer& w) { w.add({}, delivered.value()); });
    delivered.add(2);
    EXPECT_NE(r.expose().find("delivered_total 2\n"), std::string::npos);
    delivered.add(3);
    EXPECT_NE(r.expose().find("delivered_total 5\n"), std::string::npos);
}

TEST(metrics_registry, collector_writes_signed_and_floating_values) {
    registry r;
    r.add_collector("token_expiry_seconds", "t", metric_type::gauge, {{"endpoint", "kafka"}},
                    [](sample_writer& w) {
                        w.add({{"kind", "neg"}}, -5);
                        w.add({{"kind", "frac"}}, 0.25);
                        w.add({{"kind", "inf"}}, std::numeric_limits<double>::infinity());
                        w.add({{"kind", "nan"}}, std::nan(""));
                    });
    const auto text = r.expose();
    EXPECT_NE(text.find("token_expiry_seconds{endpoint=\"kafka\",kind=\"neg\"} -5\n"),
              std::string::npos);
    EXPECT_NE(text.find("{endpoint=\"kafka\",kind=\"frac\"} 0.25\n"), std::string::npos);
    EXPECT_NE(text.find("{endpoint=\"kafka\",kind=\"inf\"} +Inf\n"), std::string::npos);
    EXPECT_NE(text.find("{endpoint=\"kafka\",kind=\"nan\"} NaN\n"), std::string::npos);
}

TEST(metrics_registry, refresh_runs_once_per_scrape_before_the_collectors) {
    registry r;
    struct snapshot {
        std::uint64_t received = 0, delivered = 0;
    } snap;
    std::uint64_t live = 0;
    int refreshes = 0;
    const auto id = r.add_refresh([&] {
        ++refreshes;
        snap = {live, live / 2};
    });
    r.add_collector("received_total", "r", metric_type::counter, {},
                    [&snap](sample_writer& w) { w.add({}, snap.received); });
    r.add_collector("delivered_total", "d", metric_type::counter, {},
                    [&snap](sample_writer& w) { w.add({}, snap.delivered); });
    live = 10;
    const auto text = r.expose();
    EXPECT_EQ(refreshes, 1);
    EXPECT_NE(text.find("received_total 10\n"), std::string::npos);
    EXPECT_NE(text.find("delivered_total 5\n"), std::string::npos);
    r.remove_collector(id);
    r.expose();
    EXPECT_EQ(refreshes, 1);
}

TEST(metrics_registry, throwing_collector_is_skipped_and_the_rest_is_exposed) {
    registry r;
    r.add_collector("a", "a", metric_type::gauge, {}, [](sample_writer& w) {
        w.add({{"x", "1"}}, 1);
        throw std::runtime_error("boom");
    });
    r.add_gauge("b", "b").set(2);
    EXPECT_EQ(r.expose(), "# HELP a a\n# TYPE a gauge\n# HELP b b\n# TYPE b gauge\nb 2\n");
}

TEST(metrics_registry, removed_collector_is_no_longer_called) {
    registry r;
    int calls = 0;
    const auto id = r.add_collector("c", "c", metric_type::gauge, {}, [&calls](sample_writer& w) {
        ++calls;
        w.add({}, 1);
    });
    r.expose();
    r.remove_collector(id);
    EXPECT_EQ(r.expose(), "# HELP c c\n# TYPE c gauge\n");
    EXPECT_EQ(calls, 1);
}

TEST(metrics_registry, invalid_names_and_conflicts_are_rejected_at_registration) {
    registry r;
    EXPECT_THROW(r.add_counter("1bad", "h"), std::invalid_argument);
    EXPECT_THROW(r.add_counter("bad-name", "h"), std::invalid_argument);
    EXPECT_THROW(r.add_counter("ok", "h", {{"bad-label", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("ok", "h", {{"__reserved", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("ok", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    r.add_counter("x_total", "h", {{"a", "1"}, {"b", "2"}});
    EXPECT_THROW(r.add_counter("x_total", "h", {{"b", "2"}, {"a", "1"}}), std::invalid_argument)
        << "same label set in another order";
    EXPECT_THROW(r.add_gauge("x_total", "h"), std::invalid_argument) << "type conflict";
    EXPECT_THROW(r.add_counter("x_total", "other help"), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h", "h", {{"le", "1"}}, std::array<std::int64_t, 1>{1}),
                 std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h", "h", {}, std::array<std::int64_t, 2>{2, 2}),
                 std::invalid_argument);
    EXPECT_THROW(r.add_collector("h2", "h", metric_type::histogram, {{"le", "1"}},
                                 [](sample_writer&) {}),
                 std::invalid_argument);
    EXPECT_NO_THROW(r.add_counter("ns:name_total", "colons are allowed in metric names"));
    EXPECT_NO_THROW(r.add_counter("x_total", "h", {{"a", "1"}}));
}

TEST(metrics_registry, histogram_collector_writes_cumulative_buckets_sum_and_count) {
    registry r;
    const std::array<std::int64_t, 2> bounds{1'000'000, 10'000'000};  // ns
    r.add_collector("flowbridge_latency_seconds", "Latency.", metric_type::histogram,
                    {{"dataflow", "a"}}, [&bounds](sample_writer& w) {
                        const std::array<std::uint64_t, 3> buckets{2, 0, 1};  // not cumulative
                        w.add_histogram({{"shard", "0"}}, bounds, buckets, 13'000'000, 1e-9);
                    });
    EXPECT_EQ(r.expose(),
              "# HELP flowbridge_latency_seconds Latency.\n"
              "# TYPE flowbridge_latency_seconds histogram\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"a\",shard=\"0\",le=\"0.001\"} 2\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"a\",shard=\"0\",le=\"0.01\"} 2\n"
              "flowbridge_latency_seconds_bucket{dataflow=\"a\",shard=\"0\",le=\"+Inf\"} 3\n"
              "flowbridge_latency_seconds_sum{dataflow=\"a\",shard=\"0\"} 0.013\n"
              "flowbridge_latency_seconds_count{dataflow=\"a\",shard=\"0\"} 3\n");
}

TEST(metrics_registry, a_collector_writing_the_wrong_kind_of_sample_is_skipped) {
    registry r;
    r.add_collector("h", "h", metric_type::histogram, {}, [](sample_writer& w) { w.add({}, 1); });
    r.add_collector("c_total", "c", metric_type::counter, {}, [](sample_writer& w) {
        const std::array<std::int64_t, 1> b{1};
        const std::array<std::uint64_t, 2> n{1, 0};
        w.add_histogram({}, b, n, 1);
    });
    r.add_collector("g", "g", metric_type::gauge, {}, [](sample_writer& w) {
        const std::array<std::int64_t, 1> b{1};
        const std::array<std::uint64_t, 1> n{1};  // wrong size
        w.add({}, 5);
        w.add_histogram({}, b, n, 1);
    });
    EXPECT_EQ(r.expose(),
              "# HELP h h\n# TYPE h histogram\n"
              "# HELP c_total c\n# TYPE c_total counter\n"
              "# HELP g g\n# TYPE g gauge\n");
}

TEST(metrics_histogram, bucket_upper_bounds_are_inclusive) {
    const std::array<std::int64_t, 3> bounds{10, 20, 30};
    histogram h(bounds, 1.0);
    for (std::int64_t v : {-1, 10, 11, 20, 30, 31}) h.observe(v);
    const auto s = h.read();
    EXPECT_EQ(s.buckets, (std::vector<std::uint64_t>{2, 2, 1, 1}));
    EXPECT_EQ(s.count, 6u);
    EXPECT_EQ(s.sum, 101);
}

TEST(metrics_histogram, shards_are_summed) {
    const std::array<std::int64_t, 1> bounds{5};
    histogram h(bounds, 1.0, 3);
    h.observe(1, 0);
    h.observe(7, 2);
    h.observe(5, 1);
    const auto s = h.read();
    EXPECT_EQ(s.buckets, (std::vector<std::uint64_t>{2, 1}));
    EXPECT_EQ(s.sum, 13);
}

TEST(metrics_histogram, observe_exclusive_counts_like_observe) {
    const std::array<std::int64_t, 3> bounds{10, 20, 30};
    histogram shared(bounds, 1.0, 2);
    histogram owned(bounds, 1.0, 2);
    for (std::int64_t v : {-5, 10, 11, 20, 30, 31, 1000}) {
        shared.observe(v, 1);
        owned.observe_exclusive(v, 1);
    }
    const auto a = shared.read();
    const auto b = owned.read();
    EXPECT_EQ(b.buckets, a.buckets);
    EXPECT_EQ(b.buckets, (std::vector<std::uint64_t>{2, 2, 1, 2}));
    EXPECT_EQ(b.sum, a.sum);
    EXPECT_EQ(b.sum, 1097);
    EXPECT_EQ(b.count, 7u);
}

TEST(metrics_histogram, bound_helpers) {
    EXPECT_EQ(exponential_bounds(1, 2, 5), (std::vector<std::int64_t>{1, 2, 4, 8, 16}));
    EXPECT_EQ(exponential_bounds(1, 1.5, 4), (std::vector<std::int64_t>{1, 2, 3, 4}))
        << "rounding never repeats a bound";
    EXPECT_EQ(linear_bounds(10, 5, 3), (std::vector<std::int64_t>{10, 15, 20}));
    EXPECT_THROW(exponential_bounds(0, 2, 3), std::invalid_argument);
    EXPECT_THROW(linear_bounds(0, 0, 3), std::invalid_argument);
}

TEST(metrics_sharded_counter, each_shard_is_its_own_cell_and_value_is_the_sum) {
    sharded_counter c(4);
    c.add(0);
    c.add(3, 10);
    c.shard(2).add(5);
    EXPECT_EQ(c.value(), 16u);
    EXPECT_EQ(c.shards(), 4u);
    EXPECT_NE(&c.shard(0), &c.shard(1));
    EXPECT_GE(reinterpret_cast<std::uintptr_t>(&c.shard(1)) -
                  reinterpret_cast<std::uintptr_t>(&c.shard(0)),
              cache_line);
}

TEST(metrics_text, value_formatting_and_name_rules) {
    std::string out;
    append_value(out, 0.1);
    out += ' ';
    append_value(out, 1e-9);
    out += ' ';
    append_value(out, -std::numeric_limits<double>::infinity());
    EXPECT_EQ(out, "0.1 1e-09 -Inf");
    EXPECT_TRUE(is_valid_metric_name("a:b_c9"));
    EXPECT_FALSE(is_valid_metric_name(""));
    EXPECT_FALSE(is_valid_label_name("a:b"));
    EXPECT_TRUE(is_valid_label_name("_a"));
}

}  // namespace
}  // namespace flowbridge::metrics
