// The Boost.Asio side of the MQTT transport: event_loop and session. This is the only translation
// unit of the transport that includes Asio (builds are the bottleneck; see event_loop.h).
//
// Style: completion handlers (callbacks), not coroutines — see docs/mqtt.md "Design".
#include "transports/mqtt/session.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "transports/mqtt/puback_window.h"
#include "transports/mqtt/received_queue.h"

namespace flowbridge::mqtt {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using boost::system::error_code;

// --- event_loop ----------------------------------------------------------------------------------

struct event_loop::impl {
    // One thread at a time runs this context and touches its sockets and timers (the loop's
    // contract), name resolution is synchronous and there is no signal_set: Asio's UNSAFE hint,
    // which drops the scheduler and reactor locks (a lock and an unlock per poll and per socket
    // operation on the shard thread's hot path, ~2 % of it at line rate).
    asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    // Destroyed before `io`: their pending waits are cancelled and never run.
    std::vector<std::unique_ptr<asio::posix::stream_descriptor>> watched;

    static void arm(asio::posix::stream_descriptor* d) {
        d->async_wait(asio::posix::stream_descriptor::wait_read, [d](const error_code& e) {
            if (e) return;  // cancelled: the loop is going away
            char buf[256];
            for (;;) {
                const ssize_t n = ::read(d->native_handle(), buf, sizeof buf);
                if (n > 0) continue;
                if (n == 0) return;  // the writer is gone: nothing more to watch
                if (errno == EINTR) continue;
                break;  // EAGAIN: drained
            }
            arm(d);
        });
    }
};

event_loop::event_loop() : impl_(std::make_unique<impl>()) {}
event_loop::~event_loop() = default;
std::size_t event_loop::poll() { return impl_->io.poll(); }
std::size_t event_loop::run_one_for(std::chrono::nanoseconds timeout) {
    return impl_->io.run_one_for(timeout);
}
std::size_t event_loop::run_for(std::chrono::nanoseconds duration) {
    return impl_->io.run_for(duration);
}
bool event_loop::watch(int fd) {
    const int own = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (own < 0) return false;
    error_code ec;
    auto d = std::make_unique<asio::posix::stream_descriptor>(impl_->io);
    d->assign(own, ec);
    if (!ec) d->non_blocking(true, ec);
    if (ec) {
        if (!d->is_open()) ::close(own);
        return false;
    }
    impl::arm(d.get());
    impl_->watched.push_back(std::move(d));
    return true;
}

// --- names ---------------------------------------------------------------------------------------

std::string_view to_string(session_state s) noexcept {
    switch (s) {
        case session_state::idle: return "idle";
        case session_state::connecting: return "connecting";
        case session_state::ready: return "ready";
        case session_state::waiting: return "waiting";
        case session_state::stopping: return "stopping";
        case session_state::stopped: return "stopped";
    }
    return "?";
}

std::string_view to_string(session_event::kind k) noexcept {
    using K = session_event::kind;
    switch (k) {
        case K::connected: return "connected";
        case K::connect_failed: return "connect_failed";
        case K::subscribed: return "subscribed";
        case K::subscribe_failed: return "subscribe_failed";
        case K::connection_lost: return "connection_lost";
        case K::disconnected_by_server: return "disconnected_by_server";
        case K::protocol_violation: return "protocol_violation";
        case K::keep_alive_timeout: return "keep_alive_timeout";
        case K::redelivery_reconnect: return "redelivery_reconnect";
        case K::reauthenticated: return "reauthenticated";
        case K::stopped: return "stopped";
    }
    return "?";
}

std::string normalize_topic_filter(std::string_view filter) {
    constexpr std::string_view alias = "$shared/";
    if (filter.starts_with(alias)) {
        return std::string("$share/").append(filter.substr(alias.size()));
    }
    return std::string(filter);
}

namespace {

constexpr std::string_view k8s_sat_method = "K8S-SAT";
constexpr std::string_view oauth_jwt_method = "OAUTH2-JWT";
// Below this much free space at the end of a chunk, the next read goes into a fresh chunk.
constexpr std::size_t min_read_space = 4096;
constexpr std::size_t spare_chunks_kept = 4;

bool is_ip_literal(const std::string& host) {
    error_code ec;
    (void)asio::ip::make_address(host, ec);
    return !ec;
}

std::string read_file(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ok = false;
        return {};
    }
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    // A token file often ends with a newline that is not part of the token.
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    ok = true;
    return text;
}

}  // namespace

// --- session::impl -------------------------------------------------------------------------------

struct session::impl : std::enable_shared_from_this<session::impl> {
    // A block of received bytes. Packets never straddle two chunks: a partial packet at the end
    // of a chunk moves to the next one. `refs` counts messages in the window whose views point
    // here; a chunk returns to the spare list when it is no longer read into and refs is 0.
    struct chunk {
        std::unique_ptr<char[]> data;
        std::size_t capacity = 0;
        std::size_t begin = 0;  // first byte not yet framed
        std::size_t end = 0;    // bytes read
        std::uint32_t refs = 0;
        bool sealed = false;  // no longer read into
    };

    // One network connection (TCP or TLS) and its write state. Handlers hold it by shared_ptr,
    // so a retired connection's pending operations complete safely after a new one exists.
    struct connection {
        explicit connection(asio::io_context& io) : linger(io) {}
        std::optional<tcp::socket> plain;
        std::optional<asio::ssl::stream<tcp::socket>> tls;
        asio::steady_timer linger;  // closes a retired connection whose last write hangs
        std::string writing;        // bytes of the write in progress
        std::vector<std::uint64_t> writing_tokens;  // QoS 0 publishes in that write
        std::string final_bytes;                    // DISCONNECT to write before closing
        bool write_in_progress = false;
        bool retired = false;
        bool closed = false;

        tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }
        void close() {
            if (closed) return;
            closed = true;
            linger.cancel();
            if (!tls && !plain) return;  // failed before a socket existed
            error_code ec;
            lowest().shutdown(tcp::socket::shutdown_both, ec);
            lowest().close(ec);
        }
    };

    // A QoS 1 publish held until its PUBACK: the encoded bytes, resent with DUP after a reconnect.
    struct outgoing {
        std::string bytes;
        std::uint64_t token = 0;
        std::uint16_t packet_id = 0;
        bool sent = false;
        bool acked = false;
    };

    impl(event_loop& loop, session_options o, publish_listener* l, event_handler h)
        : io(loop.internals().io),
          options(std::move(o)),
          listener(l),
          on_event(std::move(h)),
          connect_timer(io),
          reconnect_timer(io),
          tick_timer(io),
          stop_timer(io),
          retry(options.reconnect, options.jitter_seed),
          window(std::max<std::size_t>(256, options.receive_maximum * 2u)) {
        if (options.client_id.empty()) {
            throw std::invalid_argument("mqtt session: client id is empty (SPEC §4 requires a "
                                        "deterministic one)");
        }
        if (options.receive_maximum == 0) options.receive_maximum = 1;
        if (options.publish_window == 0) options.publish_window = 1;
        if (options.maximum_packet_size == 0) options.maximum_packet_size = max_packet_size;
        if (options.receive_chunk_size < 2 * min_read_space) {
            options.receive_chunk_size = 2 * min_read_space;
        }
        for (auto& s : options.subscriptions) {
            s.filter = normalize_topic_filter(s.filter);
            if (!is_valid_topic_filter(s.filter)) {
                throw std::invalid_argument("mqtt session: invalid topic filter '" + s.filter + "'");
            }
            if (is_shared_subscription(s.filter)) s.no_local = false;  // [MQTT-3.8.3-4]
            if (s.maximum_qos == qos::exactly_once) s.maximum_qos = qos::exactly_once;
        }
        if (options.auth.method == auth_method::k8s_sat && options.auth.token_file.empty()) {
            throw std::invalid_argument("mqtt session: K8S-SAT authentication needs a token file");
        }
        if (options.auth.method == auth_method::oauth_jwt && !options.auth.token_provider) {
            throw std::invalid_argument("mqtt session: OAUTH2-JWT authentication needs a token "
                                        "provider");
        }
        if (options.tls.enabled) make_tls_context();
        outgoing_ring.resize(options.publish_window);
        ids_in_use.assign(65536 / 64, 0);
        ids_in_use[0] |= 1;  // Packet Identifier 0 is never used (MQTT v5 §2.2.1)
        cur = new_chunk(options.receive_chunk_size);
    }

    ~impl() = default;

    // ---- state ----------------------------------------------------------------------------------
    asio::io_context& io;
    session_options options;
    publish_listener* listener;
    event_handler on_event;
    std::optional<asio::ssl::context> ssl_ctx;

    session_state st = session_state::idle;
    std::shared_ptr<connection> conn;  // the current connection, if any
    bool connack_received = false;
    bool subscribed_ok = false;  // every filter granted on some connection of this process
    std::uint16_t subscribe_id = 0;
    bool stopping = false;
    mqtt_reason stop_reason = mqtt_reason::success;

    asio::steady_timer connect_timer;
    asio::steady_timer reconnect_timer;
    asio::steady_timer tick_timer;
    asio::steady_timer stop_timer;
    backoff retry;
    steady::time_point connected_at{};

    // Server limits from the last CONNACK (MQTT v5 §3.2.2.3).
    std::uint32_t peer_max_packet = max_packet_size;
    std::uint16_t peer_receive_max = 65535;
    std::uint8_t peer_max_qos = 2;
    bool peer_retain_available = true;
    std::chrono::milliseconds keep_alive{0};
    std::chrono::milliseconds ping_timeout{0};

    // Keep-alive (MQTT v5 §3.1.2.10).
    steady::time_point last_send{};
    steady::time_point last_receive{};
    steady::time_point ping_sent_at{};
    bool ping_outstanding = false;
    steady::time_point last_reauth{};

    // Receive side.
    std::vector<std::unique_ptr<chunk>> chunks;  // every chunk, in use or spare
    std::vector<chunk*> spare;
    chunk* cur = nullptr;
    std::size_t buffered_bytes = 0;  // capacity of chunks in use
    std::size_t need = 0;            // size of a partial packet that does not fit `cur`
    bool reading = false;
    bool stalled = false;  // an unframed PUBLISH waits for Receive Maximum room
    // Every message from receipt to release, in arrival order: the receive chunk its bytes live
    // in (the decoded message itself waits in `received` until the engine takes it).
    puback_window<chunk*> window;
    received_queue<mqtt_message> received;  // decoded, not yet taken: window.undelivered() of them
    bool ack_posted = false;
    std::string ack_scratch;

    // Send side.
    std::string out;  // packets waiting for the next write
    std::vector<std::uint64_t> qos0_tokens;  // QoS 0 publishes in `out`
    bool flush_posted = false;
    std::vector<outgoing> outgoing_ring;
    std::size_t outgoing_head = 0;
    std::size_t outgoing_count = 0;
    std::vector<std::uint64_t> ids_in_use;
    std::uint16_t next_id = 1;

    // Strings CONNECT/AUTH point into while they are encoded.
    std::string token;

    session_counters counters;

    // ---- helpers --------------------------------------------------------------------------------
    void emit(session_event::kind k, mqtt_reason r = mqtt_reason::success,
              std::string_view detail = {}, bool session_present = false) {
        if (on_event) on_event(session_event{k, r, session_present, detail});
    }

    void make_tls_context() {
        ssl_ctx.emplace(asio::ssl::context::tls_client);
        auto& ctx = *ssl_ctx;
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
        error_code ec;
        if (!options.tls.ca_pem.empty()) {
            ctx.add_certificate_authority(asio::buffer(options.tls.ca_pem), ec);
            if (ec) {
                throw std::invalid_argument("mqtt session: TLS CA bundle is not valid PEM: " +
                                            ec.message());
            }
        } else {
            ctx.set_default_verify_paths(ec);
        }
        if (!options.tls.client_certificate_pem.empty()) {
            ctx.use_certificate_chain(asio::buffer(options.tls.client_certificate_pem), ec);
            if (ec) {
                throw std::invalid_argument("mqtt session: TLS client certificate is not valid "
                                            "PEM: " + ec.message());
            }
            ctx.use_private_key(asio::buffer(options.tls.client_key_pem),
                                asio::ssl::context::pem, ec);
            if (ec) {
                // Never print the key itself (SPEC §8).
                throw std::invalid_argument("mqtt session: TLS client key is not valid PEM "
                                            "or does not match the certificate: " + ec.message());
            }
        }
        ctx.set_verify_mode(options.tls.verify_peer ? asio::ssl::verify_peer
                                                    : asio::ssl::verify_none);
    }

    chunk* new_chunk(std::size_t capacity) {
        chunk* c = nullptr;
        if (capacity == options.receive_chunk_size && !spare.empty()) {
            c = spare.back();
            spare.pop_back();
        } else {
            auto owned = std::make_unique<chunk>();
            // Not zeroed: the socket writes every byte before it is read (a zeroed 256 KiB
            // chunk was 2 % of the shard thread at 1 KiB messages).
            owned->data = std::make_unique_for_overwrite<char[]>(capacity);
            owned->capacity = capacity;
            c = owned.get();
            chunks.push_back(std::move(owned));
        }
        c->begin = c->end = 0;
        c->refs = 0;
        c->sealed = false;
        buffered_bytes += c->capacity;
        return c;
    }

    void recycle(chunk* c) {
        buffered_bytes -= c->capacity;
        if (c->capacity == options.receive_chunk_size && spare.size() < spare_chunks_kept) {
            spare.push_back(c);
            return;
        }
        auto it = std::find_if(chunks.begin(), chunks.end(),
                               [c](const std::unique_ptr<chunk>& p) { return p.get() == c; });
        if (it != chunks.end()) chunks.erase(it);
    }

    // Starts reading into a fresh chunk, carrying over the unframed bytes of `cur` (a partial
    // packet) when `carry` is set.
    void rotate_chunk(bool carry) {
        chunk* old = cur;
        const std::size_t partial = carry ? old->end - old->begin : 0;
        const std::size_t capacity = std::max(options.receive_chunk_size, need + min_read_space);
        chunk* fresh = new_chunk(capacity);
        if (partial != 0) std::memcpy(fresh->data.get(), old->data.get() + old->begin, partial);
        fresh->end = partial;
        old->sealed = true;
        cur = fresh;
        need = 0;
        if (old->refs == 0) recycle(old);
    }

    bool read_paused() const noexcept {
        return stalled || window.undelivered() >= options.max_undelivered ||
               buffered_bytes > options.max_buffered_bytes;
    }

    // ---- connecting -----------------------------------------------------------------------------
    void start() {
        if (st != session_state::idle) return;
        connect();
    }

    void connect() {
        if (stopping) return;
        st = session_state::connecting;
        counters.connect_attempts.add();
        connack_received = false;
        auto c = std::make_shared<connection>(io);
        conn = c;

        error_code ec;
        tcp::resolver::results_type endpoints;
        {
            // Synchronous resolution: Asio's async_resolve runs getaddrinfo on a hidden thread,
            // and the transport starts none. An IP literal (the usual case) never blocks.
            tcp::resolver resolver(io);
            endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
        }
        if (ec) {
            connect_failed(mqtt_reason::unspecified_error, "resolve " + options.host + ": " + ec.message());
            return;
        }
        if (ssl_ctx) {
            c->tls.emplace(io, *ssl_ctx);
            const std::string& name =
                options.tls.server_name.empty() ? options.host : options.tls.server_name;
            SSL* ssl = c->tls->native_handle();
            const bool ip = is_ip_literal(name);
            if (!ip) SSL_set_tlsext_host_name(ssl, name.c_str());
            if (options.tls.verify_peer) {
                X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
                X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                                  : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
                if (ok != 1) {
                    connect_failed(mqtt_reason::unspecified_error,
                                   "TLS: cannot verify against name " + name);
                    return;
                }
            }
        } else {
            c->plain.emplace(io);
        }

        connect_timer.expires_after(options.connect_timeout);
        connect_timer.async_wait([self = shared_from_this(), c](const error_code& e) {
            if (e || c != self->conn || self->connack_received) return;
            self->connect_failed(mqtt_reason::unspecified_error, "connect timeout");
        });

        asio::async_connect(c->lowest(), endpoints,
                            [self = shared_from_this(), c](const error_code& e, const tcp::endpoint&) {
                                self->on_tcp_connected(c, e);
                            });
    }

    void on_tcp_connected(const std::shared_ptr<connection>& c, const error_code& e) {
        if (c != conn || c->closed) return;
        if (e) {
            connect_failed(mqtt_reason::unspecified_error, "TCP connect: " + e.message());
            return;
        }
        error_code ignored;
        c->lowest().set_option(tcp::no_delay(true), ignored);
        if (c->tls) {
            c->tls->async_handshake(asio::ssl::stream_base::client,
                                    [self = shared_from_this(), c](const error_code& he) {
                                        if (c != self->conn || c->closed) return;
                                        if (he) {
                                            self->connect_failed(mqtt_reason::unspecified_error,
                                                                 "TLS handshake: " + he.message());
                                            return;
                                        }
                                        self->send_connect();
                                    });
        } else {
            send_connect();
        }
    }

    // Fills `token` for the configured authentication; false (and a connect failure) if it
    // cannot be had.
    bool load_token() {
        if (options.auth.method == auth_method::k8s_sat) {
            bool ok = false;
            token = read_file(options.auth.token_file, ok);
            if (!ok) {
                connect_failed(mqtt_reason::unspecified_error,
                               "K8S-SAT: cannot read token file " + options.auth.token_file);
                return false;
            }
        } else if (options.auth.method == auth_method::oauth_jwt) {
            try {
                token = options.auth.token_provider();
            } catch (const std::exception& ex) {
                connect_failed(mqtt_reason::unspecified_error,
                               std::string("OAUTH2-JWT: token provider failed: ") + ex.what());
                return false;
            }
        }
        return true;
    }

    std::optional<std::string_view> auth_method_name() const {
        if (options.auth.method == auth_method::k8s_sat) return k8s_sat_method;
        if (options.auth.method == auth_method::oauth_jwt) return oauth_jwt_method;
        return std::nullopt;
    }

    void send_connect() {
        // A fresh connection reads into a fresh buffer; bytes of the old one are meaningless.
        need = 0;
        if (cur->refs == 0) {
            cur->begin = cur->end = 0;
        } else {
            cur->begin = cur->end;
            rotate_chunk(false);
        }
        out.clear();
        fail_qos0_tokens();

        if (!load_token()) return;
        connect_packet p;
        p.clean_start = options.clean_start;
        p.keep_alive = options.keep_alive_seconds;
        p.client_id = options.client_id;
        p.session_expiry_interval = options.session_expiry_seconds;
        if (options.receive_maximum != 65535) p.receive_maximum = options.receive_maximum;
        if (options.maximum_packet_size != max_packet_size) {
            p.maximum_packet_size = options.maximum_packet_size;
        }
        switch (options.auth.method) {
            case auth_method::anonymous:
            case auth_method::x509: break;
            case auth_method::username_password:
                p.username = options.auth.username;
                p.password = options.auth.password;
                break;
            case auth_method::k8s_sat:
                // SPEC §2.2: enhanced authentication, the token as Authentication Data.
                p.authentication_method = k8s_sat_method;
                p.authentication_data = token;
                break;
            case auth_method::oauth_jwt:
                // SPEC §2.2: the managed identity token as the password, method OAUTH2-JWT.
                if (!options.auth.username.empty()) p.username = options.auth.username;
                p.password = token;
                p.authentication_method = oauth_jwt_method;
                break;
        }
        const mqtt_reason r = encode(p, out);
        if (r != mqtt_reason::success) {
            connect_failed(r, "CONNECT cannot be encoded");
            return;
        }
        last_receive = steady::now();
        flush();
        start_read();
    }

    void connect_failed(mqtt_reason r, const std::string& detail) {
        counters.connect_failures.add();
        retire_connection({});
        emit(session_event::kind::connect_failed, r, detail);
        schedule_reconnect();
    }

    void schedule_reconnect() {
        if (stopping) {
            finish_stop();
            return;
        }
        st = session_state::waiting;
        if (connected_at != steady::time_point{} &&
            steady::now() - connected_at >= retry.options().stable_after) {
            retry.reset();
        }
        connected_at = {};
        reconnect_timer.expires_after(retry.next());
        reconnect_timer.async_wait([self = shared_from_this()](const error_code& e) {
            if (e || self->stopping || self->st != session_state::waiting) return;
            self->connect();
        });
    }

    // Ends the current connection: writes `final_bytes` (a DISCONNECT) first if given. Messages
    // received on it can no longer be acknowledged; QoS 1 publishes will be resent with DUP.
    void retire_connection(std::string final_bytes) {
        connect_timer.cancel();
        tick_timer.cancel();
        ping_outstanding = false;
        window.detach();
        fail_qos0_tokens();
        out.clear();
        std::shared_ptr<connection> c = std::move(conn);
        conn.reset();
        connack_received = false;
        reading = false;  // a read still pending on `c` completes into nothing (c != conn)
        stalled = false;
        if (!c || c->closed) return;
        c->retired = true;
        if (final_bytes.empty()) {
            c->close();
            return;
        }
        c->final_bytes = std::move(final_bytes);
        c->linger.expires_after(options.disconnect_timeout);
        c->linger.async_wait([c](const error_code& e) {
            if (!e) c->close();
        });
        if (!c->write_in_progress) write_final(c);
    }

    void write_final(const std::shared_ptr<connection>& c) {
        c->writing.swap(c->final_bytes);
        c->write_in_progress = true;
        async_write(c, [self = shared_from_this(), c](const error_code&, std::size_t) {
            c->write_in_progress = false;
            c->close();
            if (self->stopping && self->st == session_state::stopping) self->finish_stop();
        });
    }

    // Closes the connection after telling the broker why (MQTT v5 §4.13: malformed input and
    // protocol errors close the connection with that reason code, SPEC §8).
    void protocol_failure(mqtt_reason r, std::string_view what) {
        if (r == mqtt_reason::malformed_packet) {
            counters.malformed_packets.add();
        } else if (r == mqtt_reason::packet_too_large) {
            counters.packets_too_large_in.add();
        } else {
            counters.protocol_errors.add();
        }
        counters.connection_losses.add();
        std::string bytes;
        if (connack_received) {
            disconnect_packet d;
            d.reason_code = r;
            if (encode(d, bytes) != mqtt_reason::success) bytes.clear();
        }
        retire_connection(std::move(bytes));
        emit(session_event::kind::protocol_violation, r, what);
        schedule_reconnect();
    }

    void connection_lost(const std::string& what) {
        if (!connack_received) {
            // E.g. TLS 1.3: the broker checks our certificate after our side of the handshake
            // finished, and closes instead of answering the CONNECT.
            connect_failed(mqtt_reason::unspecified_error, "before CONNACK: " + what);
            return;
        }
        counters.connection_losses.add();
        retire_connection({});
        emit(session_event::kind::connection_lost, mqtt_reason::unspecified_error, what);
        schedule_reconnect();
    }

    // ---- reading --------------------------------------------------------------------------------
    template <class Handler>
    void async_read_some(const std::shared_ptr<connection>& c, asio::mutable_buffer b, Handler&& h) {
        if (c->tls) {
            c->tls->async_read_some(b, std::forward<Handler>(h));
        } else {
            c->plain->async_read_some(b, std::forward<Handler>(h));
        }
    }

    void start_read() {
        if (reading || !conn || conn->closed || read_paused()) return;
        if (cur->capacity - cur->end < min_read_space || need > cur->capacity - cur->begin) {
            rotate_chunk(true);
        }
        reading = true;
        auto c = conn;
        async_read_some(c, asio::buffer(cur->data.get() + cur->end, cur->capacity - cur->end),
                        [self = shared_from_this(), c](const error_code& e, std::size_t n) {
                            self->on_read(c, e, n);
                        });
    }

    void on_read(const std::shared_ptr<connection>& c, const error_code& e, std::size_t n) {
        if (c != conn) return;  // a retired connection; `reading` belongs to the new one
        reading = false;
        if (e) {
            connection_lost(e == asio::error::eof ? "connection closed by the broker"
                                                  : "read: " + e.message());
            return;
        }
        counters.bytes_received.add(n);
        cur->end += n;
        last_receive = steady::now();
        if (!process()) return;
        start_read();
    }

    // Frames and handles every whole packet in `cur`. False if the connection was closed.
    bool process() {
        for (;;) {
            const std::string_view avail(cur->data.get() + cur->begin, cur->end - cur->begin);
            if (avail.empty()) {
                if (cur->refs == 0) cur->begin = cur->end = 0;  // reuse the chunk from its start
                return true;
            }
            const frame f = frame_packet(avail, options.maximum_packet_size);
            if (f.status == frame_status::incomplete) {
                need = f.size;  // 0 while the header is incomplete
                return true;
            }
            if (f.status != frame_status::complete) {
                protocol_failure(f.reason(), "framing");
                return false;
            }
            if (f.type == packet_type::publish && (f.flags & 0x06) != 0 && connack_received &&
                window.unacknowledged() >= options.receive_maximum) {
                // A QoS > 0 PUBLISH beyond our Receive Maximum (MQTT v5 §3.3.4, §4.9).
                // mosquitto 2.0.11 does this after a PUBACK when messages are queued for the
                // session; closing with 0x93 would only start a reconnect storm (it resends
                // them all), so we leave it unframed and stop reading until acknowledgements
                // make room: TCP back-pressure keeps the bound. Counted once per stall.
                if (!stalled) counters.receive_maximum_exceeded.add();
                stalled = true;
                return true;
            }
            const std::string_view packet = avail.substr(0, f.size);
            chunk* home = cur;
            cur->begin += f.size;
            if (!handle(f, packet, home)) return false;
        }
    }

    bool handle(const frame& f, std::string_view packet, chunk* home) {
        if (!connack_received && f.type != packet_type::connack && f.type != packet_type::auth &&
            f.type != packet_type::disconnect) {
            // MQTT v5 §3.2: the first packet from the server is CONNACK (or AUTH).
            protocol_failure(mqtt_reason::protocol_error, "packet before CONNACK");
            return false;
        }
        switch (f.type) {
            case packet_type::publish: return on_publish(packet, home);
            case packet_type::puback:
            case packet_type::pubrec:
            case packet_type::pubrel:
            case packet_type::pubcomp: return on_publish_response(packet);
            case packet_type::connack: return on_connack(packet);
            case packet_type::suback: return on_suback(packet);
            case packet_type::unsuback: {
                unsuback_packet u;
                const mqtt_reason r = decode_unsuback(packet, u);
                if (r != mqtt_reason::success) {
                    protocol_failure(r, "UNSUBACK");
                    return false;
                }
                return true;
            }
            case packet_type::pingresp: {
                pingresp_packet p;
                const mqtt_reason r = decode_pingresp(packet, p);
                if (r != mqtt_reason::success) {
                    protocol_failure(r, "PINGRESP");
                    return false;
                }
                ping_outstanding = false;
                return true;
            }
            case packet_type::disconnect: return on_disconnect(packet);
            case packet_type::auth: return on_auth(packet);
            case packet_type::connect:
            case packet_type::subscribe:
            case packet_type::unsubscribe:
            case packet_type::pingreq: break;
        }
        // Packets only a client sends (MQTT v5 §2.1.2).
        protocol_failure(mqtt_reason::protocol_error, to_string(f.type));
        return false;
    }

    bool on_publish(std::string_view packet, chunk* home) {
        // Decoded in place, into the cache-warm queue the engine takes from.
        mqtt_message& m = received.emplace_back();
        mqtt_reason r = decode_publish(packet, m);
        if (r != mqtt_reason::success) {
            received.pop_back();
            protocol_failure(r, "PUBLISH");
            return false;
        }
        if (m.properties.has(publish_properties::has_topic_alias)) {
            received.pop_back();
            // We announce no Topic Alias Maximum, i.e. 0 (MQTT v5 §3.1.2.11.5, §3.3.2.3.4).
            protocol_failure(mqtt_reason::topic_alias_invalid, "PUBLISH with a Topic Alias");
            return false;
        }
        ++home->refs;
        window.push(m.packet_id, m.qos_level, home);
        counters.messages_received.add();
        return true;
    }

    bool on_publish_response(std::string_view packet) {
        publish_response p;
        const mqtt_reason r = decode_publish_response(packet, p);
        if (r != mqtt_reason::success) {
            protocol_failure(r, "publish response");
            return false;
        }
        switch (p.type) {
            case packet_type::puback: on_puback(p.packet_id, p.reason_code); break;
            case packet_type::pubrel: {
                // QoS 2 receive, step 3 (MQTT v5 §4.3.3): we sent PUBREC when the engine was
                // done with the message, so the PUBREL is answered at once. Unknown identifiers
                // (a PUBREC sent on an earlier connection) are answered the same way.
                publish_response comp;
                comp.type = packet_type::pubcomp;
                comp.packet_id = p.packet_id;
                send(comp);
                break;
            }
            case packet_type::pubrec: {
                // We never publish QoS 2.
                publish_response rel;
                rel.type = packet_type::pubrel;
                rel.packet_id = p.packet_id;
                rel.reason_code = mqtt_reason::packet_identifier_not_found;
                send(rel);
                break;
            }
            default: break;  // PUBCOMP: we never send PUBREL for our own publishes
        }
        return true;
    }

    bool on_connack(std::string_view packet) {
        if (connack_received) {
            protocol_failure(mqtt_reason::protocol_error, "second CONNACK");
            return false;
        }
        connack_packet p;
        const mqtt_reason r = decode_connack(packet, p);
        if (r != mqtt_reason::success) {
            protocol_failure(r, "CONNACK");
            return false;
        }
        if (p.reason_code != mqtt_reason::success) {
            std::string detail = "CONNACK refused";
            if (p.reason_string) detail.append(": ").append(*p.reason_string);
            // Not a protocol error of the broker: it refused us. Close and retry with back-off.
            counters.connect_failures.add();
            retire_connection({});
            emit(session_event::kind::connect_failed, p.reason_code, detail);
            schedule_reconnect();
            return false;
        }
        connack_received = true;
        connect_timer.cancel();
        counters.connects.add();
        st = session_state::ready;
        connected_at = steady::now();
        peer_max_packet = p.maximum_packet_size.value_or(max_packet_size);
        peer_receive_max = p.receive_maximum.value_or(65535);
        peer_max_qos = p.maximum_qos.value_or(2);
        peer_retain_available = p.retain_available.value_or(1) != 0;
        const std::uint16_t ka = p.server_keep_alive.value_or(options.keep_alive_seconds);
        keep_alive = std::chrono::seconds(ka);  // MQTT v5 §3.2.2.3.14: the server's value wins
        ping_timeout = options.ping_timeout.count() > 0
                           ? options.ping_timeout
                           : std::chrono::milliseconds(keep_alive);
        ping_outstanding = false;
        last_reauth = steady::now();

        emit(session_event::kind::connected, mqtt_reason::success, {}, p.session_present);

        if (!p.session_present || !subscribed_ok) send_subscribe();
        resend_publishes(p.session_present);
        start_tick();
        flush();
        return conn != nullptr;
    }

    void send_subscribe() {
        if (options.subscriptions.empty()) return;
        subscribe_packet s;
        s.packet_id = subscribe_id = allocate_id();
        if (subscribe_id == 0) return;
        for (const auto& o : options.subscriptions) {
            s.subscriptions.push_back(subscription{o.filter, o.maximum_qos, o.no_local,
                                                   o.retain_as_published, o.retain_handling});
        }
        send(s);
    }

    bool on_suback(std::string_view packet) {
        suback_packet p;
        const mqtt_reason r = decode_suback(packet, p);
        if (r != mqtt_reason::success) {
            protocol_failure(r, "SUBACK");
            return false;
        }
        if (p.packet_id != subscribe_id || subscribe_id == 0) return true;  // not ours: ignore
        free_id(subscribe_id);
        subscribe_id = 0;
        bool ok = p.reason_codes.size() == options.subscriptions.size();
        for (std::size_t i = 0; i < p.reason_codes.size() && i < options.subscriptions.size(); ++i) {
            if (static_cast<std::uint8_t>(p.reason_codes[i]) >= 0x80) {
                ok = false;
                counters.subscribe_failures.add();
                emit(session_event::kind::subscribe_failed, p.reason_codes[i],
                     options.subscriptions[i].filter);
            }
        }
        if (ok) {
            subscribed_ok = true;
            emit(session_event::kind::subscribed);
            return true;
        }
        // A refused subscription would otherwise be silent: drop the connection and retry with
        // back-off, so the failure keeps showing in counters and events.
        subscribed_ok = false;
        counters.connection_losses.add();
        disconnect_packet d;
        d.reason_code = mqtt_reason::unspecified_error;
        std::string bytes;
        if (encode(d, bytes) != mqtt_reason::success) bytes.clear();
        retire_connection(std::move(bytes));
        schedule_reconnect();
        return false;
    }

    bool on_disconnect(std::string_view packet) {
        disconnect_packet p;
        const mqtt_reason r = decode_disconnect(packet, p);
        if (r != mqtt_reason::success) {
            protocol_failure(r, "DISCONNECT");
            return false;
        }
        counters.disconnects_by_server.add();
        counters.connection_losses.add();
        std::string detail;
        if (p.reason_string) detail.assign(*p.reason_string);
        retire_connection({});
        emit(session_event::kind::disconnected_by_server, p.reason_code, detail);
        schedule_reconnect();
        return false;
    }

    bool on_auth(std::string_view packet) {
        auth_packet p;
        const mqtt_reason r = decode_auth(packet, p);
        if (r != mqtt_reason::success) {
            protocol_failure(r, "AUTH");
            return false;
        }
        const auto method = auth_method_name();
        if (!method || (p.authentication_method && *p.authentication_method != *method)) {
            // MQTT v5 §4.12: AUTH only within the method we chose.
            protocol_failure(mqtt_reason::protocol_error, "AUTH for another method");
            return false;
        }
        if (p.reason_code == mqtt_reason::continue_authentication) {
            // The broker asks for more: answer with the (fresh) token again.
            if (!load_token()) return false;
            auth_packet a;
            a.reason_code = mqtt_reason::continue_authentication;
            a.authentication_method = *method;
            a.authentication_data = token;
            send(a);
            return true;
        }
        if (p.reason_code == mqtt_reason::success && connack_received) {
            emit(session_event::kind::reauthenticated);
            return true;
        }
        protocol_failure(mqtt_reason::protocol_error, "unexpected AUTH");
        return false;
    }

    // ---- acknowledgements -----------------------------------------------------------------------
    mqtt_message* take_in_place() noexcept {
        std::uint64_t seq = 0;
        if (window.take(seq) == nullptr) return nullptr;
        // The same message: both are in arrival order. Popped, the entry stays as it is until
        // the next PUBLISH is decoded into it — only in a read handler, when the loop runs.
        mqtt_message& m = received.front();
        received.pop_front();
        m.tag = delivery_tag{seq};
        // Asio never completes a read inside async_read_some: nothing is decoded before return.
        if (!reading && conn && !read_paused()) start_read();
        return &m;
    }

    void complete(delivery_tag tag, bool acknowledge) noexcept {
        if (window.complete(tag.value, acknowledge) !=
            puback_window<chunk*>::complete_result::ok) {
            counters.unknown_completions.add();
            return;
        }
        if (!ack_posted) {
            // Acknowledgements of one burst of completions leave in one write.
            ack_posted = true;
            asio::post(io, [self = shared_from_this()] {
                self->ack_posted = false;
                self->run_acks();
            });
        }
    }

    void run_acks() {
        const bool connected = conn && connack_received;
        const bool short_form_fits = peer_max_packet >= 4;
        std::uint64_t sent = 0;
        const auto result = window.drain([this, connected, short_form_fits, &sent](std::uint16_t id, qos q) {
            if (!connected) return;
            // Short form, Success (MQTT v5 §3.4.2.1): type, remaining length 2, packet id; PUBREC
            // for QoS 2 (§4.3.3). Written directly: one per message at line rate. (Packet ids
            // of QoS 1/2 messages are never 0: decode_publish rejects that.)
            if (short_form_fits) {
                const char bytes[4] = {static_cast<char>(q == qos::exactly_once ? 0x50 : 0x40), 0x02,
                                       static_cast<char>(id >> 8), static_cast<char>(id & 0xff)};
                out.append(bytes, sizeof bytes);
                ++sent;
                return;
            }
            publish_response a;
            a.type = q == qos::exactly_once ? packet_type::pubrec : packet_type::puback;
            a.packet_id = id;
            if (encode(a, out, peer_max_packet) == mqtt_reason::success) ++sent;
        });
        if (sent != 0) counters.acknowledgements_sent.add(sent);
        window.release([this](chunk* c) {
            if (--c->refs == 0 && c->sealed) recycle(c);
        });
        if (result == puback_window<chunk*>::drain_result::blocked) {
            // A failed message heads the window: later ones cannot be acknowledged before it
            // (MQTT v5 §4.6), and it cannot be acknowledged. Reconnect; the broker redelivers it
            // and everything after it (docs/mqtt.md "Acknowledgements").
            counters.redelivery_reconnects.add();
            counters.connection_losses.add();
            std::string bytes = std::move(out);
            out.clear();
            disconnect_packet d;
            d.reason_code = mqtt_reason::implementation_specific_error;
            (void)encode(d, bytes);
            retire_connection(std::move(bytes));
            emit(session_event::kind::redelivery_reconnect,
                 mqtt_reason::implementation_specific_error, "failed completion");
            schedule_reconnect();
            return;
        }
        flush();
        if (stalled && window.unacknowledged() < options.receive_maximum) {
            stalled = false;
            if (conn && !process()) return;
        }
        if (!reading && conn && !read_paused()) start_read();
    }

    // ---- writing --------------------------------------------------------------------------------
    template <class Handler>
    void async_write(const std::shared_ptr<connection>& c, Handler&& h) {
        if (c->tls) {
            asio::async_write(*c->tls, asio::buffer(c->writing), std::forward<Handler>(h));
        } else {
            asio::async_write(*c->plain, asio::buffer(c->writing), std::forward<Handler>(h));
        }
    }

    template <class Packet>
    void send(const Packet& p) {
        (void)encode(p, out, peer_max_packet);
        request_flush();
    }

    void request_flush() {
        if (flush_posted || !conn || conn->write_in_progress) return;
        flush_posted = true;
        asio::post(io, [self = shared_from_this()] {
            self->flush_posted = false;
            self->flush();
        });
    }

    void flush() {
        const auto c = conn;
        if (!c || c->closed || c->write_in_progress || out.empty()) return;
        c->writing.swap(out);
        out.clear();
        c->writing_tokens.swap(qos0_tokens);
        c->write_in_progress = true;
        last_send = steady::now();
        async_write(c, [self = shared_from_this(), c](const error_code& e, std::size_t n) {
            self->on_written(c, e, n);
        });
    }

    void on_written(const std::shared_ptr<connection>& c, const error_code& e, std::size_t n) {
        c->write_in_progress = false;
        counters.bytes_sent.add(n);
        for (const std::uint64_t t : c->writing_tokens) {
            if (listener) {
                listener->on_publish_complete(t, e ? mqtt_reason::unspecified_error
                                                   : mqtt_reason::success);
            }
        }
        c->writing_tokens.clear();
        c->writing.clear();
        if (c != conn) {
            // Retired while this write was in flight: its DISCONNECT goes now, then it closes.
            if (!c->final_bytes.empty() && !e && !c->closed) {
                write_final(c);
            } else {
                c->close();
            }
            return;
        }
        if (e) {
            connection_lost("write: " + e.message());
            return;
        }
        flush();
    }

    void fail_qos0_tokens() {
        for (const std::uint64_t t : qos0_tokens) {
            if (listener) listener->on_publish_complete(t, mqtt_reason::unspecified_error);
        }
        qos0_tokens.clear();
    }

    // ---- keep-alive -----------------------------------------------------------------------------
    void start_tick() {
        std::chrono::milliseconds period{1000};
        if (keep_alive.count() > 0) {
            period = std::min({period, keep_alive / 4, ping_timeout / 4});
        }
        if (options.reauthenticate_interval.count() > 0) {
            period = std::min(period, options.reauthenticate_interval / 4);
        }
        period = std::max(period, std::chrono::milliseconds(20));
        arm_tick(period);
    }

    void arm_tick(std::chrono::milliseconds period) {
        tick_timer.expires_after(period);
        tick_timer.async_wait([self = shared_from_this(), c = conn, period](const error_code& e) {
            if (e || c != self->conn || !self->connack_received) return;
            if (self->on_tick()) self->arm_tick(period);
        });
    }

    // False if the connection was closed.
    bool on_tick() {
        const auto now = steady::now();
        if (keep_alive.count() > 0) {
            if (ping_outstanding) {
                // Any byte since the PINGREQ proves the broker alive. While reading is paused
                // (back-pressure) we cannot know, so we do not judge.
                if (last_receive < ping_sent_at && !read_paused() && now - ping_sent_at >= ping_timeout) {
                    counters.keep_alive_timeouts.add();
                    counters.connection_losses.add();
                    retire_connection({});
                    emit(session_event::kind::keep_alive_timeout, mqtt_reason::keep_alive_timeout,
                         "no answer to PINGREQ");
                    schedule_reconnect();
                    return false;
                }
                if (last_receive >= ping_sent_at) ping_outstanding = false;
            }
            if (!ping_outstanding && (now - last_send >= keep_alive || now - last_receive >= keep_alive)) {
                // MQTT v5 §3.1.2.10: something must be sent within Keep Alive; a PINGREQ also
                // tests a broker that has been silent for as long.
                send(pingreq_packet{});
                ping_outstanding = true;
                ping_sent_at = now;
                last_send = now;
            }
        }
        if (options.reauthenticate_interval.count() > 0 &&
            now - last_reauth >= options.reauthenticate_interval) {
            reauthenticate();
        }
        return true;
    }

    void reauthenticate() {
        const auto method = auth_method_name();
        if (!method || !conn || !connack_received) return;
        last_reauth = steady::now();
        if (!load_token()) return;
        auth_packet a;
        a.reason_code = mqtt_reason::reauthenticate;  // MQTT v5 §4.12.1
        a.authentication_method = *method;
        a.authentication_data = token;
        send(a);
    }

    // ---- publishing -----------------------------------------------------------------------------
    std::uint16_t allocate_id() {
        for (std::uint32_t tries = 0; tries < 65535; ++tries) {
            const std::uint16_t id = next_id;
            next_id = next_id == 65535 ? 1 : static_cast<std::uint16_t>(next_id + 1);
            std::uint64_t& word = ids_in_use[id / 64];
            const std::uint64_t bit = std::uint64_t{1} << (id % 64);
            if ((word & bit) == 0) {
                word |= bit;
                return id;
            }
        }
        return 0;
    }

    void free_id(std::uint16_t id) { ids_in_use[id / 64] &= ~(std::uint64_t{1} << (id % 64)); }

    std::size_t window_limit() const noexcept {
        return std::min<std::size_t>(options.publish_window, peer_receive_max);
    }

    std::size_t publish_capacity() const noexcept {
        const std::size_t limit = window_limit();
        return outgoing_count >= limit ? 0 : limit - outgoing_count;
    }

    publish_status publish(const publish_packet& in, std::uint64_t tok) {
        if (stopping || st == session_state::stopped) return publish_status::stopped;
        publish_packet p = in;
        p.dup = false;
        p.topic_alias.reset();
        p.subscription_identifiers = {};  // [MQTT-3.3.4-6]
        if (p.qos_level == qos::exactly_once) return publish_status::invalid;
        if (p.retain && (!options.keep_retain || !peer_retain_available)) {
            p.retain = false;  // retain: Never, or [MQTT-3.2.2-14]
            counters.retain_cleared.add();
        }
        if (p.qos_level == qos::at_least_once && peer_max_qos == 0) {
            p.qos_level = qos::at_most_once;  // [MQTT-3.2.2-11]
            counters.qos_downgraded.add();
        }
        const bool connected = conn && connack_received;
        if (p.qos_level == qos::at_most_once) {
            if (!connected) return publish_status::not_connected;
            p.packet_id = 0;
            const mqtt_reason r = encode(p, out, peer_max_packet);
            if (r == mqtt_reason::packet_too_large) {
                counters.packet_too_large.add();
                return publish_status::packet_too_large;
            }
            if (r != mqtt_reason::success) return publish_status::invalid;
            qos0_tokens.push_back(tok);
            counters.publishes_sent.add();
            request_flush();
            return publish_status::accepted;
        }
        if (publish_capacity() == 0) return publish_status::window_full;
        p.packet_id = allocate_id();
        if (p.packet_id == 0) return publish_status::window_full;
        outgoing& slot = outgoing_ring[(outgoing_head + outgoing_count) % outgoing_ring.size()];
        slot.bytes.clear();
        const mqtt_reason r = encode(p, slot.bytes, peer_max_packet);
        if (r != mqtt_reason::success) {
            free_id(p.packet_id);
            if (r == mqtt_reason::packet_too_large) {
                counters.packet_too_large.add();
                return publish_status::packet_too_large;
            }
            return publish_status::invalid;
        }
        slot.token = tok;
        slot.packet_id = p.packet_id;
        slot.acked = false;
        slot.sent = connected;
        ++outgoing_count;
        if (connected) {
            out.append(slot.bytes);
            counters.publishes_sent.add();
            request_flush();
        }
        return publish_status::accepted;
    }

    outgoing& outgoing_at(std::size_t i) {
        return outgoing_ring[(outgoing_head + i) % outgoing_ring.size()];
    }

    void on_puback(std::uint16_t id, mqtt_reason reason) {
        // The broker acknowledges in order (MQTT v5 §4.6), so the head almost always matches.
        for (std::size_t i = 0; i < outgoing_count; ++i) {
            outgoing& o = outgoing_at(i);
            if (o.acked || o.packet_id != id) continue;
            o.acked = true;
            free_id(id);
            counters.publishes_acknowledged.add();
            if (static_cast<std::uint8_t>(reason) >= 0x80) counters.publishes_rejected.add();
            if (listener) listener->on_publish_complete(o.token, reason);
            break;
        }
        while (outgoing_count != 0 && outgoing_at(0).acked) {
            outgoing_head = (outgoing_head + 1) % outgoing_ring.size();
            --outgoing_count;
        }
    }

    // MQTT v5 §4.4: after a reconnect, unacknowledged PUBLISHes go again, with DUP when they had
    // been sent. Without a session on the broker they are new publishes (no DUP).
    void resend_publishes(bool session_present) {
        std::size_t kept = 0;
        const std::size_t n = outgoing_count;
        for (std::size_t i = 0; i < n; ++i) {
            outgoing& o = outgoing_at(i);
            if (o.acked) continue;
            if (o.bytes.size() > peer_max_packet) {
                counters.packet_too_large.add();
                free_id(o.packet_id);
                o.acked = true;
                if (listener) listener->on_publish_complete(o.token, mqtt_reason::packet_too_large);
                continue;
            }
            if (o.sent && session_present) {
                o.bytes[0] = static_cast<char>(o.bytes[0] | 0x08);  // DUP (MQTT v5 §3.3.1.1)
                counters.publishes_resent.add();
            } else {
                o.bytes[0] = static_cast<char>(o.bytes[0] & ~0x08);
                counters.publishes_sent.add();
            }
            o.sent = true;
            out.append(o.bytes);
            ++kept;
        }
        (void)kept;
        while (outgoing_count != 0 && outgoing_at(0).acked) {
            outgoing_head = (outgoing_head + 1) % outgoing_ring.size();
            --outgoing_count;
        }
    }

    // ---- stopping -------------------------------------------------------------------------------
    void stop(mqtt_reason reason) {
        if (stopping || st == session_state::stopped) return;
        stopping = true;
        stop_reason = reason;
        reconnect_timer.cancel();
        if (conn && connack_received) {
            st = session_state::stopping;
            run_acks_now();
            disconnect_packet d;
            d.reason_code = reason;
            std::string bytes = std::move(out);
            out.clear();
            (void)encode(d, bytes);
            stop_timer.expires_after(options.disconnect_timeout);
            stop_timer.async_wait([self = shared_from_this()](const error_code& e) {
                if (!e) self->finish_stop();
            });
            retire_connection(std::move(bytes));
            return;
        }
        retire_connection({});
        finish_stop();
    }

    // Acknowledgements already due go out before the DISCONNECT.
    void run_acks_now() {
        const bool connected = conn && connack_received;
        (void)window.drain([this, connected](std::uint16_t id, qos q) {
            if (!connected) return;
            publish_response a;
            a.type = q == qos::exactly_once ? packet_type::pubrec : packet_type::puback;
            a.packet_id = id;
            if (encode(a, out, peer_max_packet) == mqtt_reason::success) {
                counters.acknowledgements_sent.add();
            }
        });
    }

    void finish_stop() {
        if (st == session_state::stopped) return;
        st = session_state::stopped;
        stop_timer.cancel();
        connect_timer.cancel();
        reconnect_timer.cancel();
        tick_timer.cancel();
        emit(session_event::kind::stopped, stop_reason);
    }

    void drop_connection() {
        if (!conn) return;
        counters.connection_losses.add();
        retire_connection({});
        emit(session_event::kind::connection_lost, mqtt_reason::unspecified_error,
             "dropped on request");
        schedule_reconnect();
    }

    // Synchronous teardown for the session's destructor: no more callbacks into the owner.
    void shutdown_now() {
        stopping = true;
        on_event = {};
        listener = nullptr;
        retire_connection({});
        st = session_state::stopped;
        connect_timer.cancel();
        reconnect_timer.cancel();
        tick_timer.cancel();
        stop_timer.cancel();
    }
};

