#include "transports/identity/token_request.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace flowbridge::identity {

namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string trim_trailing_slashes(std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
}

bool parse_seconds(std::string_view text, std::int64_t& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

// A number, or a numeric string (IMDS sends "expires_in": "86399").
bool read_seconds(simdjson::dom::element e, std::int64_t& out) {
    if (auto i = e.get_int64(); !i.error()) {
        out = i.value();
        return true;
    }
    if (auto d = e.get_double(); !d.error()) {
        out = static_cast<std::int64_t>(d.value());
        return true;
    }
    if (auto s = e.get_string(); !s.error()) return parse_seconds(s.value(), out);
    return false;
}

}  // namespace

std::string_view to_string(token_flow f) noexcept {
    switch (f) {
        case token_flow::system_assigned:
            return "system-assigned (IMDS)";
        case token_flow::user_assigned_imds:
            return "user-assigned (IMDS client_id)";
        case token_flow::workload_identity:
            return "user-assigned (workload identity federation)";
    }
    return "?";
}

identity_environment identity_environment::from_process() {
    identity_environment e;
    e.identity_endpoint = env_or_empty("IDENTITY_ENDPOINT");
    e.federated_token_file = env_or_empty("AZURE_FEDERATED_TOKEN_FILE");
    e.authority_host = env_or_empty("AZURE_AUTHORITY_HOST");
    return e;
}

token_flow select_flow(const token_request_settings& s) noexcept {
    if (!s.user_assigned) return token_flow::system_assigned;
    return s.environment.federated_token_file.empty() ? token_flow::user_assigned_imds
                                                      : token_flow::workload_identity;
}

std::optional<url_parts> parse_url(std::string_view url, std::string& error) {
    url_parts u;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        error = "not an absolute http(s) URL";
        return std::nullopt;
    }
    u.scheme = std::string(url.substr(0, scheme_end));
    std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (u.scheme != "http" && u.scheme != "https") {
        error = "unsupported URL scheme '" + u.scheme + "' (http or https)";
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme_end + 3);
    const auto path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    u.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
    if (u.target.front() == '?') u.target.insert(u.target.begin(), '/');
    if (authority.find('@') != std::string_view::npos) {
        error = "URLs with user information are not supported";
        return std::nullopt;
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            error = "unterminated IPv6 address";
            return std::nullopt;
        }
        u.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                error = "malformed host";
                return std::nullopt;
            }
            port_text = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (u.host.empty()) {
        error = "URL without a host";
        return std::nullopt;
    }
    if (port_text.empty()) {
        u.port = u.scheme == "https" ? 443 : 80;
    } else {
        unsigned p = 0;
        auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p == 0 ||
            p > 65535) {
            error = "invalid port '" + std::string(port_text) + "'";
            return std::nullopt;
        }
        u.port = static_cast<std::uint16_t>(p);
    }
    return u;
}

bool is_loopback_host(std::string_view host) noexcept {
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string check_transport_policy(const url_parts& u) {
    if (u.scheme == "https") return {};
    // IMDS has no TLS and is reachable only from the VM/pod itself; loopback endpoints (tests,
    // Arc/App Service style local identity endpoints) likewise never leave the machine.
    if (is_loopback_host(u.host) || u.host == "169.254.169.254") return {};
    return "plain http to '" + u.host +
           "' refused: token endpoints must be https unless loopback or IMDS";
}

std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    return out;
}

std::string token_request::describe() const {
    // The URL carries no secret (resource, client id, tenant are identifiers); the body may
    // carry the federated assertion, so it is never part of a description.
    return method + " " + url;
}

