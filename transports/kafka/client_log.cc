#include "transports/kafka/client_log.h"

#include "transports/identity/token_request.h"

namespace flowbridge::kafka::detail {

client_log::client_log(log_callback sink, const client_config& config) : sink_(std::move(sink)) {
    for (const auto& [name, value] : config.properties) {
        if (!value.empty() && is_secret_property(name, config.secret_keys))
            secrets_.push_back(value);
    }
}

void client_log::configure(rd_kafka_conf_t* conf,
                           void (*log_cb)(const rd_kafka_t*, int, const char*,
                                          const char*)) noexcept {
    if (!sink_) return;
    rd_kafka_conf_set_log_cb(conf, log_cb);
}

void client_log::emit(int level, std::string_view facility, std::string_view message,
                      bool essential) noexcept {
    if (!sink_) return;
    try {
        std::uint64_t report_suppressed = 0;
        if (!essential) {
            std::lock_guard lock(mutex_);
            const auto now = std::chrono::steady_clock::now();
            if (now - window_start_ >= window) {
                window_start_ = now;
                in_window_ = 0;
                report_suppressed = suppressed_in_window_;
                suppressed_in_window_ = 0;
            }
            if (in_window_ >= burst) {
                ++suppressed_in_window_;
                ++suppressed_total_;
                return;
            }
            ++in_window_;
        }
        if (report_suppressed != 0) {
            sink_(4, "LOG",
                  std::to_string(report_suppressed) +
                      " librdkafka log line(s) suppressed by the rate limit");
        }
        if (secrets_.empty()) {
            sink_(level, facility, message);
            return;
        }
        std::vector<std::string_view> secrets(secrets_.begin(), secrets_.end());
        const std::string clean = identity::redact(std::string(message), secrets);
        sink_(level, facility, clean);
    } catch (...) {
        // A log line is never worth an exception on a librdkafka thread.
    }
}

std::uint64_t client_log::suppressed() const noexcept {
    std::lock_guard lock(mutex_);
    return suppressed_total_;
}

}  // namespace flowbridge::kafka::detail
