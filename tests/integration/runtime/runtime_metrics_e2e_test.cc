// `flowbridge run` observability end to end (issue 6): the real binary between mosquitto and the
// librdkafka mock cluster with `--metrics-port 0`; the port is parsed from the log, and /healthz,
// /readyz and /metrics are read with a loopback HTTP client. The metrics must match what
// happened (messages published, records in Kafka, drops), JSON log lines must parse, and a
// planted password must appear nowhere. Every wait has a deadline.
#include <sys/socket.h>

#include <cmath>
#include <cstdlib>
#include <future>
#include <regex>
#include <sstream>

#include <simdjson.h>

#include "tests/integration/http/http_client.h"
#include "tests/integration/runtime/e2e_support.h"

namespace flowbridge::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* planted_password = "planted-Secret-P4ssw0rd";
constexpr const char* planted_username = "planted-user-U53R";

// A second MQTT endpoint on the same broker that logs in with a Secret's username/password,
// used by an MQTT → MQTT flow whose template drops messages on one-level topics
// (`${inputTopic.2}` does not resolve: reason topic_unresolved).
constexpr const char* observed_flows_yaml = R"(
apiVersion: v1
kind: Secret
metadata:
  name: mq-login
stringData:
  username: planted-user-U53R
  password: planted-Secret-P4ssw0rd
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: DataflowEndpoint
metadata:
  name: mq-auth
  annotations:
    flowbridge.io/username-password-secret: mq-login
spec:
  endpointType: Mqtt
  mqttSettings:
    host: 127.0.0.1:%PORT%
    authentication:
      method: Anonymous
    tls:
      mode: Disabled
    clientIdPrefix: e2e-auth-
    qos: 1
---
apiVersion: connectivity.iotoperations.azure.com/v1
kind: Dataflow
metadata:
  name: copy
spec:
  operations:
    - operationType: Source
      sourceSettings:
        endpointRef: mq-auth
        dataSources: [in/#]
    - operationType: Destination
      destinationSettings:
        endpointRef: mq
        dataDestination: copy/${inputTopic.2}/${inputTopic}
---
)";

/// The value of one sample (`name{labels}` exactly as exposed), or NaN when absent.
double sample(const std::string& exposition, const std::string& series) {
    const std::string needle = "\n" + series + " ";
    const auto at = exposition.find(needle);
    if (at == std::string::npos) return std::nan("");
    return std::strtod(exposition.c_str() + at + needle.size(), nullptr);
}

std::string up(const std::string& name, const std::string& extra = "") {
    return name + "{dataflow=\"azure-iot-operations/up\"" + extra + "}";
}
std::string copy(const std::string& name, const std::string& extra = "") {
    return name + "{dataflow=\"azure-iot-operations/copy\"" + extra + "}";
}

/// Whether `line` is one complete JSON object (simdjson validates the whole document).
bool is_json_object(const std::string& line) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    return parser.parse(line).get(doc) == simdjson::SUCCESS && doc.is_object();
}

