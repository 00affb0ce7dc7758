// The symbolic transition system of one version (Z3), TLA+ style: state variables,
// init, one branch per atomic step of an action, and the properties and auxiliary
// lemmas over a state (properties.cpp). The shared core (measurements, violations,
// the three kexec steps) is encoding.cpp; each family adds the steps of its removal
// requests in its own delta file (delta_baseline.cpp, delta_chen.cpp, delta_sassu.cpp),
// with the spec section each branch comes from.
//
// Why these shapes:
// * A record is an integer identity: one append (the model's serial; BMC numbers them
//   0, 1, 2 .. so that sequences are ground words), with uninterpreted `content` (what dedupe
//   compares; measured files are contents >= 1, the boot_aggregate 0, kernel-made critical data <
//   0), `size`
//   (>= 1, its share of binary_runtime_size) and `is_violation`.
// * L, S, Full, Del, the PCR history and the kexec dump are sequences of records, so
//   list order and prefix removal are equations over concatenation.
// * binary_runtime_size of a sequence is the uninterpreted `total_size`, tied to sizes
//   by ground instances of its homomorphism axioms at every concatenation the encoding
//   builds (`Encoding::concat`); the PCR hash chain is the uninterpreted `chain`, tied
//   to `extend` at every append (`Encoding::extended`). Digests and `extend` are
//   uninterpreted functions with inverse-function (injectivity, collision resistance)
//   axioms.
// * H is a set of contents (digest + PCR: every modelled record goes to one PCR).
// * One writer request at a time, split into the atomic steps of spec 2.15 as the
//   concrete model splits them (`req_pc` is the concrete `request.pc`).
#pragma once

#include "trimcheck/model/kernel.hpp"
#include "trimcheck/model/proposal.hpp"
#include "trimcheck/prove/prove.hpp"

#include <z3++.h>

#include <string>
#include <vector>

