// Microsoft RFC v1 "trim to PCR values" (spec 2.1) symbolically: a write of target PCR
// values to /sys/kernel/config/ima/pcrs removes the shortest head of L whose replay from
// `start` reaches the targets, in the steps of spec 2.15 that the concrete model
// (model/src/family_ms.cpp) uses as request.pc:
//   kReplay (0)       lockless replay walk of the first N records of L
//   kPurge (1)        unlink the N records from H and L under ima_extend_list_mutex
//   kUpdateStart (2)  start := the replayed values; the write returns
// Digests are uninterpreted and collision free, so the replay of N records reaches a
// value no shorter head reaches: every N in 1..|L| is the result of some write (the
// one decoding builds, model::detail::ms_trim_command), whatever `start` holds. `start`
// is therefore not state here. Writes that trim nothing (targets equal to `start`, not
// reached, or malformed) change no state and are left out, like duplicate measurements.
#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/prove/detail/encoding.hpp"

namespace trimcheck::prove::detail {
namespace {

constexpr int kIdle = -1, kPurge = 1, kUpdateStart = 2;
constexpr int kTrim = 0; // the only command

// kReplay (2.1 step 3c): the walk counts N records; appends may follow (only the head
// matters), the list is not changed.
void replay_branch(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  Encoding::Split walked = enc.split(s.list, v.n, "replay");
  SymState next = s;
  next.req_op = enc.int_val(kTrim);
  next.req_n = v.n;
  next.req_walked = walked.head;
  next.req_pc = enc.int_val(kPurge);
  enc.add(out, {StepKind::request_start, kTrim, "trim to PCR values: replay walk",
                s.req_pc == kIdle && v.n >= 1 && walked.equation, next});
}

// kPurge (2.1 step 3d): the walked records are still the head of L; they leave H (any
// subset of H survives: which keys go is over-approximated, docs/prove.md) and L;
// ima_htable.len drops, binary_runtime_size does not.
void purge_branch(Encoding &enc, const SymState &s, Branches &out) {
  z3::expr rest = enc.fresh_seq("ms.rest");
  SymState next = s;
  next.list = rest;
  next.del = enc.concat(s.del, s.req_walked);
  next.count = s.count - s.req_walked.length();
  const Encoding::Subset kept = enc.subset_of(s.hashed, "ms.hashed");
  next.hashed = kept.set;
  next.req_cut = s.req_walked;
  next.req_walked = enc.empty();
  next.req_pc = enc.int_val(kUpdateStart);
  enc.add(out, {StepKind::request_continue, kTrim, "trim to PCR values: purge",
                s.req_pc == kPurge && s.list == enc.concat(s.req_walked, rest) && kept.constraint,
                next});
}

// kUpdateStart (2.1 step 3e): start moves on (not state here); the purged records leak.
void update_start_branch(Encoding &enc, const SymState &s, Branches &out) {
  SymState next = s;
  enc.finish(next);
  enc.add(out, {StepKind::request_continue, kTrim, "trim to PCR values: update start",
                s.req_pc == kUpdateStart, next});
}

void ms_requests(Encoding &enc, const SymState &s, const StepVars &v, Branches &out) {
  replay_branch(enc, s, v, out);
  purge_branch(enc, s, out);
  update_start_branch(enc, s, out);
}

// The walked records are the head of L until the purge (only appends run in between),
// and the request's pc is one of the RFC's steps.
void ms_lemmas(Encoding &, const SymState &s, std::vector<std::pair<std::string, z3::expr>> &out) {
  out.push_back(
      {"ms: the walked records are the head of L until the purge",
       z3::implies(s.req_pc == kPurge, z3::prefixof(s.req_walked, s.list) &&
                                           s.req_walked.length() == s.req_n && s.req_n >= 1)});
  out.push_back({"ms: the request is at one of its steps",
                 s.req_pc == kIdle || s.req_pc == kPurge || s.req_pc == kUpdateStart});
}

Command ms_command(const model::KernelState &now, int, std::int64_t n, std::int64_t) {
  const model::Bytes bytes = model::detail::ms_trim_command(now, static_cast<std::size_t>(n));
  return {"/sys/kernel/config/ima/pcrs", false, std::string(bytes.begin(), bytes.end())};
}

} // namespace

const FamilyDelta &ms_delta() {
  static const FamilyDelta kDelta{
      baseline_count_append, htable_len_shown, list_runtime_size, list_dump_order,
      no_dump_flags,         ms_requests,      ms_lemmas,         ms_command,
  };
  return kDelta;
}

} // namespace trimcheck::prove::detail
