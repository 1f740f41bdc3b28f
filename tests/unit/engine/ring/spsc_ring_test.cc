#include "engine/ring/spsc_ring.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

namespace flowbridge {
namespace {

// ---- capacity ----------------------------------------------------------------------------------

TEST(spsc_ring, capacity_is_rounded_up_to_a_power_of_two) {
    EXPECT_EQ(spsc_ring<int>(0).capacity(), 1u);
    EXPECT_EQ(spsc_ring<int>(1).capacity(), 1u);
    EXPECT_EQ(spsc_ring<int>(2).capacity(), 2u);
    EXPECT_EQ(spsc_ring<int>(3).capacity(), 4u);
    EXPECT_EQ(spsc_ring<int>(1000).capacity(), 1024u);
    EXPECT_EQ(spsc_ring<int>(1024).capacity(), 1024u);
    EXPECT_EQ(spsc_ring<int>(1025).capacity(), 2048u);
}

TEST(spsc_ring, too_large_capacity_is_rejected_at_construction) {
    EXPECT_THROW(spsc_ring<int>(spsc_ring<int>::max_capacity + 1), std::length_error);
}

TEST(spsc_ring, every_slot_of_the_capacity_is_usable) {
    spsc_ring<int> ring(4);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
    EXPECT_EQ(ring.size_approx(), 4u);
}

TEST(spsc_ring, indices_live_on_separate_cache_lines) {
    // The object is at least three lines: read-only fields, producer line, consumer line.
    EXPECT_GE(sizeof(spsc_ring<int>), 3 * ring_cache_line);
    EXPECT_EQ(alignof(spsc_ring<int>), ring_cache_line);
}

// ---- full / empty ------------------------------------------------------------------------------

TEST(spsc_ring, new_ring_is_empty_and_pop_fails_without_touching_the_output) {
    spsc_ring<int> ring(8);
    EXPECT_TRUE(ring.empty());
    EXPECT_EQ(ring.size_approx(), 0u);
    int out = 42;
    EXPECT_FALSE(ring.try_pop(out));
    EXPECT_EQ(out, 42);
    std::array<int, 4> batch{};
    EXPECT_EQ(ring.pop_batch(batch), 0u);
}

TEST(spsc_ring, push_to_a_full_ring_fails_and_keeps_the_value) {
    spsc_ring<std::unique_ptr<int>> ring(2);
    EXPECT_TRUE(ring.try_push(std::make_unique<int>(1)));
    EXPECT_TRUE(ring.try_push(std::make_unique<int>(2)));
    EXPECT_FALSE(ring.empty());
    EXPECT_EQ(ring.size_approx(), 2u);
    auto third = std::make_unique<int>(3);
    EXPECT_FALSE(ring.try_push(std::move(third)));
    ASSERT_NE(third, nullptr) << "a failed push must not consume the value";
    std::unique_ptr<int> out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(*out, 1);
    EXPECT_TRUE(ring.try_push(std::move(third)));
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(*out, 2);
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(*out, 3);
    EXPECT_FALSE(ring.try_pop(out));
    EXPECT_TRUE(ring.empty());
}

TEST(spsc_ring, capacity_one_ring_alternates_full_and_empty) {
    spsc_ring<int> ring(1);
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(ring.try_push(i));
        EXPECT_FALSE(ring.try_push(-1));
        int out = -1;
        EXPECT_TRUE(ring.try_pop(out));
        EXPECT_EQ(out, i);
        EXPECT_FALSE(ring.try_pop(out));
    }
}

// ---- wraparound --------------------------------------------------------------------------------

TEST(spsc_ring, elements_come_out_in_order_across_many_wraparounds) {
    spsc_ring<std::uint64_t> ring(8);
    std::uint64_t next_in = 0;
    std::uint64_t next_out = 0;
    // Vary the fill level (0..8) and the step so the indices cross the end of the storage at every
    // possible offset.
    for (int round = 0; round < 1000; ++round) {
        const int pushes = round % 5 + 1;
        for (int i = 0; i < pushes; ++i) ASSERT_TRUE(ring.try_push(next_in++));
        const int pops = (round * 5) % 8;
        for (int i = 0; i < pops && next_out < next_in; ++i) {
            std::uint64_t out = 0;
            ASSERT_TRUE(ring.try_pop(out));
            ASSERT_EQ(out, next_out++);
        }
        while (ring.size_approx() > 3) {
            std::uint64_t out = 0;
            ASSERT_TRUE(ring.try_pop(out));
            ASSERT_EQ(out, next_out++);
        }
        ASSERT_EQ(ring.size_approx(), next_in - next_out);
    }
}

TEST(spsc_ring, batch_that_wraps_the_storage_end_keeps_order) {
    spsc_ring<int> ring(8);
    std::array<int, 6> first{0, 1, 2, 3, 4, 5};
    ASSERT_EQ(ring.push_batch(first), 6u);
    std::array<int, 5> drained{};
    ASSERT_EQ(ring.pop_batch(drained), 5u);  // read index now at 5, one element left
    std::array<int, 7> second{6, 7, 8, 9, 10, 11, 12};
    ASSERT_EQ(ring.push_batch(second), 7u);  // slots 6, 7, then 0..4
    std::array<int, 8> out{};
    ASSERT_EQ(ring.pop_batch(out), 8u);
    std::array<int, 8> expected{5, 6, 7, 8, 9, 10, 11, 12};
    EXPECT_EQ(out, expected);
    EXPECT_TRUE(ring.empty());
}

// ---- partial batches ---------------------------------------------------------------------------

TEST(spsc_ring, push_batch_pushes_only_what_fits) {
    spsc_ring<int> ring(4);
    ASSERT_TRUE(ring.try_push(100));
    std::vector<int> values{1, 2, 3, 4, 5};
    EXPECT_EQ(ring.push_batch(values), 3u);
    EXPECT_EQ(ring.push_batch(values), 0u);
    std::array<int, 4> out{};
    ASSERT_EQ(ring.pop_batch(out), 4u);
    EXPECT_EQ(out, (std::array<int, 4>{100, 1, 2, 3}));
    // The caller resumes from where the ring stopped.
    EXPECT_EQ(ring.push_batch(std::span<const int>(values).subspan(3)), 2u);
}

TEST(spsc_ring, pop_batch_pops_only_what_is_there) {
    spsc_ring<int> ring(16);
    std::array<int, 3> values{7, 8, 9};
    ASSERT_EQ(ring.push_batch(values), 3u);
    std::array<int, 10> out{};
    out.fill(-1);
    EXPECT_EQ(ring.pop_batch(out), 3u);
    EXPECT_EQ(out[0], 7);
    EXPECT_EQ(out[2], 9);
    EXPECT_EQ(out[3], -1);  // untouched beyond what was popped
    EXPECT_EQ(ring.pop_batch(out), 0u);
}

TEST(spsc_ring, empty_batches_are_no_ops) {
    spsc_ring<int> ring(4);
    EXPECT_EQ(ring.push_batch({}), 0u);
    EXPECT_EQ(ring.pop_batch({}), 0u);
    EXPECT_TRUE(ring.empty());
}

TEST(spsc_ring, single_and_batch_operations_interleave) {
    spsc_ring<int> ring(8);
    std::vector<int> seen;
    int next = 0;
    for (int round = 0; round < 200; ++round) {
        if (round % 3 == 0) {
            std::array<int, 3> batch{next, next + 1, next + 2};
            next += static_cast<int>(ring.push_batch(batch));
        } else if (ring.try_push(next)) {
            ++next;
        }
        if (round % 2 == 0) {
            std::array<int, 2> out{};
            const std::size_t n = ring.pop_batch(out);
            seen.insert(seen.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
        } else {
            int out = 0;
            if (ring.try_pop(out)) seen.push_back(out);
        }
    }
    int out = 0;
    while (ring.try_pop(out)) seen.push_back(out);
    std::vector<int> expected(static_cast<std::size_t>(next));
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(seen, expected);
}

// ---- element lifetimes -------------------------------------------------------------------------

// Counts constructions and destructions, and poisons itself on destruction so a use of a
// destroyed element (or a double destruction) is caught.
struct lifetime_counter {
    static inline int constructed = 0;
    static inline int destroyed = 0;
    static inline int live() { return constructed - destroyed; }
    static void reset() { constructed = destroyed = 0; }

    static constexpr std::uint32_t alive_mark = 0x600dce11;
    static constexpr std::uint32_t dead_mark = 0xdeadbeef;

    int value = 0;
    std::uint32_t mark = alive_mark;

    explicit lifetime_counter(int v) noexcept : value(v) { ++constructed; }
    lifetime_counter(const lifetime_counter& other) noexcept : value(other.value) {
        EXPECT_EQ(other.mark, alive_mark);
        ++constructed;
    }
    lifetime_counter(lifetime_counter&& other) noexcept : value(other.value) {
        EXPECT_EQ(other.mark, alive_mark);
        ++constructed;
    }
    lifetime_counter& operator=(const lifetime_counter& other) noexcept {
        EXPECT_EQ(other.mark, alive_mark);
        EXPECT_EQ(mark, alive_mark);
        value = other.value;
        return *this;
    }
    lifetime_counter& operator=(lifetime_counter&& other) noexcept {
        return *this = static_cast<const lifetime_counter&>(other);
    }
    ~lifetime_counter() {
        EXPECT_EQ(mark, alive_mark) << "destroyed twice or never constructed";
        mark = dead_mark;
        ++destroyed;
    }
};

class spsc_ring_lifetime : public ::testing::Test {
protected:
    void SetUp() override { lifetime_counter::reset(); }
};

TEST_F(spsc_ring_lifetime, every_pushed_element_is_destroyed_exactly_once_when_popped) {
    {
        spsc_ring<lifetime_counter> ring(4);
        EXPECT_EQ(lifetime_counter::live(), 0) << "construction must not create elements";
        for (int round = 0; round < 10; ++round) {
            ASSERT_TRUE(ring.try_push(lifetime_counter(round)));
            EXPECT_EQ(lifetime_counter::live(), 1);  // the temporary is gone, the slot holds one
            lifetime_counter out(-1);
            ASSERT_TRUE(ring.try_pop(out));
            EXPECT_EQ(out.value, round);
            EXPECT_EQ(lifetime_counter::live(), 1);  // only `out`
        }
    }
    EXPECT_EQ(lifetime_counter::live(), 0);
}

TEST_F(spsc_ring_lifetime, elements_left_in_the_ring_are_destroyed_with_it) {
    {
        spsc_ring<lifetime_counter> ring(8);
        // Leave the queued elements straddling the end of the storage.
        for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_push(lifetime_counter(i)));
        lifetime_counter out(-1);
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_pop(out));
        for (int i = 6; i < 11; ++i) ASSERT_TRUE(ring.try_push(lifetime_counter(i)));
        EXPECT_EQ(lifetime_counter::live(), 6 + 1);  // six queued plus `out`
    }
    EXPECT_EQ(lifetime_counter::live(), 0);
}

