#include "engine/message/utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace flowbridge {
namespace {

TEST(utf8, accepts_ascii_and_multibyte_text) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("Grüße, 温度, 🌡"));
    EXPECT_TRUE(is_valid_utf8(""));
}

TEST(utf8, rejects_ill_formed_sequences) {
    EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
    EXPECT_FALSE(is_valid_utf8("\xa1\x03" "bar"));    // lone continuation byte (AMQP prefix)
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(utf8, mqtt_strings_reject_nul_characters) {
    EXPECT_TRUE(is_valid_mqtt_string("abc"));
    EXPECT_FALSE(is_valid_mqtt_string(std::string("a\0c", 3)));
}

TEST(utf8, mqtt_strings_are_at_most_65535_bytes) {
    EXPECT_TRUE(is_valid_mqtt_string(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_mqtt_string(std::string(65536, 'a')));
}

}  // namespace
}  // namespace flowbridge