class runtime_metrics_e2e : public runtime_e2e {
  protected:
    /// The port of `metrics endpoint listening on 127.0.0.1:PORT`, or 0 after the deadline.
    std::uint16_t metrics_port(flowbridge_process& fb) {
        std::uint16_t port = 0;
        const std::regex re("metrics endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
        wait_for(
            [&] {
                std::smatch m;
                const std::string text = fb.log();
                if (!std::regex_search(text, m, re)) return false;
                port = static_cast<std::uint16_t>(std::stoi(m[1]));
                return true;
            },
            20s);
        return port;
    }

    std::string scrape(std::uint16_t port) {
        const auto r = http_get(port, "/metrics");
        EXPECT_EQ(r.status, 200);
        scrapes_ += r.body;
        return r.body;
    }

    /// Scrapes until `done(text)` or the deadline; returns the last exposition.
    std::string scrape_until(std::uint16_t port,
                             const std::function<bool(const std::string&)>& done,
                             std::chrono::milliseconds deadline) {
        std::string last;
        wait_for(
            [&] {
                last = scrape(port);
                return done(last);
            },
            deadline);
        return last;
    }

    std::string scrapes_;  // every /metrics body read, checked for secrets
};

TEST_F(runtime_metrics_e2e, metrics_health_and_readiness_reflect_what_happened) {
    write_manifests(std::string(observed_flows_yaml) + mqtt_to_kafka_yaml);
    ASSERT_EQ(cluster_->broker_down(1), "");  // the destination is unreachable at first
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0", "--log-format", "json"});
    fb.start();
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();

    // Live from the start; not ready while Kafka is down (and so the MQTT side not subscribed).
    const auto health = http_get(port, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok\n");
    const auto not_ready = http_get(port, "/readyz");
    EXPECT_EQ(not_ready.status, 503);
    EXPECT_NE(not_ready.body.find("- dataflow azure-iot-operations/up: destination "
                                  "azure-iot-operations/kafka not connected"),
              std::string::npos)
        << not_ready.body;
    EXPECT_NE(not_ready.body.find("- dataflow azure-iot-operations/up: source "
                                  "azure-iot-operations/mq not subscribed"),
              std::string::npos)
        << not_ready.body;
    std::string m = scrape(port);
    EXPECT_EQ(sample(m, up("flowbridge_connection_up",
                           ",endpoint=\"azure-iot-operations/kafka\","
                           "side=\"destination\"")),
              0)
        << m;
    EXPECT_EQ(sample(m, up("flowbridge_source_ready")), 0);

    ASSERT_EQ(cluster_->broker_up(1), "");
    ASSERT_TRUE(wait_for([&] { return http_get(port, "/readyz").status == 200; }, 30s))
        << http_get(port, "/readyz").body << fb.log();
    EXPECT_EQ(http_get(port, "/readyz").body, "ready\n");
    m = scrape(port);
    EXPECT_EQ(sample(m, up("flowbridge_connection_up",
                           ",endpoint=\"azure-iot-operations/kafka\","
                           "side=\"destination\"")),
              1)
        << m;
    EXPECT_EQ(sample(m, up("flowbridge_connection_up",
                           ",endpoint=\"azure-iot-operations/mq\","
                           "side=\"source\"")),
              1);
    EXPECT_EQ(sample(m, copy("flowbridge_connection_up",
                             ",endpoint=\"azure-iot-operations/mq-auth\","
                             "side=\"source\"")),
              1);
    EXPECT_EQ(sample(m, up("flowbridge_source_ready")), 1);
    EXPECT_GE(sample(m, up("flowbridge_connection_attempts_total",
                           ",endpoint=\"azure-iot-operations/kafka\",side=\"destination\"")),
              1);
    EXPECT_GE(sample(m, up("flowbridge_connection_attempts_total",
                           ",endpoint=\"azure-iot-operations/mq\",side=\"source\"")),
              1);

    constexpr int n = 40;       // MQTT → Kafka, all delivered
    constexpr int dropped = 5;  // MQTT → MQTT on topic `in`: ${inputTopic.2} does not resolve
    publish_lines("e2e/dev/data", 1, n);
    publish_lines("in", 1, dropped);
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(n, 30s)) << reader.distinct().size() << "\n" << fb.log();

    m = scrape_until(
        port,
        [&](const std::string& t) {
            return sample(t, up("flowbridge_messages_acknowledged_total")) == n &&
                   sample(t, copy("flowbridge_messages_acknowledged_total")) == dropped;
        },
        30s);
    EXPECT_EQ(sample(m, up("flowbridge_messages_received_total")), n) << m;
    EXPECT_EQ(sample(m, up("flowbridge_messages_delivered_total")), n);
    EXPECT_EQ(sample(m, up("flowbridge_messages_acknowledged_total")), n);
    EXPECT_EQ(sample(m, up("flowbridge_messages_in_flight")), 0);
    EXPECT_EQ(sample(m, up("flowbridge_delivery_failures_total")), 0);
    EXPECT_EQ(sample(m, up("flowbridge_messages_dropped_total", ",reason=\"expired\"")), 0);
    EXPECT_EQ(sample(m, up("flowbridge_in_flight_limit")), 1024);
    // Histograms: one latency observation per delivered record; the batches hold every record.
    EXPECT_EQ(sample(m, up("flowbridge_end_to_end_latency_seconds_count")), n);
    EXPECT_EQ(sample(m, up("flowbridge_end_to_end_latency_seconds_bucket", ",le=\"+Inf\"")), n);
    EXPECT_GT(sample(m, up("flowbridge_end_to_end_latency_seconds_sum")), 0);
    EXPECT_EQ(sample(m, up("flowbridge_batch_records_sum")), n);
    EXPECT_GE(sample(m, up("flowbridge_batch_records_count")), 1);
    EXPECT_LE(sample(m, up("flowbridge_batch_records_count")), n);
    EXPECT_GE(sample(m, up("flowbridge_batch_bytes_sum")), n * std::string("msg-1").size());
    // The MQTT → MQTT flow: every message dropped for its reason, and acknowledged (handled).
    EXPECT_EQ(sample(m, copy("flowbridge_messages_received_total")), dropped);
    EXPECT_EQ(sample(m, copy("flowbridge_messages_delivered_total")), 0);
    EXPECT_EQ(sample(m, copy("flowbridge_messages_dropped_total", ",reason=\"topic_unresolved\"")),
              dropped);
    EXPECT_EQ(sample(m, copy("flowbridge_end_to_end_latency_seconds_count")), 0);
    // Nothing lost silently (docs/observability.md): received = delivered + dropped + failed +
    // in flight, for both flows.
    for (const auto& df : {std::string("up"), std::string("copy")}) {
        const auto s = [&](const std::string& name, const std::string& extra = "") {
            return sample(m, name + "{dataflow=\"azure-iot-operations/" + df + "\"" + extra + "}");
        };
        double drops = 0;
        for (const char* reason : {"expired", "topic_unresolved", "packet_too_large"}) {
            drops +=
                s("flowbridge_messages_dropped_total", ",reason=\"" + std::string(reason) + "\"");
        }
        EXPECT_EQ(s("flowbridge_messages_received_total"),
                  s("flowbridge_messages_delivered_total") + drops +
                      s("flowbridge_delivery_failures_total") + s("flowbridge_messages_in_flight"))
            << df;
    }
    EXPECT_NE(m.find("flowbridge_build_info{version=\""), std::string::npos);
    EXPECT_GT(sample(m, "process_start_time_seconds"), 1.7e9);

    EXPECT_EQ(fb.terminate(), 0) << fb.log();
    const std::string log = fb.log();
    // Every line of the JSON log parses and carries the fixed keys.
    std::istringstream lines(log);
    int count = 0;
    for (std::string line; std::getline(lines, line);) {
        ++count;
        EXPECT_TRUE(is_json_object(line)) << line;
        EXPECT_EQ(line.rfind("{\"ts\":\"", 0), 0u) << line;
        EXPECT_NE(line.find("\"level\":\""), std::string::npos) << line;
        EXPECT_NE(line.find("\"msg\":\""), std::string::npos) << line;
    }
    EXPECT_GT(count, 10);
    EXPECT_NE(log.find("\"msg\":\"totals: received 40, delivered 40, acknowledged 40, failed 0, "
                       "dropped 0\",\"dataflow\":\"azure-iot-operations/up\""),
              std::string::npos)
        << log;
    // SPEC §8: the planted secret is in no log line and no scrape (the username neither).
    for (const char* secret : {planted_password, planted_username}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret;
        EXPECT_EQ(scrapes_.find(secret), std::string::npos) << secret;
    }
}

TEST_F(runtime_metrics_e2e, kafka_outage_mid_stream_shows_in_connection_up_and_readyz) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();
    ASSERT_TRUE(wait_for([&] { return http_get(port, "/readyz").status == 200; }, 30s))
        << fb.log();
    const std::string kafka_up = up("flowbridge_connection_up",
                                    ",endpoint=\"azure-iot-operations/kafka\",side=\"destination\"");

