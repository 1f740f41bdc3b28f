#include "transports/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/metrics/registry.h"
#include "tests/integration/http/http_client.h"

namespace flowbridge::http {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

using client = test::http_client;
using test::io_deadline;

// Options with the fields a test sets (designated initialisers would warn about the rest).
server_options make_options(std::function<void(std::string&)> metrics = {},
                            std::function<std::vector<std::string>()> readiness = {}) {
    server_options o;
    o.metrics = std::move(metrics);
    o.readiness = std::move(readiness);
    return o;
}

client::response get(std::uint16_t port, std::string_view target) {
    client c(port);
    return c.request("GET", target, "Connection: close\r\n");
}

TEST(http_server, metrics_serves_the_registry_exposition_as_prometheus_text) {
    metrics::registry registry;
    auto& received =
        registry.add_counter("flowbridge_received_total", "Received.", {{"dataflow", "a"}});
    received.add(0, 42);
    server s(make_options([&registry](std::string& out) { registry.expose(out); }));
    const auto r = get(s.port(), "/metrics");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(r.body, registry.expose());
    EXPECT_NE(r.body.find("flowbridge_received_total{dataflow=\"a\"} 42\n"), std::string::npos);
    EXPECT_EQ(get(s.port(), "/metrics?name[]=x").status, 200) << "query strings are ignored";
}

TEST(http_server, healthz_is_200_while_alive) {
    server s(make_options());
    const auto r = get(s.port(), "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
}

TEST(http_server, readyz_is_503_with_reasons_until_every_dataflow_is_ready_then_200) {
    std::atomic<bool> source_ready{false}, destination_ready{false};
    server s(make_options({}, [&] {
        std::vector<std::string> missing;
        if (!source_ready) missing.push_back("dataflow orders: source not subscribed");
        if (!destination_ready) missing.push_back("dataflow orders: destination not connected");
        return missing;
    }));
    auto r = get(s.port(), "/readyz");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body,
              "not ready:\n- dataflow orders: source not subscribed\n"
              "- dataflow orders: destination not connected\n");
    source_ready = true;
    r = get(s.port(), "/readyz");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, "not ready:\n- dataflow orders: destination not connected\n");
    destination_ready = true;
    r = get(s.port(), "/readyz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ready\n");
    destination_ready = false;  // a connection drops: not ready again
    EXPECT_EQ(get(s.port(), "/readyz").status, 503);
}

TEST(http_server, unknown_path_is_404_and_other_methods_are_405) {
    server s(make_options());
    EXPECT_EQ(get(s.port(), "/").status, 404);
    EXPECT_EQ(get(s.port(), "/metricsx").status, 404);
    client c(s.port());
    auto r = c.request("POST", "/metrics", "Content-Length: 0\r\n");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    r = c.request("DELETE", "/healthz");
    EXPECT_EQ(r.status, 405);
    r = c.request("HEAD", "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), "3");
    EXPECT_EQ(c.request("GET", "/healthz").body, "ok\n") << "HEAD sent no body: stream in sync";
}

TEST(http_server, keep_alive_serves_several_requests_on_one_connection) {
    server s(make_options());
    client c(s.port());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(c.request("GET", "/healthz").status, 200);
    // Pipelined: two requests in one write, two responses in order.
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.read_response().status, 200);
    EXPECT_EQ(c.read_response().status, 404);
    // HTTP/1.0 without keep-alive: the server closes after the response.
    c.send("GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(c.read_response().status, 200);
    EXPECT_TRUE(c.closed_by_server());
}

TEST(http_server, port_0_picks_a_free_port_and_a_taken_port_is_a_clear_error) {
    server a(make_options());
    server b(make_options());
    EXPECT_NE(a.port(), 0);
    EXPECT_NE(b.port(), 0);
    EXPECT_NE(a.port(), b.port());
    EXPECT_EQ(a.address(), "127.0.0.1");
    try {
        auto o = make_options();
        o.port = a.port();
        server c(o);
        FAIL() << "binding a taken port must fail";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(a.port())),
                  std::string::npos)
            << e.what();
    }
    for (const char* bad : {"localhost", "300.1.1.1", ""}) {
        auto o = make_options();
        o.bind_address = bad;
        EXPECT_THROW(server{o}, std::invalid_argument) << bad;
    }
    auto v6 = make_options();
    v6.bind_address = "::1";  // IPv6 loopback, when the machine has one
    try {
        server s6(v6);
        EXPECT_NE(s6.port(), 0);
    } catch (const std::system_error& e) {
        std::printf("no IPv6 loopback here: %s\n", e.what());
    }
}

