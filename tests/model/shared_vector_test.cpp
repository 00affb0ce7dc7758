// SharedVector: copies behave as independent vectors (value semantics), whatever they
// share underneath.
#include "trimcheck/model/shared_vector.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using trimcheck::model::SharedVector;

TEST(SharedVector, ACopyIsIndependentOfTheOriginal) {
  SharedVector<std::string> original(std::vector<std::string>{"a", "b"});
  SharedVector<std::string> copy = original;
  EXPECT_EQ(copy, original);
  copy.push_back("c");
  copy.mutable_at(0) = "z";
  EXPECT_EQ(original.size(), 2u);
  EXPECT_EQ(original.at(0), "a");
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy.at(0), "z");
  EXPECT_EQ(copy.back(), "c");
  EXPECT_FALSE(copy == original);
  original.mutable_at(1) = "y"; // sole owner again: changed in place
  EXPECT_EQ(original.at(1), "y");
  EXPECT_EQ(copy.at(1), "b");
}

TEST(SharedVector, EmptyDefaultAndEqualityByContent) {
  SharedVector<int> empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.begin(), empty.end());
  EXPECT_EQ(empty, SharedVector<int>(std::vector<int>{}));
  SharedVector<int> one;
  one.push_back(1);
  EXPECT_EQ(one, SharedVector<int>(std::vector<int>{1}));
  EXPECT_THROW(one.at(1), std::out_of_range);
}

} // namespace
