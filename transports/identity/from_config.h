#pragma once

// engine/config's effective token settings (make_kafka_client_settings /
// make_mqtt_connection_options) → what token_provider asks for.

#include "engine/config/client_settings.h"
#include "transports/identity/token_request.h"

namespace flowbridge::identity {

/// `environment` defaults to the process environment; tests pass their own.
token_request_settings request_settings_from(
    const config::token_settings& t,
    identity_environment environment = identity_environment::from_process());

}  // namespace flowbridge::identity
