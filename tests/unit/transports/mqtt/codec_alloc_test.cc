// Decoding a PUBLISH never allocates (STYLE.md "Hot path"); encoding into a reused buffer
// doesn't either. The global operator new is replaced in this binary to count allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/unit/transports/mqtt/sample_packets.h"
#include "transports/mqtt/codec.h"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace flowbridge::mqtt::test {
namespace {

TEST(mqtt_codec_allocations, decoding_a_publish_with_every_property_does_not_allocate) {
    const std::string wire = encoded(full_publish());
    ASSERT_FALSE(wire.empty());
    mqtt_message m;
    // Warm-up: simdjson picks its UTF-8 validator (and may allocate) on first use.
    ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
    const long before = allocations.load();
    std::size_t user_properties = 0;
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(decode_publish(wire, m), mqtt_reason::success);
        for (const auto& up : m.properties.user_properties()) user_properties += up.name.size();
    }
    EXPECT_EQ(allocations.load() - before, 0);
    EXPECT_GT(user_properties, 0u);
}

TEST(mqtt_codec_allocations, framing_and_decoding_acks_does_not_allocate) {
    publish_response ack;
    ack.packet_id = 7;
    const std::string wire = encoded(ack);
    publish_response out;
    const long before = allocations.load();
    for (int i = 0; i < 1000; ++i) {
        ASSERT_EQ(frame_packet(wire).status, frame_status::complete);
        ASSERT_EQ(decode_publish_response(wire, out), mqtt_reason::success);
    }
    EXPECT_EQ(allocations.load() - before, 0);
}

TEST(mqtt_codec_allocations, encoding_into_a_reused_buffer_does_not_allocate) {
    const publish_packet p = full_publish();
    std::string out;
    out.reserve(4096);
    const long before = allocations.load();
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        ASSERT_EQ(encode(p, out), mqtt_reason::success);
    }
    EXPECT_EQ(allocations.load() - before, 0);
}

}  // namespace
}  // namespace flowbridge::mqtt::test
