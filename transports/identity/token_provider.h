#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "transports/identity/token_request.h"
#include "transports/identity/token_source.h"

namespace flowbridge::identity {

enum class log_level : std::uint8_t { debug, info, warning, error };
/// Receives the provider's log lines. Every line is redacted before it gets here (SPEC §8):
/// it never contains a token or the federated assertion.
using log_sink = std::function<void(log_level, std::string_view)>;

struct provider_options {
    token_request_settings request;
    /// SPEC §6: refresh at 80 % of the token's lifetime.
    double refresh_fraction = 0.8;
    /// Never refresh sooner than this after a fetch (guards against tokens with a tiny lifetime).
    std::chrono::milliseconds min_refresh_delay{5000};
    /// Failed fetches are retried after min(max_backoff, initial_backoff · 2^(n-1)) · [0.5, 1].
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
    /// Connect + send + receive of one request.
    std::chrono::milliseconds request_timeout{10000};
    /// PEM CA bundle for https token endpoints; empty: the system trust store.
    std::string ca_file;
    log_sink log;
    /// Seed of the back-off jitter (0: random).
    std::uint64_t jitter_seed = 0;
};

struct provider_counters {
    std::atomic<std::uint64_t> requests{0};  // HTTP requests sent
    std::atomic<std::uint64_t> tokens{0};    // tokens obtained
    std::atomic<std::uint64_t> failures{0};  // failed fetches (each retried with back-off)
};

/// Obtains managed identity access tokens (SPEC §6) and keeps them fresh: the system-assigned
/// IMDS flow, the user-assigned IMDS flow with client_id, and Azure workload identity federation
/// (federated token file exchanged at <authority>/<tenant>/oauth2/v2.0/token; the file is re-read
/// before each exchange since the kubelet rotates it).
///
/// Threads: one refresh thread per provider, owned by it, runs every HTTP exchange (Boost.Beast
/// on a private io_context, synchronous from that thread's point of view, each bounded by
/// request_timeout). It refreshes at refresh_fraction of each token's lifetime and retries
/// failures with exponential back-off and jitter; until the current token expires it keeps being
/// handed out. current() and subscribe() are thread-safe and never block on the network, so a
/// librdkafka callback on a data-path thread can ask for the token at any time.
///
/// Secrets: tokens and the federated assertion never appear in an error, a log line or
/// describe() output (redacted as `***`).
class token_provider final : public token_source {
  public:
    /// Validates the settings (URLs parse, http only to loopback/IMDS, user-assigned has a
    /// client id, workload identity has a tenant). No network yet.
    static std::unique_ptr<token_provider> create(provider_options options, std::string& error);
    ~token_provider() override;

    token_provider(const token_provider&) = delete;
    token_provider& operator=(const token_provider&) = delete;

    /// Starts the refresh thread and waits up to `first_token` for the first token. False +
    /// `error` (the last failure) if none came in time; the thread keeps retrying either way.
    bool start(std::chrono::milliseconds first_token, std::string& error);
    /// Stops and joins the refresh thread (idempotent; the destructor calls it).
    void stop() noexcept;
    /// Asks the refresh thread to fetch now (e.g. the broker rejected the token); true.
    bool refresh_now() noexcept override;

    bool current(access_token& out, std::string& error) const override;
    std::uint64_t subscribe(listener on_token) override;
    void unsubscribe(std::uint64_t id) noexcept override;

    token_flow flow() const noexcept;
    /// The request as logged: method and URL, never the body.
    std::string describe() const;
    std::string last_error() const;
    const provider_counters& counters() const noexcept;

  private:
    struct impl;
    explicit token_provider(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

}  // namespace flowbridge::identity
