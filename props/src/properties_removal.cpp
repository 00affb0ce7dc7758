// Properties about removal requests: P4a, P4b, P5, P6, P8, P9, P9b, P10-P13, P15-P17,
// P19-P22.
#include "monitor_util.hpp"
#include "properties.hpp"

#include <utility>

namespace trimcheck::props::detail {
namespace {

// Serials restored at the latest boot (not hashed in this kernel).
class BootAware : public Monitor {
protected:
  void note_boot(const KernelState &state, const StepFacts &facts) {
    if (facts.booted) {
      restored_.clear();
      for (NodeId id : state.list)
        if (state.nodes[id].hnext_garbage)
          restored_.insert(state.nodes[id].serial);
    }
  }
  bool added_here(Serial serial) const { return !restored_.contains(serial); }

public:
  void encode(StateEncoder &out) const override { restored_.encode(out); }

protected:
  SerialSet restored_;
};

// P4a: without ima_flush_htable a deleted record's duplicate is still refused.
class DedupeDeleted : public CopyableMonitor<DedupeDeleted, BootAware> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    note_boot(state, facts);
    if (state.config.flush_htable || state.config.disable_htable)
      return std::nullopt;
    for (Serial added : facts.appended)
      for (Serial gone : state.ghost.del)
        if (added_here(gone) && same_key(state, added, gone))
          return "r" + std::to_string(added) + " was appended although r" + std::to_string(gone) +
                 " with the same digest was deleted in this kernel " +
                 "and the hash table was not flushed";
    return std::nullopt;
  }
};

// P4b: with ima_flush_htable a duplicate of a record still in L is refused.
class DedupeCurrent : public CopyableMonitor<DedupeCurrent, BootAware> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    note_boot(state, facts);
    if (!state.config.flush_htable || state.config.disable_htable)
      return std::nullopt;
    for (Serial added : facts.appended)
      for (NodeId id : state.list) {
        Serial current = state.nodes[id].serial;
        if (current != added && added_here(current) && same_key(state, added, current))
          return "r" + std::to_string(added) + " was appended although r" +
                 std::to_string(current) + " with the same digest is in L";
      }
    return std::nullopt;
  }
};

// seen_ is always the length of the kernel's event log after a step without a violation,
// so the monitor's state is just which kind it watches (the same in every state).
class EventWatch : public CopyableMonitor<EventWatch> {
public:
  explicit EventWatch(bool leaks) : leaks_(leaks) {}
  void start(const KernelState &state) override { seen_ = state.events.size(); }
  bool watches_memory() const override { return !leaks_; } // P5; P6 judges leaks
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    for (; seen_ < state.events.size(); ++seen_) {
      const MemEvent &event = state.events[seen_];
      if ((event.kind == MemEventKind::leak) == leaks_)
        return std::string(mem_event_name(event.kind)) + ": " +
               std::string(obj_name(event.object)) + " of r" + std::to_string(event.serial) +
               " in " + event.where;
    }
    return std::nullopt;
  }

private:
  bool leaks_;
  std::size_t seen_ = 0;
};

// P8: T == |Del| at quiescent points, and the critical-data record of a trim reports T
// after that trim ("number= <T>;").
class ExactTrimmedTotal : public CopyableMonitor<ExactTrimmedTotal> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted)
      events_.clear();
    for (Serial serial : facts.appended)
      if (auto number = reported_total(state.contents[serial]))
        events_[facts.actor].push_back(*number);
    if (facts.call_returned && outcome.ret >= 0 && events_.count(facts.actor)) {
      const auto reported = std::move(events_[facts.actor]);
      events_.erase(facts.actor);
      for (std::int64_t number : reported)
        if (number != state.counters.trimcount)
          return "the trim's critical-data record reports number= " + std::to_string(number) +
                 " but T after the trim is " + std::to_string(state.counters.trimcount);
    }
    if (quiescent(state) &&
        state.counters.trimcount != static_cast<std::int64_t>(state.ghost.del.size()))
      return "trimmed total T = " + std::to_string(state.counters.trimcount) + " but " +
             std::to_string(state.ghost.del.size()) + " records were deleted";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override { out.by_pid(events_, serials_by_pid); }

