#pragma once

#include <string>

#include "engine/config/model.h"

namespace flowbridge::config {

/// The effective client settings of one endpoint as text, for `flowbridge render`: one section
/// per role it is used in (a Kafka endpoint no Dataflow uses is shown as a destination, and as a
/// source too when it has a consumerGroupId), then token and flowbridge-level settings. Secret
/// values are shown as `***` (SPEC §8); multi-line PEM values are summarised.
std::string render_endpoint(const dataflow_endpoint& ep);

}  // namespace flowbridge::config
