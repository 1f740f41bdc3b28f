// The queue of decoded, not yet taken PUBLISHes (transports/mqtt/received_queue.h).
#include "transports/mqtt/received_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace flowbridge::mqtt {
namespace {

struct item {
    int value = 0;
    std::string text;
};

TEST(received_queue, hands_entries_out_first_in_first_out_across_growth) {
    received_queue<item> q(4);
    EXPECT_EQ(q.capacity(), 4u);
    int next_in = 0, next_out = 0;
    // Interleave pushes and pops so that the ring wraps before each growth.
    for (int round = 0; round < 6; ++round) {
        for (int i = 0; i < 3 + round * 3; ++i) {
            item& it = q.emplace_back();
            it.value = next_in;
            it.text = "m" + std::to_string(next_in);
            ++next_in;
        }
        for (int i = 0; i < 2 + round; ++i) {
            ASSERT_FALSE(q.empty());
            EXPECT_EQ(q.front().value, next_out);
            EXPECT_EQ(q.front().text, "m" + std::to_string(next_out));
            q.pop_front();
            ++next_out;
        }
        EXPECT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
        EXPECT_GE(q.capacity(), q.size());
    }
    while (!q.empty()) {
        EXPECT_EQ(q.front().value, next_out++);
        q.pop_front();
    }
    EXPECT_EQ(next_out, next_in);
    EXPECT_GT(q.capacity(), 4u);  // it grew
}

TEST(received_queue, a_new_entry_is_reset_and_pop_back_takes_it_back) {
    received_queue<item> q(2);
    q.emplace_back() = item{7, "seven"};
    q.pop_front();
    item& reused = q.emplace_back();  // the same storage as the entry just popped
    EXPECT_EQ(reused.value, 0);
    EXPECT_TRUE(reused.text.empty());
    reused.value = 8;
    q.emplace_back().value = 9;
    q.pop_back();  // 9 was not accepted
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.front().value, 8);
    q.emplace_back().value = 10;
    q.pop_front();
    EXPECT_EQ(q.front().value, 10);
}

TEST(received_queue, capacity_is_rounded_up_to_a_power_of_two) {
    EXPECT_EQ(received_queue<int>(5).capacity(), 8u);
    EXPECT_EQ(received_queue<int>(1).capacity(), 1u);
    received_queue<int> one(1);
    one.emplace_back() = 1;
    one.emplace_back() = 2;  // grows from 1
    EXPECT_EQ(one.front(), 1);
    one.pop_front();
    EXPECT_EQ(one.front(), 2);
}

}  // namespace
}  // namespace flowbridge::mqtt
