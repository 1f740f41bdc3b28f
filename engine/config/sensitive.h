#pragma once

#include <string>
#include <utility>

namespace flowbridge::config {

/// A configuration value that may be secret (a password, a key, anything read from a Secret).
/// `display()` is the only way a value reaches a human, and it prints `***` for a secret one
/// (SPEC §8). `reveal()` is for the code that hands the value to a client library. Plain value
/// type; no global state.
class sensitive_string {
  public:
    sensitive_string() = default;

    static sensitive_string secret(std::string value) { return {std::move(value), true}; }
    static sensitive_string plain(std::string value) { return {std::move(value), false}; }

    const std::string& reveal() const { return value_; }
    bool is_secret() const { return secret_; }
    bool empty() const { return value_.empty(); }
    std::string display() const { return secret_ ? std::string("***") : value_; }

    friend bool operator==(const sensitive_string&, const sensitive_string&) = default;

  private:
    sensitive_string(std::string value, bool secret) : value_(std::move(value)), secret_(secret) {}

    std::string value_;
    bool secret_ = false;
};

}  // namespace flowbridge::config