private:
  // The number= value of an ima-buf record named "trim ima event logs" (spec 2.3-2.6).
  static std::optional<std::int64_t> reported_total(const Record &record) {
    static const Bytes kName = field_name("trim ima event logs"); // made once, not per record
    if (record.data.kind != TemplateKind::ima_buf || record.data.fields.size() < 3 ||
        record.data.fields[1] != kName)
      return std::nullopt;
    const std::string buffer(record.data.fields[2].begin(), record.data.fields[2].end());
    const auto at = buffer.find("number=");
    if (at == std::string::npos)
      return std::nullopt;
    return std::atoll(buffer.c_str() + at + 7);
  }
  FlatMap<Pid, std::vector<std::int64_t>> events_;
};

// Records each process has been shown through a list file (its view).
class ViewTracker : public Monitor {
protected:
  void note_reads(const KernelState &state, const TraceAction &action, const Outcome &outcome,
                  const StepFacts &facts) {
    if (facts.booted)
      seen_.clear();
    if (std::holds_alternative<Quote>(action)) // a quote vouches for everything measured so far
      for (Serial serial : state.ghost.full)
        seen_[facts.actor].insert(serial);
    if (!facts.file || outcome.delivered.empty())
      return;
    for (Serial serial : outcome.delivered)
      seen_[facts.actor].insert(serial);
  }
  FlatMap<Pid, SerialSet> seen_;

public:
  void encode(StateEncoder &out) const override { out.by_pid(seen_, serials_by_pid); }
};

// P9: a removal removes only records in a view its remover took of the list. A look is
// a view: a list read shows the records it returned and a quote everything measured so
// far (ViewTracker); a read of T, of the count or of the MS start values shows where the
// list starts or how long it is, so a command computed from it addresses the records
// then in S ++ L, and only those. A process that never looked wrote its removal from no
// view at all (blind, like `echo 1 > file`): P9 does not judge it.
class NoStaleTrim : public CopyableMonitor<NoStaleTrim, ViewTracker> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    note_reads(state, action, outcome, facts);
    const FileSpec *file = file_of(state, facts.file);
    if (model_action<Read>(action) && outcome.done && outcome.ret >= 0 && file &&
        shows_position(file->kind)) {
      SerialSet &view = seen_[facts.actor];
      for (NodeId id : state.staged)
        view.insert(state.nodes[id].serial);
      for (NodeId id : state.list)
        view.insert(state.nodes[id].serial);
    }
    if (facts.deleted.empty())
      return std::nullopt;
    const auto view = seen_.find(facts.actor);
    if (view == seen_.end())
      return std::nullopt; // a blind removal
    for (Serial serial : facts.deleted)
      if (!view->second.contains(serial))
        return "p" + std::to_string(facts.actor) + " removed r" + std::to_string(serial) +
               ", which was in no view it took of the list";
    return std::nullopt;
  }

private:
  static bool shows_position(FileKind kind) {
    return kind == FileKind::trim_log || kind == FileKind::count || kind == FileKind::ms_pcrs ||
           kind == FileKind::ms_pcrs_ascii;
  }
};

// P9b: a removal by X removes only records every other reading agent has read.
class MultiAgent : public CopyableMonitor<MultiAgent, ViewTracker> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    note_reads(state, action, outcome, facts);
    for (Serial serial : facts.deleted)
      for (const auto &[pid, seen] : seen_)
        if (pid != facts.actor && pid <= state.procs.size() && state.procs[pid - 1].alive &&
            !seen.contains(serial))
          return "p" + std::to_string(facts.actor) + " removed r" + std::to_string(serial) +
                 " before agent p" + std::to_string(pid) + " read it";
    return std::nullopt;
  }
};

bool any_nonzero(const MsState &ms) {
  for (const auto &bank : ms.start)
    for (const Digest &digest : bank)
      if (std::any_of(digest.begin(), digest.end(), [](std::uint8_t b) { return b != 0; }))
        return true;
  return false;
}

// P10: a removal never changes `violations`, and the kernel never holds start values that
// absorb a removed violation record (MS): a verifier replaying from them would see a
// history with violations as violation-free. The counter restarting at 0 in the next
// kernel after kexec is not a removal: the baseline resets it the same way (spec 2.16,
// "violations = 0"), so counter continuity across kexec would be a property of its own,
// applying to the baselines too. The removed violation record itself is meant to leave
// the kernel: user space saved it before removing it.
class NoWhitewashing : public CopyableMonitor<NoWhitewashing> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &, const StepFacts &facts) override {
    if (facts.booted) // the next kernel's start values replay its own carried list
      removed_violation_ = false;
    for (Serial serial : facts.deleted)
      if (state.contents[serial].violation)
        removed_violation_ = true;
    if (!facts.deleted.empty() && facts.violations_before &&
        *facts.violations_before != state.counters.violations &&
        !model_action<MeasureViolation>(action))
      return "a removal changed violations from " + std::to_string(*facts.violations_before) +
             " to " + std::to_string(state.counters.violations);
    const bool start_changed = state.ms != last_ms_;
    last_ms_ = state.ms;
    if (removed_violation_ && start_changed && any_nonzero(state.ms) && !facts.booted)
      return "the kernel's start PCR values now cover a removed violation record";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.flag(removed_violation_);
    out.ms(last_ms_);
  }

