#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/metrics/metric.h"

namespace flowbridge::metrics {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

std::string_view to_string(metric_type t) noexcept;

/// A label of a registered series (owned strings: registration is control plane).
struct label {
    std::string name;
    std::string value;
};
using label_set = std::vector<label>;

/// A label as a collector writes it during a scrape (views, valid for the call only).
struct label_view {
    std::string_view name;
    std::string_view value;
};

/// A borrowed list of label_views: `{{"reason", "expired"}}` or a span.
class label_list {
  public:
    label_list() noexcept = default;
    label_list(std::initializer_list<label_view> l) noexcept : items_(l.begin(), l.size()) {}
    label_list(std::span<const label_view> s) noexcept : items_(s) {}
    std::span<const label_view> items() const noexcept { return items_; }

  private:
    std::span<const label_view> items_;
};

/// What a collector writes into during a scrape: samples of its own family, each with its labels
/// (the collector's constant labels come first) and a value. Lives for one collector call.
/// Label names must be valid Prometheus label names (they are the collector's own literals);
/// values are escaped here. Counter and gauge families write with add(), histogram families
/// with add_histogram(); the other one throws std::logic_error (the registry then drops that
/// collector's output for the scrape).
class sample_writer {
  public:
    template <std::integral T>
    void add(label_list labels, T value) {
        begin(labels);
        if constexpr (std::is_signed_v<T>) {
            append_integer(static_cast<std::int64_t>(value));
        } else {
            append_integer(static_cast<std::uint64_t>(value));
        }
    }
    void add(label_list labels, double value) {
        begin(labels);
        append_double(value);
    }

    /// One histogram series read elsewhere (e.g. a histogram::read() or a snapshot of one):
    /// `buckets[i]` counts observations `bounds[i-1] < v <= bounds[i]`, the last one those above
    /// bounds.back() (not cumulative, `buckets.size() == bounds.size() + 1`, else
    /// std::invalid_argument). Writes the cumulative `_bucket` lines with `le` = bound × scale,
    /// then `_sum` (sum × scale) and `_count` (the sum of the buckets).
    void add_histogram(label_list labels, std::span<const std::int64_t> bounds,
                       std::span<const std::uint64_t> buckets, std::int64_t sum,
                       double scale = 1.0);

  private:
    friend class registry;
    sample_writer(std::string& out, std::string_view name, std::string_view const_labels,
                  metric_type type) noexcept
        : out_(out), name_(name), const_labels_(const_labels), type_(type) {}
    void begin(label_list labels);
    void begin_series(std::string_view suffix, label_list labels, std::string_view le);
    void append_integer(std::int64_t v);
    void append_integer(std::uint64_t v);
    void append_double(double v);

    std::string& out_;
    std::string_view name_;
    std::string_view const_labels_;  // rendered `a="b",c="d"` (escaped), possibly empty
    metric_type type_;
};

/// Reads existing counters at scrape time (drop_counters, chain_counters, connection state, ...)
/// instead of copying them into registry-owned objects. Runs on the scraping thread: it may only
/// read what is safe to read from another thread (atomics such as flowbridge::counter).
using collect_fn = std::function<void(sample_writer&)>;

/// Identifies a collector for remove_collector().
enum class collector_id : std::uint64_t {};

/// The process's metrics: families of series (counter, gauge, histogram) and collectors, and
/// their Prometheus text exposition (format 0.0.4).
///
/// Threads: registration and exposition take an internal mutex and may run on any control-plane
/// thread (start-up code registers, the HTTP thread exposes). The data path never touches the
/// registry: it keeps the references that add_counter/add_gauge/add_histogram return, which stay
/// valid (same address) for the registry's lifetime, and updates them without locks.
///
/// Families appear in the order their name was first registered; in a family, registered series
/// in registration order, then each collector's samples in the order it writes them.
/// A collector's captured objects must outlive it: remove it (or stop scraping) first.
class registry {
  public:
    registry();
    ~registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    /// Registers one series. Throws std::invalid_argument on an invalid metric or label name, a
    /// name registered before with another type or help text, or a label set already registered
    /// under that name. The histogram bounds must be strictly increasing; `le` is reserved.
    sharded_counter& add_counter(std::string_view name, std::string_view help,
                                 label_set labels = {}, std::size_t shards = 1);
    gauge& add_gauge(std::string_view name, std::string_view help, label_set labels = {});
    histogram& add_histogram(std::string_view name, std::string_view help, label_set labels,
                             std::span<const std::int64_t> bounds, double scale = 1.0,
                             std::size_t shards = 1);

    /// Registers a collector of a family of `type`. Its `const_labels` are put before the labels
    /// of every sample it writes; a histogram collector writes with add_histogram() (and its
    /// labels must not include `le`).
    collector_id add_collector(std::string_view name, std::string_view help, metric_type type,
                               label_set const_labels, collect_fn collect);
    /// Returns once no scrape can call the collector any more. Unknown ids are ignored.
    void remove_collector(collector_id id);

    /// Registers a function called once at the start of every expose(), before any collector:
    /// e.g. to take one consistent snapshot (the runtime's `runtime_metrics`) that several
    /// collectors then read, instead of one snapshot per family. Runs under the registry's mutex
    /// on the scraping thread. Removed with remove_collector(); an exception skips it.
    collector_id add_refresh(std::function<void()> refresh);

    /// Appends the text exposition (format 0.0.4) to `out`. A collector that throws is skipped
    /// for that scrape (its family's HELP/TYPE and other samples are still written).
    void expose(std::string& out) const;
    std::string expose() const;

    /// The Content-Type of expose()'s output.
    static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  private:
    struct family;
    family& family_for(std::string_view name, std::string_view help, metric_type type);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<family>> families_;
    std::vector<std::pair<collector_id, std::function<void()>>> refreshes_;
    std::uint64_t next_collector_ = 1;
};

/// Text-format helpers, exposed for tests and for code that writes exposition text itself.
bool is_valid_metric_name(std::string_view name) noexcept;
bool is_valid_label_name(std::string_view name) noexcept;
/// Label value escaping (format 0.0.4): backslash, double quote and line feed.
void append_escaped_label_value(std::string& out, std::string_view value);
/// HELP escaping: backslash and line feed.
void append_escaped_help(std::string& out, std::string_view help);
/// A sample value: shortest round-trip decimal, or `+Inf`, `-Inf`, `NaN`.
void append_value(std::string& out, double v);

}  // namespace flowbridge::metrics
