#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace flowbridge {

/// The cache-line size the ring pads to. A fixed 64 rather than
/// std::hardware_destructive_interference_size: GCC warns (-Winterference-size) that the latter may
/// change between compiler versions, which would silently change the layout of a type used across
/// translation units. 64 bytes is the line size of every x86-64 and of the AArch64 server cores we
/// run on.
inline constexpr std::size_t ring_cache_line = 64;

/// What the ring can hold: anything it can move in and out, and destroy, without throwing. Message
/// views and other trivially-copyable types qualify; so do move-only owners like std::unique_ptr.
template <class T>
concept ring_element = std::is_nothrow_move_constructible_v<T> &&
                       std::is_nothrow_move_assignable_v<T> && std::is_nothrow_destructible_v<T>;

/// A bounded, wait-free, single-producer / single-consumer ring buffer: the only way data crosses
/// between two threads of a shard pipeline (SPEC §5). Design notes: engine/ring/README.md.
///
/// Threads: exactly one producer thread may call try_emplace(), try_push() and push_batch();
/// exactly one consumer thread may call try_pop() and pop_batch(). Which threads those are may
/// change over the ring's life only across a happens-before edge (e.g. a thread join). capacity(),
/// size_approx() and empty() may be called from any thread, but only the producer or consumer gets
/// a useful bound from the latter two (see there). Construction and destruction happen while no
/// other thread uses the ring.
///
/// Memory: one allocation, in the constructor (the only thing that can throw: std::bad_alloc, or
/// std::length_error for an absurd capacity).
/// Everything after is noexcept and allocation-free. Elements still in the ring when it is
/// destroyed are destroyed with it.
///
/// Capacity: the requested capacity rounded up to a power of two (at least 1); all of it is usable
/// (the indices run freely and are masked, so no slot is sacrificed to tell full from empty).
template <ring_element T>
class spsc_ring {
public:
    using value_type = T;

