// The pure parts of SPEC §6: which request each flow sends (including the defaults, which are
// built and checked here but never sent), URL/transport policy, token response parsing,
// redaction, refresh time and back-off.
#include "transports/identity/token_request.h"

#include <gtest/gtest.h>

#include "transports/identity/from_config.h"
#include "transports/identity/token_provider.h"

namespace flowbridge::identity {
namespace {

using namespace std::chrono_literals;
using sys = std::chrono::system_clock;

token_request_settings sami() {
    token_request_settings s;
    s.resource = "https://ns.servicebus.windows.net";
    return s;
}

TEST(identity_request, default_system_assigned_request_targets_imds_without_connecting) {
    const auto r = build_token_request(sami(), token_flow::system_assigned);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.url,
              "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01"
              "&resource=https%3A%2F%2Fns.servicebus.windows.net");
    ASSERT_FALSE(r.headers.empty());
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Metadata", "true"}));
    EXPECT_TRUE(r.body.empty());
}

TEST(identity_request, annotation_wins_over_identity_endpoint_env_which_wins_over_imds) {
    auto s = sami();
    s.environment.identity_endpoint = "http://127.0.0.1:5000";
    EXPECT_TRUE(build_token_request(s, token_flow::system_assigned)
                    .url.starts_with("http://127.0.0.1:5000/metadata/identity/oauth2/token?"));
    s.endpoint_override = "http://localhost:6000/";
    EXPECT_TRUE(build_token_request(s, token_flow::system_assigned)
                    .url.starts_with("http://localhost:6000/metadata/identity/oauth2/token?"));
}

TEST(identity_request, user_assigned_picks_workload_identity_only_with_a_federated_token_file) {
    token_request_settings s = sami();
    EXPECT_EQ(select_flow(s), token_flow::system_assigned);
    s.user_assigned = true;
    s.client_id = "cid";
    EXPECT_EQ(select_flow(s), token_flow::user_assigned_imds);
    EXPECT_TRUE(
        build_token_request(s, token_flow::user_assigned_imds).url.ends_with("&client_id=cid"));
    s.environment.federated_token_file = "/var/run/secrets/azure/tokens/azure-identity-token";
    EXPECT_EQ(select_flow(s), token_flow::workload_identity);
}

TEST(identity_request,
     default_workload_identity_request_targets_login_microsoftonline_without_connecting) {
    token_request_settings s;
    s.user_assigned = true;
    s.client_id = "cid";
    s.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    s.scope = "https://ns.servicebus.windows.net/.default";
    const auto r = build_token_request(s, token_flow::workload_identity, "jwt.assert.ion");
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url,
              "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/"
              "oauth2/v2.0/token");
    EXPECT_EQ(r.body,
              "client_id=cid&scope=https%3A%2F%2Fns.servicebus.windows.net%2F.default"
              "&grant_type=client_credentials&client_assertion_type="
              "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
              "&client_assertion=jwt.assert.ion");
    EXPECT_EQ(r.describe().find("jwt.assert.ion"), std::string::npos);
}

TEST(identity_request, plain_http_is_refused_except_to_loopback_and_imds) {
    std::string e;
    for (const char* ok : {"http://127.0.0.1:1/x", "http://localhost/", "http://[::1]:8080/",
                           "http://169.254.169.254/", "https://login.example.com/t"}) {
        auto u = parse_url(ok, e);
        ASSERT_TRUE(u) << ok << ": " << e;
        EXPECT_EQ(check_transport_policy(*u), "") << ok;
    }
    auto u = parse_url("http://login.example.com/t", e);
    ASSERT_TRUE(u);
    EXPECT_NE(check_transport_policy(*u), "");

    provider_options o;
    o.request = sami();
    o.request.endpoint_override = "http://identity.example.com";
    std::string error;
    EXPECT_EQ(token_provider::create(o, error), nullptr);
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
}

TEST(identity_request, url_parsing_handles_ports_ipv6_and_rejects_garbage) {
    std::string e;
    auto u = parse_url("https://[::1]:8443?x=1", e);
    ASSERT_TRUE(u) << e;
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 8443);
    EXPECT_EQ(u->target, "/?x=1");
    u = parse_url("https://login.microsoftonline.com/t/oauth2/v2.0/token", e);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(u->target, "/t/oauth2/v2.0/token");
    EXPECT_FALSE(parse_url("ftp://x", e));
    EXPECT_FALSE(parse_url("http://:80/", e));
    EXPECT_FALSE(parse_url("http://h:99999/", e));
    EXPECT_FALSE(parse_url("no-scheme", e));
}

