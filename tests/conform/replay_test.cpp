// A trace a kernel cannot perform is refused before any VM starts.
#include "trimcheck/conform/conform.hpp"

#include <gtest/gtest.h>

namespace trimcheck::conform {
namespace {

TEST(ReplayOnKernel, RefusesARecordWithArbitraryContents) {
  props::Trace trace;
  trace.property = "P14";
  trace.steps.push_back({model::Action{model::MeasureRecord{}}, {}});
  vm::VmOptions options = vm::VmOptions::defaults_for("/nonexistent/bzImage");
  EXPECT_THROW(replay_on_kernel(options, trace), std::invalid_argument);
}

TEST(ReplayOnKernel, AMissingKernelIsASetupError) {
  props::Trace trace;
  trace.property = "conform";
  trace.steps.push_back({model::Action{model::KexecLoad{}}, {}});
  EXPECT_THROW(replay_on_kernel(vm::VmOptions::defaults_for("/nonexistent/bzImage"), trace),
               vm::VmSetupError);
}

} // namespace
} // namespace trimcheck::conform
