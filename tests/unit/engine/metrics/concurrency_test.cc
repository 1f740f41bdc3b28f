// Data-path writers (one per shard, as the pipeline does) against a scraper thread that parses
// every exposition: each series only grows, a histogram's `_count` equals its `+Inf` bucket and
// its buckets are cumulative, and after the writers stop the totals are exact. Runs under TSan.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/metrics/registry.h"

namespace flowbridge::metrics {
namespace {

std::uint64_t iterations() {
    if (const char* s = std::getenv("FLOWBRIDGE_METRICS_STRESS_ITEMS"))
        return std::strtoull(s, nullptr, 10);
    return 200'000;
}

// name{labels} -> value, for every sample line.
std::map<std::string, double> parse(std::string_view text) {
    std::map<std::string, double> out;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const auto line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto space = line.rfind(' ');
        double v = 0;
        const auto value = line.substr(space + 1);
        if (value == "+Inf") {
            v = 1e300;
        } else {
            std::from_chars(value.data(), value.data() + value.size(), v);
        }
        out[std::string(line.substr(0, space))] = v;
    }
    return out;
}

TEST(metrics_concurrency, scrapes_during_writes_see_monotonic_consistent_series) {
    constexpr std::size_t shards = 2;
    registry r;
    auto& received = r.add_counter("received_total", "r", {{"dataflow", "a"}}, shards);
    auto& in_flight = r.add_gauge("in_flight", "i", {{"dataflow", "a"}});
    const std::array<std::int64_t, 4> bounds{10, 100, 1000, 10000};
    auto& latency =
        r.add_histogram("latency_seconds", "l", {{"dataflow", "a"}}, bounds, 1e-6, shards);
    auto& shared = r.add_histogram("batch_records", "b", {}, bounds, 1.0);  // one shard, shared
    std::array<counter, shards> external;
    r.add_collector("external_total", "e", metric_type::counter, {}, [&external](sample_writer& w) {
        for (std::size_t i = 0; i < external.size(); ++i) {
            const std::string shard = std::to_string(i);
            w.add({{"shard", shard}}, external[i].value());
        }
    });

    // Each writer does at least `n` iterations and keeps going until the scraper has seen
    // `min_scrapes` expositions, so that scrapes really overlap the writes (deadline: 60 s).
    const std::uint64_t n = iterations();
    constexpr std::size_t min_scrapes = 50;
    std::atomic<std::size_t> scrapes{0};
    std::atomic<bool> writers_done{false};
    std::array<std::uint64_t, shards> written{};
    std::vector<std::thread> writers;
    const auto write_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (std::size_t s = 0; s < shards; ++s) {
        writers.emplace_back([&, s] {
            std::uint64_t i = 0;
            for (; i < n || (scrapes.load(std::memory_order_relaxed) < min_scrapes &&
                             std::chrono::steady_clock::now() < write_deadline);
                 ++i) {
                received.add(s);
                external[s].add();
                in_flight.add(1);
                latency.observe(static_cast<std::int64_t>(i % 20000), s);
                shared.observe(static_cast<std::int64_t>(i % 2000));
                in_flight.add(-1);
            }
            written[s] = i;
        });
    }

    std::map<std::string, double> previous;
    std::thread scraper([&] {
        // Deadline: the writers finish long before; never wait forever.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        bool last = false;
        while (!last && std::chrono::steady_clock::now() < deadline) {
            last = writers_done.load(std::memory_order_acquire);
            const auto now = parse(r.expose());
            scrapes.fetch_add(1, std::memory_order_relaxed);
            for (const auto& [key, value] : now) {
                if (key.starts_with("in_flight")) continue;  // a gauge may go down
                const auto it = previous.find(key);
                if (it != previous.end()) {
                    EXPECT_GE(value, it->second) << key;
                }
            }
            for (const char* h : {"latency_seconds", "batch_records"}) {
                const std::string labels =
                    std::string(h) == "latency_seconds" ? "dataflow=\"a\"," : "";
                const std::string count_key =
                    std::string(h) + "_count" + (labels.empty() ? "" : "{dataflow=\"a\"}");
                const std::string inf_key = std::string(h) + "_bucket{" + labels + "le=\"+Inf\"}";
                EXPECT_EQ(now.at(count_key), now.at(inf_key)) << h;
                for (const auto& [key, value] : now) {
                    if (key.starts_with(std::string(h) + "_bucket")) {
                        EXPECT_LE(value, now.at(count_key)) << key;
                    }
                }
            }
            previous = now;
        }
    });
    for (auto& t : writers) t.join();
    writers_done.store(true, std::memory_order_release);
    scraper.join();

    const auto final_values = parse(r.expose());
    const std::uint64_t all = written[0] + written[1];
    const double total = static_cast<double>(all);
    EXPECT_EQ(final_values.at("received_total{dataflow=\"a\"}"), total);
    EXPECT_EQ(final_values.at("external_total{shard=\"0\"}"), static_cast<double>(written[0]));
    EXPECT_EQ(final_values.at("in_flight{dataflow=\"a\"}"), 0);
    EXPECT_EQ(final_values.at("latency_seconds_count{dataflow=\"a\"}"), total);
    EXPECT_EQ(final_values.at("batch_records_count"), total);
    EXPECT_EQ(shared.read().count, all);
    EXPECT_GE(scrapes.load(), min_scrapes);
}

// One writer per shard (each shard thread observes into its own cells), a reader scraping
// meanwhile: no update is lost.
TEST(metrics_concurrency, histogram_observe_exclusive_one_writer_per_shard_loses_nothing) {
    const std::array<std::int64_t, 2> bounds{100, 1000};
    histogram h(bounds, 1.0, 2);
    constexpr int per_writer = 200000;
    std::atomic<bool> done{false};
    std::thread reader([&] {
        std::uint64_t last = 0;
        while (!done.load()) {
            const auto s = h.read();
            EXPECT_GE(s.count, last);  // never goes back
            last = s.count;
        }
    });
    std::vector<std::thread> writers;
    for (std::size_t shard = 0; shard < 2; ++shard) {
        writers.emplace_back([&h, shard] {
            for (int i = 0; i < per_writer; ++i) h.observe_exclusive(i % 2000, shard);
        });
    }
    for (auto& w : writers) w.join();
    done.store(true);
    reader.join();
    const auto s = h.read();
    EXPECT_EQ(s.count, 2u * per_writer);
    // Per writer: 0..1999 repeated 100 times.
    EXPECT_EQ(s.buckets, (std::vector<std::uint64_t>{2 * 101 * 100, 2 * 900 * 100, 2 * 999 * 100}));
    EXPECT_EQ(s.sum, 2 * 100 * (1999 * 2000 / 2));
}

}  // namespace
}  // namespace flowbridge::metrics
