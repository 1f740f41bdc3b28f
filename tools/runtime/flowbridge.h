#pragma once

// flowbridge's embedding API in one include. Installed as <flowbridge/flowbridge.h> by
// `cmake --install` (cmake/install.cmake); in this repository it is "tools/runtime/flowbridge.h".
// Guide: docs/embedding.md; decision: docs/decisions/0004-embedding-api.md.
//
//   namespace fb = flowbridge::runtime;
//   auto loaded = fb::load_yaml(manifests);       // or load_files(paths), check_configuration(cfg)
//   if (!loaded.valid()) { std::cerr << fb::format_findings(loaded.findings); return 1; }
//   fb::runtime_options options;                  // log sink, level, Kafka properties, ...
//   fb::runtime rt(std::move(loaded.config), std::move(options));
//   std::string error;
//   if (!rt.start(error)) { ... }                 // every problem, one per line
//   rt.ready(); rt.metrics_snapshot();            // from any thread
//   rt.stop(std::chrono::seconds(10));            // drain (SPEC §4)
//
// What the included headers declare:
//   engine/config/model.h       the typed resources (DataflowEndpoint, Dataflow, ...), SPEC §2
//   engine/config/diagnostic.h  findings: file, line, column, field path, message
//   tools/runtime/load.h        load_files, load_yaml, check_configuration, format_findings
//   tools/runtime/runtime.h     runtime, runtime_options
//   tools/runtime/log.h         log_record, log_sink, stderr_log_sink
//   tools/runtime/metrics.h     runtime_metrics, dataflow_metrics

#include "engine/config/diagnostic.h"
#include "engine/config/load.h"
#include "engine/config/model.h"
#include "tools/runtime/load.h"
#include "tools/runtime/log.h"
#include "tools/runtime/metrics.h"
#include "tools/runtime/runtime.h"
