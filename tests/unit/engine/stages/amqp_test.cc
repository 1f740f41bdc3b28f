// SPEC §3.2 extension flowbridge.io/decode-amqp-headers.
#include "engine/stages/amqp.h"

#include <string>

#include <gtest/gtest.h>

namespace flowbridge {
namespace {

std::string decoded(const std::string& in) {
    std::string_view out = "<untouched>";
    decode_amqp_string(in, out);
    return std::string(out);
}

TEST(amqp, str8_utf8_is_decoded) { EXPECT_EQ(decoded(std::string("\xa1\x03" "bar", 5)), "bar"); }

TEST(amqp, str32_utf8_is_decoded) {
    EXPECT_EQ(decoded(std::string("\xb1\x00\x00\x00\x02" "hi", 7)), "hi");
}

TEST(amqp, sym8_and_sym32_are_decoded) {
    EXPECT_EQ(decoded(std::string("\xa3\x01" "x", 3)), "x");
    EXPECT_EQ(decoded(std::string("\xb3\x00\x00\x00\x01" "y", 6)), "y");
}

TEST(amqp, empty_string_is_decoded) { EXPECT_EQ(decoded(std::string("\xa1\x00", 2)), ""); }

TEST(amqp, length_that_does_not_match_is_left_alone) {
    EXPECT_EQ(decoded(std::string("\xa1\x05" "bar", 5)), "<untouched>");
    EXPECT_EQ(decoded(std::string("\xa1\x02" "bar", 5)), "<untouched>");
    EXPECT_EQ(decoded(std::string("\xb1\x00\x00", 3)), "<untouched>");
}

TEST(amqp, plain_text_is_left_alone) {
    EXPECT_EQ(decoded("bar"), "<untouched>");
    EXPECT_EQ(decoded(""), "<untouched>");
}

}  // namespace
}  // namespace flowbridge
