// MonitorPack: the monitors of a World in one block; copies are deep, slots keep their
// property, and every monitor is destroyed exactly once.
#include "../../../props/src/explore/monitor_pack.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props::detail {
namespace {

// Counts the steps it saw (state held in a container, as the real monitors do) and how
// many of its kind are alive.
class CountingMonitor : public CopyableMonitor<CountingMonitor> {
public:
  explicit CountingMonitor(int *alive) : alive_(alive) { ++*alive_; }
  CountingMonitor(const CountingMonitor &other) : alive_(other.alive_), seen_(other.seen_) {
    ++*alive_;
  }
  CountingMonitor &operator=(const CountingMonitor &) = default; // the same alive count
  ~CountingMonitor() override { --*alive_; }
  std::optional<std::string> observe(const model::KernelState &, const TraceAction &,
                                     const model::Outcome &, const StepFacts &) override {
    seen_.push_back(static_cast<int>(seen_.size()));
    return std::nullopt;
  }
  std::size_t seen() const { return seen_.size(); }

private:
  int *alive_;
  std::vector<int> seen_;
};

// A pack of `count` CountingMonitors (the monitors it was built from are gone).
MonitorPack counting_pack(int *alive, std::size_t count) {
  std::vector<std::unique_ptr<Monitor>> fresh;
  for (std::size_t i = 0; i < count; ++i)
    fresh.push_back(std::make_unique<CountingMonitor>(alive));
  return MonitorPack(fresh);
}

// Sees nothing and keeps nothing.
class SilentMonitor : public Monitor {
public:
  std::optional<std::string> observe(const model::KernelState &, const TraceAction &,
                                     const model::Outcome &, const StepFacts &) override {
    return std::nullopt;
  }
};

std::size_t seen(const MonitorPack &pack, std::size_t slot) {
  return dynamic_cast<const CountingMonitor &>(*pack.get(slot)).seen();
}

void observe(MonitorPack &pack, std::size_t slot) {
  pack.get(slot)->observe(model::KernelState{}, TraceAction{}, model::Outcome{}, StepFacts{});
}

TEST(MonitorPack, CopiesAreDeepAndEmptySlotsStayEmpty) {
  int alive = 0;
  {
    std::vector<std::unique_ptr<Monitor>> fresh;
    fresh.push_back(std::make_unique<CountingMonitor>(&alive));
    fresh.push_back(nullptr);
    fresh.push_back(std::make_unique<CountingMonitor>(&alive));
    MonitorPack pack(fresh);
    fresh.clear();
    ASSERT_EQ(pack.size(), 3u);
    EXPECT_EQ(pack.get(1), nullptr);
    EXPECT_EQ(alive, 2);

    observe(pack, 2);
    MonitorPack copy = pack;
    EXPECT_EQ(alive, 4);
    observe(copy, 2);
    observe(copy, 0);
    EXPECT_EQ(seen(pack, 0), 0u);
    EXPECT_EQ(seen(pack, 2), 1u);
    EXPECT_EQ(seen(copy, 0), 1u);
    EXPECT_EQ(seen(copy, 2), 2u);
    EXPECT_EQ(copy.get(1), nullptr);
  }
  EXPECT_EQ(alive, 0);
}

TEST(MonitorPack, AResetSlotIsDestroyedOnceAndStaysEmptyInCopies) {
  int alive = 0;
  {
    MonitorPack pack = counting_pack(&alive, 2);
    pack.reset(0);
    EXPECT_EQ(alive, 1);
    pack.reset(0);
    EXPECT_EQ(alive, 1);
    const MonitorPack copy = pack;
    EXPECT_EQ(copy.get(0), nullptr);
    EXPECT_NE(copy.get(1), nullptr);
    EXPECT_EQ(alive, 2);
    MonitorPack moved = std::move(pack);
    EXPECT_EQ(alive, 2);
    EXPECT_EQ(pack.size(), 0u); // NOLINT(bugprone-use-after-move): moved-from is empty
    pack = copy;
    EXPECT_EQ(alive, 3);
  }
  EXPECT_EQ(alive, 0);
}

// Explore steps every successor into one scratch World: assigning a pack to one with the
// same occupied slots assigns each monitor where it is; any other shape gets a new block.
TEST(MonitorPack, AssignmentReusesTheBlockOnlyWhenTheSlotsMatch) {
  int alive = 0;
  {
    MonitorPack source = counting_pack(&alive, 2);
    MonitorPack target = counting_pack(&alive, 2);
    observe(source, 0);
    observe(source, 0);
    const Monitor *where = target.get(0);
    target = source;
    EXPECT_EQ(target.get(0), where); // in place
    EXPECT_EQ(seen(target, 0), 2u);
    EXPECT_EQ(seen(target, 1), 0u);
    EXPECT_EQ(alive, 4);

    source.reset(1); // the slots differ now: target gets a block shaped like source's
    target = source;
    EXPECT_EQ(target.get(1), nullptr);
    EXPECT_EQ(seen(target, 0), 2u);
    EXPECT_EQ(alive, 2);
  }
  EXPECT_EQ(alive, 0);
}

// The pack keeps its occupied and stateful slots as masks of 64 slots a word: a pack wider
// than one word is assigned in place and compared in every word.
TEST(MonitorPack, PacksWiderThanOneMaskWordAssignEverySlot) {
  constexpr std::size_t kSlots = 130; // three words, the last partly used
  int alive = 0;
  {
    MonitorPack source = counting_pack(&alive, kSlots);
    MonitorPack target = counting_pack(&alive, kSlots);
    for (std::size_t slot : {0u, 63u, 64u, 127u, 128u, 129u})
      observe(source, slot);
    const Monitor *where = target.get(129);
    target = source;
    EXPECT_EQ(target.get(129), where); // in place
    for (std::size_t slot = 0; slot < kSlots; ++slot) {
      const bool observed = slot == 0 || slot == 63 || slot == 64 || slot >= 127;
      EXPECT_EQ(seen(target, slot), observed ? 1u : 0u) << "slot " << slot;
    }
    source.reset(128); // differs in the last word only
    target = source;
    EXPECT_EQ(target.get(128), nullptr);
    EXPECT_EQ(seen(target, 129), 1u);
    EXPECT_EQ(alive, 2 * static_cast<int>(kSlots) - 2);
  }
  EXPECT_EQ(alive, 0);
}

TEST(MonitorPack, AssignmentBetweenMonitorsOfDifferentTypesBuildsANewBlock) {
  class Other : public CopyableMonitor<Other, SilentMonitor> {};
  int alive = 0;
  std::vector<std::unique_ptr<Monitor>> other;
  other.push_back(std::make_unique<Other>());
  MonitorPack target = counting_pack(&alive, 1);
  const MonitorPack source(other);
  target = source;
  EXPECT_NE(dynamic_cast<const Other *>(target.get(0)), nullptr);
  EXPECT_EQ(alive, 0);
}

// A monitor without data of its own is neither assigned nor encoded by explore; the pack
// keeps what each slot's monitor answered, in copies too.
TEST(MonitorPack, KnowsWhichSlotsKeepState) {
  class Stateless : public CopyableMonitor<Stateless, SilentMonitor> {};
  int alive = 0;
  std::vector<std::unique_ptr<Monitor>> fresh;
  fresh.push_back(std::make_unique<Stateless>());
  fresh.push_back(std::make_unique<CountingMonitor>(&alive));
  EXPECT_FALSE(fresh[0]->keeps_state());
  EXPECT_TRUE(fresh[1]->keeps_state());
  const MonitorPack pack(fresh);
  const MonitorPack copy = pack;
  for (const MonitorPack *each : {&pack, &copy}) {
    EXPECT_FALSE(each->keeps_state(0));
    EXPECT_TRUE(each->keeps_state(1));
  }
}

// A slot whose monitor keeps no state, assigned a monitor of another type that does,
// still gets that monitor (a new block): skipping stateless slots must not skip it.
TEST(MonitorPack, AStatefulMonitorAssignedOverAStatelessOneIsCopied) {
  class Stateless : public CopyableMonitor<Stateless, SilentMonitor> {};
  int alive = 0;
  {
    std::vector<std::unique_ptr<Monitor>> stateless;
    stateless.push_back(std::make_unique<Stateless>());
    MonitorPack target(stateless);
    MonitorPack source = counting_pack(&alive, 1);
    observe(source, 0);
    target = source;
    EXPECT_EQ(seen(target, 0), 1u);
    EXPECT_TRUE(target.keeps_state(0));
  }
  EXPECT_EQ(alive, 0);
}

TEST(MonitorPack, AMonitorWithoutACopyIsRefused) {
  class Uncopyable : public SilentMonitor {};
  std::vector<std::unique_ptr<Monitor>> fresh;
  fresh.push_back(std::make_unique<Uncopyable>());
  EXPECT_THROW(MonitorPack{fresh}, std::logic_error);
}

} // namespace
} // namespace trimcheck::props::detail
