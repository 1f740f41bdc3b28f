// embed_example — flowbridge inside your own process (docs/embedding.md).
//
// Bridges MQTT topics `sensors/+/telemetry` of a broker to the Kafka topic `telemetry` of an
// embedded (in-process) Kafka cluster: load manifests from YAML text, start the runtime, wait
// until it is ready, let it run, print a metrics snapshot, drain and stop.
//
//   embed_example [HOST [PORT]] [--seconds N] [--messages N]
//     HOST, PORT    the MQTT broker (default: $MQTT_HOST, $MQTT_PORT, else 127.0.0.1 1883)
//     --seconds N   how long to run once ready (default 10; Ctrl-C stops earlier)
//     --messages N  stop as soon as N messages were delivered to Kafka; exit 1 if fewer were
//
// Try it: `mosquitto -p 1883 &`, run this, and publish with
//   mosquitto_pub -V mqttv5 -p 1883 -q 1 -t sensors/s1/telemetry -m '{"t": 21.5}'

#include <flowbridge/flowbridge.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace fb = flowbridge;
using namespace std::chrono_literals;

namespace {

/// The configuration, as Kubernetes manifests would hold it (docs/configuration.md); %BROKER%
/// is replaced by HOST:PORT. `host: embedded` starts librdkafka's mock cluster inside this
/// process (SPEC §7): nothing else to run for the Kafka side.
constexpr std::string_view manifests = R"(
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: broker
spec:
  endpointType: Mqtt
  mqttSettings:
    host: %BROKER%
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
    clientIdPrefix: embed-
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: kafka
spec:
  endpointType: Kafka
  kafkaSettings:
    host: embedded
    authentication:
      method: Anonymous
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: telemetry
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: broker
        dataSources: [sensors/+/telemetry]
    - operationType: Destination
      destinationSettings:
        endpointRef: kafka
        dataDestination: telemetry
)";

std::string with_broker(std::string_view text, const std::string& broker) {
    std::string out(text);
    out.replace(out.find("%BROKER%"), std::string_view("%BROKER%").size(), broker);
    return out;
}

std::atomic<bool> interrupted{false};
extern "C" void on_signal(int) { interrupted = true; }

/// Polls `condition` every 50 ms until it holds, `deadline` passes, or Ctrl-C.
template <class Condition>
bool wait_until(Condition condition, std::chrono::steady_clock::duration deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (interrupted || std::chrono::steady_clock::now() >= until) return condition();
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::uint64_t delivered(const fb::runtime::runtime& rt) {
    std::uint64_t n = 0;
    for (const auto& df : rt.metrics_snapshot().dataflows) n += df.delivered;
    return n;
}

void print_snapshot(const fb::runtime::runtime_metrics& m) {
    for (const auto& df : m.dataflows) {
        std::cout << "dataflow " << df.name << " direction=" << fb::runtime::to_string(df.direction)
                  << " shards=" << df.shards << " connected=" << df.shards_connected
                  << " received=" << df.received << " delivered=" << df.delivered
                  << " acknowledged=" << df.acknowledged << " failed=" << df.failed
                  << " in_flight=" << df.in_flight << " dropped=" << df.dropped_total() << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = std::getenv("MQTT_HOST") ? std::getenv("MQTT_HOST") : "127.0.0.1";
    std::string port = std::getenv("MQTT_PORT") ? std::getenv("MQTT_PORT") : "1883";
    int seconds = 10;
    std::uint64_t want_messages = 0;
    for (int i = 1, positional = 0; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::atoi(argv[++i]);
        } else if (arg == "--messages" && i + 1 < argc) {
            want_messages = std::strtoull(argv[++i], nullptr, 10);
        } else if (positional == 0) {
            host = arg, ++positional;
        } else if (positional == 1) {
            port = arg, ++positional;
        } else {
            std::cerr << "usage: embed_example [HOST [PORT]] [--seconds N] [--messages N]\n";
            return 2;
        }
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    // 1. Load: every problem comes back as a finding with file:line:col and field path.
    auto loaded = fb::runtime::load_yaml(with_broker(manifests, host + ":" + port), "embed.yaml");
    std::cerr << fb::runtime::format_findings(loaded.findings);  // warnings too
    if (!loaded.valid()) return 2;

    // 2. Build the runtime. Log lines arrive on runtime threads, possibly concurrently: the
    //    sink must be thread-safe. The runtime itself never writes to stdout or stderr.
    std::mutex log_mutex;
    fb::runtime::runtime_options options;
    options.sink = [&log_mutex](const fb::runtime::log_record& r) {
        std::lock_guard lock(log_mutex);
        std::cerr << "[" << fb::config::to_string(r.level) << "] " << r.component
                  << (r.dataflow.empty() ? "" : " ") << r.dataflow << ": " << r.message << "\n";
    };
    fb::runtime::runtime rt(std::move(loaded.config), std::move(options));

    // 3. Start. Only flows that cannot be built at all fail here; an unreachable broker is
    //    retried in the background (ready() stays false meanwhile).
    std::string error;
    if (!rt.start(error)) {
        std::cerr << "cannot start:\n" << error << "\n";
        return 1;
    }
    for (const auto& [name, bootstrap] : rt.embedded_clusters()) {
        std::cout << "embedded Kafka " << name << " at " << bootstrap << "\n";
    }

    // 4. Wait for readiness: every flow's source and destination are connected.
    if (!wait_until([&] { return rt.ready(); }, 30s)) {
        std::cerr << "not ready after 30 s (is the broker at " << host << ":" << port << "?)\n";
        rt.stop(0ms);
        return 1;
    }
    std::cout << "ready" << std::endl;

    // 5. Run: metrics_snapshot() may be called from any thread at any time.
    wait_until([&] { return want_messages > 0 && delivered(rt) >= want_messages; },
               std::chrono::seconds(seconds));
    print_snapshot(rt.metrics_snapshot());

    // 6. Stop: stop intake, drain what is in flight for at most 5 s, disconnect. Messages not
    //    delivered stay unacknowledged at the broker and are redelivered next time.
    const std::uint64_t got = delivered(rt);
    const std::size_t undelivered = rt.stop(5s);
    std::cout << "stopped: delivered=" << got << " undelivered=" << undelivered << std::endl;
    return want_messages > 0 && got < want_messages ? 1 : 0;
}
