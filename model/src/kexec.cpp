// The next kernel after kexec (spec 4.6): fresh memory, counters, hash table and user
// space; the TPM keeps its PCRs; the dumped records are restored from the segment.
#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/model/list_format.hpp"

#include <algorithm>

namespace trimcheck::model::detail {
namespace {

// Records of the segment body that parse completely, in order: restore stops at the
// first malformed record (a record cut short by an overflowing dump).
std::vector<ListEntry> parse_segment(const Bytes &segment, std::uint64_t count) {
  constexpr std::size_t kHeader = 24;
  std::span<const std::uint8_t> body(segment);
  body = body.subspan(std::min(kHeader, body.size()));
  std::vector<ListEntry> entries = parse_binary_prefix(body, digest_size(HashAlgo::sha1)).entries;
  if (entries.size() > count)
    entries.resize(count);
  // ima_restore_measurement_list refuses the legacy `ima` template ("attempting to
  // restore an unsupported template"; found by conform on 6.12 booted with
  // ima_template=ima) and a template name of 70 bytes or more (MAX_TEMPLATE_NAME_LEN, a
  // long custom format), and stops there: nothing from that record on is carried.
  constexpr std::size_t kMaxRestoredNameLen = 69;
  const auto legacy = std::find_if(entries.begin(), entries.end(), [](const ListEntry &entry) {
    return entry.data.kind == TemplateKind::ima ||
           template_name(entry.data).size() > kMaxRestoredNameLen;
  });
  entries.erase(legacy, entries.end());
  return entries;
}

} // namespace

void boot_next_kernel(KernelState &state, const DumpResult &dump) {
  KernelState next;
  next.proposal = state.proposal;
  next.config = state.config;
  next.digest_memo = state.digest_memo;
  next.contents = std::move(state.contents);
  next.pcrs = std::move(state.pcrs);
  next.events = std::move(state.events);
  next.clock_ns = state.clock_ns + 1'000'000'000;
  next.clock_reads = state.clock_reads;
  next.ghost.boot = state.ghost.boot + 1;
  next.ghost.last_dump = dump.complete;
  next.ghost.last_dump_failed = dump.overflowed;
  const FamilyHooks &hooks = hooks_for(next.proposal);
  next.files = state.files; // the same kernel and configuration: the same files
  if (hooks.boot != nullptr)
    hooks.boot(next);
  next.procs.push_back(Process{1, true, true, {}});

  std::uint64_t count = 0;
  for (int i = 0; i < 8 && 16 + i < static_cast<int>(dump.segment.size()); ++i)
    count |= static_cast<std::uint64_t>(dump.segment[16 + i]) << (8 * i);
  const std::vector<ListEntry> entries = parse_segment(dump.segment, count);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ListEntry &entry = entries[i];
    const bool zero = std::all_of(entry.template_digest.begin(), entry.template_digest.end(),
                                  [](std::uint8_t b) { return b == 0; });
    const RecordId restored = new_record(next, entry.pcr, entry.data, zero);
    // Keep the record's identity when the restored content equals what was dumped.
    Serial serial = i < dump.complete.size() && next.contents.id(dump.complete[i]) == restored
                        ? dump.complete[i]
                        : static_cast<Serial>(next.contents.size());
    if (serial == next.contents.size())
      next.contents.push_back(restored);
    Node node;
    node.serial = serial;
    node.hnext_garbage = true; // ima_restore_measurement_entry: not in H, hnext garbage
    if (next.config.test_wrong_restore_hashed) { // deliberately wrong model, tests only
      node.hashed = true;
      node.hnext_garbage = false;
    }
    next.nodes.push_back(node);
    next.list.push_back(static_cast<NodeId>(next.nodes.size() - 1));
    hooks.count_append(next, binary_runtime_size(next.contents.table()[restored]));
    next.ghost.full.push_back(serial);
  }
  measure(next, boot_aggregate_record(next));
  state = std::move(next);
}

} // namespace trimcheck::model::detail
