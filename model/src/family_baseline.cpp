// Baseline upstream IMA (spec section 4): no removal, no open mediation. The hooks here
// are also the defaults that proposal families keep where their patches do not change
// the behaviour.
#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/model/detail/user_copy.hpp"

#include <stdexcept>

namespace trimcheck::model::detail {

std::string slot_file_suffix(const DigestSlot &slot) {
  return "_" + std::string(hash_name(slot.algo));
}

std::vector<FileSpec> baseline_files(const KernelConfig &config, std::uint16_t list_mode) {
  std::vector<FileSpec> files;
  const auto slots = config.banks.slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::string suffix = slot_file_suffix(slots[i]);
    files.push_back({"binary_runtime_measurements" + suffix, FileKind::list_binary, i, list_mode});
    files.push_back({"ascii_runtime_measurements" + suffix, FileKind::list_ascii, i, list_mode});
  }
  files.push_back({"binary_runtime_measurements", FileKind::list_binary, 0, 0777,
                   "binary_runtime_measurements_sha1"});
  files.push_back({"ascii_runtime_measurements", FileKind::list_ascii, 0, 0777,
                   "ascii_runtime_measurements_sha1"});
  files.push_back({"runtime_measurements_count", FileKind::count, 0, 0440});
  files.push_back({"violations", FileKind::violations, 0, 0440});
  files.push_back({"policy", FileKind::policy, 0, 0600}); // CONFIG_IMA_READ_POLICY=y
  return files;
}

std::int64_t no_mediation_open(KernelState &, const Process &, OpenFile &) {
  return 0;
}
std::int64_t no_mediation_release(KernelState &, Pid, OpenFile &) {
  return 0;
}

std::int64_t shared_mediation_open(KernelState &state, const Process &proc, OpenFile &file) {
  if (!is_list_file(state.files.at(file.file).kind))
    return 0;
  return claim_measure_slot(state, proc, file);
}

std::int64_t claim_measure_slot(KernelState &state, const Process &proc, OpenFile &file) {
  if (writes(file.access)) {
    if (!proc.cap_sys_admin)
      return -kEPERM;
    if (state.users != 0)
      return -kEBUSY;
    state.users = -1;
  } else {
    if (state.users < 0)
      return -kEBUSY;
    ++state.users;
  }
  file.counted = true;
  return 0;
}

std::int64_t shared_mediation_release(KernelState &state, Pid, OpenFile &file) {
  if (!file.counted)
    return 0;
  file.counted = false;
  if (writes(file.access))
    state.users = 0;
  else
    --state.users;
  return 0;
}

Outcome baseline_read(KernelState &state, Request &request) {
  OpenFile &file = state.open_files.at(request.open_file);
  const FileSpec &spec = state.files.at(file.file);
  switch (spec.kind) {
  case FileKind::list_binary:
  case FileKind::list_ascii:
    return seq_read(state, file, state.list, request.count);
  case FileKind::count:
    return text_read(file, std::to_string(hooks_for(state.proposal).shown_count(state)) + "\n",
                     request.count);
  case FileKind::violations:
    return text_read(file, std::to_string(state.counters.violations) + "\n", request.count);
  case FileKind::policy:
    return {};
  default:
    return {.ret = -kEINVAL};
  }
}

void baseline_write_step(KernelState &state, Request &request) {
  const FileSpec &spec = state.files.at(state.open_files.at(request.open_file).file);
  // Only the policy file has a write method; vfs_write refuses the others. The policy
  // write copies with memdup_user_nul: a faulting buffer is EFAULT.
  if (spec.kind != FileKind::policy)
    return finish(request, -kEINVAL);
  if (copy_from_user(request).faulted())
    return finish(request, -kEFAULT);
  succeed(request);
}

std::string kexec_event_buffer(const KernelState &state, std::size_t segment_size) {
  const FamilyHooks &hooks = hooks_for(state.proposal);
  const KexecEventValues values =
      hooks.kexec_event_values
          ? hooks.kexec_event_values(state)
          : KexecEventValues{hooks.kexec_runtime_size(state), hooks.shown_count(state)};
  std::string buffer; // one allocation (a chain of `+` made one per step of it)
  buffer.reserve(128);
  buffer.append("kexec_segment_size=")
      .append(std::to_string(segment_size))
      .append(";ima_binary_runtime_size=")
      .append(std::to_string(values.runtime_size))
      .append(";ima_runtime_measurements_count=")
      .append(std::to_string(values.count)) // signed
      .append(";");
  return buffer;
}

void baseline_reboot(KernelState &state) {
  if (measures_kexec_events(state.proposal, state.config))
    measure_critical_data(state, "kexec_execute", kexec_event_buffer(state, state.kexec.size));
  if (has_suspend(state.proposal, state.config))
    state.suspended = true; // ima_reboot_notifier, under the mutex
}

std::vector<NodeId> list_only(const KernelState &state) {
  return state.list;
}
std::uint64_t list_runtime_size(const KernelState &state) {
  return state.counters.bin_size;
}
std::int64_t htable_len_count(const KernelState &state) {
  return state.counters.htable_len;
}

void baseline_count_append(KernelState &state, std::size_t size) {
  ++state.counters.htable_len;
  state.counters.bin_size += size;
}

namespace {
std::vector<FileSpec> baseline_hook_files(const KernelState &state) {
  return baseline_files(state.config, 0440);
}
} // namespace

const FamilyHooks &baseline_hooks() {
  static const FamilyHooks kHooks{
      baseline_hook_files,
      no_mediation_open,
      no_mediation_release,
      baseline_read,
      baseline_write_step,
      baseline_reboot,
      list_only,
      list_runtime_size,
      htable_len_count,
      baseline_count_append,
  };
  return kHooks;
}

BaseTree base_tree(ProposalId id, BaseTree configured) {
  // Every series was posted against a tree >= 6.15: Chen's and Sassu's have
  // ima_measure_kexec_event (spec section 1); the MS RFC tree (6.17/6.18 era) too.
  const BaseTree own = id == ProposalId::baseline_6_12   ? BaseTree::linux_6_12
                       : id == ProposalId::baseline_6_15 ? BaseTree::linux_6_15
                                                         : BaseTree::as_posted;
  if (own != BaseTree::as_posted && configured != BaseTree::as_posted && configured != own)
    throw std::invalid_argument("the baseline " + std::string(proposal_info(id).key) +
                                " is its own tree; it cannot be on " +
                                std::string(base_tree_name(configured)));
  if (configured != BaseTree::as_posted)
    return configured;
  return own == BaseTree::as_posted ? BaseTree::linux_6_15 : own;
}

bool has_suspend(ProposalId id, const KernelConfig &config) {
  return base_tree(id, config.base) >= BaseTree::linux_6_14;
}

bool measures_kexec_events(ProposalId id, const KernelConfig &config) {
  return base_tree(id, config.base) >= BaseTree::linux_6_15;
}

const FamilyHooks &hooks_for(ProposalId id) {
  switch (proposal_info(id).family) {
  case Family::baseline:
    return baseline_hooks();
  case Family::ms:
    return ms_hooks();
  case Family::chen:
    return chen_hooks();
  case Family::sassu:
    return sassu_hooks();
  }
  throw std::logic_error("unknown family");
}

} // namespace trimcheck::model::detail
