#pragma once

// YAML → resource model (internal to engine/config). Parses one source text, multi-document,
// and appends every resource it holds to `cfg`; every problem becomes a diagnostic (yaml-cpp's
// exceptions are caught here and never escape).

#include <string>
#include <string_view>

#include "engine/config/diagnostic.h"
#include "engine/config/model.h"

namespace flowbridge::config::detail {

/// Splits `text` at `---` / `...` document markers in column 0 (YAML 1.2 §9.1, a marker there
/// always ends a document), so that a syntax error in one document does not hide the others.
/// Each part keeps the 0-based line at which it starts.
struct document_text {
    std::string_view text;
    int first_line = 0;
};
std::vector<document_text> split_documents(std::string_view text);

void decode_source(const std::string& name, std::string_view text, configuration& cfg,
                   diagnostics& diags);

}  // namespace flowbridge::config::detail
