// The one place where versions differ: each family implements these hooks, and the
// version-specific choices inside a family are a table of traits in that family's file,
// each commented with the spec section it comes from.
#pragma once

#include "trimcheck/model/detail/kernel_ops.hpp"

namespace trimcheck::model::detail {

// What ima_measure_kexec_event reports as ima_binary_runtime_size and
// ima_runtime_measurements_count.
struct KexecEventValues {
  std::uint64_t runtime_size = 0;
  std::int64_t count = 0;
};

struct FamilyHooks {
  // The securityfs and configfs files of this version and configuration. A kexec boots the
  // same kernel with the same configuration: the next kernel keeps the table (shared).
  std::vector<FileSpec> (*files)(const KernelState &state);
  // Open mediation after DAC: 0 or -errno; may take a reader/writer slot.
  std::int64_t (*open)(KernelState &state, const Process &proc, OpenFile &file);
  // Release of an open file description by the task running the final fput.
  std::int64_t (*release)(KernelState &state, Pid closer, OpenFile &file);
  // Read of a non-list file (trim log, pcrs) or of the staged list: one step.
  Outcome (*read)(KernelState &state, Request &request);
  // Write: runs step request.pc; sets request.pc = -1 when the call returns
  // (request.result is then the return value).
  void (*write_step)(KernelState &state, Request &request);
  // Reboot notifiers before the dump: ima_reboot_notifier and friends.
  void (*reboot)(KernelState &state);
  // The records the dump walks (S ++ L for most staging versions).
  std::vector<NodeId> (*dump_order)(const KernelState &state);
  // binary_runtime_size used to size the kexec segment at load (spec 4.6, 2.16).
  std::uint64_t (*kexec_runtime_size)(const KernelState &state);
  // Value shown by runtime_measurements_count.
  std::int64_t (*shown_count)(const KernelState &state);
  // Counter updates when the list gets a record (add or restore).
  void (*count_append)(KernelState &state, std::size_t size);
  // Optional: runs in the dump step right after the records were written, e.g. to set
  // flags recording what the dump carried (Sassu v4/v5). Null: nothing.
  void (*after_dump)(KernelState &state) = nullptr;
  // Optional: the values of the kexec_load / kexec_execute critical data (Sassu reports
  // the FULL counters). Null: kexec_runtime_size and shown_count.
  KexecEventValues (*kexec_event_values)(const KernelState &state) = nullptr;
  // Optional: the version's own state at boot and after kexec (MS RFC: the configured
  // PCRs and their start values). Null: nothing.
  void (*boot)(KernelState &state) = nullptr;
};

// The buffer of the kexec_load / kexec_execute critical-data records (>= 6.15).
std::string kexec_event_buffer(const KernelState &state, std::size_t segment_size);

const FamilyHooks &baseline_hooks();
const FamilyHooks &ms_hooks();
// MS RFC (spec 2.1): the bytes of a write to pcrs whose targets the RFC's replay reaches
// after exactly the first `records` records of L from `start`, i.e. what user space that
// replays the list itself writes to trim that many records (`trimcheck prove` decoding).
Bytes ms_trim_command(const KernelState &state, std::size_t records);
const FamilyHooks &chen_hooks();
const FamilyHooks &sassu_hooks();
const FamilyHooks &hooks_for(ProposalId id);

// The tree a state's kernel runs on: its configured base, or the one its version was
// posted against. Throws std::invalid_argument for a baseline on another tree.
BaseTree base_tree(ProposalId id, BaseTree configured);
// Chen v3+: CONFIG_IMA_LOG_TRIMMING gates ima_trim_log (the Chen table's row).
bool chen_needs_log_trimming_kconfig(ProposalId id);
// Chen v2+: the ima_flush_htable boot option exists (the row uses it somewhere).
bool chen_has_flush_htable(ProposalId id);

// True from 6.14 on (reboot suspend).
bool has_suspend(ProposalId id, const KernelConfig &config);
// >= 6.15: kexec_load / kexec_execute critical-data records.
bool measures_kexec_events(ProposalId id, const KernelConfig &config);

// Defaults shared by families that keep the baseline behaviour for a hook.
std::int64_t no_mediation_open(KernelState &state, const Process &proc, OpenFile &file);
std::int64_t no_mediation_release(KernelState &state, Pid closer, OpenFile &file);
Outcome baseline_read(KernelState &state, Request &request);
void baseline_write_step(KernelState &state, Request &request);
void baseline_reboot(KernelState &state);
std::vector<NodeId> list_only(const KernelState &state);
std::uint64_t list_runtime_size(const KernelState &state);
std::int64_t htable_len_count(const KernelState &state);
void baseline_count_append(KernelState &state, std::size_t size);

// Reader/writer mediation of Chen v2+ and Sassu RFC v1..v5 (spec 2.3, 2.7):
// write-mode needs CAP_SYS_ADMIN (EPERM), a writer needs users == 0 (EBUSY), a reader
// needs users >= 0 (EBUSY); writer sets users = -1, readers increment.
std::int64_t shared_mediation_open(KernelState &state, const Process &proc, OpenFile &file);
std::int64_t shared_mediation_release(KernelState &state, Pid closer, OpenFile &file);
// The slot rules of shared_mediation_open for any file that joins the mediation (Chen
// v2+ ima_trim_log opened for writing, spec 2.3); release with shared_mediation_release.
std::int64_t claim_measure_slot(KernelState &state, const Process &proc, OpenFile &file);

} // namespace trimcheck::model::detail
