// The metrics registry's data-path and scrape costs (engine/metrics).
//
//   BM_metrics_counter_add            sharded_counter::add on the writer's own cell (relaxed
//                                     load + store, no locked instruction)
//   BM_metrics_gauge_add              gauge::add (relaxed fetch_add)
//   BM_metrics_histogram_observe/B    histogram::observe with B bounds (binary search + two relaxed
//                                     fetch_adds), values spread over every bucket
//   BM_metrics_histogram_observe_contended
//                                     two threads observing into the same shard (shared cache
//                                     lines) vs. BM_..._observe_sharded: each into its own shard
//   BM_metrics_expose/N               text exposition of N series (counters, gauges, histograms
//                                     with 12 bounds and collectors in equal parts)
// Each benchmark checks its result before reporting (a wrong count fails the run);
// allocs_per_op counts heap allocations in the timed loop (the data-path calls must show 0).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "engine/metrics/registry.h"

namespace {

using namespace flowbridge::metrics;

// Latency-style bounds: 100 µs … ~10 s in ns, ×2.8 steps (12 bounds).
std::vector<std::int64_t> latency_bounds(std::size_t n) {
    return exponential_bounds(100'000, 2.8, n);
}

void BM_metrics_counter_add(benchmark::State& state) {
    sharded_counter c(2);
    const auto before = flowbridge::bench::allocations();
    std::uint64_t n = 0;
    for (auto _ : state) {
        c.add(0);
        ++n;
    }
    const auto allocs = flowbridge::bench::allocations() - before;
    if (c.value() != n) state.SkipWithError("counter lost updates");
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    state.counters["allocs_per_op"] = static_cast<double>(allocs) / static_cast<double>(n ? n : 1);
}
BENCHMARK(BM_metrics_counter_add);

void BM_metrics_gauge_add(benchmark::State& state) {
    gauge g;
    std::int64_t n = 0;
    for (auto _ : state) {
        g.add(1);
        ++n;
    }
    if (g.value() != n) state.SkipWithError("gauge lost updates");
    state.SetItemsProcessed(n);
}
BENCHMARK(BM_metrics_gauge_add);

void BM_metrics_histogram_observe(benchmark::State& state) {
    const auto bounds = latency_bounds(static_cast<std::size_t>(state.range(0)));
    histogram h(bounds, 1e-9);
    // Values spread over every bucket, including +Inf, precomputed so the loop times observe().
    std::array<std::int64_t, 256> values{};
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = static_cast<std::int64_t>((i * 2654435761u) % (bounds.back() * 2));
    }
    const auto before = flowbridge::bench::allocations();
    std::uint64_t n = 0;
    for (auto _ : state) {
        h.observe(values[n & 255]);
        ++n;
    }
    const auto allocs = flowbridge::bench::allocations() - before;
    if (h.read().count != n) state.SkipWithError("histogram lost observations");
    state.SetItemsProcessed(static_cast<std::int64_t>(n));
    state.counters["allocs_per_op"] = static_cast<double>(allocs) / static_cast<double>(n ? n : 1);
}
BENCHMARK(BM_metrics_histogram_observe)->Arg(4)->Arg(12)->Arg(24);

// Shared by the threads of one run: thread 0 creates it before the timed loop and deletes it
// after; the harness holds every thread at a barrier at the start and at the end of the loop.
histogram* shared_histogram = nullptr;

void observe_threads(benchmark::State& state, bool sharded) {
    static const auto bounds = latency_bounds(12);
    if (state.thread_index() == 0) shared_histogram = new histogram(bounds, 1e-9, 2);
    const std::size_t shard = sharded ? static_cast<std::size_t>(state.thread_index()) % 2 : 0;
    std::int64_t v = 1'000'000;
    for (auto _ : state) {
        shared_histogram->observe(v, shard);
        v = (v * 7 + 13) % 100'000'000;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    if (state.thread_index() == 0) {
        delete shared_histogram;
        shared_histogram = nullptr;
    }
}

void BM_metrics_histogram_observe_contended(benchmark::State& state) {
    observe_threads(state, false);
}
BENCHMARK(BM_metrics_histogram_observe_contended)->Threads(2)->UseRealTime();

void BM_metrics_histogram_observe_sharded(benchmark::State& state) { observe_threads(state, true); }
BENCHMARK(BM_metrics_histogram_observe_sharded)->Threads(2)->UseRealTime();

void BM_metrics_expose(benchmark::State& state) {
    const auto series = static_cast<std::size_t>(state.range(0));
    registry r;
    const auto bounds = latency_bounds(12);
    std::vector<flowbridge::counter> external(series / 4 + 1);
    std::size_t made = 0;
    for (std::size_t i = 0; made < series; ++i) {
        const std::string dataflow = "dataflow-" + std::to_string(i);
        r.add_counter("flowbridge_received_total", "Messages received.", {{"dataflow", dataflow}},
                      2)
            .add(0, i);
        ++made;
        if (made < series) {
            r.add_gauge("flowbridge_in_flight", "In flight.", {{"dataflow", dataflow}}).set(7);
            ++made;
        }
        if (made < series) {
            auto& h = r.add_histogram("flowbridge_latency_seconds", "Latency.",
                                      {{"dataflow", dataflow}}, bounds, 1e-9);
            h.observe(static_cast<std::int64_t>(i) * 1000);
            ++made;
        }
        if (made < series) {
            auto* cell = &external[i];
            r.add_collector("flowbridge_dropped_total", "Dropped.", metric_type::counter,
                            {{"dataflow", dataflow}}, [cell](sample_writer& w) {
                                w.add({{"reason", "expired"}}, cell->value());
                            });
            ++made;
        }
    }
    std::string out;
    out.reserve(1 << 20);
    std::size_t bytes = 0;
    for (auto _ : state) {
        out.clear();
        r.expose(out);
        bytes = out.size();
        benchmark::DoNotOptimize(out.data());
    }
    if (out.find("flowbridge_dropped_total{dataflow=\"dataflow-0\",reason=\"expired\"} 0\n") ==
        std::string::npos) {
        state.SkipWithError("exposition is missing a collector sample");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * series));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
    state.counters["bytes_per_scrape"] = static_cast<double>(bytes);
}
BENCHMARK(BM_metrics_expose)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
