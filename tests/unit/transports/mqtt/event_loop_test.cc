// event_loop::watch: the descriptor the Kafka producer's wakeup pipe plugs into, so that an idle
// shard thread blocked in run_one_for() wakes for a delivery report (docs/architecture.md,
// "Idle shards"). Pipes only, no network.
#include "transports/mqtt/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace flowbridge::mqtt {
namespace {

using namespace std::chrono_literals;

struct pipe_pair {
    int read = -1, write = -1;
    pipe_pair() {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
            read = fds[0];
            write = fds[1];
        }
    }
    ~pipe_pair() {
        if (read >= 0) ::close(read);
        if (write >= 0) ::close(write);
    }
};

TEST(event_loop, a_watched_descriptor_wakes_run_one_for_and_is_drained) {
    pipe_pair p;
    ASSERT_GE(p.read, 0);
    event_loop loop;
    ASSERT_TRUE(loop.watch(p.read));
    // Written from another thread while the loop blocks (the 30 s bound is never reached).
    std::thread writer([&] {
        std::this_thread::sleep_for(20ms);
        ASSERT_EQ(::write(p.write, "xyz", 3), 3);
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(loop.run_one_for(30s), 1u) << "the readable descriptor ran the watch handler";
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
    writer.join();
    char c;
    EXPECT_EQ(::read(p.read, &c, 1), -1) << "the loop drained what was written";
    EXPECT_EQ(errno, EAGAIN);
    // Watched again after each wake-up.
    ASSERT_EQ(::write(p.write, "1", 1), 1);
    EXPECT_EQ(loop.run_one_for(30s), 1u);
    EXPECT_EQ(loop.poll(), 0u) << "nothing else is pending";
}

TEST(event_loop, the_loop_keeps_its_own_descriptor_and_stops_watching_at_end_of_file) {
    pipe_pair p;
    ASSERT_GE(p.read, 0);
    event_loop loop;
    ASSERT_TRUE(loop.watch(p.read));
    ::close(p.read);  // the owner's copy may go: the loop watches a duplicate
    p.read = -1;
    ::close(p.write);  // the writer is gone: end of file wakes the loop once
    p.write = -1;
    EXPECT_EQ(loop.run_one_for(30s), 1u);
    EXPECT_EQ(loop.run_one_for(10ms), 0u) << "no longer watched after end of file";
}

TEST(event_loop, an_invalid_descriptor_is_refused) {
    event_loop loop;
    EXPECT_FALSE(loop.watch(-1));
    EXPECT_FALSE(loop.watch(1 << 20));
}

}  // namespace
}  // namespace flowbridge::mqtt
