#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

namespace flowbridge::mqtt {

/// The event loop MQTT sessions run on: one per shard thread, wrapping a Boost.Asio io_context so
/// that Asio stays out of every header but the transport's own sources (builds are the
/// bottleneck). Nothing here starts a thread: the owner thread drives the loop with poll() (the
/// shard's ingress calls it inside receive()) or run_one_for() (tests, tools).
///
/// Owned by one thread; every session created on it must be used from that thread only, and the
/// loop must outlive its sessions. A work guard keeps the loop alive while it is idle, so poll()
/// never puts it into Asio's "stopped" state.
class event_loop {
public:
    event_loop();
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    /// Runs every handler that is ready, without blocking. Returns how many ran.
    std::size_t poll();
    /// Blocks until one handler ran or `timeout` passed. Returns how many ran (0 or 1).
    std::size_t run_one_for(std::chrono::nanoseconds timeout);
    /// Runs handlers for `duration`.
    std::size_t run_for(std::chrono::nanoseconds duration);

    /// Watches `fd`, a descriptor another component writes to when it has work for this thread
    /// (the Kafka producer's wakeup pipe): run_one_for() returns once it is readable, and its
    /// bytes are drained. The loop keeps a duplicate of `fd` until it is destroyed (or reads end
    /// of file). False when `fd` cannot be watched; nothing changes then.
    bool watch(int fd);

    struct impl;  // defined where Asio is included (transports/mqtt/session.cc)
    impl& internals() noexcept { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace flowbridge::mqtt
