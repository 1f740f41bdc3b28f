// Reconnect back-off (transports/mqtt/backoff.h).
#include "transports/mqtt/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace flowbridge::mqtt {
namespace {

using std::chrono::milliseconds;

TEST(backoff, delays_grow_exponentially_up_to_the_cap) {
    backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.0, milliseconds(0)});
    EXPECT_EQ(b.next(), milliseconds(100));
    EXPECT_EQ(b.next(), milliseconds(200));
    EXPECT_EQ(b.next(), milliseconds(400));
    EXPECT_EQ(b.next(), milliseconds(800));
    EXPECT_EQ(b.next(), milliseconds(1000));
    for (int i = 0; i < 100; ++i) EXPECT_EQ(b.next(), milliseconds(1000));
}

TEST(backoff, reset_starts_over_at_the_initial_delay) {
    backoff b({milliseconds(50), milliseconds(10'000), 3.0, 0.0, milliseconds(0)});
    b.next();
    b.next();
    EXPECT_EQ(b.attempts(), 2u);
    b.reset();
    EXPECT_EQ(b.attempts(), 0u);
    EXPECT_EQ(b.next(), milliseconds(50));
}

TEST(backoff, jitter_stays_within_its_band_and_spreads) {
    for (std::uint64_t seed : {1ULL, 42ULL, 0xdeadbeefULL}) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        backoff b({milliseconds(1000), milliseconds(1000), 2.0, 0.5, milliseconds(0)}, seed);
        std::set<long> seen;
        for (int i = 0; i < 1000; ++i) {
            const auto d = b.next();
            ASSERT_GE(d, milliseconds(500));
            ASSERT_LE(d, milliseconds(1000));
            seen.insert(static_cast<long>(d.count()));
        }
        EXPECT_GT(seen.size(), 100u);  // not in lock step
    }
}

TEST(backoff, same_seed_gives_the_same_delays) {
    backoff a({}, 7), b({}, 7), c({}, 8);
    bool differs = false;
    for (int i = 0; i < 20; ++i) {
        const auto da = a.next();
        EXPECT_EQ(da, b.next());
        differs |= da != c.next();
    }
    EXPECT_TRUE(differs);
}

TEST(backoff, nonsense_options_are_clamped) {
    backoff b({milliseconds(100), milliseconds(10), 0.5, 7.0, milliseconds(0)});
    for (int i = 0; i < 10; ++i) {
        const auto d = b.next();
        EXPECT_GE(d, milliseconds(0));
        EXPECT_LE(d, milliseconds(100));
    }
}

}  // namespace
}  // namespace flowbridge::mqtt
