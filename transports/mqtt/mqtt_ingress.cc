#include "transports/mqtt/mqtt_ingress.h"

namespace flowbridge::mqtt {

std::size_t mqtt_ingress::receive(std::span<mqtt_message*> messages, mono_ns now) noexcept {
    // Asio handlers of this transport do not throw; should one ever, the data plane must not
    // unwind through the engine (noexcept): the shard thread would terminate. Keep it visible.
    loop_.poll();
    // The messages handed out below stay as they are until the loop runs again: the next call.
    std::size_t n = 0;
    std::int64_t wall_ms = 0;
    while (n < messages.size()) {
        mqtt_message* m = session_.take_in_place();
        if (m == nullptr) break;
        if (n == 0) wall_ms = clock_.wall_ms();  // once per burst, like `now`
        m->arrival = now;
        m->arrival_wall_ms = wall_ms;
        messages[n++] = m;
    }
    return n;
}

void mqtt_ingress::complete(delivery_tag tag, completion how) noexcept {
    // SPEC §4: delivered and expired were handled — acknowledge; failed — do not, the broker
    // redelivers (the session reconnects when a failed message heads the window).
    session_.complete(tag, how != completion::failed);
}

}  // namespace flowbridge::mqtt
