#pragma once

// The runtime's log seam. The runtime never writes to stdout/stderr itself: every line goes to a
// log_sink the embedding application (or `flowbridge run`) provides, so a logging library can be
// plugged in without touching the runtime. Messages never contain a secret (SPEC §8).

#include <functional>
#include <string>
#include <string_view>

#include "engine/config/model.h"

namespace flowbridge::runtime {

using log_level = config::log_level;

/// One log line. Views are valid during the sink call only.
struct log_record {
    log_level level = log_level::info;
    std::string_view component;  ///< "runtime", "mqtt", "kafka", "embedded-kafka", …
    std::string_view dataflow;   ///< `namespace/name`, or empty
    std::string_view message;
};

/// Receives every log line at or above the runtime's level. Called from any runtime thread
/// (control, flow supervisors, shard threads on state changes — never per message), possibly
/// concurrently: the sink must be thread-safe.
using log_sink = std::function<void(const log_record&)>;

/// A sink writing `LEVEL component [dataflow] message` lines to stderr (thread-safe).
log_sink stderr_log_sink();

/// A level filter in front of a sink. Copyable, cheap; thread-safe if the sink is.
class logger {
  public:
    logger() = default;
    logger(log_sink sink, log_level level) : sink_(std::move(sink)), level_(level) {}

    bool enabled(log_level l) const noexcept {
        return sink_ && static_cast<int>(l) >= static_cast<int>(level_);
    }
    void log(log_level l, std::string_view component, std::string_view dataflow,
             std::string_view message) const {
        if (enabled(l)) sink_(log_record{l, component, dataflow, message});
    }
    void info(std::string_view c, std::string_view df, std::string_view m) const {
        log(log_level::info, c, df, m);
    }
    void warn(std::string_view c, std::string_view df, std::string_view m) const {
        log(log_level::warn, c, df, m);
    }
    void error(std::string_view c, std::string_view df, std::string_view m) const {
        log(log_level::error, c, df, m);
    }
    void debug(std::string_view c, std::string_view df, std::string_view m) const {
        log(log_level::debug, c, df, m);
    }
    log_level level() const noexcept { return level_; }

  private:
    log_sink sink_;
    log_level level_ = log_level::info;
};

}  // namespace flowbridge::runtime
