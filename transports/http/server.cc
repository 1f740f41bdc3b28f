#include "transports/http/server.h"

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_set>

namespace flowbridge::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view plain_content_type = "text/plain; charset=utf-8";
// A scrape or probe request is a request line and a few headers; anything bigger is not ours.
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 8 * 1024;

}  // namespace

namespace detail {
struct server_state;
}
class session;

struct detail::server_state {
    explicit server_state(server_options o) : options(std::move(o)) {}

    void accept();
    void begin_stop();
    void run();

    server_options options;
    std::string address;
    std::uint16_t port = 0;

    // Server thread only. Declared before the io_context so that sessions destroyed with the
    // io_context's pending handlers can still unregister themselves.
    std::unordered_set<session*> sessions;
    bool stopping = false;

    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;

    // Control thread ↔ server thread: the thread signals its exit so stop() can wait with a
    // deadline (std::thread::join has none).
    std::mutex exit_mutex;
    std::condition_variable exit_cv;
    bool exited = false;
    bool stop_requested = false;  // guarded by exit_mutex
};

/// One accepted connection, owned by the handlers in flight on the server thread
/// (shared_from_this). Reads a request, writes its response, repeats while keep-alive.
class session : public std::enable_shared_from_this<session> {
  public:
    session(detail::server_state& owner, tcp::socket socket)
        : owner_(owner), stream_(std::move(socket)) {
        owner_.sessions.insert(this);
    }
    ~session() { owner_.sessions.erase(this); }

    void start() { read(); }

    /// Server stopping: an idle connection (waiting for a request) closes now; one writing a
    /// response closes when the write completes.
    void stop() {
        if (!writing_) close();
    }

  private:
    void read() {
        parser_.emplace();
        parser_->header_limit(header_limit);
        parser_->body_limit(body_limit);
        stream_.expires_after(owner_.options.request_timeout);
        bhttp::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
                !owner_.stopping) {
                bad_request();  // malformed: answer 400, then close
            } else {
                close();  // peer closed, timeout, or stop
            }
            return;
        }
        respond(parser_->get());
    }

    void respond(const bhttp::request<bhttp::string_body>& req) {
        response_ = {};
        response_.version(req.version());
        response_.set(bhttp::field::server, "flowbridge");
        response_.set(bhttp::field::cache_control, "no-store");
        response_.keep_alive(req.keep_alive() && !owner_.stopping);

        std::string_view target(req.target().data(), req.target().size());
        if (const auto q = target.find('?'); q != std::string_view::npos)
            target = target.substr(0, q);
        const bool head = req.method() == bhttp::verb::head;

        if (req.method() != bhttp::verb::get && !head) {
            set(bhttp::status::method_not_allowed, plain_content_type, "method not allowed\n");
            response_.set(bhttp::field::allow, "GET, HEAD");
        } else if (target == "/metrics") {
            std::string body;
            try {
                if (owner_.options.metrics) owner_.options.metrics(body);
                set(bhttp::status::ok, metrics_content_type, std::move(body));
            } catch (const std::exception& e) {
                set(bhttp::status::internal_server_error, plain_content_type,
                    std::string("metrics failed: ") + e.what() + "\n");
            } catch (...) {
                set(bhttp::status::internal_server_error, plain_content_type, "metrics failed\n");
            }
        } else if (target == "/healthz") {
            set(bhttp::status::ok, plain_content_type, "ok\n");
        } else if (target == "/readyz") {
            try {
                std::vector<std::string> missing;
                if (owner_.options.readiness) missing = owner_.options.readiness();
                if (missing.empty()) {
                    set(bhttp::status::ok, plain_content_type, "ready\n");
                } else {
                    std::string body = "not ready:\n";
                    for (const auto& m : missing) body += "- " + m + "\n";
                    set(bhttp::status::service_unavailable, plain_content_type, std::move(body));
                }
            } catch (...) {
                set(bhttp::status::service_unavailable, plain_content_type,
                    "not ready:\n- readiness check failed\n");
            }
        } else {
            set(bhttp::status::not_found, plain_content_type, "not found\n");
        }
        if (head) {
            const auto length = response_.body().size();
            response_.body().clear();
            response_.content_length(length);
        }
        write();
    }

    void bad_request() {
        response_ = {};
        response_.version(11);
        response_.set(bhttp::field::server, "flowbridge");
        response_.keep_alive(false);
        set(bhttp::status::bad_request, plain_content_type, "bad request\n");
        write();
    }

    void set(bhttp::status status, std::string_view type, std::string body) {
        response_.result(status);
        response_.set(bhttp::field::content_type, beast::string_view(type.data(), type.size()));
        response_.body() = std::move(body);
        response_.prepare_payload();
    }

    void write() {
        writing_ = true;
        stream_.expires_after(owner_.options.request_timeout);
        bhttp::async_write(
            stream_, response_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(beast::error_code ec) {
        writing_ = false;
        if (ec || !response_.keep_alive() || owner_.stopping) {
            close();
            return;
        }
        read();
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);  // pending operations complete with operation_aborted
    }

    detail::server_state& owner_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    bhttp::response<bhttp::string_body> response_;
    bool writing_ = false;
};

