// Microsoft RFC v1, "trim-to PCR values" (spec 2.1). One version, so its choices are
// the named constants and functions below rather than a table.
//
// The kernel keeps start[bank][slot], the PCR values the trimmed prefix replays to. A
// write of target values to /sys/kernel/config/ima/pcrs replays L from `start` with the
// RFC's own hashing until every configured PCR reaches its target, removes that prefix
// and moves `start` forward. The write holds the RFC's ima_pcr_write_mutex throughout
// and runs in the atomic steps of spec 2.15 (request.pc):
//   kReplay       parse, compare with start, lockless replay walk -> record count
//   kPurge        unlink and remove `count` head records under ima_extend_list_mutex
//   kUpdateStart  start := replayed values, outside ima_extend_list_mutex
#include "ms_pcrs_format.hpp"
#include "trimcheck/model/detail/family.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace trimcheck::model::detail {
namespace {

constexpr int kReplay = 0, kPurge = 1, kUpdateStart = 2;
constexpr std::string_view kPcrsPath = "/sys/kernel/config/ima/pcrs";
constexpr std::string_view kPcrsAsciiPath = "/sys/kernel/config/ima/pcrs_ascii";
// configfs passes at most SIMPLE_ATTR_SIZE - 1 bytes of one write(2) to the store.
constexpr std::size_t kMaxStoreBytes = 4095;
// The replay treats a record whose first digest starts with this many zero bytes as a
// violation (2.1 step 3c: digests[0], 20 bytes).
constexpr std::size_t kViolationCheckBytes = 20;

using Values = std::vector<std::vector<Digest>>; // [tpm bank][configured slot]

const FileSpec &file_of(const KernelState &state, const Request &request) {
  return state.files.at(state.open_files.at(request.open_file).file);
}

std::optional<std::size_t> slot_of(const MsState &ms, std::uint32_t pcr) {
  auto it = std::find(ms.configured_pcrs.begin(), ms.configured_pcrs.end(), pcr);
  if (it == ms.configured_pcrs.end())
    return std::nullopt;
  return static_cast<std::size_t>(it - ms.configured_pcrs.begin());
}

// The RFC's template hash (2.1 step 3c): u32 length + data for every field, for every
// template. It differs from IMA's for the legacy `ima` template.
Digest rfc_template_hash(const TemplateData &data, HashAlgo algo) {
  Hasher hasher(algo);
  for (const Bytes &field : data.fields) {
    hasher.update_u32(static_cast<std::uint32_t>(field.size()));
    hasher.update(field);
  }
  return hasher.finish();
}

bool rfc_sees_violation(const Record &record) {
  const Digest &first = record.digests.at(0);
  return std::all_of(first.begin(),
                     first.begin() +
                         static_cast<std::ptrdiff_t>(std::min(first.size(), kViolationCheckBytes)),
                     [](std::uint8_t byte) { return byte == 0; });
}

// Extends every bank's replayed value of `slot` with one record; true if the value of
// the target's bank now equals the target.
bool replay_record(const BankLayout &banks, Values &ext, std::size_t slot, const Record &record,
                   const PcrTarget &target) {
  bool matched = false;
  const bool violation = rfc_sees_violation(record);
  for (std::size_t bank = 0; bank < banks.tpm_banks.size(); ++bank) {
    const HashAlgo algo = banks.tpm_banks[bank].algo;
    const Digest value =
        violation ? Digest(digest_size(algo), 0xFF) : rfc_template_hash(record.data, algo);
    Digest &current = ext[bank][slot];
    current = Hasher(algo).update(current).update(value).finish();
    if (target.algo == algo && current == target.digest)
      matched = true;
  }
  return matched;
}

std::optional<std::size_t> bank_of(const BankLayout &banks, const std::optional<HashAlgo> &algo) {
  for (std::size_t bank = 0; bank < banks.tpm_banks.size(); ++bank)
    if (algo == banks.tpm_banks[bank].algo)
      return bank;
  return std::nullopt;
}

// Another write holds ima_pcr_write_mutex once it is past its first step.
bool pcr_mutex_taken(const KernelState &state, const Request &self) {
  return std::any_of(state.requests.begin(), state.requests.end(), [&](const Request &r) {
    return r.pid != self.pid && r.kind == Request::Kind::write && r.pc > kReplay &&
           file_of(state, r).kind == FileKind::ms_pcrs;
  });
}

// Step 1 (2.1 steps 1-3c): parse, compare with start, replay L without the list mutex.
void replay(KernelState &state, Request &request) {
  if (request.fault_after && *request.fault_after < request.input.size())
    request.input.resize(*request.fault_after); // copy_from_iter stops at the fault: a short write
  if (request.input.empty())
    return finish(request, -kEFAULT); // configfs copied nothing; the store is not called
  if (request.input.size() > kMaxStoreBytes)
    request.input.resize(kMaxStoreBytes);
  if (pcr_mutex_taken(state, request))
    return; // sleeps on ima_pcr_write_mutex: no progress
  const auto stored = static_cast<std::int64_t>(request.input.size());
  const MsState &ms = state.ms;
  const BankLayout &banks = state.config.banks;
  ParsedTargets parsed = parse_pcr_targets(request.input, ms.configured_pcrs);
  if (parsed.error != 0)
    return finish(request, parsed.error);

  // a/b: a target equal to start is matched already; an algorithm that is no TPM bank
  // makes the compare fail, which the store reports as success without a trim.
  std::vector<bool> matched(ms.configured_pcrs.size(), false);
  std::size_t needed = 0;
  for (std::size_t slot = 0; slot < parsed.targets.size(); ++slot) {
    const std::optional<std::size_t> bank = bank_of(banks, parsed.targets[slot].algo);
    if (!bank)
      return finish(request, stored);
    matched[slot] = ms.start[*bank][slot] == parsed.targets[slot].digest;
    needed += !matched[slot];
  }
  if (needed == 0)
    return finish(request, stored);

  // c: replay from start until every unmatched slot reached its target.
  Values ext = ms.start;
  std::int64_t count = 0;
  for (NodeId node : state.list) {
    const Record &record = content(state, node);
    const std::optional<std::size_t> slot = slot_of(ms, record.pcr);
    if (!slot || matched[*slot])
      return finish(request, -kEINVAL);
    ++count;
    if (replay_record(banks, ext, *slot, record, parsed.targets[*slot])) {
      matched[*slot] = true;
      if (--needed == 0)
        break;
    }
  }
  if (needed > 0)
    return finish(request, stored); // ran off the end: no trim, still success
  request.n = count;
  request.pc = kPurge;
}

// Step 2 (2.1 step 3d): under ima_extend_list_mutex, unlink from H and L; free nothing.
// The loop visits each of the `count` records with the mutex held (P17: O(count)).
void purge(KernelState &state, Request &request) {
  locked_visit(state, static_cast<std::uint64_t>(request.n));
  const auto end = state.list.begin() + static_cast<std::ptrdiff_t>(request.n);
  request.cut.assign(state.list.begin(), end);
  state.list.erase(state.list.begin(), end);
  record_deleted(state, request.cut);
  for (NodeId node : request.cut) {
    if (!state.config.disable_htable)
      unlink_hash(state, node, "ima_purge_event_log");
    --state.counters.htable_len;
  }
  request.pc = kUpdateStart;
}

// Step 3 (2.1 step 3e): start := the values replayed over the purged records, for every
// bank and slot. The purged records stay allocated and unreachable (leak).
void update_start(KernelState &state, Request &request) {
  MsState &ms = state.ms;
  Values ext = ms.start;
  for (NodeId node : request.cut) {
    const Record &record = content(state, node);
    replay_record(state.config.banks, ext, *slot_of(ms, record.pcr), record, PcrTarget{});
  }
  ms.start = std::move(ext);
  request.cut.clear();
  succeed(request);
}

std::vector<FileSpec> ms_files(const KernelState &state) {
  std::vector<FileSpec> files = baseline_files(state.config, 0440);
  // no TPM: no configured PCR, configfs init fails with ENODEV
  if (!state.config.banks.tpm_banks.empty() && state.config.ima_pcrs) {
    files.push_back({std::string(kPcrsPath), FileKind::ms_pcrs, 0, 0644});
    files.push_back({std::string(kPcrsAsciiPath), FileKind::ms_pcrs_ascii, 0, 0444});
  }
  return files;
}

void ms_boot(KernelState &state) {
  const BankLayout &banks = state.config.banks;
  state.ms = {};
  if (banks.tpm_banks.empty())
    return; // no TPM: no configured PCR, configfs init fails with ENODEV
  state.ms.configured_pcrs = {state.config.measure_pcr};
  for (const TpmBank &bank : banks.tpm_banks)
    state.ms.start.push_back({Digest(digest_size(bank.algo), 0)});
}

// configfs (not IMA) refuses a write-mode open of an attribute without write bits.
std::int64_t ms_open(KernelState &state, const Process &, OpenFile &file) {
  const FileSpec &spec = state.files.at(file.file);
  const bool configfs = spec.kind == FileKind::ms_pcrs || spec.kind == FileKind::ms_pcrs_ascii;
  if (configfs && writes(file.access) && (spec.mode & 0222) == 0)
    return -kEACCES;
  return 0;
}

Outcome ms_read(KernelState &state, Request &request) {
  OpenFile &file = state.open_files.at(request.open_file);
  switch (file_of(state, request).kind) {
  case FileKind::ms_pcrs: {
    const Bytes shown = render_pcrs(state.config.banks, state.ms);
    return text_read(file, std::string(shown.begin(), shown.end()), request.count);
  }
  case FileKind::ms_pcrs_ascii:
    return text_read(file, render_pcrs_ascii(state.config.banks, state.ms), request.count);
  default:
    return baseline_read(state, request);
  }
}

void ms_write_step(KernelState &state, Request &request) {
  if (file_of(state, request).kind != FileKind::ms_pcrs)
    return baseline_write_step(state, request);
  switch (request.pc) {
  case kReplay:
    replay(state, request);
    break;
  case kPurge:
    purge(state, request);
    break;
  case kUpdateStart:
    update_start(state, request);
    break;
  default:
    throw std::logic_error("ms-rfc1: no step " + std::to_string(request.pc));
  }
  if (request.pc == -1 && request.result > 0) // configfs advances ki_pos by the stored bytes
    state.open_files.at(request.open_file).pos += static_cast<std::uint64_t>(request.result);
}

} // namespace

