#pragma once

// Helpers of the MQTT session integration tests: driving an event loop until a condition holds,
// owned copies of received messages, a recording TCP proxy (to see what the client puts on the
// wire: PUBACK order, CONNECT contents) and a scripted fake broker (to send malformed input).

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <poll.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "tests/integration/mqtt/mosquitto_broker.h"
#include "transports/mqtt/codec.h"
#include "transports/mqtt/session.h"

namespace flowbridge::test {

/// Runs `loop` until `condition` holds or `deadline` passes.
inline bool run_until(mqtt::event_loop& loop, const std::function<bool()>& condition,
                      milliseconds deadline = milliseconds(10'000)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) return condition();
        loop.run_one_for(milliseconds(5));
    }
    return true;
}

/// A received message with its bytes copied, for checks after it was completed.
struct owned_message {
    std::string topic, payload;
    qos qos_level = qos::at_most_once;
    bool dup = false, retain = false;
    std::uint16_t packet_id = 0;
    delivery_tag tag;
    std::optional<std::uint8_t> payload_format;
    std::optional<std::uint32_t> expiry;
    std::optional<std::string> content_type, response_topic, correlation_data;
    std::vector<std::pair<std::string, std::string>> user_properties;

    explicit owned_message(const mqtt_message& m)
        : topic(m.topic), payload(m.payload), qos_level(m.qos_level), dup(m.dup), retain(m.retain),
          packet_id(m.packet_id), tag(m.tag) {
        const auto& p = m.properties;
        if (p.has(publish_properties::has_payload_format)) payload_format = p.payload_format_indicator;
        if (p.has(publish_properties::has_message_expiry)) expiry = p.message_expiry_interval;
        if (p.has(publish_properties::has_content_type)) content_type = std::string(p.content_type);
        if (p.has(publish_properties::has_response_topic)) response_topic = std::string(p.response_topic);
        if (p.has(publish_properties::has_correlation_data)) correlation_data = std::string(p.correlation_data);
        for (const auto& u : p.user_properties()) user_properties.emplace_back(u.name, u.value);
    }
};

inline int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline int listen_loopback(std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::runtime_error("cannot listen on loopback");
    }
    port = ntohs(a.sin_port);
    return fd;
}

/// Accepts with a timeout; -1 on timeout or when `stop` is set.
inline int accept_for(int listen_fd, const std::atomic<bool>& stop, milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!stop && std::chrono::steady_clock::now() < until) {
        pollfd p{listen_fd, POLLIN, 0};
        if (::poll(&p, 1, 20) == 1) return ::accept(listen_fd, nullptr, nullptr);
    }
    return -1;
}

