// Fuzzes the whole configuration path — document splitting, yaml-cpp parsing, decoding,
// validation, and the effective client settings of whatever validated — with arbitrary text.
// Properties checked: nothing throws, nothing crashes, and no finding is ever produced without
// a file name (every diagnostic must say where it is).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/config/client_settings.h"
#include "engine/config/load.h"
#include "engine/config/render.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace flowbridge::config;
    std::vector<source_text> sources{
        {"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};
    auto result = load_configuration(sources);
    for (const auto& d : result.findings.all()) {
        if (d.where.file.empty()) std::abort();
        (void)format(d);
    }
    if (result.valid()) {
        for (const auto& ep : result.config.endpoints) {
            (void)render_endpoint(ep);
            if (ep.type == endpoint_type::kafka) {
                (void)make_kafka_client_settings(ep, kafka_role::source);
                (void)make_kafka_client_settings(ep, kafka_role::destination);
            } else {
                (void)make_mqtt_connection_options(ep);
            }
        }
    }
    return 0;
}
