// The property catalogue: spec section 3.2 (P1-P23) and section 4.7 (B1-B5). Which
// versions a property speaks about is decided by what the version can do (remove
// records, has a Kconfig option, is the MS design), never by an expected verdict.
#include "monitor_util.hpp"
#include "properties.hpp"
#include "trimcheck/model/removal_interface.hpp"

namespace trimcheck::props {

using namespace model;
using namespace detail;

namespace {

bool everywhere(ProposalId, const KernelConfig &) {
  return true;
}
bool removal(ProposalId id, const KernelConfig &) {
  return removes_records(id);
}
bool baseline_only(ProposalId id, const KernelConfig &) {
  return is_baseline(id);
}
bool chen_total(ProposalId id, const KernelConfig &) {
  return removal_interface(id).command == RemovalCommand::total_colon_count;
}
bool ms_only(ProposalId id, const KernelConfig &) {
  return removal_interface(id).command == RemovalCommand::pcr_values;
}
// P4b speaks about ima_flush_htable: on a version without it a "holds" would be vacuous.
bool removal_with_flush_option(ProposalId id, const KernelConfig &) {
  return removes_records(id) && has_flush_htable(id);
}

bool with_flush(ProposalId, const KernelConfig &config) {
  return config.flush_htable && !config.disable_htable;
}
bool without_flush(ProposalId, const KernelConfig &config) {
  return !config.flush_htable && !config.disable_htable;
}
bool feature_off(ProposalId id, const KernelConfig &config) {
  return !is_baseline(id) && !feature_enabled(id, config);
}

} // namespace

const std::vector<Property> &all_properties() {
  static const std::vector<Property> kAll{
      {"P1", "Reader continuity",
       "Successive read() calls on one read-mode fd of a list file return a contiguous, "
       "duplicate-free run of the list it iterates; no record is skipped because another "
       "open file removed it.",
       "Sassu 2025-12-05 (reader *pos skips after a concurrent truncate); Zohar 2025-12-15",
       everywhere, kReaderContinuity},
      {"P2", "Prefix deletion and order",
       "At every quiescent point Full = Del ++ S ++ L as sequences, so deleted chunks in "
       "deletion order followed by S and L reproduce the log exactly.",
       "Lumen 2025-11-26; Sassu 2025-11-27", everywhere, kPrefixDeletion},
      {"P3a", "Kexec carry-over",
       "At kexec execute the dumped sequence equals S ++ L at dump time: nothing staged but "
       "not yet deleted is lost.",
       "Lumen 2025-12-10 (staged list lost on kexec)", everywhere, kKexecCarryOver},
      {"P3b", "No double accounting across kexec",
       "A record removed by a request that returned success is not in the kexec dump.",
       "Sassu 2025-12-15; Zohar 2026-05-26 / Sassu 2026-05-29 / Zohar 2026-06-01", removal,
       kNoDoubleAccounting},
      {"P4a", "Dedupe of deleted records",
       "Without ima_flush_htable, a later non-violation measurement with the digest and PCR "
       "of a record deleted in this kernel returns EEXIST and is not appended.",
       "Sassu 2025-12-05 (no way to keep the hash table)", removal, kDedupeDeleted, without_flush},
      {"P4b", "Dedupe of current records under flush",
       "With ima_flush_htable, a duplicate of a record still in L (hashed in this kernel) is "
       "rejected. Not applicable to a version without the ima_flush_htable option, where a "
       "holds would say nothing.",
       "v7 documentation: duplicates of the current list are still avoided",
       removal_with_flush_option, kDedupeCurrent, with_flush},
      {"P5", "Memory safety",
       "No object reachable from H, L, S or a reader is freed; objects unlinked from an RCU "
       "structure are freed only after a grace period; no never-linked node is unlinked.",
       "Sassu 2026-01-07 (Chen v3: free while in the hash table); Sassu 2026-04-07 (v5 UAF)",
       everywhere, kMemorySafety},
      {"P6", "Memory release",
       "After a removal the memory kept per removed record is qe, entry and digests if they "
       "stay in H for dedupe, and nothing otherwise; nothing is left unreachable.",
       "Sassu 2025-12-05 (qe/entry never freed)", everywhere, kMemoryRelease},
      {"P7", "Counters",
       "At quiescent points runtime_measurements_count = |L|, the size used for kexec "
       "equals the serialised size of S ++ L, and violations never decreases by removal.",
       "Zohar 2025-12-15, 2026-05-20/21; Sassu 2026-01-07, 2026-04-07", everywhere, kCounters},
      {"P8", "Exact trimmed total",
       "(Chen v4/v5) T equals the number of records deleted in this kernel.",
       "Lumen 2025-11-26, 2025-12-08", chen_total, kExactTrimmedTotal},
      {"P9", "No stale double trim",
       "A removal computed from a view of the list removes only records in that view: if two "
       "agents read the same list and both remove what they read, the second fails or is a "
       "no-op. A view is what a look showed: a read of the list its records, a quote "
       "everything measured so far, a read of T, the count or the MS start values the "
       "records then in the kernel. A removal by a process that never looked is computed "
       "from no view and outside P9.",
       "Moore 2025-12-12; Sassu/Zohar 2025-12-17; Chen 2026-01-28; Sassu 2026-01-29", removal,
       kNoStaleTrim},
      {"P9b", "Multi-agent visibility",
       "A removal by one agent never removes records that another reading agent has not "
       "read yet.",
       "Sassu 2026-04-07; v7 documentation (coordination is necessary)", removal, kMultiAgent},
      {"P10", "No violation whitewashing",
       "After a removal no kernel artifact (start values, counters, remaining list) presents "
       "a history containing violations as violation-free; violations is unchanged by "
       "removal. The next kernel's violations restarting at 0 after kexec is no removal: "
       "the baselines reset it too (spec 2.16); continuity of the counter across kexec "
       "would be a property of its own, applying to the baselines as well.",
       "Zohar 2025-11-20", removal, kNoWhitewashing},
      {"P11", "No kernel-held trust anchor",
       "The kernel stores no value a verifier is expected to trust as the replay start "
       "point.",
       "Sassu 2025-11-20, 2025-11-24", removal, kNoTrustAnchor},
      {"P12", "Quote-aligned trimming",
       "Given a TPM quote at point q, the agent's removal deletes exactly Full[..q] and "
       "everything after q stays readable from the kernel.",
       "Bottomley 2025-12-05/09; Chen 2026-03-26", removal, kQuoteAligned},
      {"P13", "Kexec metadata",
       "Trimming metadata needed to interpret the list (start values, trimmed total, staged "
       "list) survives kexec.",
       "Lumen 2025-12-08; Zohar 2025-12-15; Sassu 2026-04-07", removal, kKexecMetadata},
      {"P14", "Hash table after kexec", "After kexec the digests of all carried records are in H.",
       "Baseline restore (spec 4.6); Sassu 2026-01-07", everywhere, kHashAfterKexec},
      {"P15", "Open accounting",
       "For any interleaving of opens and closes (fork, fd passing, capability changes, "
       "exit) at most one write-mode open file exists outside the writer's task, a writer "
       "excludes readers, and users = 0 once every file is closed. A version without any "
       "open mediation is judged too: two writers open at once is what its users get.",
       "Sassu 2025-11-27, 2026-01-29, 2026-04-07", removal, kOpenAccounting},
      {"P16", "Privilege", "Every removal goes through a file opened with CAP_SYS_ADMIN.",
       "Sassu/Zohar 2025-12-17", removal, kPrivilege},
      {"P17", "Bounded hot-path lock",
       "A removal request holds ima_extend_list_mutex for work independent of |L| and N "
       "(frees excluded).",
       "Zohar 2025-12-15; Sassu 2025-12-11, 2026-03-27", removal, kLockHold},
      {"P18", "Concurrent appends",
       "A record appended after a request took its cut point is never removed by that "
       "request.",
       "Spec 2 (common shape); Chen 2026-03-26", removal, kConcurrentAppends},
      {"P19", "Kconfig gating",
       "A kernel can be built without the feature: with the feature's Kconfig option "
       "disabled, no file accepts a removal command. A version that has no option for its "
       "interface fails this: a kernel configured with every feature option off still "
       "removes records.",
       "Zohar 2025-12-15, 2026-05-21", removal, kKconfigGating, feature_off},
      {"P20", "Honest success",
       "A write returns success only if the requested removal happened as specified: no "
       "silent no-op, no partial removal.",
       "Sassu 2025-12-05; Zohar 2025-12-15", removal, kHonestSuccess},
      {"P21", "Input robustness",
       "Parsing reads only the bytes user space delivered (not past the written length, "
       "not where the buffer faulted) and maps malformed input to EINVAL, ERANGE or EFAULT; "
       "every other error is a documented state error.",
       "Zohar 2025-12-15 (kstrto*_from_user); Sassu 2026-04-07 (manual parsing)", removal,
       kInputRobustness},
      {"P22", "Replay fidelity",
       "(MS) The kernel's replay computes, for every record and bank, the value IMA "
       "extended into the TPM.",
       "Zohar 2025-11-20", ms_only, kReplayFidelity},
      {"P23", "Kexec sizing",
       "The segment size computed at kexec load is at least the bytes needed to serialise "
       "S ++ L as they stood at load time.",
       "Spec 2.8 (RFC v2 STAGED counter reset)", everywhere, kKexecSizing},
      {"B1", "List only grows", "L only grows; runtime_measurements_count = |L| = |Full|.",
       "Spec 4.7", baseline_only, kOnlyGrows},
      {"B2", "Unique digests",
       "No two non-violation records added in this kernel share (digest, pcr) in L.", "Spec 4.7",
       baseline_only, kUniqueDigests},
      {"B3", "PCR replay",
       "Every PCR equals the fold of extend over all records extended, across kexec.", "Spec 4.7",
       baseline_only, kPcrReplay},
      {"B4", "Violation counter",
       "violations counts the violation events of this kernel (not restored ones).", "Spec 4.7",
       baseline_only, kViolationCount},
      {"B5", "Readers never see a record disappear",
       "Successive reads of one fd never skip a record.", "Spec 4.7", baseline_only,
       kReaderContinuity},
  };
  return kAll;
}

} // namespace trimcheck::props
