#include "engine/pipeline/shard_thread.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace flowbridge::pipeline {
namespace {

using namespace std::chrono_literals;

// The CPUs the calling thread may run on, as a comparable list.
std::vector<cpu_id> current_affinity() { return allowed_cpus(); }

shard_thread_options pin_to(std::optional<cpu_id> cpu,
                            unavailable_cpu_policy policy = unavailable_cpu_policy::wrap) {
    shard_thread_options options;
    options.cpu = cpu;
    options.if_unavailable = policy;
    return options;
}

// Waits (bounded) until `flag` is set by the worker.
bool wait_for(const std::atomic<bool>& flag, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!flag.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(100us);
    }
    return true;
}

// What the worker observed about itself, published once through `ready`.
struct observed {
    std::vector<cpu_id> affinity;
    int cpu = -1;
    std::string name;
    std::atomic<bool> ready{false};
};

// A loop body that records where it runs, then waits for stop.
auto observe_into(observed& out) {
    return [&out](std::stop_token stop) {
        out.affinity = current_affinity();
        out.cpu = sched_getcpu();
        char name[16] = {};
        pthread_getname_np(pthread_self(), name, sizeof(name));
        out.name = name;
        out.ready.store(true, std::memory_order_release);
        while (!stop.stop_requested()) std::this_thread::sleep_for(100us);
    };
}

TEST(shard_thread, pins_to_the_requested_cpu_when_it_is_available) {
    const auto allowed = allowed_cpus();
    ASSERT_FALSE(allowed.empty());
    const cpu_id target = allowed.back();

    observed seen;
    shard_thread thread;
    const pin_report report = thread.start(pin_to(target), observe_into(seen));
    EXPECT_EQ(report.status, pin_status::pinned) << to_string(report.status);
    EXPECT_TRUE(report.is_pinned());
    EXPECT_EQ(report.cpu, target);
    EXPECT_EQ(report.error, 0);
    ASSERT_TRUE(wait_for(seen.ready));
    EXPECT_EQ(seen.affinity, std::vector<cpu_id>{target});
    EXPECT_EQ(seen.cpu, target.value);
    thread.request_stop();
    thread.join();
}

TEST(shard_thread, unavailable_cpu_wraps_onto_the_allowed_set_and_says_so) {
    const auto allowed = allowed_cpus();
    ASSERT_FALSE(allowed.empty());
    // 1000 is inside cpu_set_t but exists on no machine we run on; 5000 is beyond cpu_set_t.
    for (int requested : {1000, 5000}) {
        const cpu_id expected = allowed[static_cast<std::size_t>(requested) % allowed.size()];
        observed seen;
        shard_thread thread;
        const pin_report report = thread.start(pin_to(cpu_id{requested}), observe_into(seen));
        EXPECT_EQ(report.status, pin_status::pinned_elsewhere) << to_string(report.status);
        EXPECT_TRUE(report.is_pinned());
        EXPECT_EQ(report.requested, cpu_id{requested});
        EXPECT_EQ(report.cpu, expected);
        ASSERT_TRUE(wait_for(seen.ready));
        EXPECT_EQ(seen.affinity, std::vector<cpu_id>{expected});
    }
}

TEST(shard_thread, unavailable_cpu_with_dont_pin_leaves_the_thread_unpinned_and_says_so) {
    observed seen;
    shard_thread thread;
    const pin_report report =
        thread.start(pin_to(cpu_id{1000}, unavailable_cpu_policy::dont_pin), observe_into(seen));
    EXPECT_EQ(report.status, pin_status::not_pinned_unavailable);
    EXPECT_FALSE(report.is_pinned());
    EXPECT_FALSE(report.cpu.has_value());
    ASSERT_TRUE(wait_for(seen.ready));
    EXPECT_EQ(seen.affinity, current_affinity()) << "affinity must be inherited unchanged";
}

TEST(shard_thread, no_requested_cpu_means_no_pinning) {
    observed seen;
    shard_thread thread;
    const pin_report report = thread.start({}, observe_into(seen));
    EXPECT_EQ(report.status, pin_status::not_requested);
    ASSERT_TRUE(wait_for(seen.ready));
    EXPECT_EQ(seen.affinity, current_affinity());
}

TEST(shard_thread, worker_carries_its_name_truncated_to_the_kernel_limit) {
    observed seen;
    shard_thread thread;
    shard_thread_options options;
    options.name = "fb-s12-batcher-side";
    thread.start(std::move(options), observe_into(seen));
    ASSERT_TRUE(wait_for(seen.ready));
    EXPECT_EQ(seen.name, "fb-s12-batcher-");
}

TEST(shard_thread, poll_body_runs_until_stop_is_requested_then_joins) {
    std::atomic<std::uint64_t> polls{0};
    std::atomic<bool> started{false};
    shard_thread thread;
    thread.start({}, [&]() -> std::size_t {
        polls.fetch_add(1, std::memory_order_relaxed);
        started.store(true, std::memory_order_release);
        return 1;  // always busy: never backs off
    });
    ASSERT_TRUE(wait_for(started));
    EXPECT_TRUE(thread.joinable());
    thread.request_stop();
    thread.join();
    EXPECT_FALSE(thread.joinable());
    const std::uint64_t after_join = polls.load();
    EXPECT_GT(after_join, 0u);
    std::this_thread::sleep_for(2ms);
    EXPECT_EQ(polls.load(), after_join) << "the body ran after join";
    thread.request_stop();  // repeated stop and join are harmless
    thread.join();
}

