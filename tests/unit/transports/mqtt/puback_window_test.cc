// The ordered acknowledgement window (transports/mqtt/puback_window.h): MQTT v5 §4.6, SPEC §4.
#include "transports/mqtt/puback_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace flowbridge::mqtt {
namespace {

using window = puback_window<int>;
using acks = std::vector<std::pair<std::uint16_t, qos>>;

acks drain(window& w, window::drain_result* result = nullptr) {
    acks sent;
    const auto r = w.drain([&](std::uint16_t id, qos q) { sent.emplace_back(id, q); });
    if (result != nullptr) *result = r;
    return sent;
}

std::vector<int> release(window& w) {
    std::vector<int> freed;
    w.release([&](int& p) { freed.push_back(p); });
    return freed;
}

std::vector<std::uint64_t> take_all(window& w) {
    std::vector<std::uint64_t> seqs;
    std::uint64_t s = 0;
    while (w.take(s) != nullptr) seqs.push_back(s);
    return seqs;
}

TEST(puback_window, tags_are_arrival_order_and_take_hands_out_in_that_order) {
    window w(4);
    EXPECT_EQ(w.push(10, qos::at_least_once, 100), 0u);
    EXPECT_EQ(w.push(11, qos::at_least_once, 101), 1u);
    std::uint64_t s = 99;
    int* p = w.take(s);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(s, 0u);
    EXPECT_EQ(*p, 100);
    p = w.take(s);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(s, 1u);
    EXPECT_EQ(*p, 101);
    EXPECT_EQ(w.take(s), nullptr);
}

TEST(puback_window, early_completion_waits_for_the_earlier_messages) {
    window w;
    w.push(1, qos::at_least_once, 0);
    w.push(2, qos::at_least_once, 1);
    w.push(3, qos::at_least_once, 2);
    take_all(w);
    EXPECT_EQ(w.complete(2, true), window::complete_result::ok);
    EXPECT_EQ(w.complete(1, true), window::complete_result::ok);
    EXPECT_TRUE(drain(w).empty());  // message 0 still in the engine
    EXPECT_TRUE(release(w).empty());
    EXPECT_EQ(w.complete(0, true), window::complete_result::ok);
    EXPECT_EQ(drain(w), (acks{{1, qos::at_least_once}, {2, qos::at_least_once}, {3, qos::at_least_once}}));
    EXPECT_EQ(release(w), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(w.size(), 0u);
}

TEST(puback_window, any_completion_order_yields_acks_in_arrival_order) {
    const unsigned seed = std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    for (int round = 0; round < 200; ++round) {
        window w(2);  // forces growth
        const int n = 1 + static_cast<int>(rng() % 300);
        for (int i = 0; i < n; ++i) {
            w.push(static_cast<std::uint16_t>(i + 1), i % 5 == 0 ? qos::at_most_once : qos::at_least_once, i);
        }
        auto seqs = take_all(w);
        std::shuffle(seqs.begin(), seqs.end(), rng);
        acks sent;
        std::vector<int> freed;
        for (auto s : seqs) {
            ASSERT_EQ(w.complete(s, true), window::complete_result::ok);
            if (rng() % 3 == 0) {
                auto a = drain(w);
                sent.insert(sent.end(), a.begin(), a.end());
                auto f = release(w);
                freed.insert(freed.end(), f.begin(), f.end());
            }
        }
        auto a = drain(w);
        sent.insert(sent.end(), a.begin(), a.end());
        auto f = release(w);
        freed.insert(freed.end(), f.begin(), f.end());
        acks expected;
        for (int i = 0; i < n; ++i) {
            if (i % 5 != 0) expected.emplace_back(static_cast<std::uint16_t>(i + 1), qos::at_least_once);
        }
        ASSERT_EQ(sent, expected);
        ASSERT_EQ(static_cast<int>(freed.size()), n);
        ASSERT_TRUE(std::is_sorted(freed.begin(), freed.end()));  // released in arrival order
        ASSERT_EQ(w.size(), 0u);
        ASSERT_EQ(w.unacknowledged(), 0u);
    }
}

TEST(puback_window, qos0_messages_need_no_ack_but_hold_their_place) {
    window w;
    w.push(0, qos::at_most_once, 0);
    w.push(7, qos::at_least_once, 1);
    take_all(w);
    EXPECT_EQ(w.unacknowledged(), 1u);
    w.complete(1, true);
    EXPECT_TRUE(drain(w).empty());
    w.complete(0, true);
    EXPECT_EQ(drain(w), (acks{{7, qos::at_least_once}}));
    EXPECT_EQ(w.unacknowledged(), 0u);
}

TEST(puback_window, qos2_acknowledgement_reports_its_qos_for_a_pubrec) {
    window w;
    w.push(9, qos::exactly_once, 0);
    take_all(w);
    w.complete(0, true);
    EXPECT_EQ(drain(w), (acks{{9, qos::exactly_once}}));
}

TEST(puback_window, failed_qos1_message_blocks_the_window) {
    window w;
    w.push(1, qos::at_least_once, 0);
    w.push(2, qos::at_least_once, 1);
    w.push(3, qos::at_least_once, 2);
    take_all(w);
    w.complete(0, true);
    w.complete(1, false);
    w.complete(2, true);
    window::drain_result r{};
    EXPECT_EQ(drain(w, &r), (acks{{1, qos::at_least_once}}));
    EXPECT_EQ(r, window::drain_result::blocked);
    EXPECT_EQ(release(w), (std::vector<int>{0}));
    // The session reconnects: nothing else from this connection is acknowledged, all is freed.
    w.detach();
    EXPECT_TRUE(drain(w, &r).empty());
    EXPECT_EQ(r, window::drain_result::idle);
    EXPECT_EQ(release(w), (std::vector<int>{1, 2}));
}

TEST(puback_window, failed_qos0_message_does_not_block) {
    window w;
    w.push(0, qos::at_most_once, 0);
    w.push(4, qos::at_least_once, 1);
    take_all(w);
    w.complete(0, false);
    w.complete(1, true);
    window::drain_result r{};
    EXPECT_EQ(drain(w, &r), (acks{{4, qos::at_least_once}}));
    EXPECT_EQ(r, window::drain_result::idle);
}

TEST(puback_window, detach_abandons_acks_but_keeps_bytes_until_completed) {
    window w;
    w.push(1, qos::at_least_once, 0);
    w.push(2, qos::at_least_once, 1);
    w.push(3, qos::at_least_once, 2);  // not yet taken when the connection drops
    std::uint64_t s = 0;
    w.take(s);
    w.take(s);
    w.detach();
    EXPECT_EQ(w.unacknowledged(), 0u);
    // Messages of the new connection.
    w.push(1, qos::at_least_once, 3);
    EXPECT_EQ(w.unacknowledged(), 1u);
    EXPECT_EQ(w.size(), 4u);
    w.complete(1, true);
    EXPECT_TRUE(drain(w).empty());
    EXPECT_TRUE(release(w).empty());  // message 0 is still in the engine
    w.complete(0, true);
    EXPECT_TRUE(drain(w).empty());
    EXPECT_EQ(release(w), (std::vector<int>{0, 1}));
    // The old undelivered one is still handed out (a duplicate the broker will redeliver too).
    int* p = w.take(s);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 2);
    p = w.take(s);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 3);
    w.complete(3, true);
    // Message 2 belongs to the old connection: the new one's ack does not wait for it…
    EXPECT_EQ(drain(w), (acks{{1, qos::at_least_once}}));
    EXPECT_TRUE(release(w).empty());  // …but its bytes are freed in arrival order
    w.complete(2, true);
    EXPECT_TRUE(drain(w).empty());
    EXPECT_EQ(release(w), (std::vector<int>{2, 3}));
    EXPECT_EQ(w.size(), 0u);
}

