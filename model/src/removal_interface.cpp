#include "trimcheck/model/removal_interface.hpp"

#include "trimcheck/model/detail/chen.hpp"
#include "trimcheck/model/detail/sassu.hpp"

namespace trimcheck::model {
namespace {

RemovalInterface chen_interface(ProposalId id) {
  using detail::chen::ChenGrammar;
  RemovalInterface out;
  switch (detail::chen::traits(id).grammar) {
  case ChenGrammar::digits_only:
    out.digits_only = true;
    out.command = RemovalCommand::count;
    break;
  case ChenGrammar::kstrtol_base10:
    out.command = RemovalCommand::count;
    break;
  case ChenGrammar::total_colon_n:
    out.command = RemovalCommand::total_colon_count;
    break;
  }
  return out;
}

RemovalInterface sassu_interface(ProposalId id) {
  using detail::sassu::Iface;
  using detail::sassu::NCommand;
  const detail::sassu::SassuTraits &t = detail::sassu::traits(id);
  RemovalInterface out;
  out.stages_on_live = t.a_iface == Iface::live;
  out.plain_count_stages = t.n_command == NCommand::stage_prefix;
  switch (t.n_command) {
  case NCommand::stage_prefix:
    out.command = t.trim_command ? RemovalCommand::minus_count : RemovalCommand::stage_then_delete;
    break;
  case NCommand::delete_staged_prefix:
    out.command = RemovalCommand::stage_all_then_delete_count;
    break;
  case NCommand::stage_all_then_delete_prefix:
    out.command = RemovalCommand::delete_count_staged;
    break;
  case NCommand::delete_live_prefix:
    out.command = RemovalCommand::delete_count_live;
    break;
  }
  return out;
}

} // namespace

RemovalInterface removal_interface(ProposalId id) {
  switch (proposal_info(id).family) {
  case Family::baseline:
    return {};
  case Family::ms:
    return {.command = RemovalCommand::pcr_values};
  case Family::chen:
    return chen_interface(id);
  case Family::sassu:
    return sassu_interface(id);
  }
  return {};
}

} // namespace trimcheck::model
