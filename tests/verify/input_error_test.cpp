// Messages of bad input name the file, and a name with raw bytes or newlines stays one line
// that tells it apart from others (issue 20 item 12).
#include "trimcheck/verify/input_error.hpp"

#include <gtest/gtest.h>

namespace trimcheck::verify {
namespace {

TEST(Printable, LeavesPrintableAsciiAlone) {
  EXPECT_EQ(printable("/sys/kernel/security/ima/binary_runtime_measurements"),
            "/sys/kernel/security/ima/binary_runtime_measurements");
}

TEST(Printable, EscapesNewlinesTabsBackslashesAndRawBytes) {
  EXPECT_EQ(printable("a\nb\tc\\d"), "a\\nb\\tc\\\\d");
  EXPECT_EQ(printable(std::string("\x00\x1f\x7f\xff", 4)), "\\x00\\x1f\\x7f\\xff");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\\xc3\\xa9"); // UTF-8 too: bytes, not guesses
  EXPECT_NE(printable("a\\nb"), printable("a\nb"));     // a backslash-n is not a newline
}

TEST(InputError, ItsMessageIsOneLineWhateverThePath) {
  const InputError error("list\n2.bin", "byte 4: PCR index 99 out of range 0..23");
  EXPECT_STREQ(error.what(), "list\\n2.bin: byte 4: PCR index 99 out of range 0..23");
}

} // namespace
} // namespace trimcheck::verify
