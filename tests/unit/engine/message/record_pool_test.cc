#include "engine/message/record_pool.h"

#include <set>

#include <gtest/gtest.h>

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
