// Monitors of props/src/properties_removal.cpp on real runs of the model: what each one
// judges and, as much, what it leaves alone. (planted_test.cpp shows that each catches
// a violation planted into a state.)
#include "trimcheck/props/property.hpp"
#include "trimcheck/props/scenario.hpp"

#include "../../props/src/step.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using namespace model;

const std::string kLive = "binary_runtime_measurements_sha1";
const std::string kMsPcrs = "/sys/kernel/config/ima/pcrs";

// A run from boot under one property's monitor, stepped the way check and replay step
// it (detail::perform_step), with every call driven until it returns.
class MonitoredRun {
public:
  MonitoredRun(ProposalId proposal, std::string_view property, const KernelConfig &config = {})
      : state_(boot(proposal, config)), monitor_(find_property(property)->make_monitor()) {
    monitor_->start(state_);
  }

  // Performs `action`, then continues the call it leaves in flight until it returns;
  // the outcome of the last step.
  Outcome perform(const TraceAction &action) {
    Outcome outcome = step(action);
    if (const std::optional<Pid> pid = caller(action))
      while (blocked(state_, *pid))
        outcome = step(Action{Continue{*pid}});
    return outcome;
  }
  int open(Pid pid, const std::string &path, Access access) {
    const Outcome opened = perform(Action{Open{pid, path, access}});
    EXPECT_GE(opened.ret, 0) << "open " << path;
    return static_cast<int>(opened.ret);
  }
  // Reads the whole list through a new fd, the way an agent saves it.
  void save_list(Pid pid) {
    const int fd = open(pid, kLive, Access::read);
    while (perform(Action{Read{pid, fd, 4096}}).ret > 0) {
    }
    perform(Action{Close{pid, fd}});
  }
  // `echo COMMAND > path` by `pid`; the write's outcome.
  Outcome echo(Pid pid, const std::string &path, const Bytes &command) {
    const int fd = open(pid, path, Access::write);
    const Outcome written = perform(Action{Write{pid, fd, command}});
    perform(Action{Close{pid, fd}});
    return written;
  }
  void kexec() {
    perform(Action{KexecLoad{}});
    perform(Action{KexecExecute{}});
  }

  const KernelState &state() const { return state_; }
  // Every action performed so far, continuations included (a trace's steps).
  const std::vector<TraceAction> &actions() const { return actions_; }
  // The first violation the monitor reported, if any.
  const std::optional<std::string> &violation() const { return violation_; }

private:
  Outcome step(const TraceAction &action) {
    actions_.push_back(action);
    detail::StepResult result = detail::perform_step(state_, action, index_++);
    auto message = monitor_->observe(state_, action, result.outcome, result.facts);
    if (message && !violation_)
      violation_ = std::move(message);
    return result.outcome;
  }
  // The process whose call `action` issues (0: the kexec), if it issues one.
  static std::optional<Pid> caller(const TraceAction &action) {
    const Action *a = std::get_if<Action>(&action);
    if (a == nullptr)
      return std::nullopt;
    if (const Write *write = std::get_if<Write>(a))
      return write->pid;
    if (const Read *read = std::get_if<Read>(a))
      return read->pid;
    if (std::holds_alternative<KexecExecute>(*a))
      return Pid{0};
    return std::nullopt;
  }

  KernelState state_;
  std::unique_ptr<Monitor> monitor_;
  std::size_t index_ = 0;
  std::optional<std::string> violation_;
  std::vector<TraceAction> actions_;
};

// A version's command that removes the first `n` records of the list, written to `path`.
struct HeadRemoval {
  ProposalId proposal;
  std::string path;
  Bytes (*command)(std::size_t n);
};
Bytes count_line(std::size_t n) {
  return to_bytes(std::to_string(n) + "\n");
}
Bytes untrimmed_t_colon_n(std::size_t n) { // T:N with T = 0
  return to_bytes("0:" + std::to_string(n) + "\n");
}
const HeadRemoval kHeadRemovals[] = {
    {ProposalId::chen_v3, "ima_trim_log", count_line},
    {ProposalId::chen_v5, "ima_trim_log", untrimmed_t_colon_n},
    {ProposalId::sassu_v4, "binary_runtime_measurements_sha1_staged", count_line},
    {ProposalId::sassu_v7, "binary_runtime_measurements_sha1", count_line},
};
std::string key(ProposalId proposal) {
  return std::string(proposal_info(proposal).key);
}

// The MS trim target a quoting agent writes: the TPM's sha256 PCR 10 right now.
Bytes quoted_sha256_target(const KernelState &state) {
  Bytes target = to_bytes("pcr10:sha256:");
  const Digest value = state.pcrs.value_copy(1, state.config.measure_pcr);
  target.insert(target.end(), value.begin(), value.end());
  return target;
}

