// SPEC §3.2a: CloudEvents attributes, MQTT → Kafka.
#include <map>
#include <regex>

#include <gtest/gtest.h>

#include "engine/stages/mqtt_to_kafka.h"
#include "tests/unit/engine/stages/translation_fixture.h"

namespace flowbridge {
namespace {

using testing::header_pairs;
using testing::headers_of;
using testing::publish_spec;
using testing::translated;

publish_spec with_required_attributes() {
    publish_spec s;
    s.user_properties = {{"specversion", "1.0"}, {"type", "t.temp"}, {"source", "dev/1"},
                         {"id", "e-1"},          {"subject", "s"},   {"plain", "p"}};
    return s;
}

TEST(cloud_events, propagate_renames_attributes_to_binding_names_when_required_ones_present) {
    translated t(with_required_attributes());
    EXPECT_EQ(headers_of(t.record),
              (header_pairs{{"ce_specversion", "1.0"}, {"ce_type", "t.temp"}, {"ce_source", "dev/1"},
                            {"ce_id", "e-1"}, {"ce_subject", "s"}, {"plain", "p"}}));
}

TEST(cloud_events, propagate_leaves_message_unchanged_when_a_required_attribute_is_missing) {
    publish_spec s;
    s.user_properties = {{"specversion", "1.0"}, {"type", "t"}, {"source", "x"}};  // no id
    translated t(s);
    EXPECT_EQ(headers_of(t.record), s.user_properties);
}

TEST(cloud_events, datacontenttype_becomes_the_content_type_header) {
    publish_spec s = with_required_attributes();
    s.user_properties.emplace_back("datacontenttype", "application/cbor");
    translated t(s);
    EXPECT_EQ(headers_of(t.record).back(), (std::pair<std::string, std::string>{
                                               "Content Type", "application/cbor"}));
}

TEST(cloud_events, datacontenttype_is_shadowed_by_the_content_type_property) {
    publish_spec s = with_required_attributes();
    s.content_type = "application/json";
    s.user_properties.emplace_back("datacontenttype", "application/cbor");
    translated t(s);
    int content_types = 0;
    for (const auto& [n, v] : headers_of(t.record)) {
        if (n == "Content Type") {
            ++content_types;
            EXPECT_EQ(v, "application/json");
        }
    }
    EXPECT_EQ(content_types, 1);
    EXPECT_EQ(t.drops.value(drop_reason::header_shadowed), 1u);
}

TEST(cloud_events, create_or_remap_creates_missing_required_attributes) {
    mqtt_to_kafka_settings settings;
    settings.cloud_events = cloud_events_mode::create_or_remap;
    settings.cloud_events_source = "aio://my-flow";
    publish_spec s;
    s.topic = "plant/a/temp";
    translated t(s, settings);
    std::map<std::string, std::string> h;
    for (const auto& [n, v] : headers_of(t.record)) h[n] = v;
    EXPECT_EQ(h["ce_specversion"], "1.0");
    EXPECT_EQ(h["ce_type"], "ms.aio-dataflow.telemetry");
    EXPECT_EQ(h["ce_source"], "aio://my-flow");
    EXPECT_EQ(h["ce_subject"], "plant/a/temp");
    EXPECT_EQ(h["ce_time"], "2023-11-14T22:13:20.000Z");  // 1'700'000'000'000 ms
    EXPECT_TRUE(std::regex_match(
        h["ce_id"], std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << h["ce_id"];
}

TEST(cloud_events, create_or_remap_keeps_attributes_that_are_present) {
    mqtt_to_kafka_settings settings;
    settings.cloud_events = cloud_events_mode::create_or_remap;
    settings.cloud_events_source = "aio://f";
    publish_spec s;
    s.user_properties = {{"id", "mine"}, {"type", "custom"}};
    translated t(s, settings);
    std::multimap<std::string, std::string> h;
    for (const auto& [n, v] : headers_of(t.record)) h.emplace(n, v);
    EXPECT_EQ(h.count("ce_id"), 1u);
    EXPECT_EQ(h.find("ce_id")->second, "mine");
    EXPECT_EQ(h.find("ce_type")->second, "custom");
    EXPECT_EQ(h.find("ce_source")->second, "aio://f");
}

TEST(cloud_events, create_or_remap_ids_are_unique) {
    uuid_source ids(1);
    char a[36], b[36];
    ids.next(a);
    ids.next(b);
    EXPECT_NE(std::string(a, 36), std::string(b, 36));
}

TEST(cloud_events, rfc3339_formatting_handles_dates_around_leap_years_and_the_epoch) {
    char out[24];
    EXPECT_EQ(std::string(out, format_rfc3339_ms(0, out)), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(std::string(out, format_rfc3339_ms(951'782'400'123, out)),
              "2000-02-29T00:00:00.123Z");
    EXPECT_EQ(std::string(out, format_rfc3339_ms(1'709'251'199'999, out)),
              "2024-02-29T23:59:59.999Z");
}

}  // namespace
}  // namespace flowbridge
