// The properties the symbolic machine judges (spec 3.2, 4.7), as formulas over one
// state and over one transition, mirroring the monitors of props/src/properties_list.cpp,
// and the candidate auxiliary lemmas that strengthen them for k-induction.
#include "trimcheck/prove/detail/encoding.hpp"

#include "trimcheck/model/proposal.hpp"

namespace trimcheck::prove::detail {

z3::expr quiescent(const SymState &s) {
  return s.req_pc == -1 && s.kexec_pc == 0; // no call in flight, no writer open, no kexec
}

namespace {

z3::expr booted(const SymState &before, const SymState &s) {
  return before.kexec_pc == 2 && s.kexec_pc == 0;
}

// A state formula plus a transition formula over (before, s) when there is a before.
PropertyFormula with_transition(Encoding &enc, z3::expr state, const SymState *before,
                                const SymState &s,
                                z3::expr (*step)(const SymState &, const SymState &)) {
  return {state, before ? step(*before, s) : enc.ctx().bool_val(true)};
}

// P2: at quiescent points Full = Del ++ S ++ L.
z3::expr order_body(Encoding &enc, const SymState &s) {
  return s.full == enc.concat(enc.concat(s.del, s.staged), s.list);
}
PropertyFormula p2(Encoding &enc, const SymState *, const SymState &s) {
  return {z3::implies(quiescent(s), order_body(enc, s)), enc.ctx().bool_val(true)};
}

// P3a: a kexec dump of a loaded segment that carried its whole dump order (no
// overflow, which the monitor leaves to P23) carried S ++ L as they stood.
PropertyFormula p3a(Encoding &enc, const SymState *before, const SymState &s) {
  if (before == nullptr)
    return {enc.ctx().bool_val(true), enc.ctx().bool_val(true)};
  const z3::expr dumped = before->kexec_pc == 1 && s.kexec_pc == 2 && before->loaded;
  const z3::expr order = enc.delta().dump_order(enc, *before);
  return {enc.ctx().bool_val(true),
          z3::implies(dumped && s.dump.length() == order.length(),
                      s.dump == enc.concat(before->staged, before->list))};
}

// P7: at quiescent points the shown count is |L|, binary_runtime_size is the size of L
// and the kexec sizing covers L; violations never drop except by a reboot.
z3::expr counters_body(Encoding &enc, const SymState &s) {
  const FamilyDelta &d = enc.delta();
  const z3::expr list_size = enc.total(s.list);
  return d.shown_count(enc, s) == s.list.length() && s.bin_size == list_size &&
         d.kexec_runtime_size(enc, s) >= list_size;
}
z3::expr violations_monotone(const SymState &before, const SymState &s) {
  return s.violations >= before.violations || booted(before, s);
}
PropertyFormula p7(Encoding &enc, const SymState *before, const SymState &s) {
  return with_transition(enc, z3::implies(quiescent(s), counters_body(enc, s)), before, s,
                         violations_monotone);
}

// B1: L only grows (nothing is deleted); count == |L| == |Full|.
z3::expr nothing_deleted(const SymState &before, const SymState &s) {
  return s.del == before.del || booted(before, s);
}
PropertyFormula b1(Encoding &enc, const SymState *before, const SymState &s) {
  return with_transition(
      enc, enc.delta().shown_count(enc, s) == s.list.length() && s.list.length() == s.full.length(),
      before, s, nothing_deleted);
}

// B2: no two appended (non-restored, non-violation) records of L share a content.
PropertyFormula b2(Encoding &enc, const SymState *, const SymState &s) {
  z3::expr c = enc.ctx().int_const("content!b2");
  return {z3::forall(c, z3::select(s.appended_contents, c) <= 1), enc.ctx().bool_val(true)};
}

// B3: the PCR is the fold of every record extended; while nothing was lost, Full is
// that history.
z3::expr pcr_body(Encoding &enc, const SymState &s) {
  return s.pcr == enc.vocab().chain(s.history);
}
PropertyFormula b3(Encoding &enc, const SymState *, const SymState &s) {
  return {pcr_body(enc, s) &&
              z3::implies(s.full.length() == s.history.length(), s.full == s.history),
          enc.ctx().bool_val(true)};
}

// B4: violations counts the violation events of this kernel.
PropertyFormula b4(Encoding &enc, const SymState *, const SymState &s) {
  return {s.violations == s.violation_events, enc.ctx().bool_val(true)};
}

} // namespace

const PropertyEncoding *property_encoding(std::string_view id) {
  static const PropertyEncoding kP2{p2, kRequestLemmas | kKexecLemmas | kOrderLemmas},
      kP3a{p3a, kKexecLemmas | kOrderLemmas},
      kP7{p7, kRequestLemmas | kKexecLemmas | kCounterLemmas, true},
      kB1{b1, kKexecLemmas | kOrderLemmas | kCounterLemmas | kBaselineLemmas},
      kB2{b2, kKexecLemmas | kBaselineLemmas},
      kB3{b3, kKexecLemmas | kOrderLemmas | kPcrLemmas | kBaselineLemmas, false, true},
      kB4{b4, kKexecLemmas | kViolationLemmas};
  if (id == "P2")
    return &kP2;
  if (id == "P3a")
    return &kP3a;
  if (id == "P7")
    return &kP7;
  if (id == "B1")
    return &kB1;
  if (id == "B2")
    return &kB2;
  if (id == "B3")
    return &kB3;
  if (id == "B4")
    return &kB4;
  return nullptr;
}

std::vector<std::pair<std::string, z3::expr>> candidate_lemmas(Encoding &enc, const SymState &s,
                                                               unsigned topics) {
  std::vector<std::pair<std::string, z3::expr>> out;
  z3::context &c = enc.ctx();
  if (topics & kRequestLemmas) {
    out.push_back(
        {"an idle request has no locals",
         z3::implies(s.req_pc == -1, s.req_cut.length() == 0 && s.req_walked.length() == 0 &&
                                         s.req_sum == 0 && s.req_n == 0 && !s.req_has_mark)});
    enc.delta().request_lemmas(enc, s, out);
  }
  if (topics & kKexecLemmas) {
    z3::expr phases = s.kexec_pc == 0 || s.kexec_pc == 1 || s.kexec_pc == 2;
    phases = phases && z3::implies(s.kexec_pc != 2, s.dump.length() == 0);
    phases = phases && (enc.has_suspend() ? s.suspended == (s.kexec_pc >= 1) : !s.suspended);
    out.push_back({"kexec phases and suspension", phases});
  }
  if (topics & kOrderLemmas) {
    out.push_back({"Full = Del ++ S ++ L at every step", order_body(enc, s)});
    if (model::proposal_info(enc.proposal()).family != model::Family::sassu)
      out.push_back({"S is empty outside the Sassu series", s.staged.length() == 0});
  }
  if (topics & kCounterLemmas)
    out.push_back({"counters match L at every step", counters_body(enc, s)});
  if (topics & kPcrLemmas) {
    out.push_back({"the PCR folds the history, Full is no longer than it",
                   pcr_body(enc, s) && s.full.length() <= s.history.length()});
    out.push_back({"the dump is a prefix of Full",
                   z3::implies(s.kexec_pc == 2, z3::prefixof(s.dump, s.full))});
  }
  if (topics & kViolationLemmas)
    out.push_back({"violations counts this kernel's events", s.violations == s.violation_events});
  if ((topics & kBaselineLemmas) &&
      model::proposal_info(enc.proposal()).family == model::Family::baseline) {
    out.push_back(
        {"baseline: nothing deleted or staged", s.del.length() == 0 && s.staged.length() == 0});
    z3::expr key = c.int_const("content!lemma");
    const z3::expr counted = z3::select(s.appended_contents, key);
    out.push_back({"baseline: every appended content is in H once",
                   z3::forall(key, counted >= 0 && counted <= 1 &&
                                       z3::implies(counted >= 1, z3::select(s.hashed, key)))});
  }
  return out;
}

} // namespace trimcheck::prove::detail
