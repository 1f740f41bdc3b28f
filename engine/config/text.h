#pragma once

// Small, pure string helpers used by the loader and validator. Public so tests can check them.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/model.h"

namespace flowbridge::config {

bool equals_ignore_case(std::string_view a, std::string_view b);
bool ends_with_ignore_case(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);

/// A value quoted for a message: at most 64 bytes, control characters escaped. Only ever used
/// for values of non-secret fields.
std::string quoted(std::string_view value);

/// Levenshtein distance, capped (returns cap+1 when larger); for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t cap = 3);

/// Standard base64 (RFC 4648 §4) as Kubernetes writes Secret `data`; whitespace is skipped,
/// padding is optional at the very end. nullopt on any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view in);

/// `host:port`, `[v6addr]:port`. nullopt with `error` set when malformed.
std::optional<host_port> parse_host_port(std::string_view text, std::string& error);

/// The host part of the first entry of a `host` field ("a.b:9093,c:9093" → "a.b").
std::string first_host(std::string_view host_field);

std::vector<std::string_view> split(std::string_view s, char sep);

}  // namespace flowbridge::config
