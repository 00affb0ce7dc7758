// Roberto Sassu's "stage and delete" series (spec 2.7-2.16). Every difference between
// the seven versions is a field of `SassuTraits`; the table is in sassu_traits.cpp and
// the code in sassu_grammar.cpp (write parsing), sassu_queue.cpp (list operations, the
// steps of a write) and family_sassu.cpp (files, open mediation, reads, kexec).
#pragma once

#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/model/detail/user_copy.hpp"

#include <cstdint>

namespace trimcheck::model::detail::sassu {

// Where the per-bank staged files put the `_staged` suffix.
enum class StagedNames : std::uint8_t {
  staged_then_algo, // ascii_runtime_measurements_staged_sha1 (RFC v1, RFC v2)
  algo_then_staged, // ascii_runtime_measurements_sha1_staged (v3 on)
};

// The interface a command is accepted on (spec 2.14); on the other one it is EINVAL.
enum class Iface : std::uint8_t { live, staged };

// Open mediation of the list files.
enum class WriterRule : std::uint8_t {
  single_writer,    // ima_measure_users: one writer or many readers (RFC v1 .. v5)
  same_task_writer, // + measure_writer: the writer task may open more writers (v6, v7)
};

// read(2) of a staged file while nothing is staged.
enum class EmptyStagedRead : std::uint8_t { enoent, eof };

// Accepted values of the numeric command after kstrtoul.
enum class NumberRule : std::uint8_t {
  any,                 // RFC v1: no check; ULONG_MAX means all, 0 fails the walk (ENOENT)
  one_to_long_max,     // RFC v2: 0 or > LONG_MAX -> EINVAL; LONG_MAX means all
  one_below_ulong_max, // v3: ULONG_MAX -> ERANGE, 0 -> EINVAL
  at_least_one,        // v4 on: 0 -> EINVAL
};

// Whether "<N>" is refused when ima_flush_htable is in effect, and when.
enum class FlushForbidsN : std::uint8_t {
  no,                  // RFC v1, RFC v2: staging N unlinks the staged records instead
  after_number_checks, // v3: the check is in ima_queue_delete_staged()
  before_parsing,      // v4 on: checked in the write handler before kstrtoul
};

// What "<N>" does.
enum class NCommand : std::uint8_t {
  stage_prefix,                 // RFC v1, RFC v2: move the first N records of L to S
  delete_staged_prefix,         // v3: delete the first N of S, the rest back to L's head
  stage_all_then_delete_prefix, // v4: implicit A, then as v3
  delete_live_prefix,           // v5 on: delete the first N records of L directly
};

// What "D" does.
enum class DCommand : std::uint8_t {
  delete_all,        // detach S, delete it (RFC v1, RFC v2, v4 on)
  delete_prefix_all, // v3: ima_queue_delete_staged(ULONG_MAX), the N code path on all of S
};

// How ima_flush_htable removes the digests of deleted records from H.
enum class FlushPolicy : std::uint8_t {
  unlink_at_stage,           // RFC v1: hlist_del when staging, free at D without a grace period
  unlink_at_stage_then_sync, // RFC v2: hlist_del when staging, synchronize_rcu after unlock
  replace_table_at_delete,   // v3 on: D swaps in a blank table, synchronize_rcu, free
};

// Meaning of the BINARY_STAGED counters (Counters::staged_len / staged_size).
enum class StagedCounter : std::uint8_t {
  none,            // RFC v1: no such counter
  list_and_staged, // RFC v2, v3: |L| + |S|
  staged_only,     // v4 on: |S|
};

// binary_runtime_size the kexec segment is sized from at load.
enum class KexecSizing : std::uint8_t {
  list,             // RFC v1: binary_runtime_size (L)
  staged_counter,   // RFC v2, v3: [BINARY_STAGED] (= |L| + |S|)
  list_plus_staged, // v4 on: [BINARY] + [BINARY_STAGED]
};

// How a removal learns that a kexec dump already carried the records.
enum class StaleGuard : std::uint8_t {
  none,             // RFC v1 .. v3: not detected
  staged_prepended, // v4: D and N -> ESTALE if the dump carried a non-empty S
  copied_flags,     // v5: D -> ESTALE if S was dumped, N -> ESTALE if L was dumped
  suspended,        // v6, v7: after the reboot notifier A -> EACCES, D and N -> ESTALE
};

struct SassuTraits {
  // Files (spec 2.7, 2.9-2.13).
  StagedNames staged_names;
  bool staging_kconfig;       // staged files exist only with CONFIG_IMA_STAGING (2.10)
  std::uint16_t live_mode;    // binary/ascii_runtime_measurements_<algo> (2.11: 0660)
  bool live_writable;         // live files have a write method (2.11)
  WriterRule writer_rule;     // open mediation (2.7, 2.12, 2.13)
  EmptyStagedRead empty_read; // reading an empty staged file (2.7, 2.9)

