#include <gtest/gtest.h>

#include <string>

#include "transports/kafka/consumer.h"
#include "transports/kafka/client_config.h"
#include "transports/kafka/producer.h"

namespace flowbridge::kafka {
namespace {

void ignore(void*, outbound_kafka_record*, completion, delivery_error) noexcept {}

TEST(kafka_client_config, credential_properties_are_secret) {
    EXPECT_TRUE(is_secret_property("sasl.password"));
    EXPECT_TRUE(is_secret_property("ssl.key.password"));
    EXPECT_TRUE(is_secret_property("ssl.key.pem"));
    EXPECT_TRUE(is_secret_property("sasl.oauthbearer.config"));
    EXPECT_TRUE(is_secret_property("sasl.oauthbearer.client.secret"));
    EXPECT_FALSE(is_secret_property("bootstrap.servers"));
    EXPECT_FALSE(is_secret_property("sasl.username"));
    const std::vector<std::string> extra = {"client.id"};
    EXPECT_TRUE(is_secret_property("client.id", extra));
    EXPECT_EQ(display_value("sasl.password", "hunter2"), "***");
    EXPECT_EQ(display_value("acks", "all"), "all");
}

TEST(kafka_client_config, unknown_property_error_names_the_key) {
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}, {"no.such.property", "x"}};
    std::string error;
    auto p = kafka_producer::create(o, &ignore, nullptr, error);
    EXPECT_EQ(p, nullptr);
    EXPECT_NE(error.find("'no.such.property'"), std::string::npos) << error;
}

TEST(kafka_client_config, invalid_value_error_names_key_and_value_when_not_secret) {
    producer_options o;
    o.config.properties = {{"acks", "sometimes"}};
    std::string error;
    EXPECT_EQ(kafka_producer::create(o, &ignore, nullptr, error), nullptr);
    EXPECT_NE(error.find("'acks'"), std::string::npos) << error;
    EXPECT_NE(error.find("sometimes"), std::string::npos) << error;
}

TEST(kafka_client_config, invalid_value_of_a_secret_key_is_never_shown) {
    producer_options o;
    // Marked secret by the caller: its (invalid) value must not appear anywhere in the error.
    o.config.properties = {{"batch.num.messages", "hunter2-secret-value"}};
    o.config.secret_keys = {"batch.num.messages"};
    std::string error;
    EXPECT_EQ(kafka_producer::create(o, &ignore, nullptr, error), nullptr);
    EXPECT_NE(error.find("'batch.num.messages'"), std::string::npos) << error;
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
    EXPECT_NE(error.find("***"), std::string::npos) << error;
}

TEST(kafka_client_config, consumer_requires_a_group) {
    consumer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}};
    o.topics = {"t"};
    std::string error;
    EXPECT_EQ(kafka_consumer::create(o, error), nullptr);
    EXPECT_NE(error.find("consumer group"), std::string::npos) << error;
}

TEST(kafka_client_config, consumer_requires_a_topic) {
    consumer_options o;
    o.config.properties = {{"group.id", "g"}};
    std::string error;
    EXPECT_EQ(kafka_consumer::create(o, error), nullptr);
    EXPECT_NE(error.find("topic"), std::string::npos) << error;
}

TEST(kafka_client_config, producer_is_created_without_connecting) {
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}, {"acks", "all"}};
    o.topics = {"t"};
    std::string error;
    auto p = kafka_producer::create(o, &ignore, nullptr, error);
    ASSERT_NE(p, nullptr) << error;
    ASSERT_NE(p->partition_count("t"), nullptr);
    EXPECT_EQ(p->partition_count("t")->load(), 0);  // unknown until start()
    EXPECT_EQ(p->partition_count("other"), nullptr);
}

}  // namespace
}  // namespace flowbridge::kafka
