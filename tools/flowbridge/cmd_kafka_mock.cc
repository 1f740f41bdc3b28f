#include "tools/flowbridge/cmd_kafka_mock.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "transports/kafka/mock_cluster.h"

namespace flowbridge::tools {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

volatile sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) { stop_requested = 1; }

constexpr std::string_view usage =
    "usage: flowbridge kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n"
    "\n"
    "Runs an embedded Kafka-protocol cluster (librdkafka's mock cluster, PLAINTEXT only) on\n"
    "127.0.0.1. Prints its bootstrap address as the first line on stdout, then reads commands\n"
    "on stdin, one per line:\n"
    "  down ID | up ID | rtt ID MS | topic NAME PARTITIONS      (broker ids 1..N)\n"
    "and exits at end of input or on SIGTERM/SIGINT.\n";

bool parse_int(std::string_view s, long long lo, long long hi, long long& out) {
    if (s.empty()) return false;
    long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j;
    }
    return words;
}

}  // namespace

std::string parse_kafka_mock_args(const std::vector<std::string>& args, kafka_mock_args& out) {
    out = {};
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        std::string_view value;
        std::string_view name = a;
        if (auto eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
        } else if (a == "--brokers" || a == "--topic") {
            if (i + 1 >= args.size()) return std::string(a) + " needs a value";
            value = args[++i];
        }
        if (name == "--help" || name == "-h") {
            out.help = true;
        } else if (name == "--brokers") {
            long long n = 0;
            if (!parse_int(value, 1, 64, n))
                return "--brokers: must be 1..64, got '" + std::string(value) + "'";
            out.brokers = static_cast<int>(n);
        } else if (name == "--topic") {
            const auto colon = value.rfind(':');
            long long n = 0;
            if (colon == std::string_view::npos || colon == 0 ||
                !parse_int(value.substr(colon + 1), 1, 100000, n))
                return "--topic: expected NAME:PARTITIONS (PARTITIONS 1..100000), got '" +
                       std::string(value) + "'";
            out.topics.emplace_back(std::string(value.substr(0, colon)), static_cast<int>(n));
        } else {
            return "unknown option '" + std::string(a) + "'";
        }
    }
    return {};
}

std::string parse_kafka_mock_command(std::string_view line, kafka_mock_command& out) {
    out = {};
    const auto words = split_words(line);
    if (words.empty() || words[0].starts_with("#")) return {};
    const auto verb = words[0];
    long long a = 0;
    long long b = 0;
    if (verb == "down" || verb == "up") {
        if (words.size() != 2 || !parse_int(words[1], 1, INT32_MAX, a))
            return std::string(verb) + ": expected '" + std::string(verb) + " BROKER_ID'";
        out.what = verb == "down" ? kafka_mock_command::verb::down : kafka_mock_command::verb::up;
        out.broker = static_cast<std::int32_t>(a);
    } else if (verb == "rtt") {
        if (words.size() != 3 || !parse_int(words[1], 1, INT32_MAX, a) ||
            !parse_int(words[2], 0, 3600000, b))
            return "rtt: expected 'rtt BROKER_ID MILLISECONDS'";
        out.what = kafka_mock_command::verb::rtt;
        out.broker = static_cast<std::int32_t>(a);
        out.value = static_cast<int>(b);
    } else if (verb == "topic") {
        if (words.size() != 3 || !parse_int(words[2], 1, 100000, b))
            return "topic: expected 'topic NAME PARTITIONS'";
        out.what = kafka_mock_command::verb::topic;
        out.topic = std::string(words[1]);
        out.value = static_cast<int>(b);
    } else {
        return "unknown command '" + std::string(verb) + "' (down ID | up ID | rtt ID MS | topic NAME PARTITIONS)";
    }
    return {};
}

namespace {

std::string apply(kafka::mock_cluster& cluster, const kafka_mock_command& c) {
    using v = kafka_mock_command::verb;
    if (c.what != v::topic && (c.broker < 1 || c.broker > cluster.brokers()))
        return "no broker " + std::to_string(c.broker) + " (ids are 1.." +
               std::to_string(cluster.brokers()) + ")";
    switch (c.what) {
    case v::down: return cluster.broker_down(c.broker);
    case v::up: return cluster.broker_up(c.broker);
    case v::rtt: return cluster.set_rtt(c.broker, c.value);
    case v::topic: return cluster.create_topic(c.topic, c.value);
    case v::none: return {};
    }
    return {};
}

}  // namespace

int run_kafka_mock(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    kafka_mock_args options;
    if (auto error = parse_kafka_mock_args(args, options); !error.empty()) {
        std::cerr << "flowbridge kafka-mock: " << error << "\n\n" << usage;
        return exit_usage;
    }
    if (options.help) {
        std::cout << usage;
        return exit_ok;
    }

    std::string error;
    auto cluster = kafka::mock_cluster::create(options.brokers, error);
    if (!cluster) {
        std::cerr << "flowbridge kafka-mock: " << error << "\n";
        return exit_failed;
    }
    for (const auto& [name, partitions] : options.topics) {
        if (auto e = cluster->create_topic(name, partitions); !e.empty()) {
            std::cerr << "flowbridge kafka-mock: topic '" << name << "': " << e << "\n";
            return exit_failed;
        }
    }

    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    // The contract with scripts: the bootstrap address is the first line on stdout.
    std::cout << cluster->bootstrap() << std::endl;
    std::cerr << "flowbridge kafka-mock: " << options.brokers << " broker(s) at "
              << cluster->bootstrap() << " (PLAINTEXT)\n";

    std::string pending;
    char buffer[4096];
    while (!stop_requested) {
        pollfd fd = {STDIN_FILENO, POLLIN, 0};
        const int ready = ::poll(&fd, 1, 200);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (ready == 0) continue;
        const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        if (got == 0) {
            pending.push_back('\n');  // a last line without newline still counts
        } else {
            pending.append(buffer, static_cast<std::size_t>(got));
        }
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            const std::string_view line(pending.data() + start, nl - start);
            kafka_mock_command command;
            std::string e = parse_kafka_mock_command(line, command);
            if (e.empty() && command.what != kafka_mock_command::verb::none)
                e = apply(*cluster, command);
            if (!e.empty()) {
                std::cerr << "flowbridge kafka-mock: " << e << "\n";
            } else if (command.what != kafka_mock_command::verb::none) {
                std::cout << "ok";
                for (auto w : split_words(line)) std::cout << ' ' << w;
                std::cout << std::endl;
            }
        }
        pending.erase(0, start);
        if (got == 0) break;  // end of input
    }
    std::cerr << "flowbridge kafka-mock: stopping\n";
    return exit_ok;
}

}  // namespace flowbridge::tools
