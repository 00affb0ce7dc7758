// Properties about the list itself: P1, P2, P3a, P3b, P7, P14, P18, P23, B1-B5.
#include "monitor_util.hpp"
#include "properties.hpp"

#include "trimcheck/model/state_encoder.hpp"

namespace trimcheck::props::detail {
namespace {

// P1 / B5: successive reads of one read-mode fd return a contiguous run of the list it
// iterates; a record is skipped only if this open file's own writes removed it.
class ReaderContinuity : public CopyableMonitor<ReaderContinuity> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted) {
      last_.clear();
      removed_by_.clear();
      others_removed_.clear();
      return std::nullopt;
    }
    for (Serial serial : facts.deleted)
      removed_by_[serial] = facts.file;
    if (const Seek *seek = model_action<Seek>(action); seek && seek->pid <= state.procs.size()) {
      const auto &fds = state.procs[seek->pid - 1].fds;
      if (seek->fd >= 0 && static_cast<std::size_t>(seek->fd) < fds.size() && fds[seek->fd])
        last_.erase(*fds[seek->fd]); // reading again from the head is not a skip
    }
    bool moved = !facts.deleted.empty();
    if (model_action<Write>(action) || model_action<Continue>(action))
      for (NodeId id : state.staged) // staged away from the live list by this file
        moved |= removed_by_.try_emplace(state.nodes[id].serial, facts.file).second;
    if (moved)
      for (auto &[file, last] : last_)
        if (!facts.file || file != *facts.file)
          others_removed_[file] = true;
    if (!facts.file || outcome.delivered.empty())
      return std::nullopt;
    const FileSpec *spec = file_of(state, facts.file);
    if (spec == nullptr || !is_reader(*spec))
      return std::nullopt;
    auto &last = last_[*facts.file];
    for (Serial serial : outcome.delivered) {
      if (last) {
        auto from = std::find(state.ghost.full.begin(), state.ghost.full.end(), *last);
        auto to = std::find(state.ghost.full.begin(), state.ghost.full.end(), serial);
        if (from != state.ghost.full.end() && to != state.ghost.full.end() && to <= from)
          return "p" + std::to_string(facts.actor) + "'s reader returned r" +
                 std::to_string(serial) + " again or out of order after r" + std::to_string(*last);
        // Records between the last one read and this one, in append order, were skipped:
        // either removed, or still there but passed over because *pos moved.
        if (from != state.ghost.full.end() && to != state.ghost.full.end())
          for (auto it = from + 1; it != to; ++it) {
            auto by = removed_by_.find(*it);
            const bool removed = by != removed_by_.end();
            if (removed && by->second == facts.file)
              continue; // this file's own removal
            if (!removed && !in_iterated_list(state, *spec, *it))
              continue; // never in the list this file iterates (e.g. still in L for S)
            if (removed || others_removed_[*facts.file])
              return "p" + std::to_string(facts.actor) + "'s reader skipped r" +
                     std::to_string(*it) + " (between r" + std::to_string(*last) + " and r" +
                     std::to_string(serial) + ") after another open file removed records";
          }
      }
      last = serial;
    }
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.by_open_file(last_, [](StateEncoder &entry, const std::optional<Serial> &last) {
      entry.flag(last.has_value());
      entry.number(last.value_or(0));
    });
    out.number(removed_by_.size());
    for (const auto &[serial, file] : removed_by_) {
      out.number(serial);
      out.flag(file.has_value());
      if (file)
        out.open_file(*file); // compared only with the (live) file of a later read
    }
    out.by_open_file(others_removed_,
                     [](StateEncoder &entry, bool removed) { entry.flag(removed); });
  }

