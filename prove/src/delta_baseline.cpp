// Baseline upstream IMA (spec section 4) symbolically: no removal request, list-only
// counters and dump. The functions here are the defaults the families keep.
#include "trimcheck/prove/detail/encoding.hpp"

namespace trimcheck::prove::detail {

// ima_add_digest_entry / ima_restore_measurement_entry: ima_htable.len and
// binary_runtime_size (spec 4.2 step 3).
void baseline_count_append(const Encoding &, SymState &s, const z3::expr &records,
                           const z3::expr &bytes) {
  s.count = s.count + records;
  s.bin_size = s.bin_size + bytes;
}

z3::expr htable_len_shown(const Encoding &, const SymState &s) {
  return s.count;
}

z3::expr list_runtime_size(const Encoding &, const SymState &s) {
  return s.bin_size;
}

z3::expr list_dump_order(Encoding &, const SymState &s) {
  return s.list;
}

void no_dump_flags(const Encoding &, const SymState &, SymState &) {}

namespace {

void no_requests(Encoding &, const SymState &, const StepVars &, Branches &) {}
void no_request_lemmas(Encoding &, const SymState &,
                       std::vector<std::pair<std::string, z3::expr>> &) {}
Command no_command(const model::KernelState &, int, std::int64_t, std::int64_t) {
  return {};
}

} // namespace

const FamilyDelta &baseline_delta() {
  static const FamilyDelta kDelta{
      baseline_count_append, htable_len_shown, list_runtime_size, list_dump_order,
      no_dump_flags,         no_requests,      no_request_lemmas, no_command,
  };
  return kDelta;
}

} // namespace trimcheck::prove::detail
