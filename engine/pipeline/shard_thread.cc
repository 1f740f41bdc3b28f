#include "engine/pipeline/shard_thread.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

namespace flowbridge::pipeline {
namespace {

// Tells the CPU this is a spin-wait: saves power and, on SMT cores, leaves the pipeline to the
// sibling thread; on x86 it also avoids the memory-order mis-speculation penalty on loop exit.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

// 0 on success, else the errno-style code pthread_setaffinity_np returned.
int set_affinity(cpu_id cpu) noexcept {
    if (cpu.value < 0 || cpu.value >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu.value, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

}  // namespace

std::string_view to_string(pin_status s) noexcept {
    switch (s) {
        case pin_status::pinned: return "pinned";
        case pin_status::pinned_elsewhere: return "pinned_elsewhere";
        case pin_status::not_pinned_unavailable: return "not_pinned_unavailable";
        case pin_status::not_pinned_failed: return "not_pinned_failed";
        case pin_status::not_requested: return "not_requested";
    }
    return "unknown";
}

pin_report pin_current_thread(std::optional<cpu_id> requested, unavailable_cpu_policy policy,
                              std::span<const cpu_id> allowed) noexcept {
    pin_report report;
    report.requested = requested;
    if (!requested) return report;  // not_requested

    const int error = set_affinity(*requested);
    if (error == 0) {
        report.status = pin_status::pinned;
        report.cpu = requested;
        return report;
    }
    // EINVAL: the CPU does not exist, is offline, or is outside our cpuset. Anything else is a
    // genuine failure that a different CPU will not fix.
    if (error != EINVAL) {
        report.status = pin_status::not_pinned_failed;
        report.error = error;
        return report;
    }
    if (policy == unavailable_cpu_policy::dont_pin || allowed.empty()) {
        report.status = pin_status::not_pinned_unavailable;
        return report;
    }
    const cpu_id fallback =
        allowed[static_cast<std::size_t>(requested->value < 0 ? 0 : requested->value) %
                allowed.size()];
    if (const int fallback_error = set_affinity(fallback); fallback_error != 0) {
        report.status = pin_status::not_pinned_failed;
        report.error = fallback_error;
        return report;
    }
    report.status = pin_status::pinned_elsewhere;
    report.cpu = fallback;
    return report;
}

void name_current_thread(std::string_view name) noexcept {
    if (name.empty()) return;
    char truncated[16] = {};  // the kernel's limit, terminator included
    std::memcpy(truncated, name.data(), name.size() < 15 ? name.size() : 15);
    pthread_setname_np(pthread_self(), truncated);
}

idle_backoff::step idle_backoff::idle() noexcept {
    const std::uint64_t n = idle_polls_++;
    if (n < options_.spins) {
        cpu_relax();
        return step::spin;
    }
    if (n < std::uint64_t{options_.spins} + options_.yields) {
        std::this_thread::yield();
        return step::yield;
    }
    if (options_.wait != nullptr) {
        options_.wait(options_.wait_context, options_.wait_max);
        return step::wait;
    }
    std::this_thread::sleep_for(options_.sleep);
    return step::sleep;
}

}  // namespace flowbridge::pipeline
