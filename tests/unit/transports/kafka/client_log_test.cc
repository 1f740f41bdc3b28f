// The librdkafka log route (client_log.h): redaction of secret property values (SPEC §8), the
// per-client rate limit, and the producer's log_callback receiving librdkafka's own lines.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "transports/kafka/client_log.h"
#include "transports/kafka/producer.h"

namespace flowbridge::kafka {
namespace {

struct captured {
    std::mutex mutex;
    std::vector<std::string> lines;
    log_callback sink() {
        return [this](int level, std::string_view facility, std::string_view message) {
            std::lock_guard lock(mutex);
            lines.push_back(std::to_string(level) + " " + std::string(facility) + " " +
                            std::string(message));
        };
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string s;
        for (const auto& l : lines) s += l + "\n";
        return s;
    }
};

TEST(kafka_client_log, secret_property_values_never_reach_the_log) {
    captured out;
    client_config c;
    c.properties = {{"sasl.password", "hunter2-secret"},
                    {"my.key", "abc-custom-secret"},
                    {"bootstrap.servers", "127.0.0.1:1"}};
    c.secret_keys = {"my.key"};
    detail::client_log log(out.sink(), c);
    log.emit(3, "SASL", "auth with hunter2-secret and abc-custom-secret failed on 127.0.0.1:1");
    const std::string text = out.all();
    EXPECT_EQ(text.find("hunter2-secret"), std::string::npos) << text;
    EXPECT_EQ(text.find("abc-custom-secret"), std::string::npos) << text;
    EXPECT_NE(text.find("auth with *** and *** failed on 127.0.0.1:1"), std::string::npos) << text;
}

TEST(kafka_client_log, lines_beyond_the_burst_are_suppressed_but_state_changes_are_not) {
    captured out;
    detail::client_log log(out.sink(), client_config{});
    for (int i = 0; i < 25; ++i) log.emit(4, "FAIL", "connection refused " + std::to_string(i));
    log.emit(4, "OUTAGE", "Kafka unreachable", /*essential=*/true);
    std::lock_guard lock(out.mutex);
    ASSERT_EQ(out.lines.size(), detail::client_log::burst + 1);
    EXPECT_EQ(out.lines.back(), "4 OUTAGE Kafka unreachable");
    EXPECT_EQ(log.suppressed(), 25 - detail::client_log::burst);
}

TEST(kafka_client_log, producer_routes_librdkafka_log_lines_to_the_callback) {
    captured out;
    producer_options o;
    // A consumer property on a producer: librdkafka warns (CONFWARN) while creating the client.
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"}, {"session.timeout.ms", "6000"}};
    o.topics = {"t"};
    o.on_log = out.sink();
    std::string error;
    auto p = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    ASSERT_NE(p, nullptr) << error;
    p.reset();
    EXPECT_NE(out.all().find("CONFWARN"), std::string::npos) << out.all();
}

}  // namespace
}  // namespace flowbridge::kafka
