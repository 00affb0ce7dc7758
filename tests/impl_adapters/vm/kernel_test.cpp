// Which model actions the guest can perform, and as which model actions (no VM).
#include "trimcheck/vm/kernel.hpp"

#include <gtest/gtest.h>

namespace trimcheck::vm {
namespace {

using namespace model;

TEST(Realised, ViolationIsFollowedByTheFilesMeasurement) {
  EXPECT_EQ(realised(MeasureViolation{4}),
            (std::vector<Action>{MeasureViolation{4}, Measure{4, 0}}));
  EXPECT_EQ(realised(Measure{4, 1}), (std::vector<Action>{Measure{4, 1}}));
  EXPECT_TRUE(realised(Continue{0}).empty());
}

TEST(Realisable, RefusesWhatTheLineProtocolCannotCarry) {
  EXPECT_TRUE(realisable(Read{1, 3, 4096}));
  EXPECT_FALSE(realisable(Read{1, 3, std::size_t{1} << 20}));
  EXPECT_FALSE(realisable(Write{1, 3, Bytes(40000, 'x')}));
  EXPECT_FALSE(realisable(Open{1, "a b", Access::read}));
  EXPECT_FALSE(realisable(Open{1, "", Access::read}));
  EXPECT_FALSE(realisable(MeasureRecord{}));
  EXPECT_TRUE(realisable(KexecExecute{}));
}

} // namespace
} // namespace trimcheck::vm
