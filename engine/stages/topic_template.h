#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flowbridge {

/// An MQTT destination topic with `${inputTopic}` and `${inputTopic.N}` placeholders
/// (SPEC §2.3), parsed once at start-up and resolved per message without allocation (the output
/// string keeps its capacity).
class topic_template {
public:
    /// Parses `text`. On a malformed placeholder returns false and sets `error` to a message
    /// (e.g. "unknown placeholder ${foo}", "segment index must be ≥ 1").
    bool parse(std::string_view text, std::string& error);

    /// Writes the topic for `input_topic` into `out`. False if the template names a segment the
    /// input topic does not have (the caller drops and counts: `topic_unresolved`).
    bool resolve(std::string_view input_topic, std::string& out) const noexcept;

    bool has_placeholders() const noexcept { return placeholders_; }

private:
    struct part {
        std::string literal;   // used when segment == literal_part
        std::uint32_t segment;  // 0: whole input topic; N: the N-th level (1-based)
        bool is_literal;
    };
    std::vector<part> parts_;
    bool placeholders_ = false;
};

}  // namespace flowbridge
