#pragma once

// The managed identity token protocols of SPEC §6 as pure functions: which HTTP request to send
// for a flow, and what a token endpoint's JSON answer means. No sockets, no Beast: unit-testable,
// and the default (IMDS / login.microsoftonline.com) requests are built and checked without ever
// being sent.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowbridge::identity {

/// The Azure IMDS base address (SPEC §6 default). Plain http: IMDS is link-local and speaks no TLS.
inline constexpr std::string_view imds_endpoint = "http://169.254.169.254";
/// The Azure AD authority used for workload identity federation unless $AZURE_AUTHORITY_HOST says
/// otherwise.
inline constexpr std::string_view default_authority_host = "https://login.microsoftonline.com/";
inline constexpr std::string_view imds_api_version = "2018-02-01";
inline constexpr std::string_view jwt_bearer_assertion_type =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Which token protocol a provider speaks.
enum class token_flow : std::uint8_t {
    system_assigned,     ///< IMDS GET with resource=
    user_assigned_imds,  ///< IMDS GET with resource= and client_id=
    workload_identity,   ///< POST client-credentials grant with the federated token as assertion
};
std::string_view to_string(token_flow f) noexcept;

/// Where the environment points the provider (SPEC §6). from_process() reads the variables;
/// tests fill it explicitly so that nothing depends on the test runner's environment.
struct identity_environment {
    std::string identity_endpoint;     ///< $IDENTITY_ENDPOINT
    std::string federated_token_file;  ///< $AZURE_FEDERATED_TOKEN_FILE
    std::string authority_host;        ///< $AZURE_AUTHORITY_HOST
    static identity_environment from_process();
};

/// What to ask for (engine/config's token_settings, plus the environment).
struct token_request_settings {
    bool user_assigned = false;
    std::string resource;           ///< IMDS `resource=` (the audience)
    std::string scope;              ///< workload identity `scope=`
    std::string client_id;          ///< user-assigned
    std::string tenant_id;          ///< user-assigned, workload identity
    std::string endpoint_override;  ///< annotation flowbridge.io/identity-endpoint (wins)
    identity_environment environment;
};

/// The flow SPEC §6 picks: system-assigned → IMDS; user-assigned → workload identity when a
/// federated token file is configured, else IMDS with client_id.
token_flow select_flow(const token_request_settings& s) noexcept;

/// A parsed absolute URL: scheme (http/https), host (IPv6 without brackets), port, and target
/// (path + query, at least "/").
struct url_parts {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;
    std::string target;
};
/// Parses `http[s]://host[:port][/path][?query]`; nullopt + `error` otherwise.
std::optional<url_parts> parse_url(std::string_view url, std::string& error);

/// True for 127.0.0.0/8, ::1 and `localhost`: hosts plain http is allowed to.
bool is_loopback_host(std::string_view host) noexcept;
/// Plain http is refused except to loopback and to the IMDS link-local address (which has no
/// TLS); everything else must be https. "" when `u` may be contacted, else the reason.
std::string check_transport_policy(const url_parts& u);

/// RFC 3986 percent-encoding of everything but unreserved characters (query values and
/// application/x-www-form-urlencoded values alike).
std::string url_encode(std::string_view s);

/// One token request, ready to send. `body` may carry the federated assertion: it is a secret
/// and never logged (describe() leaves it out).
struct token_request {
    std::string method;  ///< GET or POST
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string describe() const;  ///< "GET <url>" for logs: no body, no header values
};

/// Builds the request of `flow`. `federated_token` is the content of the federated token file
/// (workload identity only; the caller re-reads the file before every request, since the
/// kubelet rotates it).
token_request build_token_request(const token_request_settings& s, token_flow flow,
                                  std::string_view federated_token = {});

/// A token as handed out: the value (secret) and when it expires.
struct access_token {
    std::string value;
    std::chrono::system_clock::time_point expires_at{};
};

/// Parses a token endpoint's JSON body (simdjson): `access_token` and `expires_in` (seconds, a
/// number or a numeric string, as IMDS sends it) or else `expires_on` (Unix seconds, number or
/// string). `received` is when the response arrived. On failure returns nullopt and an error that
/// never quotes the body (it may hold a token); for an OAuth error response it names `error` and
/// `error_description` (redacted against `secrets`).
std::optional<access_token> parse_token_response(std::string_view body,
                                                 std::chrono::system_clock::time_point received,
                                                 std::string& error,
                                                 const std::vector<std::string_view>& secrets = {});

/// For a failed token request: "error 'code': description" from an OAuth/IMDS JSON error body
/// (redacted against `secrets`), or "" when the body has no `error` string. Never the body.
std::string describe_error_body(std::string_view body,
                                const std::vector<std::string_view>& secrets);

/// `text` with every occurrence of each non-empty secret replaced by `***` (SPEC §8).
std::string redact(std::string text, const std::vector<std::string_view>& secrets);

/// When to refresh a token obtained at `obtained` that expires at `expires_at`: at `fraction`
/// (SPEC §6: 0.8) of its lifetime, but not sooner than `min_delay` after `obtained`.
std::chrono::system_clock::time_point refresh_time(std::chrono::system_clock::time_point obtained,
                                                   std::chrono::system_clock::time_point expires_at,
                                                   double fraction,
                                                   std::chrono::milliseconds min_delay) noexcept;

/// Exponential back-off with jitter for the `attempt`-th consecutive failure (1-based):
/// min(max, initial · 2^(attempt-1)) scaled by a factor in [0.5, 1.0] chosen by `unit_random`
/// (a value in [0, 1)).
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit_random) noexcept;

}  // namespace flowbridge::identity