private:
  bool removed_violation_ = false;
  MsState last_ms_;
};

// P11: the kernel stores no value a verifier would trust as the replay start point.
class NoTrustAnchor : public CopyableMonitor<NoTrustAnchor> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    if (any_nonzero(state.ms))
      return "the kernel holds non-zero starting PCR values for verifiers to trust";
    return std::nullopt;
  }
};

// P12: after a quote at point q, the quoting agent's removal leaves exactly Full[..q]
// deleted: nothing up to q still in kernel memory, nothing after q removed by it. Its
// first call that returns success having removed records ends the removal, and so does
// a successful write that removed nothing (a success must mean Full[..q] is gone; MS
// reports success when its replay cannot reach the target), unless that write staged
// quoted records: it is then the first half of a stage-then-delete removal (Sassu RFC v1
// `k` then `D`, v3 `A` then `k`), which the next successful write ends.
class QuoteAligned : public CopyableMonitor<QuoteAligned> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted)
      quotes_.clear();
    if (const Quote *quote = std::get_if<Quote>(&action)) {
      quotes_[quote->pid] = {state.ghost.full, {}, false};
      return std::nullopt;
    }
    auto it = quotes_.find(facts.actor);
    if (it == quotes_.end())
      return std::nullopt;
    QuotePoint &point = it->second;
    point.removed.insert(point.removed.end(), facts.deleted.begin(), facts.deleted.end());
    point.writing |= model_action<Write>(action) != nullptr;
    if (!facts.call_returned)
      return std::nullopt;
    const bool wrote = std::exchange(point.writing, false);
    if (outcome.ret < 0 || (point.removed.empty() && (!wrote || stages_any(state, point.full))))
      return std::nullopt;
    const QuotePoint done = std::move(point);
    quotes_.erase(it);
    const std::set<Serial> quoted(done.full.begin(), done.full.end());
    const std::set<Serial> deleted(state.ghost.del.begin(), state.ghost.del.end());
    const std::string quoted_after =
        "p" + std::to_string(facts.actor) + " quoted after " + list_text(done.full);
    for (Serial serial : done.removed)
      if (!quoted.count(serial))
        return quoted_after + " but its removal also deleted r" + std::to_string(serial) +
               ", measured after the quote";
    for (Serial serial : done.full)
      if (!deleted.count(serial))
        return quoted_after +
               (done.removed.empty() ? " and its request returned success, but r"
                                     : " but after its removal r") +
               std::to_string(serial) + " is still in the kernel";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.by_pid(quotes_, [](StateEncoder &entry, const QuotePoint &point) {
      entry.serials(point.full);
      entry.serials(point.removed);
      entry.flag(point.writing);
    });
  }

private:
  struct QuotePoint {
    std::vector<Serial> full;    // Full at the quote
    std::vector<Serial> removed; // deleted by the quoting agent since
    bool writing = false;        // the agent's write is in flight
  };
  static bool stages_any(const KernelState &state, const std::vector<Serial> &records) {
    return std::any_of(state.staged.begin(), state.staged.end(), [&](NodeId id) {
      return std::find(records.begin(), records.end(), state.nodes[id].serial) != records.end();
    });
  }
  FlatMap<Pid, QuotePoint> quotes_;
};

// P13: trimming metadata (trimmed total, start values, staged list) survives kexec.
class KexecMetadata : public CopyableMonitor<KexecMetadata> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (facts.dumped && !state.ghost.last_dump_failed && state.config.ima_kexec &&
        state.kexec.loaded) {
      for (NodeId id : state.staged)
        if (std::find(state.ghost.last_dump.begin(), state.ghost.last_dump.end(),
                      state.nodes[id].serial) == state.ghost.last_dump.end())
          return "staged record r" + std::to_string(state.nodes[id].serial) +
                 " is not carried by the kexec dump";
    }
    if (facts.booted) {
      if (trimcount_ > 0 && state.counters.trimcount != trimcount_)
        return "trimmed total " + std::to_string(trimcount_) + " became " +
               std::to_string(state.counters.trimcount) + " after kexec";
      if (had_start_ && !any_nonzero(state.ms))
        return "starting PCR values were reset to zero by kexec";
    }
    trimcount_ = state.counters.trimcount;
    had_start_ = any_nonzero(state.ms);
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.signed_number(trimcount_);
    out.flag(had_start_);
  }

