// Steven Chen's "trim N entries" series, v1-v5 (spec 2.2-2.6). Every difference between
// the versions is a field of `ChenTraits`, one row per version in chen_traits.cpp; the
// hooks in family_chen.cpp read the row of state.proposal, the grammar is in
// chen_grammar.cpp, and prove's symbolic encoding reads the same rows.
#pragma once

#include "trimcheck/model/proposal.hpp"

#include <cstdint>

namespace trimcheck::model::detail::chen {

// The byte-level grammars of a write(2) to ima_trim_log (chen_grammar.cpp).
enum class ChenGrammar : std::uint8_t {
  digits_only,    // v1/v2 (2.2, 2.3): 2..11 bytes, each '0'..'9'; copy not checked
  kstrtol_base10, // v3 (2.4): 2..11 bytes, kstrtol_from_user(..., 10, ...): EFAULT
  total_colon_n,  // v4/v5 (2.5, 2.6): "T:N", 2..32 bytes, T must equal trimcount; EFAULT,
                  // the copy is not NUL-terminated
};

enum class OpenRule : std::uint8_t {
  cap_only,    // v1 (2.2): CAP_SYS_ADMIN for any mode, no slot
  writer_slot, // v2+ (2.3): read-only not counted, write-mode is the single writer
};
enum class Shortfall : std::uint8_t {
  trim_what_exists, // v1 (2.2): fewer than N records -> remove them all
  enoent,           // v2+ (2.3-2.6): N > records -> ENOENT, nothing removed
};
enum class Steps : std::uint8_t {
  one_locked_step,      // v1 (2.15 C1): purge N under the mutexes, frees inside
  locked_cut_then_free, // v2-v4 (2.15 C2-C4): walk + cut locked, frees unlocked
  prewalk_cut_free,     // v5 (2.15 C5): lockless pre-walk, O(1) cut, frees unlocked
};
// What the locked section walks (2.15, P17), as counted by locked_visit.
enum class LockedWalk : std::uint8_t {
  walk_to_nth, // v1/v2 (2.2, 2.3): list_for_each_entry to the N-th record before any
               // check, so min(N, |L|) nodes, also when v2 then fails with ENOENT
  walk_all,    // v3/v4 (2.4, 2.5): counter checked first; N == |L| is a list_replace,
               // else the first N and then the rest summing sizes: |L| nodes
  one_cut,     // v5 (2.6): the walk is outside; one cut at the remembered record
};
enum class HashUnlink : std::uint8_t {
  unlink_unless_disabled, // v1 (2.2): always, unless CONFIG_IMA_DISABLE_HTABLE
  unlink_if_flush,        // v2-v4 (2.3-2.5): only with ima_flush_htable
  unlink_never,           // v5 (2.6): "do not clean the hash table"
};
enum class Grace : std::uint8_t {
  no_grace,       // v1/v2 (2.2, 2.3): no synchronize_rcu
  grace_if_flush, // v3-v5 (2.4-2.6): synchronize_rcu before the frees with ima_flush_htable
};
enum class FreeRest : std::uint8_t { // qe, entry, digests; template data is always freed
  rest_never,                        // v1 (2.2): leaked
  rest_if_flush, // v2, v4, v5 (2.3, 2.5, 2.6): freed with ima_flush_htable, else kept in H
  rest_always,   // v3 (2.4): freed even while still linked in H
};
enum class EntriesCounter : std::uint8_t {
  htable_len,     // v1-v4: ima_htable.len drops by the records removed
  number_entries, // v5 (2.6): ima_number_entries; ima_htable.len never decremented
};
enum class SizeUpdate : std::uint8_t {
  size_unchanged,            // v1/v2 (2.2, 2.3): binary_runtime_size not reduced
  size_sum_of_rest,          // v3/v4 (2.4, 2.5): recomputed over the records left (0 if none)
  size_minus_cut_unless_all, // v5 (2.6): minus the pre-walk sum, untouched when L is emptied
};
enum class TrimcountRule : std::uint8_t {
  last_trim, // v1-v3 (2.2-2.4): records removed by the last write (N = 0 resets it)
  total,     // v4/v5 (2.5, 2.6): T, records removed since boot
};
enum class CriticalData : std::uint8_t {
  no_event,           // v1 (2.2)
  event_this_time,    // v2 (2.3): "time=<ns>; log trim this time=<N>;"
  event_removed,      // v3 (2.4): "time= <ns>; number= <N>;"
  event_total_after,  // v4 (2.5): number= T after this trim
  event_total_before, // v5 (2.6): measured before trimcount += N
};

struct ChenTraits {
  ProposalId id;
  bool needs_log_trimming_kconfig; // 2.4: CONFIG_IMA_LOG_TRIMMING gates ima_trim_log (v3+)
  OpenRule open_rule;              // 2.2 / 2.3
  bool mediates_list_files;        // 2.3: v2+ list files join the reader/writer slots
  ChenGrammar grammar;             // 2.2-2.6, chen_grammar.cpp
  Shortfall shortfall;             // 2.2 / 2.3
  Steps steps;                     // 2.15
  LockedWalk locked_walk;          // 2.15, P17
  HashUnlink hash_unlink;          // 2.2-2.6
  Grace grace;                     // 2.2-2.6
  FreeRest free_rest;              // 2.2-2.6
  EntriesCounter entries_counter;  // 2.6; also what runtime_measurements_count shows
  SizeUpdate size_update;          // 2.2-2.6
  TrimcountRule trimcount_rule;    // 2.2-2.6
  CriticalData critical_data;      // 2.3-2.6
};

// Every enumerator above by its own name, for the table and the hooks
// (`using namespace chen::enumerators;`).
namespace enumerators {
using enum ChenGrammar;
using enum OpenRule;
using enum Shortfall;
using enum Steps;
using enum LockedWalk;
using enum HashUnlink;
using enum Grace;
using enum FreeRest;
using enum EntriesCounter;
using enum SizeUpdate;
using enum TrimcountRule;
using enum CriticalData;
} // namespace enumerators

// The row of a Chen version; throws std::logic_error for any other version.
const ChenTraits &traits(ProposalId id);

} // namespace trimcheck::model::detail::chen
