// Bounded model checking interleaved with k-induction (after BMC depth k, induction at k
// for k <= 3), strengthened by the candidate lemmas that survive (Houdini): a lemma is
// dropped when BMC finds a reachable state violating it or when it is not inductive
// together with the property and the other lemmas. A proof found at k ends the run; only
// a property induction cannot close costs BMC to --depth.
#include "trimcheck/prove/detail/encoding.hpp"

#include "trimcheck/props/scenario.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace trimcheck::prove {

std::string_view result_name(Result result) {
  switch (result) {
  case Result::proved:
    return "proved";
  case Result::holds_to_depth:
    return "holds-to-depth";
  case Result::violated:
    return "violated";
  case Result::unknown:
    return "unknown";
  }
  return "unknown";
}

bool encoded(model::ProposalId proposal, std::string_view property, std::string *why) {
  auto fail = [&](std::string reason) {
    if (why)
      *why = std::move(reason);
    return false;
  };
  if (detail::property_encoding(property) == nullptr)
    return fail(std::string(property) +
                " is not encoded symbolically (encoded: P2, P3a, P7, B1, B2, B3, B4)");
  const model::KernelConfig config = props::make_config(proposal, props::ConfigChoice{});
  if (config.flush_htable || config.disable_htable || !config.ima_kexec ||
      !config.critical_data_rule || !config.staging || !config.log_trimming || !config.ima_pcrs ||
      config.template_kind != model::TemplateKind::ima_ng ||
      config.base != model::BaseTree::as_posted)
    return fail("the default configuration is not the one the encoding assumes");
  return true;
}

namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;

// Z3's printing of a value, its line breaks and indentation folded into single spaces.
std::string one_line(const z3::expr &value) {
  std::string out;
  for (const char c : value.to_string()) {
    const bool space = c == '\n' || c == ' ';
    if (!space || (!out.empty() && out.back() != ' '))
      out += space ? ' ' : c;
  }
  return out;
}

class Deadline {
public:
  explicit Deadline(double seconds)
      : start_(Clock::now()),
        end_(start_ +
             std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds))) {}
  unsigned remaining_ms() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now());
    return left.count() <= 0 ? 1u : static_cast<unsigned>(left.count());
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
  Clock::time_point start_, end_;
};

using Lemmas = std::vector<std::pair<std::string, z3::expr>>;

constexpr int kMaxK = 3;                 // the largest k tried by the induction
constexpr double kInductionShare = 0.25; // of the timeout, for all induction attempts

z3::expr conjunction(z3::context &ctx, const Lemmas &lemmas, const std::vector<bool> &alive) {
  z3::expr_vector parts(ctx);
  for (std::size_t i = 0; i < lemmas.size(); ++i)
    if (alive[i])
      parts.push_back(lemmas[i].second);
  return parts.empty() ? ctx.bool_val(true) : z3::mk_and(parts);
}

class Prover {
public:
  Prover(model::ProposalId proposal, const props::Property &property, const ProveOptions &options)
      : proposal_(proposal), property_(property), options_(options),
        deadline_(options.timeout_seconds), formula_(*property_encoding(property.id)),
        encoding_(ctx_, proposal, options.fault,
                  {.sizes = formula_.reads_sizes, .pcr_chain = formula_.reads_pcr_chain}),
        config_(props::make_config(proposal, props::ConfigChoice{})) {}

  ProveResult run() {
    bmc();
    if (result_.result == Result::holds_to_depth && result_.depth == options_.depth &&
        !induction_given_up_ && result_.induction_k == 0)
      induction_note("k-induction did not close for k <= " +
                     std::to_string(std::min(options_.depth, kMaxK)));
    result_.seconds = deadline_.elapsed();
    return result_;
  }

private:
  z3::check_result check(z3::solver &solver, const z3::expr &goal) {
    z3::params params(ctx_);
    unsigned timeout_ms = deadline_.remaining_ms();
    if (induction_started_) { // an induction attempt may use what is left of its share
      const double used = induction_seconds_ + deadline_.elapsed() - *induction_started_;
      const double left = kInductionShare * options_.timeout_seconds - used;
      timeout_ms = std::min(timeout_ms, left <= 0.001 ? 1u : static_cast<unsigned>(left * 1000));
    }
    params.set("timeout", timeout_ms);
    solver.set(params);
    solver.push();
    solver.add(goal);
    const double before = deadline_.elapsed();
    const z3::check_result r = solver.check();
    if (std::getenv("TRIMCHECK_PROVE_DEBUG"))
      std::cerr << "  check " << r << " in " << deadline_.elapsed() - before << " s\n";
    return r;
  }

  void timed_out(int reached, const std::string &phase) {
    result_.depth = reached;
    result_.result = reached > 0 ? Result::holds_to_depth : Result::unknown;
    result_.note = "Z3 gave up (timeout " + std::to_string(options_.timeout_seconds) + " s) " +
                   phase + "; no counterexample up to depth " + std::to_string(reached);
  }

