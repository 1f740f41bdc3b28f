// token_provider against a local HTTP server on 127.0.0.1 (SPEC §6): the IMDS and workload
// identity flows, refresh at 80 % of the lifetime, retry with back-off, and no token in any log
// line or error. Nothing here contacts a non-loopback address: every test points the provider at
// the loopback server.
#include "transports/identity/token_provider.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "tests/integration/identity/loopback_http_server.h"

namespace flowbridge::identity {
namespace {

using namespace std::chrono_literals;
using flowbridge::testing::http_reply;
using flowbridge::testing::http_request_seen;
using flowbridge::testing::loopback_http_server;
using flowbridge::testing::token_json;

struct log_capture {
    std::mutex mutex;
    std::vector<std::string> lines;
    log_sink sink() {
        return [this](log_level, std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        };
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string s;
        for (const auto& l : lines) s += l + "\n";
        return s;
    }
};

provider_options imds_options(const std::string& base, log_capture& logs) {
    provider_options o;
    o.request.resource = "https://ns.servicebus.windows.net";
    o.request.endpoint_override = base;
    o.min_refresh_delay = 0ms;
    o.initial_backoff = 100ms;
    o.max_backoff = 1s;
    o.request_timeout = 2s;
    o.log = logs.sink();
    o.jitter_seed = 42;
    return o;
}

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
    const auto path =
        std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    std::ofstream(path, std::ios::trunc) << content;
    return path;
}

TEST(identity_token_provider,
     system_assigned_gets_a_token_from_the_identity_endpoint_with_metadata_header) {
    loopback_http_server server([](const http_request_seen&, std::size_t) {
        return http_reply{200, token_json("sami-token-1", 3600)};
    });
    log_capture logs;
    std::string error;
    auto p = token_provider::create(imds_options(server.base_url(), logs), error);
    ASSERT_NE(p, nullptr) << error;
    ASSERT_TRUE(p->start(5s, error)) << error;

    access_token t;
    ASSERT_TRUE(p->current(t, error)) << error;
    EXPECT_EQ(t.value, "sami-token-1");
    const auto lifetime = t.expires_at - std::chrono::system_clock::now();
    EXPECT_GT(lifetime, 3500s);
    EXPECT_LE(lifetime, 3600s);

    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].target,
              "/metadata/identity/oauth2/token?api-version=2018-02-01"
              "&resource=https%3A%2F%2Fns.servicebus.windows.net");
    EXPECT_EQ(seen[0].headers.at("metadata"), "true");
    EXPECT_EQ(p->flow(), token_flow::system_assigned);
}

TEST(identity_token_provider,
     user_assigned_without_federation_uses_imds_client_id_from_identity_endpoint_env) {
    loopback_http_server server([](const http_request_seen&, std::size_t) {
        // IMDS sends expires_on as a string of Unix seconds too; expires_in wins.
        return http_reply{200,
                          "{\"access_token\":\"uami-token\",\"expires_in\":3600,"
                          "\"expires_on\":\"1\"}"};
    });
    log_capture logs;
    provider_options o = imds_options("", logs);
    o.request.user_assigned = true;
    o.request.client_id = "11111111-2222-3333-4444-555555555555";
    o.request.tenant_id = "tenant";
    o.request.resource = "https://ns.servicebus.windows.net";
    o.request.environment.identity_endpoint = server.base_url() + "/";  // $IDENTITY_ENDPOINT
    std::string error;
    auto p = token_provider::create(o, error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_EQ(p->flow(), token_flow::user_assigned_imds);
    ASSERT_TRUE(p->start(5s, error)) << error;
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].target,
              "/metadata/identity/oauth2/token?api-version=2018-02-01"
              "&resource=https%3A%2F%2Fns.servicebus.windows.net"
              "&client_id=11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(seen[0].headers.at("metadata"), "true");
}

