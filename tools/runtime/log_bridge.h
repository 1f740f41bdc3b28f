#pragma once

// The runtime's log seam (log.h) written through the daemon's logger (tools/log): text or JSON
// lines, threshold, rate-limited repeats, redaction. `flowbridge run` uses it; an embedding
// application may too, or plug in its own log_sink.

#include <chrono>
#include <memory>

#include "tools/log/logger.h"
#include "tools/runtime/log.h"

namespace flowbridge::runtime {

/// The tools/log level of a runtime level.
log::level to_log_level(log_level l) noexcept;

struct log_bridge_options {
    /// Identical warn/error lines (same component, dataflow and text) are written at most once
    /// per this interval; the next one written carries `suppressed=N`. Zero: no limit.
    std::chrono::milliseconds repeat_interval{10'000};
};

/// A log_sink writing every record through `out` (shared: the sink may outlive the caller's
/// reference, and the logger is thread-safe). Text: `TS LEVEL component: [ns/dataflow] message`
/// (the bracket only with a dataflow); JSON: `{"ts":…,"level":…,"component":…,"msg":…,
/// "dataflow":…}`. The runtime never puts a secret into a message (SPEC §8); fields of the
/// logger's own callers are redacted by key.
log_sink make_log_sink(std::shared_ptr<log::logger> out, log_bridge_options options = {});

}  // namespace flowbridge::runtime
