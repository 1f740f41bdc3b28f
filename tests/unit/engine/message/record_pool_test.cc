#include "engine/message/record_pool.h"

#include <set>

#include <gtest/gtest.h>

#include "engine/message/header_list.h"
#include "engine/message/outbound.h"

namespace flowbridge {
namespace {

TEST(record_pool, hands_out_each_slot_once_until_released) {
    record_pool<outbound_kafka_record> pool(4);
    std::set<outbound_kafka_record*> seen;
    for (int i = 0; i < 4; ++i) {
        auto* r = pool.acquire();
        ASSERT_NE(r, nullptr);
        EXPECT_TRUE(seen.insert(r).second);
    }
    EXPECT_EQ(pool.acquire(), nullptr);  // exhausted: the back-pressure signal
    EXPECT_EQ(pool.in_flight(), 4u);
    pool.release(*seen.begin());
    EXPECT_EQ(pool.available(), 1u);
    EXPECT_EQ(pool.acquire(), *seen.begin());
}

TEST(record_pool, peek_shows_the_slots_the_next_acquires_return_in_order) {
    record_pool<outbound_kafka_record> pool(3);
    const outbound_kafka_record* first = pool.peek(0);
    const outbound_kafka_record* second = pool.peek(1);
    const outbound_kafka_record* third = pool.peek(2);
    EXPECT_EQ(pool.peek(3), nullptr);
    EXPECT_EQ(pool.acquire_unreset(), first);
    EXPECT_EQ(pool.peek(0), second);
    EXPECT_EQ(pool.acquire(), second);
    EXPECT_EQ(pool.acquire_unreset(), third);
    EXPECT_EQ(pool.peek(0), nullptr);
    EXPECT_EQ(pool.acquire_unreset(), nullptr);  // exhausted, like acquire()
    EXPECT_EQ(pool.in_flight(), 3u);
}

TEST(record_pool, acquire_unreset_leaves_the_slot_for_the_caller_to_reset) {
    record_pool<outbound_kafka_record> pool(1);
    auto* r = pool.acquire();
    r->has_key = true;
    r->headers.push_back({"n", "v"});
    r->handoff_seq = 7;
    pool.release(r);
    r = pool.acquire_unreset();
    EXPECT_TRUE(r->has_key);  // as its last user left it
    r->prefetch();            // hints only: no visible effect
    r->prefetch_headers(8);
    EXPECT_EQ(r->headers.size(), 1u);
    r->reset();
    EXPECT_FALSE(r->has_key);
    EXPECT_TRUE(r->headers.empty());
    EXPECT_EQ(r->handoff_seq, 0u);
}

TEST(record_pool, acquired_slot_is_reset_but_keeps_header_capacity) {
    record_pool<outbound_kafka_record> pool(1);
    auto* r = pool.acquire();
    for (int i = 0; i < 100; ++i) r->headers.push_back({"n", "v"});
    r->has_key = true;
    r->expiry_header = 3;
    const auto capacity = r->headers.capacity();
    pool.release(r);
    r = pool.acquire();
    EXPECT_TRUE(r->headers.empty());
    EXPECT_FALSE(r->has_key);
    EXPECT_EQ(r->expiry_header, -1);
    EXPECT_EQ(r->headers.capacity(), capacity);
}

}  // namespace
}  // namespace flowbridge

namespace flowbridge {
namespace {

TEST(header_list, ensure_then_append_keeps_order_and_grows_only_when_needed) {
    header_list h(2);
    h.ensure(3);
    EXPECT_EQ(h.capacity(), 3u);
    h.append("a", "1");
    h.append("b", "2");
    h.append("c", "3");
    h.ensure(2);  // already room: no change
    EXPECT_EQ(h.capacity(), 3u);
    h.ensure(10);  // grows, keeping what is there
    EXPECT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0].name, "a");
    EXPECT_EQ(h.back().value, "3");
    h.resize(1);
    EXPECT_EQ(h.size(), 1u);
    h.push_back({"d", "4"});
    EXPECT_EQ(h[1].name, "d");
    const std::span<const kafka_header> view = h;
    EXPECT_EQ(view.size(), 2u);
}

TEST(header_list, push_back_grows_past_capacity) {
    header_list h;
    for (int i = 0; i < 100; ++i) h.push_back({"n", "v"});
    EXPECT_EQ(h.size(), 100u);
    EXPECT_GE(h.capacity(), 100u);
}

}  // namespace
}  // namespace flowbridge
