// FlatMap behaves as std::map on every sequence of the operations the monitors use, and
// iterates in key order (a monitor's encoding depends on it).
#include "../../props/src/flat_containers.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

namespace trimcheck::props::detail {
namespace {

// One operation on a map of small keys (so that keys repeat).
struct MapOp {
  int kind; // 0 operator[] +=, 1 try_emplace, 2 erase(key), 3 erase(find), 4 clear
  int key;
  int value;
};

bool same(const std::pair<int, int> &a, const std::pair<const int, int> &b) {
  return a.first == b.first && a.second == b.second;
}

template <typename Flat, typename Std> void expect_same(const Flat &flat, const Std &reference) {
  RC_ASSERT(flat.size() == reference.size());
  RC_ASSERT(std::equal(flat.begin(), flat.end(), reference.begin(), reference.end(),
                       [](const auto &a, const auto &b) { return same(a, b); }));
}

RC_GTEST_PROP(FlatContainers, FlatMapIsAnOrderedMap, ()) {
  const auto ops = *rc::gen::container<std::vector<MapOp>>(rc::gen::build<MapOp>(
      rc::gen::set(&MapOp::kind,
                   rc::gen::weightedElement<int>({{4, 0}, {4, 1}, {2, 2}, {2, 3}, {1, 4}})),
      rc::gen::set(&MapOp::key, rc::gen::inRange(0, 8)),
      rc::gen::set(&MapOp::value, rc::gen::inRange(-3, 4))));
  FlatMap<int, int> flat;
  std::map<int, int> reference;
  for (const MapOp &op : ops) {
    switch (op.kind) {
    case 0:
      flat[op.key] += op.value;
      reference[op.key] += op.value;
      break;
    case 1: {
      const auto [at, inserted] = flat.try_emplace(op.key, op.value);
      const auto [ref_at, ref_inserted] = reference.try_emplace(op.key, op.value);
      RC_ASSERT(inserted == ref_inserted);
      RC_ASSERT(at->second == ref_at->second);
      break;
    }
    case 2:
      RC_ASSERT(flat.erase(op.key) == reference.erase(op.key));
      break;
    case 3: {
      const auto at = flat.find(op.key);
      const auto ref_at = reference.find(op.key);
      RC_ASSERT((at == flat.end()) == (ref_at == reference.end()));
      if (at != flat.end())
        flat.erase(at), reference.erase(ref_at);
      break;
    }
    default:
      flat.clear();
      reference.clear();
    }
    RC_ASSERT(flat.count(op.key) == reference.count(op.key));
    expect_same(flat, reference);
  }
  const FlatMap<int, int> copy = flat;
  RC_ASSERT(copy == flat);
}

} // namespace
} // namespace trimcheck::props::detail
