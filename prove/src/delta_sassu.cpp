// Roberto Sassu's "stage and delete" RFC v1 .. v7 (spec 2.7-2.14) symbolically. The
// version differences are read from the concrete model's trait table
// (model/detail/sassu.hpp, one row per version with its spec section); the steps and
// their request.pc are those of model/src/sassu_queue.cpp in the default configuration
// (no ima_flush_htable, so no synchronize_rcu steps, CONFIG_IMA_STAGING=y):
//   A      0: stage all of L under the mutex (2.7-2.13)
//   RFC N  0: stage the first N records of L (2.7, 2.8)
//   RFC -N 0: cut the first N of L; 2: frees (2.8)
//   D      0: detach S; 2: frees (RFC, v4 on); v3: as N on all of S (2.9)
//   v3 N   0: lockless walk of S; 1: cut + splice the rest before L; 3: frees (2.9)
//   v4 N   0: stage all; 1: walk S; 2: cut + splice; 4: frees (2.10)
//   v5+ N  0: lockless walk of L; 1: cut; 2: frees (2.11-2.13)
#include "trimcheck/model/detail/sassu.hpp"
#include "trimcheck/prove/detail/encoding.hpp"

namespace trimcheck::prove::detail {
namespace {

using namespace model::detail::sassu;
using model::ProposalId;

constexpr int kIdle = -1;
constexpr int kStageAll = 0, kNumber = 1, kDelete = 2, kTrimN = 3; // request commands

const SassuTraits &traits_of(const Encoding &enc) {
  return traits(enc.proposal());
}

// Whether a kexec dump already carried what a removal would delete (2.10-2.13).
z3::expr stale(const Encoding &enc, const SymState &s, bool removes_staged) {
  switch (traits_of(enc).stale_guard) {
  case StaleGuard::none:
    return enc.ctx().bool_val(false);
  case StaleGuard::staged_prepended:
    return s.staged_copied;
  case StaleGuard::copied_flags:
    return removes_staged ? s.staged_copied : s.list_copied;
  case StaleGuard::suspended:
    return s.suspended;
  }
  return enc.ctx().bool_val(false);
}

bool staged_includes_list(const Encoding &enc) {
  return traits_of(enc).staged_counter == StagedCounter::list_and_staged;
}

// Records removed from L without staging (RFC v2 -N, v5+ N).
void count_list_removal(const Encoding &enc, SymState &next, const z3::expr &n,
                        const z3::expr &bytes) {
  next.count = next.count - n;
  next.bin_size = next.bin_size - bytes;
  if (staged_includes_list(enc)) {
    next.staged_len = next.staged_len - n;
    next.staged_size = next.staged_size - bytes;
  }
}

// v3/v4: n records of S deleted, the rest back before L: STAGED -= n; BINARY +=
// STAGED; STAGED := BINARY (v3, which counts L too) or 0.
void count_staged_prefix_deleted(const Encoding &enc, SymState &next, const z3::expr &n,
                                 const z3::expr &bytes) {
  const z3::expr left_len = next.staged_len - n, left_size = next.staged_size - bytes;
  next.count = next.count + left_len;
  next.bin_size = next.bin_size + left_size;
  next.staged_len = staged_includes_list(enc) ? next.count : enc.int_val(0);
  next.staged_size = staged_includes_list(enc) ? next.bin_size : enc.int_val(0);
}

// ima_queue_stage(): its refusals, each a finished request with nothing changed.
void stage_refusals(Encoding &enc, const SymState &s, const z3::expr &at, int op, Branches &out) {
  const z3::expr empty_s = s.staged.length() == 0;
  enc.add(out, {StepKind::request_start, op, "stage: S not empty (EEXIST)", at && !empty_s, s});
  enc.add(out, {StepKind::request_start, op, "stage: L empty (ENOENT)",
                at && empty_s && s.list.length() == 0, s});
  if (traits_of(enc).stale_guard == StaleGuard::suspended)
    enc.add(out, {StepKind::request_start, op, "stage: suspended (EACCES)",
                  at && empty_s && s.list.length() > 0 && s.suspended, s});
}

z3::expr stage_allowed(const Encoding &enc, const SymState &s) {
  z3::expr ok = s.staged.length() == 0 && s.list.length() > 0;
  if (traits_of(enc).stale_guard == StaleGuard::suspended)
    ok = ok && !s.suspended;
  return ok;
}

// Stage all of L (a list_replace): BINARY := 0, STAGED takes its values (v4 on).
SymState staged_all(const Encoding &enc, const SymState &s) {
  SymState next = s;
  next.staged = s.list;
  next.list = enc.empty();
  if (traits_of(enc).staged_counter == StagedCounter::staged_only) {
    next.staged_len = s.count;
    next.staged_size = s.bin_size;
  }
  next.count = enc.int_val(0);
  next.bin_size = enc.int_val(0);
  return next;
}

void stage_all_branches(Encoding &enc, const SymState &s, Branches &out) {
  const z3::expr at = s.req_pc == kIdle;
  stage_refusals(enc, s, at, kStageAll, out);
  enc.add(out, {StepKind::request_start, kStageAll, "A: stage all", at && stage_allowed(enc, s),
                staged_all(enc, s)});
}

// RFC "<N>" (2.7, 2.8): stage the first N records of L.
void stage_prefix_branches(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const z3::expr at = s.req_pc == kIdle && v.n >= 1;
  stage_refusals(enc, s, at, kNumber, out);
  enc.add(out, {StepKind::request_start, kNumber, "N: fewer than N records (ENOENT)",
                at && stage_allowed(enc, s) && s.list.length() < v.n, s});
  Encoding::Split prefix = enc.split(s.list, v.n, "stage");
  SymState next = s;
  next.staged = prefix.head;
  next.list = prefix.rest;
  next.count = s.count - v.n;
  next.bin_size = s.bin_size - enc.total(prefix.head);
  enc.add(out, {StepKind::request_start, kNumber, "N: stage the first N",
                at && stage_allowed(enc, s) && prefix.equation, next});
}

// RFC v2 "-<N>" (2.8): cut the first N of L, then free.
void trim_branches(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const z3::expr at = s.req_pc == kIdle && v.n >= 1;
  const z3::expr empty_s = s.staged.length() == 0;
  enc.add(out, {StepKind::request_start, kTrimN, "-N: S not empty (EEXIST)", at && !empty_s, s});
  enc.add(out, {StepKind::request_start, kTrimN, "-N: fewer than N records (ENOENT)",
                at && empty_s && s.list.length() < v.n, s});
  Encoding::Split prefix = enc.split(s.list, v.n, "trim");
  SymState next = s;
  next.list = prefix.rest;
  next.del = enc.concat(s.del, prefix.head);
  count_list_removal(enc, next, v.n, enc.total(prefix.head));
  next.req_cut = prefix.head;
  next.req_op = enc.int_val(kTrimN);
  next.req_pc = enc.int_val(2);
  enc.add(out,
          {StepKind::request_start, kTrimN, "-N: cut", at && empty_s && prefix.equation, next});
}

// "D" that deletes all of S (RFC, v4 on): detach, then free.
void delete_all_branches(Encoding &enc, const SymState &s, Branches &out) {
  const z3::expr at = s.req_pc == kIdle;
  const z3::expr empty_s = s.staged.length() == 0;
  enc.add(out, {StepKind::request_start, kDelete, "D: S empty (ENOENT)", at && empty_s, s});
  enc.add(out, {StepKind::request_start, kDelete, "D: already dumped (ESTALE)",
                at && !empty_s && stale(enc, s, true), s});
  SymState next = s;
  next.req_cut = s.staged;
  next.del = enc.concat(s.del, s.staged);
  next.staged = enc.empty();
  next.staged_len = next.staged_size = enc.int_val(0);
  next.req_op = enc.int_val(kDelete);
  next.req_pc = enc.int_val(2);
  enc.add(out, {StepKind::request_start, kDelete, "D: detach S",
                at && !empty_s && !stale(enc, s, true), next});
}

// A lockless walk of the first n records of `list` (kAll when `all`): the request
// remembers them (the mark is the last) and their size sum.
SymState walked(Encoding &enc, const SymState &s, const z3::expr &records, const z3::expr &n,
                int op, int next_pc) {
  SymState next = s;
  next.req_walked = records;
  next.req_n = n;
  next.req_sum = enc.total(records);
  next.req_has_mark = records.length() > 0;
  next.req_op = enc.int_val(op);
  next.req_pc = enc.int_val(next_pc);
  return next;
}

// v3 N and D, v4 N after its stage: cut through the walked record under the mutex and
// splice the rest of S in front of L (2.9, 2.10).
void cut_and_splice_branches(Encoding &enc, const SymState &s, int op, int pc, Branches &out) {
  const z3::expr at = s.req_op == op && s.req_pc == pc;
  const z3::expr empty_s = s.staged.length() == 0;
  SymState done = s;
  enc.finish(done);
  enc.add(out, {StepKind::request_continue, op, "cut: S empty (ENOENT)", at && empty_s, done});
  enc.add(out, {StepKind::request_continue, op, "cut: already dumped (ESTALE)",
                at && !empty_s && stale(enc, s, true), done});
  const z3::expr go = at && !empty_s && !stale(enc, s, true);
  z3::expr rest = enc.fresh_seq("splice.rest");
  SymState next = s;
  next.del = enc.concat(s.del, s.req_walked);
  next.req_cut = s.req_walked;
  count_staged_prefix_deleted(enc, next, s.req_n, s.req_sum);
  next.list = enc.concat(rest, s.list);
  next.staged = enc.empty();
  next.req_walked = enc.empty();
  next.req_sum = enc.int_val(0);
  next.req_has_mark = enc.ctx().bool_val(false);
  next.req_pc = enc.int_val(pc + 2);
  enc.add(out, {StepKind::request_continue, op, "cut the walked records, splice the rest",
                go && s.req_has_mark && s.staged == enc.concat(s.req_walked, rest), next});
  SymState back = s; // v4: fewer than N staged records, all of S goes back (ENOENT)
  count_staged_prefix_deleted(enc, back, s.req_n, s.req_sum);
  back.list = enc.concat(s.staged, s.list);
  back.staged = enc.empty();
  enc.finish(back);
  enc.add(out, {StepKind::request_continue, op, "cut: fewer than N, S spliced back (ENOENT)",
                go && !s.req_has_mark, back});
}

void free_branch(Encoding &enc, const SymState &s, int op, int pc, Branches &out) {
  SymState next = s;
  enc.finish(next);
  enc.add(out, {StepKind::request_continue, op, "frees", s.req_op == op && s.req_pc == pc, next});
}

void v3_branches(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const z3::expr idle = s.req_pc == kIdle;
  enc.add(out, {StepKind::request_start, kNumber, "N: fewer than N staged (ENOENT)",
                idle && v.n >= 1 && s.staged.length() < v.n, s});
  Encoding::Split prefix = enc.split(s.staged, v.n, "walkS");
  enc.add(out, {StepKind::request_start, kNumber, "N: walk S", idle && v.n >= 1 && prefix.equation,
                walked(enc, s, prefix.head, v.n, kNumber, 1)});
  enc.add(out, {StepKind::request_start, kDelete, "D: walk all of S", idle,
                walked(enc, s, s.staged, s.staged.length(), kDelete, 1)});
  for (int op : {kNumber, kDelete}) {
    cut_and_splice_branches(enc, s, op, 1, out);
    free_branch(enc, s, op, 3, out);
  }
}

void v4_number_branches(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const z3::expr at = s.req_pc == kIdle && v.n >= 1;
  stage_refusals(enc, s, at, kNumber, out);
  SymState staged = staged_all(enc, s);
  staged.req_op = enc.int_val(kNumber);
  staged.req_n = v.n;
  staged.req_pc = enc.int_val(1);
  enc.add(out,
          {StepKind::request_start, kNumber, "N: stage all", at && stage_allowed(enc, s), staged});
  const z3::expr walk = s.req_op == kNumber && s.req_pc == 1;
  Encoding::Split prefix = enc.split(s.staged, s.req_n, "walkS");
  enc.add(out, {StepKind::request_continue, kNumber, "N: walk S", walk && prefix.equation,
                walked(enc, s, prefix.head, s.req_n, kNumber, 2)});
  enc.add(out, {StepKind::request_continue, kNumber, "N: walk S, fewer than N",
                walk && s.staged.length() < s.req_n,
                walked(enc, s, enc.empty(), enc.int_val(0), kNumber, 2)});
  cut_and_splice_branches(enc, s, kNumber, 2, out);
  free_branch(enc, s, kNumber, 4, out);
}

void live_number_branches(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const z3::expr at = s.req_pc == kIdle && v.n >= 1;
  enc.add(out, {StepKind::request_start, kNumber, "N: fewer than N records (ENOENT)",
                at && s.list.length() < v.n, s});
  Encoding::Split prefix = enc.split(s.list, v.n, "walkL");
  enc.add(out, {StepKind::request_start, kNumber, "N: lockless walk of L", at && prefix.equation,
                walked(enc, s, prefix.head, v.n, kNumber, 1)});
  const z3::expr cut = s.req_op == kNumber && s.req_pc == 1;
  SymState done = s;
  enc.finish(done);
  enc.add(out, {StepKind::request_continue, kNumber, "N: already dumped (ESTALE)",
                cut && stale(enc, s, false), done});
  z3::expr rest = enc.fresh_seq("cut.rest");
  SymState next = s;
  next.list = rest;
  next.del = enc.concat(s.del, s.req_walked);
  next.req_cut = s.req_walked;
  count_list_removal(enc, next, s.req_n, s.req_sum);
  next.req_walked = enc.empty();
  next.req_sum = enc.int_val(0);
  next.req_has_mark = enc.ctx().bool_val(false);
  next.req_pc = enc.int_val(2);
  enc.add(out, {StepKind::request_continue, kNumber, "N: cut at the walked record",
                cut && !stale(enc, s, false) && s.list == enc.concat(s.req_walked, rest), next});
  free_branch(enc, s, kNumber, 2, out);
}

void sassu_requests(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const SassuTraits &t = traits_of(enc);
  stage_all_branches(enc, s, out);
  switch (t.n_command) {
  case NCommand::stage_prefix:
    stage_prefix_branches(enc, s, v, out);
    break;
  case NCommand::delete_staged_prefix:
    v3_branches(enc, s, v, out); // N and D (D is the N code path on all of S)
    break;
  case NCommand::stage_all_then_delete_prefix:
    v4_number_branches(enc, s, v, out);
    break;
  case NCommand::delete_live_prefix:
    live_number_branches(enc, s, v, out);
    break;
  }
  if (t.d_command == DCommand::delete_all) {
    delete_all_branches(enc, s, out);
    free_branch(enc, s, kDelete, 2, out);
  }
  if (t.trim_command) {
    trim_branches(enc, s, v, out);
    free_branch(enc, s, kTrimN, 2, out);
  }
}

// ---- Counters, kexec, lemmas ----

void sassu_count_append(const Encoding &enc, SymState &s, const z3::expr &records,
                        const z3::expr &bytes) {
  baseline_count_append(enc, s, records, bytes);
  if (staged_includes_list(enc)) {
    s.staged_len = s.staged_len + records;
    s.staged_size = s.staged_size + bytes;
  }
}

z3::expr sassu_runtime_size(const Encoding &enc, const SymState &s) {
  switch (traits_of(enc).kexec_sizing) {
  case KexecSizing::list:
    return s.bin_size;
  case KexecSizing::staged_counter:
    return s.staged_size;
  case KexecSizing::list_plus_staged:
    return s.bin_size + s.staged_size;
  }
  return s.bin_size;
}

z3::expr sassu_dump_order(Encoding &enc, const SymState &s) {
  return traits_of(enc).dump_carries_staged ? enc.concat(s.staged, s.list) : s.list;
}

void sassu_after_dump(const Encoding &enc, const SymState &before, SymState &next) {
  switch (traits_of(enc).stale_guard) {
  case StaleGuard::staged_prepended:
    next.staged_copied = before.staged_copied || before.staged.length() > 0;
    break;
  case StaleGuard::copied_flags:
    next.staged_copied = before.staged_copied || before.staged.length() > 0;
    next.list_copied = before.list_copied || before.list.length() > 0;
    break;
  case StaleGuard::none:
  case StaleGuard::suspended:
    break;
  }
}

void sassu_lemmas(Encoding &enc, const SymState &s,
                  std::vector<std::pair<std::string, z3::expr>> &out) {
  const SassuTraits &t = traits_of(enc);
  if (t.staged_counter == StagedCounter::staged_only)
    out.push_back({"sassu: STAGED counts S",
                   s.staged_len == s.staged.length() && s.staged_size == enc.total(s.staged)});
  if (t.staged_counter == StagedCounter::list_and_staged)
    out.push_back({"sassu: STAGED counts S and L",
                   s.staged_len == s.staged.length() + s.list.length() &&
                       s.staged_size == enc.total(s.staged) + enc.total(s.list)});
  const z3::expr walk_facts = s.req_walked.length() == s.req_n &&
                              s.req_sum == enc.total(s.req_walked) &&
                              (s.req_has_mark == (s.req_n >= 1));
  switch (t.n_command) {
  case NCommand::delete_staged_prefix:
    out.push_back({"sassu: the walked records are the head of S until the cut",
                   z3::implies(s.req_pc == 1, z3::prefixof(s.req_walked, s.staged) && walk_facts)});
    break;
  case NCommand::stage_all_then_delete_prefix:
    out.push_back({"sassu: the walked records are the head of S until the cut",
                   z3::implies(s.req_op == kNumber && s.req_pc == 2,
                               z3::prefixof(s.req_walked, s.staged) && walk_facts) &&
                       z3::implies(s.req_op == kNumber && s.req_pc == 1,
                                   s.req_walked.length() == 0 && s.req_n >= 1)});
    break;
  case NCommand::delete_live_prefix:
    out.push_back({"sassu: the walked records are the head of L until the cut",
                   z3::implies(s.req_op == kNumber && s.req_pc == 1,
                               z3::prefixof(s.req_walked, s.list) && walk_facts && s.req_n >= 1)});
    break;
  case NCommand::stage_prefix:
    break;
  }
}

Command sassu_command(const model::KernelState &now, int op, std::int64_t n, std::int64_t) {
  const SassuTraits &t = traits(now.proposal);
  auto path = [](Iface iface) {
    return iface == Iface::live ? "binary_runtime_measurements"
                                : "binary_runtime_measurements_staged";
  };
  switch (op) {
  case kStageAll:
    return {path(t.a_iface), true, "A\n"};
  case kDelete:
    return {path(t.d_iface), true, "D\n"};
  case kTrimN:
    return {path(t.n_iface), true, "-" + std::to_string(n) + "\n"};
  default:
    return {path(t.n_iface), true, std::to_string(n) + "\n"};
  }
}

} // namespace

const FamilyDelta &sassu_delta() {
  static const FamilyDelta kDelta{
      sassu_count_append, htable_len_shown, sassu_runtime_size, sassu_dump_order,
      sassu_after_dump,   sassu_requests,   sassu_lemmas,       sassu_command,
  };
  return kDelta;
}

} // namespace trimcheck::prove::detail
