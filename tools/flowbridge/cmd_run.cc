// `flowbridge run -f PATH...`: load and validate manifests, then run every enabled Dataflow of
// this instance until SIGTERM/SIGINT, and drain (SPEC §4, §7). A thin shell over
// flowbridge::runtime (tools/runtime); docs/operations.md describes running it.
#include <arpa/inet.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "engine/metrics/registry.h"
#include "tools/flowbridge/command.h"
#include "tools/flowbridge/config_options.h"
#include "tools/log/logger.h"
#include "tools/runtime/exporter.h"
#include "tools/runtime/log_bridge.h"
#include "tools/runtime/runtime.h"
#include "transports/http/server.h"

namespace flowbridge::tools {

namespace {

namespace po = boost::program_options;

const char* const usage =
    "usage: flowbridge run -f PATH... [--secrets-dir DIR] [--configmaps-dir DIR] "
    "[--instance-id N] [--metrics-port P | --no-metrics] [--metrics-address ADDR] "
    "[--log-level L] [--log-format text|json] [--drain-seconds S] [--kafka-property K=V]...";

std::optional<config::log_level> parse_level(const std::string& s) {
    if (s == "trace") return config::log_level::trace;
    if (s == "debug") return config::log_level::debug;
    if (s == "info") return config::log_level::info;
    if (s == "warn" || s == "warning") return config::log_level::warn;
    if (s == "error") return config::log_level::error;
    return std::nullopt;
}

bool is_numeric_ip(const std::string& s) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string host_port(const std::string& address, std::uint16_t port) {
    const bool v6 = address.find(':') != std::string::npos;
    return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

int run_run(const std::vector<std::string>& args) {
    const double process_start = std::chrono::duration<double>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    config_inputs in;
    po::options_description desc(
        std::string(usage) +
        "\n\nRuns every enabled Dataflow of this instance until SIGTERM or SIGINT, then stops\n"
        "intake and drains (flush, acknowledge, commit) within --drain-seconds, and exits 0.\n"
        "Invalid manifests: every error is printed and the exit status is 1. Logs go to stderr.\n"
        "The instance is --instance-id, else the trailing -N of $HOSTNAME, else 0.\n"
        "Metrics and health: HTTP on --metrics-address (127.0.0.1) port --metrics-port, else\n"
        "the profile's prometheusPort (default 9600; 0 in the profile disables it):\n"
        "GET /metrics (Prometheus), /healthz (200 while alive), /readyz (200 when every\n"
        "dataflow is connected, else 503 and what is missing). --metrics-port 0 binds a free\n"
        "port and logs 'metrics endpoint listening on ADDR:PORT'. A bind failure exits 1.\n"
        "\noptions");
    add_config_options(desc, in);
    std::string level_text, format = "text", metrics_address = "127.0.0.1";
    long long instance = -1, metrics_port = -1, drain_seconds = 10;
    std::vector<std::string> kafka_properties;
    // clang-format off
    desc.add_options()
        ("instance-id", po::value(&instance), "this instance's ordinal (0-based)")
        ("metrics-port", po::value(&metrics_port),
         "metrics/health port (overrides the profile's prometheusPort); 0: any free port, logged")
        ("metrics-address", po::value(&metrics_address),
         "numeric IP the metrics endpoint binds (default 127.0.0.1; 0.0.0.0 in a container)")
        ("no-metrics", "serve no metrics or health endpoint")
        ("log-level", po::value(&level_text), "trace, debug, info, warn or error (overrides the profile)")
        ("log-format", po::value(&format), "text (default) or json")
        ("drain-seconds", po::value(&drain_seconds), "how long a stop may drain (default 10)")
        ("kafka-property", po::value(&kafka_properties)->composing(),
         "KEY=VALUE: an extra librdkafka property for every Kafka client (tuning, tests); repeatable")
        ("help,h", "show this help");
    // clang-format on
    auto vm = parse_arguments(args, desc, usage, std::cerr);
    if (!vm) return exit_usage;
    if (vm->count("help")) {
        std::cout << desc << "\n";
        return exit_ok;
    }
    if (!check_config_inputs(in, std::cerr)) return exit_usage;
    runtime::runtime_options options;
    if (vm->count("log-level")) {
        options.level = parse_level(level_text);
        if (!options.level) {
            std::cerr << "flowbridge run: --log-level: must be trace, debug, info, warn or error, got '"
                      << level_text << "'\n" << usage << "\n";
            return exit_usage;
        }
    }
    const auto style = log::parse_format(format);
    if (!style) {
        std::cerr << "flowbridge run: --log-format: must be text or json, got '" << format << "'\n"
                  << usage << "\n";
        return exit_usage;
    }
    if (vm->count("instance-id") && (instance < 0 || instance > 1000000)) {
        std::cerr << "flowbridge run: --instance-id: must be 0 or more\n" << usage << "\n";
        return exit_usage;
    }
    if (vm->count("metrics-port") && (metrics_port < 0 || metrics_port > 65535)) {
        std::cerr << "flowbridge run: --metrics-port: must be 0..65535\n" << usage << "\n";
        return exit_usage;
    }
    const bool no_metrics = vm->count("no-metrics") != 0;
    if (no_metrics && vm->count("metrics-port")) {
        std::cerr << "flowbridge run: --no-metrics and --metrics-port exclude each other\n"
                  << usage << "\n";
        return exit_usage;
    }
    if (!is_numeric_ip(metrics_address)) {
        std::cerr << "flowbridge run: --metrics-address: must be a numeric IPv4 or IPv6 address, "
                     "got '" << metrics_address << "'\n" << usage << "\n";
        return exit_usage;
    }
    if (drain_seconds < 0 || drain_seconds > 3600) {
        std::cerr << "flowbridge run: --drain-seconds: must be 0..3600\n" << usage << "\n";
        return exit_usage;
    }
    for (const auto& kv : kafka_properties) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "flowbridge run: --kafka-property: expected KEY=VALUE\n" << usage << "\n";
            return exit_usage;
        }
        options.kafka_properties.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }

