#pragma once

// The runtime's Prometheus families (docs/observability.md has the list): registered on a
// flowbridge::metrics::registry, they read one runtime_metrics snapshot per scrape. No sockets
// here: `flowbridge run` serves the registry with flowbridge::http::server (transports/http).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/metrics/registry.h"
#include "tools/runtime/metrics.h"

namespace flowbridge::runtime {

class runtime;

/// Where the snapshot of a scrape comes from: runtime::metrics_snapshot(), or a test's fake.
using snapshot_fn = std::function<runtime_metrics()>;

struct exporter_options {
    /// `flowbridge_build_info{version="…"}`; empty: the build's project version.
    std::string version;
    /// `process_start_time_seconds` (Unix seconds); 0: the time the exporter was created.
    double process_start_time = 0;
};

/// Registers the runtime's families on `registry` and removes them again on destruction.
///
/// Each scrape calls `snapshot` once (a registry refresh, under the registry's mutex on the
/// scraping thread — the HTTP server's), and every family's collector reads that copy: the
/// values of one exposition come from one snapshot. The data path is never touched: the
/// snapshot reads the flows' single-writer counters and per-shard histogram cells.
///
/// Threads: construct and destroy on a control thread; `snapshot` must be callable from the
/// scraping thread until the destructor returned (destroy the exporter, or stop the HTTP
/// server, before what `snapshot` reads).
class exporter {
  public:
    exporter(metrics::registry& registry, snapshot_fn snapshot, exporter_options options = {});
    exporter(metrics::registry& registry, const runtime& rt, exporter_options options = {});
    ~exporter();
    exporter(const exporter&) = delete;
    exporter& operator=(const exporter&) = delete;

  private:
    void add(std::string_view name, std::string_view help, metrics::metric_type type,
             std::function<void(metrics::sample_writer&, const runtime_metrics&)> write);

    metrics::registry& registry_;
    snapshot_fn snapshot_fn_;
    runtime_metrics snapshot_;  // written by the refresh, read by the collectors (registry mutex)
    std::vector<metrics::collector_id> ids_;
};

/// The version string of this build (flowbridge_build_info).
std::string_view build_version() noexcept;

}  // namespace flowbridge::runtime
