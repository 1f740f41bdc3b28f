#include "transports/kafka/client_config.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace flowbridge::kafka {

namespace {

// librdkafka properties whose values are credentials (CONFIGURATION.md of librdkafka 2.0).
constexpr std::array<std::string_view, 7> librdkafka_secret_properties = {
    "sasl.password",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.client.secret",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl_key",
    "ssl.keystore.password",
};

bool contains_ci(std::string_view haystack, std::string_view needle) noexcept {
    if (needle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        bool match = true;
        for (std::size_t j = 0; j < needle.size() && match; ++j) {
            match = std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j];
        }
        if (match) return true;
    }
    return false;
}

}  // namespace

bool is_secret_property(std::string_view name, std::span<const std::string> extra) noexcept {
    if (std::any_of(extra.begin(), extra.end(), [&](const std::string& s) { return s == name; }))
        return true;
    if (std::find(librdkafka_secret_properties.begin(), librdkafka_secret_properties.end(), name) !=
        librdkafka_secret_properties.end())
        return true;
    return contains_ci(name, "password") || contains_ci(name, "secret") ||
           contains_ci(name, "token");
}

std::string display_value(std::string_view name, std::string_view value,
                          std::span<const std::string> extra) {
    return is_secret_property(name, extra) ? std::string("***") : std::string(value);
}

}  // namespace flowbridge::kafka
