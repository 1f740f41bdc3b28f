#include "engine/stages/topic_template.h"

#include <charconv>

namespace flowbridge {

bool topic_template::parse(std::string_view text, std::string& error) {
    parts_.clear();
    placeholders_ = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t open = text.find("${", pos);
        if (open == std::string_view::npos) {
            parts_.push_back(part{std::string(text.substr(pos)), 0, true});
            break;
        }
        if (open > pos) parts_.push_back(part{std::string(text.substr(pos, open - pos)), 0, true});
        const std::size_t close = text.find('}', open);
        if (close == std::string_view::npos) {
            error = "unterminated placeholder starting at offset " + std::to_string(open);
            return false;
        }
        const std::string_view name = text.substr(open + 2, close - open - 2);
        constexpr std::string_view input = "inputTopic";
        if (name == input) {
            parts_.push_back(part{{}, 0, false});
        } else if (name.starts_with("inputTopic.")) {
            const std::string_view digits = name.substr(input.size() + 1);
            std::uint32_t n = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
                error = "placeholder ${" + std::string(name) + "}: segment must be a number";
                return false;
            }
            if (n == 0) {
                error = "placeholder ${" + std::string(name) + "}: segment index is 1-based";
                return false;
            }
            parts_.push_back(part{{}, n, false});
        } else {
            error = "unknown placeholder ${" + std::string(name) +
                    "} (expected ${inputTopic} or ${inputTopic.N})";
            return false;
        }
        placeholders_ = true;
        pos = close + 1;
    }
    return true;
}

bool topic_template::resolve(std::string_view input_topic, std::string& out) const noexcept {
    out.clear();
    for (const part& p : parts_) {
        if (p.is_literal) {
            out.append(p.literal);
        } else if (p.segment == 0) {
            out.append(input_topic);
        } else {
            // The N-th '/'-separated level of the input topic (1-based).
            std::size_t start = 0;
            for (std::uint32_t level = 1; level < p.segment; ++level) {
                const std::size_t slash = input_topic.find('/', start);
                if (slash == std::string_view::npos) return false;
                start = slash + 1;
            }
            const std::size_t end = input_topic.find('/', start);
            out.append(input_topic.substr(start, end == std::string_view::npos ? end : end - start));
        }
    }
    return true;
}

}  // namespace flowbridge
