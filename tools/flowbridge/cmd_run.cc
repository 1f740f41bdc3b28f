// `flowbridge run -f PATH...`: load and validate manifests, then run every enabled Dataflow of
// this instance until SIGTERM/SIGINT, and drain (SPEC §4, §7). A thin shell over
// flowbridge::runtime (tools/runtime); docs/operations.md describes running it.
#include <signal.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>

#include "tools/flowbridge/command.h"
#include "tools/flowbridge/config_options.h"
#include "tools/runtime/runtime.h"

namespace flowbridge::tools {

namespace {

namespace po = boost::program_options;

const char* const usage =
    "usage: flowbridge run -f PATH... [--secrets-dir DIR] [--configmaps-dir DIR] "
    "[--instance-id N] [--metrics-port P] [--log-level L] [--log-format text|json]";

std::optional<config::log_level> parse_level(const std::string& s) {
    if (s == "trace") return config::log_level::trace;
    if (s == "debug") return config::log_level::debug;
    if (s == "info") return config::log_level::info;
    if (s == "warn" || s == "warning") return config::log_level::warn;
    if (s == "error") return config::log_level::error;
    return std::nullopt;
}

std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

void json_string(std::ostringstream& out, std::string_view s) {
    out << '"';
    for (const char c : s) {
        switch (c) {
            case '"': out << "\\\""; break;
            case '\\': out << "\\\\"; break;
            case '\n': out << "\\n"; break;
            case '\r': out << "\\r"; break;
            case '\t': out << "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out << buf;
                } else {
                    out << c;
                }
        }
    }
    out << '"';
}

// The log sink of the daemon (stderr). The logging library being built separately will replace
// this; the runtime only sees a runtime::log_sink.
runtime::log_sink make_sink(bool json) {
    auto mutex = std::make_shared<std::mutex>();
    return [mutex, json](const runtime::log_record& r) {
        std::ostringstream line;
        if (json) {
            line << "{\"ts\":\"" << utc_now() << "\",\"level\":\"" << config::to_string(r.level)
                 << "\",\"component\":";
            json_string(line, r.component);
            if (!r.dataflow.empty()) {
                line << ",\"dataflow\":";
                json_string(line, r.dataflow);
            }
            line << ",\"msg\":";
            json_string(line, r.message);
            line << "}\n";
        } else {
            line << utc_now() << ' ' << config::to_string(r.level) << ' ' << r.component;
            if (!r.dataflow.empty()) line << " [" << r.dataflow << ']';
            line << ' ' << r.message << '\n';
        }
        std::lock_guard lock(*mutex);
        std::cerr << line.str() << std::flush;
    };
}

int run_run(const std::vector<std::string>& args) {
    config_inputs in;
    po::options_description desc(
        std::string(usage) +
        "\n\nRuns every enabled Dataflow of this instance until SIGTERM or SIGINT, then stops\n"
        "intake and drains (flush, acknowledge, commit) within --drain-seconds, and exits 0.\n"
        "Invalid manifests: every error is printed and the exit status is 1. Logs go to stderr.\n"
        "The instance is --instance-id, else the trailing -N of $HOSTNAME, else 0.\n\noptions");
    add_config_options(desc, in);
    std::string level_text, format = "text";
    long long instance = -1, metrics_port = -1, drain_seconds = 10;
    std::vector<std::string> kafka_properties;
    // clang-format off
    desc.add_options()
        ("instance-id", po::value(&instance), "this instance's ordinal (0-based)")
        ("metrics-port", po::value(&metrics_port), "Prometheus port (overrides the profile; 0 disables)")
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
    if (format != "text" && format != "json") {
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

    auto loaded = load_inputs(in);
    print_findings(loaded.findings, false, std::cerr);
    if (!loaded.valid()) {
        std::cerr << "invalid: " << loaded.findings.error_count() << " error(s), "
                  << loaded.findings.warning_count() << " warning(s); not starting\n";
        return exit_invalid;
    }

    const char* hostname = std::getenv("HOSTNAME");
    const auto who = runtime::resolve_instance(
        vm->count("instance-id") ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(instance))
                                 : std::nullopt,
        hostname != nullptr ? hostname : "");
    options.instance = who.id;
    if (vm->count("metrics-port")) options.metrics_port = static_cast<std::uint16_t>(metrics_port);
    options.sink = make_sink(format == "json");
    if (const char* sat = std::getenv("FLOWBRIDGE_SAT_TOKEN_FILE"); sat != nullptr && *sat != 0) {
        options.mqtt_auth.service_account_token_file = sat;
    }

    runtime::runtime rt(std::move(loaded.config), std::move(options));
    const char* from = who.from == runtime::instance_source::option     ? "--instance-id"
                       : who.from == runtime::instance_source::hostname ? "$HOSTNAME"
                                                                        : "default";
    rt.log().info("runtime", "", "flowbridge run: instance " + std::to_string(who.id) + " (" +
                                     from + "), metrics port " + std::to_string(rt.metrics_port()));
    std::string error;
    if (!rt.start(error)) {
        rt.log().error("runtime", "", "cannot start:\n" + error);
        return exit_invalid;
    }
    int sig = 0;
    sigwait(&stop_signals, &sig);
    rt.log().info("runtime", "",
                  std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                      ": stopping intake, draining for up to " + std::to_string(drain_seconds) + " s");
    const std::size_t left = rt.stop(std::chrono::seconds(drain_seconds));
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
