#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include "transports/kafka/errors.h"

namespace flowbridge::kafka {
namespace {

TEST(kafka_errors, success_is_not_an_error) {
    EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_NO_ERROR), error_class::none);
}

TEST(kafka_errors, timed_out_message_is_a_retriable_failure) {
    // SPEC §4: a message librdkafka gave up on was not acknowledged: failed, and worth retrying.
    EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), error_class::retriable);
}

TEST(kafka_errors, transient_cluster_states_are_retriable) {
    for (auto e : {RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
                   RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                   RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                   RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR__PURGE_QUEUE,
                   RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__QUEUE_FULL}) {
        EXPECT_EQ(classify(e), error_class::retriable) << error_name(e);
    }
}

TEST(kafka_errors, permanent_rejections_are_fatal) {
    for (auto e : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
                   RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
                   RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                   RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__FATAL,
                   RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE, RD_KAFKA_RESP_ERR_INVALID_RECORD}) {
        EXPECT_EQ(classify(e), error_class::fatal) << error_name(e);
    }
}

TEST(kafka_errors, describe_names_the_code) {
    EXPECT_EQ(error_name(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), "_MSG_TIMED_OUT");
    EXPECT_NE(describe(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT).find("_MSG_TIMED_OUT: "),
              std::string::npos);
}

}  // namespace
}  // namespace flowbridge::kafka