TEST_F(spsc_ring_lifetime, batches_construct_and_destroy_exactly_what_they_move) {
    {
        std::vector<lifetime_counter> values;
        for (int i = 0; i < 5; ++i) values.emplace_back(i);
        const int before = lifetime_counter::live();
        spsc_ring<lifetime_counter> ring(4);
        ASSERT_EQ(ring.push_batch(values), 4u);
        EXPECT_EQ(lifetime_counter::live(), before + 4);
        std::vector<lifetime_counter> out(3, lifetime_counter(-1));
        const int with_out = lifetime_counter::live();
        ASSERT_EQ(ring.pop_batch(out), 3u);
        EXPECT_EQ(lifetime_counter::live(), with_out - 3);
        EXPECT_EQ(out[0].value, 0);
        EXPECT_EQ(out[2].value, 2);
        // Wrap: slot 3 holds one element; push three more into slots 0..2.
        ASSERT_EQ(ring.push_batch(std::span<const lifetime_counter>(values).subspan(2)), 3u);
        EXPECT_EQ(lifetime_counter::live(), with_out - 3 + 3);
        // One element is still in the ring at destruction... and three more.
    }
    EXPECT_EQ(lifetime_counter::live(), 0);
    EXPECT_GT(lifetime_counter::constructed, 0);
}