private:
  static bool is_reader(const FileSpec &spec) { return is_list_kind(spec.kind); }
  static bool is_list_kind(FileKind kind) {
    return kind == FileKind::list_binary || kind == FileKind::list_ascii ||
           kind == FileKind::staged_binary || kind == FileKind::staged_ascii;
  }
  static bool in_iterated_list(const KernelState &state, const FileSpec &spec, Serial serial) {
    const bool staged = spec.kind == FileKind::staged_binary || spec.kind == FileKind::staged_ascii;
    for (NodeId id : staged ? state.staged : state.list)
      if (state.nodes[id].serial == serial)
        return true;
    return false;
  }
  FlatMap<OpenFileId, std::optional<Serial>> last_;
  FlatMap<Serial, std::optional<OpenFileId>> removed_by_;
  FlatMap<OpenFileId, bool> others_removed_; // another file removed records since open
};

// P2: at quiescent points Full = Del ++ S ++ L.
class PrefixDeletion : public CopyableMonitor<PrefixDeletion> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    if (!quiescent(state) || full_is_del_staged_list(state))
      return std::nullopt;
    std::vector<Serial> joined = state.ghost.del;
    for (Serial s : serials(state, state.staged))
      joined.push_back(s);
    for (Serial s : serials(state, state.list))
      joined.push_back(s);
    return "Full " + list_text(state.ghost.full) + " != Del ++ S ++ L " + list_text(joined);
  }

private:
  // Whether Full == Del ++ S ++ L, compared in place: the join is built only for the
  // message (building it on every quiescent step was a seventh of one version's allocations).
  static bool full_is_del_staged_list(const KernelState &state) {
    const std::vector<Serial> &full = state.ghost.full;
    const std::vector<Serial> &del = state.ghost.del;
    if (full.size() != del.size() + state.staged.size() + state.list.size())
      return false;
    auto at = std::mismatch(del.begin(), del.end(), full.begin()).second;
    if (at != full.begin() + static_cast<std::ptrdiff_t>(del.size()))
      return false;
    for (const std::vector<NodeId> *nodes : {&state.staged, &state.list})
      for (NodeId id : *nodes)
        if (*at++ != state.nodes[id].serial)
          return false;
    return true;
  }
};

// P3a: the dump carries S ++ L as they stood at dump time (unless it overflowed, P23).
class KexecCarryOver : public CopyableMonitor<KexecCarryOver> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (!facts.dumped || !state.config.ima_kexec || !state.kexec.loaded ||
        state.ghost.last_dump_failed)
      return std::nullopt;
    if (state.ghost.last_dump != facts.list_before)
      return "kexec dump " + list_text(state.ghost.last_dump) + " != S ++ L " +
             list_text(facts.list_before);
    return std::nullopt;
  }
};

// P3b: a record removed by a request that returned success is not in the dump.
class NoDoubleAccounting : public CopyableMonitor<NoDoubleAccounting> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.dumped) {
      dumped_.clear();
      for (Serial serial : state.ghost.last_dump)
        dumped_.insert(serial);
      pending_.clear();
    }
    if (facts.booted) {
      dumped_.clear();
      pending_.clear();
    }
    for (Serial serial : facts.deleted)
      pending_[facts.actor].push_back(serial);
    if (facts.call_returned) {
      auto removed = std::move(pending_[facts.actor]);
      pending_.erase(facts.actor);
      if (outcome.ret >= 0)
        for (Serial serial : removed)
          if (dumped_.contains(serial))
            return "r" + std::to_string(serial) + " was carried by the kexec dump and then " +
                   "deleted by p" + std::to_string(facts.actor) + "'s request, which returned " +
                   std::to_string(outcome.ret);
    }
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    dumped_.encode(out);
    out.by_pid(pending_, serials_by_pid);
  }

private:
  SerialSet dumped_;
  FlatMap<Pid, std::vector<Serial>> pending_;
};

std::uint64_t size_of(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::uint64_t total = 0;
  for (NodeId id : nodes)
    total += binary_runtime_size(state.contents[state.nodes[id].serial]);
  return total;
}

