#include "transports/kafka/errors.h"

#include <librdkafka/rdkafka.h>

namespace flowbridge::kafka {

error_class classify(int code) noexcept {
    switch (static_cast<rd_kafka_resp_err_t>(code)) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
        return error_class::none;
    // Transient: the cluster or the network is (temporarily) unable; the same record succeeds later.
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:  // Kafka marks it retriable (metadata lag)
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        return error_class::retriable;
    default:
        // Everything else (authorization, MSG_SIZE_TOO_LARGE, INVALID_RECORD, _UNKNOWN_PARTITION,
        // _UNKNOWN_TOPIC, _FATAL, UNSUPPORTED_COMPRESSION_TYPE, _INVALID_ARG, ...) fails again
        // if retried unchanged.
        return error_class::fatal;
    }
}

std::string_view error_name(int code) noexcept {
    return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code));
}

std::string describe(int code) {
    std::string s(error_name(code));
    s += ": ";
    s += rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(code));
    return s;
}

std::string_view to_string(error_class c) noexcept {
    switch (c) {
    case error_class::none: return "none";
    case error_class::retriable: return "retriable";
    case error_class::fatal: return "fatal";
    }
    return "?";
}

}  // namespace flowbridge::kafka
