#include "engine/config/topic.h"

#include <gtest/gtest.h>

#include "engine/config/text.h"

namespace flowbridge::config {
namespace {

TEST(config_topics, mqtt_filters_follow_mqtt_v5_section_4_7) {
    for (const char* ok : {"a", "a/b", "+", "#", "a/+/c", "a/#", "+/+/#", "/", "$SYS/#"})
        EXPECT_FALSE(check_mqtt_topic_filter(ok)) << ok;
    for (const char* bad : {"", "a/#/b", "a#", "a/b+", "+a/b"})
        EXPECT_TRUE(check_mqtt_topic_filter(bad)) << bad;
    EXPECT_TRUE(check_mqtt_topic_filter(std::string("a\0b", 3)));
    EXPECT_TRUE(check_mqtt_topic_filter("\xff"));
}

TEST(config_topics, shared_and_share_prefixes_are_shared_subscriptions) {
    EXPECT_FALSE(check_mqtt_topic_filter("$shared/g/a/#"));
    EXPECT_FALSE(check_mqtt_topic_filter("$share/g/+"));
    EXPECT_TRUE(check_mqtt_topic_filter("$share//a"));
    EXPECT_TRUE(check_mqtt_topic_filter("$share/g"));
    EXPECT_TRUE(check_mqtt_topic_filter("$share/g+/a"));
    auto sf = parse_shared_filter("$shared/grp/a/b");
    ASSERT_TRUE(sf);
    EXPECT_EQ(sf->group, "grp");
    EXPECT_EQ(sf->filter, "a/b");
    EXPECT_EQ(wire_filter("$shared/grp/a/b"), "$share/grp/a/b");
    EXPECT_EQ(wire_filter("a/b"), "a/b");
}

TEST(config_topics, kafka_topics_have_no_wildcards_and_legal_characters) {
    for (const char* ok : {"orders", "a.b_c-D9"}) EXPECT_FALSE(check_kafka_topic(ok)) << ok;
    for (const char* bad : {"", ".", "..", "a+", "a/#", "a*", "a b", "a/b"})
        EXPECT_TRUE(check_kafka_topic(bad)) << bad;
    EXPECT_TRUE(check_kafka_topic(std::string(250, 'a')));
    EXPECT_TRUE(check_kafka_destination("t-${inputTopic}"));
}

TEST(config_topics, templates_accept_input_topic_and_segments_from_1) {
    std::size_t max = 0;
    EXPECT_FALSE(check_mqtt_topic_template("x/${inputTopic}/${inputTopic.3}", &max));
    EXPECT_EQ(max, 3u);
    for (const char* bad : {"${inputTopic.0}", "${inputTopic.}", "${inputTopic.x}", "${foo}",
                            "a/${inputTopic", "a/+", "a/#", ""})
        EXPECT_TRUE(check_mqtt_topic_template(bad)) << bad;
    EXPECT_FALSE(check_mqtt_topic_template("cost$/a"));
}

TEST(config_topics, templates_expand_against_the_input_topic) {
    EXPECT_EQ(expand_topic_template("out/${inputTopic.2}/${inputTopic}", "a/b/c"), "out/b/a/b/c");
    EXPECT_FALSE(expand_topic_template("${inputTopic.4}", "a/b/c"));
}

TEST(config_topics, exact_level_count_ignores_the_shared_prefix) {
    EXPECT_EQ(exact_level_count("a/+/c"), 3u);
    EXPECT_EQ(exact_level_count("$share/g/a/b"), 2u);
    EXPECT_FALSE(exact_level_count("a/#"));
}

TEST(config_text, host_port_parsing) {
    std::string err;
    auto hp = parse_host_port("[fe80::1]:9093", err);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->host, "fe80::1");
    EXPECT_EQ(hp->port, 9093);
    for (const char* bad :
         {"", "host", "host:", ":9092", "host:0", "host:65536", "fe80::1:9092", "[::1]", "host:9x"})
        EXPECT_FALSE(parse_host_port(bad, err)) << bad;
}

TEST(config_text, utf8_validation_rejects_overlongs_and_surrogates) {
    EXPECT_TRUE(is_valid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
}

}  // namespace
}  // namespace flowbridge::config
