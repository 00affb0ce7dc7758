// P20 (honest success) and P22 (MS replay fidelity): judged against what the written
// command asks for, read with the documented meaning of each command.
#include "monitor_util.hpp"
#include "properties.hpp"

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
    else if (text != "A" && proposal != ProposalId::sassu_rfc1 &&
             proposal != ProposalId::sassu_rfc2)
      out.deletes = number(text, 10);
    return out;
  default:
    return out;
  }
}

// P20: a write returns success only if it removed what it was asked to remove.
class HonestSuccess : public Monitor {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
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
    if (state.proposal == ProposalId::ms_rfc1 && removed == 0 && state.ms == done.ms_before &&
        !targets_equal_start(state, done.bytes))
      return "the PCR-value write returned " + std::to_string(outcome.ret) +
             " without trimming or matching the current start values";
    return std::nullopt;
  }

private:
  // Whether every record of an MS write names a value equal to its start value.
  static bool targets_equal_start(const KernelState &state, const Bytes &bytes) {
    std::size_t pos = 0;
    while (pos + 6 <= bytes.size()) {
      std::string head(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                       bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6));
      if (head.rfind("pcr", 0) != 0 || head[5] != ':')
        return false;
      const int pcr = std::atoi(head.substr(3, 2).c_str());
      auto colon =
          std::find(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6), bytes.end(), ':');
      if (colon == bytes.end())
        return false;
      auto algo =
          hash_from_name(std::string(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 6), colon));
      if (!algo)
        return false;
      const std::size_t start = static_cast<std::size_t>(colon - bytes.begin()) + 1;
      const std::size_t size = digest_size(*algo);
      if (start + size > bytes.size())
        return false;
      Digest target(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                    bytes.begin() + static_cast<std::ptrdiff_t>(start + size));
      auto slot = std::find(state.ms.configured_pcrs.begin(), state.ms.configured_pcrs.end(),
                            static_cast<std::uint32_t>(pcr));
      std::optional<std::size_t> bank;
      for (std::size_t b = 0; b < state.config.banks.tpm_banks.size(); ++b)
        if (state.config.banks.tpm_banks[b].algo == *algo)
          bank = b;
      if (slot == state.ms.configured_pcrs.end() || !bank ||
          state.ms.start.at(*bank).at(
              static_cast<std::size_t>(slot - state.ms.configured_pcrs.begin())) != target)
        return false;
      pos = start + size;
    }
    return pos == bytes.size();
  }

  struct Pending {
    Expectation expect;
    std::size_t staged_at_start;
    std::vector<Serial> deleted;
    MsState ms_before;
    Bytes bytes;
  };
  std::map<Pid, Pending> pending_;
  std::size_t staged_before_ = 0;
};

// P22: the MS start values equal what the TPM was extended with for the trimmed
// records (the kernel's own replay must agree with IMA's extends).
class ReplayFidelity : public Monitor {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &facts) override {
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

private:
  MsState last_;
};

template <typename T> std::unique_ptr<Monitor> make() {
  return std::make_unique<T>();
}

} // namespace

MonitorFactory const kHonestSuccess = make<HonestSuccess>;
MonitorFactory const kReplayFidelity = make<ReplayFidelity>;

} // namespace trimcheck::props::detail