token_request build_token_request(const token_request_settings& s, token_flow flow,
                                  std::string_view federated_token) {
    token_request r;
    if (flow == token_flow::workload_identity) {
        const std::string authority = trim_trailing_slashes(
            s.environment.authority_host.empty() ? std::string(default_authority_host)
                                                 : s.environment.authority_host);
        r.method = "POST";
        r.url = authority + "/" + url_encode(s.tenant_id) + "/oauth2/v2.0/token";
        r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
        r.body = "client_id=" + url_encode(s.client_id) + "&scope=" + url_encode(s.scope) +
                 "&grant_type=client_credentials&client_assertion_type=" +
                 url_encode(jwt_bearer_assertion_type) +
                 "&client_assertion=" + url_encode(federated_token);
        return r;
    }
    // SPEC §6 precedence: the annotation, then $IDENTITY_ENDPOINT, then IMDS.
    std::string base = !s.endpoint_override.empty()               ? s.endpoint_override
                       : !s.environment.identity_endpoint.empty() ? s.environment.identity_endpoint
                                                                  : std::string(imds_endpoint);
    base = trim_trailing_slashes(std::move(base));
    r.method = "GET";
    r.url = base + "/metadata/identity/oauth2/token?api-version=" + std::string(imds_api_version) +
            "&resource=" + url_encode(s.resource);
    if (flow == token_flow::user_assigned_imds) r.url += "&client_id=" + url_encode(s.client_id);
    r.headers = {{"Metadata", "true"}, {"Accept", "application/json"}};
    return r;
}

std::string redact(std::string text, const std::vector<std::string_view>& secrets) {
    for (auto secret : secrets) {
        if (secret.empty()) continue;
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 3)) {
            text.replace(pos, secret.size(), "***");
        }
    }
    return text;
}

std::string describe_error_body(std::string_view body,
                                const std::vector<std::string_view>& secrets) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element doc;
    std::string_view code, description;
    if (parser.parse(padded).get(doc) || !doc.is_object() || doc["error"].get_string().get(code))
        return {};
    std::string out = "error '" + std::string(code) + "'";
    if (!doc["error_description"].get_string().get(description))
        out += ": " + std::string(description);
    return redact(std::move(out), secrets);
}

std::optional<access_token> parse_token_response(std::string_view body,
                                                 std::chrono::system_clock::time_point received,
                                                 std::string& error,
                                                 const std::vector<std::string_view>& secrets) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(body);
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) || !doc.is_object()) {
        // Never quote the body: it may be a token in a malformed envelope.
        error = "token endpoint answered with a body that is not a JSON object (" +
                std::to_string(body.size()) + " bytes)";
        return std::nullopt;
    }
    std::string_view value;
    if (doc["access_token"].get_string().get(value) || value.empty()) {
        std::string_view code, description;
        if (!doc["error"].get_string().get(code)) {
            error = "token endpoint error '" + std::string(code) + "'";
            if (!doc["error_description"].get_string().get(description))
                error += ": " + std::string(description);
            error = redact(std::move(error), secrets);
        } else {
            error = "token endpoint response has no access_token";
        }
        return std::nullopt;
    }
    access_token t;
    t.value = std::string(value);
    std::int64_t seconds = 0;
    if (simdjson::dom::element e; !doc["expires_in"].get(e) && read_seconds(e, seconds)) {
        t.expires_at = received + std::chrono::seconds(seconds);
    } else if (!doc["expires_on"].get(e) && read_seconds(e, seconds)) {
        t.expires_at = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
    } else {
        error = "token endpoint response has neither a numeric expires_in nor expires_on";
        return std::nullopt;
    }
    if (t.expires_at <= received) {
        error = "token endpoint returned a token that is already expired";
        return std::nullopt;
    }
    return t;
}

std::chrono::system_clock::time_point refresh_time(std::chrono::system_clock::time_point obtained,
                                                   std::chrono::system_clock::time_point expires_at,
                                                   double fraction,
                                                   std::chrono::milliseconds min_delay) noexcept {
    const auto lifetime = expires_at - obtained;
    const auto at = obtained + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                   lifetime * fraction);
    return std::max(
        at, obtained + std::chrono::duration_cast<std::chrono::system_clock::duration>(min_delay));
}

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max,
                                        double unit_random) noexcept {
    if (attempt == 0) attempt = 1;
    double base =
        static_cast<double>(initial.count()) * std::ldexp(1.0, std::min(attempt - 1, 30u));
    base = std::min(base, static_cast<double>(max.count()));
    const double factor = 0.5 + 0.5 * std::clamp(unit_random, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(base * factor));
}

}  // namespace flowbridge::identity
