#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "engine/pipeline/core_plan.h"

namespace flowbridge::pipeline {

// ---- pinning -----------------------------------------------------------------------------------

/// What to do when the requested CPU does not exist or is outside this process's cpuset (for
/// example a plan made for 8 cores running in a 2-core container).
enum class unavailable_cpu_policy : std::uint8_t {
    wrap,      ///< pin to allowed[requested % allowed.size()] instead
    dont_pin,  ///< leave the thread unpinned
};

/// What pinning did. The engine never prints: the caller logs this.
enum class pin_status : std::uint8_t {
    pinned,                  ///< running on exactly the requested CPU
    pinned_elsewhere,        ///< requested CPU unavailable; pinned to another allowed CPU (wrap)
    not_pinned_unavailable,  ///< requested CPU unavailable and policy dont_pin (or no CPU allowed)
    not_pinned_failed,       ///< the kernel refused (pin_report::error holds the errno)
    not_requested,           ///< no CPU was asked for
};

std::string_view to_string(pin_status s) noexcept;

struct pin_report {
    pin_status status = pin_status::not_requested;
    std::optional<cpu_id> requested;
    /// The CPU the thread is pinned to; empty unless status is pinned or pinned_elsewhere.
    std::optional<cpu_id> cpu;
    /// errno of the failing pthread_setaffinity_np (not_pinned_failed), else 0.
    int error = 0;

    bool is_pinned() const noexcept {
        return status == pin_status::pinned || status == pin_status::pinned_elsewhere;
    }
};

/// Pins the calling thread to `requested`, degrading as `policy` says when that CPU is not
/// available; `allowed` is the fallback set (normally allowed_cpus()). Not for the hot path.
pin_report pin_current_thread(std::optional<cpu_id> requested, unavailable_cpu_policy policy,
                              std::span<const cpu_id> allowed) noexcept;

/// Names the calling thread for top/perf/gdb (Linux keeps the first 15 characters).
void name_current_thread(std::string_view name) noexcept;

// ---- idling ------------------------------------------------------------------------------------

struct idle_options {
    /// Polls that find no work and only pause the CPU. Cheap to come back from (tens of ns), so a
    /// burst that resumes within a few microseconds sees no added latency.
    std::uint32_t spins = 1000;
    /// Then polls that call sched_yield: give the CPU to any other runnable thread. This matters
    /// when threads outnumber CPUs (core_plan status shared, e.g. a split plan on 2 cores with
    /// transport threads), where spinning would steal the time slice of the thread we wait for.
    std::uint32_t yields = 100;
    /// Then each idle poll sleeps this long. An idle flow must not hold a core at 100 % forever;
    /// the price is at most this (plus the kernel's timer slack, 50 µs by default) of extra latency
    /// for the first message after a quiet period, and the same bound on noticing a stop request.
    std::chrono::microseconds sleep{100};
    /// Instead of sleeping: a wait the owner provides — blocking on its sockets and wakeup
    /// descriptors until one is ready, or `wait_max` passed — so that an idle shard costs no CPU
    /// and wakes as soon as work arrives (docs/architecture.md, "Idle shards"). Called on the
    /// thread, with `wait_context`. nullptr: sleep as above.
    using wait_fn = void (*)(void* context, std::chrono::microseconds max) noexcept;
    wait_fn wait = nullptr;
    void* wait_context = nullptr;
    /// The longest single wait: also how long a stop request or a flag set by another thread
    /// (which do not wake the wait) may go unnoticed.
    std::chrono::microseconds wait_max{10000};
};

/// Spin, then yield, then sleep: the back-off of a polling thread that found nothing to do.
/// Owned and used by one thread; not thread-safe.
class idle_backoff {
public:
    enum class step : std::uint8_t { spin, yield, sleep, wait };

    explicit idle_backoff(idle_options options = {}) noexcept : options_(options) {}

    /// Call after a poll that did work: the next idle poll starts spinning again.
    void reset() noexcept { idle_polls_ = 0; }

