#include "trimcheck/model/proposal.hpp"
#include "trimcheck/model/config.hpp"
#include "trimcheck/model/detail/family.hpp"
#include "trimcheck/model/detail/sassu.hpp"

#include <stdexcept>
#include <string>

namespace trimcheck::model {

const std::vector<ProposalInfo> &all_proposals() {
  using enum ProposalId;
  static const std::vector<ProposalInfo> kAll{
      {baseline_6_12, "baseline-6.12", Family::baseline, "Upstream IMA, Debian 6.12.117",
       "upstream", "2024-11-17"},
      {baseline_6_15, "baseline-6.15", Family::baseline,
       "Upstream IMA with reboot suspend and kexec critical data (6.15)", "upstream", "2025-05-25"},
      {ms_rfc1, "ms-rfc1", Family::ms, "[RFC v1] Implement IMA Event Log Trimming",
       "Anirudh Venkataramanan (code by Steven Chen)", "2025-11-19"},
      {chen_v1, "chen-v1", Family::chen, "Trim N entries of IMA event logs", "Steven Chen",
       "2025-12-02"},
      {chen_v2, "chen-v2", Family::chen, "Trim N entries of IMA event logs (v2)", "Steven Chen",
       "2025-12-10"},
      {chen_v3, "chen-v3", Family::chen, "Trim N IMA event log records (v3)", "Steven Chen",
       "2026-01-05"},
      {chen_v4, "chen-v4", Family::chen, "Trim N IMA event log records, T:N interface (v4)",
       "Steven Chen", "2026-02-05"},
      {chen_v5, "chen-v5", Family::chen, "Trim N entries of IMA event logs (v5)", "Steven Chen",
       "2026-04-01"},
      {sassu_rfc1, "sassu-rfc1", Family::sassu,
       "[RFC] ima: Add support for staging measurements for deletion", "Roberto Sassu",
       "2025-12-09"},
      {sassu_rfc2, "sassu-rfc2", Family::sassu,
       "[RFC v2] ima: staging measurements for deletion and trimming", "Roberto Sassu",
       "2025-12-12"},
      {sassu_v3, "sassu-v3", Family::sassu, "ima: Add support for staging measurements (v3)",
       "Roberto Sassu", "2026-03-11"},
      {sassu_v4, "sassu-v4", Family::sassu, "ima: Introduce staging mechanism (v4)",
       "Roberto Sassu", "2026-03-26"},
      {sassu_v5, "sassu-v5", Family::sassu, "ima: Introduce staging mechanism (v5)",
       "Roberto Sassu", "2026-04-29"},
      {sassu_v6, "sassu-v6", Family::sassu,
       "ima: Exporting and deleting IMA measurement records from kernel memory (v6)",
       "Roberto Sassu", "2026-06-02"},
      {sassu_v7, "sassu-v7", Family::sassu,
       "ima: Exporting and deleting IMA measurement records from kernel memory (v7)",
       "Roberto Sassu", "2026-06-05"},
#ifdef TRIMCHECK_SYNTHETIC_VERSION // tests/synthetic_version only (proposal.hpp)
      {sassu_v7_copy, "sassu-v7-copy", Family::sassu, "A copy of sassu-v7 (test build only)",
       "trimcheck tests", "2026-06-05"},
#endif
  };
  return kAll;
}

const ProposalInfo &proposal_info(ProposalId id) {
  // The table lists the versions in the enum's order: a lookup is an index (asked once per
  // model step and per monitor step, a scan was a measurable part of explore's time).
  const std::vector<ProposalInfo> &all = all_proposals();
  const auto index = static_cast<std::size_t>(id);
  if (index >= all.size() || all[index].id != id)
    throw std::logic_error("unknown proposal id, or the table is out of the enum's order");
  return all[index];
}

std::optional<ProposalId> proposal_from_key(std::string_view key) {
  for (const ProposalInfo &info : all_proposals())
    if (info.key == key)
      return info.id;
  return std::nullopt;
}

namespace {

// The row whose date is latest (`latest`) or earliest among those `accept` takes; the
// earlier row on equal dates.
template <class Accept> std::optional<ProposalId> by_date(bool latest, Accept accept) {
  const ProposalInfo *best = nullptr;
  for (const ProposalInfo &info : all_proposals())
    if (accept(info) &&
        (best == nullptr || (latest ? info.date > best->date : info.date < best->date)))
      best = &info;
  if (best == nullptr)
    return std::nullopt;
  return best->id;
}

ProposalId required(std::optional<ProposalId> id, const char *what) {
  if (!id)
    throw std::logic_error(std::string("the version table has no ") + what);
  return *id;
}

} // namespace

ProposalId baseline_proposal() {
  static const ProposalId kBaseline = required(
      by_date(false, [](const ProposalInfo &info) { return info.family == Family::baseline; }),
      "baseline");
  return kBaseline;
}

ProposalId newest_proposal() {
  static const ProposalId kNewest =
      required(by_date(true, [](const ProposalInfo &) { return true; }), "version");
  return kNewest;
}

ProposalId newest_proposal(Family family) {
  return required(
      by_date(true, [family](const ProposalInfo &info) { return info.family == family; }),
      "version of this family");
}

std::optional<ProposalId> previous_proposal(ProposalId id) {
  const ProposalInfo &of = proposal_info(id);
  return by_date(true, [&of](const ProposalInfo &info) {
    return info.family == of.family && info.date < of.date;
  });
}

std::string_view family_name(Family family) {
  switch (family) {
  case Family::baseline:
    return "baseline";
  case Family::ms:
    return "microsoft"; // `trimcheck list --json`'s "family": kept as published
  case Family::chen:
    return "chen";
  case Family::sassu:
    return "sassu";
  }
  return "?";
}

std::optional<std::string_view> feature_kconfig(ProposalId id) {
  switch (proposal_info(id).family) {
  case Family::baseline:
    return std::nullopt;
  case Family::ms:
    return "CONFIG_IMA_PCRS";
  case Family::chen:
    if (detail::chen_needs_log_trimming_kconfig(id))
      return "CONFIG_IMA_LOG_TRIMMING";
    return std::nullopt;
  case Family::sassu:
    if (detail::sassu::traits(id).staging_kconfig)
      return "CONFIG_IMA_STAGING";
    return std::nullopt;
  }
  return std::nullopt;
}

bool feature_enabled(ProposalId id, const KernelConfig &config) {
  switch (proposal_info(id).family) {
  case Family::ms:
    return config.ima_pcrs;
  case Family::chen:
    return config.log_trimming;
  case Family::sassu:
    return config.staging;
  case Family::baseline:
    return false;
  }
  return false;
}

bool has_flush_htable(ProposalId id) {
  switch (proposal_info(id).family) {
  case Family::baseline:
  case Family::ms:
    return false;
  case Family::chen:
    return detail::chen_has_flush_htable(id);
  case Family::sassu:
    return true;
  }
  return false;
}

} // namespace trimcheck::model
