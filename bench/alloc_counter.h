#pragma once

#include <cstdint>

namespace flowbridge::bench {

/// Heap allocations (calls of the global operator new / malloc family through operator new) made
/// by this process so far. Linking alloc_counter.cc replaces the global operator new/delete with
/// counting versions; benchmarks divide the difference by messages to report `allocs_per_msg`.
std::uint64_t allocations() noexcept;

}  // namespace flowbridge::bench