TEST(shard_thread, idle_poll_body_backs_off_and_still_stops_promptly) {
    std::atomic<std::uint64_t> polls{0};
    shard_thread thread;
    shard_thread_options options;
    options.idle = {.spins = 10, .yields = 10, .sleep = 1ms};
    const auto started_at = std::chrono::steady_clock::now();
    thread.start(std::move(options), [&]() -> std::size_t {
        polls.fetch_add(1, std::memory_order_relaxed);
        return 0;  // never any work
    });
    // Into the sleep phase, then a while longer.
    const auto deadline = started_at + 5s;
    while (polls.load() < 30 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_GE(polls.load(), 30u);
    std::this_thread::sleep_for(20ms);
    const auto stop_at = std::chrono::steady_clock::now();
    thread.request_stop();
    thread.join();
    const auto stopped_at = std::chrono::steady_clock::now();
    EXPECT_LT(stopped_at - stop_at, 1s) << "stop must be noticed within about one sleep";
    // After 20 spin/yield polls every idle poll sleeps >= 1 ms: a busy loop would poll millions
    // of times in the same span.
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(stopped_at - started_at).count();
    EXPECT_LE(polls.load(), 20u + static_cast<std::uint64_t>(elapsed_ms) + 2u);
}

TEST(shard_thread, loop_body_receives_the_stop_token) {
    std::atomic<bool> returned{false};
    shard_thread thread;
    thread.start({}, [&](std::stop_token stop) {
        while (!stop.stop_requested()) std::this_thread::sleep_for(100us);
        returned.store(true, std::memory_order_release);
    });
    thread.request_stop();
    thread.join();
    EXPECT_TRUE(returned.load());
}

TEST(shard_thread, destructor_stops_and_joins_a_running_thread) {
    std::atomic<bool> returned{false};
    {
        shard_thread thread;
        thread.start({}, [&](std::stop_token stop) {
            while (!stop.stop_requested()) std::this_thread::sleep_for(100us);
            returned.store(true, std::memory_order_release);
        });
    }
    EXPECT_TRUE(returned.load());
}

TEST(shard_thread, a_running_thread_can_be_moved_and_stopped_through_its_new_owner) {
    std::atomic<std::uint64_t> polls{0};
    std::vector<shard_thread> threads;
    for (int i = 0; i < 2; ++i) {
        shard_thread thread;
        thread.start({}, [&]() -> std::size_t {
            polls.fetch_add(1, std::memory_order_relaxed);
            return 0;
        });
        threads.push_back(std::move(thread));
        EXPECT_FALSE(thread.joinable());  // NOLINT(bugprone-use-after-move): moved-from is empty
    }
    for (auto& t : threads) t.request_stop();
    for (auto& t : threads) t.join();
    for (auto& t : threads) EXPECT_FALSE(t.joinable());
}

TEST(idle_backoff, spins_then_yields_then_sleeps_and_work_resets_it) {
    idle_backoff backoff({.spins = 3, .yields = 2, .sleep = 1us});
    using step = idle_backoff::step;
    const std::vector<step> expected{step::spin,  step::spin,  step::spin, step::yield,
                                     step::yield, step::sleep, step::sleep};
    std::vector<step> got;
    for (std::size_t i = 0; i < expected.size(); ++i) got.push_back(backoff.idle());
    EXPECT_EQ(got, expected);
    backoff.reset();
    EXPECT_EQ(backoff.idle(), step::spin);
}

TEST(idle_backoff, a_wait_hook_replaces_the_sleep_and_gets_wait_max) {
    struct hook {
        std::vector<std::chrono::microseconds> calls;
        static void wait(void* self, std::chrono::microseconds max) noexcept {
            static_cast<hook*>(self)->calls.push_back(max);
        }
    } h;
    idle_options o{.spins = 1, .yields = 1, .sleep = 1us};
    o.wait = &hook::wait;
    o.wait_context = &h;
    o.wait_max = 7ms;
    idle_backoff backoff(o);
    using step = idle_backoff::step;
    const std::vector<step> expected{step::spin, step::yield, step::wait, step::wait};
    std::vector<step> got;
    for (std::size_t i = 0; i < expected.size(); ++i) got.push_back(backoff.idle());
    EXPECT_EQ(got, expected);
    EXPECT_EQ(h.calls, (std::vector<std::chrono::microseconds>{7ms, 7ms}));
}

TEST(pin_status, has_names_for_logging) {
    EXPECT_EQ(to_string(pin_status::pinned_elsewhere), "pinned_elsewhere");
    EXPECT_EQ(to_string(pin_status::not_pinned_unavailable), "not_pinned_unavailable");
}

}  // namespace
}  // namespace flowbridge::pipeline
