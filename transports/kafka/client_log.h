#pragma once

// Internal to transports/kafka: routes librdkafka's log callback and client error events to a
// log_callback (client_config.h), redacted (SPEC §8) and rate-limited. Only .cc files of this
// folder include it.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transports/kafka/client_config.h"

namespace flowbridge::kafka::detail {

/// One client's log route. Thread-safe: librdkafka calls its log callback from internal threads,
/// error events arrive on the polling thread. Never on the per-message path (a mutex is fine).
///
/// Rate limit: at most `burst` lines per `window`; lines beyond it are counted and reported as
/// one "N line(s) suppressed" line when the next window opens.
class client_log {
  public:
    static constexpr std::size_t burst = 10;
    static constexpr std::chrono::seconds window{10};

    /// `config`: the client's properties, whose secret values are redacted from every line.
    client_log(log_callback sink, const client_config& config);

    bool enabled() const noexcept { return static_cast<bool>(sink_); }
    /// Forwards one line (level: syslog's). No-op without a sink. `essential` lines (the
    /// transport's own state changes: outage start and end) bypass the rate limit.
    void emit(int level, std::string_view facility, std::string_view message,
              bool essential = false) noexcept;

    /// Installs the librdkafka log callback (the client's opaque must be an object whose
    /// `log()` returns this; see the producer and consumer), and keeps librdkafka's own
    /// stderr logger quiet. Only when a sink is set.
    void configure(rd_kafka_conf_t* conf,
                   void (*log_cb)(const rd_kafka_t*, int, const char*, const char*)) noexcept;

    std::uint64_t suppressed() const noexcept;

  private:
    log_callback sink_;
    std::vector<std::string> secrets_;
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point window_start_{};
    std::size_t in_window_ = 0;
    std::uint64_t suppressed_in_window_ = 0;
    std::uint64_t suppressed_total_ = 0;
};

}  // namespace flowbridge::kafka::detail
