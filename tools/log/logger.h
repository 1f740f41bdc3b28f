#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "engine/message/clock.h"

namespace flowbridge::log {

enum class level : std::uint8_t { trace, debug, info, warn, error, off };
enum class format : std::uint8_t { text, json };

/// "trace" … "error", "off" (also "warning"); case-sensitive, as the CLI and the profile spell
/// them.
std::optional<level> parse_level(std::string_view s) noexcept;
/// "text" or "json".
std::optional<format> parse_format(std::string_view s) noexcept;
std::string_view to_string(level l) noexcept;

/// One key=value pair of a log line. The value is a view (or a number) valid for the call.
/// A field made with secret() — or whose key is a well-known secret name (password, token,
/// secret, ... see is_secret_key) — is always written as `***` (SPEC §8).
class field {
  public:
    field(std::string_view key, std::string_view value) noexcept
        : key_(key), kind_(kind::string), text_(value) {}
    field(std::string_view key, const char* value) noexcept : field(key, std::string_view(value)) {}
    field(std::string_view key, const std::string& value) noexcept
        : field(key, std::string_view(value)) {}
    field(std::string_view key, bool value) noexcept : key_(key), kind_(kind::boolean), u_(value) {}
    template <std::integral T>
    requires(!std::same_as<T, bool>) field(std::string_view key, T value)
    noexcept : key_(key) {
        if constexpr (std::is_signed_v<T>) {
            kind_ = kind::signed_integer;
            i_ = value;
        } else {
            kind_ = kind::unsigned_integer;
            u_ = value;
        }
    }
    field(std::string_view key, double value) noexcept
        : key_(key), kind_(kind::floating), d_(value) {}

    /// A field whose value is never written.
    static field secret(std::string_view key, std::string_view value) noexcept {
        field f(key, value);
        f.secret_ = true;
        return f;
    }

    std::string_view key() const noexcept { return key_; }
    bool is_secret() const noexcept;

  private:
    friend class logger;
    enum class kind : std::uint8_t { string, signed_integer, unsigned_integer, floating, boolean };
    std::string_view key_;
    kind kind_ = kind::string;
    bool secret_ = false;
    std::string_view text_;
    union {
        std::int64_t i_;
        std::uint64_t u_ = 0;
        double d_;
    };
};

inline field secret(std::string_view key, std::string_view value) noexcept {
    return field::secret(key, value);
}

/// True for field keys that name a secret whatever the caller marked: password, passwd, token,
/// access_token, secret, client_secret, connection_string, sas_key, authorization, and any key
/// ending in `_password`, `_secret` or `_token` (ASCII case-insensitive).
bool is_secret_key(std::string_view key) noexcept;

/// Receives each finished line (with its trailing '\n'). Called under the logger's lock, one line
/// at a time, so it needs no locking of its own and lines never interleave.
using sink = std::function<void(std::string_view line)>;

/// Writes to file descriptor 2 with write(2), retrying short writes; errors are ignored (a logger
/// has nowhere to report them).
sink stderr_sink();

struct options {
    level threshold = level::info;
    format style = format::text;
    sink out;                                ///< empty: stderr_sink()
    const clock* time = nullptr;             ///< empty: a system_clock (timestamps, rate limits)
    std::size_t max_rate_limit_keys = 4096;  ///< bound on the memory of rate-limited keys
};

/// The process logger: one line per call, text or JSON, with a runtime threshold, rate-limited
/// repeats and redaction.
///
/// Text:  `2024-05-01T12:00:00.123Z INFO  mqtt: connected host=127.0.0.1 port=1883`
/// JSON:  `{"ts":"2024-05-01T12:00:00.123Z","level":"info","component":"mqtt","msg":"connected",
///         "host":"127.0.0.1","port":1883}`
///
/// Thread-safe: any thread may log; set_threshold() may be called at any time. enabled() is one
/// relaxed load, so a disabled level costs nothing more. Not for the per-message data path:
/// a line takes a mutex and formats into a string (the engine counts; the runtime logs).
class logger {
  public:
    explicit logger(options opts = {});
    ~logger();

    void set_threshold(level l) noexcept { threshold_.store(l, std::memory_order_relaxed); }
    level threshold() const noexcept { return threshold_.load(std::memory_order_relaxed); }
    bool enabled(level l) const noexcept { return l != level::off && l >= threshold(); }
    format style() const noexcept { return style_; }

    void write(level l, std::string_view component, std::string_view message,
               std::initializer_list<field> fields = {});

    /// As write(), but a line with the same `key` is written at most once per `interval`
    /// (SPEC §3.2: "logged once per topic per minute" → key = reason + topic). The calls that were
    /// suppressed are counted and the next line written for that key carries `suppressed=N`.
    /// Returns true if the line was written.
    bool write_limited(level l, std::string_view key, std::chrono::nanoseconds interval,
                       std::string_view component, std::string_view message,
                       std::initializer_list<field> fields = {});

    void trace(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
        write(level::trace, c, m, f);
    }
    void debug(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
        write(level::debug, c, m, f);
    }
    void info(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
        write(level::info, c, m, f);
    }
    void warn(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
        write(level::warn, c, m, f);
    }
    void error(std::string_view c, std::string_view m, std::initializer_list<field> f = {}) {
        write(level::error, c, m, f);
    }

  private:
    struct limit_state {
        mono_ns last = 0;
        std::chrono::nanoseconds interval{0};
        std::uint64_t suppressed = 0;
    };
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };

    void format_line(std::string& out, level l, std::string_view component,
                     std::string_view message, std::initializer_list<field> fields,
                     std::uint64_t suppressed) const;
    void append_value(std::string& out, const field& f) const;

    std::atomic<level> threshold_;
    const format style_;
    sink out_;
    std::unique_ptr<system_clock> own_clock_;
    const clock* time_;
    const std::size_t max_keys_;
    std::mutex mutex_;  // guards limits_ and the sink
    std::unordered_map<std::string, limit_state, key_hash, std::equal_to<>> limits_;
};

/// RFC 3339 UTC with milliseconds: `2024-05-01T12:00:00.123Z`.
void append_timestamp(std::string& out, std::int64_t wall_ms);

}  // namespace flowbridge::log