// ---- Undefined memory ----------------------------------------------------------------

// chen-v3 without ima_flush_htable frees trimmed entries but leaves them hashed, so
// measuring a trimmed file again walks into freed memory, where what the kernel finds is
// undefined. P5 reports the use after free; P4a does not judge the duplicate the model
// appended after it: the driver stops every monitor that does not watch memory.
TEST(UndefinedMemory, OnlyTheMemoryPropertyJudgesAfterAUseAfterFree) {
  MonitoredRun run(ProposalId::chen_v3, "P5");
  run.perform(Action{Measure{1, 0}});
  ASSERT_GE(run.echo(1, "ima_trim_log", count_line(2)).ret, 0);
  run.perform(Action{Measure{1, 0}});
  const std::vector<TraceAction> &actions = run.actions();
  const RunResult p5 = run_actions(ProposalId::chen_v3, {}, *find_property("P5"), actions);
  EXPECT_NE(p5.violation.find("use-after-free"), std::string::npos) << p5.violation;
  const RunResult p4a = run_actions(ProposalId::chen_v3, {}, *find_property("P4a"), actions);
  EXPECT_EQ(p4a.violation, "");
  EXPECT_EQ(p4a.steps.size(), actions.size());
}

// ---- P10 ----------------------------------------------------------------------------

// A violation is measured, user space saves the list and removes it (boot aggregate and
// violation record), and the kernel kexecs. The next kernel's `violations` is 0 as on
// the baseline (spec 2.16); the violation record left the kernel the intended way.
// Nothing a removal did presents the history as violation-free.
TEST(NoWhitewashing, TheKexecResetOfViolationsAfterASavedViolationWasRemovedIsNotFlagged) {
  for (const HeadRemoval &removal : kHeadRemovals) {
    MonitoredRun run(removal.proposal, "P10");
    run.perform(Action{MeasureViolation{0}});
    run.save_list(1);
    EXPECT_GE(run.echo(1, removal.path, removal.command(2)).ret, 0) << key(removal.proposal);
    ASSERT_EQ(run.state().ghost.del.size(), 2u) << key(removal.proposal);
    run.kexec();
    EXPECT_EQ(run.state().counters.violations, 0) << key(removal.proposal);
    EXPECT_EQ(run.violation(), std::nullopt) << key(removal.proposal);
  }
  // The baseline's counter restarts at 0 in the next kernel the same way.
  MonitoredRun baseline(ProposalId::baseline_6_12, "B4");
  baseline.perform(Action{MeasureViolation{0}});
  baseline.kexec();
  EXPECT_EQ(baseline.state().counters.violations, 0);
  EXPECT_EQ(baseline.violation(), std::nullopt);
}

TEST(NoWhitewashing, StartValuesThatAbsorbARemovedViolationAreFlagged) {
  MonitoredRun run(ProposalId::ms_rfc1, "P10");
  run.perform(Action{MeasureViolation{0}});
  run.echo(1, kMsPcrs, quoted_sha256_target(run.state()));
  ASSERT_EQ(run.state().ghost.del.size(), 2u);
  EXPECT_EQ(run.violation(), "the kernel's start PCR values now cover a removed violation record");
}

// ---- P9 -----------------------------------------------------------------------------

// A process that writes a removal without having looked at the list (its records, T,
// the count, the PCRs or a quote) computed it from no view: outside P9.
TEST(NoStaleTrim, ARemovalByAProcessThatNeverLookedIsNotJudged) {
  for (const HeadRemoval &removal : kHeadRemovals) {
    MonitoredRun run(removal.proposal, "P9");
    EXPECT_GE(run.echo(1, removal.path, removal.command(1)).ret, 0) << key(removal.proposal);
    ASSERT_EQ(run.state().ghost.del.size(), 1u) << key(removal.proposal);
    EXPECT_EQ(run.violation(), std::nullopt) << key(removal.proposal);
  }
}

// Two agents save the same list; the first removes what it saved, then the second
// removes as many records again: records measured since, which it never saw.
TEST(NoStaleTrim, TheSecondOfTwoRemovalsComputedFromOneListIsFlagged) {
  MonitoredRun run(ProposalId::sassu_v7, "P9");
  run.perform(Action{Spawn{true}});
  run.perform(Action{Measure{1, 0}});
  run.save_list(1);
  run.save_list(2);
  run.echo(1, kLive, to_bytes("2\n"));
  EXPECT_EQ(run.violation(), std::nullopt);
  run.perform(Action{Measure{2, 0}});
  run.perform(Action{Measure{3, 0}});
  run.echo(2, kLive, to_bytes("2\n"));
  ASSERT_TRUE(run.violation());
  EXPECT_EQ(run.violation()->rfind("p2 removed r2,", 0), 0u) << *run.violation();
}