TEST(identity_token_provider, token_is_refreshed_at_80_percent_of_its_lifetime) {
    loopback_http_server server([](const http_request_seen&, std::size_t i) {
        return http_reply{200, token_json("token-" + std::to_string(i + 1), 2)};
    });
    log_capture logs;
    std::string error;
    auto p = token_provider::create(imds_options(server.base_url(), logs), error);
    ASSERT_NE(p, nullptr) << error;
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> pushed;
    const auto id = p->subscribe([&](const access_token& t) {
        std::lock_guard lock(m);
        pushed.push_back(t.value);
        cv.notify_all();
    });
    ASSERT_TRUE(p->start(5s, error)) << error;
    ASSERT_TRUE(server.wait_for_requests(3, 10s));
    const auto seen = server.requests();
    // 2 s tokens: refreshed at 1.6 s, before they expire (2 s).
    for (std::size_t i = 1; i < 3; ++i) {
        const auto gap = seen[i].at - seen[i - 1].at;
        EXPECT_GE(gap, 1500ms) << "refresh " << i << " came too early";
        EXPECT_LT(gap, 2000ms) << "refresh " << i << " came after the token expired";
    }
    {
        std::unique_lock lock(m);
        ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return pushed.size() >= 3; }));
        EXPECT_EQ(pushed[0], "token-1");
        EXPECT_EQ(pushed[1], "token-2");
        EXPECT_EQ(pushed[2], "token-3");
    }
    p->unsubscribe(id);
    access_token t;
    ASSERT_TRUE(p->current(t, error));
    EXPECT_NE(t.value, "token-1");
}

TEST(identity_token_provider, failed_fetches_are_retried_with_exponential_backoff) {
    loopback_http_server server([](const http_request_seen&, std::size_t i) {
        if (i < 3)
            return http_reply{500,
                              "{\"error\":\"temporarily_unavailable\","
                              "\"error_description\":\"IMDS is busy\"}"};
        return http_reply{200, token_json("after-retries", 3600)};
    });
    log_capture logs;
    std::string error;
    auto p = token_provider::create(imds_options(server.base_url(), logs), error);
    ASSERT_NE(p, nullptr) << error;
    ASSERT_TRUE(p->start(10s, error)) << error;
    access_token t;
    ASSERT_TRUE(p->current(t, error));
    EXPECT_EQ(t.value, "after-retries");
    const auto seen = server.requests();
    ASSERT_EQ(seen.size(), 4u);
    // Back-off 100 ms · 2^(n-1), jittered into [50 %, 100 %]: at least 50, 100, 200 ms.
    EXPECT_GE(seen[1].at - seen[0].at, 50ms);
    EXPECT_GE(seen[2].at - seen[1].at, 100ms);
    EXPECT_GE(seen[3].at - seen[2].at, 200ms);
    EXPECT_EQ(p->counters().failures.load(), 3u);
    EXPECT_EQ(p->counters().tokens.load(), 1u);
    const std::string log = logs.all();
    EXPECT_NE(log.find("attempt 1"), std::string::npos) << log;
    EXPECT_NE(log.find("HTTP 500"), std::string::npos) << log;
    EXPECT_NE(log.find("temporarily_unavailable"), std::string::npos) << log;
}