void detail::server_state::accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec || stopping) return;  // closed by begin_stop(); other errors: the loop ends too
        if (sessions.size() >= options.max_connections) {
            beast::error_code ignored;
            socket.close(ignored);
        } else {
            std::make_shared<session>(*this, std::move(socket))->start();
        }
        accept();
    });
}

void detail::server_state::begin_stop() {
    if (stopping) return;
    stopping = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    // Copy: stop() may destroy sessions (and so erase from the set) only later, in handlers, but
    // iterate over a snapshot all the same.
    const std::vector<session*> open(sessions.begin(), sessions.end());
    for (auto* s : open) s->stop();
}

void detail::server_state::run() {
    try {
        ioc.run();
    } catch (...) {
        // Handlers catch what the callbacks throw; anything else ends the endpoint, not the
        // process (the data path does not depend on it).
    }
    std::lock_guard lock(exit_mutex);
    exited = true;
    exit_cv.notify_all();
}

server::server(server_options options)
    : impl_(std::make_unique<detail::server_state>(std::move(options))) {
    auto& d = *impl_;
    beast::error_code ec;
    const auto ip = asio::ip::make_address(d.options.bind_address, ec);
    if (ec) {
        throw std::invalid_argument("metrics endpoint: '" + d.options.bind_address +
                                    "' is not a numeric IP address");
    }
    const tcp::endpoint endpoint(ip, d.options.port);
    const std::string where =
        (ip.is_v6() ? "[" + d.options.bind_address + "]" : d.options.bind_address) + ":" +
        std::to_string(d.options.port);
    auto fail = [&](const char* what) {
        throw std::system_error(ec, "metrics endpoint: cannot " + std::string(what) + " " + where);
    };
    d.acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for");
    d.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("set SO_REUSEADDR on");
    d.acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail("listen on");
    d.port = d.acceptor.local_endpoint(ec).port();
    if (ec) fail("read the bound port of");
    d.address = d.options.bind_address;

    d.accept();
    d.thread = std::thread([&d] { d.run(); });
    pthread_setname_np(d.thread.native_handle(), "fb-http");
}

server::~server() { stop(); }

std::uint16_t server::port() const noexcept { return impl_->port; }

const std::string& server::address() const noexcept { return impl_->address; }

void server::stop(std::chrono::milliseconds grace) noexcept {
    auto& d = *impl_;
    {
        std::lock_guard lock(d.exit_mutex);
        if (d.stop_requested) {
            if (!d.thread.joinable()) return;
        }
        d.stop_requested = true;
    }
    if (!d.thread.joinable()) return;
    asio::post(d.ioc, [&d] { d.begin_stop(); });
    {
        std::unique_lock lock(d.exit_mutex);
        if (!d.exit_cv.wait_for(lock, grace, [&d] { return d.exited; })) {
            d.ioc.stop();  // grace over: abandon the connections still open
        }
    }
    d.thread.join();
}

}  // namespace flowbridge::http
