// Steven Chen's "trim N entries" v1-v5 (spec 2.2-2.6) symbolically: a write of N to
// ima_trim_log removes the first N records of L, in the steps of spec 2.15 that the
// concrete model (model/src/family_chen.cpp) uses as request.pc:
//   kDecide (0)  v1: everything in one locked step; v2-v4: locked walk + cut;
//                v5: lockless pre-walk that remembers the N-th record
//   kCut (1)     v5: the O(1) cut under ima_extend_list_mutex
//   kFree (2)    frees outside the mutex, the critical-data record, trimcount
// Only what the default configuration does is encoded (no ima_flush_htable, no
// CONFIG_IMA_DISABLE_HTABLE): object lifetimes are not state here.
#include "trimcheck/model/detail/chen.hpp"
#include "trimcheck/prove/detail/encoding.hpp"

#include <stdexcept>

namespace trimcheck::prove::detail {
namespace {

using model::ProposalId;

using model::detail::chen::ChenTraits;
using model::detail::chen::traits;
using Steps = model::detail::chen::Steps;
using SizeUpdate = model::detail::chen::SizeUpdate;
using Grammar = model::detail::chen::ChenGrammar;

// The version facts the encoding reads, from the model's own rows (detail/chen.hpp).
bool trims_what_exists(const ChenTraits &r) { // v1 (2.2): fewer than N -> remove them all
  return r.shortfall == model::detail::chen::Shortfall::trim_what_exists;
}
bool counts_number_entries(const ChenTraits &r) { // v5 (2.6): the shown, trusted counter
  return r.entries_counter == model::detail::chen::EntriesCounter::number_entries;
}
bool total_trimcount(const ChenTraits &r) { // v4/v5 (2.5, 2.6): trimcount is T
  return r.trimcount_rule == model::detail::chen::TrimcountRule::total;
}
bool trim_event(const ChenTraits &r) { // v2+ (2.3-2.6): critical-data record
  return r.critical_data != model::detail::chen::CriticalData::no_event;
}

constexpr int kIdle = -1, kCut = 1, kFree = 2;
constexpr int kTrim = 0; // the only command

// The counter the version trusts for "N > records" and shows (2.6).
z3::expr entries(const ChenTraits &r, const SymState &s) {
  return counts_number_entries(r) ? s.number_entries : s.count;
}
void subtract_entries(const Encoding &enc, const ChenTraits &r, SymState &next,
                      const z3::expr &removed) {
  if (enc.fault() == PlantedFault::cut_keeps_entry_counter)
    return;
  if (counts_number_entries(r))
    next.number_entries = next.number_entries - removed;
  else
    next.count = next.count - removed;
}

// trimcount after a write that removed `removed` records (2.2-2.6).
z3::expr trimcount_after(const ChenTraits &r, const SymState &s, const z3::expr &removed) {
  return total_trimcount(r) ? s.trimcount + removed : removed;
}

// kDecide of v1 (2.2): one locked step removes min(N, records), unlinks them from H,
// leaves binary_runtime_size, trimcount := removed.
void v1_trim(Encoding &enc, const ChenTraits &r, const SymState &s, const StepVars &v,
             Branches &out) {
  const z3::expr count = z3::ite(v.n < entries(r, s), v.n, entries(r, s));
  Encoding::Split cut = enc.split(s.list, count, "v1cut");
  SymState next = s;
  next.list = cut.rest;
  next.del = enc.concat(s.del, cut.head);
  subtract_entries(enc, r, next, count);
  // The removed records leave H; which keys go is over-approximated: any subset of H
  // survives (docs/prove.md).
  const Encoding::Subset kept = enc.subset_of(s.hashed, "v1.hashed");
  next.hashed = kept.set;
  next.trimcount = count;
  enc.finish(next);
  enc.add(out, {StepKind::request_start, kTrim, "trim N (one locked step)",
                s.req_pc == kIdle && v.n >= 1 && cut.equation && kept.constraint, next});
}

void start_branches(Encoding &enc, const ChenTraits &r, const SymState &s, const StepVars &v,
                    Branches &out) {
  const z3::expr idle = s.req_pc == kIdle;
  { // N = 0: nothing removed, no event; trimcount := 0 (last trim) or += 0 (T).
    SymState next = s;
    next.trimcount = trimcount_after(r, s, enc.int_val(0));
    enc.add(out, {StepKind::request_start, kTrim, "trim 0", idle && v.n == 0, next});
  }
  if (trims_what_exists(r))
    return v1_trim(enc, r, s, v, out);
  enc.add(out, {StepKind::request_start, kTrim, "trim N > records (ENOENT)",
                idle && v.n >= 1 && v.n > entries(r, s), s});
  const z3::expr fits = idle && v.n >= 1 && v.n <= entries(r, s);
  Encoding::Split prefix = enc.split(s.list, v.n, "prefix");
  SymState next = s;
  next.req_op = enc.int_val(kTrim);
  next.req_n = v.n;
  if (r.steps == Steps::prewalk_cut_free) { // v5 (2.6): lockless pre-walk of N records
    next.req_walked = prefix.head;
    next.req_sum = enc.total(prefix.head);
    next.req_has_mark = enc.ctx().bool_val(true);
    next.req_pc = enc.int_val(kCut);
    enc.add(out, {StepKind::request_start, kTrim, "trim N: lockless pre-walk",
                  fits && prefix.equation, next});
    return;
  }
  // v2-v4 (2.3-2.5): walk and cut under the mutex; v3/v4 re-sum the records left.
  next.list = prefix.rest;
  next.del = enc.concat(s.del, prefix.head);
  subtract_entries(enc, r, next, v.n);
  if (r.size_update == SizeUpdate::size_sum_of_rest)
    next.bin_size = enc.total(prefix.rest);
  next.req_cut = prefix.head;
  next.req_pc = enc.int_val(kFree);
  enc.add(out,
          {StepKind::request_start, kTrim, "trim N: locked cut", fits && prefix.equation, next});
}

// v5 kCut (2.6): the counter is read again under the mutex; equal to N -> the whole of
// L goes (binary_runtime_size untouched), else L is cut after the remembered record.
// The cut at a record no longer in L (two writers through one file, list corruption in
// the concrete model) cannot happen with one writer and is not encoded.
void cut_branches(Encoding &enc, const ChenTraits &r, const SymState &s, Branches &out) {
  const z3::expr at_cut = s.req_pc == kCut;
  {
    SymState next = s;
    next.list = enc.empty();
    next.del = enc.concat(s.del, s.list);
    subtract_entries(enc, r, next, s.list.length());
    next.req_cut = s.list;
    next.req_walked = enc.empty();
    next.req_sum = enc.int_val(0);
    next.req_has_mark = enc.ctx().bool_val(false);
    next.req_pc = enc.int_val(kFree);
    enc.add(out, {StepKind::request_continue, kTrim, "trim N: cut the whole list",
                  at_cut && s.req_n == entries(r, s), next});
  }
  z3::expr rest = enc.fresh_seq("v5.rest");
  SymState next = s;
  next.list = rest;
  next.del = enc.concat(s.del, s.req_walked);
  subtract_entries(enc, r, next, s.req_walked.length());
  next.bin_size = s.bin_size - s.req_sum;
  next.req_cut = s.req_walked;
  next.req_walked = enc.empty();
  next.req_sum = enc.int_val(0);
  next.req_has_mark = enc.ctx().bool_val(false);
  next.req_pc = enc.int_val(kFree);
  enc.add(out,
          {StepKind::request_continue, kTrim, "trim N: cut at the remembered record",
           at_cut && s.req_n != entries(r, s) && s.list == enc.concat(s.req_walked, rest), next});
}

// kFree (2.3-2.6): frees (not state here), the critical-data record unless suspended,
// trimcount, return.
void free_branches(Encoding &enc, const ChenTraits &r, const SymState &s, const StepVars &v,
                   Branches &out) {
  const z3::expr at_free = s.req_pc == kFree;
  const z3::expr removed = s.req_cut.length();
  if (trim_event(r)) {
    SymState next = enc.appended(s, v.record, false);
    next.trimcount = trimcount_after(r, s, removed);
    enc.finish(next);
    enc.add(out, {StepKind::request_continue, kTrim, "trim N: frees, trim event",
                  at_free && removed > 0 && !s.suspended && enc.kernel_record_guard(s, v), next});
  }
  SymState next = s;
  next.trimcount = trimcount_after(r, s, removed);
  enc.finish(next);
  const z3::expr no_event =
      trim_event(r) ? (removed == 0 || s.suspended) : enc.ctx().bool_val(true);
  enc.add(out, {StepKind::request_continue, kTrim, "trim N: frees", at_free && no_event, next});
}

void chen_requests(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  const ChenTraits &r = traits(enc.proposal());
  start_branches(enc, r, s, v, out);
  if (r.steps == Steps::prewalk_cut_free)
    cut_branches(enc, r, s, out);
  if (r.steps != Steps::one_locked_step)
    free_branches(enc, r, s, v, out);
}

void chen_count_append(const Encoding &enc, SymState &s, const z3::expr &records,
                       const z3::expr &bytes) {
  baseline_count_append(enc, s, records, bytes);
  if (counts_number_entries(traits(enc.proposal())))
    s.number_entries = s.number_entries + records;
}

z3::expr chen_shown(const Encoding &enc, const SymState &s) {
  return entries(traits(enc.proposal()), s);
}

// The pre-walk's records are still the head of L until the cut (only appends run in
// between), and the request's pc is one of the version's steps.
void chen_lemmas(Encoding &enc, const SymState &s,
                 std::vector<std::pair<std::string, z3::expr>> &out) {
  const ChenTraits &r = traits(enc.proposal());
  z3::expr pcs = s.req_pc == kIdle;
  if (r.steps != Steps::one_locked_step)
    pcs = pcs || s.req_pc == kFree;
  if (r.steps == Steps::prewalk_cut_free) {
    pcs = pcs || s.req_pc == kCut;
    out.push_back(
        {"chen: the pre-walked records are the head of L until the cut",
         z3::implies(s.req_pc == kCut, z3::prefixof(s.req_walked, s.list) &&
                                           s.req_walked.length() == s.req_n && s.req_n >= 1 &&
                                           s.req_sum == enc.total(s.req_walked))});
  }
  out.push_back({"chen: the request is at one of its steps", pcs});
}

Command chen_command(const model::KernelState &now, int, std::int64_t n, std::int64_t trimcount) {
  std::string number = std::to_string(n);
  switch (traits(now.proposal).grammar) {
  case Grammar::digits_only: // 2.2: digits only, at least two
    return {"ima_trim_log", false, number.size() < 2 ? "0" + number : number};
  case Grammar::kstrtol_base10: // 2.4
    return {"ima_trim_log", false, number + "\n"};
  case Grammar::total_colon_n: // 2.5: T must equal the kernel's trimcount
    return {"ima_trim_log", false, std::to_string(trimcount) + ":" + number + "\n"};
  }
  return {};
}

} // namespace

const FamilyDelta &chen_delta() {
  static const FamilyDelta kDelta{
      chen_count_append, chen_shown,    list_runtime_size, list_dump_order,
      no_dump_flags,     chen_requests, chen_lemmas,       chen_command,
  };
  return kDelta;
}

} // namespace trimcheck::prove::detail