namespace trimcheck::prove::detail {

// Sorts and uninterpreted functions shared by every state of one run.
struct Vocabulary {
  explicit Vocabulary(z3::context &ctx);
  z3::context &ctx;
  z3::sort record, records, digest, content_set, content_count;
  z3::func_decl content, size, is_violation;      // of a record
  z3::func_decl digest_of, digest_content;        // template digest of a content, and its inverse
  z3::func_decl extend, extend_from, extend_with; // PCR extend and its inverses
  z3::func_decl chain;                            // fold of extend over a sequence, from pcr_zero
  z3::func_decl total_size;                       // sum of sizes over a sequence
  z3::expr pcr_zero, violation_value;             // PCR reset value; 0xFF.. extended for violations
  // The ground axioms (fold of nothing, size of nothing), asserted once per solver.
  z3::expr_vector axioms() const;
  // digest_of(c) and extend(a, b), with the instances of the inverse-function axioms
  // (injectivity: collision resistance) for exactly these terms. Ground instances keep
  // every query quantifier-free, so Z3 finds models for counterexamples.
  z3::expr digest_term(const z3::expr &content_value, z3::expr_vector &facts) const;
  z3::expr extend_term(const z3::expr &value, const z3::expr &with, z3::expr_vector &facts) const;
};

// One state of the symbolic machine (a TLA+ state: every variable of the version).
struct SymState {
  explicit SymState(z3::context &ctx);
  // Lists (spec 2, "Common shape") and ghosts: L, S, Full, Del, every record ever
  // extended into the PCR (B3, kept across kexec).
  z3::expr list, staged, full, del, history;
  z3::expr hashed; // H: content -> linked (Array Int Bool)
  z3::expr pcr;    // PCR CONFIG_IMA_MEASURE_PCR_IDX of one bank (every bank is alike)
  // Counters (spec 4.1, 2.2-2.13).
  z3::expr count, bin_size, staged_len, staged_size, number_entries, violations, trimcount;
  // Ghosts for B2 and B4: appended contents of this kernel in L, violation events.
  z3::expr appended_contents, violation_events;
  // Kexec (spec 4.6): segment loaded, suspended (>= 6.14), phase of an execute
  // (0 none, 1 reboot notifiers ran, 2 dumped), the dump, Sassu v4/v5 dump flags.
  z3::expr loaded, suspended, kexec_pc, dump, staged_copied, list_copied;
  // The writer's request in flight (spec 2.15): pc (-1 idle), command, N, records
  // walked without the mutex (the mark is the last), records cut and not yet freed,
  // the walk's size sum, whether the walk found its N-th record.
  z3::expr req_pc, req_op, req_n, req_walked, req_cut, req_sum, req_has_mark;
};

// The member list, for field-wise equality and naming.
using StateField = z3::expr SymState::*;
const std::vector<std::pair<StateField, const char *>> &state_fields();

// What a step of the symbolic machine is, for decoding it into concrete actions.
enum class StepKind : std::uint8_t {
  measure,           // Measure{file, version}: content appended
  measure_violation, // MeasureViolation
  request_start,     // Open + Write (first step of the write)
  request_continue,  // Continue{pid}
  kexec_load,
  kexec_execute, // reboot notifiers
  kexec_continue // dump, then the next kernel
};

// One alternative of a step: when `guard` holds, the next state is `next`.
struct Branch {
  StepKind kind;
  int op = 0; // request command (family-specific)
  std::string label;
  z3::expr guard;
  SymState next;
};

// The free choices of one step.
struct StepVars {
  z3::expr branch;         // index of the branch taken
  z3::expr content;        // content of a measured file (>= 1)
  z3::expr record;         // identity of the record this step appends, if any
  z3::expr kernel_content; // content of a kernel-made record (< 0, never in H)
  z3::expr n;              // N of a request this step starts
  z3::expr dump_complete;  // the dump carried every record (BMC assumes it, docs/prove.md)
};

// The branches of one step. Only Encoding::add appends, so that every branch takes the
// facts its own construction produced: a branch appended around it would leave them to
// the next one (a P7 mismatch once: a trim's size facts guarded the branch after it,
// and the trim's next state had a free list size).
class Branches {
public:
  std::size_t size() const { return items_.size(); }
  const Branch &operator[](std::size_t i) const { return items_[i]; }

private:
  friend class Encoding;
  std::vector<Branch> items_;
};

struct BranchInfo {
  StepKind kind;
  int op;
  std::string label;
};

struct Step {
  z3::expr formula;
  StepVars vars;
  std::vector<BranchInfo> branches;
};

class Encoding;

// A concrete write command of a family, for decoding.
struct Command {
  std::string path;
  bool read_write = false;
  std::string bytes;
};

// The per-family delta (the concrete model's FamilyHooks, symbolically).
struct FamilyDelta {
  // Counter updates when `records` records of `bytes` total size join L (add, restore).
  void (*count_append)(const Encoding &enc, SymState &s, const z3::expr &records,
                       const z3::expr &bytes);
  z3::expr (*shown_count)(const Encoding &enc, const SymState &s);
  z3::expr (*kexec_runtime_size)(const Encoding &enc, const SymState &s);
  // The records the dump walks, and the dump's flags (Sassu v4/v5).
  z3::expr (*dump_order)(Encoding &enc, const SymState &s);
  void (*after_dump)(const Encoding &enc, const SymState &before, SymState &next);
  // The branches of the version's removal requests (start and every later step).
  void (*request_branches)(Encoding &enc, const SymState &s, const StepVars &v, Branches &out);
  // Auxiliary lemmas about the request's local variables.
  void (*request_lemmas)(Encoding &enc, const SymState &s,
                         std::vector<std::pair<std::string, z3::expr>> &out);
  // The concrete form of request command `op` with argument n, given the concrete
  // kernel state `now` the write runs on (the MS RFC writes PCR values).
  Command (*command)(const model::KernelState &now, int op, std::int64_t n, std::int64_t trimcount);
};

// Baseline defaults the families keep (delta_baseline.cpp).
void baseline_count_append(const Encoding &enc, SymState &s, const z3::expr &records,
                           const z3::expr &bytes);
z3::expr htable_len_shown(const Encoding &enc, const SymState &s);
z3::expr list_runtime_size(const Encoding &enc, const SymState &s);
z3::expr list_dump_order(Encoding &enc, const SymState &s);
void no_dump_flags(const Encoding &enc, const SymState &before, SymState &next);

const FamilyDelta &baseline_delta();
const FamilyDelta &chen_delta();
const FamilyDelta &sassu_delta();
const FamilyDelta &ms_delta();
const FamilyDelta &delta_for(model::ProposalId id);

class Encoding {
public:
  // Which uninterpreted functions over sequences get their ground axioms: sizes
  // (total_size, for P7) and the PCR fold (chain, for B3). They cost Z3 dearly (every
  // sequence term under them is a congruence candidate), so a property asks only for
  // what it reads; without them the functions are unconstrained (over-approximation).
  struct Tracking {
    bool sizes = false;
    bool pcr_chain = false;
  };
  Encoding(z3::context &ctx, model::ProposalId proposal, PlantedFault fault, Tracking tracking);

  const Vocabulary &vocab() const { return vocab_; }
  z3::context &ctx() const { return vocab_.ctx; }
  model::ProposalId proposal() const { return proposal_; }
  PlantedFault fault() const { return fault_; }
  const FamilyDelta &delta() const { return *delta_; }
  bool has_suspend() const;           // >= 6.14: reboot notifier suspends appends
  bool measures_kexec_events() const; // >= 6.15: kexec_load / kexec_execute records

