#pragma once

#include "engine/config/diagnostic.h"
#include "engine/config/model.h"
#include "engine/config/object_store.h"

namespace flowbridge::config {

/// Cross-resource validation and resolution (SPEC §2): duplicate names, implicit `default`
/// profiles, Dataflow shape, endpoint references, supported endpoint pairs, topic rules per
/// endpoint type, role-dependent requirements (a Kafka source needs `consumerGroupId`), and the
/// resolution of every Secret / ConfigMap reference into `dataflow_endpoint::credentials`.
/// Single-resource rules (types, enums, ranges, required fields) are checked while decoding.
void validate_configuration(configuration& cfg, object_store& store, diagnostics& findings);

}  // namespace flowbridge::config