TEST(http_server, concurrent_scrapes_while_writers_update_metrics) {
    metrics::registry registry;
    constexpr std::size_t series = 200;
    std::vector<metrics::sharded_counter*> counters;
    for (std::size_t i = 0; i < series; ++i) {
        counters.push_back(&registry.add_counter("c_total", "c", {{"i", std::to_string(i)}}));
    }
    const std::array<std::int64_t, 3> bounds{10, 100, 1000};
    auto& h = registry.add_histogram("h_seconds", "h", {}, bounds, 1e-6);
    server s(make_options([&registry](std::string& out) { registry.expose(out); }));

    std::atomic<bool> done{false};
    std::thread writer([&] {
        std::uint64_t i = 0;
        const auto deadline = steady::now() + 30s;
        while (!done.load(std::memory_order_relaxed) && steady::now() < deadline) {
            counters[i % series]->add(0);
            h.observe(static_cast<std::int64_t>(i % 2000));
            ++i;
        }
    });
    constexpr int scrapers = 6, per_scraper = 20;
    std::vector<std::future<int>> results;
    for (int t = 0; t < scrapers; ++t) {
        results.push_back(std::async(std::launch::async, [&s] {
            int ok = 0;
            client c(s.port());
            for (int i = 0; i < per_scraper; ++i) {
                const auto r = c.request("GET", "/metrics");
                if (r.status == 200 && r.body.find("h_seconds_count ") != std::string::npos &&
                    r.body.ends_with("\n")) {
                    ++ok;
                }
            }
            return ok;
        }));
    }
    int ok = 0;
    for (auto& f : results) {
        ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
        ok += f.get();
    }
    done = true;
    writer.join();
    EXPECT_EQ(ok, scrapers * per_scraper);
}

TEST(http_server, stop_returns_promptly_while_clients_are_connected) {
    auto s = std::make_unique<server>(server_options{});
    client idle(s->port());
    client half(s->port());
    half.send("GET /metr");  // an incomplete request
    client served(s->port());
    EXPECT_EQ(served.request("GET", "/healthz").status, 200);  // connected for sure
    const auto start = steady::now();
    s->stop();
    EXPECT_LT(steady::now() - start, 1500ms) << "idle connections are closed, not waited for";
    EXPECT_TRUE(idle.closed_by_server());
    EXPECT_TRUE(half.closed_by_server());
    EXPECT_TRUE(served.closed_by_server());
    s->stop();  // idempotent
    s.reset();
}

TEST(http_server, stop_lets_a_response_being_produced_finish) {
    std::mutex m;
    std::condition_variable cv;
    bool entered = false, release = false;
    server s(make_options([&](std::string& out) {
        std::unique_lock lock(m);
        entered = true;
        cv.notify_all();
        cv.wait_for(lock, io_deadline, [&] { return release; });
        out += "# a scrape that was in progress when stop() was called\n";
    }));
    client c(s.port());
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    {
        std::unique_lock lock(m);
        ASSERT_TRUE(cv.wait_for(lock, io_deadline, [&] { return entered; }));
    }
    auto stopped = std::async(std::launch::async, [&s] { s.stop(); });
    {
        std::lock_guard lock(m);
        release = true;
    }
    cv.notify_all();
    const auto r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "# a scrape that was in progress when stop() was called\n");
    EXPECT_TRUE(c.closed_by_server());
    ASSERT_EQ(stopped.wait_for(io_deadline), std::future_status::ready);
}

TEST(http_server, malformed_requests_get_400_and_never_take_the_server_down) {
    auto o = make_options();
    o.request_timeout = 300ms;
    server s(o);
    const std::vector<std::string> bad = {
        "HELLO\r\n\r\n",
        "GET /healthz HTTP/9.9\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nX: " + std::string(10'000, 'a') + "\r\n\r\n",  // header limit
        "POST /metrics HTTP/1.1\r\nContent-Length: 100000\r\n\r\n",              // body limit
        std::string("\x00\x01\x02\xff\r\n\r\n", 8),
        "GET  HTTP/1.1\r\n\r\n",
    };
    for (const auto& request : bad) {
        client c(s.port());
        c.send(request);
        const auto r = c.read_response();
        EXPECT_EQ(r.status, 400) << request.substr(0, 40);
        EXPECT_TRUE(c.closed_by_server()) << request.substr(0, 40);
    }
    {
        client truncated(s.port());
        truncated.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // then the peer goes away
    }
    {
        client silent(s.port());  // sends nothing: closed after request_timeout
        EXPECT_TRUE(silent.closed_by_server(3s));
    }
    EXPECT_EQ(get(s.port(), "/healthz").status, 200);
}

TEST(http_server, connections_beyond_the_limit_are_closed_at_once) {
    auto o = make_options();
    o.max_connections = 2;
    server s(o);
    client a(s.port());
    client b(s.port());
    EXPECT_EQ(a.request("GET", "/healthz").status, 200);
    EXPECT_EQ(b.request("GET", "/healthz").status, 200);
    client c(s.port());
    EXPECT_TRUE(c.closed_by_server());
    EXPECT_EQ(a.request("GET", "/healthz").status, 200);
}

TEST(http_server, a_throwing_metrics_callback_is_a_500_not_a_crash) {
    server s(make_options([](std::string&) { throw std::runtime_error("collector broke"); },
                          []() -> std::vector<std::string> { throw std::runtime_error("x"); }));
    const auto r = get(s.port(), "/metrics");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "metrics failed: collector broke\n");
    EXPECT_EQ(get(s.port(), "/readyz").status, 503);
    EXPECT_EQ(get(s.port(), "/healthz").status, 200);
}

}  // namespace
}  // namespace flowbridge::http
