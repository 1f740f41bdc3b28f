#include "tools/log/logger.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>

#include "engine/message/utf8.h"

namespace flowbridge::log {

namespace {

constexpr std::string_view redacted = "***";
// A suppressed-lines bucket shared by keys that arrive while the key table is full of live keys.
constexpr std::string_view overflow_key{"\0overflow", 9};

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

bool iends_with(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

template <typename T>
void append_number(std::string& out, T v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_hex_escape(std::string& out, unsigned char c, std::string_view prefix) {
    static constexpr char digits[] = "0123456789abcdef";
    out += prefix;
    out += digits[c >> 4];
    out += digits[c & 0xf];
}

// Text format: control characters escaped so that one call is one line.
void append_text_escaped(std::string& out, std::string_view s, bool quote_char_too) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\\':
                if (quote_char_too) {
                    out += "\\\\";
                } else {
                    out += ch;
                }
                break;
            case '"':
                if (quote_char_too) {
                    out += "\\\"";
                } else {
                    out += ch;
                }
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    append_hex_escape(out, c, "\\x");
                } else {
                    out += ch;
                }
        }
    }
}

bool needs_quotes(std::string_view s) noexcept {
    if (s.empty()) return true;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f || ch == '"' || ch == '=' || ch == '\\') return true;
    }
    return false;
}

void append_text_value(std::string& out, std::string_view s) {
    if (needs_quotes(s)) {
        out += '"';
        append_text_escaped(out, s, true);
        out += '"';
    } else {
        out += s;
    }
}

// JSON string body (RFC 8259): quote, backslash and control characters escaped; bytes of
// ill-formed UTF-8 become U+FFFD so that the line stays valid JSON.
void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    const bool valid = is_valid_utf8(s);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    append_hex_escape(out, c, "\\u00");
                } else if (c >= 0x80 && !valid) {
                    out += "\\ufffd";
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

std::string_view upper_name(level l) noexcept {
    switch (l) {
        case level::trace:
            return "TRACE";
        case level::debug:
            return "DEBUG";
        case level::info:
            return "INFO ";
        case level::warn:
            return "WARN ";
        case level::error:
            return "ERROR";
        case level::off:
            break;
    }
    return "OFF  ";
}

}  // namespace

std::optional<level> parse_level(std::string_view s) noexcept {
    if (s == "trace") return level::trace;
    if (s == "debug") return level::debug;
    if (s == "info") return level::info;
    if (s == "warn" || s == "warning") return level::warn;
    if (s == "error") return level::error;
    if (s == "off") return level::off;
    return std::nullopt;
}

std::optional<format> parse_format(std::string_view s) noexcept {
    if (s == "text") return format::text;
    if (s == "json") return format::json;
    return std::nullopt;
}

std::string_view to_string(level l) noexcept {
    switch (l) {
        case level::trace:
            return "trace";
        case level::debug:
            return "debug";
        case level::info:
            return "info";
        case level::warn:
            return "warn";
        case level::error:
            return "error";
        case level::off:
            return "off";
    }
    return "off";
}

bool is_secret_key(std::string_view key) noexcept {
    for (std::string_view name :
         {"password", "passwd", "token", "access_token", "secret", "client_secret",
          "connection_string", "sas_key", "authorization"}) {
        if (iequals(key, name)) return true;
    }
    return iends_with(key, "_password") || iends_with(key, "_secret") || iends_with(key, "_token");
}

bool field::is_secret() const noexcept { return secret_ || is_secret_key(key_); }

sink stderr_sink() {
    return [](std::string_view line) {
        while (!line.empty()) {
            const ssize_t n = ::write(2, line.data(), line.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                return;
            }
            line.remove_prefix(static_cast<std::size_t>(n));
        }
    };
}

