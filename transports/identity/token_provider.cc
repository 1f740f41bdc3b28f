#include "transports/identity/token_provider.h"

#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "transports/identity/http_client.h"

namespace flowbridge::identity {

using steady = std::chrono::steady_clock;
using system = std::chrono::system_clock;

struct token_provider::impl {
    provider_options options;
    token_flow flow = token_flow::system_assigned;
    token_request describe_request;  // the request as built without an assertion: for describe()
    provider_counters counters;

    mutable std::mutex mutex;  // guards everything below except listeners
    std::condition_variable wake;
    std::condition_variable got_token;
    bool running = false;
    bool stop = false;
    bool refresh_requested = false;
    bool has_token = false;
    access_token token;
    std::string last_error;
    std::thread thread;

    std::mutex listener_mutex;  // held while listeners run: unsubscribe() waits for them
    std::map<std::uint64_t, listener> listeners;
    std::uint64_t next_listener = 1;

    std::mt19937_64 random;

    void log(log_level level, std::string text, const std::vector<std::string_view>& secrets) {
        if (options.log) options.log(level, redact(std::move(text), secrets));
    }

    // One fetch, on the refresh thread. Never returns a message containing a secret.
    std::optional<access_token> fetch(std::string& error);
    void run();
};

std::optional<access_token> token_provider::impl::fetch(std::string& error) {
    std::string assertion;
    if (flow == token_flow::workload_identity) {
        // Re-read every time: the kubelet rotates the projected token.
        const auto& path = options.request.environment.federated_token_file;
        std::ifstream in(path, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        if (!in) {
            error =
                "cannot read the federated token file '" + path + "' (AZURE_FEDERATED_TOKEN_FILE)";
            return std::nullopt;
        }
        assertion = content.str();
        while (!assertion.empty() && std::isspace(static_cast<unsigned char>(assertion.back())))
            assertion.pop_back();
        if (assertion.empty()) {
            error = "the federated token file '" + path + "' is empty";
            return std::nullopt;
        }
    }
    std::string previous;
    {
        std::lock_guard lock(mutex);
        if (has_token) previous = token.value;
    }
    const std::vector<std::string_view> secrets = {assertion, previous};
    const token_request request = build_token_request(options.request, flow, assertion);
    detail::http_options http;
    http.timeout = options.request_timeout;
    http.ca_file = options.ca_file;
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    std::string http_error;
    const auto response = detail::send_request(request, http, http_error);
    if (!response) {
        error = redact("token request " + request.describe() + ": " + http_error, secrets);
        return std::nullopt;
    }
    const auto received = system::now();
    std::string parse_error;
    auto parsed = parse_token_response(response->body, received, parse_error, secrets);
    if (response->status != 200) {
        error = "token request " + request.describe() + " answered HTTP " +
                std::to_string(response->status);
        // The OAuth error code/description if the body has them (never the body itself); a
        // token in an error answer must not leak either.
        std::vector<std::string_view> all = secrets;
        if (parsed) all.push_back(parsed->value);
        if (auto what = describe_error_body(response->body, all); !what.empty())
            error += " (" + what + ")";
        error = redact(std::move(error), all);
        return std::nullopt;
    }
    if (!parsed) {
        error = redact("token request " + request.describe() + ": " + parse_error, secrets);
        return std::nullopt;
    }
    return parsed;
}

void token_provider::impl::run() {
    unsigned failures = 0;
    auto next = steady::now();
    std::unique_lock lock(mutex);
    while (!stop) {
        wake.wait_until(lock, next,
                        [&] { return stop || refresh_requested || steady::now() >= next; });
        if (stop) break;
        refresh_requested = false;
        lock.unlock();
        std::string error;
        auto fetched = fetch(error);
        lock.lock();
        if (stop) break;
        if (fetched) {
            failures = 0;
            token = std::move(*fetched);
            has_token = true;
            last_error.clear();
            counters.tokens.fetch_add(1, std::memory_order_relaxed);
            const auto now = system::now();
            const auto at = refresh_time(now, token.expires_at, options.refresh_fraction,
                                         options.min_refresh_delay);
            next = steady::now() + (at - now);
            const auto lifetime_s =
                std::chrono::duration_cast<std::chrono::seconds>(token.expires_at - now).count();
            const auto refresh_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(at - now).count();
            const access_token fresh = token;
            got_token.notify_all();
            lock.unlock();
            log(log_level::info,
                "identity token obtained (" + std::string(to_string(flow)) + ", expires in " +
                    std::to_string(lifetime_s) + " s, next refresh in " +
                    std::to_string(refresh_ms) + " ms)",
                {fresh.value});
            {
                std::lock_guard listeners_lock(listener_mutex);
                for (auto& [id, l] : listeners) l(fresh);
            }
            lock.lock();
        } else {
            ++failures;
            counters.failures.fetch_add(1, std::memory_order_relaxed);
            last_error = error;
            std::uniform_real_distribution<double> unit(0.0, 1.0);
            const auto delay =
                backoff_delay(failures, options.initial_backoff, options.max_backoff, unit(random));
            next = steady::now() + delay;
            const bool valid = has_token && token.expires_at > system::now();
            std::string current_value = has_token ? token.value : std::string();
            got_token.notify_all();
            lock.unlock();
            log(valid ? log_level::warning : log_level::error,
                "identity token fetch failed (attempt " + std::to_string(failures) +
                    ", retrying in " + std::to_string(delay.count()) + " ms" +
                    (valid ? ", the current token stays in use" : ", no valid token") +
                    "): " + error,
                {current_value});
            lock.lock();
        }
    }
}

token_provider::token_provider(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

std::unique_ptr<token_provider> token_provider::create(provider_options options,
                                                       std::string& error) {
    auto p = std::make_unique<impl>();
    p->flow = select_flow(options.request);
    const auto& r = options.request;
    if (p->flow != token_flow::system_assigned && r.client_id.empty()) {
        error = "a user-assigned managed identity needs a clientId";
        return nullptr;
    }
    if (p->flow == token_flow::workload_identity) {
        if (r.tenant_id.empty()) {
            error = "workload identity federation needs a tenantId";
            return nullptr;
        }
        if (r.scope.empty()) {
            error = "workload identity federation needs a scope";
            return nullptr;
        }
    } else if (r.resource.empty()) {
        error = "a managed identity token request needs a resource (audience)";
        return nullptr;
    }
    p->describe_request = build_token_request(r, p->flow, {});
    std::string url_error;
    const auto u = parse_url(p->describe_request.url, url_error);
    if (!u) {
        error = "identity endpoint: " + url_error + " (" + p->describe_request.url + ")";
        return nullptr;
    }
    if (auto refused = check_transport_policy(*u); !refused.empty()) {
        error = "identity endpoint: " + refused;
        return nullptr;
    }
    if (options.refresh_fraction <= 0.0 || options.refresh_fraction >= 1.0) {
        error = "refresh_fraction must be in (0, 1)";
        return nullptr;
    }
    p->random.seed(options.jitter_seed ? options.jitter_seed : std::random_device{}());
    p->options = std::move(options);
    return std::unique_ptr<token_provider>(new token_provider(std::move(p)));
}

token_provider::~token_provider() { stop(); }

bool token_provider::start(std::chrono::milliseconds first_token, std::string& error) {
    std::unique_lock lock(impl_->mutex);
    if (!impl_->running) {
        impl_->running = true;
        impl_->stop = false;
        impl_->log(log_level::info, "identity token provider: " + describe(), {});
        impl_->thread = std::thread([p = impl_.get()] { p->run(); });
    }
    const auto deadline = steady::now() + first_token;
    // Wake on the first token, or on the first failure once the deadline has passed.
    while (!impl_->has_token) {
        if (impl_->got_token.wait_until(lock, deadline) == std::cv_status::timeout) break;
    }
    if (impl_->has_token) return true;
    error = impl_->last_error.empty()
                ? "no identity token within " + std::to_string(first_token.count()) + " ms"
                : impl_->last_error;
    return false;
}

void token_provider::stop() noexcept {
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->running) return;
        impl_->stop = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) impl_->thread.join();
    std::lock_guard lock(impl_->mutex);
    impl_->running = false;
}

bool token_provider::refresh_now() noexcept {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->refresh_requested = true;
    }
    impl_->wake.notify_all();
    return true;
}

bool token_provider::current(access_token& out, std::string& error) const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->has_token && impl_->token.expires_at > system::now()) {
        out = impl_->token;
        return true;
    }
    error = impl_->has_token ? "the identity token expired and could not be refreshed"
                             : "no identity token yet";
    if (!impl_->last_error.empty()) error += ": " + impl_->last_error;
    return false;
}

std::uint64_t token_provider::subscribe(listener on_token) {
    std::lock_guard listeners_lock(impl_->listener_mutex);
    const auto id = impl_->next_listener++;
    access_token now;
    std::string ignored;
    if (current(now, ignored)) on_token(now);
    impl_->listeners.emplace(id, std::move(on_token));
    return id;
}

void token_provider::unsubscribe(std::uint64_t id) noexcept {
    std::lock_guard listeners_lock(impl_->listener_mutex);
    impl_->listeners.erase(id);
}

token_flow token_provider::flow() const noexcept { return impl_->flow; }

std::string token_provider::describe() const {
    return std::string(to_string(impl_->flow)) + ": " + impl_->describe_request.describe();
}

std::string token_provider::last_error() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->last_error;
}

const provider_counters& token_provider::counters() const noexcept { return impl_->counters; }

}  // namespace flowbridge::identity
