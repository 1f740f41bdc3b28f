#include "transports/mqtt/backoff.h"

#include <algorithm>
#include <cmath>

namespace flowbridge::mqtt {

backoff::backoff(backoff_options options, std::uint64_t seed) noexcept
    : options_(options), state_(seed) {
    if (options_.initial.count() < 0) options_.initial = std::chrono::milliseconds(0);
    if (options_.maximum < options_.initial) options_.maximum = options_.initial;
    if (!(options_.multiplier >= 1.0)) options_.multiplier = 1.0;
    options_.jitter = std::clamp(options_.jitter, 0.0, 1.0);
}

std::chrono::milliseconds backoff::ceiling() const noexcept {
    const double initial = static_cast<double>(options_.initial.count());
    const double maximum = static_cast<double>(options_.maximum.count());
    // pow() of a large attempt count saturates to inf; min() brings it back to the cap.
    const double d = std::min(maximum, initial * std::pow(options_.multiplier, attempts_));
    return std::chrono::milliseconds(static_cast<std::int64_t>(d));
}

std::chrono::milliseconds backoff::next() noexcept {
    const auto top = ceiling();
    if (attempts_ < 1'000'000) ++attempts_;
    // 53 random bits → a double in [0, 1).
    const double u = static_cast<double>(random() >> 11) * (1.0 / 9007199254740992.0);
    const double d = static_cast<double>(top.count()) * (1.0 - options_.jitter * u);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(d)));
}

std::uint64_t backoff::random() noexcept {
    // splitmix64 (Steele, Lea, Flood 2014): tiny, fast, good enough for jitter.
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace flowbridge::mqtt
