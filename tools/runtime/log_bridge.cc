#include "tools/runtime/log_bridge.h"

#include <string>

namespace flowbridge::runtime {

log::level to_log_level(log_level l) noexcept {
    switch (l) {
        case log_level::trace:
            return log::level::trace;
        case log_level::debug:
            return log::level::debug;
        case log_level::info:
            return log::level::info;
        case log_level::warn:
            return log::level::warn;
        case log_level::error:
            return log::level::error;
    }
    return log::level::info;
}

log_sink make_log_sink(std::shared_ptr<log::logger> out, log_bridge_options options) {
    return [out = std::move(out), options](const log_record& r) {
        const log::level level = to_log_level(r.level);
        if (!out->enabled(level)) return;
        const bool json = out->style() == log::format::json;
        std::string text;
        std::string_view message = r.message;
        if (!json && !r.dataflow.empty()) {
            // Text keeps the dataflow next to the message: `… runtime: [ns/df] totals: …`.
            text.reserve(r.dataflow.size() + r.message.size() + 3);
            text += '[';
            text += r.dataflow;
            text += "] ";
            text += r.message;
            message = text;
        }
        const bool limited = options.repeat_interval.count() > 0 && level >= log::level::warn;
        if (json && !r.dataflow.empty()) {
            if (limited) {
                const std::string key = std::string(r.component) + '\0' + std::string(r.dataflow) +
                                        '\0' + std::string(r.message);
                out->write_limited(level, key, options.repeat_interval, r.component, message,
                                   {{"dataflow", r.dataflow}});
            } else {
                out->write(level, r.component, message, {{"dataflow", r.dataflow}});
            }
            return;
        }
        if (limited) {
            const std::string key = std::string(r.component) + '\0' + std::string(r.dataflow) +
                                    '\0' + std::string(r.message);
            out->write_limited(level, key, options.repeat_interval, r.component, message);
        } else {
            out->write(level, r.component, message);
        }
    };
}

}  // namespace flowbridge::runtime
