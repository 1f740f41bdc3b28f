#include "engine/config/text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace flowbridge::config {

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool ends_with_ignore_case(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           equals_ignore_case(s.substr(s.size() - suffix.size()), suffix);
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

std::string quoted(std::string_view value) {
    constexpr std::size_t limit = 64;
    std::string out = "'";
    for (std::size_t i = 0; i < value.size() && i < limit; ++i) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (value.size() > limit) out += "...";
    out += "'";
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap) {
    if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return std::min(prev[b.size()], cap + 1);
}

std::optional<std::string> base64_decode(std::string_view in) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(in.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (char c : in) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        if (padding > 0) return std::nullopt;  // data after padding
        int v = value_of(c);
        if (v < 0) return std::nullopt;
        ++symbols;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    // A group of four symbols is 3 bytes; a final group of 1 symbol is impossible.
    if (symbols % 4 == 1) return std::nullopt;
    if (padding > 2) return std::nullopt;
    if (padding > 0 && (symbols + padding) % 4 != 0) return std::nullopt;
    // Leftover bits must be zero (canonical encoding).
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::optional<host_port> parse_host_port(std::string_view text, std::string& error) {
    host_port hp;
    std::string_view rest;
    if (text.empty()) {
        error = "must be host:port, got an empty value";
        return std::nullopt;
    }
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos) {
            error = "unterminated '[' in IPv6 address " + quoted(text);
            return std::nullopt;
        }
        hp.host = std::string(text.substr(1, close - 1));
        rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') {
            error = "must be host:port, the port is missing in " + quoted(text);
            return std::nullopt;
        }
        rest.remove_prefix(1);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            error = "must be host:port, the port is missing in " + quoted(text);
            return std::nullopt;
        }
        hp.host = std::string(text.substr(0, colon));
        if (hp.host.find(':') != std::string::npos) {
            error = "an IPv6 address must be written in brackets, [addr]:port, got " + quoted(text);
            return std::nullopt;
        }
        rest = text.substr(colon + 1);
    }
    if (hp.host.empty()) {
        error = "must be host:port, the host is missing in " + quoted(text);
        return std::nullopt;
    }
    for (char c : hp.host) {
        if (c == ' ' || c == '/' || c == '\t' || static_cast<unsigned char>(c) < 0x20) {
            error = "invalid character in host " + quoted(hp.host);
            return std::nullopt;
        }
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (rest.empty() || ec != std::errc() || ptr != rest.data() + rest.size() || port == 0 ||
        port > 65535) {
        error = "port must be 1..65535, got " + quoted(rest);
        return std::nullopt;
    }
    hp.port = static_cast<std::uint16_t>(port);
    return hp;
}

std::string first_host(std::string_view host_field) {
    auto first = host_field.substr(0, host_field.find(','));
    while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    if (!first.empty() && first.front() == '[') {
        auto close = first.find(']');
        return std::string(
            first.substr(1, close == std::string_view::npos ? first.npos : close - 1));
    }
    return std::string(first.substr(0, first.rfind(':')));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

}  // namespace flowbridge::config