TEST(puback_window, unknown_duplicate_and_premature_completions_are_refused) {
    window w;
    w.push(1, qos::at_least_once, 0);
    EXPECT_EQ(w.complete(5, true), window::complete_result::unknown_tag);
    EXPECT_EQ(w.complete(0, true), window::complete_result::not_delivered);
    take_all(w);
    EXPECT_EQ(w.complete(0, true), window::complete_result::ok);
    EXPECT_EQ(w.complete(0, true), window::complete_result::already_completed);
    drain(w);
    release(w);
    EXPECT_EQ(w.complete(0, true), window::complete_result::unknown_tag);  // released: stale
}

TEST(puback_window, grows_while_holding_entries_in_order) {
    window w(2);
    for (int i = 0; i < 100; ++i) w.push(static_cast<std::uint16_t>(i + 1), qos::at_least_once, i);
    EXPECT_GE(w.capacity(), 100u);
    EXPECT_EQ(w.unacknowledged(), 100u);
    auto seqs = take_all(w);
    ASSERT_EQ(seqs.size(), 100u);
    for (auto s : seqs) w.complete(s, true);
    EXPECT_EQ(drain(w).size(), 100u);
    auto freed = release(w);
    EXPECT_EQ(freed.size(), 100u);
    EXPECT_TRUE(std::is_sorted(freed.begin(), freed.end()));
}

}  // namespace
}  // namespace flowbridge::mqtt
