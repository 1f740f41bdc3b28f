#include "engine/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace flowbridge::metrics {

namespace {

bool is_name_char(char c, bool first, bool colon_allowed) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
    if (c == ':') return colon_allowed;
    return !first && c >= '0' && c <= '9';
}

template <typename T>
void append_number(std::string& out, T v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// `{a="b",c="d"}` body without the braces.
std::string render_labels(const label_set& labels) {
    std::string out;
    for (const auto& l : labels) {
        if (!out.empty()) out += ',';
        out += l.name;
        out += "=\"";
        append_escaped_label_value(out, l.value);
        out += '"';
    }
    return out;
}

void validate_labels(std::string_view metric, const label_set& labels, bool histogram) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto& name = labels[i].name;
        if (!is_valid_label_name(name)) {
            throw std::invalid_argument("metric " + std::string(metric) + ": invalid label name '" +
                                        name + "'");
        }
        if (histogram && name == "le") {
            throw std::invalid_argument("metric " + std::string(metric) +
                                        ": label 'le' is reserved for histogram buckets");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (labels[j].name == name) {
                throw std::invalid_argument("metric " + std::string(metric) + ": label '" + name +
                                            "' given twice");
            }
        }
    }
}

// v × scale, computed as a division when 1/scale is a whole number (1e-9 → ÷ 1e9), so that
// 1000000 ns shows as 0.001 rather than 0.0010000000000000002.
double scaled(std::int64_t v, double scale) noexcept {
    const double inverse = std::round(1.0 / scale);
    if (scale < 1.0 && std::abs(1.0 / scale - inverse) < 1e-6 * inverse) {
        return static_cast<double>(v) / inverse;
    }
    return static_cast<double>(v) * scale;
}

label_set sorted(label_set labels) {
    std::sort(labels.begin(), labels.end(),
              [](const label& a, const label& b) { return a.name < b.name; });
    return labels;
}

bool same_labels(const label_set& a, const label_set& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](const label& x, const label& y) {
               return x.name == y.name && x.value == y.value;
           });
}

}  // namespace

std::string_view to_string(metric_type t) noexcept {
    switch (t) {
        case metric_type::counter:
            return "counter";
        case metric_type::gauge:
            return "gauge";
        case metric_type::histogram:
            return "histogram";
    }
    return "untyped";
}

bool is_valid_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!is_name_char(name[i], i == 0, true)) return false;
    }
    return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
    if (name.empty() || name.starts_with("__")) return false;  // `__` is reserved for Prometheus
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!is_name_char(name[i], i == 0, false)) return false;
    }
    return true;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void append_escaped_help(std::string& out, std::string_view help) {
    for (char c : help) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        append_number(out, v);  // shortest representation that round-trips
    }
}

// --- sample_writer -------------------------------------------------------------------------------

void sample_writer::begin(label_list labels) {
    if (type_ == metric_type::histogram) {
        throw std::logic_error("metric " + std::string(name_) +
                               ": a histogram collector writes with add_histogram()");
    }
    begin_series("", labels, "");
}

