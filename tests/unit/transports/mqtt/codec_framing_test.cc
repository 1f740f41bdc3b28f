// Framing (MQTT v5 §2.1): finding whole packets in a byte stream, rejecting oversize packets
// before their body is read, and never reading past the end of a buffer however it is cut.
#include <gtest/gtest.h>

#include <memory>

#include "tests/unit/transports/mqtt/packet_bytes.h"
#include "tests/unit/transports/mqtt/sample_packets.h"
#include "transports/mqtt/codec.h"

namespace flowbridge::mqtt::test {
namespace {

// A heap copy of exactly `data.size()` bytes, so that AddressSanitizer flags any read past it.
class exact_buffer {
  public:
    explicit exact_buffer(std::string_view data)
        : bytes_(new char[data.size() == 0 ? 1 : data.size()]), size_(data.size()) {
        std::copy(data.begin(), data.end(), bytes_.get());
    }
    std::string_view view() const { return {bytes_.get(), size_}; }

  private:
    std::unique_ptr<char[]> bytes_;
    std::size_t size_;
};

TEST(mqtt_codec_framing, empty_buffer_is_incomplete_with_unknown_size) {
    const frame f = frame_packet({});
    EXPECT_EQ(f.status, frame_status::incomplete);
    EXPECT_EQ(f.size, 0u);
    EXPECT_EQ(f.reason(), mqtt_reason::success);
}

TEST(mqtt_codec_framing, partial_remaining_length_is_incomplete_with_unknown_size) {
    const frame f = frame_packet(bytes({0x30, 0x80}));
    EXPECT_EQ(f.status, frame_status::incomplete);
    EXPECT_EQ(f.size, 0u);
}

TEST(mqtt_codec_framing, known_header_with_missing_body_reports_the_size_needed) {
    const frame f = frame_packet(bytes({0x32, 0x80, 0x01, 'a'}));
    EXPECT_EQ(f.status, frame_status::incomplete);
    EXPECT_EQ(f.type, packet_type::publish);
    EXPECT_EQ(f.flags, 0x02);
    EXPECT_EQ(f.header_size, 3u);
    EXPECT_EQ(f.remaining_length, 128u);
    EXPECT_EQ(f.size, 131u);
}

TEST(mqtt_codec_framing, complete_packet_is_found_at_the_start_of_a_longer_buffer) {
    const std::string stream = encoded(full_publish()) + encoded(pingreq_packet{}) + "\x30";
    const frame first = frame_packet(stream);
    ASSERT_EQ(first.status, frame_status::complete);
    EXPECT_EQ(first.size, encoded(full_publish()).size());
    const frame second = frame_packet(std::string_view(stream).substr(first.size));
    ASSERT_EQ(second.status, frame_status::complete);
    EXPECT_EQ(second.type, packet_type::pingreq);
    EXPECT_EQ(second.size, 2u);
    const frame third = frame_packet(std::string_view(stream).substr(first.size + second.size));
    EXPECT_EQ(third.status, frame_status::incomplete);
}

TEST(mqtt_codec_framing, every_sample_stream_splits_into_its_packets) {
    const auto samples = sample_encodings();
    std::string stream;
    for (const auto& s : samples) stream += s;
    std::string_view rest = stream;
    std::size_t count = 0;
    while (!rest.empty()) {
        const frame f = frame_packet(rest);
        ASSERT_EQ(f.status, frame_status::complete);
        EXPECT_EQ(verdict(rest.substr(0, f.size)), mqtt_reason::success);
        rest.remove_prefix(f.size);
        ++count;
    }
    EXPECT_EQ(count, samples.size());
}

TEST(mqtt_codec_framing, remaining_length_of_five_bytes_is_malformed) {
    const frame f = frame_packet(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}));
    EXPECT_EQ(f.status, frame_status::malformed);
    EXPECT_EQ(f.reason(), mqtt_reason::malformed_packet);
}

TEST(mqtt_codec_framing, malformed_length_is_reported_before_all_five_bytes_arrive) {
    // Four continuation bytes already exceed §1.5.5's limit: no need to wait for a fifth.
    EXPECT_EQ(frame_packet(bytes({0x30, 0x80, 0x80, 0x80, 0x80})).status, frame_status::malformed);
}

