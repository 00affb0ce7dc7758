// The queue operations of the Sassu series (ima_queue_stage, the deletes, the trims)
// and the steps of a write (spec 2.15): each `run_*` performs the step `request.pc`,
// where a step is what the kernel does between two points at which `add()` or another
// task can interleave (taking or dropping ima_extend_list_mutex, a lockless walk,
// synchronize_rcu, the frees after unlock).
#include "trimcheck/model/detail/sassu.hpp"

#include <algorithm>
#include <utility>

namespace trimcheck::model::detail::sassu {
namespace {

// A walk from the head of a list over n records (kAll: all of them), reading each
// entry's size as get_binary_runtime_size() does. `mark` is the n-th node.
struct Walk {
  std::optional<NodeId> mark;
  std::int64_t count = 0;
  std::uint64_t sum = 0;
  bool complete = false;
};

Walk walk_prefix(KernelState &state, const std::vector<NodeId> &list, std::int64_t n,
                 std::string_view where) {
  Walk walk;
  for (NodeId node : list) {
    touch(state, node, Obj::qe, where);
    touch(state, node, Obj::entry, where);
    walk.sum += record_size(state, node);
    walk.mark = node;
    if (++walk.count == n) {
      walk.complete = true;
      return walk;
    }
  }
  walk.complete = n == kAll;
  if (!walk.complete)
    walk.mark.reset();
  return walk;
}

std::uint64_t total_size(const KernelState &state, const std::vector<NodeId> &list) {
  std::uint64_t sum = 0;
  for (NodeId node : list)
    sum += record_size(state, node);
  return sum;
}

// __list_cut_position: detaches the head of `list` through `mark`; nullopt if `mark` is
// not in `list` any more (another writer of the same task moved or removed it).
std::optional<std::vector<NodeId>> cut_through(std::vector<NodeId> &list, NodeId mark) {
  auto it = std::find(list.begin(), list.end(), mark);
  if (it == list.end())
    return std::nullopt;
  std::vector<NodeId> head(list.begin(), it + 1);
  list.erase(list.begin(), it + 1);
  return head;
}

// The kernel cuts at a node of another list (or of a list already freed): both lists
// are corrupted. The model records the crash and leaves the lists as they were; the
// write returns success as the kernel code has no error path there.
void report_list_corruption(KernelState &state, Request &request, NodeId mark,
                            std::string_view where) {
  touch(state, mark, Obj::qe, where);
  state.events.push_back(
      {MemEventKind::list_corruption, state.nodes.at(mark).serial, Obj::qe, std::string(where)});
  succeed(request);
}

// ima_alloc_replace_htable(): every bucket of the old table, including those of records
// still in L, is dropped; RCU readers may hold the old table until synchronize_rcu.
void replace_hash_table(KernelState &state) {
  for (Node &node : state.nodes)
    if (node.hashed) {
      node.hashed = false;
      node.awaiting_grace = true;
    }
}

// ima_queue_delete / the RFC loops: template data always; qe, entry and digests only
// when the version frees them (else they stay reachable from H, or leak).
void free_removed(KernelState &state, const SassuTraits &traits, const Request &request) {
  const bool entries = frees_entries(state.config, traits);
  for (NodeId node : request.cut) {
    release_data(state, node, "ima_queue_delete: template data");
    if (entries)
      release_all(state, node, "ima_queue_delete: digests, entry, qe");
  }
}

// Whether a kexec dump already carried the records a removal would delete.
bool stale(const KernelState &state, const SassuTraits &traits, bool removes_staged) {
  switch (traits.stale_guard) {
  case StaleGuard::none:
    return false;
  case StaleGuard::staged_prepended:
    return state.sassu.staged_copied;
  case StaleGuard::copied_flags:
    return removes_staged ? state.sassu.staged_copied : state.sassu.list_copied;
  case StaleGuard::suspended:
    return state.suspended;
  }
  return false;
}

// ---- Counters (spec 2.7-2.13) ----

// Records removed from L without staging (RFC v2 trim, v5+ N). BINARY_STAGED includes
// L in RFC v2, so it loses them too.
void count_list_removal(KernelState &state, const SassuTraits &traits, std::int64_t count,
                        std::uint64_t size) {
  Counters &c = state.counters;
  c.htable_len -= count;
  c.bin_size -= size;
  if (traits.staged_counter == StagedCounter::list_and_staged) {
    c.staged_len -= count;
    c.staged_size -= size;
  }
}

// D of RFC v1/v2 and v4 on: STAGED := 0. For RFC v2, whose STAGED counts |L| + |S|, this
// forgets the records appended to L since staging (the RFC v2 bug); RFC v1 has no STAGED.
void count_staged_deleted(KernelState &state) {
  state.counters.staged_len = 0;
  state.counters.staged_size = 0;
}

// ima_queue_delete_staged (v3) and ima_queue_staged_delete_partial (v4): `count` records
// of S deleted, the rest spliced back: STAGED -= count; BINARY += STAGED; STAGED reset.
// In v3 STAGED still includes the records appended to L after `A`, so they are counted
// twice in BINARY (the v3 bug) and STAGED is then set to that BINARY.
void count_staged_prefix_deleted(KernelState &state, const SassuTraits &traits, std::int64_t count,
                                 std::uint64_t size) {
  Counters &c = state.counters;
  c.staged_len -= count;
  c.staged_size -= size;
  c.htable_len += c.staged_len;
  c.bin_size += c.staged_size;
  const bool includes_list = traits.staged_counter == StagedCounter::list_and_staged;
  c.staged_len = includes_list ? c.htable_len : 0;
  c.staged_size = includes_list ? c.bin_size : 0;
}

// ---- The queue operations ----

// The first n records of L (kAll: L itself, an O(1) list_replace with no walk) as the
// RFC stage/trim code takes them under the mutex; nullopt if L has fewer than n. The
// walk runs with the mutex held (P17: n nodes, or all of L when it falls short).
struct Taken {
  std::vector<NodeId> nodes;
  std::int64_t count = 0;
  std::uint64_t size = 0;
};

std::optional<Taken> take_list_prefix(KernelState &state, std::int64_t n, std::string_view where) {
  if (n == kAll) {
    Taken taken{std::exchange(state.list, {}), 0, 0};
    taken.count = static_cast<std::int64_t>(taken.nodes.size());
    taken.size = total_size(state, taken.nodes);
    return taken;
  }
  const Walk walk = walk_prefix(state, state.list, n, where);
  locked_visit(state, static_cast<std::uint64_t>(walk.count));
  if (!walk.complete)
    return std::nullopt;
  return Taken{*cut_through(state.list, *walk.mark), walk.count, walk.sum};
}

// RFC v1/v2 ima_flush_htable: hlist_del_rcu of every taken record under the mutex. The
// loop visits each record (P17); after a prefix walk (n != kAll) they were counted
// already, after a list_replace (n == kAll) they were not.
void unlink_taken(KernelState &state, const std::vector<NodeId> &nodes, std::int64_t n,
                  std::string_view where) {
  for (NodeId node : nodes)
    unlink_hash(state, node, where);
  if (n == kAll)
    locked_visit(state, nodes.size());
}

// ima_queue_stage() / ima_queue_stage_trim(n, false): one step under the mutex.
std::int64_t stage(KernelState &state, const SassuTraits &traits, std::int64_t n) {
  if (!state.staged.empty())
    return -kEEXIST;
  if (state.list.empty())
    return -kENOENT;
  if (traits.stale_guard == StaleGuard::suspended && state.suspended)
    return -kEACCES;
  std::optional<Taken> taken = take_list_prefix(state, n, "ima_queue_stage: walk");
  if (!taken)
    return -kENOENT;
  Counters &c = state.counters;
  if (n == kAll) { // BINARY := 0 (v4 on: STAGED takes the BINARY values first)
    if (traits.staged_counter == StagedCounter::staged_only) {
      c.staged_len = c.htable_len;
      c.staged_size = c.bin_size;
    }
    c.htable_len = 0;
    c.bin_size = 0;
  } else { // RFC: BINARY reduced by what was staged; RFC v2's STAGED still counts it
    c.htable_len -= taken->count;
    c.bin_size -= taken->size;
  }
  state.staged = std::move(taken->nodes);
  if (traits.flush_policy != FlushPolicy::replace_table_at_delete &&
      flush_active(state.config, traits))
    unlink_taken(state, state.staged, n, "ima_queue_stage: ima_flush_htable unlink");
  return 0;
}

// "A", and RFC "<N>": stage; RFC v2 with flush then waits for a grace period.
void run_stage(KernelState &state, const SassuTraits &traits, Request &request) {
  if (request.pc == 0) {
    if (std::int64_t error = stage(state, traits, request.n); error < 0)
      return finish(request, error);
    if (traits.flush_policy == FlushPolicy::unlink_at_stage_then_sync &&
        flush_active(state.config, traits)) {
      request.pc = 1;
      return;
    }
    return succeed(request);
  }
  synchronize_rcu(state); // pc 1, after unlock
  succeed(request);
}

// RFC v2 "-<N>": pc0 cut under the mutex (unlink if flush), pc1 synchronize_rcu if
// flush, pc2 delete at once.
void run_trim(KernelState &state, const SassuTraits &traits, Request &request) {
  const bool flush = flush_active(state.config, traits);
  switch (request.pc) {
  case 0: {
    if (!state.staged.empty())
      return finish(request, -kEEXIST);
    if (state.list.empty())
      return finish(request, -kENOENT);
    std::optional<Taken> taken = take_list_prefix(state, request.n, "ima_queue_stage_trim: walk");
    if (!taken)
      return finish(request, -kENOENT);
    request.cut = std::move(taken->nodes);
    record_deleted(state, request.cut);
    count_list_removal(state, traits, taken->count, taken->size);
    if (flush)
      unlink_taken(state, request.cut, request.n, "ima_queue_stage_trim: ima_flush_htable unlink");
    request.pc = flush ? 1 : 2;
    return;
  }
  case 1:
    synchronize_rcu(state);
    request.pc = 2;
    return;
  default:
    free_removed(state, traits, request);
    succeed(request);
  }
}

// "D" (all but v3): pc0 detach S (under the mutex from RFC v2 on; RFC v1 takes no lock
// but nothing else touches S), with a blank hash table if flushing (v3 on); pc1
// synchronize_rcu if the table was replaced; pc2 the frees. The detach and the table
// swap are head operations: no list node is visited under the mutex (P17).
void run_delete_staged(KernelState &state, const SassuTraits &traits, Request &request) {
  const bool replace = traits.flush_policy == FlushPolicy::replace_table_at_delete &&
                       flush_active(state.config, traits);
  switch (request.pc) {
  case 0:
    if (state.staged.empty())
      return finish(request, -kENOENT);
    if (stale(state, traits, true))
      return finish(request, -kESTALE);
    request.cut = std::exchange(state.staged, {});
    record_deleted(state, request.cut);
    count_staged_deleted(state);
    if (replace)
      replace_hash_table(state);
    request.pc = replace ? 1 : 2;
    return;
  case 1:
    synchronize_rcu(state);
    request.pc = 2;
    return;
  default:
    free_removed(state, traits, request);
    succeed(request);
  }
}

// Under the mutex: delete the head of S through request.mark (nothing if no mark) and
// splice the rest in front of L. False if the call returned (error or corruption).
bool cut_staged_prefix_and_splice(KernelState &state, const SassuTraits &traits, Request &request) {
  if (state.staged.empty()) {
    finish(request, -kENOENT);
    return false;
  }
  if (stale(state, traits, true)) {
    finish(request, -kESTALE);
    return false;
  }
  if (request.mark) {
    locked_visit(state, 1); // the cut at the walked record; the splice is a head operation
    std::optional<std::vector<NodeId>> cut = cut_through(state.staged, *request.mark);
    if (!cut) {
      report_list_corruption(state, request, *request.mark, "delete staged: cut position");
      return false;
    }
    request.cut = std::move(*cut);
    record_deleted(state, request.cut);
  }
  count_staged_prefix_deleted(state, traits, request.n, request.sum);
  if (traits.flush_policy == FlushPolicy::replace_table_at_delete &&
      flush_active(state.config, traits))
    replace_hash_table(state);
  state.list.insert(state.list.begin(), state.staged.begin(), state.staged.end());
  state.staged.clear();
  if (!request.mark) { // v4: fewer than N staged records, staging undone
    finish(request, -kENOENT);
    return false;
  }
  return true;
}

// v3 "<N>" and "D" (n = kAll), and v4 "<N>" after its implicit stage (first_pc = 1):
// walk S without the mutex; cut and splice under it; synchronize_rcu if the table was
// replaced; free.
void run_delete_staged_prefix(KernelState &state, const SassuTraits &traits, Request &request,
                              int first_pc) {
  const bool replace = traits.flush_policy == FlushPolicy::replace_table_at_delete &&
                       flush_active(state.config, traits);
  switch (request.pc - first_pc) {
  case 0: {
    const Walk walk = walk_prefix(state, state.staged, request.n, "delete staged: lockless walk");
    if (!walk.complete && first_pc == 0) // v3 returns at once; v4 undoes the staging
      return finish(request, -kENOENT);
    request.mark = walk.mark;
    request.n = walk.complete ? walk.count : 0;
    request.sum = walk.complete ? walk.sum : 0;
    request.pc += 1;
    return;
  }
  case 1:
    if (cut_staged_prefix_and_splice(state, traits, request))
      request.pc += replace ? 1 : 2;
    return;
  case 2:
    synchronize_rcu(state);
    request.pc += 1;
    return;
  default:
    free_removed(state, traits, request);
    succeed(request);
  }
}

// v4 "<N>": ima_queue_stage() first (pc0), then the v3 delete path on S.
void run_stage_all_then_delete_prefix(KernelState &state, const SassuTraits &traits,
                                      Request &request) {
  if (request.pc == 0) {
    if (std::int64_t error = stage(state, traits, kAll); error < 0)
      return finish(request, error);
    request.pc = 1;
    return;
  }
  run_delete_staged_prefix(state, traits, request, 1);
}

// v5 on "<N>": pc0 lockless walk of L (appends may race), pc1 cut under the mutex,
// pc2 frees. Never flushes (flush forbids N).
void run_delete_live_prefix(KernelState &state, const SassuTraits &traits, Request &request) {
  switch (request.pc) {
  case 0: {
    const Walk walk =
        walk_prefix(state, state.list, request.n, "ima_queue_delete_partial: lockless walk");
    if (!walk.complete)
      return finish(request, -kENOENT);
    request.mark = walk.mark;
    request.sum = walk.sum;
    request.pc = 1;
    return;
  }
  case 1: {
    if (stale(state, traits, false))
      return finish(request, -kESTALE);
    locked_visit(state, 1); // __list_cut_position at the walked record (P17: O(1))
    std::optional<std::vector<NodeId>> cut = cut_through(state.list, *request.mark);
    if (!cut)
      return report_list_corruption(state, request, *request.mark,
                                    "ima_queue_delete_partial: cut position");
    request.cut = std::move(*cut);
    record_deleted(state, request.cut);
    count_list_removal(state, traits, request.n, request.sum);
    request.pc = 2;
    return;
  }
  default:
    free_removed(state, traits, request);
    succeed(request);
  }
}

// fdget_pos(): list files are regular files (FMODE_ATOMIC_POS), so write(2) calls on one
// shared open file description are serialised by f_pos_lock. Earlier requests first.
bool waits_for_file_position_lock(const KernelState &state, const Request &request) {
  for (const Request &other : state.requests) {
    if (&other == &request)
      return false;
    if (other.kind == Request::Kind::write && other.open_file == request.open_file)
      return true;
  }
  return false;
}

} // namespace

void write_step(KernelState &state, Request &request) {
  const SassuTraits &t = traits(state.proposal);
  if (request.pc == 0) { // the handler has not run yet: parse, then the first step
    if (waits_for_file_position_lock(state, request))
      return;
    const OpenFile &file = state.open_files.at(request.open_file);
    const FileKind kind = state.files.at(file.file).kind;
    if (!is_list_file(kind))
      return baseline_write_step(state, request);
    const bool staged = is_staged_file(kind);
    if (!staged && !t.live_writable)
      return finish(request, -kEINVAL); // no ->write: vfs_write refuses
    const Parsed parsed =
        parse_write(t, staged ? Iface::staged : Iface::live, copy_from_user(request), file.pos > 0,
                    flush_active(state.config, t));
    request.read_past_user_data = parsed.read_past_user_data;
    if (parsed.error < 0)
      return finish(request, parsed.error);
    request.command = static_cast<int>(parsed.op);
    request.n = parsed.n;
  }
  switch (static_cast<Op>(request.command)) {
  case Op::stage:
    return run_stage(state, t, request);
  case Op::trim:
    return run_trim(state, t, request);
  case Op::delete_staged:
    return run_delete_staged(state, t, request);
  case Op::delete_staged_prefix:
    return run_delete_staged_prefix(state, t, request, 0);
  case Op::stage_all_then_delete_prefix:
    return run_stage_all_then_delete_prefix(state, t, request);
  case Op::delete_live_prefix:
    return run_delete_live_prefix(state, t, request);
  }
}

} // namespace trimcheck::model::detail::sassu