    // Kafka goes away while messages keep arriving: the producer parks them (docs/kafka.md),
    // the destination reads as down and the instance as not ready.
    ASSERT_EQ(cluster_->broker_down(1), "");
    publish_lines("e2e/dev/data", 1, 10);
    std::string m = scrape_until(
        port, [&](const std::string& t) { return sample(t, kafka_up) == 0; }, 30s);
    EXPECT_EQ(sample(m, kafka_up), 0) << m << fb.log();
    const auto not_ready = http_get(port, "/readyz");
    EXPECT_EQ(not_ready.status, 503);
    EXPECT_NE(not_ready.body.find("destination azure-iot-operations/kafka not connected"),
              std::string::npos)
        << not_ready.body;

    // Back: ready again, and every message delivered and acknowledged.
    ASSERT_EQ(cluster_->broker_up(1), "");
    ASSERT_TRUE(wait_for([&] { return http_get(port, "/readyz").status == 200; }, 30s))
        << http_get(port, "/readyz").body << fb.log();
    kafka_reader reader(cluster_->bootstrap(), "e2e");
    ASSERT_TRUE(reader.wait_distinct(10, 30s)) << reader.distinct().size() << "\n" << fb.log();
    m = scrape_until(
        port,
        [&](const std::string& t) {
            return sample(t, up("flowbridge_messages_acknowledged_total")) == 10;
        },
        30s);
    EXPECT_EQ(sample(m, kafka_up), 1) << m;
    EXPECT_EQ(sample(m, up("flowbridge_messages_delivered_total")), 10) << m;
    EXPECT_EQ(sample(m, up("flowbridge_messages_in_flight")), 0) << m;
    EXPECT_EQ(fb.terminate(), 0) << fb.log();
}

