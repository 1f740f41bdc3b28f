#pragma once

#include <cstddef>
#include <span>

#include "engine/message/clock.h"
#include "engine/pipeline/mqtt_to_kafka_shard.h"
#include "transports/mqtt/event_loop.h"
#include "transports/mqtt/session.h"

namespace flowbridge::mqtt {

/// The MQTT source of an MQTT → Kafka shard: the engine's ingress_source seam on top of a
/// session (docs/architecture.md §1, §7).
///
/// receive() first polls the event loop (socket reads, PUBACK writes, keep-alive, reconnects —
/// all on the calling thread, no other threads), then hands out received PUBLISHes in arrival
/// order where the session decoded them (no copy: session::take_in_place), stamping arrival
/// time and CreateTime once per burst. complete() maps `delivered`/`expired` to an
/// acknowledgement and `failed` to none; the session sends PUBACKs in arrival order (MQTT v5
/// §4.6).
///
/// Owned by the shard's ingress thread: construct it anywhere, then call receive() and complete()
/// from that thread only. The loop and the session must outlive it.
class mqtt_ingress final : public ingress_source {
public:
    mqtt_ingress(event_loop& loop, session& source, const clock& time) noexcept
        : loop_(loop), session_(source), clock_(time) {}

    std::size_t receive(std::span<mqtt_message*> messages, mono_ns now) noexcept override;
    void complete(delivery_tag tag, completion how) noexcept override;

private:
    event_loop& loop_;
    session& session_;
    const clock& clock_;
};

}  // namespace flowbridge::mqtt
