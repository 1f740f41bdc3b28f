#pragma once

// The seam between whoever needs an access token (the Kafka OAUTHBEARER callback, the MQTT
// OAUTH2-JWT CONNECT) and whoever obtains it (token_provider, or a test's fake). No Beast, no
// Asio: included by transports that must not see the HTTP client.

#include <cstdint>
#include <functional>
#include <string>

#include "transports/identity/token_request.h"

namespace flowbridge::identity {

/// A source of access tokens kept fresh in the background.
///
/// Thread-safety: every method may be called from any thread. Listeners run on the source's
/// refresh thread, one at a time, and must not call subscribe()/unsubscribe() themselves.
class token_source {
  public:
    virtual ~token_source() = default;

    /// The current token if one is valid (not expired), else false and `error` says why (the
    /// last fetch failure, never a token). Never blocks on the network.
    virtual bool current(access_token& out, std::string& error) const = 0;

    using listener = std::function<void(const access_token&)>;
    /// `on_token` is called with every new token (and at once with the current one, if any).
    /// Returns an id for unsubscribe().
    virtual std::uint64_t subscribe(listener on_token) = 0;
    /// After it returns, the listener is not running and will not be called again.
    virtual void unsubscribe(std::uint64_t id) noexcept = 0;

    /// Asks for a new token now (e.g. the broker rejected the current one), without waiting for
    /// it. Returns false when this source cannot fetch on demand (the default).
    virtual bool refresh_now() noexcept { return false; }
};

}  // namespace flowbridge::identity
