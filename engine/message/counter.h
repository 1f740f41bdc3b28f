#pragma once

#include <atomic>
#include <cstdint>

namespace flowbridge {

/// A monotonically increasing count with exactly one writer thread and any number of readers
/// (the metrics exporter). The writer uses a relaxed load + store instead of fetch_add: with a
/// single writer no update can be lost, and it avoids a locked read-modify-write on the hot path.
class counter {
public:
    void add(std::uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

}  // namespace flowbridge