TEST_F(spsc_ring_lifetime, failed_push_and_pop_construct_nothing) {
    {
        spsc_ring<lifetime_counter> ring(1);
        ASSERT_TRUE(ring.try_push(lifetime_counter(1)));
        const int live = lifetime_counter::live();
        EXPECT_FALSE(ring.try_push(lifetime_counter(2)));
        EXPECT_EQ(lifetime_counter::live(), live);  // the temporary died, nothing stayed
        std::array<lifetime_counter, 2> more{lifetime_counter(3), lifetime_counter(4)};
        EXPECT_EQ(ring.push_batch(more), 0u);
        EXPECT_EQ(lifetime_counter::live(), live + 2);
    }
    EXPECT_EQ(lifetime_counter::live(), 0);
}

TEST(spsc_ring, try_emplace_constructs_in_place_only_when_there_is_room) {
    spsc_ring<std::pair<int, int>> ring(1);
    EXPECT_TRUE(ring.try_emplace(1, 2));
    EXPECT_FALSE(ring.try_emplace(3, 4));
    std::pair<int, int> out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, std::make_pair(1, 2));
}

// The ring holds move-only types (ownership crosses threads with the element).
TEST(spsc_ring, move_only_elements_are_supported) {
    spsc_ring<std::unique_ptr<int>> ring(4);
    ASSERT_TRUE(ring.try_push(std::make_unique<int>(7)));
    std::array<std::unique_ptr<int>, 2> out;
    ASSERT_EQ(ring.pop_batch(out), 1u);
    EXPECT_EQ(*out[0], 7);
}

}  // namespace
}  // namespace flowbridge
