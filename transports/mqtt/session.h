#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/message/counter.h"
#include "engine/message/ids.h"
#include "engine/message/mqtt_message.h"
#include "engine/message/mqtt_reason.h"
#include "transports/mqtt/backoff.h"
#include "transports/mqtt/codec.h"
#include "transports/mqtt/event_loop.h"

namespace flowbridge::mqtt {

/// TLS of the connection to the broker (SPEC §2.2 `tls`).
struct tls_options {
    bool enabled = false;
    /// Trusted CA certificates, PEM (a bundle may hold several). Empty: the system trust store.
    std::string ca_pem;
    /// Client certificate (chain) and its private key, PEM: X.509 authentication.
    std::string client_certificate_pem;
    std::string client_key_pem;
    /// Name sent as SNI and checked against the server certificate (DNS name or IP address).
    /// Empty: the host. SNI is not sent for an IP address (RFC 6066 §3).
    std::string server_name;
    /// Verify the server certificate chain and name. Only tests turn this off.
    bool verify_peer = true;
};

/// SPEC §2.2 `authentication`.
enum class auth_method : std::uint8_t {
    anonymous,
    username_password,  // CONNECT User Name / Password
    x509,               // the TLS client certificate (tls_options) authenticates
    k8s_sat,            // enhanced authentication `K8S-SAT`, token read from token_file
    oauth_jwt,          // method `OAUTH2-JWT`, token (from token_provider) as the password
};

struct auth_options {
    auth_method method = auth_method::anonymous;
    std::string username;  // username_password (optional with oauth_jwt)
    std::string password;  // username_password
    /// k8s_sat: the service account token file, re-read on every (re)connect and re-authentication
    /// (kubelet rotates it).
    std::string token_file;
    /// oauth_jwt: returns a current token; called on every (re)connect and re-authentication.
    /// Control plane (not per message), so a std::function is fine.
    std::function<std::string()> token_provider;
};

/// One Topic Filter to subscribe to. `$shared/{group}/{filter}` is accepted as an alias of the
/// standard `$share/{group}/{filter}` (MQTT v5 §4.8.2) and sent as the latter.
struct subscription_options {
    std::string filter;
    qos maximum_qos = qos::at_least_once;
    bool no_local = false;  // forced off for shared subscriptions ([MQTT-3.8.3-4])
    bool retain_as_published = false;
    mqtt::retain_handling retain_handling = mqtt::retain_handling::send_on_subscribe;
};

/// Everything a session needs; built by the control plane from an Mqtt endpoint (SPEC §2.2).
struct session_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    tls_options tls;
    auth_options auth;
    /// Deterministic (SPEC §4): `<clientIdPrefix><dataflow>-<instance>[-<shard>]`. Required.
    std::string client_id;
    bool clean_start = false;  // SPEC §4: persistent sessions
    std::uint32_t session_expiry_seconds = 600;
    std::uint16_t keep_alive_seconds = 60;
    /// How long to wait for any byte from the broker after a PINGREQ before the connection is
    /// declared dead. 0: keep_alive_seconds.
    std::chrono::milliseconds ping_timeout{0};
    /// Receive Maximum announced in CONNECT (`maxInflightMessages`): the broker sends at most
    /// this many unacknowledged QoS 1/2 messages — the back-pressure of SPEC §4.
    std::uint16_t receive_maximum = 100;
    /// The most QoS 1 publishes in flight (also capped by the server's Receive Maximum).
    std::uint16_t publish_window = 100;
    /// Maximum Packet Size announced in CONNECT: larger packets are refused with 0x95.
    std::uint32_t maximum_packet_size = max_packet_size;
    /// TCP connect + TLS handshake + CONNACK must complete within this.
    std::chrono::milliseconds connect_timeout{10'000};
    /// How long stop() waits for the DISCONNECT to be written.
    std::chrono::milliseconds disconnect_timeout{1'000};
    /// Enhanced authentication only: send AUTH (Re-authenticate) with a fresh token this often;
    /// 0: never (the token is still re-read on every reconnect).
    std::chrono::milliseconds reauthenticate_interval{0};
    std::vector<subscription_options> subscriptions;
    /// `retain: Keep` passes each publish's RETAIN flag through; `Never` clears it.
    bool keep_retain = true;
    backoff_options reconnect;
    std::uint64_t jitter_seed = 0x5eed;
    /// Receive buffer chunk size; a larger packet gets a chunk of its own size.
    std::size_t receive_chunk_size = 256 * 1024;
    /// Reading stops (TCP back-pressure) while this many bytes of received packets are held…
    std::size_t max_buffered_bytes = 64 * 1024 * 1024;
    /// …or while this many received messages have not been taken by the engine. Small on
    /// purpose: a message is decoded when read and read again when taken, and at 4096 ahead
    /// (4 MiB of 1 KiB packets) it had left the cache in between — the engine's first touch of
    /// its properties was a full memory miss per message. The excess waits in the socket buffer,
    /// which the next read streams through (docs/performance.md, "Read-ahead").
    std::size_t max_undelivered = 512;
};

enum class session_state : std::uint8_t {
    idle,        // constructed, start() not called
    connecting,  // TCP/TLS/CONNECT in progress
    ready,       // CONNACK received (SUBACKs may still be outstanding)
    waiting,     // connection lost, reconnect scheduled
    stopping,    // DISCONNECT being written
    stopped,
};
std::string_view to_string(session_state s) noexcept;

/// What happened to a session, for logs and tests. `detail` is valid during the callback only
/// and never contains a secret.
struct session_event {
    enum class kind : std::uint8_t {
        connected,               // CONNACK success; session_present as the broker said
        connect_failed,          // resolve/TCP/TLS failure, timeout, or CONNACK failure (reason)
        subscribed,              // every SUBACK reason code a success
        subscribe_failed,        // a SUBACK reason code ≥ 0x80 (reason, filter in detail)
        connection_lost,         // read/write error or EOF
        disconnected_by_server,  // DISCONNECT from the broker (reason)
        protocol_violation,      // malformed input or protocol error by the broker (reason sent)
        keep_alive_timeout,      // no answer to PINGREQ in time
        redelivery_reconnect,    // a failed completion: reconnect so the broker redelivers
        reauthenticated,         // AUTH success after re-authentication
        stopped,
    };
    kind what;
    mqtt_reason reason = mqtt_reason::success;
    bool session_present = false;
    std::string_view detail;
};
std::string_view to_string(session_event::kind k) noexcept;

/// Counters of one session; written by the loop thread, readable from any thread.
struct session_counters {
    counter connect_attempts;
    counter connects;  // CONNACK success
    counter connect_failures;
    counter connection_losses;  // any connection that ended other than by stop()
    counter keep_alive_timeouts;
    counter malformed_packets;      // received, closed with 0x81
    counter protocol_errors;        // received, closed with 0x82/0x93/0x94/…
    counter packets_too_large_in;   // received, closed with 0x95
    /// The broker sent a QoS > 0 PUBLISH beyond our Receive Maximum: reading stopped until
    /// acknowledgements made room (see docs/mqtt.md, mosquitto 2.0.11).
    counter receive_maximum_exceeded;
    counter disconnects_by_server;
    counter subscribe_failures;
    counter messages_received;  // PUBLISH packets
    counter acknowledgements_sent;  // PUBACK + PUBREC
    counter unknown_completions;    // complete() with a tag not in the window
    counter redelivery_reconnects;
    counter publishes_sent;
    counter publishes_resent;  // with DUP after a reconnect
    counter publishes_acknowledged;
    counter publishes_rejected;  // PUBACK reason ≥ 0x80
    counter packet_too_large;    // outgoing publish over the server's Maximum Packet Size: dropped
    counter retain_cleared;      // RETAIN cleared: keep_retain false or Retain Available 0
    counter qos_downgraded;      // QoS 1 publish sent as QoS 0: server Maximum QoS 0
    counter bytes_received;
    counter bytes_sent;
};

enum class publish_status : std::uint8_t {
    accepted,          // queued; on_publish_complete follows
    window_full,       // QoS 1 window full: retry after a completion
    not_connected,     // QoS 0 while not connected (QoS 1 is held and sent on connect)
    packet_too_large,  // over the server's Maximum Packet Size: dropped and counted
    invalid,           // a packet the codec refuses (e.g. QoS 2, a bad topic)
    stopped,
};

/// Receives the outcome of each accepted publish (Kafka → MQTT commits offsets from here,
/// SPEC §4): the PUBACK reason code for QoS 1, success once written to the socket for QoS 0,
/// unspecified_error if the connection failed before that (QoS 0) or packet_too_large when a
/// reconnect lowered the server's Maximum Packet Size below a held QoS 1 publish. Called on the
/// loop thread.
class publish_listener {
public:
    virtual ~publish_listener() = default;
    virtual void on_publish_complete(std::uint64_t token, mqtt_reason result) noexcept = 0;
};

/// An MQTT v5 client session over TCP or TLS on an event_loop: connects, authenticates,
/// subscribes, keeps the connection alive, reconnects with back-off, receives PUBLISHes as
/// zero-copy views with ordered manual acknowledgement, and publishes QoS 0/1 with a bounded
/// in-flight window. See docs/mqtt.md.
///
/// Thread: every member function must be called on the thread that drives the loop. Not
/// thread-safe. The loop must outlive the session.
///
/// Receiving: take() hands out the next received PUBLISH; its views (topic, payload,
/// properties) stay valid until complete() is called with its tag, and no longer than the
/// session lives. PUBACKs go out in arrival order as completions allow (MQTT v5 §4.6).
class session {
public:
    using event_handler = std::function<void(const session_event&)>;

    /// Throws std::invalid_argument on bad options (empty client id, invalid topic filter,
    /// unreadable PEM): start-up errors are fatal and specific.
    session(event_loop& loop, session_options options, publish_listener* listener = nullptr,
            event_handler on_event = {});
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Starts connecting (and reconnecting, until stop()).
    void start();
    /// Stops: sends DISCONNECT with `reason` if connected, closes, never reconnects. Messages
    /// not acknowledged by then are redelivered by the broker to the next session.
    void stop(mqtt_reason reason = mqtt_reason::success);

    /// The next received PUBLISH in arrival order, with its tag set; false if none is waiting.
    bool take(mqtt_message& out) noexcept;
    /// The same without copying the message: the one the session decoded, with its tag set, or
    /// nullptr. The mqtt_message object itself stays valid until the loop runs again (the next
    /// read handler may decode into it); its views, as with take(), until complete().
    mqtt_message* take_in_place() noexcept;
    /// Received messages not yet taken.
    std::size_t undelivered() const noexcept;
    /// Messages taken (or waiting) and not yet released.
    std::size_t held() const noexcept;
    /// The engine is done with a message: acknowledge (delivered, expired) or not (failed).
    void complete(delivery_tag tag, bool acknowledge) noexcept;

    /// Publishes `p` (QoS 0 or 1) with all its properties; `token` comes back in
    /// on_publish_complete. Packet Identifier, DUP and (per keep_retain) RETAIN are set here.
    /// The bytes are copied: `p`'s views may die on return.
    publish_status publish(const publish_packet& p, std::uint64_t token);
    /// How many more QoS 1 publishes the window takes now.
    std::size_t publish_capacity() const noexcept;

    /// Enhanced authentication (K8S-SAT, OAUTH2-JWT): sends AUTH Re-authenticate with a fresh
    /// token (MQTT v5 §4.12.1). No effect otherwise or when not connected.
    void reauthenticate();
    /// Drops the TCP connection without DISCONNECT, as a network failure would; the session
    /// reconnects. For tests and operators.
    void drop_connection();

    session_state state() const noexcept;
    const session_counters& counters() const noexcept;
    /// The server's Maximum Packet Size, Receive Maximum (from the last CONNACK).
    std::uint32_t server_maximum_packet_size() const noexcept;
    std::uint16_t server_receive_maximum() const noexcept;

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

/// `$shared/g/f` → `$share/g/f` (MQTT v5 §4.8.2); anything else unchanged.
std::string normalize_topic_filter(std::string_view filter);

}  // namespace flowbridge::mqtt
