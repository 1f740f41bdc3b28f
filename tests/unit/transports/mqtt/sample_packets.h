#pragma once

// One fully populated instance of every MQTT v5 packet type (every property the packet allows,
// user properties included), plus minimal ones, for round-trip tests, truncation sweeps and
// fuzzer seeds. All views point into static storage.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {

inline const std::array<user_property, 3> sample_user_properties = {{
    {"region", "eu-west"},
    {"region", "eu-west"},  // duplicates are preserved (MQTT v5 §3.3.2.3.7)
    {"ünïcode-キー", ""},
}};

inline const std::array<std::uint32_t, 2> sample_subscription_ids = {7, 268'435'455};

inline connect_packet full_connect() {
    connect_packet p;
    p.clean_start = true;
    p.keep_alive = 60;
    p.client_id = "flowbridge-orders-0";
    will_message w;
    w.topic = "status/flowbridge";
    w.payload = std::string_view("\x00\x01offline", 9);
    w.qos_level = qos::at_least_once;
    w.retain = true;
    w.will_delay_interval = 5;
    w.payload_format_indicator = 0;
    w.message_expiry_interval = 3600;
    w.content_type = "application/octet-stream";
    w.response_topic = "status/replies";
    w.correlation_data = std::string_view("\x01\x02\x00", 3);
    w.user_properties = sample_user_properties;
    p.will = w;
    p.username = "user";
    p.password = std::string_view("p\x00ss", 4);
    p.session_expiry_interval = 600;
    p.receive_maximum = 100;
    p.maximum_packet_size = 1'048'576;
    p.topic_alias_maximum = 10;
    p.request_response_information = 1;
    p.request_problem_information = 0;
    p.authentication_method = "K8S-SAT";
    p.authentication_data = std::string_view("tok\x00en", 6);
    p.user_properties = sample_user_properties;
    return p;
}

inline connack_packet full_connack() {
    connack_packet p;
    p.session_present = true;
    p.reason_code = mqtt_reason::success;
    p.session_expiry_interval = 0xFFFFFFFF;
    p.receive_maximum = 65535;
    p.maximum_qos = 1;
    p.retain_available = 0;
    p.maximum_packet_size = 268'435'460;
    p.assigned_client_identifier = "auto-1234";
    p.topic_alias_maximum = 0;
    p.reason_string = "welcome";
    p.wildcard_subscription_available = 1;
    p.subscription_identifiers_available = 1;
    p.shared_subscription_available = 0;
    p.server_keep_alive = 30;
    p.response_information = "resp/";
    p.server_reference = "other.example:1883";
    p.authentication_method = "K8S-SAT";
    p.authentication_data = std::string_view("\x00\xff", 2);
    p.user_properties = sample_user_properties;
    return p;
}

inline const std::string sample_payload(100, 'x');

inline publish_packet full_publish() {
    publish_packet p;
    p.topic = "factory/line-1/machine-42/telemetry";
    p.payload = sample_payload;
    p.qos_level = qos::at_least_once;
    p.retain = true;
    p.dup = true;
    p.packet_id = 4242;
    p.payload_format_indicator = 1;
    p.message_expiry_interval = 120;
    p.topic_alias = 3;
    p.response_topic = "factory/replies";
    p.correlation_data = std::string_view("\x00\x01\x02", 3);
    p.content_type = "application/json";
    p.user_properties = sample_user_properties;
    p.subscription_identifiers = sample_subscription_ids;
    return p;
}

inline publish_response full_publish_response(packet_type type) {
    publish_response p;
    p.type = type;
    p.packet_id = 0xFFFF;
    p.reason_code = (type == packet_type::puback || type == packet_type::pubrec)
                        ? mqtt_reason::no_matching_subscribers
                        : mqtt_reason::packet_identifier_not_found;
    p.reason_string = "because";
    p.user_properties = sample_user_properties;
    return p;
}

inline subscribe_packet full_subscribe() {
    subscribe_packet p;
    p.packet_id = 1;
    p.subscription_identifier = 268'435'455;
    p.user_properties = sample_user_properties;
    p.subscriptions = {
        {"factory/+/telemetry", qos::at_most_once, false, false,
         retain_handling::send_on_subscribe},
        {"factory/#", qos::at_least_once, true, true, retain_handling::send_if_new_subscription},
        {"$share/group/a/b", qos::exactly_once, false, true, retain_handling::do_not_send},
        {"#", qos::at_least_once, false, false, retain_handling::send_on_subscribe},
    };
    return p;
}