    // Blocked from here on (so a stop request during start-up is not lost but taken by sigwait
    // below), and inherited by every thread the runtime starts: nothing else sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    // Every line goes through the daemon's logger (tools/log): text or JSON, redaction,
    // rate-limited repeats. The runtime filters by level first; the logger follows its level.
    log::options log_options;
    log_options.threshold = log::level::trace;
    log_options.style = *style;
    auto logger = std::make_shared<log::logger>(std::move(log_options));

    auto loaded = load_inputs(in);
    if (*style == log::format::json) {
        // One JSON object per line from the first line on (log shippers parse every line).
        for (const auto& d : loaded.findings.all()) {
            if (d.level == config::severity::note) continue;
            logger->write(d.level == config::severity::error ? log::level::error : log::level::warn,
                          "config", config::format(d));
        }
    } else {
        print_findings(loaded.findings, false, std::cerr);
    }
    if (!loaded.valid()) {
        const std::string summary = "invalid: " + std::to_string(loaded.findings.error_count()) +
                                    " error(s), " +
                                    std::to_string(loaded.findings.warning_count()) +
                                    " warning(s); not starting";
        if (*style == log::format::json) {
            logger->error("config", summary);
        } else {
            std::cerr << summary << "\n";
        }
        return exit_invalid;
    }

    const char* hostname = std::getenv("HOSTNAME");
    const auto who = runtime::resolve_instance(
        vm->count("instance-id") ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(instance))
                                 : std::nullopt,
        hostname != nullptr ? hostname : "");
    options.instance = who.id;
    if (vm->count("metrics-port")) options.metrics_port = static_cast<std::uint16_t>(metrics_port);
    options.sink = runtime::make_log_sink(logger);
    if (const char* sat = std::getenv("FLOWBRIDGE_SAT_TOKEN_FILE"); sat != nullptr && *sat != 0) {
        options.mqtt_auth.service_account_token_file = sat;
    }

    runtime::runtime rt(std::move(loaded.config), std::move(options));
    logger->set_threshold(runtime::to_log_level(rt.log().level()));
    const char* from = who.from == runtime::instance_source::option     ? "--instance-id"
                       : who.from == runtime::instance_source::hostname ? "$HOSTNAME"
                                                                        : "default";
    // SPEC §2.4: the profile's prometheusPort 0 disables the endpoint; `--metrics-port 0`
    // (an explicit request) binds a free port instead and logs it.
    const std::optional<std::uint16_t> configured = rt.metrics_port();
    const bool serve = !no_metrics && configured.has_value();
    const std::uint16_t port = serve ? configured.value_or(0) : 0;
    const std::string metrics_text =
        !serve      ? std::string(no_metrics ? "disabled (--no-metrics)"
                                             : "disabled (prometheusPort 0)")
        : port == 0 ? "on a free port of " + metrics_address
                    : "on " + host_port(metrics_address, port);
    rt.log().info("runtime", "", "flowbridge run: instance " + std::to_string(who.id) + " (" +
                                     from + "), metrics " + metrics_text);
    std::string error;
    if (!rt.start(error)) {
        rt.log().error("runtime", "", "cannot start:\n" + error);
        return exit_invalid;
    }

    // The observability endpoint, after the runtime started (so /readyz has flows to judge).
    // Declared after `rt`: destroyed before it; stopped explicitly after the drain, so that a
    // scrape during the drain still answers (/readyz then says "shutting down").
    metrics::registry registry;
    std::optional<runtime::exporter> exported;
    std::unique_ptr<http::server> endpoint;
    if (serve) {
        runtime::exporter_options eo;
        eo.process_start_time = process_start;
        exported.emplace(registry, rt, std::move(eo));
        http::server_options o;
        o.bind_address = metrics_address;
        o.port = port;
        o.metrics = [&registry](std::string& out) { registry.expose(out); };
        o.readiness = [&rt] { return rt.not_ready(); };
        try {
            endpoint = std::make_unique<http::server>(std::move(o));
        } catch (const std::exception& e) {
            rt.log().error("runtime", "",
                           "cannot serve metrics on " + host_port(metrics_address, port) + ": " +
                               e.what() + " (use --metrics-port, or --no-metrics)");
            rt.stop(std::chrono::seconds(drain_seconds));
            return exit_invalid;
        }
        // Tests and tools parse this line for the port (`--metrics-port 0`).
        rt.log().info("runtime", "",
                      "metrics endpoint listening on " +
                          host_port(endpoint->address(), endpoint->port()) +
                          " (/metrics, /healthz, /readyz)");
    }

    int sig = 0;
    sigwait(&stop_signals, &sig);
    rt.log().info("runtime", "",
                  std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                      ": stopping intake, draining for up to " + std::to_string(drain_seconds) + " s");
    const std::size_t left = rt.stop(std::chrono::seconds(drain_seconds));
    if (endpoint) endpoint->stop();
    rt.log().info("runtime", "",
                  left == 0 ? std::string("stopped cleanly")
                            : "stopped; " + std::to_string(left) +
                                  " message(s) left for redelivery");
    return exit_ok;
}

}  // namespace

FLOWBRIDGE_COMMAND(run, "run", "run the dataflows of this instance until SIGTERM/SIGINT",
                   run_run);

}  // namespace flowbridge::tools