  // Write grammar (2.7-2.14).
  bool ppos_checked;      // *ppos > 0 -> EINVAL (until v5; 2.12: ignored)
  bool copy_checked;      // a faulting copy_from_user -> EFAULT (2.8 on; RFC v1: `< 0`)
  bool newline_mandatory; // last byte must be '\n' (2.8 on); RFC v1: first '\n' cut
  unsigned number_base;   // kstrtoul base: 0 (RFC) or 10 (v3 on)
  NumberRule number_rule; // accepted N values
  FlushForbidsN flush_forbids_n;
  Iface a_iface;     // where "A" is accepted (2.14)
  Iface d_iface;     // where "D" is accepted
  Iface n_iface;     // where "<N>" is accepted
  bool trim_command; // "-<N>": trim N without staging (2.8)
  NCommand n_command;
  DCommand d_command;

  // Hash table and frees (2.7-2.13).
  FlushPolicy flush_policy;
  bool flush_ignored_with_disable_htable; // ima_flush_htable ignored (2.9 on)
  bool frees_entries_with_disable_htable; // DISABLE_HTABLE frees qe/entry/digests (2.10)

  // Counters and kexec (2.7-2.13, 2.16).
  StagedCounter staged_counter;
  KexecSizing kexec_sizing;
  bool dump_carries_staged; // the dump writes S before L (2.8 on; RFC v1 loses S)
  StaleGuard stale_guard;
};

const SassuTraits &traits(ProposalId id);

// ima_flush_htable as the version applies it (ignored with DISABLE_HTABLE from v3).
bool flush_active(const KernelConfig &config, const SassuTraits &traits);
// Whether deleted records lose qe/entry/digests too (else only the template data).
bool frees_entries(const KernelConfig &config, const SassuTraits &traits);

// ---- Write grammar (sassu_grammar.cpp) ----

inline constexpr std::int64_t kAll = -1; // request.n: every record of the list

// The decoded command of a write; stored in request.command.
enum class Op : std::uint8_t {
  stage,                        // A, RFC "<N>": stage the first n records of L
  trim,                         // RFC v2 "-<N>": remove the first n records of L
  delete_staged,                // D: delete all of S
  delete_staged_prefix,         // v3 "<N>" and "D": delete the first n of S, rest to L
  stage_all_then_delete_prefix, // v4 "<N>"
  delete_live_prefix,           // v5 on "<N>": delete the first n records of L
};

struct Parsed {
  std::int64_t error = 0; // -errno, or 0
  Op op = Op::stage;
  std::int64_t n = kAll;            // records, or kAll; values above INT64_MAX are clamped (no
                                    // list holds that many records, so the walk fails either way)
  bool read_past_user_data = false; // the parse read bytes user space did not deliver
};

// The write handler's checks and parsing up to the queue call. `ppos_nonzero`: the file
// position is past 0 (something was read and no seek back happened).
Parsed parse_write(const SassuTraits &traits, Iface iface, const UserCopy &input, bool ppos_nonzero,
                   bool flush);

// ---- Queue operations and write steps (sassu_queue.cpp) ----

void write_step(KernelState &state, Request &request);

} // namespace trimcheck::model::detail::sassu
