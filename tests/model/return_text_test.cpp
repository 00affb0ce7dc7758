// model::return_text: how traces, property messages and conform's coverage name a system
// call's return value.
#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace trimcheck::model {
namespace {

TEST(ReturnText, ErrnosByNameOtherNegativeValuesAsNoErrnoOthersAsNumbers) {
  EXPECT_EQ(return_text(-17), "EEXIST");
  EXPECT_EQ(return_text(-16), "EBUSY");
  EXPECT_EQ(return_text(0), "0");
  EXPECT_EQ(return_text(45), "45");
  EXPECT_EQ(return_text(std::numeric_limits<std::int64_t>::min()),
            "-9223372036854775808 (no errno)");
  EXPECT_EQ(return_text(-4096), "-4096 (no errno)");
}

} // namespace
} // namespace trimcheck::model
