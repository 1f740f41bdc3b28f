#include "tools/log/logger.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/message/clock.h"

namespace flowbridge::log {
namespace {

using namespace std::chrono_literals;

// 2023-11-14T22:13:20.000Z
constexpr std::int64_t start_wall_ms = 1'700'000'000'000;

struct captured {
    std::mutex mutex;
    std::vector<std::string> lines;
    sink make() {
        return [this](std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string out;
        for (const auto& l : lines) out += l;
        return out;
    }
};

struct log_lines : ::testing::Test {
    manual_clock time{0, start_wall_ms};
    captured out;
    logger make(format f, level threshold = level::trace) {
        options o;
        o.threshold = threshold;
        o.style = f;
        o.out = out.make();
        o.time = &time;
        return logger(std::move(o));
    }
};

TEST_F(log_lines, text_line_has_timestamp_level_component_message_and_fields) {
    auto log = make(format::text);
    time.advance(123 * ns_per_ms);
    log.info("mqtt", "connected", {{"host", "127.0.0.1"}, {"port", 1883}, {"clean", false}});
    log.warn("kafka", "broker down",
             {{"reason", "connection refused"},
              {"empty", ""},
              {"q", "a\"b\\c"},
              {"ratio", 0.5},
              {"delta", -3}});
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_EQ(
        out.lines[0],
        "2023-11-14T22:13:20.123Z INFO  mqtt: connected host=127.0.0.1 port=1883 clean=false\n");
    EXPECT_EQ(out.lines[1],
              "2023-11-14T22:13:20.123Z WARN  kafka: broker down reason=\"connection refused\" "
              "empty=\"\" q=\"a\\\"b\\\\c\" ratio=0.5 delta=-3\n");
}

TEST_F(log_lines, json_line_is_one_object_with_escaped_strings) {
    auto log = make(format::json);
    log.error("runtime", "bad \"topic\"\nnext",
              {{"topic", "a/b"}, {"count", 7u}, {"bin", "\x01\xff"}});
    ASSERT_EQ(out.lines.size(), 1u);
    EXPECT_EQ(out.lines[0],
              "{\"ts\":\"2023-11-14T22:13:20.000Z\",\"level\":\"error\",\"component\":\"runtime\","
              "\"msg\":\"bad \\\"topic\\\"\\nnext\",\"topic\":\"a/b\",\"count\":7,"
              "\"bin\":\"\\u0001\\ufffd\"}\n");
}

TEST_F(log_lines, message_with_newline_stays_on_one_text_line) {
    auto log = make(format::text);
    log.info("c", "line1\nline2\x07");
    ASSERT_EQ(out.lines.size(), 1u);
    EXPECT_NE(out.lines[0].find("line1\\nline2\\x07\n"), std::string::npos);
    EXPECT_EQ(out.lines[0].find('\n'), out.lines[0].size() - 1);
}

TEST_F(log_lines, lines_below_the_threshold_are_dropped_and_the_threshold_changes_at_runtime) {
    auto log = make(format::text, level::warn);
    log.info("c", "hidden");
    log.warn("c", "shown");
    EXPECT_FALSE(log.enabled(level::debug));
    log.set_threshold(level::debug);
    log.debug("c", "now shown");
    log.trace("c", "still hidden");
    log.set_threshold(level::off);
    log.error("c", "off hides everything");
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_NE(out.lines[0].find("shown"), std::string::npos);
    EXPECT_NE(out.lines[1].find("DEBUG c: now shown"), std::string::npos);
}

TEST_F(log_lines, same_key_is_written_once_per_interval_and_the_next_line_counts_the_suppressed) {
    auto log = make(format::text);
    const auto minute = std::chrono::minutes(1);
    EXPECT_TRUE(
        log.write_limited(level::warn, "too_large/a", minute, "k2m", "dropped", {{"topic", "a"}}));
    for (int i = 0; i < 5; ++i) {
        time.advance(10 * ns_per_s);
        EXPECT_FALSE(log.write_limited(level::warn, "too_large/a", minute, "k2m", "dropped"));
    }
    // Another key has its own limit.
    EXPECT_TRUE(
        log.write_limited(level::warn, "too_large/b", minute, "k2m", "dropped", {{"topic", "b"}}));
    time.advance(10 * ns_per_s);  // 60 s after the first line
    EXPECT_TRUE(
        log.write_limited(level::warn, "too_large/a", minute, "k2m", "dropped", {{"topic", "a"}}));
    time.advance(60 * ns_per_s);
    EXPECT_TRUE(
        log.write_limited(level::warn, "too_large/a", minute, "k2m", "dropped", {{"topic", "a"}}));
    ASSERT_EQ(out.lines.size(), 4u);
    EXPECT_EQ(out.lines[0].find("suppressed"), std::string::npos);
    EXPECT_NE(out.lines[2].find("topic=a suppressed=5\n"), std::string::npos) << out.lines[2];
    EXPECT_EQ(out.lines[3].find("suppressed"), std::string::npos) << "the count restarts";
}

TEST_F(log_lines, json_rate_limited_line_carries_suppressed_as_a_number) {
    auto log = make(format::json);
    log.write_limited(level::info, "k", 1s, "c", "m");
    log.write_limited(level::info, "k", 1s, "c", "m");
    time.advance(ns_per_s);
    log.write_limited(level::info, "k", 1s, "c", "m");
    ASSERT_EQ(out.lines.size(), 2u);
    EXPECT_NE(out.lines[1].find(",\"suppressed\":1}\n"), std::string::npos) << out.lines[1];
}

TEST_F(log_lines, a_full_key_table_forgets_expired_keys_and_then_shares_one_limit) {
    options o;
    o.out = out.make();
    o.time = &time;
    o.max_rate_limit_keys = 2;
    logger log(std::move(o));
    EXPECT_TRUE(log.write_limited(level::info, "a", 1s, "c", "m"));
    EXPECT_TRUE(log.write_limited(level::info, "b", 1s, "c", "m"));
    EXPECT_TRUE(log.write_limited(level::info, "c", 1s, "c", "m")) << "overflow bucket, first line";
    EXPECT_FALSE(log.write_limited(level::info, "d", 1s, "c", "m")) << "overflow bucket is limited";
    time.advance(2 * ns_per_s);
    EXPECT_TRUE(log.write_limited(level::info, "e", 1s, "c", "m")) << "expired keys were forgotten";
}

TEST_F(log_lines, secrets_are_never_written_in_either_format) {
    const std::string planted_password = "hunter2-PLANTED";
    const std::string planted_token = "eyJhbGciOi.PLANTED.sig";
    const std::string planted_conn = "Endpoint=sb://x/;SharedAccessKey=PLANTED==";
    for (auto f : {format::text, format::json}) {
        auto log = make(f);
        log.info("auth", "token refreshed",
                 {secret("bearer", planted_token),
                  {"password", planted_password},
                  {"connection_string", planted_conn},
                  {"sasl_password", planted_password},
                  {"Client_Secret", planted_password},
                  {"access_token", planted_token},
                  {"user", "alice"}});
        log.write_limited(level::error, "k", 1s, "auth", "refresh failed",
                          {secret("assertion", planted_token)});
    }
    const std::string all = out.all();
    EXPECT_EQ(all.find("PLANTED"), std::string::npos) << all;
    EXPECT_NE(all.find("bearer=*** password=*** connection_string=*** sasl_password=*** "
                       "Client_Secret=*** access_token=*** user=alice"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("\"bearer\":\"***\""), std::string::npos) << all;
    EXPECT_FALSE(is_secret_key("token_expiry_seconds"));
    EXPECT_FALSE(is_secret_key("user"));
}

TEST_F(log_lines, non_finite_numbers_are_valid_json) {
    auto log = make(format::json);
    log.info("c", "m", {{"x", std::numeric_limits<double>::infinity()}});
    EXPECT_NE(out.lines.at(0).find("\"x\":null"), std::string::npos);
}

TEST(log_timestamp, rfc3339_utc_milliseconds) {
    std::string s;
    append_timestamp(s, 0);
    s += ' ';
    append_timestamp(s, 951'782'400'999);  // 2000-02-29T00:00:00.999Z (leap day)
    s += ' ';
    append_timestamp(s, 4'102'444'799'001);  // 2099-12-31T23:59:59.001Z
    EXPECT_EQ(s, "1970-01-01T00:00:00.000Z 2000-02-29T00:00:00.999Z 2099-12-31T23:59:59.001Z");
}

TEST(log_parse, levels_and_formats) {
    EXPECT_EQ(parse_level("trace"), level::trace);
    EXPECT_EQ(parse_level("warning"), level::warn);
    EXPECT_EQ(parse_level("off"), level::off);
    EXPECT_EQ(parse_level("INFO"), std::nullopt);
    EXPECT_EQ(parse_format("json"), format::json);
    EXPECT_EQ(parse_format("xml"), std::nullopt);
}

TEST(log_threads, concurrent_writers_produce_whole_lines) {
    captured out;
    options o;
    o.out = out.make();
    o.style = format::json;
    logger log(std::move(o));
    constexpr int threads = 4, per_thread = 2000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&log, t] {
            for (int i = 0; i < per_thread; ++i) {
                log.info("worker", "line", {{"thread", t}, {"i", i}});
                log.write_limited(level::warn, "shared", 1h, "worker", "limited");
                if (i == per_thread / 2) log.set_threshold(level::info);
            }
        });
    }
    for (auto& w : workers) w.join();
    ASSERT_EQ(out.lines.size(), static_cast<std::size_t>(threads * per_thread + 1));
    for (const auto& l : out.lines) {
        ASSERT_EQ(l.front(), '{');
        ASSERT_EQ(l.substr(l.size() - 2), "}\n");
    }
}

}  // namespace
}  // namespace flowbridge::log
