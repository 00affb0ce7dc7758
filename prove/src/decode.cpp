// Symbolic counterexample -> concrete actions of model/machine.hpp. Contents become
// files: the k-th distinct measured content is Measure{file k, version 0}, so equal
// contents are duplicates in the concrete model too. The actions run on a concrete
// kernel as they are decoded, because a command may depend on its state (the MS RFC
// writes the PCR values the replay of N records reaches).
#include "trimcheck/model/machine.hpp"
#include "trimcheck/prove/detail/encoding.hpp"

#include <map>
#include <stdexcept>

namespace trimcheck::prove::detail {
namespace {

std::int64_t value(const z3::model &model, const z3::expr &e) {
  return model.eval(e, true).get_numeral_int64();
}

} // namespace

std::vector<props::TraceAction> decode(const Encoding &enc, const model::KernelConfig &config,
                                       const z3::model &model, const std::vector<Step> &steps,
                                       const std::vector<SymState> &states) {
  using namespace model;
  constexpr Pid kWriter = 1;
  constexpr int kFd = 3; // the writer holds one fd at a time
  KernelState concrete = model::boot(enc.proposal(), config);
  std::vector<props::TraceAction> actions;
  bool executable = true; // past an action the kernel rejects, run_actions reports it
  auto run = [&](Action action) {
    if (executable) {
      try {
        model::apply(concrete, action);
      } catch (const std::invalid_argument &) {
        executable = false;
      }
    }
    actions.push_back(std::move(action));
  };
  std::map<std::int64_t, std::uint32_t> files;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step &step = steps[i];
    const BranchInfo &branch = step.branches.at(value(model, step.vars.branch));
    const bool returned = value(model, states[i + 1].req_pc) == -1;
    switch (branch.kind) {
    case StepKind::measure: {
      const std::int64_t content = value(model, step.vars.content);
      const auto file = files.emplace(content, static_cast<std::uint32_t>(files.size())).first;
      run(Action{Measure{file->second, 0}});
      break;
    }
    case StepKind::measure_violation:
      run(Action{MeasureViolation{0}});
      break;
    case StepKind::request_start: {
      const Command command = enc.delta().command(concrete, branch.op, value(model, step.vars.n),
                                                  value(model, states[i].trimcount));
      run(Action{
          Open{kWriter, command.path, command.read_write ? Access::read_write : Access::write}});
      run(Action{Write{kWriter, kFd, to_bytes(command.bytes)}});
      if (returned)
        run(Action{Close{kWriter, kFd}});
      break;
    }
    case StepKind::request_continue:
      run(Action{Continue{kWriter}});
      if (returned)
        run(Action{Close{kWriter, kFd}});
      break;
    case StepKind::kexec_load:
      run(Action{KexecLoad{}});
      break;
    case StepKind::kexec_execute:
      run(Action{KexecExecute{}});
      break;
    case StepKind::kexec_continue:
      run(Action{Continue{0}});
      break;
    }
  }
  return actions;
}

} // namespace trimcheck::prove::detail
