#include "transports/kafka/handle.h"

#include <array>

namespace flowbridge::kafka::detail {

std::optional<std::string> set_property(rd_kafka_conf_t* conf, const std::string& name,
                                        const std::string& value,
                                        std::span<const std::string> secret_keys) {
    std::array<char, 512> reason{};
    const auto res = rd_kafka_conf_set(conf, name.c_str(), value.c_str(), reason.data(),
                                       reason.size());
    if (res == RD_KAFKA_CONF_OK) return std::nullopt;
    const bool secret = is_secret_property(name, secret_keys);
    std::string error = "Kafka client property '" + name + "'";
    if (res == RD_KAFKA_CONF_UNKNOWN) {
        error += " is not a librdkafka 2.0 property";
    } else if (secret) {
        // librdkafka's message quotes the value: never show it for a secret (SPEC §8).
        error += ": invalid value (***)";
    } else {
        error += ": invalid value '" + value + "': " + reason.data();
    }
    return error;
}

conf_ptr make_conf(const client_config& config, const property_list& defaults,
                   const property_list& forced, std::string& error) {
    conf_ptr conf(rd_kafka_conf_new());
    for (const auto* list : {&defaults, &config.properties, &forced}) {
        for (const auto& [name, value] : *list) {
            if (auto e = set_property(conf.get(), name, value, config.secret_keys)) {
                error = std::move(*e);
                return nullptr;
            }
        }
    }
    return conf;
}

handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, std::string& error) {
    std::array<char, 512> reason{};
    // rd_kafka_new() takes ownership of the configuration only on success.
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), reason.data(), reason.size());
    if (!rk) {
        error = std::string("cannot create the Kafka client: ") + reason.data();
        return nullptr;
    }
    conf.release();
    return handle_ptr(rk);
}

std::string get_property(const rd_kafka_conf_t* conf, const char* name) {
    std::array<char, 512> value{};
    std::size_t size = value.size();
    if (rd_kafka_conf_get(conf, name, value.data(), &size) != RD_KAFKA_CONF_OK) return {};
    return std::string(value.data());
}

}  // namespace flowbridge::kafka::detail
