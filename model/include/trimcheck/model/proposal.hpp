// The posted versions the model implements, selectable by id (spec section 1).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace trimcheck::model {

struct KernelConfig;

// In the order of the version table (proposal.cpp), which proposal_info indexes by id.
enum class ProposalId : std::uint8_t {
  baseline_6_12,
  baseline_6_15,
  ms_rfc1,
  chen_v1,
  chen_v2,
  chen_v3,
  chen_v4,
  chen_v5,
  sassu_rfc1,
  sassu_rfc2,
  sassu_v3,
  sassu_v4,
  sassu_v5,
  sassu_v6,
  sassu_v7,
#ifdef TRIMCHECK_SYNTHETIC_VERSION
  // Only in the test build of tests/synthetic_version: a copy of sassu-v7 added the way
  // docs/tutorial.md adds a version (this id, its row in proposal.cpp, its traits in
  // sassu_traits.cpp), to show that nothing else needs an edit.
  sassu_v7_copy,
#endif
};

// In code the Microsoft RFC's family is `ms` everywhere (its id is "ms-rfc1"); only
// family_name() still says "microsoft", as `trimcheck list --json` always has.
enum class Family : std::uint8_t { baseline, ms, chen, sassu };

struct ProposalInfo {
  ProposalId id;
  std::string_view key; // command-line id, e.g. "sassu-v7"
  Family family;
  std::string_view title;
  std::string_view author;
  std::string_view date; // Date: header of the series head, YYYY-MM-DD
};

const std::vector<ProposalInfo> &all_proposals();
const ProposalInfo &proposal_info(ProposalId id);
std::optional<ProposalId> proposal_from_key(std::string_view key);
std::string_view family_name(Family family);

// The versions the other layers name by role instead of by id, each derived from the table
// above (dates compare as text; on equal dates the earlier row wins):
// The upstream IMA without any series, the kernel scripts/build-kernel builds when given
// none and the version a trace or run defaults to: the oldest baseline.
ProposalId baseline_proposal();
// The most recently posted version: the latest date.
ProposalId newest_proposal();
// The most recently posted version of `family`; throws std::logic_error if it has none.
ProposalId newest_proposal(Family family);
// The version of the same family posted before `id` (latest earlier date), if any.
std::optional<ProposalId> previous_proposal(ProposalId id);

// The Kconfig option without which a kernel has no removal interface for this version
// (e.g. "CONFIG_IMA_STAGING"); nullopt when the version has none (always built, or a
// baseline). Derived from the family tables.
std::optional<std::string_view> feature_kconfig(ProposalId id);
// Whether the configuration turns the family's feature option on (IMA_PCRS,
// IMA_LOG_TRIMMING, IMA_STAGING); false for the baselines.
bool feature_enabled(ProposalId id, const KernelConfig &config);
// Whether the version has the `ima_flush_htable` boot option.
bool has_flush_htable(ProposalId id);

} // namespace trimcheck::model
