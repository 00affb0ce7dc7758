// Steven Chen's "trim N entries" series, v1-v5 (spec 2.2-2.6): the securityfs file
// ima_trim_log takes a number of head records to remove from L.
//
// Every difference between the versions is a field of ChenTraits (detail/chen.hpp), one
// row per version in chen_traits.cpp; the hooks below are shared and read the row of
// state.proposal.
//
// A write runs in the atomic steps of spec 2.15 (request.pc):
//   kDecide  parse, then (v1) everything under the mutexes / (v2-v4) the locked walk and
//            cut / (v5) the lockless pre-walk that remembers the N-th record
//   kCut     (v5) the O(1) cut under ima_extend_list_mutex
//   kFree    frees outside the mutex, trimcount, critical-data record, return
#include "chen_grammar.hpp"
#include "trimcheck/model/detail/chen.hpp"
#include "trimcheck/model/detail/family.hpp"

#include <algorithm>
#include <stdexcept>

namespace trimcheck::model::detail {

using namespace chen;
using namespace chen::enumerators;

bool chen_needs_log_trimming_kconfig(ProposalId id) {
  return traits(id).needs_log_trimming_kconfig;
}

bool chen_has_flush_htable(ProposalId id) {
  const ChenTraits &t = traits(id);
  return t.hash_unlink == unlink_if_flush || t.grace == grace_if_flush ||
         t.free_rest == rest_if_flush;
}

namespace {

constexpr int kDecide = 0, kCut = 1, kFree = 2;
// Time that passes between two trims, so that every critical-data record is distinct.
constexpr std::uint64_t kTrimIntervalNs = 1'000'000;

bool is_trim_log(const KernelState &state, const OpenFile &file) {
  return state.files.at(file.file).kind == FileKind::trim_log;
}

// The record count the version trusts and shows: ima_htable.len (== |L| in v1-v4) or,
// in v5, ima_number_entries.
std::int64_t Counters::*entries(const ChenTraits &t) {
  return t.entries_counter == number_entries ? &Counters::number_entries : &Counters::htable_len;
}

// ima_measure_trim_event (2.3-2.6): label ima_log_trim, event "trim ima event logs".
void measure_trim_event(KernelState &state, const ChenTraits &t, std::int64_t removed,
                        std::int64_t total_before) {
  // A reading that ends up in a record is taken from the kernel's clock when conform
  // has learned it (KernelConfig::wall_clock), else the model's clock ticks.
  const bool recorded = t.critical_data != no_event && state.config.critical_data_rule;
  const std::vector<std::uint64_t> &wall_clock = state.config.wall_clock;
  state.clock_ns = recorded && state.clock_reads < wall_clock.size()
                       ? wall_clock[state.clock_reads]
                       : state.clock_ns + kTrimIntervalNs;
  state.clock_reads += recorded ? 1 : 0;
  const std::string time = std::to_string(state.clock_ns);
  std::string buffer;
  switch (t.critical_data) {
  case no_event:
    return;
  case event_this_time:
    buffer = "time=" + time + "; log trim this time=" + std::to_string(removed) + ";";
    break;
  case event_removed:
    buffer = "time= " + time + "; number= " + std::to_string(removed) + ";";
    break;
  case event_total_after:
    buffer = "time= " + time + "; number= " + std::to_string(total_before + removed) + ";";
    break;
  case event_total_before:
    buffer = "time= " + time + "; number= " + std::to_string(total_before) + ";";
    break;
  }
  measure_critical_data(state, "trim ima event logs", buffer);
}

// The write returns `removed` records: trim event, trimcount, return value len.
void account(KernelState &state, const ChenTraits &t, Request &request, std::int64_t removed) {
  const std::int64_t total_before = state.counters.trimcount;
  if (removed > 0)
    measure_trim_event(state, t, removed, total_before);
  state.counters.trimcount = t.trimcount_rule == total ? total_before + removed : removed;
  succeed(request);
}

// Frees of the cut records (2.2-2.6), then the accounting.
void free_and_account(KernelState &state, const ChenTraits &t, Request &request) {
  if (t.grace == grace_if_flush && state.config.flush_htable)
    synchronize_rcu(state);
  const bool free_rest =
      t.free_rest == rest_always || (t.free_rest == rest_if_flush && state.config.flush_htable);
  for (NodeId node : request.cut) {
    release_data(state, node, "ima_trim_log write");
    if (free_rest)
      for (Obj obj : {Obj::digests, Obj::entry, Obj::qe})
        release_obj(state, node, obj, "ima_trim_log write");
  }
  const auto removed = static_cast<std::int64_t>(request.cut.size());
  request.cut.clear();
  account(state, t, request, removed);
}

// Whether removed records are unlinked from H (under the mutex, one by one).
bool unlinks(const KernelState &state, const ChenTraits &t) {
  return !state.config.disable_htable &&
         (t.hash_unlink == unlink_unless_disabled ||
          (t.hash_unlink == unlink_if_flush && state.config.flush_htable));
}

// P17: the list nodes the locked section visits when it removes `count` of the
// `length` records of L (2.15). The unlink and free loops revisit walked records.
std::uint64_t locked_nodes(const ChenTraits &t, std::size_t length, std::size_t count,
                           bool whole_list, bool unlink) {
  switch (t.locked_walk) {
  case walk_to_nth: // v1 removes as it walks; v2 walks to the N-th, then cuts
    return count;
  case walk_all: // list_replace (+ the unlink loop), or the first N and the rest
    return whole_list ? (unlink ? count : 0) : length;
  case one_cut: // list_replace, or __list_cut_position at the remembered record
    return whole_list ? 0 : 1;
  }
  return 0;
}

// Detaches the first `count` records of L onto the request, under ima_extend_list_mutex.
// `whole_list`: the version took its "N == counter" path (matters to v5's size update).
void cut_head(KernelState &state, const ChenTraits &t, Request &request, std::size_t count,
              bool whole_list) {
  locked_visit(state, locked_nodes(t, state.list.size(), count, whole_list, unlinks(state, t)));
  const auto end = state.list.begin() + static_cast<std::ptrdiff_t>(count);
  request.cut.assign(state.list.begin(), end);
  state.list.erase(state.list.begin(), end);
  record_deleted(state, request.cut);
  if (unlinks(state, t))
    for (NodeId node : request.cut)
      unlink_hash(state, node, "ima_trim_log write");
  state.counters.*entries(t) -= static_cast<std::int64_t>(count);
  switch (t.size_update) {
  case size_unchanged:
    break;
  case size_sum_of_rest:
    state.counters.bin_size = 0;
    for (NodeId node : state.list)
      state.counters.bin_size += record_size(state, node);
    break;
  case size_minus_cut_unless_all:
    if (!whole_list)
      state.counters.bin_size -= request.sum;
    break;
  }
}

// v1-v4: the walk and cut under ima_extend_list_mutex, in the decide step.
void locked_trim(KernelState &state, const ChenTraits &t, Request &request) {
  const std::int64_t available = state.counters.*entries(t);
  if (request.n > available && t.shortfall == enoent) {
    if (t.locked_walk == walk_to_nth) // v2 finds the shortfall at the end of its walk
      locked_visit(state, state.list.size());
    return finish(request, -kENOENT);
  }
  const std::int64_t count = std::min(request.n, available);
  cut_head(state, t, request, static_cast<std::size_t>(count), count == available);
  if (t.steps == one_locked_step)
    return free_and_account(state, t, request);
  request.pc = kFree;
}

// v5 step 1: counter read and list walk without the mutex, remembering the N-th record.
void prewalk(KernelState &state, Request &request) {
  if (request.n > state.counters.number_entries)
    return finish(request, -kENOENT);
  const auto n = static_cast<std::size_t>(request.n);
  request.sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    request.sum += record_size(state, state.list[i]);
  request.mark = state.list[n - 1];
  request.pc = kCut;
}

// v5 step 2: re-read the counter under the mutex; cut everything or up to the mark.
void cut_at_mark(KernelState &state, const ChenTraits &t, Request &request) {
  const NodeId mark = *request.mark;
  request.mark.reset();
  const bool whole_list = request.n == state.counters.number_entries;
  std::size_t count = state.list.size();
  if (!whole_list) {
    auto it = std::find(state.list.begin(), state.list.end(), mark);
    if (it == state.list.end()) {
      locked_visit(state, 1); // the cut dereferences the remembered record
      // Another write through the same open file removed the remembered record since
      // the pre-walk: __list_cut_position at a node outside L corrupts the list. The
      // model records the bad pointer use and removes nothing (docs/proposals/chen.md).
      touch(state, mark, Obj::qe, "ima_delete_event_log cut");
      state.events.push_back({MemEventKind::list_corruption, state.nodes.at(mark).serial, Obj::qe,
                              "ima_delete_event_log cut at a record no longer in L"});
      return succeed(request);
    }
    count = static_cast<std::size_t>(it - state.list.begin()) + 1;
  }
  cut_head(state, t, request, count, whole_list);
  request.pc = kFree;
}

void decide(KernelState &state, const ChenTraits &t, Request &request) {
  const OpenFile &file = state.open_files.at(request.open_file);
  ChenRequest parsed =
      parse_trim_request(t.grammar, copy_from_user(request), file.pos, state.counters.trimcount);
  request.read_past_user_data = parsed.read_past_user_data;
  if (parsed.error != 0)
    return finish(request, parsed.error);
  if (parsed.n < 0) // v3+: the negative N is the return value (2.4, 2.5)
    return finish(request, parsed.n);
  if (parsed.n == 0) // nothing to remove: trimcount := 0 (last_trim) or += 0 (total)
    return account(state, t, request, 0);
  request.n = parsed.n;
  if (t.steps == prewalk_cut_free)
    return prewalk(state, request);
  locked_trim(state, t, request);
}

std::vector<FileSpec> chen_files(const KernelState &state) {
  const ChenTraits &t = traits(state.proposal);
  std::vector<FileSpec> files = baseline_files(state.config, 0440);
  if (!t.needs_log_trimming_kconfig || state.config.log_trimming)
    files.push_back({"ima_trim_log", FileKind::trim_log, 0, 0660});
  return files;
}

std::int64_t chen_open(KernelState &state, const Process &proc, OpenFile &file) {
  const ChenTraits &t = traits(state.proposal);
  if (is_trim_log(state, file)) {
    if (!proc.cap_sys_admin)
      return -kEPERM;
    if (t.open_rule == cap_only || !writes(file.access))
      return 0;
    return claim_measure_slot(state, proc, file);
  }
  return t.mediates_list_files ? shared_mediation_open(state, proc, file) : 0;
}

std::int64_t chen_release(KernelState &state, Pid closer, OpenFile &file) {
  const ChenTraits &t = traits(state.proposal);
  if (is_trim_log(state, file) && t.open_rule == writer_slot) {
    // ima_log_trim_release tests the closing task again; without the capability it
    // returns EPERM before giving the writer slot back (2.3).
    if (!state.procs.at(closer - 1).cap_sys_admin)
      return -kEPERM;
    return shared_mediation_release(state, closer, file);
  }
  return t.mediates_list_files ? shared_mediation_release(state, closer, file) : 0;
}

Outcome chen_read(KernelState &state, Request &request) {
  OpenFile &file = state.open_files.at(request.open_file);
  if (is_trim_log(state, file)) // "%li\n" through simple_read_from_buffer
    return text_read(file, std::to_string(state.counters.trimcount) + "\n", request.count);
  return baseline_read(state, request);
}

void chen_write_step(KernelState &state, Request &request) {
  if (!is_trim_log(state, state.open_files.at(request.open_file)))
    return baseline_write_step(state, request);
  const ChenTraits &t = traits(state.proposal);
  switch (request.pc) {
  case kDecide:
    return decide(state, t, request);
  case kCut:
    return cut_at_mark(state, t, request);
  case kFree:
    return free_and_account(state, t, request);
  }
  throw std::logic_error("chen: no step " + std::to_string(request.pc));
}

std::int64_t chen_shown_count(const KernelState &state) {
  return state.counters.*entries(traits(state.proposal));
}

void chen_count_append(KernelState &state, std::size_t size) {
  baseline_count_append(state, size);
  if (traits(state.proposal).entries_counter == number_entries)
    ++state.counters.number_entries;
}

} // namespace

const FamilyHooks &chen_hooks() {
  static const FamilyHooks kHooks{
      chen_files,      chen_open, chen_release,      chen_read,        chen_write_step,
      baseline_reboot, list_only, list_runtime_size, chen_shown_count, chen_count_append,
  };
  return kHooks;
}

} // namespace trimcheck::model::detail
