#include "engine/config/topic.h"

#include <charconv>
#include <cstdint>

#include "engine/config/text.h"

namespace flowbridge::config {

namespace {

constexpr std::size_t max_mqtt_topic_bytes = 65535;  // MQTT v5 §1.5.4
constexpr std::size_t max_kafka_topic_chars = 249;

std::optional<std::string> check_plain_filter(std::string_view filter) {
    if (filter.empty()) return "a topic filter must not be empty";
    auto levels = split(filter, '/');
    for (std::size_t i = 0; i < levels.size(); ++i) {
        auto level = levels[i];
        if (level.find('#') != std::string_view::npos) {
            if (level != "#") return "'#' must occupy a whole topic level";
            if (i + 1 != levels.size()) return "'#' must be the last topic level";
        }
        if (level.find('+') != std::string_view::npos && level != "+")
            return "'+' must occupy a whole topic level";
    }
    return std::nullopt;
}

std::optional<std::string> check_common(std::string_view s) {
    if (s.size() > max_mqtt_topic_bytes) return "longer than 65535 bytes";
    if (s.find('\0') != std::string_view::npos) return "contains U+0000";
    if (!is_valid_utf8(s)) return "not valid UTF-8";
    return std::nullopt;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return false;
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
            return false;  // overlong
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n + 1;
    }
    return true;
}

std::optional<shared_filter> parse_shared_filter(std::string_view filter) {
    std::string_view rest;
    if (filter.starts_with("$shared/")) {
        rest = filter.substr(8);
    } else if (filter.starts_with("$share/")) {
        rest = filter.substr(7);
    } else {
        return std::nullopt;
    }
    auto slash = rest.find('/');
    shared_filter sf;
    sf.group = std::string(rest.substr(0, slash));
    sf.filter =
        slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    return sf;
}

std::string wire_filter(std::string_view filter) {
    if (filter.starts_with("$shared/")) return "$share/" + std::string(filter.substr(8));
    return std::string(filter);
}

std::optional<std::string> check_mqtt_topic_filter(std::string_view filter) {
    if (auto e = check_common(filter)) return e;
    if (auto sf = parse_shared_filter(filter)) {
        if (sf->group.empty())
            return "a shared subscription needs a group name: $share/<group>/<filter>";
        if (sf->group.find_first_of("+#") != std::string::npos)
            return "a shared subscription group name must not contain '+' or '#'";
        if (sf->filter.empty())
            return "a shared subscription needs a topic filter after the group: "
                   "$share/<group>/<filter>";
        return check_plain_filter(sf->filter);
    }
    return check_plain_filter(filter);
}

std::optional<std::string> check_kafka_topic(std::string_view topic) {
    if (topic.empty()) return "a Kafka topic must not be empty";
    if (topic.find_first_of("+#*") != std::string_view::npos)
        return "Kafka topics cannot contain wildcards ('+', '#', '*'); list each topic by name";
    if (topic.size() > max_kafka_topic_chars) return "a Kafka topic name is at most 249 characters";
    if (topic == "." || topic == "..") return "'.' and '..' are not valid Kafka topic names";
    for (char c : topic) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return "a Kafka topic name may contain only letters, digits, '.', '_' and '-', got " +
                   quoted(std::string(1, c));
    }
    return std::nullopt;
}

std::optional<std::string> check_kafka_destination(std::string_view topic) {
    if (topic.find("${") != std::string_view::npos)
        return "a Kafka destination topic is static; ${...} templates apply to MQTT destinations "
               "only";
    return check_kafka_topic(topic);
}

std::optional<std::string> check_mqtt_topic_template(std::string_view topic,
                                                     std::size_t* max_segment) {
    if (max_segment) *max_segment = 0;
    if (topic.empty()) return "an MQTT topic must not be empty";
    if (auto e = check_common(topic)) return e;
    if (topic.find_first_of("+#") != std::string_view::npos)
        return "an MQTT destination topic cannot contain wildcards ('+', '#')";
    std::size_t pos = 0;
    while ((pos = topic.find('$', pos)) != std::string_view::npos) {
        if (pos + 1 >= topic.size() || topic[pos + 1] != '{') {
            ++pos;
            continue;
        }
        auto close = topic.find('}', pos);
        if (close == std::string_view::npos) return "unterminated '${' in topic template";
        auto name = topic.substr(pos + 2, close - pos - 2);
        if (name == "inputTopic") {
            // whole input topic
        } else if (name.starts_with("inputTopic.")) {
            auto digits = name.substr(11);
            std::size_t n = 0;
            auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size())
                return "${" + std::string(name) +
                       "}: the segment index must be a positive integer, as in ${inputTopic.1}";
            if (n == 0) return "${inputTopic.0}: segments are numbered from 1";
            if (max_segment && n > *max_segment) *max_segment = n;
        } else {
            return "unknown template variable ${" + std::string(name.substr(0, 64)) +
                   "}; only ${inputTopic} and ${inputTopic.N} are supported";
        }
        pos = close + 1;
    }
    return std::nullopt;
}

std::optional<std::size_t> exact_level_count(std::string_view filter) {
    if (auto sf = parse_shared_filter(filter)) return exact_level_count(sf->filter);
    if (filter.find('#') != std::string_view::npos) return std::nullopt;
    return split(filter, '/').size();
}

std::optional<std::string> expand_topic_template(std::string_view tmpl,
                                                 std::string_view input_topic) {
    std::string out;
    std::size_t pos = 0;
    auto levels = split(input_topic, '/');
    while (pos < tmpl.size()) {
        auto start = tmpl.find("${", pos);
        if (start == std::string_view::npos) {
            out.append(tmpl.substr(pos));
            break;
        }
        out.append(tmpl.substr(pos, start - pos));
        auto close = tmpl.find('}', start);
        if (close == std::string_view::npos) return std::nullopt;
        auto name = tmpl.substr(start + 2, close - start - 2);
        if (name == "inputTopic") {
            out.append(input_topic);
        } else {
            std::size_t n = 0;
            auto digits = name.substr(11);
            std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (n == 0 || n > levels.size()) return std::nullopt;
            out.append(levels[n - 1]);
        }
        pos = close + 1;
    }
    return out;
}

}  // namespace flowbridge::config