// Reading T shows where the list starts, not its records: a T:N computed from it can
// address the records then in the list, and only those.
TEST(NoStaleTrim, AReadOfTViewsTheRecordsThenInTheList) {
  MonitoredRun run(ProposalId::chen_v5, "P9");
  const int fd = run.open(1, "ima_trim_log", Access::read);
  EXPECT_GT(run.perform(Action{Read{1, fd, 32}}).ret, 0);
  run.perform(Action{Close{1, fd}});
  run.perform(Action{Measure{1, 0}}); // r1, after the look
  run.echo(1, "ima_trim_log", to_bytes("0:1\n"));
  ASSERT_EQ(run.state().ghost.del, std::vector<Serial>{0});
  EXPECT_EQ(run.violation(), std::nullopt);
  run.echo(1, "ima_trim_log", to_bytes("1:1\n"));
  ASSERT_TRUE(run.violation());
  EXPECT_EQ(run.violation()->rfind("p1 removed r1,", 0), 0u) << *run.violation();
}

// ---- P12 ----------------------------------------------------------------------------

// With the legacy `ima` template the MS kernel's replay (the RFC's template hash) never
// reaches the TPM's value, so the write of the quoted PCR returns success and removes
// nothing (spec 2.1): everything up to the quote is still in the kernel.
TEST(QuoteAligned, ASuccessfulRequestThatRemovedNothingIsFlagged) {
  const KernelConfig legacy = make_config(ProposalId::ms_rfc1, {.legacy_template = true});
  MonitoredRun run(ProposalId::ms_rfc1, "P12", legacy);
  run.perform(Quote{1});
  EXPECT_GT(run.echo(1, kMsPcrs, quoted_sha256_target(run.state())).ret, 0);
  EXPECT_TRUE(run.state().ghost.del.empty());
  EXPECT_EQ(run.violation(), "p1 quoted after [r0] and its request returned success, but r0 is "
                             "still in the kernel");
}

// Sassu RFC v1 removes in two requests, stage the first k and then D: the stage request
// succeeds without removing anything and is not the end of the removal.
TEST(QuoteAligned, TheStageRequestOfAStageThenDeleteRemovalIsNotJudgedAlone) {
  MonitoredRun run(ProposalId::sassu_rfc1, "P12");
  run.perform(Quote{1});
  run.save_list(1);
  const std::string staged = "binary_runtime_measurements_staged_sha1";
  EXPECT_GT(run.echo(1, staged, to_bytes("1\n")).ret, 0);
  EXPECT_GT(run.echo(1, staged, to_bytes("D\n")).ret, 0);
  EXPECT_EQ(run.state().ghost.del, std::vector<Serial>{0});
  EXPECT_EQ(run.violation(), std::nullopt);
}

// ---- Applicability and P19 ---------------------------------------------------------

// P4b is about ima_flush_htable: a version without the option has nothing to judge.
// P19 asks that a kernel can be built without the feature, so it applies to every
// version that removes records, with an option or not.
TEST(Applicability, P4bNeedsTheFlushOptionP19AppliesToEveryRemovalVersion) {
  const Property &p4b = *find_property("P4b");
  const Property &p19 = *find_property("P19");
  for (ProposalId proposal : {ProposalId::ms_rfc1, ProposalId::chen_v1})
    EXPECT_FALSE(p4b.applies(proposal, {})) << key(proposal);
  EXPECT_TRUE(p4b.applies(ProposalId::chen_v2, {}));
  for (ProposalId proposal : {ProposalId::chen_v1, ProposalId::sassu_v3, ProposalId::sassu_v7})
    EXPECT_TRUE(p19.applies(proposal, {})) << key(proposal);
  EXPECT_FALSE(p19.applies(ProposalId::baseline_6_12, {}));
}

// Every feature option off: a version with an option refuses the removal, one without
// an option removes, which P19 flags and words as the missing option.
TEST(KconfigGating, AVersionWithoutAnOptionRemovesInAKernelWithEveryFeatureOptionOff) {
  KernelConfig off;
  off.staging = off.log_trimming = off.ima_pcrs = false;
  MonitoredRun chen_v1(ProposalId::chen_v1, "P19", off);
  EXPECT_GE(chen_v1.echo(1, "ima_trim_log", to_bytes("01")).ret, 0);
  ASSERT_TRUE(chen_v1.violation());
  EXPECT_NE(chen_v1.violation()->find("no Kconfig option"), std::string::npos);
  MonitoredRun chen_v5(ProposalId::chen_v5, "P19", off); // CONFIG_IMA_LOG_TRIMMING off
  EXPECT_EQ(chen_v5.perform(Action{Open{1, "ima_trim_log", Access::write}}).ret, -2); // ENOENT
  EXPECT_EQ(chen_v5.violation(), std::nullopt);
}

} // namespace
} // namespace trimcheck::props
