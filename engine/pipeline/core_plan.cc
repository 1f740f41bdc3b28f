#include "engine/pipeline/core_plan.h"

#include <sched.h>

#include <algorithm>

namespace flowbridge::pipeline {

std::string_view to_string(topology t) noexcept {
    switch (t) {
        case topology::fused: return "fused";
        case topology::split: return "split";
    }
    return "unknown";
}

std::string_view to_string(thread_role r) noexcept {
    switch (r) {
        case thread_role::whole_shard: return "whole_shard";
        case thread_role::ingress_side: return "ingress_side";
        case thread_role::batcher_side: return "batcher_side";
    }
    return "unknown";
}

std::string_view to_string(plan_status s) noexcept {
    switch (s) {
        case plan_status::dedicated: return "dedicated";
        case plan_status::shared: return "shared";
        case plan_status::unpinned: return "unpinned";
    }
    return "unknown";
}

core_plan plan_cores(std::size_t shards, topology topo, std::span<const cpu_id> allowed,
                     core_plan_options options) {
    core_plan plan;
    plan.topo = topo;

    std::vector<cpu_id> cpus;
    cpus.reserve(allowed.size());
    for (cpu_id c : allowed) {
        if (c.value >= 0) cpus.push_back(c);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());

    const std::size_t per_shard = topo == topology::split ? 2 : 1;
    const std::size_t thread_count = shards * per_shard;
    plan.threads.reserve(thread_count);

    std::span<const cpu_id> pool(cpus);
    if (options.reserved_cpus > 0 && cpus.size() >= options.reserved_cpus + thread_count) {
        plan.reserved.assign(cpus.begin(),
                             cpus.begin() + static_cast<std::ptrdiff_t>(options.reserved_cpus));
        pool = pool.subspan(options.reserved_cpus);
    }

    if (pool.empty()) {
        plan.status = plan_status::unpinned;
    } else if (thread_count <= pool.size()) {
        plan.status = plan_status::dedicated;
    } else {
        plan.status = plan_status::shared;
    }

    for (std::size_t i = 0; i < thread_count; ++i) {
        planned_thread t;
        t.shard = shard_index{static_cast<std::uint32_t>(i / per_shard)};
        t.role = topo == topology::fused
                     ? thread_role::whole_shard
                     : (i % 2 == 0 ? thread_role::ingress_side : thread_role::batcher_side);
        // Round-robin over the pool. Consecutive threads get consecutive CPUs, so the two threads
        // of a split shard (2k, 2k+1) differ whenever the pool has two or more CPUs.
        if (!pool.empty()) t.cpu = pool[i % pool.size()];
        plan.threads.push_back(t);
    }
    return plan;
}

std::vector<cpu_id> allowed_cpus() {
    std::vector<cpu_id> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) cpus.push_back(cpu_id{c});
    }
    return cpus;
}

}  // namespace flowbridge::pipeline
