#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/message/counter.h"

namespace flowbridge::metrics {

/// One cache line: data-path cells written by different threads never share one (false sharing).
inline constexpr std::size_t cache_line = 64;

/// A counter split into one single-writer cell per shard, summed when scraped.
///
/// Created by the registry at start-up (the only allocation); afterwards shard `i` is written only
/// by the thread that owns shard `i` (`add(i, n)` is a relaxed load + store, see counter.h: no
/// locked instruction, no allocation), and read by any thread. Each cell has its own cache line.
/// value() is a sum of relaxed loads: every cell is monotonic, so the sum of a later scrape is
/// never smaller than that of an earlier one, but a sum is not a snapshot of one instant.
class sharded_counter {
  public:
    explicit sharded_counter(std::size_t shards)
        : shards_(std::max<std::size_t>(shards, 1)), cells_(new cell[shards_]) {}

    /// Precondition: `shard < shards()`, and the calling thread is that shard's only writer.
    void add(std::size_t shard, std::uint64_t n = 1) noexcept { cells_[shard].value.add(n); }
    /// The cell itself, for code that already counts with `flowbridge::counter&`.
    counter& shard(std::size_t shard) noexcept { return cells_[shard].value; }

    std::uint64_t value() const noexcept {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < shards_; ++i) sum += cells_[i].value.value();
        return sum;
    }
    std::size_t shards() const noexcept { return shards_; }

  private:
    struct alignas(cache_line) cell {
        counter value;
    };
    std::size_t shards_;
    std::unique_ptr<cell[]> cells_;
};

/// A value that goes up and down (in-flight records, connection state, token expiry time).
/// Any thread may write: set() is a relaxed store, add() a relaxed fetch_add. Readers see some
/// recent value; no ordering with other memory is implied or needed.
class gauge {
  public:
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    alignas(cache_line) std::atomic<std::int64_t> value_{0};
};

/// A Prometheus histogram over integer observations (nanoseconds, record counts, bytes) with
/// fixed upper bounds, shown multiplied by `scale` (1e-9 turns nanoseconds into the base unit,
/// seconds).
///
/// Writers: any thread. observe() finds the bucket by binary search over the immutable bounds and
/// does two relaxed fetch_adds (bucket, sum): no lock, no allocation. Several shards may be given
/// so that each shard's thread increments its own cache lines (no contention); observing into a
/// shared shard is still correct, only slower.
///
/// Memory ordering: everything is relaxed. The scraper reads each bucket once and derives the
/// cumulative `le` counts and `_count` from those same reads, so within one exposition
/// `_count == le="+Inf"` and the buckets are non-decreasing, and every series only grows from one
/// scrape to the next (each atomic is read coherently). `_sum` is read separately and may lag or
/// lead the buckets by the observations that were in progress; Prometheus tolerates that.
class histogram {
  public:
    /// `bounds`: strictly increasing upper bounds (inclusive, as `le`), without +Inf.
    /// Throws std::invalid_argument when they are not strictly increasing (start-up only).
    histogram(std::span<const std::int64_t> bounds, double scale, std::size_t shards = 1);

    void observe(std::int64_t v, std::size_t shard = 0) noexcept {
        const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
        std::atomic<std::uint64_t>* cells = cells_.get() + shard * stride_;
        cells[1 + bucket].fetch_add(1, std::memory_order_relaxed);
        // The sum is kept modulo 2^64 and read back as signed: negative values add correctly.
        cells[0].fetch_add(static_cast<std::uint64_t>(v), std::memory_order_relaxed);
    }

    /// observe() for a caller that is the only thread writing `shard`'s cells (a shard thread
    /// observing into its own shard): a load and a store per cell instead of a locked
    /// read-modify-write. Readers are unaffected.
    void observe_exclusive(std::int64_t v, std::size_t shard) noexcept {
        const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
        std::atomic<std::uint64_t>* cells = cells_.get() + shard * stride_;
        std::atomic<std::uint64_t>& b = cells[1 + bucket];
        b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        cells[0].store(cells[0].load(std::memory_order_relaxed) + static_cast<std::uint64_t>(v),
                       std::memory_order_relaxed);
    }

    /// Bucket i counts observations `bounds[i-1] < v <= bounds[i]`; the last one (index
    /// bounds().size()) counts `v > bounds().back()`. Not cumulative. Summed over shards.
    struct snapshot {
        std::vector<std::uint64_t> buckets;
        std::int64_t sum = 0;
        std::uint64_t count = 0;  // sum of buckets
    };
    snapshot read() const;
    /// Allocation-free variant: `buckets.size()` must be bounds().size() + 1; returns the sum.
    std::int64_t read(std::span<std::uint64_t> buckets) const noexcept;

    std::span<const std::int64_t> bounds() const noexcept { return bounds_; }
    double scale() const noexcept { return scale_; }
    std::size_t shards() const noexcept { return shards_; }

  private:
    struct aligned_delete {
        void operator()(std::atomic<std::uint64_t>* p) const noexcept;
    };

    std::vector<std::int64_t> bounds_;
    double scale_;
    std::size_t shards_;
    // Per shard, `stride_` cells starting on a cache line: [0] the sum, [1 + i] bucket i.
    std::size_t stride_;
    std::unique_ptr<std::atomic<std::uint64_t>[], aligned_delete> cells_;
};

/// `count` bounds start, start*factor, start*factor², … (rounded to integers, strictly
/// increasing). Throws std::invalid_argument on start <= 0, factor <= 1 or count == 0.
std::vector<std::int64_t> exponential_bounds(std::int64_t start, double factor, std::size_t count);
/// `count` bounds start, start+width, …
std::vector<std::int64_t> linear_bounds(std::int64_t start, std::int64_t width, std::size_t count);

}  // namespace flowbridge::metrics
