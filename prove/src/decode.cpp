// Symbolic counterexample -> concrete actions of model/machine.hpp. Contents become
// files: the k-th distinct measured content is Measure{file k, version 0}, so equal
// contents are duplicates in the concrete model too.
#include "trimcheck/prove/detail/encoding.hpp"

#include <map>

namespace trimcheck::prove::detail {
namespace {

std::int64_t value(const z3::model &model, const z3::expr &e) {
  return model.eval(e, true).get_numeral_int64();
}

} // namespace

std::vector<props::TraceAction> decode(const Encoding &enc, const z3::model &model,
                                       const std::vector<Step> &steps,
                                       const std::vector<SymState> &states) {
  using namespace model;
  constexpr Pid kWriter = 1;
  constexpr int kFd = 3; // the writer holds one fd at a time
  std::vector<props::TraceAction> actions;
  std::map<std::int64_t, std::uint32_t> files;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step &step = steps[i];
    const BranchInfo &branch = step.branches.at(value(model, step.vars.branch));
    const bool returned = value(model, states[i + 1].req_pc) == -1;
    switch (branch.kind) {
    case StepKind::measure: {
      const std::int64_t content = value(model, step.vars.content);
      const auto file = files.emplace(content, static_cast<std::uint32_t>(files.size())).first;
      actions.push_back(Action{Measure{file->second, 0}});
      break;
    }
    case StepKind::measure_violation:
      actions.push_back(Action{MeasureViolation{0}});
      break;
    case StepKind::request_start: {
      const Command command = enc.delta().command(
          enc.proposal(), branch.op, value(model, step.vars.n), value(model, states[i].trimcount));
      actions.push_back(Action{
          Open{kWriter, command.path, command.read_write ? Access::read_write : Access::write}});
      actions.push_back(Action{Write{kWriter, kFd, to_bytes(command.bytes)}});
      if (returned)
        actions.push_back(Action{Close{kWriter, kFd}});
      break;
    }
    case StepKind::request_continue:
      actions.push_back(Action{Continue{kWriter}});
      if (returned)
        actions.push_back(Action{Close{kWriter, kFd}});
      break;
    case StepKind::kexec_load:
      actions.push_back(Action{KexecLoad{}});
      break;
    case StepKind::kexec_execute:
      actions.push_back(Action{KexecExecute{}});
      break;
    case StepKind::kexec_continue:
      actions.push_back(Action{Continue{0}});
      break;
    }
  }
  return actions;
}

} // namespace trimcheck::prove::detail
