#include "engine/metrics/metric.h"

#include <cmath>
#include <new>
#include <stdexcept>

namespace flowbridge::metrics {

void histogram::aligned_delete::operator()(std::atomic<std::uint64_t>* p) const noexcept {
    // The cells are trivially destructible; only the storage is released.
    ::operator delete[](static_cast<void*>(p), std::align_val_t{cache_line});
}

histogram::histogram(std::span<const std::int64_t> bounds, double scale, std::size_t shards)
    : bounds_(bounds.begin(), bounds.end()),
      scale_(scale),
      shards_(std::max<std::size_t>(shards, 1)) {
    for (std::size_t i = 1; i < bounds_.size(); ++i) {
        if (bounds_[i] <= bounds_[i - 1]) {
            throw std::invalid_argument("histogram bounds must be strictly increasing");
        }
    }
    if (!(scale_ > 0) || !std::isfinite(scale_)) {
        throw std::invalid_argument("histogram scale must be a positive finite number");
    }
    // [sum, bucket 0 .. bucket n] rounded up to whole cache lines, so that shards never share one.
    constexpr std::size_t per_line = cache_line / sizeof(std::atomic<std::uint64_t>);
    const std::size_t cells = 1 + bounds_.size() + 1;
    stride_ = (cells + per_line - 1) / per_line * per_line;
    const std::size_t total = stride_ * shards_;
    void* raw =
        ::operator new[](total * sizeof(std::atomic<std::uint64_t>), std::align_val_t{cache_line});
    auto* first = static_cast<std::atomic<std::uint64_t>*>(raw);
    for (std::size_t i = 0; i < total; ++i) new (first + i) std::atomic<std::uint64_t>(0);
    cells_.reset(first);
}

std::int64_t histogram::read(std::span<std::uint64_t> buckets) const noexcept {
    std::uint64_t sum = 0;
    for (auto& b : buckets) b = 0;
    for (std::size_t s = 0; s < shards_; ++s) {
        const std::atomic<std::uint64_t>* cells = cells_.get() + s * stride_;
        sum += cells[0].load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < buckets.size(); ++i) {
            buckets[i] += cells[1 + i].load(std::memory_order_relaxed);
        }
    }
    return static_cast<std::int64_t>(sum);
}

histogram::snapshot histogram::read() const {
    snapshot out;
    out.buckets.resize(bounds_.size() + 1);
    out.sum = read(out.buckets);
    for (auto b : out.buckets) out.count += b;
    return out;
}

std::vector<std::int64_t> exponential_bounds(std::int64_t start, double factor, std::size_t count) {
    if (start <= 0 || !(factor > 1) || count == 0) {
        throw std::invalid_argument("exponential_bounds: need start > 0, factor > 1, count > 0");
    }
    std::vector<std::int64_t> out;
    out.reserve(count);
    double v = static_cast<double>(start);
    for (std::size_t i = 0; i < count; ++i) {
        auto b = static_cast<std::int64_t>(std::llround(v));
        if (!out.empty() && b <= out.back()) b = out.back() + 1;
        out.push_back(b);
        v *= factor;
    }
    return out;
}

std::vector<std::int64_t> linear_bounds(std::int64_t start, std::int64_t width, std::size_t count) {
    if (width <= 0 || count == 0) {
        throw std::invalid_argument("linear_bounds: need width > 0, count > 0");
    }
    std::vector<std::int64_t> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(start + static_cast<std::int64_t>(i) * width);
    }
    return out;
}

}  // namespace flowbridge::metrics
