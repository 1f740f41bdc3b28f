#pragma once

// Internal to transports/kafka: the two tiny RAII wrappers that hide librdkafka's C handles
// (STYLE: Envoy's Kafka filter does the same), and the checked application of a property list.
// Only .cc files of this folder include it, so librdkafka's header stays out of the engine.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "transports/kafka/client_config.h"

namespace flowbridge::kafka::detail {

struct conf_deleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
/// A librdkafka configuration not yet handed to rd_kafka_new().
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

struct handle_deleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
/// A librdkafka client instance (producer or consumer).
using handle_ptr = std::unique_ptr<rd_kafka_t, handle_deleter>;

struct topic_deleter {
    void operator()(rd_kafka_topic_t* t) const noexcept { rd_kafka_topic_destroy(t); }
};
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;

/// Sets one property; on failure returns an error that names the key and, unless the key is
/// secret, the value (librdkafka's own message is dropped for secret keys: it may quote the value).
std::optional<std::string> set_property(rd_kafka_conf_t* conf, const std::string& name,
                                        const std::string& value,
                                        std::span<const std::string> secret_keys);

/// Applies `defaults`, then `config.properties` (the user's wins), then `forced` (the transport's
/// contract, e.g. manual offset store: nothing overrides it). Returns nullptr and sets `error` on
/// the first property librdkafka rejects.
conf_ptr make_conf(const client_config& config, const property_list& defaults,
                   const property_list& forced, std::string& error);

/// Creates the client; on failure sets `error` (librdkafka's reason, which never quotes values).
handle_ptr make_handle(rd_kafka_type_t type, conf_ptr conf, std::string& error);

/// The value librdkafka holds for `name` (after defaults), or "" when unknown.
std::string get_property(const rd_kafka_conf_t* conf, const char* name);

}  // namespace flowbridge::kafka::detail
