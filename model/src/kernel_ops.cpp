#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/model/list_format.hpp"

#include <algorithm>

#include <boost/container/small_vector.hpp>

namespace trimcheck::model::detail {
namespace {

std::size_t obj_index(Obj obj) {
  return static_cast<std::size_t>(obj);
}

void emit(KernelState &state, MemEventKind kind, NodeId node, Obj obj, std::string_view where) {
  state.events.push_back({kind, state.nodes.at(node).serial, obj, std::string(where)});
}

} // namespace

const Record &content(const KernelState &state, NodeId node) {
  return state.contents.at(state.nodes.at(node).serial);
}

std::size_t record_size(const KernelState &state, NodeId node) {
  return binary_runtime_size(content(state, node));
}

void touch(KernelState &state, NodeId node, Obj obj, std::string_view where) {
  if (state.nodes.at(node).freed[obj_index(obj)])
    emit(state, MemEventKind::use_after_free, node, obj, where);
}

void release_obj(KernelState &state, NodeId node, Obj obj, std::string_view where) {
  Node &n = state.nodes.at(node);
  if (n.freed[obj_index(obj)]) {
    emit(state, MemEventKind::use_after_free, node, obj, std::string(where) + " (double free)");
    return;
  }
  if (n.awaiting_grace)
    emit(state, MemEventKind::free_without_grace, node, obj, where);
  n.freed[obj_index(obj)] = true;
}

void release_all(KernelState &state, NodeId node, std::string_view where) {
  for (Obj obj : kAllObjs)
    if (!state.nodes.at(node).freed[obj_index(obj)])
      release_obj(state, node, obj, where);
}

void release_data(KernelState &state, NodeId node, std::string_view where) {
  if (!state.nodes.at(node).freed[obj_index(Obj::data)])
    release_obj(state, node, Obj::data, where);
}

namespace {

constexpr std::uint32_t kHashBuckets = 1024; // IMA_MEASURE_HTABLE_SIZE (IMA_HASH_BITS 10)

// ima_hash_key(): the first two bytes of the ima_hash template digest, modulo the table's
// buckets. Every violation (all-zero digest) is in bucket 0.
// `slot` is the layout's ima_hash slot (BankLayout::ima_hash_slot).
std::uint32_t hash_key(const Record &record, std::size_t slot) {
  const Digest &digest = record.digests.at(slot);
  return (digest.at(0) | (static_cast<std::uint32_t>(digest.at(1)) << 8)) % kHashBuckets;
}
std::uint32_t hash_key(const KernelState &state, const Record &record) {
  return hash_key(record, state.config.banks.ima_hash_slot());
}

// The nodes of one bucket in the order a walk visits them: hlist_add_head_rcu links a
// new node at the head, and a node is hashed only when it is appended, so the chain is
// the bucket's hashed nodes, newest first.
std::vector<NodeId> bucket_chain(const KernelState &state, std::uint32_t key) {
  std::vector<NodeId> chain;
  const std::size_t slot = state.config.banks.ima_hash_slot();
  for (NodeId id = static_cast<NodeId>(state.nodes.size()); id-- > 0;) {
    const Node &n = state.nodes[id];
    if (n.hashed && hash_key(state.contents.at(n.serial), slot) == key)
      chain.push_back(id);
  }
  return chain;
}

// hlist_add_head_rcu(): the new node's next is the bucket's first node, whose pprev link
// is written.
void link_hash(KernelState &state, NodeId node) {
  const std::vector<NodeId> chain = bucket_chain(state, hash_key(state, content(state, node)));
  if (!chain.empty())
    touch(state, chain.front(), Obj::qe, "hlist_add_head_rcu (ima_add_digest_entry)");
  state.nodes.at(node).hashed = true;
}

} // namespace

void unlink_hash(KernelState &state, NodeId node, std::string_view where) {
  Node &n = state.nodes.at(node);
  if (n.hnext_garbage) {
    emit(state, MemEventKind::unlink_garbage, node, Obj::qe, where);
    return;
  }
  if (!n.hashed)
    return; // hlist_del_rcu on an unhashed node is a no-op
  // hlist_del_rcu writes the newer neighbour's next link (or the bucket head) and the
  // older neighbour's pprev link, and poisons the node's own pprev.
  const std::vector<NodeId> chain = bucket_chain(state, hash_key(state, content(state, node)));
  const auto at = std::find(chain.begin(), chain.end(), node);
  touch(state, node, Obj::qe, where);
  if (at != chain.begin())
    touch(state, *(at - 1), Obj::qe, where);
  if (at + 1 != chain.end())
    touch(state, *(at + 1), Obj::qe, where);
  state.nodes.at(node).hashed = false;
  state.nodes.at(node).awaiting_grace = true;
}

bool hash_lookup(KernelState &state, const Record &record) {
  const std::size_t slot = state.config.banks.ima_hash_slot();
  constexpr std::string_view kWhere = "ima_lookup_digest_entry";
  for (NodeId id : bucket_chain(state, hash_key(state, record))) {
    // The walk reads qe->hnext and qe->entry, then the entry's digest and pcr.
    touch(state, id, Obj::qe, kWhere);
    touch(state, id, Obj::entry, kWhere);
    touch(state, id, Obj::digests, kWhere);
    const Node &n = state.nodes[id];
    if (n.freed[obj_index(Obj::qe)] || n.freed[obj_index(Obj::entry)] ||
        n.freed[obj_index(Obj::digests)])
      return false; // freed memory: what the kernel finds there is undefined (the event says
                    // so); the model answers no duplicate rather than a dedupe it cannot know
    const Record &other = state.contents.at(n.serial);
    if (other.digests.at(slot) == record.digests.at(slot) && other.pcr == record.pcr)
      return true; // the walk stops at the first match
  }
  return false;
}

void synchronize_rcu(KernelState &state) {
  for (Node &n : state.nodes)
    n.awaiting_grace = false;
}

void check_leaks(KernelState &state) {
  // Checked after every step: on the stack for the node counts of most runs.
  boost::container::small_vector<bool, 256> referenced(state.nodes.size(), false);
  mark_referenced_nodes(state, referenced);
  for (NodeId id = 0; id < state.nodes.size(); ++id) {
    Node &n = state.nodes[id];
    if (referenced[id] || n.leak_reported)
      continue;
    // A removed record that stays in H keeps qe/entry/digests on purpose (dedupe, spec
    // P6); its template data must go. A removed record not in H must be freed entirely.
    std::optional<Obj> kept;
    for (Obj obj : kAllObjs)
      if (!n.freed[obj_index(obj)] && (!n.hashed || obj == Obj::data)) {
        kept = obj;
        break;
      }
    if (kept) {
      n.leak_reported = true;
      emit(state, MemEventKind::leak, id, *kept, "unreachable after removal");
    }
  }
}

void record_deleted(KernelState &state, std::span<const NodeId> nodes) {
  for (NodeId id : nodes)
    state.ghost.del.push_back(state.nodes.at(id).serial);
}

void locked_visit(KernelState &state, std::uint64_t nodes) {
  state.mutex_walk += nodes;
}

bool is_list_file(FileKind kind) {
  return kind == FileKind::list_binary || kind == FileKind::list_ascii ||
         kind == FileKind::staged_binary || kind == FileKind::staged_ascii;
}
bool is_staged_file(FileKind kind) {
  return kind == FileKind::staged_binary || kind == FileKind::staged_ascii;
}
bool is_binary_file(FileKind kind) {
  return kind == FileKind::list_binary || kind == FileKind::staged_binary;
}

void render(KernelState &state, NodeId node, FileKind kind, std::size_t slot,
            std::string_view where, Bytes &out) {
  touch(state, node, Obj::entry, where);
  touch(state, node, Obj::digests, where);
  touch(state, node, Obj::data, where);
  if (is_binary_file(kind))
    append_binary(out, content(state, node), slot);
  else
    append_ascii(out, content(state, node), slot);
}

Outcome seq_read(KernelState &state, OpenFile &file, std::span<const NodeId> records,
                 std::size_t count) {
  Outcome out;
  auto deliver = [&](std::size_t n) {
    out.data.insert(out.data.end(), file.pending.begin(),
                    file.pending.begin() + static_cast<std::ptrdiff_t>(n));
    file.pending.erase(file.pending.begin(), file.pending.begin() + static_cast<std::ptrdiff_t>(n));
    std::size_t kept = 0; // records not delivered in full, moved to the front
    for (auto [serial, end] : file.pending_records) {
      if (end <= n)
        out.delivered.push_back(serial);
      else
        file.pending_records[kept++] = {serial, end - n};
    }
    file.pending_records.resize(kept);
  };
  if (count == 0)
    return out;
  if (!file.pending.empty()) {
    std::size_t n = std::min(count, file.pending.size());
    deliver(n);
    count -= n;
    if (!file.pending.empty()) {
      out.ret = static_cast<std::int64_t>(out.data.size());
      return out;
    }
  }
  // start(): walk from the head to *pos; then show records while the user wants more
  // and the buffer (one page, grown to fit a single large record) has room.
  const FileSpec &spec = state.files.at(file.file);
  std::size_t buffer_size = kPageSize;
  bool first = true;
  while (file.pos < records.size()) {
    NodeId node = records[file.pos];
    // Shown at the end of the buffer, and taken back if it does not fit.
    const std::size_t before = file.pending.size();
    render(state, node, spec.kind, spec.slot, "seq_file show", file.pending);
    const std::size_t shown = file.pending.size() - before;
    if (first) {
      while (shown > buffer_size)
        buffer_size *= 2;
    } else if (before >= count || before + shown > buffer_size) {
      file.pending.resize(before);
      break;
    }
    file.pending_records.push_back({state.nodes.at(node).serial, file.pending.size()});
    ++file.pos;
    first = false;
  }
  deliver(std::min(count, file.pending.size()));
  out.ret = static_cast<std::int64_t>(out.data.size());
  return out;
}

Outcome text_read(OpenFile &file, std::string_view text, std::size_t count) {
  Outcome out;
  if (file.pos < text.size()) {
    std::size_t n = std::min<std::size_t>(count, text.size() - file.pos);
    out.data = to_bytes(text.substr(file.pos, n));
    file.pos += n;
  }
  out.ret = static_cast<std::int64_t>(out.data.size());
  return out;
}

std::int64_t add_record(KernelState &state, RecordId record_id, bool restore) {
  const Record &record = state.contents.table()[record_id];
  const FamilyHooks &hooks = hooks_for(state.proposal);
  if (!restore && has_suspend(state.proposal, state.config) && state.suspended)
    return -kENODEV; // spec 4.2 step 1
  if (!restore && !record.violation && !state.config.disable_htable && hash_lookup(state, record))
    return -kEEXIST; // spec 4.2 step 2
  const Serial serial = static_cast<Serial>(state.contents.size());
  const std::size_t size = binary_runtime_size(record);
  if (!restore) // step 4: extend every allocated bank (restore extends nothing)
    for (std::size_t bank = 0; bank < state.config.banks.tpm_banks.size(); ++bank)
      state.pcrs.extend(bank, record.pcr, extend_value(state.config.banks, bank, record),
                        state.digest_memo.get());
  state.contents.push_back(record_id);
  Node node;
  node.serial = serial;
  node.hnext_garbage = restore; // restored: qe->hnext never initialised (spec 4.6)
  state.nodes.push_back(node);
  const NodeId id = static_cast<NodeId>(state.nodes.size() - 1);
  state.list.push_back(id);
  if (!restore && !state.config.disable_htable)
    link_hash(state, id);
  hooks.count_append(state, size);
  state.ghost.full.push_back(serial);
  return 0;
}

RecordId new_record(const KernelState &state, std::uint32_t pcr, TemplateData data,
                    bool violation) {
  // 'R', the template data's key, the PCR and the violation flag.
  MemoKey key('R');
  key.append_template(state.config.banks, data).append_value(pcr);
  key.push_back(static_cast<char>(violation));
  return interned_record(state, key.view(), [&] {
    return make_record(state.config.banks, pcr, std::move(data), violation,
                       state.digest_memo.get());
  });
}

std::int64_t measure(KernelState &state, RecordId record) {
  if (state.contents.table()[record].violation)
    ++state.counters.violations; // ima_add_violation counts before storing
  return add_record(state, record);
}

MemoKey record_key(char kind, const KernelConfig &config) {
  MemoKey key(kind);
  key.append_value(config.measure_pcr)
      .push_back(static_cast<char>(config.template_kind))
      .push_back(static_cast<char>(config.banks.ima_hash))
      .append_slots(config.banks);
  return key;
}

RecordId boot_aggregate_record(const KernelState &state) {
  MemoKey key = record_key('B', state.config);
  for (std::size_t bank = 0; bank < state.pcrs.num_banks(); ++bank)
    for (std::size_t pcr = 0; pcr < 10; ++pcr)
      key.append(state.pcrs.value(bank, pcr));
  return interned_record(state, key.view(), [&] {
    return make_record(state.config.banks, state.config.measure_pcr,
                       boot_aggregate(state.config, state.pcrs), false, state.digest_memo.get());
  });
}

void measure_critical_data(KernelState &state, std::string_view event, std::string_view buffer) {
  if (!state.config.critical_data_rule)
    return;
  // The same event and buffer make the same record: kept in the record table under them.
  MemoKey key = record_key('C', state.config);
  key.append(event).push_back('\0').append(buffer);
  measure(state, interned_record(state, key.view(), [&] {
            return make_record(state.config.banks, state.config.measure_pcr,
                               make_ima_buf(state.config.banks.ima_hash, event, to_bytes(buffer)),
                               false, state.digest_memo.get());
          }));
}

std::size_t kexec_segment_size(const KernelConfig &config, std::uint64_t runtime_size) {
  constexpr std::size_t kHeader = 24; // struct ima_kexec_hdr
  std::size_t extra = config.kexec_extra_bytes == 0 ? kPageSize / 2 : config.kexec_extra_bytes;
  std::size_t size = runtime_size + kHeader + extra;
  return (size + kPageSize - 1) / kPageSize * kPageSize;
}

DumpResult dump_records(KernelState &state, std::span<const NodeId> records) {
  constexpr std::size_t kHeader = 24;
  DumpResult result;
  const std::size_t size = state.kexec.size;
  Bytes body;
  std::uint64_t count = 0;
  std::size_t used = kHeader;
  for (NodeId node : records) {
    if (used >= size) {
      result.overflowed = true; // -EINVAL: the rest is lost
      break;
    }
    ++count;
    const std::size_t before = body.size();
    render(state, node, FileKind::list_binary, state.config.banks.sha1_slot(), "kexec dump", body);
    const std::size_t shown = body.size() - before;
    // ima_putc writes byte by byte until the buffer is full.
    std::size_t fits = std::min(shown, size - used);
    body.resize(before + fits);
    used += fits;
    if (fits == shown)
      result.complete.push_back(state.nodes.at(node).serial);
    else
      result.overflowed = true;
  }
  auto put64 = [&](std::uint64_t value) {
    for (int i = 0; i < 8; ++i)
      result.segment.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  };
  result.segment = {1, 0, 0, 0, 0, 0, 0, 0}; // version 1, reserved
  put64(kHeader + body.size());
  put64(count);
  result.segment.insert(result.segment.end(), body.begin(), body.end());
  return result;
}

} // namespace trimcheck::model::detail