TEST(mqtt_codec_framing, packet_over_maximum_packet_size_is_too_large_before_its_body_arrives) {
    // MQTT v5 §3.1.2.11.4: the header alone says 1 + 2 + 200 bytes; we allow 100.
    const frame f = frame_packet(bytes({0x30, 0xC8, 0x01}), 100);
    EXPECT_EQ(f.status, frame_status::too_large);
    EXPECT_EQ(f.reason(), mqtt_reason::packet_too_large);
    EXPECT_EQ(code(f.reason()), "0x95");
    EXPECT_EQ(f.size, 203u);
}

TEST(mqtt_codec_framing, packet_of_exactly_maximum_packet_size_is_accepted) {
    std::string wire = packet_of(0x30, str("t") + props() + std::string(95, 'x'));
    ASSERT_EQ(wire.size(), 101u);
    EXPECT_EQ(frame_packet(wire, 101).status, frame_status::complete);
    EXPECT_EQ(frame_packet(wire, 100).status, frame_status::too_large);
    EXPECT_EQ(frame_packet(std::string_view(wire).substr(0, 2), 100).status,
              frame_status::too_large);
}

TEST(mqtt_codec_framing, largest_remaining_length_is_framed_without_its_body) {
    const frame f = frame_packet(bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}));
    EXPECT_EQ(f.status, frame_status::incomplete);
    EXPECT_EQ(f.size, std::size_t{max_packet_size});
    EXPECT_EQ(frame_packet(bytes({0x30, 0xFF, 0xFF, 0xFF, 0x7F}), 1'000'000).status,
              frame_status::too_large);
}

// Every prefix of every valid packet is "incomplete" to the framer and an error to the decoder;
// the prefix sits in a buffer of exactly its size, so a read past the end fails under ASan.
TEST(mqtt_codec_framing, every_prefix_of_a_valid_packet_is_incomplete_and_never_overread) {
    for (const std::string& wire : sample_encodings()) {
        ASSERT_FALSE(wire.empty());
        for (std::size_t n = 0; n < wire.size(); ++n) {
            const exact_buffer prefix(std::string_view(wire).substr(0, n));
            const frame f = frame_packet(prefix.view());
            EXPECT_EQ(f.status, frame_status::incomplete) << n << ": " << hex(wire);
            EXPECT_NE(verdict(prefix.view()), mqtt_reason::success) << n << ": " << hex(wire);
        }
        const exact_buffer whole(wire);
        EXPECT_EQ(frame_packet(whole.view()).status, frame_status::complete);
        EXPECT_EQ(verdict(whole.view()), mqtt_reason::success) << hex(wire);
    }
}

// The same cuts, but with the Remaining Length rewritten to match, so that each decoder meets a
// well-framed packet whose fields stop early: it must answer (anything) without overreading.
TEST(mqtt_codec_framing, every_truncated_body_is_decoded_without_overread) {
    for (const std::string& wire : sample_encodings()) {
        const frame f = frame_packet(wire);
        ASSERT_EQ(f.status, frame_status::complete);
        const std::string_view body = std::string_view(wire).substr(f.header_size);
        for (std::size_t n = 0; n < body.size(); ++n) {
            const exact_buffer cut(
                packet_of(static_cast<std::uint8_t>(wire[0]), body.substr(0, n)));
            const mqtt_reason r = verdict(cut.view());
            // A cut PUBLISH payload, or a cut list of SUBACK codes, is still a valid packet; what
            // matters is a definite answer and no out-of-bounds read.
            (void)r;
        }
    }
}

TEST(mqtt_codec_framing, each_decoder_rejects_an_empty_buffer) {
    packet p;
    EXPECT_EQ(decode_packet({}, p), mqtt_reason::malformed_packet);
    mqtt_message m;
    EXPECT_EQ(decode_publish({}, m), mqtt_reason::malformed_packet);
    connect_packet c;
    EXPECT_EQ(decode_connect({}, c), mqtt_reason::malformed_packet);
    auth_packet a;
    EXPECT_EQ(decode_auth({}, a), mqtt_reason::malformed_packet);
}

}  // namespace
}  // namespace flowbridge::mqtt::test