Bytes ms_trim_command(const KernelState &state, std::size_t records) {
  const MsState &ms = state.ms;
  const BankLayout &banks = state.config.banks;
  std::size_t bank = 0; // the sha256 bank when the TPM has it, as the agents write
  for (std::size_t b = 0; b < banks.tpm_banks.size(); ++b)
    if (banks.tpm_banks[b].algo == HashAlgo::sha256)
      bank = b;
  Values ext = ms.start;
  for (std::size_t i = 0; i < records && i < state.list.size(); ++i) {
    const Record &record = content(state, state.list[i]);
    if (const std::optional<std::size_t> slot = slot_of(ms, record.pcr))
      replay_record(banks, ext, *slot, record, PcrTarget{});
  }
  Bytes command;
  for (std::size_t slot = 0; slot < ms.configured_pcrs.size(); ++slot) {
    char head[8];
    std::snprintf(head, sizeof head, "pcr%02u:", ms.configured_pcrs[slot]);
    const std::string prefix =
        std::string(head) + std::string(hash_name(banks.tpm_banks[bank].algo)) + ":";
    command.insert(command.end(), prefix.begin(), prefix.end());
    command.insert(command.end(), ext[bank][slot].begin(), ext[bank][slot].end());
  }
  return command;
}

const FamilyHooks &ms_hooks() {
  static const FamilyHooks kHooks{
      .files = ms_files,
      .open = ms_open,
      .release = no_mediation_release,
      .read = ms_read,
      .write_step = ms_write_step,
      .reboot = baseline_reboot,
      .dump_order = list_only,
      .kexec_runtime_size = list_runtime_size,
      .shown_count = htable_len_count,
      .count_append = baseline_count_append,
      .boot = ms_boot,
  };
  return kHooks;
}

} // namespace trimcheck::model::detail
