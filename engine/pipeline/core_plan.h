#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace flowbridge::pipeline {

/// A logical CPU number as the kernel numbers them (sched_setaffinity, /proc/cpuinfo).
struct cpu_id {
    std::int32_t value = -1;
    friend constexpr auto operator<=>(cpu_id, cpu_id) = default;
};

/// The index of a shard of a pipeline, 0-based.
struct shard_index {
    std::uint32_t value = 0;
    friend constexpr auto operator<=>(shard_index, shard_index) = default;
};

/// How the stages of one shard are spread over threads (SPEC §5).
enum class topology : std::uint8_t {
    /// One thread per shard runs ingress → translate/expiry → partitioner → batcher → producer.
    fused,
    /// Two threads per shard: the ingress side (ingress, translate/expiry, partitioner) and the
    /// batcher side (batcher, producer), with an spsc_ring between them.
    split,
};

/// What a planned thread runs.
enum class thread_role : std::uint8_t {
    whole_shard,    ///< fused: every stage of the shard
    ingress_side,   ///< split: ingress, translate/expiry, partitioner; producer end of the ring
    batcher_side,   ///< split: batcher, producer; consumer end of the ring
};

/// How well the plan could honour "one thread per CPU".
enum class plan_status : std::uint8_t {
    dedicated,       ///< every thread has a CPU to itself
    shared,          ///< more threads than CPUs: some CPUs run several threads (round-robin)
    unpinned,        ///< no usable CPU set was given: threads are not pinned at all
};

std::string_view to_string(topology t) noexcept;
std::string_view to_string(thread_role r) noexcept;
std::string_view to_string(plan_status s) noexcept;

/// One thread of the plan.
struct planned_thread {
    shard_index shard;
    thread_role role = thread_role::whole_shard;
    /// The CPU to pin the thread to; empty when the plan is unpinned.
    std::optional<cpu_id> cpu;
};

/// Where every pipeline thread runs. A plain value: computed once at start-up, logged, then handed
/// to the shard threads (shard_thread_options::cpu).
struct core_plan {
    topology topo = topology::fused;
    plan_status status = plan_status::unpinned;
    /// Ordered by shard, and within a shard ingress side before batcher side.
    std::vector<planned_thread> threads;
    /// The CPUs of the allowed set left to control-plane and transport threads (see reserved_cpus).
    std::vector<cpu_id> reserved;
};

struct core_plan_options {
    /// How many CPUs (the lowest-numbered of the allowed set) to keep free of pipeline threads
    /// for the control plane and transport threads (MQTT session I/O, librdkafka). Honoured only
    /// when the CPUs left still give every pipeline thread its own CPU; otherwise nothing is
    /// reserved (core_plan::reserved is empty), because a pipeline thread sharing a CPU costs more
    /// than a control thread doing so.
    std::size_t reserved_cpus = 0;
};

/// Computes which CPU each pipeline thread is pinned to. Pure: the caller passes the allowed set
/// (normally allowed_cpus()). Rules:
/// * threads are laid out shard by shard, a split shard's two threads on consecutive CPUs of the
///   allowed set (neighbouring CPU numbers usually share a cache complex, which is where the ring
///   between them is cheapest);
/// * with enough CPUs every thread gets its own (status dedicated);
/// * otherwise the threads are dealt round-robin over the CPUs (status shared); with two or more
///   CPUs the two threads of a split shard still land on different CPUs, so a spinning consumer
///   never waits on a producer that shares its CPU;
/// * an empty allowed set yields unpinned threads (status unpinned).
/// Duplicates in `allowed` are ignored and the order does not matter.
core_plan plan_cores(std::size_t shards, topology topo, std::span<const cpu_id> allowed,
                     core_plan_options options = {});

/// The CPUs this thread may run on (sched_getaffinity), ascending; empty if the call fails.
/// Call it from the control thread before any pinning, so it reflects the process's cpuset.
std::vector<cpu_id> allowed_cpus();

}  // namespace flowbridge::pipeline
