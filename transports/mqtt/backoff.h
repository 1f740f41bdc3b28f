#pragma once

#include <chrono>
#include <cstdint>

namespace flowbridge::mqtt {

/// Reconnect delays: exponential growth with random jitter, capped.
struct backoff_options {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds maximum{30'000};
    double multiplier = 2.0;
    /// Each delay is drawn uniformly from [d × (1 − jitter), d], d the exponential delay: many
    /// instances that lost the same broker do not come back in lock step.
    double jitter = 0.5;
    /// A connection that stayed up at least this long resets the delay to `initial`.
    std::chrono::milliseconds stable_after{10'000};
};

/// Exponential back-off with jitter for reconnect attempts. Pure and deterministic for a given
/// seed (a splitmix64 generator, so tests can print and replay the seed). Owned by one thread.
class backoff {
public:
    explicit backoff(backoff_options options = {}, std::uint64_t seed = 0x9e3779b97f4a7c15ULL) noexcept;

    /// The delay before the next attempt; each call counts one more attempt.
    std::chrono::milliseconds next() noexcept;
    /// The upper bound next() draws from for the current attempt (before jitter).
    std::chrono::milliseconds ceiling() const noexcept;
    /// After a connection that proved healthy: the next delay is `initial` again.
    void reset() noexcept { attempts_ = 0; }
    std::uint32_t attempts() const noexcept { return attempts_; }
    const backoff_options& options() const noexcept { return options_; }

private:
    std::uint64_t random() noexcept;

    backoff_options options_;
    std::uint64_t state_;
    std::uint32_t attempts_ = 0;
};

}  // namespace flowbridge::mqtt
