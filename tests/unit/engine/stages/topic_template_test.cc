#include "engine/stages/topic_template.h"

#include <gtest/gtest.h>

namespace flowbridge {
namespace {

std::string resolve(std::string_view tmpl, std::string_view input) {
    topic_template t;
    std::string error;
    EXPECT_TRUE(t.parse(tmpl, error)) << error;
    std::string out = "garbage";
    if (!t.resolve(input, out)) return "<unresolved>";
    return out;
}

TEST(topic_template, literal_topic_is_used_as_is) {
    EXPECT_EQ(resolve("plant/telemetry", "ignored"), "plant/telemetry");
}

TEST(topic_template, input_topic_placeholder_is_the_whole_source_topic) {
    EXPECT_EQ(resolve("from-kafka/${inputTopic}", "orders"), "from-kafka/orders");
}

TEST(topic_template, input_topic_n_is_the_nth_level_one_based) {
    EXPECT_EQ(resolve("x/${inputTopic.2}/${inputTopic.1}", "a/b/c"), "x/b/a");
    EXPECT_EQ(resolve("${inputTopic.3}", "a/b/c"), "c");
}

TEST(topic_template, empty_levels_count_as_levels) {
    EXPECT_EQ(resolve("[${inputTopic.2}]", "a//c"), "[]");
}

TEST(topic_template, a_level_beyond_the_input_topic_is_unresolved) {
    EXPECT_EQ(resolve("${inputTopic.4}", "a/b/c"), "<unresolved>");
}

TEST(topic_template, malformed_placeholders_are_rejected_with_a_reason) {
    for (const char* bad : {"${inputTopic.0}", "${inputTopic.x}", "${other}", "a/${inputTopic",
                            "${inputTopic.}", "${inputTopic.-1}"}) {
        topic_template t;
        std::string error;
        EXPECT_FALSE(t.parse(bad, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

}  // namespace
}  // namespace flowbridge
