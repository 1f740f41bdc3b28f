#pragma once

#include <atomic>
#include <cstdint>

namespace flowbridge {

/// Monotonic time in nanoseconds; the origin is unspecified, only differences mean anything.
using mono_ns = std::int64_t;

constexpr mono_ns ns_per_ms = 1'000'000;
constexpr mono_ns ns_per_s = 1'000'000'000;

/// The time source injected into every stage that reads time (expiry, batch latency, arrival
/// stamps), so that tests drive time by hand. Implementations are thread-safe.
class clock {
public:
    virtual ~clock() = default;
    /// Monotonic nanoseconds, for durations (queueing time, batch age).
    virtual mono_ns now() const noexcept = 0;
    /// Wall-clock milliseconds since the Unix epoch, for Kafka CreateTime and MQTT `Timestamp`.
    virtual std::int64_t wall_ms() const noexcept = 0;
};

/// The real clocks: std::chrono::steady_clock and system_clock.
class system_clock final : public clock {
public:
    mono_ns now() const noexcept override;
    std::int64_t wall_ms() const noexcept override;
};

/// A clock that moves only when told to. Safe to read from any thread while one thread advances it.
class manual_clock final : public clock {
public:
    explicit manual_clock(mono_ns start = 0, std::int64_t wall_ms_start = 1'700'000'000'000) noexcept
        : now_(start), wall_ms_(wall_ms_start) {}

    mono_ns now() const noexcept override { return now_.load(std::memory_order_acquire); }
    std::int64_t wall_ms() const noexcept override {
        return wall_ms_.load(std::memory_order_acquire);
    }

    /// Moves both clocks forward by `delta` nanoseconds.
    void advance(mono_ns delta) noexcept {
        now_.fetch_add(delta, std::memory_order_acq_rel);
        wall_ms_.fetch_add(delta / ns_per_ms, std::memory_order_acq_rel);
    }

private:
    std::atomic<mono_ns> now_;
    std::atomic<std::int64_t> wall_ms_;
};

}  // namespace flowbridge