void sample_writer::begin_series(std::string_view suffix, label_list labels, std::string_view le) {
    out_ += name_;
    out_ += suffix;
    const auto items = labels.items();
    if (!const_labels_.empty() || !items.empty() || !le.empty()) {
        out_ += '{';
        out_ += const_labels_;
        bool first = const_labels_.empty();
        for (const auto& l : items) {
            if (!first) out_ += ',';
            first = false;
            out_ += l.name;
            out_ += "=\"";
            append_escaped_label_value(out_, l.value);
            out_ += '"';
        }
        if (!le.empty()) {
            if (!first) out_ += ',';
            out_ += "le=\"";
            out_ += le;
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
}

void sample_writer::add_histogram(label_list labels, std::span<const std::int64_t> bounds,
                                  std::span<const std::uint64_t> buckets, std::int64_t sum,
                                  double scale) {
    if (type_ != metric_type::histogram) {
        throw std::logic_error("metric " + std::string(name_) +
                               ": add_histogram() in a family that is not a histogram");
    }
    if (buckets.size() != bounds.size() + 1) {
        throw std::invalid_argument("metric " + std::string(name_) +
                                    ": histogram needs bounds.size() + 1 buckets");
    }
    for (const auto& l : labels.items()) {
        if (l.name == "le") {
            throw std::invalid_argument("metric " + std::string(name_) +
                                        ": label 'le' is reserved for histogram buckets");
        }
    }
    std::uint64_t cumulative = 0;
    std::string le;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        cumulative += buckets[i];
        le.clear();
        if (i < bounds.size()) {
            append_value(le, scaled(bounds[i], scale));
        } else {
            le = "+Inf";
        }
        begin_series("_bucket", labels, le);
        append_number(out_, cumulative);
        out_ += '\n';
    }
    begin_series("_sum", labels, {});
    if (scale == 1.0) {
        append_number(out_, sum);
    } else {
        append_value(out_, scaled(sum, scale));
    }
    out_ += '\n';
    begin_series("_count", labels, {});
    append_number(out_, cumulative);
    out_ += '\n';
}

void sample_writer::append_integer(std::int64_t v) {
    append_number(out_, v);
    out_ += '\n';
}

void sample_writer::append_integer(std::uint64_t v) {
    append_number(out_, v);
    out_ += '\n';
}

void sample_writer::append_double(double v) {
    append_value(out_, v);
    out_ += '\n';
}

// --- registry --------------------------------------------------------------------------------

namespace {

struct series {
    label_set key;                // sorted, for duplicate detection
    std::string labels;           // `{a="b"}`, or empty without labels
    std::string bucket_prefix;    // histogram: `{a="b",le="` or `{le="`
    std::vector<std::string> le;  // histogram: each bound, scaled and formatted, then "+Inf"
    std::variant<std::unique_ptr<sharded_counter>, std::unique_ptr<gauge>,
                 std::unique_ptr<histogram>>
        metric;
};

struct collector {
    collector_id id;
    std::string const_labels;
    collect_fn collect;
};

}  // namespace

struct registry::family {
    std::string name;
    std::string help;
    metric_type type;
    std::vector<std::unique_ptr<series>> members;
    std::vector<collector> collectors;
};

registry::registry() = default;
registry::~registry() = default;

registry::family& registry::family_for(std::string_view name, std::string_view help,
                                       metric_type type) {
    if (!is_valid_metric_name(name)) {
        throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
    }
    for (auto& f : families_) {
        if (f->name != name) continue;
        if (f->type != type) {
            throw std::invalid_argument("metric " + std::string(name) + " registered as " +
                                        std::string(to_string(f->type)) + ", now as " +
                                        std::string(to_string(type)));
        }
        if (f->help != help) {
            throw std::invalid_argument("metric " + std::string(name) +
                                        " registered with another help text");
        }
        return *f;
    }
    auto f = std::make_unique<family>();
    f->name = name;
    f->help = help;
    f->type = type;
    families_.push_back(std::move(f));
    return *families_.back();
}

namespace {

series& add_series(std::vector<std::unique_ptr<series>>& members, std::string_view name,
                   label_set labels, bool histogram) {
    validate_labels(name, labels, histogram);
    auto key = sorted(labels);
    for (const auto& s : members) {
        if (same_labels(s->key, key)) {
            throw std::invalid_argument("metric " + std::string(name) +
                                        ": this label set is already registered");
        }
    }
    auto s = std::make_unique<series>();
    s->key = std::move(key);
    const std::string body = render_labels(labels);
    if (!body.empty()) s->labels = "{" + body + "}";
    s->bucket_prefix = body.empty() ? "{le=\"" : "{" + body + ",le=\"";
    members.push_back(std::move(s));
    return *members.back();
}

}  // namespace

sharded_counter& registry::add_counter(std::string_view name, std::string_view help,
                                       label_set labels, std::size_t shards) {
    std::lock_guard lock(mutex_);
    auto& f = family_for(name, help, metric_type::counter);
    auto& s = add_series(f.members, name, std::move(labels), false);
    auto c = std::make_unique<sharded_counter>(shards);
    auto& ref = *c;
    s.metric = std::move(c);
    return ref;
}

gauge& registry::add_gauge(std::string_view name, std::string_view help, label_set labels) {
    std::lock_guard lock(mutex_);
    auto& f = family_for(name, help, metric_type::gauge);
    auto& s = add_series(f.members, name, std::move(labels), false);
    auto g = std::make_unique<gauge>();
    auto& ref = *g;
    s.metric = std::move(g);
    return ref;
}

histogram& registry::add_histogram(std::string_view name, std::string_view help, label_set labels,
                                   std::span<const std::int64_t> bounds, double scale,
                                   std::size_t shards) {
    auto h = std::make_unique<histogram>(bounds, scale, shards);  // validates bounds and scale
    std::lock_guard lock(mutex_);
    auto& f = family_for(name, help, metric_type::histogram);
    auto& s = add_series(f.members, name, std::move(labels), true);
    for (auto b : h->bounds()) {
        std::string text;
        append_value(text, scaled(b, scale));
        s.le.push_back(std::move(text));
    }
    s.le.emplace_back("+Inf");
    auto& ref = *h;
    s.metric = std::move(h);
    return ref;
}

collector_id registry::add_collector(std::string_view name, std::string_view help, metric_type type,
                                     label_set const_labels, collect_fn collect) {
    if (!collect) throw std::invalid_argument("metric " + std::string(name) + ": empty collector");
    std::lock_guard lock(mutex_);
    auto& f = family_for(name, help, type);
    validate_labels(name, const_labels, type == metric_type::histogram);
    const collector_id id{next_collector_++};
    f.collectors.push_back(collector{id, render_labels(const_labels), std::move(collect)});
    return id;
}

collector_id registry::add_refresh(std::function<void()> refresh) {
    if (!refresh) throw std::invalid_argument("metrics: empty refresh function");
    std::lock_guard lock(mutex_);
    const collector_id id{next_collector_++};
    refreshes_.emplace_back(id, std::move(refresh));
    return id;
}

void registry::remove_collector(collector_id id) {
    std::lock_guard lock(mutex_);
    std::erase_if(refreshes_, [id](const auto& r) { return r.first == id; });
    for (auto& f : families_) {
        std::erase_if(f->collectors, [id](const collector& c) { return c.id == id; });
    }
}

void registry::expose(std::string& out) const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, refresh] : refreshes_) {
        try {
            refresh();
        } catch (...) {
            // The collectors then read the previous snapshot; the scrape still succeeds.
        }
    }
    std::vector<std::uint64_t> buckets;
    for (const auto& f : families_) {
        out += "# HELP ";
        out += f->name;
        out += ' ';
        append_escaped_help(out, f->help);
        out += "\n# TYPE ";
        out += f->name;
        out += ' ';
        out += to_string(f->type);
        out += '\n';
        for (const auto& s : f->members) {
            if (const auto* c = std::get_if<std::unique_ptr<sharded_counter>>(&s->metric)) {
                out += f->name;
                out += s->labels;
                out += ' ';
                append_number(out, (*c)->value());
                out += '\n';
            } else if (const auto* g = std::get_if<std::unique_ptr<gauge>>(&s->metric)) {
                out += f->name;
                out += s->labels;
                out += ' ';
                append_number(out, (*g)->value());
                out += '\n';
            } else if (const auto* hp = std::get_if<std::unique_ptr<histogram>>(&s->metric)) {
                const histogram& h = **hp;
                buckets.resize(h.bounds().size() + 1);
                const std::int64_t sum = h.read(buckets);
                // Cumulative counts and _count come from the same reads (see histogram).
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < buckets.size(); ++i) {
                    cumulative += buckets[i];
                    out += f->name;
                    out += "_bucket";
                    out += s->bucket_prefix;
                    out += s->le[i];
                    out += "\"} ";
                    append_number(out, cumulative);
                    out += '\n';
                }
                out += f->name;
                out += "_sum";
                out += s->labels;
                out += ' ';
                if (h.scale() == 1.0) {
                    append_number(out, sum);
                } else {
                    append_value(out, scaled(sum, h.scale()));
                }
                out += '\n';
                out += f->name;
                out += "_count";
                out += s->labels;
                out += ' ';
                append_number(out, cumulative);
                out += '\n';
            }
        }
        for (const auto& c : f->collectors) {
            sample_writer writer(out, f->name, c.const_labels, f->type);
            const std::size_t mark = out.size();
            try {
                c.collect(writer);
            } catch (...) {
                out.resize(mark);  // drop the partial output of a failed collector
            }
        }
    }
}

std::string registry::expose() const {
    std::string out;
    expose(out);
    return out;
}

}  // namespace flowbridge::metrics
