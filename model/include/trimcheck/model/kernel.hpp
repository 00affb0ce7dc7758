// The state of the modelled kernel and its user space: one value type, TLA+ style.
//
// State variables (spec section 2, "Common shape"):
//   nodes       kernel memory of the records of this boot, with the allocation state of
//               their four objects (qe, entry, digests, template data)
//   list, staged  L and S as sequences of nodes (head first)
//   hash        H: which nodes are linked in the hash table
//   counters    every counter any version keeps
//   pcrs        the TPM, never reset
//   files       the securityfs/configfs files of this version and configuration
//   procs, open_files  user space: processes, fds, open file descriptions
//   requests    the in-flight system calls (one per process) and the kexec in flight
//   ghost       Full, Del and what every kexec dump carried
//   events      memory-safety events (use after free, free without grace period, leak)
//
// Records are identified across kexec by a serial number given at first append; the
// content of a serial is immutable (`contents`, ids into the run's RecordTable).
#pragma once

#include "trimcheck/model/config.hpp"
#include "trimcheck/model/digest_memo.hpp"
#include "trimcheck/model/proposal.hpp"
#include "trimcheck/model/record.hpp"
#include "trimcheck/model/record_table.hpp"
#include "trimcheck/model/shared_vector.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace trimcheck::model {

using NodeId = std::uint32_t; // kernel memory of this boot
using Pid = std::uint32_t;    // 0 is the kernel (kexec); user processes start at 1
using OpenFileId = std::uint32_t;

// The four allocations of one record.
enum class Obj : std::uint8_t { qe, entry, digests, data };
inline constexpr Obj kAllObjs[] = {Obj::qe, Obj::entry, Obj::digests, Obj::data};
std::string_view obj_name(Obj obj);

struct Node {
  Serial serial = 0;
  std::array<bool, 4> freed{}; // indexed by Obj
  bool hashed = false;         // linked in H
  bool hnext_garbage = false;  // restored record: qe->hnext never initialised (spec 4.6)
  bool awaiting_grace = false; // unlinked from an RCU structure, no synchronize_rcu since
  bool leak_reported = false;
  bool freed_any() const { return freed[0] || freed[1] || freed[2] || freed[3]; }
  bool operator==(const Node &) const = default;
};

enum class MemEventKind : std::uint8_t {
  use_after_free,     // an object was read or written after kfree
  free_without_grace, // freed while an RCU reader may still hold it
  leak,               // unreachable from everything and not freed
  unlink_garbage,     // hlist_del_rcu on a node that was never linked (kernel crash)
  list_corruption,    // a list cut at a node no longer in that list (kernel crash)
};
std::string_view mem_event_name(MemEventKind kind);

struct MemEvent {
  MemEventKind kind;
  Serial serial;
  Obj object;
  std::string where;
  bool operator==(const MemEvent &) const = default;
};

// Whether the kernel's behaviour after such an event is undefined: it read or wrote freed
// memory (which may fault, or find the old bytes or someone else's) or corrupted a list
// (a crash). From the first such event on, a run's observations say nothing about the
// patch: conform compares nothing more, and only the memory properties judge the run.
// A leak or a free without a grace period leaves the kernel's answers defined.
bool leaves_kernel_undefined(MemEventKind kind);

enum class FileKind : std::uint8_t {
  list_binary,
  list_ascii,
  staged_binary,
  staged_ascii,
  count,      // runtime_measurements_count
  violations, // violations
  policy,
  trim_log,      // Chen: ima_trim_log
  ms_pcrs,       // MS RFC: /sys/kernel/config/ima/pcrs
  ms_pcrs_ascii, // MS RFC: /sys/kernel/config/ima/pcrs_ascii
};

struct FileSpec {
  std::string path; // relative to /sys/kernel/security/ima/ or absolute for configfs
  FileKind kind;
  std::size_t slot = 0; // digest slot for list files
  std::uint16_t mode = 0440;
  std::string link_to; // non-empty: a symlink to this path
  bool operator==(const FileSpec &) const = default;
};

enum class Access : std::uint8_t { read, write, read_write };
inline bool writes(Access access) {
  return access != Access::read;
}

struct OpenFile {
  std::size_t file = 0; // index into KernelState::files (symlinks resolved)
  Access access = Access::read;
  Pid opener = 0;
  std::uint64_t pos = 0; // seq_file *pos (record index) or byte offset
  Bytes pending;         // seq_file buffer not yet copied to user space
  std::vector<std::pair<Serial, std::size_t>> pending_records; // ghost: end offsets
  std::uint32_t refs = 0; // fds referring to this open file description
  bool counted = false;   // holds a reader/writer slot of the open mediation
  bool operator==(const OpenFile &) const = default;
};

struct Process {
  Pid pid = 0;
  bool alive = true;
  bool cap_sys_admin = true;
  std::vector<std::optional<OpenFileId>> fds;
  bool operator==(const Process &) const = default;
};

