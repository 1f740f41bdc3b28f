#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace flowbridge {

/// A fixed set of reusable slots (outbound records), allocated once at start-up. The number of
/// slots is the shard's in-flight bound: when none is free the source stops reading, which is the
/// back-pressure of SPEC §4 (bounded memory however long the destination is away).
///
/// Owned by one shard thread: acquire and release are not thread-safe. Completions arriving on
/// another thread come back to the owner through a ring before release() is called.
template <class T>
class record_pool {
public:
    explicit record_pool(std::size_t capacity) : slots_(new T[capacity]), capacity_(capacity) {
        free_.reserve(capacity);
        for (std::size_t i = capacity; i > 0; --i) free_.push_back(&slots_[i - 1]);
    }

    record_pool(const record_pool&) = delete;
    record_pool& operator=(const record_pool&) = delete;

    /// A free slot, reset for a new message, or nullptr when all slots are in flight.
    T* acquire() noexcept {
        if (free_.empty()) return nullptr;
        T* slot = free_.back();
        free_.pop_back();
        slot->reset();
        return slot;
    }

    /// A free slot as its last user left it, or nullptr: the caller calls reset() before using
    /// it. For a burst of slots (prefetch them all first, then reset: the cache misses overlap).
    T* acquire_unreset() noexcept {
        if (free_.empty()) return nullptr;
        T* slot = free_.back();
        free_.pop_back();
        return slot;
    }

    /// The slot the i-th next acquire would return (0: the next), or nullptr; for prefetching.
    const T* peek(std::size_t i) const noexcept {
        return i < free_.size() ? free_[free_.size() - 1 - i] : nullptr;
    }

    /// Returns a slot acquired from this pool.
    void release(T* slot) noexcept { free_.push_back(slot); }  // capacity reserved: no allocation

    std::size_t capacity() const noexcept { return capacity_; }
    /// The position of `slot` among the slots (0 … capacity − 1), for state kept beside them.
    /// Any thread: the slots never move.
    std::size_t index_of(const T* slot) const noexcept {
        return static_cast<std::size_t>(slot - slots_.get());
    }
    std::size_t available() const noexcept { return free_.size(); }
    std::size_t in_flight() const noexcept { return capacity_ - free_.size(); }

private:
    std::unique_ptr<T[]> slots_;
    std::size_t capacity_;
    std::vector<T*> free_;
};

}  // namespace flowbridge
