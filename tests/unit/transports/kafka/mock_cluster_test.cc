#include <gtest/gtest.h>

#include "transports/kafka/mock_cluster.h"

namespace flowbridge::kafka {
namespace {

TEST(kafka_mock_cluster, listens_on_loopback_only) {
    std::string error;
    auto m = mock_cluster::create(3, error);
    ASSERT_NE(m, nullptr) << error;
    EXPECT_EQ(m->brokers(), 3);
    // Three brokers, each 127.0.0.1:<random port>.
    std::string b = m->bootstrap();
    std::size_t count = 0;
    for (std::size_t pos = 0; pos < b.size();) {
        auto comma = b.find(',', pos);
        auto item = b.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        EXPECT_EQ(item.rfind("127.0.0.1:", 0), 0u) << item;
        ++count;
        pos = comma == std::string::npos ? b.size() : comma + 1;
    }
    EXPECT_EQ(count, 3u);
}

TEST(kafka_mock_cluster, broker_commands_succeed_for_known_brokers) {
    std::string error;
    auto m = mock_cluster::create(2, error);
    ASSERT_NE(m, nullptr) << error;
    EXPECT_EQ(m->broker_down(2), "");
    EXPECT_EQ(m->broker_up(2), "");
    EXPECT_EQ(m->set_rtt(1, 20), "");
    EXPECT_EQ(m->create_topic("t", 5), "");
    EXPECT_NE(m->create_topic("", 5), "");
    EXPECT_NE(m->create_topic("u", 0), "");
    EXPECT_NE(m->set_rtt(1, -1), "");
}

TEST(kafka_mock_cluster, needs_a_broker) {
    std::string error;
    EXPECT_EQ(mock_cluster::create(0, error), nullptr);
    EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace flowbridge::kafka
