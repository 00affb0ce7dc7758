// The shared core of the symbolic machine: state variables, init, measurements,
// violations, and the transition assembly (one branch per atomic step). Kexec is in
// kexec_steps.cpp, the removal requests in the family deltas.
#include "trimcheck/prove/detail/encoding.hpp"

#include "trimcheck/model/detail/family.hpp"

#include <stdexcept>

namespace trimcheck::prove::detail {

SymState::SymState(z3::context &ctx)
    : list(ctx), staged(ctx), full(ctx), del(ctx), history(ctx), hashed(ctx), pcr(ctx), count(ctx),
      bin_size(ctx), staged_len(ctx), staged_size(ctx), number_entries(ctx), violations(ctx),
      trimcount(ctx), appended_contents(ctx), violation_events(ctx), loaded(ctx), suspended(ctx),
      kexec_pc(ctx), dump(ctx), staged_copied(ctx), list_copied(ctx), req_pc(ctx), req_op(ctx),
      req_n(ctx), req_walked(ctx), req_cut(ctx), req_sum(ctx), req_has_mark(ctx) {}

const std::vector<std::pair<StateField, const char *>> &state_fields() {
  static const std::vector<std::pair<StateField, const char *>> kFields{
      {&SymState::list, "L"},
      {&SymState::staged, "S"},
      {&SymState::full, "Full"},
      {&SymState::del, "Del"},
      {&SymState::history, "history"},
      {&SymState::hashed, "H"},
      {&SymState::pcr, "pcr"},
      {&SymState::count, "count"},
      {&SymState::bin_size, "bin_size"},
      {&SymState::staged_len, "staged_len"},
      {&SymState::staged_size, "staged_size"},
      {&SymState::number_entries, "number_entries"},
      {&SymState::violations, "violations"},
      {&SymState::trimcount, "trimcount"},
      {&SymState::appended_contents, "appended_contents"},
      {&SymState::violation_events, "violation_events"},
      {&SymState::loaded, "loaded"},
      {&SymState::suspended, "suspended"},
      {&SymState::kexec_pc, "kexec_pc"},
      {&SymState::dump, "dump"},
      {&SymState::staged_copied, "staged_copied"},
      {&SymState::list_copied, "list_copied"},
      {&SymState::req_pc, "req_pc"},
      {&SymState::req_op, "req_op"},
      {&SymState::req_n, "req_n"},
      {&SymState::req_walked, "req_walked"},
      {&SymState::req_cut, "req_cut"},
      {&SymState::req_sum, "req_sum"},
      {&SymState::req_has_mark, "req_has_mark"},
  };
  return kFields;
}

const FamilyDelta &delta_for(model::ProposalId id) {
  switch (model::proposal_info(id).family) {
  case model::Family::baseline:
    break;
  case model::Family::chen:
    return chen_delta();
  case model::Family::sassu:
    return sassu_delta();
  case model::Family::ms:
    return ms_delta();
  }
  return baseline_delta();
}

Encoding::Encoding(z3::context &ctx, model::ProposalId proposal, PlantedFault fault,
                   Tracking tracking)
    : vocab_(ctx), proposal_(proposal), fault_(fault), delta_(&delta_for(proposal)),
      track_sizes_(tracking.sizes), track_pcr_chain_(tracking.pcr_chain), facts_(ctx) {}

bool Encoding::has_suspend() const {
  return model::detail::has_suspend(proposal_, model::KernelConfig{});
}
bool Encoding::measures_kexec_events() const {
  return model::detail::measures_kexec_events(proposal_, model::KernelConfig{});
}

// ---- Builders ----

z3::expr Encoding::empty() const {
  return z3::empty(vocab_.records);
}

z3::expr Encoding::total(const z3::expr &records) const {
  return vocab_.total_size(records);
}

z3::expr Encoding::unit(const z3::expr &record) {
  z3::expr u = record.unit();
  if (track_sizes_)
    facts_.push_back(total(u) == vocab_.size(record));
  facts_.push_back(vocab_.size(record) >= 1);
  return u;
}

z3::expr Encoding::concat(const z3::expr &a, const z3::expr &b) {
  z3::expr joined = z3::concat(a, b);
  if (track_sizes_)
    facts_.push_back(total(joined) == total(a) + total(b));
  return joined;
}

z3::expr Encoding::fresh_seq(const std::string &name) {
  z3::expr s = ctx().constant((step_prefix_ + name + "#" + std::to_string(fresh_++)).c_str(),
                              vocab_.records);
  if (track_sizes_)
    facts_.push_back(total(s) >= 0);
  return s;
}

z3::expr Encoding::fresh_int(const std::string &name) {
  return ctx().int_const((step_prefix_ + name + "#" + std::to_string(fresh_++)).c_str());
}

z3::expr Encoding::fresh_array(const std::string &name) {
  return ctx().constant((step_prefix_ + name + "#" + std::to_string(fresh_++)).c_str(),
                        vocab_.content_set);
}

Encoding::Split Encoding::split(const z3::expr &list, const z3::expr &n, const std::string &name) {
  z3::expr head = fresh_seq(name + ".head");
  z3::expr rest = fresh_seq(name + ".rest");
  return {head, rest, list == concat(head, rest) && head.length() == n};
}

Encoding::Subset Encoding::subset_of(const z3::expr &hashed, const std::string &name) {
  z3::expr set = fresh_array(name);
  z3::expr key = ctx().int_const(("key!" + name).c_str());
  return {set, z3::forall(key, z3::implies(z3::select(set, key), z3::select(hashed, key)))};
}

void Encoding::add(Branches &out, Branch branch) {
  if (!facts_.empty()) {
    branch.guard = branch.guard && z3::mk_and(facts_);
    facts_ = z3::expr_vector(ctx());
  }
  out.items_.push_back(std::move(branch));
}

z3::expr_vector Encoding::take_facts() {
  z3::expr_vector out = facts_;
  facts_ = z3::expr_vector(ctx());
  return out;
}

z3::expr Encoding::equal(const SymState &a, const SymState &b) const {
  z3::expr_vector parts(ctx());
  for (const auto &[field, name] : state_fields())
    parts.push_back(a.*field == b.*field);
  return z3::mk_and(parts);
}

void Encoding::finish(SymState &s, const z3::expr &empty_seq, z3::context &ctx) {
  s.req_pc = ctx.int_val(-1);
  s.req_op = ctx.int_val(0);
  s.req_n = ctx.int_val(0);
  s.req_walked = empty_seq;
  s.req_cut = empty_seq;
  s.req_sum = ctx.int_val(0);
  s.req_has_mark = ctx.bool_val(false);
}

// ---- State variables and init ----

void Encoding::state_facts(const SymState &s) {
  for (const z3::expr *seq :
       {&s.list, &s.staged, &s.full, &s.del, &s.history, &s.dump, &s.req_walked, &s.req_cut})
    if (track_sizes_)
      facts_.push_back(total(*seq) >= 0);
}

SymState Encoding::state(const std::string &name) {
  SymState s(ctx());
  for (const auto &[field, label] : state_fields()) {
    const std::string field_name = label;
    z3::sort sort = ctx().int_sort();
    if (field_name == "L" || field_name == "S" || field_name == "Full" || field_name == "Del" ||
        field_name == "history" || field_name == "dump" || field_name == "req_walked" ||
        field_name == "req_cut")
      sort = vocab_.records;
    else if (field_name == "H")
      sort = vocab_.content_set;
    else if (field_name == "appended_contents")
      sort = vocab_.content_count;
    else if (field_name == "pcr")
      sort = vocab_.digest;
    else if (field_name == "loaded" || field_name == "suspended" || field_name == "staged_copied" ||
             field_name == "list_copied" || field_name == "req_has_mark")
      sort = ctx().bool_sort();
    s.*field = ctx().constant((name + "." + field_name).c_str(), sort);
  }
  state_facts(s);
  return s;
}

// Init: the kernel booted and measured the boot_aggregate (content 0), spec 4.2.
z3::expr Encoding::init(const SymState &s) {
  z3::context &c = ctx();
  const z3::expr boot_aggregate = c.constant("boot_aggregate#0", vocab_.record);
  const z3::expr agg = unit(boot_aggregate);
  SymState expected(c);
  expected.list = expected.full = expected.history = agg;
  expected.staged = expected.del = expected.dump = empty();
  expected.hashed =
      z3::store(z3::const_array(c.int_sort(), c.bool_val(false)), c.int_val(0), c.bool_val(true));
  expected.appended_contents =
      z3::store(z3::const_array(c.int_sort(), c.int_val(0)), c.int_val(0), c.int_val(1));
  // B3's fold over the first record: chain([b]) = extend(chain([]), digest(b)).
  facts_.push_back(vocab_.chain(agg) == vocab_.extend_term(vocab_.pcr_zero,
                                                           vocab_.digest_term(c.int_val(0), facts_),
                                                           facts_));
  expected.pcr = vocab_.chain(agg);
  for (z3::expr *counter : {&expected.count, &expected.bin_size, &expected.staged_len,
                            &expected.staged_size, &expected.number_entries})
    *counter = c.int_val(0);
  expected.violations = expected.trimcount = expected.violation_events = c.int_val(0);
  expected.loaded = expected.suspended = expected.staged_copied = expected.list_copied =
      c.bool_val(false);
  expected.kexec_pc = c.int_val(0);
  finish(expected);
  delta_->count_append(*this, expected, c.int_val(1), vocab_.size(boot_aggregate));
  return equal(s, expected) && vocab_.content(boot_aggregate) == 0 &&
         !vocab_.is_violation(boot_aggregate);
}

// ---- Appends (spec 4.2) ----

SymState Encoding::appended(const SymState &s, const z3::expr &record, bool violation) {
  z3::context &c = ctx();
  SymState next = s;
  const z3::expr u = unit(record);
  next.list = concat(s.list, u);
  next.full = fault_ == PlantedFault::append_skips_full ? s.full : concat(s.full, u);
  next.history = concat(s.history, u);
  // What was extended, as a function of the record (the branch fixes is_violation), so
  // that the fold's instance below holds whichever branch the step takes.
  const z3::expr digest = vocab_.digest_term(vocab_.content(record), facts_);
  const z3::expr value = z3::ite(vocab_.is_violation(record), vocab_.violation_value, digest);
  next.pcr = vocab_.extend_term(
      s.pcr, fault_ == PlantedFault::violation_extends_digest ? digest : value, facts_);
  // B3's fold, instantiated at this append: chain(h ++ [r]) = extend(chain(h), value).
  if (track_pcr_chain_)
    facts_.push_back(vocab_.chain(next.history) ==
                     vocab_.extend_term(vocab_.chain(s.history), value, facts_));
  if (!violation) { // inserted into H (violations are too, under a key never looked up)
    next.hashed = z3::store(s.hashed, vocab_.content(record), c.bool_val(true));
    next.appended_contents = z3::store(s.appended_contents, vocab_.content(record),
                                       z3::select(s.appended_contents, vocab_.content(record)) + 1);
  }
  delta_->count_append(*this, next, c.int_val(1), vocab_.size(record));
  return next;
}

z3::expr Encoding::kernel_record_guard(const SymState &s, const StepVars &v) const {
  return vocab_.content(v.record) == v.kernel_content && v.kernel_content < 0 &&
         !z3::select(s.hashed, v.kernel_content) && !vocab_.is_violation(v.record);
}

// ---- Measurements (spec 4.2, 4.3) ----

void Encoding::core_branches(const SymState &s, const StepVars &v, Branches &out) {
  z3::context &c = ctx();
  const z3::expr not_suspended = !s.suspended;
  // Measure: a new content is appended; a duplicate (EEXIST) or a suspended kernel
  // (ENODEV) changes nothing and is left out (a stutter step).
  add(out, {StepKind::measure, 0, "measure",
            v.content >= 1 && not_suspended && !z3::select(s.hashed, v.content) &&
                vocab_.content(v.record) == v.content && !vocab_.is_violation(v.record),
            appended(s, v.record, false)});
  // A violation: the counter first (ima_add_violation), then the append unless suspended.
  SymState counted = s;
  counted.violations = s.violations + 1;
  counted.violation_events = s.violation_events + 1;
  add(out,
      {StepKind::measure_violation, 0, "violation",
       not_suspended && vocab_.is_violation(v.record) && vocab_.content(v.record) == c.int_val(-1),
       appended(counted, v.record, true)});
  if (has_suspend())
    add(out, {StepKind::measure_violation, 0, "violation (suspended)", s.suspended, counted});
}

Step Encoding::transition(const SymState &s, const SymState &next, int index) {
  z3::context &c = ctx();
  step_prefix_ = "t" + std::to_string(index) + ".";
  StepVars v{c.int_const((step_prefix_ + "branch").c_str()),
             c.int_const((step_prefix_ + "content").c_str()),
             c.constant((step_prefix_ + "record").c_str(), vocab_.record),
             c.int_const((step_prefix_ + "kernel_content").c_str()),
             c.int_const((step_prefix_ + "n").c_str()),
             c.bool_const((step_prefix_ + "dump_complete").c_str())};
  Branches branches;
  state_facts_pending_ = take_facts(); // facts of the states, not of a branch
  core_branches(s, v, branches);
  delta_->request_branches(*this, s, v, branches);
  kexec_branches(s, v, branches);
  z3::expr_vector options(c);
  Step step{c.bool_val(true), v, {}};
  for (std::size_t i = 0; i < branches.size(); ++i) {
    const Branch &b = branches[i];
    options.push_back(v.branch == static_cast<int>(i) && b.guard && equal(b.next, next));
    step.branches.push_back({b.kind, b.op, b.label});
  }
  step.formula = z3::mk_or(options);
  // Facts built after the last branch was added belong to no branch: a builder that made
  // them meant them for a branch it did not add through add().
  if (!facts_.empty())
    throw std::logic_error("prove: " + std::to_string(facts_.size()) + " facts of step " +
                           std::to_string(index) + " were built after its last branch");
  facts_ = state_facts_pending_;
  step_prefix_.clear();
  return step;
}

} // namespace trimcheck::prove::detail
