#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace flowbridge::mqtt {

/// The decoded PUBLISHes a receiving session holds between reading them and the engine taking
/// them: a first-in first-out ring that grows (doubling) when more are waiting than ever before.
///
/// Why it is separate from puback_window: the window holds a message until its acknowledgement
/// went out (rate × end-to-end latency of them, tens of thousands at line rate), so its entries
/// are out of the cache when they are touched again. A decoded message is needed only until the
/// engine takes it: at most the session's `max_undelivered` plus one read of them wait here, and
/// the window keeps 16 bytes per message instead of the whole message (docs/performance.md,
/// "Received messages and the cache").
///
/// Pure, single-threaded (the session's thread). Allocates only when it grows.
template <class T>
class received_queue {
public:
    explicit received_queue(std::size_t initial_capacity = 256) {
        std::size_t cap = 1;
        while (cap < initial_capacity) cap <<= 1;
        ring_.resize(cap);
    }

    /// A new entry at the back, reset to T{} (the caller fills it in place).
    T& emplace_back() {
        if (tail_ - head_ == ring_.size()) grow();
        T& slot = at(tail_++);
        slot = T{};
        return slot;
    }
    /// Takes back the entry emplace_back() returned last (it was not accepted after all).
    void pop_back() noexcept { --tail_; }

    /// The oldest entry; the queue must not be empty.
    T& front() noexcept { return at(head_); }
    void pop_front() noexcept { ++head_; }

    bool empty() const noexcept { return head_ == tail_; }
    std::size_t size() const noexcept { return static_cast<std::size_t>(tail_ - head_); }
    std::size_t capacity() const noexcept { return ring_.size(); }

private:
    T& at(std::uint64_t i) noexcept { return ring_[static_cast<std::size_t>(i) & (ring_.size() - 1)]; }

    void grow() {
        std::vector<T> bigger(ring_.size() * 2);
        for (std::uint64_t i = head_; i < tail_; ++i) {
            bigger[static_cast<std::size_t>(i) & (bigger.size() - 1)] = std::move(at(i));
        }
        ring_.swap(bigger);
    }

    std::vector<T> ring_;  // indexed by position & (size - 1); size is a power of two
    std::uint64_t head_ = 0;
    std::uint64_t tail_ = 0;
};

}  // namespace flowbridge::mqtt
