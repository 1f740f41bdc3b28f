#include "transports/kafka/oauth.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "transports/identity/token_source.h"
#include "transports/kafka/handle.h"

namespace flowbridge::kafka::detail {

bool uses_oauthbearer(const rd_kafka_conf_t* conf) {
    std::string m = get_property(conf, "sasl.mechanisms");
    std::transform(m.begin(), m.end(), m.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return m == "OAUTHBEARER";
}

void oauth_binding::configure(rd_kafka_conf_t* conf, identity::token_source* source,
                              void (*refresh_cb)(rd_kafka_t*, const char*, void*)) noexcept {
    source_ = source;
    if (!source_) return;
    rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, refresh_cb);
    // Serve the refresh callback from librdkafka's background thread, not from rd_kafka_poll()
    // on the shard's worker thread (attach() forwards the queue).
    rd_kafka_conf_enable_sasl_queue(conf, 1);
}

bool oauth_binding::attach(rd_kafka_t* rk, std::string& error) {
    if (!source_) return true;
    rk_ = rk;
    if (rd_kafka_error_t* e = rd_kafka_sasl_background_callbacks_enable(rk)) {
        error = std::string("cannot serve OAUTHBEARER refreshes in the background: ") +
                rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
        return false;
    }
    subscription_ =
        source_->subscribe([this](const identity::access_token& t) { hand_over(rk_, &t, {}); });
    subscribed_ = true;
    return true;
}

void oauth_binding::detach() noexcept {
    if (subscribed_) source_->unsubscribe(subscription_);
    subscribed_ = false;
}

void oauth_binding::on_refresh(rd_kafka_t* rk) noexcept {
    identity::access_token t;
    std::string reason;
    if (source_ && source_->current(t, reason)) {
        hand_over(rk, &t, {});
    } else {
        hand_over(rk, nullptr, source_ ? reason : std::string("no token source"));
    }
}

void oauth_binding::hand_over(rd_kafka_t* rk, const identity::access_token* token,
                              const std::string& reason) noexcept {
    std::string failure = reason;
    if (token) {
        const auto expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    token->expires_at.time_since_epoch())
                                    .count();
        std::array<char, 512> err{};
        const auto rc =
            rd_kafka_oauthbearer_set_token(rk, token->value.c_str(), expires_ms, oauth_principal,
                                           nullptr, 0, err.data(), err.size());
        if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) {
            tokens_set_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        // librdkafka's reason may quote what it rejected: redact the token (SPEC §8).
        failure = identity::redact(
            std::string("librdkafka rejected the identity token: ") + err.data(), {token->value});
    }
    failures_.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(failure_mutex_);
        last_failure_ = failure;
    }
    rd_kafka_oauthbearer_set_token_failure(rk, failure.c_str());
}

bool oauth_binding::on_authentication_failure() noexcept {
    if (source_ == nullptr) return false;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t last = last_refresh_request_ns_.load(std::memory_order_relaxed);
    const std::int64_t gap =
        std::chrono::duration_cast<std::chrono::nanoseconds>(min_refresh_request_interval).count();
    // Every reconnect fails authentication the same way: one fetch per interval is enough.
    if (last != 0 && now - last < gap) return false;
    if (!last_refresh_request_ns_.compare_exchange_strong(last, now)) return false;
    if (!source_->refresh_now()) return false;
    refresh_requests_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

std::string oauth_binding::last_failure() const {
    std::lock_guard lock(failure_mutex_);
    return last_failure_;
}

}  // namespace flowbridge::kafka::detail
