// flowbridge::spsc_ring against boost::lockfree::spsc_queue, same binary, same element, same
// capacity, same harness. Results and the decision they support: docs/decisions/0002-spsc-ring.md.
//
//   BM_<impl>_single_thread/B  one thread pushes B items then pops them: the cost of the operations
//                              themselves, no cache-line transfer between cores.
//   BM_<impl>_two_threads/B    the benchmark thread produces, a second thread consumes; each pinned
//                              to its own CPU when there are two. B = 1 uses the single-item calls
//                              (try_push/try_pop, push/pop), B > 1 the batch calls.
// Every consumer checks that it receives 0, 1, 2, ... in order; a mismatch fails the benchmark.
// allocs_per_msg counts heap allocations inside the timed loop (both must show 0).
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "bench/alloc_counter.h"
#include "engine/ring/spsc_ring.h"

namespace {

using item = std::uint64_t;
constexpr std::size_t ring_capacity = 4096;
constexpr std::size_t max_batch = 64;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// The two queues behind one interface.
struct flowbridge_ring {
    flowbridge::spsc_ring<item> queue{ring_capacity};
    bool push(item v) noexcept { return queue.try_push(v); }
    bool pop(item& v) noexcept { return queue.try_pop(v); }
    std::size_t push(const item* p, std::size_t n) noexcept { return queue.push_batch({p, n}); }
    std::size_t pop(item* p, std::size_t n) noexcept { return queue.pop_batch({p, n}); }
};

struct boost_spsc {
    boost::lockfree::spsc_queue<item> queue{ring_capacity};
    bool push(item v) noexcept { return queue.push(v); }
    bool pop(item& v) noexcept { return queue.pop(v); }
    std::size_t push(const item* p, std::size_t n) noexcept { return queue.push(p, n); }
    std::size_t pop(item* p, std::size_t n) noexcept { return queue.pop(p, n); }
};

// Pins the calling thread to the index-th allowed CPU; returns the mask to restore.
struct pin_guard {
    cpu_set_t original{};
    bool pinned = false;

    explicit pin_guard(std::size_t index) {
        if (sched_getaffinity(0, sizeof(original), &original) != 0) return;
        if (CPU_COUNT(&original) < 2) return;  // one CPU: pinning both threads there is worse
        std::size_t seen = 0;
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (!CPU_ISSET(c, &original)) continue;
            if (seen++ == index) {
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(c, &one);
                pinned = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
                return;
            }
        }
    }
    ~pin_guard() {
        if (pinned) pthread_setaffinity_np(pthread_self(), sizeof(original), &original);
    }
    pin_guard(const pin_guard&) = delete;
    pin_guard& operator=(const pin_guard&) = delete;
};

template <class Queue>
void push_all(Queue& q, const item* values, std::size_t n) noexcept {
    if (n == 1) {
        while (!q.push(values[0])) cpu_relax();
        return;
    }
    while (n != 0) {
        const std::size_t pushed = q.push(values, n);
        if (pushed == 0) cpu_relax();
        values += pushed;
        n -= pushed;
    }
}

void report(benchmark::State& state, std::size_t batch, std::uint64_t allocs) {
    const auto items =
        static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(batch);
    state.SetItemsProcessed(items);
    state.counters["batch"] = static_cast<double>(batch);
    state.counters["allocs_per_msg"] =
        static_cast<double>(allocs) / static_cast<double>(items > 0 ? items : 1);
}

template <class Queue>
void single_thread(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    auto queue = std::make_unique<Queue>();
    std::array<item, max_batch> in{};
    std::array<item, max_batch> out{};
    item next = 0;
    item expected = 0;
    bool in_order = true;
    const std::uint64_t allocs_before = flowbridge::bench::allocations();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) in[i] = next++;
        if (batch == 1) {
            queue->push(in[0]);
            queue->pop(out[0]);
        } else {
            queue->push(in.data(), batch);
            queue->pop(out.data(), batch);
        }
        for (std::size_t i = 0; i < batch; ++i) in_order &= out[i] == expected++;
        benchmark::DoNotOptimize(out.data());
    }
    const std::uint64_t allocs = flowbridge::bench::allocations() - allocs_before;
    if (!in_order) state.SkipWithError("items came out of order");
    report(state, batch, allocs);
}

template <class Queue>
void two_threads(benchmark::State& state) {
    const auto batch = static_cast<std::size_t>(state.range(0));
    auto queue = std::make_unique<Queue>();
    std::atomic<bool> producer_done{false};
    std::atomic<std::uint64_t> consumed{0};
    std::atomic<bool> in_order{true};
    std::uint64_t allocs = 0;

    std::thread consumer([&] {
        pin_guard pin(1);
        std::array<item, max_batch> out{};
        item expected = 0;
        bool ok = true;
        for (;;) {
            std::size_t got = 0;
            if (batch == 1) {
                got = queue->pop(out[0]) ? 1 : 0;
            } else {
                got = queue->pop(out.data(), batch);
            }
            if (got == 0) {
                if (producer_done.load(std::memory_order_acquire)) {
                    // Every push happened before the flag: drain what is left, then stop.
                    while (queue->pop(out[0])) ok &= out[0] == expected++;
                    break;
                }
                cpu_relax();
                continue;
            }
            for (std::size_t i = 0; i < got; ++i) ok &= out[i] == expected++;
        }
        consumed.store(expected, std::memory_order_relaxed);
        in_order.store(ok, std::memory_order_relaxed);
    });

    {
        pin_guard pin(0);
        std::array<item, max_batch> in{};
        item next = 0;
        const std::uint64_t allocs_before = flowbridge::bench::allocations();
        for (auto _ : state) {
            for (std::size_t i = 0; i < batch; ++i) in[i] = next++;
            push_all(*queue, in.data(), batch);
        }
        allocs = flowbridge::bench::allocations() - allocs_before;
        producer_done.store(true, std::memory_order_release);
        consumer.join();
        if (!in_order.load() || consumed.load() != next) {
            state.SkipWithError("consumer saw items out of order or missing");
        }
    }
    report(state, batch, allocs);
}

void batch_sizes(benchmark::internal::Benchmark* b) {
    for (int batch : {1, 16, 64}) b->Arg(batch);
}

void BM_ring_single_thread(benchmark::State& s) { single_thread<flowbridge_ring>(s); }
void BM_boost_spsc_single_thread(benchmark::State& s) { single_thread<boost_spsc>(s); }
void BM_ring_two_threads(benchmark::State& s) { two_threads<flowbridge_ring>(s); }
void BM_boost_spsc_two_threads(benchmark::State& s) { two_threads<boost_spsc>(s); }

BENCHMARK(BM_ring_single_thread)->Apply(batch_sizes);
BENCHMARK(BM_boost_spsc_single_thread)->Apply(batch_sizes);
BENCHMARK(BM_ring_two_threads)->Apply(batch_sizes)->UseRealTime();
BENCHMARK(BM_boost_spsc_two_threads)->Apply(batch_sizes)->UseRealTime();

}  // namespace
