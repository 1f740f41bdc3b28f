// Two threads through one ring: every element arrives, once, in order. Built into the TSan tree
// too (label tsan), where ThreadSanitizer checks the acquire/release pairs that publish elements
// and hand slots back.
#include "engine/ring/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_THREAD__)
#define FLOWBRIDGE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FLOWBRIDGE_UNDER_TSAN 1
#endif
#endif

namespace flowbridge {
namespace {

// Sized to finish in well under a second normally and a few seconds under TSan (~10-20x slower).
#ifdef FLOWBRIDGE_UNDER_TSAN
constexpr std::uint64_t default_items = 4'000'000;
#else
constexpr std::uint64_t default_items = 20'000'000;
#endif
constexpr std::uint32_t default_seed = 20240517;

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

std::uint64_t stress_items() { return env_or("FLOWBRIDGE_RING_STRESS_ITEMS", default_items); }
std::uint32_t stress_seed() {
    return static_cast<std::uint32_t>(env_or("FLOWBRIDGE_TEST_SEED", default_seed));
}

// A payload wider than a word with a check field, so a torn or stale read shows up as a mismatch
// and not only as a wrong sequence number.
struct sequenced {
    std::uint64_t seq = 0;
    std::uint64_t check = 0;
    static sequenced make(std::uint64_t s) { return {s, ~s * 0x9e3779b97f4a7c15ull}; }
    bool intact() const { return check == ~seq * 0x9e3779b97f4a7c15ull; }
};

// When the ring is full or empty the thread yields: with two cores and ctest -j2 both threads may
// share one CPU, and a pure spin would burn the other side's time slice.
void back_off(unsigned& misses) {
    if (++misses % 64 == 0) std::this_thread::yield();
}

TEST(spsc_ring_stress, two_threads_mixing_single_and_batch_ops_deliver_every_item_in_order) {
    const std::uint64_t items = stress_items();
    const std::uint32_t seed = stress_seed();
    // Printed so a failure can be replayed: FLOWBRIDGE_TEST_SEED=<seed>.
    std::printf("spsc_ring_stress: items=%llu seed=%u\n", static_cast<unsigned long long>(items),
                seed);
    RecordProperty("seed", std::to_string(seed));

    // Small ring: the producer meets "full" and the consumer meets "empty" constantly, so the
    // cached-index refresh paths run millions of times.
    spsc_ring<sequenced> ring(64);

    std::thread producer([&] {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::size_t> batch_size(0, 80);  // 0 = a single try_push
        std::vector<sequenced> batch;
        batch.reserve(80);
        std::uint64_t next = 0;
        unsigned misses = 0;
        while (next < items) {
            const std::size_t want = std::min<std::uint64_t>(batch_size(rng), items - next);
            if (want == 0) {
                if (ring.try_push(sequenced::make(next))) {
                    ++next;
                } else {
                    back_off(misses);
                }
                continue;
            }
            batch.clear();
            for (std::size_t i = 0; i < want; ++i) batch.push_back(sequenced::make(next + i));
            std::span<const sequenced> rest(batch);
            while (!rest.empty()) {
                const std::size_t pushed = ring.push_batch(rest);
                if (pushed == 0) back_off(misses);
                rest = rest.subspan(pushed);
            }
            next += want;
        }
    });

    std::mt19937 rng(seed ^ 0x5bd1e995u);
    std::uniform_int_distribution<std::size_t> batch_size(0, 80);
    std::vector<sequenced> out(80);
    std::uint64_t expected = 0;
    std::uint64_t disorder = 0;
    std::uint64_t torn = 0;
    unsigned misses = 0;
    while (expected < items) {
        const std::size_t want = batch_size(rng);
        std::size_t got = 0;
        if (want == 0) {
            got = ring.try_pop(out[0]) ? 1 : 0;
        } else {
            got = ring.pop_batch(std::span<sequenced>(out).first(want));
        }
        if (got == 0) {
            back_off(misses);
            continue;
        }
        for (std::size_t i = 0; i < got; ++i) {
            if (out[i].seq != expected) ++disorder;
            if (!out[i].intact()) ++torn;
            expected = out[i].seq + 1;
        }
    }
    producer.join();

    EXPECT_EQ(disorder, 0u) << "seed " << seed;
    EXPECT_EQ(torn, 0u) << "seed " << seed;
    EXPECT_EQ(expected, items);
    EXPECT_TRUE(ring.empty());
    sequenced extra;
    EXPECT_FALSE(ring.try_pop(extra)) << "more items arrived than were sent";
}

// Heap-owning, move-only elements: the consumer frees what the producer allocated, so TSan also
// checks that the element's contents (not only the slot) are published by the release store.
TEST(spsc_ring_stress, owning_elements_cross_threads_and_are_freed_once) {
    const std::uint64_t items = stress_items() / 20;
    spsc_ring<std::unique_ptr<std::uint64_t>> ring(16);

    std::thread producer([&] {
        unsigned misses = 0;
        for (std::uint64_t i = 0; i < items; ++i) {
            auto value = std::make_unique<std::uint64_t>(i);
            while (!ring.try_push(std::move(value))) back_off(misses);
        }
    });

    std::vector<std::unique_ptr<std::uint64_t>> out(8);
    std::uint64_t expected = 0;
    std::uint64_t disorder = 0;
    unsigned misses = 0;
    while (expected < items) {
        const std::size_t got = ring.pop_batch(out);
        if (got == 0) back_off(misses);
        for (std::size_t i = 0; i < got; ++i) {
            if (*out[i] != expected) ++disorder;
            expected = *out[i] + 1;
            out[i].reset();
        }
    }
    producer.join();
    EXPECT_EQ(disorder, 0u);
    EXPECT_EQ(expected, items);
}

}  // namespace
}  // namespace flowbridge