    /// Call after a poll that found nothing; waits as the current phase says, returns which.
    step idle() noexcept;

private:
    idle_options options_;
    std::uint64_t idle_polls_ = 0;
};

// ---- the thread --------------------------------------------------------------------------------

struct shard_thread_options {
    /// The CPU to pin to (normally core_plan::threads[i].cpu); empty = don't pin.
    std::optional<cpu_id> cpu;
    unavailable_cpu_policy if_unavailable = unavailable_cpu_policy::wrap;
    /// Thread name, e.g. "fb-s0-ingress" (15 characters are kept).
    std::string name;
    /// Back-off of the poll form (see shard_thread::start); unused by the loop form.
    idle_options idle;
};

/// A body the thread calls in a loop: returns how much work it did, 0 when it found none (then
/// the thread backs off as idle_options says). Called from the worker thread only.
template <class Body>
concept poll_body = std::invocable<Body&> &&
                    std::convertible_to<std::invoke_result_t<Body&>, std::size_t>;

/// A body that owns its loop: runs until the stop token says stop, then returns.
template <class Body>
concept loop_body = std::invocable<Body&, std::stop_token>;

/// One pinned worker thread of a shard pipeline.
///
/// Owned by the control thread that created it (the pipeline's start/stop code): start(),
/// request_stop(), join() and the destructor are called from that thread only, never from the
/// worker. The body runs on the worker; it sees only what it captured, so a shard_thread may be
/// moved (e.g. kept in a std::vector) while it runs.
///
/// The seam for engine/pipeline/shard_pipeline: per planned_thread of a core_plan, start one
/// shard_thread with options.cpu = planned_thread.cpu and a body that runs that thread's stages
/// (fused: the whole shard; split: one side of the spsc_ring). Stop = request_stop() on all
/// threads, then join(); a body that must drain does so after its stop token fires.
class shard_thread {
public:
    shard_thread() noexcept = default;
    shard_thread(shard_thread&&) noexcept = default;
    shard_thread& operator=(shard_thread&&) noexcept = default;  // joins a running target first
    /// Requests stop and joins.
    ~shard_thread() = default;

    /// Starts the worker: it names itself, pins itself (before running a single instruction of the
    /// body, so memory the body first touches is allocated near its CPU), then runs `body`:
    /// * a poll_body is called until stop is requested, backing off after polls that return 0;
    /// * a loop_body is called once with the thread's stop token and must return once it fires.
    /// Returns once the worker has pinned itself, with what pinning did (for the caller to log).
    /// Precondition: not running (joinable() is false). Throws std::system_error if the thread
    /// cannot be created (control plane, start-up).
    template <class Body>
        requires poll_body<Body> || loop_body<Body>
    pin_report start(shard_thread_options options, Body body) {
        std::promise<pin_report> pinned;
        std::future<pin_report> report = pinned.get_future();
        thread_ = std::jthread([options = std::move(options), body = std::move(body),
                                pinned = std::move(pinned)](std::stop_token stop) mutable {
            name_current_thread(options.name);
            pinned.set_value(
                pin_current_thread(options.cpu, options.if_unavailable, allowed_cpus()));
            if constexpr (loop_body<Body>) {
                body(std::move(stop));
            } else {
                idle_backoff backoff(options.idle);
                while (!stop.stop_requested()) {
                    if (static_cast<std::size_t>(body()) != 0) {
                        backoff.reset();
                    } else {
                        backoff.idle();
                    }
                }
            }
        });
        return report.get();
    }

    /// Asks the worker to stop; does not wait. Safe to call repeatedly, or when not running.
    void request_stop() noexcept { thread_.request_stop(); }

    /// Waits for the worker to return. No-op when not running.
    void join() noexcept {
        if (thread_.joinable()) thread_.join();
    }

    bool joinable() const noexcept { return thread_.joinable(); }

private:
    std::jthread thread_;
};

}  // namespace flowbridge::pipeline