  // BMC: init, then one transition per depth; at each depth the property and the
  // surviving lemmas are checked. The dump is assumed complete here (docs/prove.md).
  void bmc() {
    z3::solver solver(ctx_);
    solver.add(encoding_.vocab().axioms());
    std::vector<SymState> states{encoding_.state("s0")};
    std::vector<Step> steps;
    solver.add(encoding_.init(states[0]));
    solver.add(ctx_.constant("boot_aggregate#0", encoding_.vocab().record) == 0);
    bool lemmas_known = false;
    for (int depth = 0; depth <= options_.depth; ++depth) {
      tell("BMC depth " + std::to_string(depth) + " of " + std::to_string(options_.depth));
      if (depth > 0) {
        states.push_back(encoding_.state("s" + std::to_string(depth)));
        steps.push_back(encoding_.transition(states[depth - 1], states[depth], depth - 1));
        solver.add(steps.back().formula);
        solver.add(steps.back().vars.dump_complete);
        // Every append is a new record: the serial of the record of step i is i + 1
        // (the boot_aggregate is 0). Concrete serials make the sequences ground words,
        // which the sequence solver handles far better than unknown elements.
        solver.add(steps.back().vars.record == depth);
      }
      const PropertyFormula prop =
          formula_.at(encoding_, depth > 0 ? &states[depth - 1] : nullptr, states[depth]);
      Lemmas lemmas = candidate_lemmas(encoding_, states[depth], formula_.lemma_topics);
      if (!lemmas_known) {
        for (const auto &[name, lemma] : lemmas)
          lemma_names_.push_back(name);
        alive_.assign(lemmas.size(), true);
        lemmas_known = true;
      }
      solver.add(encoding_.take_facts());
      const z3::check_result found = check(solver, !(prop.state && prop.transition));
      if (found == z3::sat) {
        counterexample(solver.get_model(), steps, states);
        solver.pop();
        return;
      }
      solver.pop();
      if (found == z3::unknown)
        return timed_out(depth - 1, "in BMC at depth " + std::to_string(depth));
      // k-induction with k <= kMaxK needs the lemmas only at depths below kMaxK.
      if (depth < kMaxK &&
          !drop_failing_lemmas(solver, lemmas, "BMC depth " + std::to_string(depth)))
        return timed_out(depth, "checking lemmas in BMC at depth " + std::to_string(depth));
      // Interleaved k-induction: with the property and the lemmas known to hold on every
      // run of up to `depth` steps (the base case) and a run of `depth` steps existing
      // (not vacuous), k = depth may close the proof now, long before BMC reaches
      // --depth. Lemmas dropped by an attempt that fails stay dropped: fewer assumptions
      // keep later attempts sound.
      if (depth >= 1 && depth <= std::min(options_.depth, kMaxK) && !induction_given_up_) {
        const z3::check_result path = check(solver, ctx_.bool_val(true));
        solver.pop();
        if (path == z3::sat && induction(depth)) {
          result_.result = Result::proved;
          result_.depth = depth;
          return;
        }
      }
    }
    // Vacuity: a run of the full length must exist, or "no counterexample" means nothing.
    const z3::check_result path = check(solver, ctx_.bool_val(true));
    solver.pop();
    if (path == z3::unsat) {
      result_.result = Result::unknown;
      result_.note =
          "encoding bug: no symbolic run of length " + std::to_string(options_.depth) + " exists";
      return;
    }
    if (path == z3::unknown)
      result_.note = "the vacuity check (a run of this length exists) timed out; ";
    result_.result = Result::holds_to_depth;
    result_.depth = options_.depth;
  }

  // Drops the lemmas violated in the solver's current context; false on timeout.
  bool drop_failing_lemmas(z3::solver &solver, const Lemmas &lemmas, const std::string &where) {
    const z3::check_result any = check(solver, !conjunction(ctx_, lemmas, alive_));
    solver.pop();
    if (any == z3::unsat)
      return true;
    if (any == z3::unknown)
      return false;
    for (std::size_t i = 0; i < lemmas.size(); ++i) {
      if (!alive_[i])
        continue;
      const z3::check_result one = check(solver, !lemmas[i].second);
      solver.pop();
      if (one == z3::unknown)
        return false;
      if (one == z3::sat) {
        alive_[i] = false;
        dropped_.push_back(lemmas[i].first + " (fails at " + where + ")");
      }
    }
    return true;
  }

  // k-induction at one k: k consecutive states satisfying the property and the lemmas,
  // then one more step. Houdini drops non-inductive lemmas. True if the proof closed; a
  // timeout notes it and ends the induction attempts (BMC goes on).
  bool induction(int k) {
    tell("k-induction at k = " + std::to_string(k));
    induction_started_ = deadline_.elapsed();
    const bool proved = induction_attempt(k);
    induction_seconds_ += deadline_.elapsed() - *induction_started_;
    induction_started_.reset();
    return proved;
  }

