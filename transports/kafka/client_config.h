#pragma once

// The input of every librdkafka client flowbridge creates: an ordered list of librdkafka
// properties (what the configuration module renders from a DataflowEndpoint) and which of them
// are secret. No librdkafka header here: this file is included by code that never talks to Kafka.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowbridge::kafka {

/// librdkafka configuration properties, applied in order (a later duplicate overrides).
using property_list = std::vector<std::pair<std::string, std::string>>;

/// What a producer or consumer is configured with. `secret_keys` names properties whose values
/// must never appear in an error or a log line (SPEC §8); the well-known secret librdkafka
/// properties are always treated as secret, see is_secret_property().
struct client_config {
    property_list properties;
    std::vector<std::string> secret_keys;
};

/// Receives librdkafka's log lines and client error events (`level` is syslog's: 0 emergency ..
/// 3 error, 4 warning, 6 info, 7 debug; `facility` is librdkafka's, e.g. `FAIL`, `ERROR`). Values of
/// secret properties are redacted before the call and lines are rate-limited per client. Called
/// from librdkafka's internal threads and from the thread that polls the client: must be
/// thread-safe and must not call back into the client.
using log_callback =
    std::function<void(int level, std::string_view facility, std::string_view message)>;

/// True when the value of property `name` must be redacted: it is listed in `extra`, or it is a
/// librdkafka property that carries a credential (sasl.password, ssl.key.password, ssl.key.pem,
/// sasl.oauthbearer.config, ...), or its name mentions a password, secret or token.
bool is_secret_property(std::string_view name, std::span<const std::string> extra = {}) noexcept;

/// `value`, or `***` when `name` is secret: the only way a property value reaches a message.
std::string display_value(std::string_view name, std::string_view value,
                          std::span<const std::string> extra = {});

}  // namespace flowbridge::kafka
