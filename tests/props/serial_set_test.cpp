// SerialSet behaves as std::set<Serial> on every sequence of the operations the monitors
// use, across the inline words and the heap, and its encoding tells two sets apart exactly
// when they differ (explore merges states by that encoding).
#include "../../props/src/serial_set.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>

namespace trimcheck::props::detail {
namespace {

using model::Serial;

// Serials up to 300, so that sets leave the two inline words; mostly small ones, as runs
// make them.
rc::Gen<Serial> serials() {
  return rc::gen::weightedOneOf<Serial>(
      {{4, rc::gen::inRange<Serial>(0, 70)}, {1, rc::gen::inRange<Serial>(0, 300)}});
}

// One operation: insert (0) or clear (1).
struct SetOp {
  int kind;
  Serial serial;
};

std::string encoding(const SerialSet &set) {
  const model::Renaming none;
  model::StateEncoder out(none);
  set.encode(out);
  return out.take();
}

SerialSet built(const std::vector<SetOp> &ops) {
  SerialSet set;
  for (const SetOp &op : ops)
    op.kind == 0 ? static_cast<void>(set.insert(op.serial)) : set.clear();
  return set;
}

std::set<Serial> reference(const std::vector<SetOp> &ops) {
  std::set<Serial> set;
  for (const SetOp &op : ops)
    op.kind == 0 ? static_cast<void>(set.insert(op.serial)) : set.clear();
  return set;
}

rc::Gen<std::vector<SetOp>> set_ops() {
  return rc::gen::container<std::vector<SetOp>>(rc::gen::build<SetOp>(
      rc::gen::set(&SetOp::kind, rc::gen::weightedElement<int>({{12, 0}, {1, 1}})),
      rc::gen::set(&SetOp::serial, serials())));
}

RC_GTEST_PROP(SerialSet, IsASetOfSerials, ()) {
  const auto ops = *set_ops();
  const auto probes = *rc::gen::container<std::vector<Serial>>(serials());
  SerialSet set;
  std::set<Serial> reference;
  for (const SetOp &op : ops) {
    if (op.kind == 0) {
      RC_ASSERT(set.insert(op.serial) == reference.insert(op.serial).second);
    } else {
      set.clear();
      reference.clear();
    }
    RC_ASSERT(set.contains(op.serial) == (reference.count(op.serial) == 1));
    RC_ASSERT(set.size() == reference.size());
    RC_ASSERT(set.empty() == reference.empty());
  }
  for (Serial serial : probes)
    RC_ASSERT(set.contains(serial) == (reference.count(serial) == 1));
  const SerialSet copy = set;
  RC_ASSERT(copy == set);
}

// Equal as sets <=> equal values <=> equal encodings, whatever order and clears built them.
RC_GTEST_PROP(SerialSet, EqualSetsAndOnlyThoseEncodeTheSame, ()) {
  const auto a_ops = *set_ops();
  std::vector<SetOp> b_ops = *set_ops();
  if (*rc::gen::arbitrary<bool>()) {
    // The inserts after a_ops' last clear, in reverse order and the last one twice.
    const auto last_clear =
        std::find_if(a_ops.rbegin(), a_ops.rend(), [](const SetOp &op) { return op.kind == 1; });
    b_ops.assign(a_ops.rbegin(), last_clear);
    if (!b_ops.empty())
      b_ops.push_back(b_ops.front());
  }
  const std::set<Serial> ref_a = reference(a_ops), ref_b = reference(b_ops);
  const SerialSet a = built(a_ops), b = built(b_ops);
  RC_ASSERT((a == b) == (ref_a == ref_b));
  RC_ASSERT((encoding(a) == encoding(b)) == (ref_a == ref_b));
}

TEST(SerialSet, ASetClearedAfterGrowingEqualsAnEmptyOne) {
  SerialSet grown;
  grown.insert(1000);
  grown.clear();
  EXPECT_EQ(grown, SerialSet{});
  EXPECT_EQ(encoding(grown), encoding(SerialSet{}));
  grown.insert(3);
  SerialSet small;
  small.insert(3);
  EXPECT_EQ(grown, small);
}

} // namespace
} // namespace trimcheck::props::detail