// P7: count == |L|, binary_runtime_size == size(L) (and of S where kept), violations
// never decreases except by a reboot.
class Counters : public CopyableMonitor<Counters> {
public:
  void start(const KernelState &state) override { violations_ = state.counters.violations; }
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    const std::int64_t before = facts.booted ? 0 : violations_;
    violations_ = state.counters.violations;
    if (state.counters.violations < before)
      return "violations dropped from " + std::to_string(before) + " to " +
             std::to_string(state.counters.violations);
    if (!quiescent(state))
      return std::nullopt;
    const auto shown = shown_count(state);
    if (shown != static_cast<std::int64_t>(state.list.size()))
      return "runtime_measurements_count shows " + std::to_string(shown) +
             " but |L| = " + std::to_string(state.list.size());
    const std::uint64_t list_size = size_of(state, state.list);
    if (state.counters.bin_size != list_size)
      return "binary_runtime_size is " + std::to_string(state.counters.bin_size) +
             " but the records of L serialise to " + std::to_string(list_size) + " bytes";
    const std::uint64_t runtime = kexec_runtime_size(state);
    if (runtime < list_size)
      return "the size used for kexec is " + std::to_string(runtime) + " bytes, less than the " +
             std::to_string(list_size) + " bytes of L";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override { out.signed_number(violations_); }

private:
  std::int64_t violations_ = 0;
};

// P14: after kexec the digests of all carried records are in H.
class HashAfterKexec : public CopyableMonitor<HashAfterKexec> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (!facts.booted)
      return std::nullopt;
    for (NodeId id : state.list) {
      const Node &node = state.nodes[id];
      if (!node.hashed && !state.contents[node.serial].violation && !state.config.disable_htable &&
          id + 1 != state.list.size()) // the new boot_aggregate is hashed
        return "carried record r" + std::to_string(node.serial) +
               " is not in the hash table of the new kernel";
    }
    return std::nullopt;
  }
};

// P18: a record appended while a request is in flight is never removed by it.
class ConcurrentAppends : public CopyableMonitor<ConcurrentAppends> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (facts.booted) {
      appended_during_.clear();
      return std::nullopt;
    }
    for (Serial serial : facts.appended)
      for (const Request &request : state.requests)
        if (request.pid != 0 && request.kind == Request::Kind::write && request.pc > 0)
          appended_during_[request.pid].insert(serial);
    for (Serial serial : facts.deleted)
      if (appended_during_[facts.actor].contains(serial))
        return "r" + std::to_string(serial) + " was appended while p" +
               std::to_string(facts.actor) + "'s request was in flight, and that request " +
               "removed it";
    if (facts.call_returned)
      appended_during_.erase(facts.actor);
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override { out.by_pid(appended_during_, serials_by_pid); }

private:
  FlatMap<Pid, SerialSet> appended_during_;
};

// P23: the segment sized at load holds S ++ L as they stood at load time.
class KexecSizing : public CopyableMonitor<KexecSizing> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    if (!model_action<KexecLoad>(action) || !state.kexec.loaded)
      return std::nullopt;
    constexpr std::uint64_t kHeader = 24;
    const std::uint64_t needed =
        kHeader + size_of(state, state.staged) + size_of(state, state.list);
    if (state.kexec.size < needed)
      return "kexec segment of " + std::to_string(state.kexec.size) + " bytes < " +
             std::to_string(needed) + " bytes needed for S ++ L at load";
    return std::nullopt;
  }
};

// B1: L only grows; count == |L| == |Full|.
class OnlyGrows : public CopyableMonitor<OnlyGrows> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (!facts.deleted.empty())
      return "L lost " + list_text(facts.deleted);
    if (shown_count(state) != static_cast<std::int64_t>(state.list.size()) ||
        state.list.size() != state.ghost.full.size())
      return "count " + std::to_string(shown_count(state)) + ", |L| " +
             std::to_string(state.list.size()) + ", |Full| " +
             std::to_string(state.ghost.full.size()) + " differ";
    return std::nullopt;
  }
};

