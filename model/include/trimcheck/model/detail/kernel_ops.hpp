// Kernel primitives shared by every version: list append, hash table, object lifetimes,
// seq_file rendering and the kexec dump/restore. Versions differ only in how they
// combine these (see detail/family.hpp); each primitive is the baseline behaviour of
// spec section 4.
#pragma once

#include "trimcheck/model/kernel.hpp"
#include "trimcheck/model/machine.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace trimcheck::model::detail {

inline constexpr int kEPERM = 1, kENOENT = 2, kEIO = 5, kEBADF = 9, kENOMEM = 12, kEACCES = 13,
                     kEFAULT = 14, kEBUSY = 16, kEEXIST = 17, kENODEV = 19, kEINVAL = 22,
                     kENFILE = 23, kERANGE = 34, kEOPNOTSUPP = 95, kESTALE = 116;

// The write returns `result` (a byte count or -errno) and has no further step
// (FamilyHooks::write_step); every family ends its writes here.
inline void finish(Request &request, std::int64_t result) {
  request.result = result;
  request.pc = -1;
}
// The write returns success having consumed the whole buffer.
inline void succeed(Request &request) {
  finish(request, static_cast<std::int64_t>(request.input.size()));
}

// The start of a DigestMemo key for a record this kernel makes: `kind`, a byte that keeps
// the kinds of key apart ('R' is DigestMemo::record's), then the configuration's inputs to
// a record: the measured PCR, the template, the file hash and the bank layout's slots. The
// caller appends the rest of the inputs.
MemoKey record_key(char kind, const KernelConfig &config);
// The record `make()` makes, kept in the run's record table under `key`.
template <typename Make>
RecordId interned_record(const KernelState &state, std::string_view key, Make &&make) {
  return state.contents.table().intern(key, make);
}

// The boot_aggregate record of this kernel's boot (from the record table: keyed by the
// configuration and PCRs 0-9 of every bank, which are all that boot_aggregate reads).
RecordId boot_aggregate_record(const KernelState &state);

// A record in this kernel's bank layout, its digests looked up in the state's memo.
RecordId new_record(const KernelState &state, std::uint32_t pcr, TemplateData data,
                    bool violation = false);

// ima_add_template_entry (spec 4.2): 0 or -errno. Appends to L, inserts into H unless
// CONFIG_IMA_DISABLE_HTABLE, extends every bank. `restore` is
// ima_restore_measurement_entry: no suspend or dedupe check, not in H, no extend.
std::int64_t add_record(KernelState &state, RecordId record, bool restore = false);
// The same record as a measurement: violations bump the counter first (spec 4.3).
std::int64_t measure(KernelState &state, RecordId record);
// Critical-data record (func=CRITICAL_DATA, ima-buf) if the policy measures it.
void measure_critical_data(KernelState &state, std::string_view event, std::string_view buffer);

const Record &content(const KernelState &state, NodeId node);
std::size_t record_size(const KernelState &state, NodeId node); // binary_runtime_size share

// Object lifetimes (P5/P6). `touch` records a use after free; `release_obj` a free of an
// object still awaiting a grace period, and marks it freed.
void touch(KernelState &state, NodeId node, Obj obj, std::string_view where);
void release_obj(KernelState &state, NodeId node, Obj obj, std::string_view where);
void release_all(KernelState &state, NodeId node, std::string_view where);
void release_data(KernelState &state, NodeId node, std::string_view where);
// H is the kernel's buckets (ima_hash_key). A walk or a link that reaches a freed queue
// entry is a use after free; the model does not guess what the freed memory answers.
// hlist_del_rcu from H (touches both bucket neighbours); a restored node was never
// linked: unlink_garbage.
void unlink_hash(KernelState &state, NodeId node, std::string_view where);
// H lookup of (digest[ima_hash], pcr): walks the bucket newest first, touching every node
// it passes, and stops at the first match or at the first freed node (no match).
bool hash_lookup(KernelState &state, const Record &record);
void synchronize_rcu(KernelState &state);
// Records every node that nothing references but that still holds memory (leak).
// Into `referenced` (one flag per node, all false on entry): the nodes the kernel still
// reaches, through L, S or an in-flight request's cut and mark. What check_leaks reports
// when unreachable, and what the state's identity keeps.
template <typename Flags> void mark_referenced_nodes(const KernelState &state, Flags &referenced) {
  for (NodeId id : state.list)
    referenced[id] = true;
  for (NodeId id : state.staged)
    referenced[id] = true;
  for (const Request &request : state.requests) {
    for (NodeId id : request.cut)
      referenced[id] = true;
    if (request.mark)
      referenced[*request.mark] = true;
  }
}
void check_leaks(KernelState &state);
// Ghost: records removed from kernel memory (the list the user can read), in order.
void record_deleted(KernelState &state, std::span<const NodeId> nodes);
// P17: the current step visits `nodes` list nodes one by one while it holds
// ima_extend_list_mutex (a walk, or a per-record unlink/free loop). Adds to
// KernelState::mutex_walk, which the scheduler resets before every step. Pointer
// surgery at list heads (list_replace, splicing a whole list, swapping the hash table)
// visits no node; a cut at a remembered node visits that one node.
void locked_visit(KernelState &state, std::uint64_t nodes);

// The bytes a list file shows for one node, appended to `out`, touching its template data.
void render(KernelState &state, NodeId node, FileKind kind, std::size_t slot,
            std::string_view where, Bytes &out);

// seq_file read over `records` (spec 4.5 / 2.15): pending bytes first, otherwise
// records from *pos until the user's count or one buffer is filled.
Outcome seq_read(KernelState &state, OpenFile &file, std::span<const NodeId> records,
                 std::size_t count);
// simple_read_from_buffer over a fixed text.
Outcome text_read(OpenFile &file, std::string_view text, std::size_t count);

// Kexec (spec 4.6): segment size at load, dump at execute, restore in the next kernel.
std::size_t kexec_segment_size(const KernelConfig &config, std::uint64_t runtime_size);
// Serialises `records` into the segment; returns the serials written in full and
// whether the dump overflowed (the overflowing record is then written in part).
struct DumpResult {
  Bytes segment;
  std::vector<Serial> complete;
  bool overflowed = false;
};
DumpResult dump_records(KernelState &state, std::span<const NodeId> records);
// The next kernel: fresh memory, counters, H; restores the complete records of the dump.
void boot_next_kernel(KernelState &state, const DumpResult &dump);

// ima_measurements_show/_ascii_show kind helpers.
bool is_list_file(FileKind kind);
bool is_staged_file(FileKind kind);
bool is_binary_file(FileKind kind);

// Files every version has (spec 4.5): per slot binary/ascii lists, symlinks,
// runtime_measurements_count, violations, policy.
std::vector<FileSpec> baseline_files(const KernelConfig &config, std::uint16_t list_mode);
std::string slot_file_suffix(const DigestSlot &slot);

} // namespace trimcheck::model::detail
