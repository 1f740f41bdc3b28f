// SASL OAUTHBEARER and TLS of the Kafka transport against real handshakes on 127.0.0.1.
//
// librdkafka 2.0.2's mock cluster speaks neither SASL nor TLS (its API handler table has no
// SaslHandshake/SaslAuthenticate and its connections are plain sockets), so:
//  * OAUTHBEARER: a token provider fetches from a loopback HTTP endpoint, the producer's refresh
//    callback hands the token to librdkafka, and a tiny SASL-speaking endpoint written here
//    answers SaslHandshake and records the client's OAUTHBEARER initial response
//    (`n,,\x01auth=Bearer <token>\x01\x01`, RFC 7628), which must carry the provider's token.
//  * TLS: a Boost.Asio TLS acceptor on 127.0.0.1 with certificates made by the fixture with the
//    openssl CLI; the handshake is observed on the server side (librdkafka then fails at the
//    Kafka protocol level, which is expected).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/identity/loopback_http_server.h"
#include "tests/integration/kafka/kafka_test_support.h"
#include "transports/identity/token_provider.h"

namespace flowbridge::kafka::testing {
namespace {

namespace asio = boost::asio;
using flowbridge::testing::http_reply;
using flowbridge::testing::http_request_seen;
using flowbridge::testing::loopback_http_server;
using flowbridge::testing::token_json;

// ---------------------------------------------------------------------------------------------
// A Kafka-protocol endpoint that speaks just enough SASL: it answers SaslHandshake (v0/v1) with
// OAUTHBEARER enabled and records every byte the client sends afterwards (the raw SASL frame for
// v0, a SaslAuthenticate request for v1), then closes the connection.
class sasl_endpoint {
  public:
    explicit sasl_endpoint(std::string mechanism = "OAUTHBEARER")
        : mechanism_(std::move(mechanism)) {
        listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(listen_, 8);
        socklen_t len = sizeof a;
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~sasl_endpoint() {
        stop_ = true;
        thread_.join();
        ::close(listen_);
    }
    std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string captured() const {
        std::lock_guard lock(mutex_);
        return captured_;
    }
    std::vector<int> api_keys() const {
        std::lock_guard lock(mutex_);
        return api_keys_;
    }

  private:
    bool read_exact(int fd, char* out, std::size_t n) {
        std::size_t got = 0;
        const auto deadline = steady::now() + 5s;
        while (got < n) {
            pollfd p{fd, POLLIN, 0};
            if (stop_ || steady::now() > deadline) return false;
            if (::poll(&p, 1, 50) <= 0) continue;
            const auto r = ::recv(fd, out + got, n - got, 0);
            if (r <= 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }
    bool read_frame(int fd, std::string& frame) {
        char size[4];
        if (!read_exact(fd, size, 4)) return false;
        const std::uint32_t n = ntohl(*reinterpret_cast<std::uint32_t*>(size));
        if (n > 1 << 20) return false;
        frame.resize(n);
        return read_exact(fd, frame.data(), n);
    }
    static void put16(std::string& s, std::int16_t v) {
        const auto n = htons(static_cast<std::uint16_t>(v));
        s.append(reinterpret_cast<const char*>(&n), 2);
    }
    static void put32(std::string& s, std::int32_t v) {
        const auto n = htonl(static_cast<std::uint32_t>(v));
        s.append(reinterpret_cast<const char*>(&n), 4);
    }

    static std::string response(std::int32_t correlation, const std::string& body) {
        std::string out;
        put32(out, static_cast<std::int32_t>(4 + body.size()));
        put32(out, correlation);
        return out + body;
    }

    void serve(int fd) {
        std::string frame;
        bool handshake_done = false;
        while (read_frame(fd, frame)) {
            if (!handshake_done && frame.size() >= 8) {
                const auto key = static_cast<std::int16_t>(
                    ntohs(*reinterpret_cast<const std::uint16_t*>(frame.data())));
                const auto version = static_cast<std::int16_t>(
                    ntohs(*reinterpret_cast<const std::uint16_t*>(frame.data() + 2)));
                const auto correlation = static_cast<std::int32_t>(
                    ntohl(*reinterpret_cast<const std::uint32_t*>(frame.data() + 4)));
                {
                    std::lock_guard lock(mutex_);
                    api_keys_.push_back(key);
                }
                std::string body;
                if (key == 18 && version > 0) {
                    // KIP-511: UNSUPPORTED_VERSION with a v0 body naming ApiVersions v0; the
                    // client retries with v0.
                    put16(body, 35);
                    put32(body, 1);
                    put16(body, 18), put16(body, 0), put16(body, 0);
                } else if (key == 18) {
                    // ApiVersions v0: SaslHandshake v0..1 and SaslAuthenticate v0 only.
                    put16(body, 0);
                    put32(body, 3);
                    put16(body, 18), put16(body, 0), put16(body, 0);
                    put16(body, 17), put16(body, 0), put16(body, 1);
                    put16(body, 36), put16(body, 0), put16(body, 0);
                } else if (key == 17) {
                    put16(body, 0);  // ErrorCode
                    put32(body, 1);  // [Mechanisms]
                    put16(body, static_cast<std::int16_t>(mechanism_.size()));
                    body += mechanism_;
                    handshake_done = true;
                } else {
                    return;
                }
                const std::string out = response(correlation, body);
                (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
                continue;
            }
            std::lock_guard lock(mutex_);
            captured_ += frame;
            return;  // recorded the initial response: close (the client will reconnect)
        }
    }

    void run() {
        while (!stop_) {
            pollfd p{listen_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept(listen_, nullptr, nullptr);
            if (fd < 0) continue;
            serve(fd);
            ::close(fd);
        }
    }

    std::string mechanism_;
    int listen_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::string captured_;
    std::vector<int> api_keys_;
};

std::unique_ptr<identity::token_provider> started_provider(const std::string& base,
                                                           std::vector<std::string>* logs,
                                                           std::mutex* log_mutex) {
    identity::provider_options o;
    o.request.resource = "https://ns.servicebus.windows.net";
    o.request.endpoint_override = base;
    o.min_refresh_delay = 0ms;
    o.initial_backoff = 50ms;
    if (logs) {
        o.log = [logs, log_mutex](identity::log_level, std::string_view l) {
            std::lock_guard lock(*log_mutex);
            logs->emplace_back(l);
        };
    }
    std::string error;
    auto p = identity::token_provider::create(o, error);
    EXPECT_NE(p, nullptr) << error;
    if (p) {
        EXPECT_TRUE(p->start(5s, error)) << error;
    }
    return p;
}

TEST(kafka_security, oauthbearer_token_from_the_identity_provider_is_sent_in_the_sasl_exchange) {
    const std::string token = "eyJ0eXAiOiJKV1QifQ.ZmxvdwJyaWRnZS10b2tlbg.c2lnbmF0dXJl";
    loopback_http_server identity_endpoint([&](const http_request_seen&, std::size_t) {
        return http_reply{200, token_json(token, 3600)};
    });
    std::vector<std::string> logs;
    std::mutex log_mutex;
    auto provider = started_provider(identity_endpoint.base_url(), &logs, &log_mutex);
    ASSERT_NE(provider, nullptr);
    sasl_endpoint broker;

    producer_options o;
    o.config.properties = {
        {"bootstrap.servers", broker.bootstrap()},
        {"security.protocol", "SASL_PLAINTEXT"},
        {"sasl.mechanisms", "OAUTHBEARER"},
    };
    o.topics = {"t"};
    o.metadata_timeout = 1s;
    o.token_source = provider.get();
    std::string error;
    auto producer = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    ASSERT_NE(producer, nullptr) << error;
    std::thread starter([&] {
        std::string e;
        producer->start(e);  // fails: the endpoint never serves metadata
    });
    const bool seen = wait_until(
        [&] { return broker.captured().find("auth=Bearer " + token) != std::string::npos; }, 15s,
        [&] { producer->poll(5ms); });
    starter.join();
    ASSERT_TRUE(seen) << "SASL bytes seen: " << broker.captured().size();
    EXPECT_EQ(broker.captured().rfind("n,,\x01"
                                      "auth=Bearer ",
                                      0) == 0 ||
                  broker.captured().find("n,,\x01"
                                         "auth=Bearer ") != std::string::npos,
              true);
    const auto keys = broker.api_keys();
    EXPECT_NE(std::find(keys.begin(), keys.end(), 17), keys.end());  // SaslHandshake happened
    EXPECT_GE(producer->oauth_tokens_set(), 1u);
    // The token appears in the SASL exchange and nowhere else.
    std::string everything = producer->last_client_error() + producer->oauth_last_failure() +
                             provider->describe() + provider->last_error();
    {
        std::lock_guard lock(log_mutex);
        for (const auto& l : logs) everything += l;
    }
    EXPECT_EQ(everything.find(token), std::string::npos) << everything;
    producer.reset();
}

TEST(kafka_security, a_refreshed_token_is_used_for_the_next_sasl_authentication) {
    // 2 s tokens: the provider refreshes at 1.6 s and pushes the new token to librdkafka; the
    // endpoint drops every connection after the SASL exchange, so each reconnect shows the token
    // librdkafka holds at that moment.
    loopback_http_server identity_endpoint([](const http_request_seen&, std::size_t i) {
        return http_reply{200, token_json("rotating.token." + std::to_string(i + 1), 2)};
    });
    auto provider = started_provider(identity_endpoint.base_url(), nullptr, nullptr);
    ASSERT_NE(provider, nullptr);
    sasl_endpoint broker;
    producer_options o;
    o.config.properties = {{"bootstrap.servers", broker.bootstrap()},
                           {"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"},
                           {"reconnect.backoff.ms", "50"},
                           {"reconnect.backoff.max.ms", "200"}};
    o.topics = {"t"};
    o.metadata_timeout = 4s;
    o.token_source = provider.get();
    std::string error;
    auto producer = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    ASSERT_NE(producer, nullptr) << error;
    std::thread starter([&] {
        std::string e;
        producer->start(e);
    });
    const bool seen = wait_until(
        [&] { return broker.captured().find("auth=Bearer rotating.token.2") != std::string::npos; },
        15s, [&] { producer->poll(5ms); });
    starter.join();
    EXPECT_TRUE(seen);
    EXPECT_NE(broker.captured().find("auth=Bearer rotating.token.1"), std::string::npos);
    EXPECT_GE(producer->oauth_tokens_set(), 2u);
}

TEST(kafka_security, oauthbearer_without_a_token_source_is_a_clear_error) {
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:1"},
                           {"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"}};
    o.topics = {"t"};
    std::string error;
    auto p = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    EXPECT_EQ(p, nullptr);
    EXPECT_NE(error.find("token source"), std::string::npos) << error;
}

TEST(kafka_security, sasl_plain_sends_the_secret_credentials_in_the_sasl_exchange_only) {
    sasl_endpoint broker("PLAIN");
    producer_options o;
    o.config.properties = {{"bootstrap.servers", broker.bootstrap()},
                           {"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "PLAIN"},
                           {"sasl.username", "$ConnectionString"},
                           {"sasl.password", "Endpoint=sb://ns/;SharedAccessKey=s3cr3t"}};
    o.topics = {"t"};
    o.metadata_timeout = 1s;
    std::string error;
    auto producer = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    ASSERT_NE(producer, nullptr) << error;
    std::thread starter([&] {
        std::string e;
        producer->start(e);
    });
    // RFC 4616: authzid NUL authcid NUL passwd.
    const std::string expected =
        std::string("\0$ConnectionString\0", 19) + "Endpoint=sb://ns/;SharedAccessKey=s3cr3t";
    const bool seen =
        wait_until([&] { return broker.captured().find(expected) != std::string::npos; }, 15s,
                   [&] { producer->poll(5ms); });
    starter.join();
    EXPECT_TRUE(seen);
    EXPECT_EQ(producer->last_client_error().find("s3cr3t"), std::string::npos);
}

// A token_source whose token the test controls (no HTTP): the consumer's binding.
class fixed_source final : public identity::token_source {
  public:
    explicit fixed_source(std::string v) {
        token_.value = std::move(v);
        token_.expires_at = std::chrono::system_clock::now() + 1h;
    }
    bool current(identity::access_token& out, std::string&) const override {
        out = token_;
        return true;
    }
    std::uint64_t subscribe(listener l) override {
        l(token_);
        return 1;
    }
    void unsubscribe(std::uint64_t) noexcept override {}

  private:
    identity::access_token token_;
};

// A source that has no valid token (its identity endpoint keeps failing).
class failing_source final : public identity::token_source {
  public:
    bool current(identity::access_token&, std::string& error) const override {
        error = "no identity token yet: token request GET http://127.0.0.1:9/... answered HTTP 500";
        return false;
    }
    std::uint64_t subscribe(listener) override { return 1; }
    void unsubscribe(std::uint64_t) noexcept override {}
};

TEST(kafka_security, refresh_without_a_valid_token_reports_a_token_failure_to_librdkafka) {
    failing_source source;
    producer_options o;
    o.config.properties = {{"bootstrap.servers", "127.0.0.1:9"},
                           {"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"}};
    o.topics = {"t"};
    o.token_source = &source;
    std::string error;
    auto p = kafka_producer::create(
        o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
        error);
    ASSERT_NE(p, nullptr) << error;
    // librdkafka asks for a token right after creation, on its background thread.
    EXPECT_TRUE(
        wait_until([&] { return p->oauth_token_failures() >= 1; }, 10s, [&] { p->poll(5ms); }));
    EXPECT_EQ(p->oauth_tokens_set(), 0u);
    EXPECT_NE(p->oauth_last_failure().find("HTTP 500"), std::string::npos)
        << p->oauth_last_failure();
}

TEST(kafka_security, consumer_hands_the_oauthbearer_token_to_librdkafka) {
    fixed_source source("consumer.token.value");
    sasl_endpoint broker;
    consumer_options o;
    o.config.properties = {{"bootstrap.servers", broker.bootstrap()},
                           {"group.id", "g"},
                           {"security.protocol", "SASL_PLAINTEXT"},
                           {"sasl.mechanisms", "OAUTHBEARER"}};
    o.topics = {"t"};
    o.token_source = &source;
    std::string error;
    auto c = kafka_consumer::create(o, error);
    ASSERT_NE(c, nullptr) << error;
    ASSERT_TRUE(c->start(error)) << error;
    const kafka_record* out[4];
    const bool seen = wait_until(
        [&] {
            return broker.captured().find("auth=Bearer consumer.token.value") != std::string::npos;
        },
        15s, [&] { c->poll(out, 5ms, 0); });
    EXPECT_TRUE(seen);
    EXPECT_GE(c->oauth_tokens_set(), 1u);
    c.reset();
}

// ---------------------------------------------------------------------------------------------
// TLS: certificates generated by the fixture, a TLS endpoint on 127.0.0.1 that requires a client
// certificate and records what each handshake did.

struct tls_files {
    std::filesystem::path dir;
    std::string read(const char* name) const {
        std::ifstream in(dir / name);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

class tls_endpoint {
  public:
    struct handshake {
        bool ok = false;
        std::string error;
        std::string peer_subject;
    };

    explicit tls_endpoint(const tls_files& f)
        : ctx_(asio::ssl::context::tls_server), acceptor_(ioc_) {
        ctx_.use_certificate_chain_file((f.dir / "server.crt").string());
        ctx_.use_private_key_file((f.dir / "server.key").string(), asio::ssl::context::pem);
        ctx_.load_verify_file((f.dir / "ca.crt").string());
        ctx_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~tls_endpoint() {
        ioc_.stop();
        thread_.join();
    }
    std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
    std::vector<handshake> handshakes() const {
        std::lock_guard lock(mutex_);
        return handshakes_;
    }

  private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket s) {
            if (ec) return;
            auto stream =
                std::make_shared<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(s), ctx_);
            stream->async_handshake(
                asio::ssl::stream_base::server, [this, stream](boost::system::error_code hec) {
                    handshake h;
                    h.ok = !hec;
                    h.error = hec ? hec.message() : "";
                    if (X509* peer = SSL_get_peer_certificate(stream->native_handle())) {
                        char name[256];
                        X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name);
                        h.peer_subject = name;
                        X509_free(peer);
                    }
                    {
                        std::lock_guard lock(mutex_);
                        handshakes_.push_back(h);
                    }
                    // Read the client's first Kafka request, then close: no Kafka served here.
                    auto buf = std::make_shared<std::array<char, 256>>();
                    if (h.ok)
                        stream->async_read_some(asio::buffer(*buf), [stream, buf](auto, auto) {});
                });
            accept();
        });
    }

    asio::io_context ioc_;
    asio::ssl::context ctx_;
    asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<handshake> handshakes_;
};

class kafka_tls : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        files_.dir =
            std::filesystem::temp_directory_path() / ("fb-kafka-tls-" + std::to_string(::getpid()));
        std::filesystem::create_directories(files_.dir);
        const std::string d = files_.dir.string();
        std::ofstream(files_.dir / "server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
        const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        const std::vector<std::string> steps = {
            "openssl req -x509" + key +
                " -keyout ca.key -out ca.crt -days 2 -subj /CN=flowbridge-test-ca",
            "openssl req -x509" + key +
                " -keyout wrong.key -out wrong.crt -days 2 -subj /CN=some-other-ca",
            "openssl req" + key + " -keyout server.key -out server.csr -subj /CN=127.0.0.1",
            // librdkafka 2.0.2 verifies the broker's host name by default
            // (ssl.endpoint.identification.algorithm=https): the server certificate names
            // 127.0.0.1 (the bootstrap) as an IP SAN.
            "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out "
            "server.crt -days 2 -extfile server.ext",
            "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=flowbridge-client",
            "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out "
            "client.crt -days 2",
        };
        for (const auto& s : steps) {
            const std::string cmd = "cd '" + d + "' && " + s + " > /dev/null 2>&1";
            ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        }
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(files_.dir); }

    std::unique_ptr<kafka_producer> producer(const std::string& bootstrap, const std::string& ca,
                                             bool client_cert) {
        producer_options o;
        o.config.properties = {
            {"bootstrap.servers", bootstrap}, {"security.protocol", "SSL"}, {"ssl.ca.pem", ca}};
        if (client_cert) {
            o.config.properties.push_back({"ssl.certificate.pem", files_.read("client.crt")});
            o.config.properties.push_back({"ssl.key.pem", files_.read("client.key")});
        }
        o.topics = {"t"};
        o.metadata_timeout = 1s;
        std::string error;
        auto p = kafka_producer::create(
            o, [](void*, outbound_kafka_record*, completion, delivery_error) noexcept {}, nullptr,
            error);
        EXPECT_NE(p, nullptr) << error;
        return p;
    }

    static tls_files files_;
};
tls_files kafka_tls::files_;

TEST_F(kafka_tls, handshake_succeeds_with_the_right_ca_and_presents_the_client_certificate) {
    tls_endpoint server(files_);
    auto p = producer(server.bootstrap(), files_.read("ca.crt"), true);
    ASSERT_NE(p, nullptr);
    std::thread starter([&] {
        std::string e;
        p->start(e);  // fails at the Kafka level: the endpoint serves no metadata
    });
    const bool done =
        wait_until([&] { return !server.handshakes().empty(); }, 15s, [&] { p->poll(5ms); });
    starter.join();
    ASSERT_TRUE(done);
    const auto h = server.handshakes().front();
    EXPECT_TRUE(h.ok) << h.error;
    EXPECT_NE(h.peer_subject.find("CN=flowbridge-client"), std::string::npos) << h.peer_subject;
    EXPECT_EQ(p->last_client_error().find("certificate verify failed"), std::string::npos)
        << p->last_client_error();
}

TEST_F(kafka_tls, handshake_fails_clearly_with_the_wrong_ca) {
    tls_endpoint server(files_);
    auto p = producer(server.bootstrap(), files_.read("wrong.crt"), true);
    ASSERT_NE(p, nullptr);
    std::thread starter([&] {
        std::string e;
        p->start(e);
    });
    const bool reported = wait_until(
        [&] {
            return p->last_client_error().find("certificate verify failed") != std::string::npos;
        },
        15s, [&] { p->poll(5ms); });
    starter.join();
    EXPECT_TRUE(reported) << p->last_client_error();
    for (const auto& h : server.handshakes()) EXPECT_FALSE(h.ok);
}

TEST_F(kafka_tls, server_requiring_a_client_certificate_rejects_a_client_without_one) {
    tls_endpoint server(files_);
    auto p = producer(server.bootstrap(), files_.read("ca.crt"), false);
    ASSERT_NE(p, nullptr);
    std::thread starter([&] {
        std::string e;
        p->start(e);
    });
    const bool done =
        wait_until([&] { return !server.handshakes().empty(); }, 15s, [&] { p->poll(5ms); });
    starter.join();
    ASSERT_TRUE(done);
    EXPECT_FALSE(server.handshakes().front().ok);
    EXPECT_EQ(server.handshakes().front().peer_subject, "");
}

}  // namespace
}  // namespace flowbridge::kafka::testing
