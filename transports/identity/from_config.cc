#include "transports/identity/from_config.h"

namespace flowbridge::identity {

token_request_settings request_settings_from(const config::token_settings& t,
                                             identity_environment environment) {
    token_request_settings s;
    s.user_assigned = t.method == config::auth_method::user_assigned_managed_identity;
    s.resource = t.resource;
    s.scope = t.scope;
    s.client_id = t.client_id;
    s.tenant_id = t.tenant_id;
    s.endpoint_override = t.identity_endpoint;
    s.environment = std::move(environment);
    return s;
}

}  // namespace flowbridge::identity
