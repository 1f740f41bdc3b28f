#pragma once

// A tiny HTTP/1.1 loopback client for tests (no HTTP library): every wait is a poll() with a
// deadline. Used by the endpoint's own tests and by the `flowbridge run` end-to-end suites.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace flowbridge::test {

using namespace std::chrono_literals;

inline constexpr auto io_deadline = 5s;  // every socket wait below is bounded by this

/// A blocking-free loopback client: every wait is a poll() with a deadline.
class http_client {
  public:
    explicit http_client(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            const int e = errno;
            ::close(fd_);
            throw std::system_error(e, std::generic_category(), "connect");
        }
    }
    ~http_client() {
        if (fd_ >= 0) ::close(fd_);
    }
    http_client(const http_client&) = delete;

    void send(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::system_error(errno, std::generic_category(), "send");
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    /// Reads what is available within the deadline; nullopt on timeout, "" on EOF.
    std::optional<std::string> read_some(std::chrono::steady_clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) {
            return std::nullopt;
        }
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return std::string();  // EOF or reset: the server closed
        return std::string(buf, static_cast<std::size_t>(n));
    }

    /// True if the server closes the connection before the deadline (after any pending data).
    bool closed_by_server(std::chrono::milliseconds within = io_deadline) {
        const auto deadline = std::chrono::steady_clock::now() + within;
        while (true) {
            auto got = read_some(deadline);
            if (!got) return false;
            if (got->empty()) return true;
        }
    }

    struct response {
        int status = 0;
        std::string headers;  // raw, lower-cased names are not normalised
        std::string body;
        std::string header(std::string_view name) const {
            const auto at = headers.find(std::string(name) + ": ");
            if (at == std::string::npos) return {};
            const auto start = at + name.size() + 2;
            return headers.substr(start, headers.find("\r\n", start) - start);
        }
    };

    /// Reads one complete response (Content-Length framed). Throws on timeout or early EOF.
    response read_response(bool head = false) {
        const auto deadline = std::chrono::steady_clock::now() + io_deadline;
        while (true) {
            const auto end = pending_.find("\r\n\r\n");
            if (end != std::string::npos) {
                response r;
                r.headers = pending_.substr(0, end + 2);
                r.status = std::stoi(r.headers.substr(9, 3));
                const auto length = r.header("Content-Length");
                const std::size_t n = head || length.empty() ? 0 : std::stoul(length);
                if (pending_.size() >= end + 4 + n) {
                    r.body = pending_.substr(end + 4, n);
                    pending_.erase(0, end + 4 + n);
                    return r;
                }
            }
            auto got = read_some(deadline);
            if (!got) throw std::runtime_error("timeout waiting for a response");
            if (got->empty()) throw std::runtime_error("connection closed before a full response");
            pending_ += *got;
        }
    }

    response request(std::string_view method, std::string_view target,
                     std::string_view extra_headers = "") {
        send(std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
             std::string(extra_headers) + "\r\n");
        return read_response(method == "HEAD");
    }

  private:
    int fd_ = -1;
    std::string pending_;
};

/// One GET on a fresh connection (`Connection: close`). Throws std::system_error when nothing
/// listens, std::runtime_error on a timeout.
inline http_client::response http_get(std::uint16_t port, std::string_view target) {
    http_client c(port);
    return c.request("GET", target, "Connection: close\r\n");
}

}  // namespace flowbridge::test
