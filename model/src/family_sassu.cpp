// Roberto Sassu's series, RFC v1 .. v7 (spec 2.7-2.16): files, open mediation, reads,
// counters and kexec. Every version difference comes from the table in
// sassu_traits.cpp; writes are in sassu_queue.cpp.
#include "trimcheck/model/detail/sassu.hpp"

#include <limits>

namespace trimcheck::model::detail {
namespace sassu {
namespace {

const SassuTraits &traits_of(const KernelState &state) {
  return traits(state.proposal);
}

// Live files (0440, or 0660 from v5), and the staged files with their symlinks unless
// CONFIG_IMA_STAGING gates them off (spec 2.7, 2.9, 2.10, 2.13).
std::vector<FileSpec> measurement_files(const KernelConfig &config, const SassuTraits &traits) {
  std::vector<FileSpec> files = baseline_files(config, traits.live_mode);
  if (traits.staging_kconfig && !config.staging)
    return files;
  auto staged_name = [&](const std::string &base, const std::string &suffix) {
    return traits.staged_names == StagedNames::staged_then_algo ? base + "_staged" + suffix
                                                                : base + suffix + "_staged";
  };
  const auto slots = config.banks.slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::string suffix = slot_file_suffix(slots[i]);
    files.push_back(
        {staged_name("binary_runtime_measurements", suffix), FileKind::staged_binary, i, 0660});
    files.push_back(
        {staged_name("ascii_runtime_measurements", suffix), FileKind::staged_ascii, i, 0660});
  }
  files.push_back({"binary_runtime_measurements_staged", FileKind::staged_binary, 0, 0777,
                   staged_name("binary_runtime_measurements", "_sha1")});
  files.push_back({"ascii_runtime_measurements_staged", FileKind::staged_ascii, 0, 0777,
                   staged_name("ascii_runtime_measurements", "_sha1")});
  return files;
}

std::vector<FileSpec> sassu_files(const KernelState &state) {
  return measurement_files(state.config, traits_of(state));
}

// v6/v7 (spec 2.12, 2.13): the writer task may open further write-mode files; readers
// are refused while a writer exists, even in the writer task.
std::int64_t same_task_writer_open(KernelState &state, const Process &proc, OpenFile &file) {
  if (!is_list_file(state.files.at(file.file).kind))
    return 0;
  if (writes(file.access)) {
    if (!proc.cap_sys_admin)
      return -kEPERM;
    if (state.measure_writer == proc.pid) {
      ++state.writer_extra_writes;
    } else {
      if (state.users != 0)
        return -kEBUSY;
      state.users = -1;
      state.measure_writer = proc.pid;
    }
  } else {
    if (state.users == std::numeric_limits<std::int64_t>::max())
      return -kENFILE;
    if (state.users < 0)
      return -kEBUSY;
    ++state.users;
  }
  file.counted = true;
  return 0;
}

// The identity compared is the task running the final fput (`closer`), not the opener:
// a write-mode file whose last reference is dropped by another task releases the
// writer slot even if the writer task still holds other write-mode files.
std::int64_t same_task_writer_release(KernelState &state, Pid closer, OpenFile &file) {
  if (!file.counted)
    return 0;
  file.counted = false;
  if (!writes(file.access)) {
    --state.users;
  } else if (state.measure_writer == closer && state.writer_extra_writes > 0) {
    --state.writer_extra_writes;
  } else {
    ++state.users;
    state.measure_writer.reset();
  }
  return 0;
}

std::int64_t open(KernelState &state, const Process &proc, OpenFile &file) {
  if (traits_of(state).writer_rule == WriterRule::same_task_writer)
    return same_task_writer_open(state, proc, file);
  return shared_mediation_open(state, proc, file);
}

std::int64_t release(KernelState &state, Pid closer, OpenFile &file) {
  if (traits_of(state).writer_rule == WriterRule::same_task_writer)
    return same_task_writer_release(state, closer, file);
  return shared_mediation_release(state, closer, file);
}

// Staged files iterate S with the list files' seq_file code (spec 2.7, 2.9, 2.13).
Outcome read(KernelState &state, Request &request) {
  OpenFile &file = state.open_files.at(request.open_file);
  if (!is_staged_file(state.files.at(file.file).kind))
    return baseline_read(state, request);
  if (state.staged.empty() && traits_of(state).empty_read == EmptyStagedRead::enoent)
    return {.ret = -kENOENT};
  return seq_read(state, file, state.staged, request.count);
}

// RFC v1 dumps L only; later versions dump S then L (spec 2.16).
std::vector<NodeId> dump_order(const KernelState &state) {
  if (!traits_of(state).dump_carries_staged)
    return state.list;
  std::vector<NodeId> order = state.staged;
  order.insert(order.end(), state.list.begin(), state.list.end());
  return order;
}

// v4: ima_staged_measurements_prepended; v5: ima_copied_flags (spec 2.10, 2.11).
void after_dump(KernelState &state) {
  switch (traits_of(state).stale_guard) {
  case StaleGuard::staged_prepended:
    state.sassu.staged_copied = state.sassu.staged_copied || !state.staged.empty();
    break;
  case StaleGuard::copied_flags:
    state.sassu.staged_copied = state.sassu.staged_copied || !state.staged.empty();
    state.sassu.list_copied = state.sassu.list_copied || !state.list.empty();
    break;
  case StaleGuard::none:
  case StaleGuard::suspended:
    break;
  }
}

std::uint64_t kexec_runtime_size(const KernelState &state) {
  const Counters &c = state.counters;
  switch (traits_of(state).kexec_sizing) {
  case KexecSizing::list:
    return c.bin_size;
  case KexecSizing::staged_counter:
    return c.staged_size;
  case KexecSizing::list_plus_staged:
    return c.bin_size + c.staged_size;
  }
  return c.bin_size;
}

// ima_measure_kexec_event reports the FULL counters (spec 2.7 `_notrim`, 2.10, 2.13).
KexecEventValues kexec_event_values(const KernelState &state) {
  return {state.counters.full_size, state.counters.full_len};
}

// ima_add_digest_entry / ima_restore_measurement_entry: BINARY and FULL, and STAGED where
// it counts |L| + |S| (RFC v2, v3).
void count_append(KernelState &state, std::size_t size) {
  Counters &c = state.counters;
  ++c.htable_len;
  c.bin_size += size;
  ++c.full_len;
  c.full_size += size;
  if (traits_of(state).staged_counter == StagedCounter::list_and_staged) {
    ++c.staged_len;
    c.staged_size += size;
  }
}

} // namespace
} // namespace sassu

const FamilyHooks &sassu_hooks() {
  static const FamilyHooks kHooks{
      .files = sassu::sassu_files,
      .open = sassu::open,
      .release = sassu::release,
      .read = sassu::read,
      .write_step = sassu::write_step,
      .reboot = baseline_reboot, // >= 6.15: kexec_execute record, then suspend
      .dump_order = sassu::dump_order,
      .kexec_runtime_size = sassu::kexec_runtime_size,
      .shown_count = htable_len_count, // |L|: ima_htable.len / [BINARY]
      .count_append = sassu::count_append,
      .after_dump = sassu::after_dump,
      .kexec_event_values = sassu::kexec_event_values,
  };
  return kHooks;
}

} // namespace trimcheck::model::detail
