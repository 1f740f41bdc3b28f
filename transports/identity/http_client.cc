#include "transports/identity/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>

namespace flowbridge::identity::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct exchange_state {
    http::request<http::string_body> request;
    http::response_parser<http::string_body> parser;
    beast::flat_buffer buffer;
    beast::error_code error;
    const char* failed_step = nullptr;
    bool done = false;

    void fail(const char* step, beast::error_code ec) {
        failed_step = step;
        error = ec;
        done = true;
    }
};

// resolve → connect → [TLS handshake] → write → read, each step's completion starting the next.
// `handshake(next)` is a no-op for plain TCP.
template <class Stream, class Handshake>
void run_exchange(exchange_state& st, tcp::resolver& resolver, Stream& stream, const url_parts& u,
                  Handshake handshake) {
    resolver.async_resolve(
        u.host, std::to_string(u.port),
        [&st, &stream, handshake](beast::error_code ec, tcp::resolver::results_type results) {
            if (ec) return st.fail("resolve", ec);
            beast::get_lowest_layer(stream).async_connect(
                results, [&st, &stream, handshake](beast::error_code ec2, const tcp::endpoint&) {
                    if (ec2) return st.fail("connect", ec2);
                    handshake([&st, &stream](beast::error_code ec3) {
                        if (ec3) return st.fail("TLS handshake", ec3);
                        http::async_write(
                            stream, st.request, [&st, &stream](beast::error_code ec4, std::size_t) {
                                if (ec4) return st.fail("send", ec4);
                                http::async_read(stream, st.buffer, st.parser,
                                                 [&st](beast::error_code ec5, std::size_t) {
                                                     if (ec5) return st.fail("receive", ec5);
                                                     st.done = true;
                                                 });
                            });
                    });
                });
        });
}

bool is_ip_literal(const std::string& host) {
    beast::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

}  // namespace

std::optional<http_response> send_request(const token_request& request, const http_options& options,
                                          std::string& error) {
    std::string url_error;
    const auto u = parse_url(request.url, url_error);
    if (!u) {
        error = "invalid token endpoint URL: " + url_error;
        return std::nullopt;
    }
    if (auto refused = check_transport_policy(*u); !refused.empty()) {
        error = std::move(refused);
        return std::nullopt;
    }

    exchange_state st;
    st.parser.body_limit(options.body_limit);
    st.request.method(request.method == "POST" ? http::verb::post : http::verb::get);
    st.request.target(u->target);
    st.request.version(11);
    const bool ipv6 = u->host.find(':') != std::string::npos;
    std::string host_header = ipv6 ? "[" + u->host + "]" : u->host;
    if (u->port != (u->scheme == "https" ? 443 : 80)) host_header += ":" + std::to_string(u->port);
    st.request.set(http::field::host, host_header);
    st.request.set(http::field::user_agent, "flowbridge");
    st.request.keep_alive(false);
    for (const auto& [name, value] : request.headers) st.request.set(name, value);
    if (request.method == "POST") st.request.body() = request.body;
    st.request.prepare_payload();

    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    const bool tls = u->scheme == "https";
    std::unique_ptr<asio::ssl::context> ssl;
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    if (tls) {
        ssl = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
        ssl->set_verify_mode(asio::ssl::verify_peer);
        beast::error_code ec;
        if (options.ca_file.empty())
            ssl->set_default_verify_paths(ec);
        else
            ssl->load_verify_file(options.ca_file, ec);
        if (ec) {
            error = "cannot load the CA bundle for the token endpoint: " + ec.message();
            return std::nullopt;
        }
        secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *ssl);
        if (!is_ip_literal(u->host))
            SSL_set_tlsext_host_name(secure->native_handle(), u->host.c_str());
        secure->set_verify_callback(asio::ssl::host_name_verification(u->host));
        beast::get_lowest_layer(*secure).expires_after(options.timeout);
        run_exchange(st, resolver, *secure, *u, [s = secure.get()](auto next) {
            s->async_handshake(asio::ssl::stream_base::client, std::move(next));
        });
    } else {
        plain = std::make_unique<beast::tcp_stream>(ioc);
        plain->expires_after(options.timeout);
        run_exchange(st, resolver, *plain, *u, [](auto next) { next(beast::error_code{}); });
    }
    // The stream's expiry bounds connect/handshake/write/read; run_for also bounds resolution.
    ioc.run_for(options.timeout + std::chrono::milliseconds(500));
    if (!st.done) {
        error = "token endpoint " + u->host + ":" + std::to_string(u->port) + " timed out after " +
                std::to_string(options.timeout.count()) + " ms";
        return std::nullopt;
    }
    if (st.failed_step) {
        error = std::string("token endpoint ") + u->host + ":" + std::to_string(u->port) + ": " +
                st.failed_step + " failed: " + st.error.message();
        return std::nullopt;
    }
    http_response r;
    r.status = st.parser.get().result_int();
    r.body = std::move(st.parser.get().body());
    return r;
}

}  // namespace flowbridge::identity::detail