/// A TCP proxy on a loopback port in front of the broker that records every complete packet
/// the client sends, across connections.
class recording_proxy {
public:
    explicit recording_proxy(std::uint16_t upstream) : upstream_(upstream) {
        listen_fd_ = listen_loopback(port_);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~recording_proxy() {
        stop_ = true;
        acceptor_.join();
        {
            std::lock_guard lock(m_);
            for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
        }
        for (auto& t : pumps_) t.join();
        for (int fd : fds_) ::close(fd);
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }

    std::vector<std::string> packets() {
        std::lock_guard lock(m_);
        return packets_;
    }
    std::vector<std::string> packets_of(mqtt::packet_type type) {
        std::vector<std::string> out;
        for (auto& p : packets()) {
            if (mqtt::frame_packet(p).type == type) out.push_back(p);
        }
        return out;
    }
    std::vector<std::uint16_t> puback_ids() {
        std::vector<std::uint16_t> ids;
        for (auto& p : packets_of(mqtt::packet_type::puback)) {
            mqtt::publish_response r;
            if (mqtt::decode_publish_response(p, r) == mqtt_reason::success) ids.push_back(r.packet_id);
        }
        return ids;
    }
    /// Cuts every connection (both sides see EOF), as a network failure would.
    void cut() {
        std::lock_guard lock(m_);
        for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }

private:
    void accept_loop() {
        while (!stop_) {
            const int client = accept_for(listen_fd_, stop_, milliseconds(100));
            if (client < 0) continue;
            const int up = connect_loopback(upstream_);
            if (up < 0) {
                ::close(client);
                continue;
            }
            std::lock_guard lock(m_);
            fds_.push_back(client);
            fds_.push_back(up);
            pumps_.emplace_back([this, client, up] { pump(client, up, true); });
            pumps_.emplace_back([this, client, up] { pump(up, client, false); });
        }
    }
    void pump(int from, int to, bool record) {
        std::string pending;
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(from, buf, sizeof buf);
            if (n <= 0) break;
            if (record) {
                pending.append(buf, static_cast<std::size_t>(n));
                for (;;) {
                    const auto f = mqtt::frame_packet(pending);
                    if (f.status != mqtt::frame_status::complete) break;
                    std::lock_guard lock(m_);
                    packets_.push_back(pending.substr(0, f.size));
                    pending.erase(0, f.size);
                }
            }
            ssize_t off = 0;
            while (off < n) {
                // MSG_NOSIGNAL: the other side may have closed already (a broker refusing the
                // CONNECT); a plain write would kill the test process with SIGPIPE.
                const ssize_t w = ::send(to, buf + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
                if (w <= 0) break;
                off += w;
            }
        }
        ::shutdown(to, SHUT_RDWR);
        ::shutdown(from, SHUT_RDWR);
    }

    std::uint16_t upstream_;
    std::uint16_t port_ = 0;
    int listen_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread acceptor_;
    std::mutex m_;
    std::vector<int> fds_;
    std::vector<std::thread> pumps_;
    std::vector<std::string> packets_;
};

/// A scripted broker: for each connection, reads the CONNECT, writes `reply` (e.g. a CONNACK
/// and then malformed bytes), and records the reason code of the DISCONNECT the client sends
/// (-1: none before EOF).
class fake_broker {
public:
    explicit fake_broker(std::string reply) : reply_(std::move(reply)) {
        listen_fd_ = listen_loopback(port_);
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_broker() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    std::uint16_t port() const { return port_; }
    std::vector<int> disconnect_reasons() {
        std::lock_guard lock(m_);
        return reasons_;
    }
    std::vector<std::string> connects() {
        std::lock_guard lock(m_);
        return connects_;
    }

private:
    // Reads one whole packet (up to 2 s); empty on EOF/timeout.
    static std::string read_packet(int fd, std::string& pending) {
        const auto until = std::chrono::steady_clock::now() + milliseconds(2000);
        for (;;) {
            const auto f = mqtt::frame_packet(pending);
            if (f.status == mqtt::frame_status::complete) {
                std::string p = pending.substr(0, f.size);
                pending.erase(0, f.size);
                return p;
            }
            if (std::chrono::steady_clock::now() >= until) return {};
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) != 1) continue;
            char buf[4096];
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) return {};
            pending.append(buf, static_cast<std::size_t>(n));
        }
    }
    void serve() {
        while (!stop_) {
            const int fd = accept_for(listen_fd_, stop_, milliseconds(100));
            if (fd < 0) continue;
            std::string pending;
            const std::string connect = read_packet(fd, pending);
            {
                std::lock_guard lock(m_);
                connects_.push_back(connect);
            }
            [[maybe_unused]] ssize_t w = ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
            int reason = -1;
            for (;;) {
                const std::string p = read_packet(fd, pending);
                if (p.empty()) break;
                if (mqtt::frame_packet(p).type == mqtt::packet_type::disconnect) {
                    mqtt::disconnect_packet d;
                    if (mqtt::decode_disconnect(p, d) == mqtt_reason::success) {
                        reason = static_cast<int>(d.reason_code);
                    }
                    break;
                }
            }
            ::close(fd);
            std::lock_guard lock(m_);
            reasons_.push_back(reason);
        }
    }

    std::string reply_;
    std::uint16_t port_ = 0;
    int listen_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex m_;
    std::vector<int> reasons_;
    std::vector<std::string> connects_;
};

}  // namespace flowbridge::test
