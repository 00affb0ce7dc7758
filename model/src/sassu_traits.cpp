// The table of the Sassu series: one row per posted version (spec 2.7-2.14). Fields
// are documented in detail/sassu.hpp; comments here cite where the value comes from.
#include "trimcheck/model/detail/sassu.hpp"

#include <stdexcept>

namespace trimcheck::model::detail::sassu {
namespace {

// RFC v1, 2025-12-09 (spec 2.7).
constexpr SassuTraits kRfc1{
    .staged_names = StagedNames::staged_then_algo, // `…_staged_<algo>`
    .staging_kconfig = false,                      // no Kconfig, always built
    .live_mode = 0440,
    .live_writable = false,
    .writer_rule = WriterRule::single_writer, // one shared ima_measure_users
    .empty_read = EmptyStagedRead::enoent,    // !ima_measurements_staged_exist -> ENOENT
    .ppos_checked = true,
    .copy_checked = false,      // `ret = copy_from_user(); if (ret < 0)`: never true
    .newline_mandatory = false, // the first '\n' is replaced; none: unterminated
    .number_base = 0,           // kstrtoul(req, 0, …)
    .number_rule = NumberRule::any,
    .flush_forbids_n = FlushForbidsN::no,
    .a_iface = Iface::staged,
    .d_iface = Iface::staged,
    .n_iface = Iface::staged,
    .trim_command = false,
    .n_command = NCommand::stage_prefix,
    .d_command = DCommand::delete_all,
    .flush_policy = FlushPolicy::unlink_at_stage, // free at D with no synchronize_rcu
    .flush_ignored_with_disable_htable = false,
    .frees_entries_with_disable_htable = false, // DISABLE_HTABLE: qe/entry/digests leak
    .staged_counter = StagedCounter::none,      // len, len_notrim, size, size_notrim
    .kexec_sizing = KexecSizing::list,          // binary_runtime_size (L only)
    .dump_carries_staged = false,               // S is lost on kexec (Lumen 12-10)
    .stale_guard = StaleGuard::none,
};

// RFC v2, 2025-12-12 (spec 2.8): trailing '\n', "-<N>" trim, STAGED counters, S dumped.
constexpr SassuTraits kRfc2{
    .staged_names = StagedNames::staged_then_algo, // same files as RFC v1
    .staging_kconfig = false,
    .live_mode = 0440,
    .live_writable = false,
    .writer_rule = WriterRule::single_writer,
    .empty_read = EmptyStagedRead::enoent, // same read as RFC v1 (dropped in v3)
    .ppos_checked = true,
    .copy_checked = true,
    .newline_mandatory = true,
    .number_base = 0,
    .number_rule = NumberRule::one_to_long_max,
    .flush_forbids_n = FlushForbidsN::no,
    .a_iface = Iface::staged,
    .d_iface = Iface::staged,
    .n_iface = Iface::staged,
    .trim_command = true,
    .n_command = NCommand::stage_prefix,
    .d_command = DCommand::delete_all,
    .flush_policy = FlushPolicy::unlink_at_stage_then_sync,
    .flush_ignored_with_disable_htable = false,
    .frees_entries_with_disable_htable = false,
    .staged_counter = StagedCounter::list_and_staged, // D zeroes it: the STAGED bug
    .kexec_sizing = KexecSizing::staged_counter,      // BINARY_SIZE_STAGED
    .dump_carries_staged = true,                      // "staging is reverted"
    .stale_guard = StaleGuard::none,                  // a D racing the dump is undetected
};

// v3, 2026-03-11 (spec 2.9): renamed files, EOF read, N deletes from S, blank H on D.
constexpr SassuTraits kV3{
    .staged_names = StagedNames::algo_then_staged,
    .staging_kconfig = false, // no Kconfig yet
    .live_mode = 0440,
    .live_writable = false,
    .writer_rule = WriterRule::single_writer,
    .empty_read = EmptyStagedRead::eof,
    .ppos_checked = true,
    .copy_checked = true,
    .newline_mandatory = true,
    .number_base = 10,
    .number_rule = NumberRule::one_below_ulong_max,
    .flush_forbids_n = FlushForbidsN::after_number_checks,
    .a_iface = Iface::staged,
    .d_iface = Iface::staged,
    .n_iface = Iface::staged,
    .trim_command = false,
    .n_command = NCommand::delete_staged_prefix,
    .d_command = DCommand::delete_prefix_all, // ima_queue_delete_staged(ULONG_MAX)
    .flush_policy = FlushPolicy::replace_table_at_delete,
    .flush_ignored_with_disable_htable = true,
    .frees_entries_with_disable_htable = false,       // the DISABLE_HTABLE leak
    .staged_counter = StagedCounter::list_and_staged, // delete double counts (the v3 bug)
    .kexec_sizing = KexecSizing::staged_counter,
    .dump_carries_staged = true,
    .stale_guard = StaleGuard::none,
};

// v4, 2026-03-26 (spec 2.10): CONFIG_IMA_STAGING, STAGED = |S|, N = implicit A + delete.
constexpr SassuTraits kV4{
    .staged_names = StagedNames::algo_then_staged,
    .staging_kconfig = true, // default y
    .live_mode = 0440,       // live files still read-only
    .live_writable = false,
    .writer_rule = WriterRule::single_writer,
    .empty_read = EmptyStagedRead::eof,
    .ppos_checked = true,
    .copy_checked = true,
    .newline_mandatory = true,
    .number_base = 10,
    .number_rule = NumberRule::at_least_one,
    .flush_forbids_n = FlushForbidsN::before_parsing,
    .a_iface = Iface::staged,
    .d_iface = Iface::staged,
    .n_iface = Iface::staged,
    .trim_command = false,
    .n_command = NCommand::stage_all_then_delete_prefix,
    .d_command = DCommand::delete_all, // ima_queue_staged_delete_all()
    .flush_policy = FlushPolicy::replace_table_at_delete,
    .flush_ignored_with_disable_htable = true,
    .frees_entries_with_disable_htable = true, // fixes the v3 leak
    .staged_counter = StagedCounter::staged_only,
    .kexec_sizing = KexecSizing::list_plus_staged,
    .dump_carries_staged = true,
    .stale_guard = StaleGuard::staged_prepended, // patch 12
};

// v5, 2026-04-29 (spec 2.11): live files writable, A and N on live, copied flags.
constexpr SassuTraits kV5{
    .staged_names = StagedNames::algo_then_staged,
    .staging_kconfig = true, // default y
    .live_mode = 0660,
    .live_writable = true, // ima_measurements_write
    .writer_rule = WriterRule::single_writer,
    .empty_read = EmptyStagedRead::eof,
    .ppos_checked = true,
    .copy_checked = true,
    .newline_mandatory = true,
    .number_base = 10,
    .number_rule = NumberRule::at_least_one,
    .flush_forbids_n = FlushForbidsN::before_parsing,
    .a_iface = Iface::live, // withdrawn by Sassu on 05-04
    .d_iface = Iface::staged,
    .n_iface = Iface::live,
    .trim_command = false,
    .n_command = NCommand::delete_live_prefix, // ima_queue_delete_partial(), no S check
    .d_command = DCommand::delete_all,
    .flush_policy = FlushPolicy::replace_table_at_delete,
    .flush_ignored_with_disable_htable = true,
    .frees_entries_with_disable_htable = true,
    .staged_counter = StagedCounter::staged_only,
    .kexec_sizing = KexecSizing::list_plus_staged,
    .dump_carries_staged = true,
    .stale_guard = StaleGuard::copied_flags, // ima_copied_flags (patch 12)
};

// v6, 2026-06-02 (spec 2.12): A and D on staged, *ppos ignored, same-task writer,
// suspend flag instead of copied flags. v7 (2.13) changes nothing the model sees.
constexpr SassuTraits kV6{
    .staged_names = StagedNames::algo_then_staged,
    .staging_kconfig = true, // default n
    .live_mode = 0660,       // and writable regardless of CONFIG_IMA_STAGING
    .live_writable = true,
    .writer_rule = WriterRule::same_task_writer,
    .empty_read = EmptyStagedRead::eof,
    .ppos_checked = false,
    .copy_checked = true,
    .newline_mandatory = true,
    .number_base = 10,
    .number_rule = NumberRule::at_least_one,
    .flush_forbids_n = FlushForbidsN::before_parsing,
    .a_iface = Iface::staged,
    .d_iface = Iface::staged,
    .n_iface = Iface::live,
    .trim_command = false,
    .n_command = NCommand::delete_live_prefix,
    .d_command = DCommand::delete_all,
    .flush_policy = FlushPolicy::replace_table_at_delete,
    .flush_ignored_with_disable_htable = true,
    .frees_entries_with_disable_htable = true,
    .staged_counter = StagedCounter::staged_only,
    .kexec_sizing = KexecSizing::list_plus_staged,
    .dump_carries_staged = true, // lockless, after the suspend notifier
    .stale_guard = StaleGuard::suspended,
};

constexpr SassuTraits kV7 = kV6; // spec 2.14: "= v6 + cosmetic"

#ifdef TRIMCHECK_SYNTHETIC_VERSION // tests/synthetic_version only (proposal.hpp)
constexpr SassuTraits kV7Copy = kV7;
#endif

} // namespace

const SassuTraits &traits(ProposalId id) {
  switch (id) {
  case ProposalId::sassu_rfc1:
    return kRfc1;
  case ProposalId::sassu_rfc2:
    return kRfc2;
  case ProposalId::sassu_v3:
    return kV3;
  case ProposalId::sassu_v4:
    return kV4;
  case ProposalId::sassu_v5:
    return kV5;
  case ProposalId::sassu_v6:
    return kV6;
  case ProposalId::sassu_v7:
    return kV7;
#ifdef TRIMCHECK_SYNTHETIC_VERSION
  case ProposalId::sassu_v7_copy:
    return kV7Copy;
#endif
  default:
    throw std::logic_error("not a Sassu proposal");
  }
}

bool flush_active(const KernelConfig &config, const SassuTraits &traits) {
  return config.flush_htable &&
         !(traits.flush_ignored_with_disable_htable && config.disable_htable);
}

bool frees_entries(const KernelConfig &config, const SassuTraits &traits) {
  return flush_active(config, traits) ||
         (traits.frees_entries_with_disable_htable && config.disable_htable);
}

} // namespace trimcheck::model::detail::sassu
