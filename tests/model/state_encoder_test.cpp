// StateEncoder: an encoding written into a reused buffer is the one written into a fresh
// buffer; by_pid and by_open_file: a map keyed by renamed ids encodes the same for two
// states that differ only by the renaming (its entries in the order of their renamed
// keys), skips the entries of gone ids, and still tells different maps apart.
#include "trimcheck/model/state_encoder.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace trimcheck::model {
namespace {

constexpr std::uint32_t kGone = Renaming::kGone;

template <typename Map> std::string pid_map(const Map &map, const Renaming &renaming) {
  StateEncoder out(renaming);
  out.number(7); // something before, so the map does not start the encoding
  out.by_pid(map, [](StateEncoder &entry, const std::vector<int> &values) {
    entry.number(values.size());
    for (int value : values)
      entry.signed_number(value);
  });
  return out.take();
}

std::string file_map(const std::map<OpenFileId, bool> &map, const Renaming &renaming) {
  StateEncoder out(renaming);
  out.by_open_file(map, [](StateEncoder &entry, bool value) { entry.flag(value); });
  return out.take();
}

TEST(StateEncoder, MapsByPidEncodeAlikeUpToTheRenaming) {
  // p1 and p2 swap their canonical names; p3 has exited and nothing refers to it.
  const Renaming first{{0, 1, 2, kGone}, {}};
  const Renaming swapped{{0, 2, 1, kGone}, {}};
  const std::map<Pid, std::vector<int>> map{{0, {9}}, {1, {1, 2}}, {2, {3}}, {3, {4}}};
  // The same state with p1 and p2 exchanged: p2 holds what p1 held, and is named first.
  const std::map<Pid, std::vector<int>> exchanged{{0, {9}}, {2, {1, 2}}, {1, {3}}};
  EXPECT_EQ(pid_map(map, first), pid_map(exchanged, swapped));
  // A gone pid's entry is skipped: with it or without it, one encoding.
  std::map<Pid, std::vector<int>> without_gone = map;
  without_gone.erase(3);
  EXPECT_EQ(pid_map(map, first), pid_map(without_gone, first));
  // Different values, or the same values under the other names, differ.
  std::map<Pid, std::vector<int>> other = map;
  other[2] = {4};
  EXPECT_NE(pid_map(map, first), pid_map(other, first));
  EXPECT_NE(pid_map(map, first), pid_map(map, swapped));
  EXPECT_NE(pid_map(map, first), pid_map(std::map<Pid, std::vector<int>>{}, first));
}

TEST(StateEncoder, MapsByOpenFileEncodeAlikeUpToTheRenaming) {
  const Renaming first{{0}, {1, 0, kGone}};
  const Renaming second{{0}, {0, 1, kGone}};
  const std::map<OpenFileId, bool> map{{0, true}, {1, false}, {2, true}};
  const std::map<OpenFileId, bool> exchanged{{0, false}, {1, true}};
  EXPECT_EQ(file_map(map, first), file_map(exchanged, second));
  EXPECT_NE(file_map(map, first), file_map(map, second));
  // An id past the renaming's table is gone too.
  EXPECT_EQ(file_map(map, first), file_map({{0, true}, {1, false}, {7, true}}, first));
}

// Explore writes every encoding into the buffer the last one left (its capacity and old
// bytes): whatever that buffer held, the encoding is the one a fresh buffer gets.
RC_GTEST_PROP(StateEncoder, AReusedBufferEncodesAsAFreshOne, ()) {
  // Each encoding: numbers, and byte strings up to 1,000 long (appended at once).
  using Item = std::pair<bool, std::uint32_t>; // (a byte string, its length or the number)
  const auto encodings =
      *rc::gen::container<std::vector<std::vector<Item>>>(rc::gen::container<std::vector<Item>>(
          rc::gen::pair(rc::gen::arbitrary<bool>(), rc::gen::inRange<std::uint32_t>(0, 1000))));
  const Renaming none;
  auto write = [&](const std::vector<Item> &items, std::string buffer) {
    StateEncoder out(none, std::move(buffer));
    for (const auto &[bytes, value] : items)
      if (bytes)
        out.blob(std::vector<std::uint8_t>(value, 0xA5));
      else
        out.number(value);
    return out.take();
  };
  std::string reused;
  for (const auto &items : encodings) {
    const std::string fresh = write(items, {});
    reused = write(items, std::move(reused));
    RC_ASSERT(reused == fresh);
  }
}

} // namespace
} // namespace trimcheck::model
