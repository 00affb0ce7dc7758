// P20 (honest success) and P22 (MS replay fidelity): judged against what the written
// command asks for, read with the documented meaning of each command.
#include "monitor_util.hpp"
#include "properties.hpp"
#include "trimcheck/model/removal_interface.hpp"

#include <cstdlib>

namespace trimcheck::props::detail {
namespace {

// Records the command asks to delete, or nullopt when it deletes nothing by itself
// (staging) or its meaning depends on kernel state (MS targets).
struct Expectation {
  std::optional<std::uint64_t> deletes;
  bool delete_all_staged = false;
};

std::optional<std::uint64_t> number(const std::string &text, int base) {
  if (text.empty())
    return std::nullopt;
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, base);
  if (errno != 0 || *end != '\0' || text[0] == '-' || text[0] == '+')
    return std::nullopt;
  return value;
}

Expectation expectation(ProposalId proposal, const FileSpec &file, const Bytes &bytes) {
  std::string text(bytes.begin(), bytes.end());
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  Expectation out;
  switch (proposal_info(proposal).family) {
  case Family::chen: {
    if (file.kind != FileKind::trim_log)
      return out;
    auto colon = text.find(':');
    out.deletes = colon == std::string::npos ? number(text, 10) : number(text.substr(colon + 1), 0);
    return out;
  }
  case Family::sassu:
    if (text == "D")
      out.delete_all_staged = true;
    else if (!text.empty() && text[0] == '-')
      out.deletes = number(text.substr(1), 0);
    else if (text != "A" && !removal_interface(proposal).plain_count_stages)
      out.deletes = number(text, 10);
    return out;
  default:
    return out;
  }
}

// One "pcrNN:<hash>:<raw digest>" record of an MS write (spec 2.1).
struct PcrTarget {
  std::uint32_t pcr;
  HashAlgo algo;
  Digest value;
};

std::optional<std::vector<PcrTarget>> parse_targets(const Bytes &bytes) {
  std::vector<PcrTarget> targets;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (pos + 6 > bytes.size())
      return std::nullopt;
    std::string head(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                     bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6));
    if (head.rfind("pcr", 0) != 0 || head[5] != ':' || !std::isdigit(head[3]) ||
        !std::isdigit(head[4]))
      return std::nullopt;
    auto name_end =
        std::find(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6), bytes.end(), ':');
    if (name_end == bytes.end())
      return std::nullopt;
    auto algo =
        hash_from_name(std::string(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6), name_end));
    if (!algo)
      return std::nullopt;
    const std::size_t start = static_cast<std::size_t>(name_end - bytes.begin()) + 1;
    if (start + digest_size(*algo) > bytes.size())
      return std::nullopt;
    targets.push_back(
        {static_cast<std::uint32_t>(std::stoi(head.substr(3, 2))), *algo,
         Digest(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                bytes.begin() + static_cast<std::ptrdiff_t>(start + digest_size(*algo)))});
    pos = start + digest_size(*algo);
  }
  return targets;
}

std::optional<std::size_t> bank_of(const KernelState &state, HashAlgo algo) {
  for (std::size_t b = 0; b < state.config.banks.tpm_banks.size(); ++b)
    if (state.config.banks.tpm_banks[b].algo == algo)
      return b;
  return std::nullopt;
}

std::optional<std::size_t> slot_of(const MsState &ms, std::uint32_t pcr) {
  auto it = std::find(ms.configured_pcrs.begin(), ms.configured_pcrs.end(), pcr);
  if (it == ms.configured_pcrs.end())
    return std::nullopt;
  return static_cast<std::size_t>(it - ms.configured_pcrs.begin());
}

// P20: a write returns success only if it removed what it was asked to remove.
class HonestSuccess : public CopyableMonitor<HonestSuccess> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted)
      pending_.clear();
    if (const Write *write = model_action<Write>(action)) {
      const FileSpec *file = file_of(state, facts.file);
      if (file != nullptr)
        pending_[facts.actor] = {expectation(state.proposal, *file, write->bytes),
                                 staged_before_,
                                 {},
                                 state.ms,
                                 write->bytes};
    }
    staged_before_ = state.staged.size();
    auto it = pending_.find(facts.actor);
    if (it == pending_.end())
      return std::nullopt;
    Pending &pending = it->second;
    pending.deleted.insert(pending.deleted.end(), facts.deleted.begin(), facts.deleted.end());
    if (!facts.call_returned)
      return std::nullopt;
    Pending done = std::move(pending);
    pending_.erase(it);
    if (outcome.ret < 0)
      return std::nullopt;
    const std::uint64_t removed = done.deleted.size();
    if (done.expect.delete_all_staged && removed != done.staged_at_start)
      return "D returned success but removed " + std::to_string(removed) + " of " +
             std::to_string(done.staged_at_start) + " staged records";
    if (done.expect.deletes && *done.expect.deletes > 0 && removed != *done.expect.deletes)
      return "a request to remove " + std::to_string(*done.expect.deletes) + " records returned " +
             std::to_string(outcome.ret) + " but removed " + std::to_string(removed);
    if (removal_interface(state.proposal).command == RemovalCommand::pcr_values && removed == 0 &&
        state.ms == done.ms_before && !targets_equal_start(state, done.bytes))
      return "the PCR-value write returned " + std::to_string(outcome.ret) +
             " without trimming or matching the current start values";
    return std::nullopt;
  }

  void encode(StateEncoder &out) const override {
    out.by_pid(pending_, [](StateEncoder &entry, const Pending &pending) {
      entry.flag(pending.expect.deletes.has_value());
      entry.number(pending.expect.deletes.value_or(0));
      entry.flag(pending.expect.delete_all_staged);
      entry.number(pending.staged_at_start);
      entry.serials(pending.deleted);
      entry.ms(pending.ms_before);
      entry.blob(pending.bytes);
    });
    out.number(staged_before_);
  }

