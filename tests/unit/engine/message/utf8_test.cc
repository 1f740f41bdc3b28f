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

// is_valid_mqtt_string reads eight bytes at a time: a NUL or a non-ASCII byte must be found in
// every position of a word and of the tail, for every length around the word size.
TEST(utf8, mqtt_strings_find_nul_and_non_ascii_bytes_at_every_position) {
    for (std::size_t len = 1; len <= 25; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string s(len, 'a');
            s[at] = '\0';
            EXPECT_FALSE(is_valid_mqtt_string(s)) << "NUL at " << at << " of " << len;
            s[at] = '\x80';  // a lone continuation byte: ill-formed
            EXPECT_FALSE(is_valid_mqtt_string(s)) << "0x80 at " << at << " of " << len;
            s[at] = '\x7f';  // the highest ASCII byte is fine
            EXPECT_TRUE(is_valid_mqtt_string(s)) << "0x7f at " << at << " of " << len;
            if (at + 1 < len) {
                s[at] = '\xc3';  // "ü" straddling any word boundary is well-formed
                s[at + 1] = '\xbc';
                EXPECT_TRUE(is_valid_mqtt_string(s)) << "U+00FC at " << at << " of " << len;
            }
        }
    }
    EXPECT_TRUE(is_valid_mqtt_string(""));
    // 0x01 bytes next to 0x80 ones must not look like a NUL to the word test.
    EXPECT_TRUE(is_valid_mqtt_string(std::string(16, '\x01')));
    EXPECT_FALSE(is_valid_mqtt_string(std::string("\x01\x01\x01\x01\x01\x01\x01\0", 8)));
}

TEST(utf8, mqtt_strings_are_at_most_65535_bytes) {
    EXPECT_TRUE(is_valid_mqtt_string(std::string(65535, 'a')));
    EXPECT_FALSE(is_valid_mqtt_string(std::string(65536, 'a')));
}

}  // namespace
}  // namespace flowbridge
