// One row per version of Steven Chen's series (spec 2.2-2.6); the fields are explained
// in detail/chen.hpp.
#include "trimcheck/model/detail/chen.hpp"

#include <stdexcept>

namespace trimcheck::model::detail::chen {
namespace {

using namespace enumerators;

// clang-format off
constexpr ChenTraits kChenVersions[] = {
  // id                 kconfig open         lists  grammar         shortfall         steps                 locked walk  unlink                  grace           rest           counter         size                       trimcount  critical data
  {ProposalId::chen_v1, false,  cap_only,    false, digits_only,    trim_what_exists, one_locked_step,      walk_to_nth, unlink_unless_disabled, no_grace,       rest_never,    htable_len,     size_unchanged,            last_trim, no_event},
  {ProposalId::chen_v2, false,  writer_slot, true,  digits_only,    enoent,           locked_cut_then_free, walk_to_nth, unlink_if_flush,        no_grace,       rest_if_flush, htable_len,     size_unchanged,            last_trim, event_this_time},
  {ProposalId::chen_v3, true,   writer_slot, true,  kstrtol_base10, enoent,           locked_cut_then_free, walk_all,    unlink_if_flush,        grace_if_flush, rest_always,   htable_len,     size_sum_of_rest,          last_trim, event_removed},
  {ProposalId::chen_v4, true,   writer_slot, true,  total_colon_n,  enoent,           locked_cut_then_free, walk_all,    unlink_if_flush,        grace_if_flush, rest_if_flush, htable_len,     size_sum_of_rest,          total,     event_total_after},
  {ProposalId::chen_v5, true,   writer_slot, true,  total_colon_n,  enoent,           prewalk_cut_free,     one_cut,     unlink_never,           grace_if_flush, rest_if_flush, number_entries, size_minus_cut_unless_all, total,     event_total_before},
};
// clang-format on

} // namespace

const ChenTraits &traits(ProposalId id) {
  for (const ChenTraits &row : kChenVersions)
    if (row.id == id)
      return row;
  throw std::logic_error("not a Chen version");
}

} // namespace trimcheck::model::detail::chen
