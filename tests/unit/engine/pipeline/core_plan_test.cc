#include "engine/pipeline/core_plan.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace flowbridge::pipeline {
namespace {

std::vector<cpu_id> cpus(std::initializer_list<int> ids) {
    std::vector<cpu_id> out;
    for (int id : ids) out.push_back(cpu_id{id});
    return out;
}

std::vector<int> cpu_values(const core_plan& plan) {
    std::vector<int> out;
    for (const auto& t : plan.threads) out.push_back(t.cpu ? t.cpu->value : -1);
    return out;
}

TEST(core_plan, fused_gives_one_thread_per_shard_each_on_its_own_cpu) {
    const auto plan = plan_cores(3, topology::fused, cpus({0, 1, 2, 3}));
    EXPECT_EQ(plan.status, plan_status::dedicated);
    ASSERT_EQ(plan.threads.size(), 3u);
    for (std::uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(plan.threads[i].shard, shard_index{i});
        EXPECT_EQ(plan.threads[i].role, thread_role::whole_shard);
    }
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{0, 1, 2}));
}

TEST(core_plan, split_gives_each_shard_an_ingress_and_a_batcher_thread_on_neighbouring_cpus) {
    const auto plan = plan_cores(2, topology::split, cpus({0, 1, 2, 3}));
    EXPECT_EQ(plan.status, plan_status::dedicated);
    ASSERT_EQ(plan.threads.size(), 4u);
    EXPECT_EQ(plan.threads[0].shard, shard_index{0});
    EXPECT_EQ(plan.threads[0].role, thread_role::ingress_side);
    EXPECT_EQ(plan.threads[1].shard, shard_index{0});
    EXPECT_EQ(plan.threads[1].role, thread_role::batcher_side);
    EXPECT_EQ(plan.threads[2].shard, shard_index{1});
    EXPECT_EQ(plan.threads[2].role, thread_role::ingress_side);
    EXPECT_EQ(plan.threads[3].role, thread_role::batcher_side);
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{0, 1, 2, 3}));
}

TEST(core_plan, allowed_set_is_used_in_ascending_order_without_duplicates_or_gaps) {
    // A cpuset like "3,5,9" (container or taskset): only those CPUs are used.
    const auto plan = plan_cores(3, topology::fused, cpus({9, 3, 5, 3}));
    EXPECT_EQ(plan.status, plan_status::dedicated);
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{3, 5, 9}));
}

TEST(core_plan, more_threads_than_cpus_are_dealt_round_robin_and_reported_as_shared) {
    const auto plan = plan_cores(5, topology::fused, cpus({0, 1}));
    EXPECT_EQ(plan.status, plan_status::shared);
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{0, 1, 0, 1, 0}));
}

TEST(core_plan, split_shard_threads_never_share_a_cpu_when_two_or_more_exist) {
    for (int n = 2; n <= 7; ++n) {
        std::vector<cpu_id> allowed;
        for (int c = 0; c < n; ++c) allowed.push_back(cpu_id{c});
        for (std::size_t shards = 1; shards <= 9; ++shards) {
            const auto plan = plan_cores(shards, topology::split, allowed);
            ASSERT_EQ(plan.threads.size(), shards * 2);
            for (std::size_t s = 0; s < shards; ++s) {
                EXPECT_NE(plan.threads[2 * s].cpu, plan.threads[2 * s + 1].cpu)
                    << "cpus=" << n << " shards=" << shards << " shard=" << s;
            }
        }
    }
}

TEST(core_plan, split_on_one_cpu_puts_everything_there) {
    const auto plan = plan_cores(2, topology::split, cpus({4}));
    EXPECT_EQ(plan.status, plan_status::shared);
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{4, 4, 4, 4}));
}

TEST(core_plan, empty_allowed_set_leaves_threads_unpinned) {
    const auto plan = plan_cores(2, topology::split, {});
    EXPECT_EQ(plan.status, plan_status::unpinned);
    ASSERT_EQ(plan.threads.size(), 4u);
    for (const auto& t : plan.threads) EXPECT_FALSE(t.cpu.has_value());
}

TEST(core_plan, negative_cpu_ids_are_ignored) {
    const auto plan = plan_cores(1, topology::fused, cpus({-1, 2}));
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{2}));
}

TEST(core_plan, zero_shards_plan_no_threads) {
    const auto plan = plan_cores(0, topology::fused, cpus({0, 1}));
    EXPECT_TRUE(plan.threads.empty());
    EXPECT_EQ(plan.status, plan_status::dedicated);
}

TEST(core_plan, reserved_cpus_are_kept_free_when_the_pipeline_still_gets_dedicated_cpus) {
    const auto plan = plan_cores(1, topology::split, cpus({0, 1, 2, 3}), {.reserved_cpus = 1});
    EXPECT_EQ(plan.status, plan_status::dedicated);
    EXPECT_EQ(plan.reserved, cpus({0}));
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{1, 2}));
}

TEST(core_plan, reservation_is_dropped_when_it_would_make_pipeline_threads_share) {
    const auto plan = plan_cores(1, topology::split, cpus({0, 1}), {.reserved_cpus = 1});
    EXPECT_TRUE(plan.reserved.empty());
    EXPECT_EQ(plan.status, plan_status::dedicated);
    EXPECT_EQ(cpu_values(plan), (std::vector<int>{0, 1}));
}

TEST(core_plan, every_planned_cpu_comes_from_the_allowed_set) {
    const auto allowed = cpus({2, 6, 7, 11, 12});
    const std::set<cpu_id> allowed_set(allowed.begin(), allowed.end());
    for (auto topo : {topology::fused, topology::split}) {
        for (std::size_t shards = 0; shards <= 12; ++shards) {
            for (std::size_t reserve = 0; reserve <= 3; ++reserve) {
                const auto plan = plan_cores(shards, topo, allowed, {.reserved_cpus = reserve});
                for (const auto& t : plan.threads) {
                    ASSERT_TRUE(t.cpu.has_value());
                    EXPECT_TRUE(allowed_set.contains(*t.cpu));
                    for (const auto& r : plan.reserved) EXPECT_NE(*t.cpu, r);
                }
            }
        }
    }
}

TEST(core_plan, allowed_cpus_reports_at_least_the_cpu_we_run_on) {
    const auto allowed = allowed_cpus();
    ASSERT_FALSE(allowed.empty());
    for (std::size_t i = 1; i < allowed.size(); ++i) EXPECT_LT(allowed[i - 1], allowed[i]);
}

TEST(core_plan, enums_have_names_for_logging) {
    EXPECT_EQ(to_string(topology::split), "split");
    EXPECT_EQ(to_string(thread_role::batcher_side), "batcher_side");
    EXPECT_EQ(to_string(plan_status::shared), "shared");
}

}  // namespace
}  // namespace flowbridge::pipeline