void append_timestamp(std::string& out, std::int64_t wall_ms) {
    // Days since the epoch to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    std::int64_t days = wall_ms >= 0 ? wall_ms / 86'400'000 : (wall_ms - 86'399'999) / 86'400'000;
    const std::int64_t ms_of_day = wall_ms - days * 86'400'000;
    days += 719'468;
    const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
    const auto doe = static_cast<unsigned>(days - era * 146'097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146'096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);

    char buf[32];
    auto two = [](char* p, unsigned v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    const auto y = static_cast<unsigned>(year < 0 ? 0 : year > 9999 ? 9999 : year);
    buf[0] = static_cast<char>('0' + y / 1000);
    buf[1] = static_cast<char>('0' + y / 100 % 10);
    two(buf + 2, y % 100);
    buf[4] = '-';
    two(buf + 5, month);
    buf[7] = '-';
    two(buf + 8, day);
    buf[10] = 'T';
    const auto secs = static_cast<unsigned>(ms_of_day / 1000);
    two(buf + 11, secs / 3600);
    buf[13] = ':';
    two(buf + 14, secs / 60 % 60);
    buf[16] = ':';
    two(buf + 17, secs % 60);
    buf[19] = '.';
    const auto ms = static_cast<unsigned>(ms_of_day % 1000);
    buf[20] = static_cast<char>('0' + ms / 100);
    two(buf + 21, ms % 100);
    buf[23] = 'Z';
    out.append(buf, 24);
}

logger::logger(options opts)
    : threshold_(opts.threshold),
      style_(opts.style),
      out_(opts.out ? std::move(opts.out) : stderr_sink()),
      own_clock_(opts.time ? nullptr : std::make_unique<system_clock>()),
      time_(opts.time ? opts.time : own_clock_.get()),
      max_keys_(opts.max_rate_limit_keys == 0 ? 1 : opts.max_rate_limit_keys) {}

logger::~logger() = default;

void logger::append_value(std::string& out, const field& f) const {
    const bool json = style_ == format::json;
    if (f.is_secret()) {
        if (json) {
            out += '"';
            out += redacted;
            out += '"';
        } else {
            out += redacted;
        }
        return;
    }
    switch (f.kind_) {
        case field::kind::string:
            if (json) {
                append_json_string(out, f.text_);
            } else {
                append_text_value(out, f.text_);
            }
            break;
        case field::kind::signed_integer:
            append_number(out, f.i_);
            break;
        case field::kind::unsigned_integer:
            append_number(out, f.u_);
            break;
        case field::kind::boolean:
            out += f.u_ ? "true" : "false";
            break;
        case field::kind::floating:
            if (std::isfinite(f.d_)) {
                append_number(out, f.d_);
            } else if (json) {
                out += "null";  // JSON has no NaN or Infinity
            } else {
                out += std::isnan(f.d_) ? "NaN" : f.d_ > 0 ? "+Inf" : "-Inf";
            }
            break;
    }
}

void logger::format_line(std::string& out, level l, std::string_view component,
                         std::string_view message, std::initializer_list<field> fields,
                         std::uint64_t suppressed) const {
    if (style_ == format::json) {
        out += "{\"ts\":\"";
        append_timestamp(out, time_->wall_ms());
        out += "\",\"level\":\"";
        out += to_string(l);
        out += "\",\"component\":";
        append_json_string(out, component);
        out += ",\"msg\":";
        append_json_string(out, message);
        for (const auto& f : fields) {
            out += ',';
            append_json_string(out, f.key());
            out += ':';
            append_value(out, f);
        }
        if (suppressed != 0) {
            out += ",\"suppressed\":";
            append_number(out, suppressed);
        }
        out += "}\n";
        return;
    }
    append_timestamp(out, time_->wall_ms());
    out += ' ';
    out += upper_name(l);
    out += ' ';
    append_text_escaped(out, component, false);
    out += ": ";
    append_text_escaped(out, message, false);
    for (const auto& f : fields) {
        out += ' ';
        append_text_escaped(out, f.key(), false);
        out += '=';
        append_value(out, f);
    }
    if (suppressed != 0) {
        out += " suppressed=";
        append_number(out, suppressed);
    }
    out += '\n';
}

void logger::write(level l, std::string_view component, std::string_view message,
                   std::initializer_list<field> fields) {
    if (!enabled(l)) return;
    std::string line;
    line.reserve(128);
    format_line(line, l, component, message, fields, 0);
    std::lock_guard lock(mutex_);
    out_(line);
}

bool logger::write_limited(level l, std::string_view key, std::chrono::nanoseconds interval,
                           std::string_view component, std::string_view message,
                           std::initializer_list<field> fields) {
    if (!enabled(l)) return false;
    std::lock_guard lock(mutex_);
    const mono_ns now = time_->now();
    auto it = limits_.find(key);
    if (it == limits_.end()) {
        if (limits_.size() >= max_keys_) {
            // Forget keys whose interval has passed: their next line would be written anyway.
            std::erase_if(limits_, [now](const auto& entry) {
                return now - entry.second.last >= entry.second.interval.count();
            });
        }
        if (limits_.size() >= max_keys_) {
            key = overflow_key;  // every key is live: share one limiter rather than grow
            it = limits_.find(key);
        }
    }
    std::uint64_t suppressed = 0;
    if (it == limits_.end()) {
        limits_.emplace(std::string(key), limit_state{now, interval, 0});
    } else {
        limit_state& s = it->second;
        if (now - s.last < s.interval.count()) {
            ++s.suppressed;
            return false;
        }
        suppressed = s.suppressed;
        s = limit_state{now, interval, 0};
    }
    std::string line;
    line.reserve(128);
    format_line(line, l, component, message, fields, suppressed);
    out_(line);
    return true;
}

}  // namespace flowbridge::log
