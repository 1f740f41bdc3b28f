#include <gtest/gtest.h>

#include "tools/flowbridge/cmd_kafka_mock.h"

namespace flowbridge::tools {
namespace {

TEST(kafka_mock_command, defaults_to_one_broker_and_no_topics) {
    kafka_mock_args a;
    EXPECT_EQ(parse_kafka_mock_args({}, a), "");
    EXPECT_EQ(a.brokers, 1);
    EXPECT_TRUE(a.topics.empty());
}

TEST(kafka_mock_command, parses_brokers_and_repeated_topics) {
    kafka_mock_args a;
    EXPECT_EQ(parse_kafka_mock_args({"--brokers", "3", "--topic", "a:4", "--topic=b.c-d:1"}, a),
              "");
    EXPECT_EQ(a.brokers, 3);
    ASSERT_EQ(a.topics.size(), 2u);
    EXPECT_EQ(a.topics[0], (std::pair<std::string, int>{"a", 4}));
    EXPECT_EQ(a.topics[1], (std::pair<std::string, int>{"b.c-d", 1}));
}

TEST(kafka_mock_command, rejects_bad_options_with_a_reason) {
    kafka_mock_args a;
    EXPECT_NE(parse_kafka_mock_args({"--brokers", "0"}, a), "");
    EXPECT_NE(parse_kafka_mock_args({"--brokers"}, a), "");
    EXPECT_NE(parse_kafka_mock_args({"--topic", "noparts"}, a), "");
    EXPECT_NE(parse_kafka_mock_args({"--topic", "t:0"}, a), "");
    EXPECT_NE(parse_kafka_mock_args({"--topic", ":3"}, a), "");
    EXPECT_NE(parse_kafka_mock_args({"--verbose"}, a), "");
}

TEST(kafka_mock_command, parses_each_stdin_command) {
    kafka_mock_command c;
    EXPECT_EQ(parse_kafka_mock_command("down 2", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::down);
    EXPECT_EQ(c.broker, 2);
    EXPECT_EQ(parse_kafka_mock_command("  up 1\r", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::up);
    EXPECT_EQ(parse_kafka_mock_command("rtt 3 250", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::rtt);
    EXPECT_EQ(c.broker, 3);
    EXPECT_EQ(c.value, 250);
    EXPECT_EQ(parse_kafka_mock_command("topic events 8", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::topic);
    EXPECT_EQ(c.topic, "events");
    EXPECT_EQ(c.value, 8);
    EXPECT_EQ(parse_kafka_mock_command("", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::none);
    EXPECT_EQ(parse_kafka_mock_command("# comment", c), "");
    EXPECT_EQ(c.what, kafka_mock_command::verb::none);
}

TEST(kafka_mock_command, rejects_malformed_commands) {
    kafka_mock_command c;
    EXPECT_NE(parse_kafka_mock_command("down", c), "");
    EXPECT_NE(parse_kafka_mock_command("down x", c), "");
    EXPECT_NE(parse_kafka_mock_command("down 0", c), "");
    EXPECT_NE(parse_kafka_mock_command("rtt 1", c), "");
    EXPECT_NE(parse_kafka_mock_command("rtt 1 -5", c), "");
    EXPECT_NE(parse_kafka_mock_command("topic t", c), "");
    EXPECT_NE(parse_kafka_mock_command("topic t 0", c), "");
    EXPECT_NE(parse_kafka_mock_command("reboot 1", c), "");
}

}  // namespace
}  // namespace flowbridge::tools
