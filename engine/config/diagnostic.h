#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flowbridge::config {

/// Where something was written: a file and a 1-based line and column. `line == 0` means the
/// whole file (e.g. it could not be read). Plain value type.
struct location {
    std::string file;
    int line = 0;
    int column = 0;

    bool known() const { return line > 0; }
};

enum class severity {
    error,    ///< the configuration is invalid; `validate` exits 1
    warning,  ///< accepted, but probably not what the author meant (unknown field, alias, ...)
    note,     ///< informational ("setting ignored for this role"); shown by `validate --verbose`
};

/// One finding of the loader or validator. `path` is the field path inside the resource
/// (`spec.kafkaSettings.batching.latencyMs`), empty for file-level problems.
/// A message never contains a value read from a Secret (SPEC §8).
struct diagnostic {
    severity level = severity::error;
    location where;
    std::string path;
    std::string message;
};

/// `FILE:LINE:COL: PATH: message` for errors, `FILE:LINE:COL: warning: PATH: message` for
/// warnings (`note:` for notes). Without a line: `FILE: ...`; without a path the `PATH: ` part
/// is left out.
std::string format(const diagnostic& d);

/// The ordered list of findings of one load. Not thread-safe; owned by one load call.
class diagnostics {
  public:
    void error(location where, std::string path, std::string message);
    void warning(location where, std::string path, std::string message);
    void note(location where, std::string path, std::string message);
    void add(diagnostic d);

    bool has_errors() const { return errors_ > 0; }
    std::size_t error_count() const { return errors_; }
    std::size_t warning_count() const { return warnings_; }
    const std::vector<diagnostic>& all() const { return items_; }

    /// Orders findings by file (in the order given by `file_order`, unknown files last), then
    /// line and column; findings at the same place keep their order.
    void sort(const std::vector<std::string>& file_order);

  private:
    std::vector<diagnostic> items_;
    std::size_t errors_ = 0;
    std::size_t warnings_ = 0;
};

}  // namespace flowbridge::config
