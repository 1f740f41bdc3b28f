#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/message/mqtt_message.h"

namespace flowbridge::mqtt {

/// The ordered acknowledgement window of a receiving MQTT session (MQTT v5 §4.6, SPEC §4).
///
/// Every received PUBLISH gets the next sequence number (its delivery tag) in arrival order. The
/// engine takes messages in that order, then completes them in any order; drain() releases the
/// acknowledgements (PUBACK for QoS 1, PUBREC for QoS 2) strictly in arrival order, so a
/// completion that arrives early waits for the ones before it. release() then frees entries, in
/// arrival order, once they are completed and no acknowledgement is pending before them; the
/// session hooks the release of the receive-buffer bytes to it.
///
/// A `failed` completion (`acknowledge = false`) of a QoS 1/2 message stops the drain there:
/// acknowledging anything after it would break the arrival order, so drain() reports `blocked`
/// and the session drops the connection; the broker then redelivers the failed message and
/// everything after it (docs/mqtt.md, "Acknowledgements").
///
/// detach() is called when the connection is lost: the messages received so far can no longer be
/// acknowledged (the broker redelivers them on the next connection), but their bytes stay alive
/// until the engine completes them.
///
/// Pure (no I/O, no clock). Owned by one thread, the session's. Allocates only when more messages
/// are in the window than ever before (capacity doubles).
template <class Payload>
class puback_window {
public:
    enum class state : std::uint8_t {
        undelivered,  // received, not yet taken by the engine
        delivered,    // taken, not completed
        acknowledge,  // completed: delivered or expired → acknowledge
        no_ack,       // completed: failed → do not acknowledge
    };
    enum class complete_result : std::uint8_t { ok, unknown_tag, not_delivered, already_completed };
    enum class drain_result : std::uint8_t { idle, blocked };

    explicit puback_window(std::size_t initial_capacity = 256) {
        std::size_t cap = 1;
        while (cap < initial_capacity) cap <<= 1;
        entries_.resize(cap);
    }

    /// Records a received PUBLISH; returns its sequence number (its delivery tag value).
    std::uint64_t push(std::uint16_t packet_id, qos qos_level, const Payload& payload) {
        if (next_ - head_ == entries_.size()) grow();
        entry& e = at(next_);
        e.payload = payload;
        e.packet_id = packet_id;
        e.qos_level = qos_level;
        e.st = state::undelivered;
        if (qos_level != qos::at_most_once) ++unacknowledged_;
        return next_++;
    }

    /// The oldest message not yet taken, or nullptr; marks it delivered and sets `seq`.
    Payload* take(std::uint64_t& seq) noexcept {
        if (deliver_ == next_) return nullptr;
        entry& e = at(deliver_);
        e.st = state::delivered;
        seq = deliver_++;
        return &e.payload;
    }

    /// The engine finished message `seq`.
    complete_result complete(std::uint64_t seq, bool acknowledge) noexcept {
        if (seq < head_ || seq >= next_) return complete_result::unknown_tag;
        entry& e = at(seq);
        if (e.st == state::undelivered) return complete_result::not_delivered;
        if (e.st != state::delivered) return complete_result::already_completed;
        e.st = acknowledge ? state::acknowledge : state::no_ack;
        return complete_result::ok;
    }

    /// Calls `send(packet_id, qos)` for each acknowledgement that may go out now, in arrival
    /// order. Stops at the first message not completed yet, or at a failed QoS 1/2 message of the
    /// current connection (`blocked`: the caller drops the connection and calls detach()).
    template <class Send>
    drain_result drain(Send&& send) {
        while (ack_ < deliver_) {
            entry& e = at(ack_);
            if (e.st == state::delivered) return drain_result::idle;
            if (e.qos_level != qos::at_most_once) {
                if (e.st == state::no_ack) return drain_result::blocked;
                send(e.packet_id, e.qos_level);
                --unacknowledged_;
            }
            ++ack_;
        }
        return drain_result::idle;
    }

    /// Calls `on_release(payload)` for each completed entry whose acknowledgement is settled
    /// (sent, not needed, or abandoned by detach()), in arrival order, and frees it.
    template <class Release>
    std::size_t release(Release&& on_release) {
        std::size_t n = 0;
        while (head_ < ack_) {
            entry& e = at(head_);
            if (e.st != state::acknowledge && e.st != state::no_ack) break;
            on_release(e.payload);
            ++head_;
            ++n;
        }
        return n;
    }

    /// The connection is gone: nothing received so far will be acknowledged on the next one.
    void detach() noexcept {
        ack_ = next_;
        unacknowledged_ = 0;
    }

    /// Messages held (received and not yet released).
    std::size_t size() const noexcept { return static_cast<std::size_t>(next_ - head_); }
    /// Messages received and not yet taken.
    std::size_t undelivered() const noexcept { return static_cast<std::size_t>(next_ - deliver_); }
    /// QoS 1/2 messages of the current connection whose acknowledgement has not gone out: what
    /// the broker counts against our Receive Maximum (MQTT v5 §3.3.4).
    std::size_t unacknowledged() const noexcept { return unacknowledged_; }
    std::size_t capacity() const noexcept { return entries_.size(); }
    /// The sequence number the next received message will get.
    std::uint64_t next_seq() const noexcept { return next_; }

private:
    struct entry {
        Payload payload{};
        std::uint16_t packet_id = 0;
        qos qos_level = qos::at_most_once;
        state st = state::undelivered;
    };

    entry& at(std::uint64_t seq) noexcept {
        return entries_[static_cast<std::size_t>(seq) & (entries_.size() - 1)];
    }

    void grow() {
        std::vector<entry> bigger(entries_.size() * 2);
        for (std::uint64_t s = head_; s < next_; ++s) {
            bigger[static_cast<std::size_t>(s) & (bigger.size() - 1)] = std::move(at(s));
        }
        entries_.swap(bigger);
    }

    std::vector<entry> entries_;  // a ring indexed by seq & (size - 1); size is a power of two
    // head_ ≤ ack_ ≤ … and deliver_ ≤ next_; after detach() ack_ may run ahead of deliver_.
    std::uint64_t head_ = 0;     // oldest entry still held
    std::uint64_t ack_ = 0;      // next entry whose acknowledgement is to be decided
    std::uint64_t deliver_ = 0;  // next entry to hand to the engine
    std::uint64_t next_ = 0;     // next sequence number
    std::size_t unacknowledged_ = 0;
};

}  // namespace flowbridge::mqtt