// --- session -------------------------------------------------------------------------------------

session::session(event_loop& loop, session_options options, publish_listener* listener,
                 event_handler on_event)
    : impl_(std::make_shared<impl>(loop, std::move(options), listener, std::move(on_event))) {}

session::~session() {
    if (impl_) impl_->shutdown_now();
}

void session::start() { impl_->start(); }
void session::stop(mqtt_reason reason) { impl_->stop(reason); }
bool session::take(mqtt_message& out) noexcept {
    const mqtt_message* m = impl_->take_in_place();
    if (m == nullptr) return false;
    out = *m;
    return true;
}
mqtt_message* session::take_in_place() noexcept { return impl_->take_in_place(); }
std::size_t session::undelivered() const noexcept { return impl_->window.undelivered(); }
std::size_t session::held() const noexcept { return impl_->window.size(); }
void session::complete(delivery_tag tag, bool acknowledge) noexcept {
    impl_->complete(tag, acknowledge);
}
publish_status session::publish(const publish_packet& p, std::uint64_t token) {
    return impl_->publish(p, token);
}
std::size_t session::publish_capacity() const noexcept { return impl_->publish_capacity(); }
void session::reauthenticate() { impl_->reauthenticate(); }
void session::drop_connection() { impl_->drop_connection(); }
session_state session::state() const noexcept { return impl_->st; }
const session_counters& session::counters() const noexcept { return impl_->counters; }
std::uint32_t session::server_maximum_packet_size() const noexcept {
    return impl_->peer_max_packet;
}
std::uint16_t session::server_receive_maximum() const noexcept { return impl_->peer_receive_max; }

}  // namespace flowbridge::mqtt