TEST(identity_token_provider, start_reports_the_failure_when_no_token_comes_in_time) {
    loopback_http_server server([](const http_request_seen&, std::size_t) {
        return http_reply{403, "{\"error\":\"invalid_request\"}"};
    });
    log_capture logs;
    std::string error;
    auto p = token_provider::create(imds_options(server.base_url(), logs), error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_FALSE(p->start(300ms, error));
    EXPECT_NE(error.find("HTTP 403"), std::string::npos) << error;
    access_token t;
    EXPECT_FALSE(p->current(t, error));
}

TEST(identity_token_provider, workload_identity_posts_the_federated_token_and_rereads_the_file) {
    loopback_http_server server([](const http_request_seen&, std::size_t i) {
        return http_reply{200,
                          "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
                          "\"access_token\":\"wi-token-" +
                              std::to_string(i + 1) + "\"}"};
    });
    const auto file = temp_file("fb-federated", "federated-assertion-1\n");
    log_capture logs;
    provider_options o = imds_options("", logs);
    o.request.user_assigned = true;
    o.request.client_id = "client-abc";
    o.request.tenant_id = "tenant-xyz";
    o.request.scope = "https://ns.servicebus.windows.net/.default";
    o.request.environment.federated_token_file = file.string();
    o.request.environment.authority_host = server.base_url() + "/";
    std::string error;
    auto p = token_provider::create(o, error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_EQ(p->flow(), token_flow::workload_identity);
    ASSERT_TRUE(p->start(5s, error)) << error;

    std::ofstream(file, std::ios::trunc) << "federated-assertion-2";  // the kubelet rotated it
    p->refresh_now();
    ASSERT_TRUE(server.wait_for_requests(2, 5s));
    const auto seen = server.requests();
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/tenant-xyz/oauth2/v2.0/token");
    EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-www-form-urlencoded");
    EXPECT_EQ(
        seen[0].body,
        "client_id=client-abc"
        "&scope=https%3A%2F%2Fns.servicebus.windows.net%2F.default"
        "&grant_type=client_credentials"
        "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        "&client_assertion=federated-assertion-1");
    EXPECT_NE(seen[1].body.find("&client_assertion=federated-assertion-2"), std::string::npos);
    EXPECT_EQ(seen[0].headers.count("metadata"), 0u);
    std::filesystem::remove(file);
}

TEST(identity_token_provider, tokens_and_assertions_never_appear_in_logs_or_errors) {
    const std::string token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2ln";
    const std::string assertion = "eyJfederated.assertion.value";
    loopback_http_server server([&](const http_request_seen&, std::size_t i) {
        if (i == 0) return http_reply{200, token_json(token, 3600)};
        // A hostile/buggy endpoint echoing secrets in its error answer.
        return http_reply{401, "{\"error\":\"invalid_client\",\"error_description\":\"bad " +
                                   assertion + " for " + token + "\",\"access_token\":\"" + token +
                                   "\"}"};
    });
    const auto file = temp_file("fb-federated-secret", assertion);
    log_capture logs;
    provider_options o = imds_options("", logs);
    o.request.user_assigned = true;
    o.request.client_id = "client";
    o.request.tenant_id = "tenant";
    o.request.scope = "api://x/.default";
    o.request.environment.federated_token_file = file.string();
    o.request.environment.authority_host = server.base_url();
    std::string error;
    auto p = token_provider::create(o, error);
    ASSERT_NE(p, nullptr) << error;
    ASSERT_TRUE(p->start(5s, error)) << error;
    p->refresh_now();
    ASSERT_TRUE(server.wait_for_requests(3, 5s));  // 2 failures, each retried
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (p->last_error().empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    const std::string last = p->last_error();
    ASSERT_FALSE(last.empty());
    EXPECT_NE(last.find("HTTP 401"), std::string::npos) << last;
    EXPECT_NE(last.find("***"), std::string::npos) << last;
    p->stop();
    const std::string everything = logs.all() + last + p->describe();
    EXPECT_EQ(everything.find(token), std::string::npos) << everything;
    EXPECT_EQ(everything.find(assertion), std::string::npos) << everything;
    EXPECT_EQ(everything.find("c2VjcmV0LXRva2Vu"), std::string::npos) << everything;
    EXPECT_NE(logs.all().find("identity token obtained"), std::string::npos);
    std::filesystem::remove(file);
}

TEST(identity_token_provider, unreachable_endpoint_fails_within_the_request_timeout) {
    // A port that was just free: connection refused (nothing listens), on loopback only.
    std::uint16_t port;
    {
        loopback_http_server probe(
            [](const http_request_seen&, std::size_t) { return http_reply{}; });
        port = probe.port();
    }
    log_capture logs;
    std::string error;
    auto p = token_provider::create(imds_options("http://127.0.0.1:" + std::to_string(port), logs),
                                    error);
    ASSERT_NE(p, nullptr) << error;
    EXPECT_FALSE(p->start(500ms, error));
    EXPECT_NE(error.find("connect failed"), std::string::npos) << error;
}

}  // namespace
}  // namespace flowbridge::identity