private:
  // Whether every record of an MS write names a value equal to its start value.
  static bool targets_equal_start(const KernelState &state, const Bytes &bytes) {
    auto targets = parse_targets(bytes);
    if (!targets)
      return false;
    for (const PcrTarget &target : *targets) {
      auto bank = bank_of(state, target.algo);
      auto slot = slot_of(state.ms, target.pcr);
      if (!bank || !slot || state.ms.start.at(*bank).at(*slot) != target.value)
        return false;
    }
    return true;
  }

  struct Pending {
    Expectation expect;
    std::size_t staged_at_start;
    std::vector<Serial> deleted;
    MsState ms_before;
    Bytes bytes;
  };
  FlatMap<Pid, Pending> pending_;
  std::size_t staged_before_ = 0;
};

// P22: the kernel's replay agrees with what IMA extended: a write naming the TPM value
// reached after the first k records of L trims exactly k records, and the start values
// it keeps equal the TPM's extends of the trimmed records.
class ReplayFidelity : public CopyableMonitor<ReplayFidelity> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    if (facts.booted)
      pending_.clear();
    if (const Write *write = model_action<Write>(action)) {
      const FileSpec *file = file_of(state, facts.file);
      if (file != nullptr && file->kind == FileKind::ms_pcrs)
        pending_[facts.actor] = {write->bytes, serials(state, state.list), state.ms, {}};
    }
    auto it = pending_.find(facts.actor);
    if (it != pending_.end()) {
      it->second.deleted.insert(it->second.deleted.end(), facts.deleted.begin(),
                                facts.deleted.end());
      if (facts.call_returned) {
        Pending done = std::move(it->second);
        pending_.erase(it);
        if (outcome.ret >= 0 && !done.deleted.empty() && !pending_.empty())
          for (auto &[pid, other] : pending_)
            other.raced = true; // its snapshot of L and start is stale now
        if (outcome.ret >= 0 && !done.raced)
          if (auto problem = judge_write(state, done))
            return problem;
      }
    }
    return judge_start_values(state, facts);
  }

  void encode(StateEncoder &out) const override {
    out.by_pid(pending_, [](StateEncoder &entry, const Pending &pending) {
      entry.blob(pending.bytes);
      entry.serials(pending.list);
      entry.ms(pending.ms);
      entry.serials(pending.deleted);
      entry.flag(pending.raced);
    });
    out.ms(last_);
  }

private:
  struct Pending {
    Bytes bytes;
    std::vector<Serial> list; // L when the write started
    MsState ms;
    std::vector<Serial> deleted;
    bool raced = false; // another write trimmed while this one was in flight
  };

  static std::optional<std::string> judge_write(const KernelState &state, const Pending &done) {
    auto targets = parse_targets(done.bytes);
    if (!targets)
      return std::nullopt;
    const BankLayout &layout = state.config.banks;
    for (const PcrTarget &target : *targets) {
      auto bank = bank_of(state, target.algo);
      auto slot = slot_of(done.ms, target.pcr);
      if (!bank || !slot)
        continue;
      Digest value = done.ms.start.at(*bank).at(*slot);
      for (std::size_t k = 0; k < done.list.size(); ++k) {
        const Record &record = state.contents[done.list[k]];
        if (record.pcr != target.pcr)
          break; // the replay stops at a record of another PCR
        value =
            Hasher(target.algo).update(value).update(extend_value(layout, *bank, record)).finish();
        if (value == target.value && done.deleted.size() != k + 1)
          return "the TPM's " + std::string(hash_name(target.algo)) + " PCR " +
                 std::to_string(target.pcr) + " was reached after " + std::to_string(k + 1) +
                 " records, but the kernel's replay trimmed " + std::to_string(done.deleted.size());
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> judge_start_values(const KernelState &state, const StepFacts &facts) {
    if (facts.booted || state.ms == last_)
      return last_ = state.ms, std::nullopt;
    last_ = state.ms;
    const BankLayout &layout = state.config.banks;
    for (std::size_t slot = 0; slot < state.ms.configured_pcrs.size(); ++slot) {
      const std::uint32_t pcr = state.ms.configured_pcrs[slot];
      for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank) {
        const HashAlgo algo = layout.tpm_banks[bank].algo;
        Digest value(digest_size(algo), 0);
        for (Serial serial : state.ghost.del) {
          const Record &record = state.contents[serial];
          if (record.pcr == pcr)
            value = Hasher(algo).update(value).update(extend_value(layout, bank, record)).finish();
        }
        if (state.ms.start.at(bank).at(slot) != value)
          return "the kernel's replay of the trimmed records gives " +
                 std::string(hash_name(algo)) + " PCR " + std::to_string(pcr) + " = " +
                 to_hex(state.ms.start[bank][slot]) + ", but the TPM was extended to " +
                 to_hex(value);
      }
    }
    return std::nullopt;
  }

  FlatMap<Pid, Pending> pending_;
  MsState last_;
};

} // namespace

MonitorFactory const kHonestSuccess = make_monitor<HonestSuccess>;
MonitorFactory const kReplayFidelity = make_monitor<ReplayFidelity>;

} // namespace trimcheck::props::detail
