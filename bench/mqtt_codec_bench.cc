// MQTT v5 codec micro-benchmarks (transports/mqtt/codec.h): PUBLISH decode and encode with a
// realistic property set, and framing of a stream of packets. Each benchmark checks its output
// once before it times anything. Rates: items/s = packets, bytes/s = wire bytes.
#include <benchmark/benchmark.h>

#include <array>
#include <string>
#include <vector>

#include "transports/mqtt/codec.h"

namespace {

using namespace flowbridge;
using namespace flowbridge::mqtt;

const std::string mqtt_bench_payload(100, 'p');

const std::array<user_property, 5> mqtt_bench_user_properties = {{
    {"ce_specversion", "1.0"},
    {"ce_type", "com.example.telemetry"},
    {"ce_source", "factory/line-1"},
    {"ce_id", "9f1c2a7e-4b1d-4c55-9a52-2f6d1a0c3e11"},
    {"tenant", "contoso"},
}};

// 100-byte payload, all five MQTT properties that become Kafka headers (SPEC §3.1) and five
// user properties: the shape of a typical IoT Operations telemetry message.
publish_packet mqtt_bench_publish() {
    publish_packet p;
    p.topic = "factory/line-1/machine-42/telemetry";
    p.payload = mqtt_bench_payload;
    p.qos_level = qos::at_least_once;
    p.packet_id = 4242;
    p.payload_format_indicator = 1;
    p.message_expiry_interval = 3600;
    p.content_type = "application/json";
    p.response_topic = "factory/line-1/replies";
    p.correlation_data = "req-000042";
    p.user_properties = mqtt_bench_user_properties;
    return p;
}

std::string mqtt_bench_wire() {
    std::string wire;
    if (encode(mqtt_bench_publish(), wire) != mqtt_reason::success) wire.clear();
    return wire;
}

void BM_mqtt_decode_publish(benchmark::State& state) {
    const std::string wire = mqtt_bench_wire();
    mqtt_message m;
    // Check the decoded output once before timing.
    if (wire.empty() || decode_publish(wire, m) != mqtt_reason::success ||
        m.payload != mqtt_bench_payload || m.topic != mqtt_bench_publish().topic ||
        m.properties.user_property_count != 5 || m.properties.content_type != "application/json" ||
        m.properties.message_expiry_interval != 3600 ||
        !(user_property_list::from_block(m.properties.block) ==
          user_property_list(mqtt_bench_user_properties))) {
        state.SkipWithError("decoded PUBLISH does not match what was encoded");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(decode_publish(wire, m));
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
    state.counters["packet_bytes"] = static_cast<double>(wire.size());
}
BENCHMARK(BM_mqtt_decode_publish);

void BM_mqtt_encode_publish(benchmark::State& state) {
    const publish_packet p = mqtt_bench_publish();
    std::string out;
    out.reserve(1024);
    if (encode(p, out) != mqtt_reason::success || out != mqtt_bench_wire()) {
        state.SkipWithError("encoded PUBLISH is not the expected bytes");
        return;
    }
    for (auto _ : state) {
        out.clear();
        benchmark::DoNotOptimize(encode(p, out));
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_mqtt_encode_publish);

// Framing alone: walk a 64 KiB-ish read buffer of back-to-back PUBLISH packets, as the session
// does after each socket read, without decoding them.
void BM_mqtt_frame_packets(benchmark::State& state) {
    const std::string one = mqtt_bench_wire();
    std::string stream;
    const std::size_t count = 65536 / one.size();
    for (std::size_t i = 0; i < count; ++i) stream += one;
    std::size_t found = 0;
    for (std::string_view rest = stream; !rest.empty();) {
        const frame f = frame_packet(rest, 1 << 20);
        if (f.status != frame_status::complete) break;
        rest.remove_prefix(f.size);
        ++found;
    }
    if (found != count) {
        state.SkipWithError("framing did not find every packet");
        return;
    }
    for (auto _ : state) {
        std::size_t n = 0;
        for (std::string_view rest = stream; !rest.empty(); ++n) {
            const frame f = frame_packet(rest, 1 << 20);
            if (f.status != frame_status::complete) break;
            rest.remove_prefix(f.size);
        }
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_mqtt_frame_packets);

// Framing and decoding together: the per-message receive cost of the codec.
void BM_mqtt_frame_and_decode_publish_stream(benchmark::State& state) {
    const std::string one = mqtt_bench_wire();
    std::string stream;
    const std::size_t count = 65536 / one.size();
    for (std::size_t i = 0; i < count; ++i) stream += one;
    mqtt_message m;
    for (auto _ : state) {
        std::size_t ok = 0;
        for (std::string_view rest = stream; !rest.empty();) {
            const frame f = frame_packet(rest, 1 << 20);
            if (f.status != frame_status::complete) break;
            ok += decode_publish(rest.substr(0, f.size), m) == mqtt_reason::success;
            rest.remove_prefix(f.size);
        }
        if (ok != count) {
            state.SkipWithError("a packet failed to decode");
            return;
        }
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_mqtt_frame_and_decode_publish_stream);

}  // namespace