  bool induction_attempt(int k) {
    for (;;) {
      z3::solver solver(ctx_);
      solver.add(encoding_.vocab().axioms());
      std::vector<SymState> states;
      for (int i = 0; i <= k; ++i)
        states.push_back(encoding_.state("k" + std::to_string(k) + "s" + std::to_string(i)));
      for (int i = 0; i < k; ++i) {
        solver.add(encoding_.transition(states[i], states[i + 1], 1000 * k + i).formula);
        const PropertyFormula prop =
            formula_.at(encoding_, i > 0 ? &states[i - 1] : nullptr, states[i]);
        solver.add(prop.state && prop.transition);
        solver.add(conjunction(ctx_, candidate_lemmas(encoding_, states[i], formula_.lemma_topics),
                               alive_));
      }
      const PropertyFormula goal = formula_.at(encoding_, &states[k - 1], states[k]);
      const Lemmas lemmas = candidate_lemmas(encoding_, states[k], formula_.lemma_topics);
      solver.add(encoding_.take_facts());
      const std::size_t before = dropped_.size();
      if (!drop_failing_lemmas(solver, lemmas, "induction k=" + std::to_string(k)))
        return give_up_induction(k);
      if (dropped_.size() != before)
        continue; // the assumptions changed: check again with fewer lemmas
      const z3::check_result step = check(solver, !(goal.state && goal.transition));
      solver.pop();
      if (step == z3::unknown)
        return give_up_induction(k);
      if (step == z3::sat)
        return false; // not k-inductive: BMC goes one deeper and k + 1 is tried
      result_.induction_k = k;
      for (std::size_t i = 0; i < alive_.size(); ++i)
        if (alive_[i])
          result_.lemmas.push_back(lemma_names_[i]);
      return true;
    }
  }

  void tell(const std::string &status) const {
    if (options_.progress)
      options_.progress(status);
  }

  bool give_up_induction(int k) {
    induction_given_up_ = true;
    induction_note("Z3 gave up during induction at k=" + std::to_string(k));
    return false;
  }

  void induction_note(const std::string &why) {
    result_.note += why;
    if (!dropped_.empty()) {
      result_.note += "; lemmas dropped:";
      for (const std::string &d : dropped_)
        result_.note += " [" + d + "]";
    }
  }

  // Decodes a BMC model, replays it on the concrete model, and records the outcome.
  void counterexample(const z3::model &model, const std::vector<Step> &steps,
                      const std::vector<SymState> &states) {
    std::vector<props::TraceAction> actions = decode(encoding_, config_, model, steps, states);
    props::Trace trace;
    trace.proposal = proposal_;
    trace.config = config_;
    trace.property = std::string(property_.id);
    trace.regime = props::Regime::arbitrary;
    trace.source = "prove";
    const props::RunResult run = props::run_actions(proposal_, config_, property_, actions);
    result_.depth = static_cast<int>(steps.size());
    if (run.invalid.empty() && !run.violation.empty()) {
      trace.steps = run.steps;
      trace.violation = run.violation;
      result_.result = Result::violated;
      result_.trace = std::move(trace);
      return;
    }
    for (const props::TraceAction &action : actions)
      trace.steps.push_back({action, {}});
    result_.replay_mismatch = true;
    for (std::size_t i = 0; i < states.size(); ++i) {
      std::string line = "state " + std::to_string(i) + ":";
      for (const auto &[field, name] : detail::state_fields())
        line += std::string(" ") + name + "=" + one_line(model.eval(states[i].*field, true));
      if (i < steps.size())
        line +=
            " -> " +
            steps[i].branches.at(model.eval(steps[i].vars.branch, true).get_numeral_int64()).label;
      result_.symbolic_states.push_back(std::move(line));
    }
    result_.result = Result::violated;
    result_.note =
        run.invalid.empty()
            ? "the SMT counterexample does not reproduce on the concrete model"
            : "the SMT counterexample is not executable on the concrete model: " + run.invalid;
    trace.violation = "SMT: " + std::string(property_.id) + " violated after " +
                      std::to_string(steps.size()) + " symbolic steps (" + result_.note + ")";
    result_.trace = std::move(trace);
  }

  model::ProposalId proposal_;
  const props::Property &property_;
  ProveOptions options_;
  Deadline deadline_;
  z3::context ctx_;
  const PropertyEncoding &formula_;
  Encoding encoding_;
  model::KernelConfig config_;
  std::vector<std::string> lemma_names_;
  std::vector<bool> alive_;
  std::vector<std::string> dropped_;
  bool induction_given_up_ = false; // a timeout in the induction ends its attempts
  // Time in induction attempts: an attempt runs between BMC depths, so that a proof ends
  // the run early; they share kInductionShare of the timeout, so that a property that is
  // violated deep down still leaves BMC most of the time to find the counterexample.
  double induction_seconds_ = 0;
  std::optional<double> induction_started_; // the attempt running now began at (seconds)
  ProveResult result_;
};

} // namespace

ProveResult prove(model::ProposalId proposal, const props::Property &property,
                  const ProveOptions &options) {
  std::string why;
  if (!encoded(proposal, property.id, &why))
    return {.result = Result::unknown, .note = why};
  return Prover(proposal, property, options).run();
}

} // namespace trimcheck::prove