private:
  std::int64_t trimcount_ = 0;
  bool had_start_ = false;
};

bool mediated_kind(FileKind kind) {
  return kind == FileKind::list_binary || kind == FileKind::list_ascii ||
         kind == FileKind::staged_binary || kind == FileKind::staged_ascii ||
         kind == FileKind::trim_log || kind == FileKind::ms_pcrs;
}

// P15: at most one write-mode open file outside the writer's task, a writer excludes
// readers, and users == 0 once every file is closed.
class OpenAccounting : public CopyableMonitor<OpenAccounting> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    std::size_t writers = 0, list_readers = 0;
    bool list_writer = false;
    std::optional<Pid> first_writer_task;
    bool several_writer_tasks = false;
    for (const OpenFile &file : state.open_files) {
      if (!counted(state, file))
        continue;
      const bool list = is_list(state, file);
      if (writes(file.access)) {
        ++writers;
        several_writer_tasks |= first_writer_task && *first_writer_task != file.opener;
        first_writer_task = first_writer_task.value_or(file.opener);
        list_writer |= list;
      } else if (list) {
        ++list_readers;
      }
    }
    if (writers > 1 && several_writer_tasks)
      return std::to_string(writers) + " write-mode open files exist, opened by " +
             std::to_string(writer_task_count(state)) + " tasks";
    if (list_writer && list_readers > 0)
      return "a list file is open for write while " + std::to_string(list_readers) +
             " reader(s) have it open";
    const bool any_open = std::any_of(state.open_files.begin(), state.open_files.end(),
                                      [](const OpenFile &f) { return f.refs > 0; });
    if (!any_open && (state.users != 0 || state.measure_writer))
      return "every file is closed but users = " + std::to_string(state.users) +
             (state.measure_writer ? " and a writer task is still recorded" : "");
    return std::nullopt;
  }

private:
  // An open file of a mediated kind that some fd still refers to.
  static bool counted(const KernelState &state, const OpenFile &file) {
    return file.refs > 0 && mediated_kind(state.files.at(file.file).kind);
  }
  static bool is_list(const KernelState &state, const OpenFile &file) {
    const FileKind kind = state.files.at(file.file).kind;
    return kind != FileKind::trim_log && kind != FileKind::ms_pcrs;
  }
  // The tasks that opened the write-mode files (only for a violation's message).
  static std::size_t writer_task_count(const KernelState &state) {
    std::set<Pid> tasks;
    for (const OpenFile &file : state.open_files)
      if (counted(state, file) && writes(file.access))
        tasks.insert(file.opener);
    return tasks.size();
  }
};

// P16: every removal goes through a file opened with CAP_SYS_ADMIN.
class Privilege : public CopyableMonitor<Privilege> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (const Open *open = model_action<Open>(action); open && outcome.ret >= 0) {
      const Process &proc = state.procs.at(open->pid - 1);
      cap_at_open_[*proc.fds.at(static_cast<std::size_t>(outcome.ret))] = proc.cap_sys_admin;
    }
    if (facts.booted)
      cap_at_open_.clear();
    if (!facts.deleted.empty() && facts.file && !cap_at_open_[*facts.file])
      return "p" + std::to_string(facts.actor) + " removed " + list_text(facts.deleted) +
             " through a file opened without CAP_SYS_ADMIN";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    // Looked up only for the (live) file of a removal: gone files are skipped.
    out.by_open_file(cap_at_open_, [](StateEncoder &entry, bool cap) { entry.flag(cap); });
  }

private:
  FlatMap<OpenFileId, bool> cap_at_open_;
};

// P17: a removal step holds ima_extend_list_mutex for O(1) list work.
class LockHold : public CopyableMonitor<LockHold> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (facts.actor != 0 && state.mutex_walk > 1)
      return "p" + std::to_string(facts.actor) + "'s request walked " +
             std::to_string(state.mutex_walk) + " list nodes holding ima_extend_list_mutex";
    return std::nullopt;
  }
};

