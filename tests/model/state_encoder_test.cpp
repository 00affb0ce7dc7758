// StateEncoder::unordered with a shared EncoderScratch: the buffers an encoding reuses
// must not carry anything from the encodings before it, at any nesting depth.
#include "trimcheck/model/state_encoder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace trimcheck::model {
namespace {

using Inner = std::map<int, std::vector<int>>;
using Outer = std::map<int, Inner>;

// Writes `outer` with two levels of `unordered` (the inner map's entries sorted too).
std::string encode(const Outer &outer, EncoderScratch *scratch) {
  const Renaming none;
  StateEncoder out(none, {}, scratch);
  out.number(7); // something before, so the map does not start the encoding
  out.unordered(outer, [](StateEncoder &entry, const auto &item) {
    entry.number(static_cast<std::uint64_t>(item.first));
    entry.unordered(item.second, [](StateEncoder &inner, const auto &pair) {
      inner.number(static_cast<std::uint64_t>(pair.first));
      for (int value : pair.second)
        inner.number(static_cast<std::uint64_t>(value));
      return pair.first >= 0; // negative keys are skipped
    });
    return true;
  });
  return out.take();
}

TEST(StateEncoder, UnorderedWithASharedScratchEncodesAsAFreshEncoder) {
  const std::vector<Outer> maps = {
      {{1, {{5, {1, 2, 3, 4, 5, 6, 7, 8}}, {2, {9}}, {-1, {4}}}}, {0, {{3, {}}}}},
      {{2, {{1, {2}}}}},
      {},
      {{4, {{-3, {1}}, {-2, {2}}}}, {3, {{7, {7, 7}}, {6, {6}}}}},
  };
  EncoderScratch scratch;
  // Twice through, long maps before short ones and after: every reuse starts clean.
  for (int round = 0; round < 2; ++round)
    for (const Outer &map : maps)
      EXPECT_EQ(encode(map, &scratch), encode(map, nullptr));
  // And the encoding is not that of another map (the comparison can fail).
  EXPECT_NE(encode(maps[0], &scratch), encode(maps[1], &scratch));
}

} // namespace
} // namespace trimcheck::model