TEST_F(runtime_metrics_e2e, readyz_reports_shutting_down_while_the_drain_runs) {
    write_manifests(mqtt_to_kafka_yaml);
    flowbridge_process fb(dir_, "fb", {"--metrics-port", "0"});
    fb.start();
    const std::uint16_t port = metrics_port(fb);
    ASSERT_NE(port, 0) << fb.log();
    ASSERT_TRUE(wait_for([&] { return http_get(port, "/readyz").status == 200; }, 30s)) << fb.log();
    // A record that cannot be acknowledged keeps the drain busy (up to --drain-seconds 10).
    ASSERT_EQ(cluster_->broker_down(1), "");
    publish_lines("e2e/dev/data", 1, 1);
    ASSERT_TRUE(wait_for(
        [&] { return sample(scrape(port), up("flowbridge_messages_in_flight")) == 1; }, 20s))
        << fb.log();
    // SIGTERM and wait on another thread; this one watches the endpoint meanwhile.
    auto exited = std::async(std::launch::async, [&fb] { return fb.terminate(40s); });
    http_client::response r;
    ASSERT_TRUE(wait_for(
        [&] {
            r = http_get(port, "/readyz");
            return r.body.find("shutting down") != std::string::npos;
        },
        10s))
        << r.body << fb.log();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "not ready:\n- shutting down\n");
    EXPECT_EQ(http_get(port, "/healthz").status, 200) << "alive while draining";
    EXPECT_EQ(exited.get(), 0) << fb.log();
    EXPECT_NE(fb.log().find("1 message(s) left for redelivery"), std::string::npos) << fb.log();
    ASSERT_EQ(cluster_->broker_up(1), "");
}

TEST_F(runtime_metrics_e2e, text_log_names_the_port_and_no_metrics_serves_nothing) {
    write_manifests(mqtt_to_kafka_yaml);
    {
        flowbridge_process fb(dir_, "text", {"--metrics-port", "0"});
        fb.start();
        const std::uint16_t port = metrics_port(fb);
        ASSERT_NE(port, 0) << fb.log();
        EXPECT_NE(fb.log().find(" INFO  runtime: metrics endpoint listening on 127.0.0.1:"),
                  std::string::npos)
            << fb.log();
        EXPECT_EQ(http_get(port, "/metrics").status, 200);
        EXPECT_EQ(fb.terminate(), 0) << fb.log();
        EXPECT_NE(fb.log().find("[azure-iot-operations/up] totals: received 0"), std::string::npos)
            << fb.log();
    }
    flowbridge_process off(dir_, "off", {"--no-metrics"});
    off.start();
    ASSERT_TRUE(off.wait_log("metrics disabled (--no-metrics)", 20s)) << off.log();
    ASSERT_TRUE(off.wait_log("starting 1 dataflow(s)", 20s)) << off.log();
    EXPECT_EQ(off.log().find("metrics endpoint listening"), std::string::npos) << off.log();
    EXPECT_EQ(off.terminate(), 0) << off.log();
}

TEST_F(runtime_metrics_e2e, profile_port_0_disables_the_endpoint_but_the_flag_0_binds_a_free_port) {
    write_manifests(mqtt_to_kafka_yaml);
    write_file(dir_.file("manifests/profile.yaml"),
               "apiVersion: connectivity.iotoperations.azure.com/v1\nkind: DataflowProfile\n"
               "metadata:\n  name: default\nspec:\n  diagnostics:\n    metrics:\n"
               "      prometheusPort: 0\n");
    flowbridge_process off(dir_, "off");  // SPEC §2.4: 0 in the profile disables it
    off.start();
    ASSERT_TRUE(off.wait_log("metrics disabled (prometheusPort 0)", 20s)) << off.log();
    ASSERT_TRUE(off.wait_log("starting 1 dataflow(s)", 20s)) << off.log();
    EXPECT_EQ(off.log().find("metrics endpoint listening"), std::string::npos) << off.log();
    EXPECT_EQ(off.terminate(), 0) << off.log();
    flowbridge_process on(dir_, "on", {"--metrics-port", "0"});  // an explicit request wins
    on.start();
    const std::uint16_t port = metrics_port(on);
    ASSERT_NE(port, 0) << on.log();
    EXPECT_EQ(http_get(port, "/healthz").status, 200);
    EXPECT_EQ(on.terminate(), 0) << on.log();
}

TEST_F(runtime_metrics_e2e, a_port_that_cannot_be_bound_is_a_clear_error_and_exit_1) {
    write_manifests(mqtt_to_kafka_yaml);
    // Hold a loopback port so that flowbridge cannot bind it.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const std::string port = std::to_string(ntohs(addr.sin_port));
    flowbridge_process fb(dir_, "fb", {"--metrics-port", port});
    fb.start();
    EXPECT_EQ(fb.wait_exit(30s), 1) << fb.log();
    ::close(fd);
    EXPECT_NE(fb.log().find("cannot serve metrics on 127.0.0.1:" + port), std::string::npos)
        << fb.log();
}

}  // namespace
}  // namespace flowbridge::test
