// Kernel confirmations (trimcheck confirm) recorded from a fake kernel that answers from
// the model: a check counterexample reproduces, its file round-trips, a recheck recomputes
// the same outcome, and a changed answer or a crash changes the outcome.
#include "model_kernel.hpp"
#include "trimcheck/conform/confirm.hpp"
#include "trimcheck/props/property.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace trimcheck::conform {
namespace {

using namespace model;
using nlohmann::json;

props::PairResult counterexample(ProposalId proposal, const char *property) {
  props::PairResult result =
      props::check_pair(proposal, *props::find_property(property), props::CheckBudget{1, 2000, 60});
  EXPECT_TRUE(result.trace) << property << " has no counterexample on "
                            << proposal_info(proposal).key;
  return result;
}

// A confirmation recorded on a fake kernel (the model), as `trimcheck confirm` records one.
Confirmation record_on_model(const props::PairResult &result, test::ModelKernel kernel) {
  Transcript transcript;
  transcript.kernel = {{"release", "model"}};
  transcript.proposal = result.trace->proposal;
  transcript.config = result.trace->config;
  RecordingKernel recording(kernel, transcript);
  Confirmation confirmation = confirm_on(recording, *result.trace, result.verdict);
  confirmation.transcript = std::move(transcript);
  return confirmation;
}

Confirmation record_on_model(const props::PairResult &result) {
  return record_on_model(result, test::ModelKernel(result.trace->proposal, result.trace->config));
}

TEST(ConformConfirm, ACheckCounterexampleReproducesOnAKernelThatIsTheModel) {
  const props::PairResult result = counterexample(ProposalId::baseline_6_12, "P14");
  const Confirmation confirmation = record_on_model(result);
  EXPECT_EQ(confirmation.outcome, ConfirmOutcome::reproduced) << confirmation.detail;
  EXPECT_GT(confirmation.step, 0u);
  EXPECT_NE(confirmation.detail.find("hash table"), std::string::npos) << confirmation.detail;
}

// An MS trim target is PCR values: a trace computed for another TPM's firmware writes a
// target the kernel's list never reaches. With the kernel's firmware in check's budget (as
// confirm does) the same cell reproduces; a trace that assumes other firmware than the
// kernel's is refused at boot.
TEST(ConformConfirm, PcrTargetsReproduceOnlyWithTheKernelsFirmware) {
  const props::Property &p4a = *props::find_property("P4a");
  props::CheckBudget budget{1, 2000, 60};
  budget.base = BaseTree::linux_6_12;
  const props::PairResult zero = props::check_pair(ProposalId::ms_rfc1, p4a, budget);
  ASSERT_TRUE(zero.trace);
  EXPECT_EQ(record_on_model(zero).outcome, ConfirmOutcome::not_reproduced);

  budget.firmware_pcrs = firmware_of(test::sample_firmware(KernelConfig{}.banks));
  const props::PairResult kernels = props::check_pair(ProposalId::ms_rfc1, p4a, budget);
  ASSERT_TRUE(kernels.trace);
  const Confirmation confirmation = record_on_model(kernels);
  EXPECT_EQ(confirmation.outcome, ConfirmOutcome::reproduced) << confirmation.detail;

  props::PairResult other = kernels;
  other.trace->config.firmware_pcrs.front().value.front() ^= 1;
  const Confirmation refused = record_on_model(other);
  EXPECT_EQ(refused.outcome, ConfirmOutcome::kernel_differs);
  EXPECT_EQ(refused.step, 0u);
  EXPECT_NE(refused.detail.find("firmware"), std::string::npos) << refused.detail;
}

// A confirmation recorded on a real kernel (tests/data/real-kernel/confirmations/<file>),
// its trace confirmed again on a fake kernel that is the model. The fake kernel's firmware
// is not the VM's: the trace takes the fake kernel's.
Confirmation reconfirmed_on_model(const std::string &file) {
  const Confirmation recorded =
      read_confirmation(std::string(TRIMCHECK_TEST_DATA) + "/real-kernel/confirmations/" + file);
  props::Trace trace = recorded.trace;
  trace.config.firmware_pcrs.clear();
  test::ModelKernel kernel(trace.proposal, trace.config);
  return confirm_on(kernel, trace, recorded.verdict);
}

// ms-rfc1's P13 on its kernel: the trace writes a PCR target while a kexec execute is
// blocked in the model; the VM runs the kexec to completion, after which the writer's
// steps are not possible. The outcome says which step and why.
TEST(ConformConfirm, AStepIssuedWhileACallIsBlockedIsNotReplayableAndSaysWhy) {
  const Confirmation again = reconfirmed_on_model("ms-rfc1/ms-rfc1-P13.json.gz");
  EXPECT_EQ(again.outcome, ConfirmOutcome::not_replayable);
  EXPECT_NE(again.detail.find("while 'kexec execute' was blocked"), std::string::npos)
      << again.detail;
}

// chen-v4's P13: the model loses the trimmed total when a trim runs while a kexec execute
// is blocked; the VM runs the kexec first, every answer equals the model's and P13 holds
// on that run. Not replayable, not "not reproduced".
TEST(ConformConfirm, AViolationThatNeedsTheTracesOrderInsideABlockedCallIsNotReplayable) {
  const Confirmation again = reconfirmed_on_model("chen-v4/chen-v4-P13.json.gz");
  EXPECT_EQ(again.outcome, ConfirmOutcome::not_replayable);
  EXPECT_NE(again.detail.find("issued while 'kexec execute' was blocked"), std::string::npos)
      << again.detail;
}

TEST(ConformConfirm, TheFileRoundTripsAndARecheckGivesTheSameOutcome) {
  const Confirmation recorded = record_on_model(counterexample(ProposalId::sassu_v7, "P14"));
  const json document = json::parse(to_json(recorded).dump());
  const Confirmation read = confirmation_from_json(document);
  EXPECT_EQ(read.outcome, recorded.outcome);
  EXPECT_EQ(read.step, recorded.step);
  EXPECT_EQ(read.trace.steps.size(), recorded.trace.steps.size());
  ASSERT_TRUE(read.transcript);
  EXPECT_EQ(read.transcript->exchanges, recorded.transcript->exchanges);
  const Confirmation again = reconfirm(read, "x.json.gz");
  EXPECT_EQ(again.outcome, recorded.outcome);
  EXPECT_EQ(again.step, recorded.step);
  EXPECT_EQ(confirmation_file_name(recorded), "sassu-v7-P14.json.gz");
}

TEST(ConformConfirm, AChangedKernelAnswerIsAKernelDifferenceAtItsStep) {
  Confirmation recorded = record_on_model(counterexample(ProposalId::baseline_6_12, "P14"));
  ASSERT_TRUE(recorded.transcript);
  for (Exchange &exchange : recorded.transcript->exchanges)
    if (const auto *cat = std::get_if<CatQuery>(&exchange.query);
        cat != nullptr && cat->path == "runtime_measurements_count" &&
        exchange.answer.data.known()) {
      exchange.answer.data = KernelBytes(Bytes{'9', '9', '\n'});
      break;
    }
  const Confirmation again = reconfirm(recorded, "x.json.gz");
  EXPECT_EQ(again.outcome, ConfirmOutcome::kernel_differs) << again.detail;
}

TEST(ConformConfirm, ACrashWhereTheModelPredictsNoFaultIsAKernelCrash) {
  const props::PairResult result = counterexample(ProposalId::baseline_6_12, "P14");
  test::ModelKernel kernel(result.trace->proposal, result.trace->config);
  kernel.fail_from(40, vm::VmFailure::Kind::kernel_crash, "Oops: general protection fault");
  const Confirmation confirmation = record_on_model(result, kernel);
  EXPECT_EQ(confirmation.outcome, ConfirmOutcome::kernel_crashed) << confirmation.detail;
  EXPECT_NE(confirmation.detail.find("general protection fault"), std::string::npos);
}

TEST(ConformConfirm, AUseAfterFreeIsReachedSilentlyOrReproducedByAKernelReport) {
  const props::PairResult result = counterexample(ProposalId::chen_v5, "P5");
  const Confirmation silent = record_on_model(result);
  EXPECT_EQ(silent.outcome, ConfirmOutcome::reached) << silent.detail;
  EXPECT_NE(silent.detail.find("use-after-free"), std::string::npos) << silent.detail;
  // The same run on a kernel that reports the fault when asked after the faulting call.
  ASSERT_TRUE(silent.transcript);
  const std::size_t probe = silent.transcript->exchanges.size() - 1;
  ASSERT_TRUE(std::holds_alternative<BanksQuery>(silent.transcript->exchanges[probe].query));
  test::ModelKernel reporting(result.trace->proposal, result.trace->config);
  reporting.fail_from(probe, vm::VmFailure::Kind::kernel_crash, "BUG: KASAN: slab-use-after-free");
  const Confirmation reported = record_on_model(result, reporting);
  EXPECT_EQ(reported.outcome, ConfirmOutcome::reproduced) << reported.detail;
  EXPECT_NE(reported.detail.find("KASAN"), std::string::npos) << reported.detail;
  EXPECT_EQ(reported.step, silent.step);
}

TEST(ConformConfirm, MalformedFilesNameTheirJsonPath) {
  const Confirmation recorded = record_on_model(counterexample(ProposalId::baseline_6_12, "P14"));
  const json good = json::parse(to_json(recorded).dump());
  auto message = [&](auto change) {
    json document = good;
    change(document);
    try {
      confirmation_from_json(document);
    } catch (const TranscriptFormatError &error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message([](json &d) { d["outcome"] = "maybe"; }), "outcome: unknown outcome \"maybe\"");
  EXPECT_EQ(message([](json &d) { d.erase("trace"); }), "trace: missing");
  EXPECT_EQ(message([](json &d) { d["property"] = "P1"; }),
            "property: differs from the trace's property");
  EXPECT_EQ(message([](json &d) { d["format_version"] = 9; }),
            "format_version: unsupported version 9 (this build reads version 1)");
  EXPECT_NE(message([](json &d) {
              d["transcript"]["queries"][0]["query"] = "uname";
            }).rfind("transcript: queries[0].query:", 0),
            std::string::npos);
}

} // namespace
} // namespace trimcheck::conform