TEST(identity_response, expires_in_as_number_or_string_and_expires_on) {
    const auto now = sys::time_point(1'700'000'000s);
    std::string e;
    auto t = parse_token_response(R"({"access_token":"a","expires_in":3600})", now, e);
    ASSERT_TRUE(t) << e;
    EXPECT_EQ(t->value, "a");
    EXPECT_EQ(t->expires_at, now + 3600s);
    t = parse_token_response(R"({"access_token":"b","expires_in":"86399","expires_on":"1"})", now,
                             e);
    ASSERT_TRUE(t) << e;
    EXPECT_EQ(t->expires_at, now + 86399s);
    t = parse_token_response(R"({"access_token":"c","expires_on":"1700000600"})", now, e);
    ASSERT_TRUE(t) << e;
    EXPECT_EQ(t->expires_at, sys::time_point(1'700'000'600s));
}

TEST(identity_response, malformed_or_error_answers_are_errors_that_never_quote_the_body) {
    const auto now = sys::now();
    std::string e;
    EXPECT_FALSE(parse_token_response("not json secret-token", now, e));
    EXPECT_EQ(e.find("secret-token"), std::string::npos) << e;
    EXPECT_FALSE(parse_token_response(R"({"access_token":"secret-token"})", now, e));
    EXPECT_EQ(e.find("secret-token"), std::string::npos) << e;
    EXPECT_FALSE(parse_token_response(R"({"access_token":"x","expires_in":0})", now, e));
    EXPECT_FALSE(parse_token_response(
        R"({"error":"invalid_client","error_description":"assertion abc.def bad"})", now, e,
        {"abc.def"}));
    EXPECT_NE(e.find("invalid_client"), std::string::npos);
    EXPECT_EQ(e.find("abc.def"), std::string::npos) << e;
    EXPECT_NE(e.find("***"), std::string::npos) << e;
}

TEST(identity_response, redact_replaces_every_occurrence) {
    EXPECT_EQ(redact("a tok b tok", {"tok", ""}), "a *** b ***");
    EXPECT_EQ(redact("nothing", {}), "nothing");
}

TEST(identity_refresh, refresh_at_80_percent_of_lifetime_with_a_floor) {
    const auto t0 = sys::time_point(1000s);
    EXPECT_EQ(refresh_time(t0, t0 + 100s, 0.8, 0ms), t0 + 80s);
    EXPECT_EQ(refresh_time(t0, t0 + 1s, 0.8, 5000ms), t0 + 5s);
    EXPECT_EQ(refresh_time(t0, t0 + 86400s, 0.8, 5000ms), t0 + 69120s);
}

TEST(identity_refresh, backoff_doubles_up_to_the_cap_with_jitter_in_half_to_full) {
    for (double r : {0.0, 0.3, 0.999}) {
        for (unsigned a = 1; a < 40; ++a) {
            const auto base = std::min<std::int64_t>(1000LL << std::min(a - 1, 20u), 60000);
            const auto d = backoff_delay(a, 1000ms, 60000ms, r).count();
            EXPECT_GE(d, base / 2) << a << " " << r;
            EXPECT_LE(d, base) << a << " " << r;
        }
    }
    EXPECT_EQ(backoff_delay(1, 1000ms, 60000ms, 0.0), 500ms);
    EXPECT_EQ(backoff_delay(3, 1000ms, 60000ms, 0.0), 2000ms);
    EXPECT_EQ(backoff_delay(30, 1000ms, 60000ms, 0.0), 30000ms);
}

TEST(identity_config, token_settings_map_to_request_settings) {
    config::token_settings t;
    t.method = config::auth_method::user_assigned_managed_identity;
    t.client_id = "c";
    t.tenant_id = "t";
    t.scope = "https://h/.default";
    t.resource = "https://h";
    t.identity_endpoint = "http://127.0.0.1:1";
    identity_environment env;
    env.federated_token_file = "/f";
    const auto s = request_settings_from(t, env);
    EXPECT_TRUE(s.user_assigned);
    EXPECT_EQ(s.client_id, "c");
    EXPECT_EQ(s.tenant_id, "t");
    EXPECT_EQ(s.scope, "https://h/.default");
    EXPECT_EQ(s.resource, "https://h");
    EXPECT_EQ(s.endpoint_override, "http://127.0.0.1:1");
    EXPECT_EQ(select_flow(s), token_flow::workload_identity);
}

TEST(identity_config, user_assigned_needs_client_id_and_workload_identity_a_tenant) {
    provider_options o;
    o.request = sami();
    o.request.user_assigned = true;
    std::string e;
    EXPECT_EQ(token_provider::create(o, e), nullptr);
    EXPECT_NE(e.find("clientId"), std::string::npos);
    o.request.client_id = "c";
    o.request.environment.federated_token_file = "/f";
    o.request.scope = "s";
    EXPECT_EQ(token_provider::create(o, e), nullptr);
    EXPECT_NE(e.find("tenantId"), std::string::npos);
}

}  // namespace
}  // namespace flowbridge::identity