// B2: no two non-violation records added in this kernel share (digest, pcr) in L.
class UniqueDigests : public CopyableMonitor<UniqueDigests> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    if (state.config.disable_htable)
      return std::nullopt;
    std::vector<Serial> added;
    for (NodeId id : state.list)
      if (!state.nodes[id].hnext_garbage)
        added.push_back(state.nodes[id].serial);
    for (std::size_t i = 0; i < added.size(); ++i)
      for (std::size_t j = i + 1; j < added.size(); ++j)
        if (same_key(state, added[i], added[j]))
          return "r" + std::to_string(added[i]) + " and r" + std::to_string(added[j]) +
                 " share (digest, pcr) in L";
    return std::nullopt;
  }
};

// B3: every PCR equals the fold of all records ever extended, across kexec.
//
// The fold is kept as the run goes (one extend per bank and record, as the kernel does),
// not recomputed from the whole history at every step: that was quadratic in the run's
// length and took two thirds of check's time on a baseline. It is a function of the
// history and the bank layout (fixed per run), so the history alone is the state.
class PcrReplay : public CopyableMonitor<PcrReplay> {
public:
  void start(const KernelState &state) override {
    history_.clear();
    replay_ = PcrBanks(state.config.banks);
    for (Serial serial : state.ghost.full)
      fold(state, serial);
  }
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    for (Serial serial : facts.appended)
      fold(state, serial);
    if (facts.booted)
      fold(state, state.ghost.full.back()); // the new boot_aggregate
    for (std::size_t bank = 0; bank < replay_.num_banks(); ++bank)
      for (std::size_t pcr = 10; pcr < kNumPcrs; ++pcr)
        if (!std::ranges::equal(replay_.value(bank, pcr), state.pcrs.value(bank, pcr)))
          return "PCR " + std::to_string(pcr) + " of bank " +
                 std::string(hash_name(replay_.bank_algo(bank))) +
                 " differs from the replay of every record extended";
    // The list must replay to the same values as long as nothing was lost.
    if (state.ghost.full.size() == history_.size() && state.ghost.full != history_)
      return "L " + list_text(state.ghost.full) + " differs from the records extended " +
             list_text(history_);
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override { out.serials(history_); }

private:
  void fold(const KernelState &state, Serial serial) {
    history_.push_back(serial);
    const Record &record = state.contents[serial];
    for (std::size_t bank = 0; bank < replay_.num_banks(); ++bank)
      replay_.extend(bank, record.pcr, extend_value(state.config.banks, bank, record),
                     state.digest_memo.get());
  }

  std::vector<Serial> history_;   // every record extended, across boots
  PcrBanks replay_{BankLayout{}}; // the fold of history_ (set by start)
};

// B4: violations counts the violation events of this kernel.
class ViolationCount : public CopyableMonitor<ViolationCount> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &, const StepFacts &facts) override {
    if (facts.booted)
      events_ = 0;
    if (model_action<MeasureViolation>(action) ||
        (model_action<MeasureRecord>(action) && model_action<MeasureRecord>(action)->violation))
      ++events_;
    if (state.counters.violations != events_)
      return "violations = " + std::to_string(state.counters.violations) + " after " +
             std::to_string(events_) + " violation events in this kernel";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override { out.signed_number(events_); }

private:
  std::int64_t events_ = 0;
};

} // namespace

MonitorFactory const kReaderContinuity = make_monitor<ReaderContinuity>;
MonitorFactory const kPrefixDeletion = make_monitor<PrefixDeletion>;
MonitorFactory const kKexecCarryOver = make_monitor<KexecCarryOver>;
MonitorFactory const kNoDoubleAccounting = make_monitor<NoDoubleAccounting>;
MonitorFactory const kCounters = make_monitor<Counters>;
MonitorFactory const kHashAfterKexec = make_monitor<HashAfterKexec>;
MonitorFactory const kConcurrentAppends = make_monitor<ConcurrentAppends>;
MonitorFactory const kKexecSizing = make_monitor<KexecSizing>;
MonitorFactory const kOnlyGrows = make_monitor<OnlyGrows>;
MonitorFactory const kUniqueDigests = make_monitor<UniqueDigests>;
MonitorFactory const kPcrReplay = make_monitor<PcrReplay>;
MonitorFactory const kViolationCount = make_monitor<ViolationCount>;

} // namespace trimcheck::props::detail
