#include "engine/config/diagnostic.h"

#include <algorithm>
#include <unordered_map>

namespace flowbridge::config {

std::string format(const diagnostic& d) {
    std::string out = d.where.file.empty() ? std::string("<input>") : d.where.file;
    if (d.where.known()) {
        out += ':';
        out += std::to_string(d.where.line);
        out += ':';
        out += std::to_string(d.where.column);
    }
    out += ": ";
    if (d.level == severity::warning) out += "warning: ";
    if (d.level == severity::note) out += "note: ";
    if (!d.path.empty()) {
        out += d.path;
        out += ": ";
    }
    out += d.message;
    return out;
}

void diagnostics::add(diagnostic d) {
    if (d.level == severity::error) ++errors_;
    if (d.level == severity::warning) ++warnings_;
    items_.push_back(std::move(d));
}

void diagnostics::error(location where, std::string path, std::string message) {
    add({severity::error, std::move(where), std::move(path), std::move(message)});
}

void diagnostics::warning(location where, std::string path, std::string message) {
    add({severity::warning, std::move(where), std::move(path), std::move(message)});
}

void diagnostics::note(location where, std::string path, std::string message) {
    add({severity::note, std::move(where), std::move(path), std::move(message)});
}

void diagnostics::sort(const std::vector<std::string>& file_order) {
    std::unordered_map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < file_order.size(); ++i) rank.emplace(file_order[i], i);
    auto rank_of = [&](const std::string& f) {
        auto it = rank.find(f);
        return it == rank.end() ? file_order.size() : it->second;
    };
    std::stable_sort(items_.begin(), items_.end(), [&](const diagnostic& a, const diagnostic& b) {
        auto ra = rank_of(a.where.file);
        auto rb = rank_of(b.where.file);
        if (ra != rb) return ra < rb;
        if (ra == file_order.size() && a.where.file != b.where.file)
            return a.where.file < b.where.file;
        if (a.where.line != b.where.line) return a.where.line < b.where.line;
        return a.where.column < b.where.column;
    });
}

}  // namespace flowbridge::config
