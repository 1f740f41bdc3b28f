#pragma once

// PEM checks for certificates, CA bundles and private keys (OpenSSL; no I/O). Each returns
// nullopt when fine, else a reason that never contains the material itself (SPEC §8).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flowbridge::config {

/// One or more PEM certificates (and nothing else that looks like PEM). `count` receives how
/// many were found.
std::optional<std::string> check_certificates_pem(std::string_view pem,
                                                  std::size_t* count = nullptr);

/// One unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1).
std::optional<std::string> check_private_key_pem(std::string_view pem);

/// The key belongs to the first certificate of `cert_pem`.
std::optional<std::string> check_key_matches_certificate(std::string_view cert_pem,
                                                         std::string_view key_pem);

}  // namespace flowbridge::config