// One in-flight system call, advanced one atomic step at a time (spec section 2.15).
// `pc` is the next step; the other members are the request's local variables.
struct Request {
  enum class Kind : std::uint8_t { read, write, kexec_execute } kind = Kind::read;
  Pid pid = 0;
  int fd = -1;
  OpenFileId open_file = 0;
  std::size_t count = 0; // read size
  Bytes input;           // write buffer
  // The write's user buffer faults after this many bytes (Write::fault_after).
  std::optional<std::uint32_t> fault_after;
  // The write's parse read bytes user space did not deliver (detail/user_copy.hpp); set
  // by the step that parsed, reported in that step's Outcome and cleared.
  bool read_past_user_data = false;
  int pc = 0;
  std::int64_t n = 0;         // parsed request size
  std::int64_t result = 0;    // return value being built (>= 0) or -errno
  std::uint64_t sum = 0;      // bytes summed by a walk
  std::vector<NodeId> cut;    // records detached onto a private list
  std::optional<NodeId> mark; // remembered node (a walk's stop, a reader's cursor)
  int command = 0;            // family-specific decoded command
  bool operator==(const Request &) const = default;
};

struct Counters {
  std::int64_t htable_len = 0; // ima_htable.len / ima_num_entries[BINARY] / records[BINARY]
  std::int64_t violations = 0; // ima_htable.violations / ima_num_violations
  std::uint64_t bin_size = 0;  // binary_runtime_size (L, or [BINARY])
  std::int64_t staged_len = 0; // Sassu [BINARY_STAGED] (RFC v2/v3: |L|+|S|)
  std::uint64_t staged_size = 0;
  std::int64_t full_len = 0; // Sassu len_notrim / [BINARY_FULL]
  std::uint64_t full_size = 0;
  std::int64_t number_entries = 0; // Chen v5 ima_number_entries
  std::int64_t trimcount = 0;      // Chen trimcount (v4+: T)
  bool operator==(const Counters &) const = default;
};

// Trace of what happened to records across the run, for the properties.
struct Ghost {
  std::uint32_t boot = 0;
  std::vector<Serial> full;      // Full: appended in this kernel (incl. restored), in order
  std::vector<Serial> del;       // Del: removed from kernel memory, in removal order
  std::vector<Serial> last_dump; // records written by the last kexec dump
  bool last_dump_failed = false;
  bool operator==(const Ghost &) const = default;
};

struct KexecSegment {
  bool loaded = false;
  std::size_t size = 0; // page-aligned segment size fixed at load
  bool operator==(const KexecSegment &) const = default;
};

// MS RFC state (spec 2.1): start[bank][slot] for configured PCRs.
struct MsState {
  std::vector<std::uint32_t> configured_pcrs;
  std::vector<std::vector<Digest>> start; // [tpm bank][configured slot]
  bool operator==(const MsState &) const = default;
};

// Sassu v4/v5 state (spec 2.10, 2.11): what the kexec dump carried, set by the dump.
struct SassuState {
  bool staged_copied = false; // v4 ima_staged_measurements_prepended, v5 STAGED_COPIED
  bool list_copied = false;   // v5 IMA_MEASUREMENTS_COPIED
  bool operator==(const SassuState &) const = default;
};

struct KernelState {
  ProposalId proposal = ProposalId::baseline_6_12;
  KernelConfig config;

  RecordList contents;        // by Serial: ids into the run's record table (record_table.hpp)
  std::vector<Node> nodes;    // by NodeId
  std::vector<NodeId> list;   // L
  std::vector<NodeId> staged; // S
  Counters counters;
  PcrBanks pcrs;          // no bank until boot
  bool suspended = false; // ima_measurements_suspended (>= 6.14)
  KexecSegment kexec;
  MsState ms;
  SassuState sassu;

  // Open mediation (Chen v2+, Sassu): ima_measure_users and the v6/v7 writer task.
  std::int64_t users = 0;
  std::optional<Pid> measure_writer;
  std::int64_t writer_extra_writes = 0;

  SharedVector<FileSpec> files; // fixed at boot: copies share it
  std::vector<Process> procs;   // index = pid - 1
  std::vector<OpenFile> open_files;
  std::vector<Request> requests; // in flight, at most one per pid

  Ghost ghost;
  // List nodes visited while holding ima_extend_list_mutex by the most recent step of a
  // request (P17), set through detail::locked_visit and reset before every step: 0 for
  // an unlocked step or head-only pointer surgery (list_replace, splice, table swap), 1
  // for a cut at a remembered node, N for a walk or per-record loop over N records.
  std::uint64_t mutex_walk = 0;
  std::vector<MemEvent> events;
  static constexpr std::uint64_t kBootClockNs = 1'700'000'000'000'000'000;
  std::uint64_t clock_ns = kBootClockNs; // for critical-data timestamps
  std::uint32_t clock_reads = 0; // readings recorded in critical data (index into wall_clock)

  // Record digests already computed (digest_memo.hpp): not state, shared by copies.
  SharedDigestMemo digest_memo;

  bool operator==(const KernelState &) const = default;
};

// The run's first event after which the kernel is undefined (leaves_kernel_undefined), or
// nullptr.
const MemEvent *first_undefined_event(const KernelState &state);

} // namespace trimcheck::model