    /// The largest capacity the constructor accepts (a power of two, far beyond any real memory).
    static constexpr std::size_t max_capacity =
        std::bit_floor(static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) /
                       sizeof(T) / 2);

    /// Allocates room for `min_capacity` rounded up to a power of two elements.
    /// Precondition: min_capacity <= max_capacity (else std::length_error).
    explicit spsc_ring(std::size_t min_capacity)
        : capacity_(round_capacity(min_capacity)),
          mask_(capacity_ - 1),
          storage_(allocator_traits::allocate(allocator_, capacity_ + 2 * padding_slots)),
          slots_(storage_ + padding_slots) {}

    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    ~spsc_ring() {
        // No other thread may touch the ring now, so relaxed loads see the final indices.
        const std::size_t write = write_index_.load(std::memory_order_relaxed);
        const std::size_t read = read_index_.load(std::memory_order_relaxed);
        for (std::size_t i = read; i != write; ++i) std::destroy_at(slots_ + (i & mask_));
        allocator_traits::deallocate(allocator_, storage_, capacity_ + 2 * padding_slots);
    }

    // ---- producer side ------------------------------------------------------------------------

    /// Constructs an element in place from `args`. Returns false, constructing nothing (and so
    /// leaving moved-from candidates untouched), when the ring is full. Producer thread only.
    template <class... Args>
        requires std::is_nothrow_constructible_v<T, Args&&...>
    bool try_emplace(Args&&... args) noexcept {
        const std::size_t write = write_index_.load(std::memory_order_relaxed);
        if (write - read_index_cache_ == capacity_) {
            // Acquire pairs with the consumer's release store of read_index_: the consumer has
            // finished moving out of and destroying the slot we are about to construct into.
            read_index_cache_ = read_index_.load(std::memory_order_acquire);
            if (write - read_index_cache_ == capacity_) return false;
        }
        std::construct_at(slots_ + (write & mask_), std::forward<Args>(args)...);
        // Release publishes the constructed element to the consumer's acquire load of write_index_.
        write_index_.store(write + 1, std::memory_order_release);
        return true;
    }

    /// Moves (or copies) `value` into the ring. Returns false when the ring is full; `value` is
    /// then left as it was, so a move-only value is not lost. Producer thread only.
    bool try_push(T&& value) noexcept { return try_emplace(std::move(value)); }
    bool try_push(const T& value) noexcept
        requires std::is_nothrow_copy_constructible_v<T>
    {
        return try_emplace(value);
    }

    /// Copies as many leading elements of `values` as fit; returns how many (0 when full). One
    /// release store publishes the whole batch. Producer thread only.
    std::size_t push_batch(std::span<const T> values) noexcept
        requires std::is_nothrow_copy_constructible_v<T>
    {
        const std::size_t write = write_index_.load(std::memory_order_relaxed);
        std::size_t room = capacity_ - (write - read_index_cache_);
        if (room < values.size()) {
            // Same pairing as in try_emplace().
            read_index_cache_ = read_index_.load(std::memory_order_acquire);
            room = capacity_ - (write - read_index_cache_);
        }
        const std::size_t n = std::min(room, values.size());
        if (n == 0) return 0;
        const std::size_t start = write & mask_;
        const std::size_t first = std::min(n, capacity_ - start);  // up to the end of the storage
        std::uninitialized_copy_n(values.data(), first, slots_ + start);
        std::uninitialized_copy_n(values.data() + first, n - first, slots_);
        write_index_.store(write + n, std::memory_order_release);
        return n;
    }

    // ---- consumer side ------------------------------------------------------------------------

    /// Moves the oldest element into `out`. Returns false, leaving `out` untouched, when the ring
    /// is empty. Consumer thread only.
    bool try_pop(T& out) noexcept {
        const std::size_t read = read_index_.load(std::memory_order_relaxed);
        if (read == write_index_cache_) {
            // Acquire pairs with the producer's release: the element's construction is visible.
            write_index_cache_ = write_index_.load(std::memory_order_acquire);
            if (read == write_index_cache_) return false;
        }
        T* slot = slots_ + (read & mask_);
        out = std::move(*slot);
        std::destroy_at(slot);
        // Release hands the slot back: the producer's acquire load of read_index_ orders its next
        // construction into this slot after our move-out and destruction.
        read_index_.store(read + 1, std::memory_order_release);
        return true;
    }

    /// Moves up to out.size() of the oldest elements into `out`, in order; returns how many (0 when
    /// empty). One release store hands all the slots back. Consumer thread only.
    std::size_t pop_batch(std::span<T> out) noexcept {
        const std::size_t read = read_index_.load(std::memory_order_relaxed);
        std::size_t available = write_index_cache_ - read;
        if (available < out.size()) {
            // Same pairing as in try_pop().
            write_index_cache_ = write_index_.load(std::memory_order_acquire);
            available = write_index_cache_ - read;
        }
        const std::size_t n = std::min(available, out.size());
        if (n == 0) return 0;
        const std::size_t start = read & mask_;
        const std::size_t first = std::min(n, capacity_ - start);
        std::move(slots_ + start, slots_ + start + first, out.data());
        std::destroy_n(slots_ + start, first);
        std::move(slots_, slots_ + (n - first), out.data() + first);
        std::destroy_n(slots_, n - first);
        read_index_.store(read + n, std::memory_order_release);
        return n;
    }

    // ---- either side --------------------------------------------------------------------------

    /// How many elements the ring holds, 0..capacity(). Exact when neither side is mid-operation;
    /// otherwise a snapshot that may already be stale. For the consumer it is a lower bound of what
    /// it can pop, for the producer an upper bound of what is queued. Any thread.
    std::size_t size_approx() const noexcept {
        // Read the consumer's index first: the producer's index can only be ahead of it, so the
        // difference never underflows. Acquire on read_index_ makes the later load of write_index_
        // see at least the value the consumer saw when it advanced.
        const std::size_t read = read_index_.load(std::memory_order_acquire);
        const std::size_t write = write_index_.load(std::memory_order_acquire);
        return std::min(write - read, capacity_);
    }

    /// size_approx() == 0: reliable "nothing to pop right now" for the consumer, and "the consumer
    /// has taken everything pushed so far" for the producer. Any thread.
    bool empty() const noexcept { return size_approx() == 0; }

    /// The number of elements the ring holds when full: a power of two. Any thread.
    std::size_t capacity() const noexcept { return capacity_; }

private:
    using allocator_type = std::allocator<T>;
    using allocator_traits = std::allocator_traits<allocator_type>;

    // Unused slots before and after the element storage, so that no other heap object shares a
    // cache line with the first or last slot.
    static constexpr std::size_t padding_slots = (ring_cache_line - 1) / sizeof(T) + 1;

    static std::size_t round_capacity(std::size_t min_capacity) {
        if (min_capacity > max_capacity) throw std::length_error("spsc_ring: capacity too large");
        return std::bit_ceil(std::max<std::size_t>(min_capacity, 1));
    }

    // Read-only after construction: shared by both threads, never written, so it may share a line.
    [[no_unique_address]] allocator_type allocator_;
    const std::size_t capacity_;
    const std::size_t mask_;
    T* const storage_;
    T* const slots_;

    // Producer line: the producer writes write_index_ and owns read_index_cache_, its private
    // (possibly stale) copy of read_index_. The copy is what makes the common case cheap: while the
    // ring is known not to be full, pushing touches only this line, and the consumer's line is read
    // (and pulled across cores) only when the cached view says "full".
    alignas(ring_cache_line) std::atomic<std::size_t> write_index_{0};
    std::size_t read_index_cache_ = 0;

    // Consumer line, the mirror image: while the cached view says "not empty", popping never reads
    // the producer's line.
    alignas(ring_cache_line) std::atomic<std::size_t> read_index_{0};
    std::size_t write_index_cache_ = 0;

    // sizeof(*this) is a multiple of the alignment, so the consumer line is padded to its end and
    // the next object cannot share it.
};

}  // namespace flowbridge