  SymState state(const std::string &name);
  z3::expr init(const SymState &s);
  Step transition(const SymState &s, const SymState &next, int index);
  z3::expr equal(const SymState &a, const SymState &b) const;

  // Ground facts collected while building formulas (homomorphism instances, sizes);
  // valid in every interpretation of the real functions, so asserted unconditionally.
  z3::expr_vector take_facts();

  // Adds a branch; the ground facts collected since the previous branch (the
  // concatenations and appends this branch built) become part of its guard, so the
  // solver meets them only when it takes the branch.
  void add(Branches &out, Branch branch);

  // Builders the deltas use.
  z3::expr empty() const;
  z3::expr unit(const z3::expr &record);
  z3::expr concat(const z3::expr &a, const z3::expr &b);
  z3::expr total(const z3::expr &records) const; // total_size
  z3::expr fresh_seq(const std::string &name);
  z3::expr fresh_int(const std::string &name);
  z3::expr fresh_array(const std::string &name);
  z3::expr int_val(std::int64_t value) const { return ctx().int_val(value); }
  // Request finished: pc -1 and every local reset.
  static void finish(SymState &s, const z3::expr &empty_seq, z3::context &ctx);
  void finish(SymState &s) const { finish(s, empty(), ctx()); }
  // A record appended by ima_add_template_entry (spec 4.2 step 3/4): L, Full, history,
  // PCR, H (unless a violation), counters. The caller constrains the record's content.
  SymState appended(const SymState &s, const z3::expr &record, bool violation);
  // The record of a kernel-made critical-data event: fresh content, never in H.
  z3::expr kernel_record_guard(const SymState &s, const StepVars &v) const;
  // `list == head ++ rest` with |head| == n: fresh head and rest.
  struct Split {
    z3::expr head, rest, equation;
  };
  Split split(const z3::expr &list, const z3::expr &n, const std::string &name);
  // H after records left it whose keys are not tracked (Chen v1, the MS purge): a fresh
  // set, constrained to be a subset of `hashed` (over-approximation, docs/prove.md).
  struct Subset {
    z3::expr set, constraint;
  };
  Subset subset_of(const z3::expr &hashed, const std::string &name);

private:
  void core_branches(const SymState &s, const StepVars &v, Branches &out);
  void kexec_branches(const SymState &s, const StepVars &v, Branches &out);
  void state_facts(const SymState &s);

  Vocabulary vocab_;
  model::ProposalId proposal_;
  PlantedFault fault_;
  const FamilyDelta *delta_;
  bool track_sizes_, track_pcr_chain_;
  std::string step_prefix_;
  int fresh_ = 0;
  z3::expr_vector facts_;
  z3::expr_vector state_facts_pending_{vocab_.ctx};
};

// Properties and lemmas (properties.cpp).
struct PropertyFormula {
  z3::expr state;      // over one state
  z3::expr transition; // over a transition (true if none)
};
// Topics of the candidate lemmas; a property names the topics its proof may need, which
// keeps the induction queries small.
enum LemmaTopic : unsigned {
  kRequestLemmas = 1u << 0, // request locals (idle, pc, walks), from the family delta
  kKexecLemmas = 1u << 1,   // kexec phases and suspension
  kOrderLemmas = 1u << 2,   // Full = Del ++ S ++ L
  kCounterLemmas = 1u << 3, // counters match L (and S)
  kPcrLemmas = 1u << 4,     // PCR folds the history; dump prefix
  kViolationLemmas = 1u << 5,
  kBaselineLemmas = 1u << 6, // nothing deleted; appended contents are in H once
};
struct PropertyEncoding {
  // Builds the property over (previous state or nullptr, state).
  PropertyFormula (*at)(Encoding &enc, const SymState *before, const SymState &s);
  unsigned lemma_topics;
  bool reads_sizes = false;     // needs the total_size axioms
  bool reads_pcr_chain = false; // needs the chain axioms
};
// nullptr if the property is not encoded symbolically.
const PropertyEncoding *property_encoding(std::string_view id);
// Candidate auxiliary lemmas of the given topics (generic facts of the encoding;
// Houdini keeps the inductive ones).
std::vector<std::pair<std::string, z3::expr>> candidate_lemmas(Encoding &enc, const SymState &s,
                                                               unsigned topics);
z3::expr quiescent(const SymState &s);

// The concrete actions a symbolic run stands for (decode.cpp): process 1 (root with
// CAP_SYS_ADMIN) is the writer; each request opens its file, writes, and closes it
// when the call returns.
std::vector<props::TraceAction> decode(const Encoding &enc, const model::KernelConfig &config,
                                       const z3::model &model, const std::vector<Step> &steps,
                                       const std::vector<SymState> &states);

} // namespace trimcheck::prove::detail