inline suback_packet full_suback() {
    suback_packet p;
    p.packet_id = 1;
    p.reason_string = "partly";
    p.user_properties = sample_user_properties;
    p.reason_codes = {mqtt_reason::success,
                      mqtt_reason::granted_qos_1,
                      mqtt_reason::granted_qos_2,
                      mqtt_reason::unspecified_error,
                      mqtt_reason::implementation_specific_error,
                      mqtt_reason::not_authorized,
                      mqtt_reason::topic_filter_invalid,
                      mqtt_reason::packet_identifier_in_use,
                      mqtt_reason::quota_exceeded,
                      mqtt_reason::shared_subscriptions_not_supported,
                      mqtt_reason::subscription_identifiers_not_supported,
                      mqtt_reason::wildcard_subscriptions_not_supported};
    return p;
}

inline unsubscribe_packet full_unsubscribe() {
    unsubscribe_packet p;
    p.packet_id = 2;
    p.user_properties = sample_user_properties;
    p.topic_filters = {"factory/+/telemetry", "$share/group/#", "a"};
    return p;
}

inline unsuback_packet full_unsuback() {
    unsuback_packet p;
    p.packet_id = 2;
    p.reason_string = "done";
    p.user_properties = sample_user_properties;
    p.reason_codes = {mqtt_reason::success,
                      mqtt_reason::no_subscription_existed,
                      mqtt_reason::unspecified_error,
                      mqtt_reason::implementation_specific_error,
                      mqtt_reason::not_authorized,
                      mqtt_reason::topic_filter_invalid,
                      mqtt_reason::packet_identifier_in_use};
    return p;
}

inline disconnect_packet full_disconnect() {
    disconnect_packet p;
    p.reason_code = mqtt_reason::server_moved;
    p.session_expiry_interval = 0;
    p.reason_string = "moved";
    p.server_reference = "other.example:8883";
    p.user_properties = sample_user_properties;
    return p;
}

inline auth_packet full_auth() {
    auth_packet p;
    p.reason_code = mqtt_reason::continue_authentication;
    p.authentication_method = "K8S-SAT";
    p.authentication_data = std::string_view("\x00token", 6);
    p.reason_string = "step 2";
    p.user_properties = sample_user_properties;
    return p;
}

/// Encodes `p`; the test fails loudly (empty result) if the encoder refuses it.
template <class Packet>
std::string encoded(const Packet& p) {
    std::string out;
    if (encode(p, out) != mqtt_reason::success) return {};
    return out;
}

/// Valid encodings of every packet type, full and minimal forms.
inline std::vector<std::string> sample_encodings() {
    std::vector<std::string> all;
    all.push_back(encoded(full_connect()));
    {
        connect_packet minimal;
        all.push_back(encoded(minimal));
    }
    all.push_back(encoded(full_connack()));
    all.push_back(encoded(connack_packet{}));
    all.push_back(encoded(full_publish()));
    {
        publish_packet minimal;
        minimal.topic = "t";
        all.push_back(encoded(minimal));
    }
    for (const auto type :
         {packet_type::puback, packet_type::pubrec, packet_type::pubrel, packet_type::pubcomp}) {
        all.push_back(encoded(full_publish_response(type)));
        publish_response short_form;
        short_form.type = type;
        short_form.packet_id = 9;
        all.push_back(encoded(short_form));
        short_form.reason_code = type == packet_type::puback || type == packet_type::pubrec
                                     ? mqtt_reason::quota_exceeded
                                     : mqtt_reason::packet_identifier_not_found;
        all.push_back(encoded(short_form));
    }
    all.push_back(encoded(full_subscribe()));
    all.push_back(encoded(full_suback()));
    all.push_back(encoded(full_unsubscribe()));
    all.push_back(encoded(full_unsuback()));
    all.push_back(encoded(pingreq_packet{}));
    all.push_back(encoded(pingresp_packet{}));
    all.push_back(encoded(full_disconnect()));
    all.push_back(encoded(disconnect_packet{}));
    {
        disconnect_packet reason_only;
        reason_only.reason_code = mqtt_reason::disconnect_with_will;
        all.push_back(encoded(reason_only));
    }
    all.push_back(encoded(full_auth()));
    all.push_back(encoded(auth_packet{}));
    return all;
}

}  // namespace flowbridge::mqtt::test