// P19: with the feature's Kconfig option off, nothing removes records. A version with no
// option ignores the configuration's feature switch (KernelConfig::staging, log_trimming,
// ima_pcrs), so its removals in a kernel with every feature option off are violations.
class KconfigGating : public CopyableMonitor<KconfigGating> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
    if (feature_enabled(state.proposal, state.config) || facts.deleted.empty())
      return std::nullopt;
    const std::string removed =
        "p" + std::to_string(facts.actor) + " removed " + list_text(facts.deleted);
    if (const auto option = feature_kconfig(state.proposal))
      return "with " + std::string(*option) + " off, " + removed;
    return "this version has no Kconfig option for its interface: in a kernel built with "
           "every feature option off, " +
           removed;
  }
};

// P21: parsing reads only the bytes user space delivered, and maps malformed input to
// EINVAL/ERANGE/EFAULT; other errors are the documented state errors. A parse that read
// past the delivered bytes (Outcome::read_past_user_data: past the written length of an
// unterminated copy, or into the zeros a faulting copy left) is a violation at once; a
// bogus or out-of-range return value when the write returns.
class InputRobustness : public CopyableMonitor<InputRobustness> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted)
      writes_.clear();
    if (const Write *write = model_action<Write>(action))
      writes_[facts.actor] = {write->bytes.size(), write->fault_after};
    auto it = writes_.find(facts.actor);
    if (it == writes_.end())
      return std::nullopt;
    const WriteShape shape = it->second;
    if (outcome.read_past_user_data)
      return shape.fault_after
                 ? "a write whose buffer faults after " + std::to_string(*shape.fault_after) +
                       " of its " + std::to_string(shape.length) +
                       " bytes was parsed past them: the handler ignored the failed copy and "
                       "acted on bytes user space never delivered"
                 : "the parse of a " + std::to_string(shape.length) +
                       "-byte write read the kernel's buffer past the written bytes (the copy "
                       "is not NUL-terminated): it acts on stale stack bytes";
    if (!facts.call_returned)
      return std::nullopt;
    const std::int64_t ret = outcome.ret;
    writes_.erase(it);
    static const std::set<std::uint64_t> kDocumented{1,  2,  9,  12, 13, 14, 16,
                                                     17, 22, 23, 34, 95, 116};
    // The errno as a magnitude: -ret overflows for INT64_MIN (a bogus return value).
    const std::uint64_t error = std::uint64_t{0} - static_cast<std::uint64_t>(ret);
    if (ret < 0 && !kDocumented.count(error))
      return "a write returned " + model::return_text(ret) +
             ", which no documented parse or state error explains";
    if (ret > static_cast<std::int64_t>(shape.length))
      return "a write of " + std::to_string(shape.length) + " bytes returned " +
             std::to_string(ret);
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.by_pid(writes_, [](StateEncoder &entry, const WriteShape &shape) {
      entry.number(shape.length);
      entry.number(shape.fault_after ? *shape.fault_after + 1 : 0);
    });
  }

private:
  struct WriteShape {
    std::size_t length = 0;
    std::optional<std::uint32_t> fault_after;
  };
  FlatMap<Pid, WriteShape> writes_; // the write in flight of each process
};

std::unique_ptr<Monitor> make_memory_safety() {
  return std::make_unique<EventWatch>(false);
}
std::unique_ptr<Monitor> make_memory_release() {
  return std::make_unique<EventWatch>(true);
}

} // namespace

MonitorFactory const kDedupeDeleted = make_monitor<DedupeDeleted>;
MonitorFactory const kDedupeCurrent = make_monitor<DedupeCurrent>;
MonitorFactory const kMemorySafety = make_memory_safety;
MonitorFactory const kMemoryRelease = make_memory_release;
MonitorFactory const kExactTrimmedTotal = make_monitor<ExactTrimmedTotal>;
MonitorFactory const kNoStaleTrim = make_monitor<NoStaleTrim>;
MonitorFactory const kMultiAgent = make_monitor<MultiAgent>;
MonitorFactory const kNoWhitewashing = make_monitor<NoWhitewashing>;
MonitorFactory const kNoTrustAnchor = make_monitor<NoTrustAnchor>;
MonitorFactory const kQuoteAligned = make_monitor<QuoteAligned>;
MonitorFactory const kKexecMetadata = make_monitor<KexecMetadata>;
MonitorFactory const kOpenAccounting = make_monitor<OpenAccounting>;
MonitorFactory const kPrivilege = make_monitor<Privilege>;
MonitorFactory const kLockHold = make_monitor<LockHold>;
MonitorFactory const kKconfigGating = make_monitor<KconfigGating>;
MonitorFactory const kInputRobustness = make_monitor<InputRobustness>;

} // namespace trimcheck::props::detail
