// How user space removes records in each version, as the documented agents and the
// property monitors need to know it: derived from the family tables (detail/chen.hpp,
// detail/sassu.hpp), so that props/, prove/, conform/ and cli/ ask this instead of
// naming versions, and a version added to a family table gets its protocols and
// judgements from its row.
#pragma once

#include "trimcheck/model/proposal.hpp"

#include <cstdint>

namespace trimcheck::model {

// The command that removes the first N records of the live list.
enum class RemovalCommand : std::uint8_t {
  none,                        // the baselines
  pcr_values,                  // MS: the quoted PCR values to /sys/kernel/config/ima/pcrs
  count,                       // Chen v1-v3: "N" to ima_trim_log (v1/v2: digits only, zero-padded)
  total_colon_count,           // Chen v4/v5: "T:N" to ima_trim_log, T the records trimmed so far
  stage_then_delete,           // Sassu RFC v1: "N\n" stages the first N, "D\n" deletes them
  minus_count,                 // Sassu RFC v2: "-N\n" stages and deletes the first N at once
  stage_all_then_delete_count, // Sassu v3: "A\n", then "N\n" deletes the first N staged
  delete_count_staged,         // Sassu v4: "N\n" to the staged file (stages all first)
  delete_count_live,           // Sassu v5 on: "N\n" to the live file
};

struct RemovalInterface {
  RemovalCommand command = RemovalCommand::none;
  bool digits_only = false;        // Chen v1/v2: the count is digits only, at least two
  bool stages_on_live = false;     // Sassu v5: "A\n" is written to the live file
  bool plain_count_stages = false; // Sassu RFC v1/v2: "N\n" stages rather than deletes
  bool operator==(const RemovalInterface &) const = default;
};

RemovalInterface removal_interface(ProposalId id);

} // namespace trimcheck::model
