#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flowbridge::http {

namespace detail {
struct server_state;  // server.cc: the Beast/Asio side
}

/// What the runtime plugs into the endpoint. Both callbacks run on the server's own thread, one
/// request at a time; they must be thread-safe with respect to the data path (read atomics, the
/// metrics registry) and should return quickly.
struct server_options {
    /// Numeric IPv4 or IPv6 address to listen on. Loopback by default: metrics are not for the
    /// world unless the operator says so (`0.0.0.0` in a container, for instance).
    std::string bind_address = "127.0.0.1";
    /// 0 picks a free port; port() tells which.
    std::uint16_t port = 0;
    /// Appends the body of `GET /metrics` (Prometheus text format 0.0.4), e.g.
    /// `[&registry](std::string& out) { registry.expose(out); }`. Empty: an empty body.
    std::function<void(std::string& out)> metrics;
    /// Returns what is not ready, one short line each ("dataflow orders: source not
    /// subscribed"); empty means ready. Empty function: always ready.
    std::function<std::vector<std::string>()> readiness;
    /// A connection that does not deliver a complete request within this time is closed.
    std::chrono::milliseconds request_timeout{10'000};
    /// Connections beyond this are accepted and closed at once (bounds the fds we hold).
    std::size_t max_connections = 64;
};

/// The observability endpoint: an HTTP/1.1 server (Boost.Beast) on its own thread and
/// io_context, off the data-path threads.
///
///   GET /metrics   200, `text/plain; version=0.0.4; charset=utf-8`, options.metrics' text
///   GET /healthz   200 `ok` while the process is alive (the server thread answers)
///   GET /readyz    200 `ready`, or 503 with `not ready:` and one line per item readiness() lists
///   other paths    404; methods other than GET/HEAD: 405 with `Allow: GET, HEAD`
///   malformed      400 and the connection is closed
/// The query string is ignored; keep-alive is honoured.
///
/// Threads: construct, port(), stop() and destroy from a control thread. The constructor binds
/// and listens synchronously (so a failure is reported where the daemon can exit) and then starts
/// the server thread. Not copyable or movable.
class server {
  public:
    /// Throws std::system_error (bind/listen failure, with the address in the message) or
    /// std::invalid_argument (address that is not a numeric IP).
    explicit server(server_options options);
    ~server();  // stop()
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// The bound port (the free one chosen for port 0).
    std::uint16_t port() const noexcept;
    /// The bound address, as given (e.g. "127.0.0.1").
    const std::string& address() const noexcept;

    /// Graceful stop: stops accepting, closes idle connections, lets responses being written
    /// finish, and joins the thread. Connections still open after `grace` are closed hard.
    /// Idempotent; returns when the thread has exited.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) noexcept;

  private:
    std::unique_ptr<detail::server_state> impl_;
};

}  // namespace flowbridge::http
