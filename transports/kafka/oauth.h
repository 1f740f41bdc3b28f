#pragma once

// Internal to transports/kafka: SASL OAUTHBEARER for managed identities (SPEC §2.1, §6). Binds a
// librdkafka client to an identity::token_source. Only .cc files of this folder include it.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "transports/identity/token_source.h"

namespace flowbridge::kafka::detail {

/// The principal name handed to librdkafka with each token (Kafka brokers that validate JWTs take
/// the principal from the token itself; Event Hubs ignores it).
inline constexpr const char* oauth_principal = "flowbridge";

/// Hands tokens from a token_source to one librdkafka client.
///
/// Two paths, both non-blocking: (1) librdkafka's token refresh callback (installed by
/// configure(); at start and at 80 % of the last token's lifetime) reads the source's cached
/// token; the callback is served on librdkafka's background thread (SASL queue forwarded with
/// rd_kafka_sasl_background_callbacks_enable), never on the thread that polls the data path;
/// (2) the source's listener pushes every new token at once (from the source's refresh thread;
/// rd_kafka_oauthbearer_set_token is thread-safe), so librdkafka never runs on a stale token
/// while a fresh one is cached. A source without a valid token → set_token_failure with the
/// (redacted) reason; librdkafka retries the callback and keeps reconnecting.
///
/// Lifetime: configure() before rd_kafka_new, attach() right after, detach() before
/// rd_kafka_destroy (it waits for a running listener).
class oauth_binding {
  public:
    /// Installs the refresh callback (which forwards to on_refresh() through the client's
    /// opaque) and enables the SASL queue. `source` must outlive the client.
    void configure(rd_kafka_conf_t* conf, identity::token_source* source,
                   void (*refresh_cb)(rd_kafka_t*, const char*, void*)) noexcept;
    /// Forwards the SASL queue to the background thread and subscribes to new tokens.
    bool attach(rd_kafka_t* rk, std::string& error);
    void detach() noexcept;

    /// The refresh callback's work.
    void on_refresh(rd_kafka_t* rk) noexcept;

    /// The broker rejected the SASL authentication (`_AUTHENTICATION`): the token may have been
    /// revoked or rotated early, so ask the source to fetch a new one now instead of at 80 % of
    /// its lifetime. At most once per `min_refresh_request_interval`; true when asked. Only a
    /// source that can refresh on demand (identity::token_provider) is asked. Any thread.
    bool on_authentication_failure() noexcept;
    static constexpr std::chrono::seconds min_refresh_request_interval{5};
    std::uint64_t refresh_requests() const noexcept { return refresh_requests_.load(); }

    bool enabled() const noexcept { return source_ != nullptr; }
    std::uint64_t tokens_set() const noexcept { return tokens_set_.load(); }
    std::uint64_t token_failures() const noexcept { return failures_.load(); }
    /// The last failure reported to librdkafka (never a token).
    std::string last_failure() const;

  private:
    void hand_over(rd_kafka_t* rk, const identity::access_token* token,
                   const std::string& reason) noexcept;

    identity::token_source* source_ = nullptr;
    rd_kafka_t* rk_ = nullptr;
    std::uint64_t subscription_ = 0;
    bool subscribed_ = false;
    std::atomic<std::uint64_t> tokens_set_{0};
    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::uint64_t> refresh_requests_{0};
    std::atomic<std::int64_t> last_refresh_request_ns_{0};  // steady clock, 0: never
    mutable std::mutex failure_mutex_;
    std::string last_failure_;
};

/// True when the property list selects SASL OAUTHBEARER.
bool uses_oauthbearer(const rd_kafka_conf_t* conf);

}  // namespace flowbridge::kafka::detail
