#pragma once

// A tiny HTTP/1.1 server on 127.0.0.1 (random port) for the identity tests: one thread, one
// request per connection (Connection: close), plain POSIX sockets. Records every request and
// answers with what the test's handler returns. Every wait has a deadline.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flowbridge::testing {

struct http_request_seen {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::chrono::steady_clock::time_point at;
};

struct http_reply {
    int status = 200;
    std::string body;
};

class loopback_http_server {
  public:
    using handler = std::function<http_reply(const http_request_seen&, std::size_t index)>;

    explicit loopback_http_server(handler h) : handler_(std::move(h)) {
        listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(listen_, 16);
        socklen_t len = sizeof a;
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~loopback_http_server() {
        stop_ = true;
        thread_.join();
        ::close(listen_);
    }

    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::uint16_t port() const { return port_; }

    /// Waits until at least `n` requests were answered, up to `timeout`.
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return seen_cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    }
    std::vector<http_request_seen> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return requests_.size();
    }

  private:
    static bool read_request(int fd, http_request_seen& r) {
        std::string data;
        char buf[4096];
        std::size_t header_end = std::string::npos;
        std::size_t content_length = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (;;) {
            if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length)
                break;
            pollfd p{fd, POLLIN, 0};
            if (std::chrono::steady_clock::now() > deadline || ::poll(&p, 1, 100) < 0) return false;
            if (!(p.revents & POLLIN)) continue;
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return false;
            data.append(buf, static_cast<std::size_t>(n));
            if (header_end == std::string::npos) {
                header_end = data.find("\r\n\r\n");
                if (header_end != std::string::npos) {
                    std::size_t line_end = data.find("\r\n");
                    const std::string first = data.substr(0, line_end);
                    const auto sp1 = first.find(' ');
                    const auto sp2 = first.find(' ', sp1 + 1);
                    r.method = first.substr(0, sp1);
                    r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
                    std::size_t pos = line_end + 2;
                    while (pos < header_end) {
                        const auto e = data.find("\r\n", pos);
                        const std::string line = data.substr(pos, e - pos);
                        const auto colon = line.find(':');
                        std::string name = line.substr(0, colon);
                        for (auto& c : name) c = static_cast<char>(std::tolower(c));
                        std::string value = line.substr(colon + 1);
                        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                        r.headers[name] = value;
                        pos = e + 2;
                    }
                    if (auto it = r.headers.find("content-length"); it != r.headers.end())
                        content_length = std::stoul(it->second);
                }
            }
        }
        r.body = data.substr(header_end + 4, content_length);
        return true;
    }

    void run() {
        while (!stop_) {
            pollfd p{listen_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept(listen_, nullptr, nullptr);
            if (fd < 0) continue;
            http_request_seen r;
            if (read_request(fd, r)) {
                r.at = std::chrono::steady_clock::now();
                std::size_t index;
                {
                    std::lock_guard lock(mutex_);
                    index = answered_++;
                }
                const http_reply reply = handler_(r, index);
                const std::string text =
                    "HTTP/1.1 " + std::to_string(reply.status) +
                    " X\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
                    reply.body;
                (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
                {
                    std::lock_guard lock(mutex_);
                    requests_.push_back(std::move(r));
                }
                seen_cv_.notify_all();
            }
            ::close(fd);
        }
    }

    handler handler_;
    int listen_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable seen_cv_;
    std::vector<http_request_seen> requests_;
    std::size_t answered_ = 0;
};

/// A token endpoint answer.
inline std::string token_json(const std::string& token, int expires_in) {
    return "{\"access_token\":\"" + token + "\",\"expires_in\":\"" + std::to_string(expires_in) +
           "\",\"token_type\":\"Bearer\"}";
}

}  // namespace flowbridge::testing
