#include "engine/message/clock.h"

#include <gtest/gtest.h>

namespace flowbridge {
namespace {

TEST(manual_clock, moves_only_when_advanced) {
    manual_clock c(100, 5000);
    EXPECT_EQ(c.now(), 100);
    EXPECT_EQ(c.now(), 100);
    c.advance(3 * ns_per_ms);
    EXPECT_EQ(c.now(), 100 + 3 * ns_per_ms);
    EXPECT_EQ(c.wall_ms(), 5003);
}

TEST(system_clock, is_monotonic_and_wall_time_is_plausible) {
    system_clock c;
    const mono_ns a = c.now();
    const mono_ns b = c.now();
    EXPECT_LE(a, b);
    EXPECT_GT(c.wall_ms(), 1'600'000'000'000);  // after 2020
}

}  // namespace
}  // namespace flowbridge
