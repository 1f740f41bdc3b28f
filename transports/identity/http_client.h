#pragma once

// Internal to transports/identity: one HTTP/1.1 exchange with Boost.Beast. Only .cc files
// include this header, and it includes no Beast/Asio itself (they stay in http_client.cc).

#include <chrono>
#include <optional>
#include <string>

#include "transports/identity/token_request.h"

namespace flowbridge::identity::detail {

struct http_options {
    std::chrono::milliseconds timeout{10000};  ///< the whole exchange
    std::string ca_file;                       ///< https trust; empty: system store
    std::size_t body_limit = 1 << 20;
};

struct http_response {
    unsigned status = 0;
    std::string body;
};

/// Sends `request` on a new connection (Connection: close) and reads the response, on the
/// calling thread (a private io_context runs the asynchronous Beast operations until done or
/// `options.timeout`). http only to loopback/IMDS (check_transport_policy); https verifies the
/// peer against the CA bundle and the host name. nullopt + `error` on failure; `error` never
/// contains the request body.
std::optional<http_response> send_request(const token_request& request, const http_options& options,
                                          std::string& error);

}  // namespace flowbridge::identity::detail
