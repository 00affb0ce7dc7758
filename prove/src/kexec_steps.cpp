// Kexec in the symbolic machine (spec 4.6, 2.16), in the concrete model's steps:
// kexec_load; kexec_execute (reboot notifiers); Continue{0} (the dump); Continue{0}
// (the next kernel boots). Measurements and request steps interleave between them.
#include "trimcheck/prove/detail/encoding.hpp"

namespace trimcheck::prove::detail {

void Encoding::kexec_branches(const SymState &s, const StepVars &v, Branches &out) {
  z3::context &c = ctx();
  const z3::expr idle = s.kexec_pc == 0;
  const bool events = measures_kexec_events();
  const z3::expr event_guard =
      events ? kernel_record_guard(s, v) && !s.suspended : c.bool_val(true);

  // kexec_file_load: the segment is sized and loaded; >= 6.15 measures kexec_load.
  {
    SymState next = events ? appended(s, v.record, false) : s;
    next.loaded = c.bool_val(true);
    add(out, {StepKind::kexec_load, 0, "kexec load", idle && event_guard, next});
  }
  // kexec_execute, step 0: reboot notifiers (>= 6.15 kexec_execute record, >= 6.14
  // ima_measurements_suspended).
  {
    SymState next = events ? appended(s, v.record, false) : s;
    if (has_suspend())
      next.suspended = c.bool_val(true);
    next.kexec_pc = c.int_val(1);
    add(out, {StepKind::kexec_execute, 0, "kexec execute", idle && event_guard, next});
  }
  // Step 1: ima_update_kexec_buffer dumps the version's dump order. A segment too small
  // keeps only a prefix (P23); BMC assumes the dump is complete (docs/prove.md).
  {
    const z3::expr order = delta_->dump_order(*this, s);
    Split carried = split(order, fresh_int("dump.len"), "dump");
    SymState next = s;
    next.dump = carried.head;
    next.kexec_pc = c.int_val(2);
    delta_->after_dump(*this, s, next);
    add(out, {StepKind::kexec_continue, 0, "kexec dump",
              s.kexec_pc == 1 && s.loaded && carried.equation &&
                  z3::implies(v.dump_complete, carried.rest.length() == 0),
              next});
    SymState unloaded = s;
    unloaded.dump = empty();
    unloaded.kexec_pc = c.int_val(2);
    add(out, {StepKind::kexec_continue, 0, "kexec dump (not loaded)", s.kexec_pc == 1 && !s.loaded,
              unloaded});
  }
  // Step 2: the next kernel restores the dump (counted and sized, not in H), measures
  // the boot_aggregate (content 0: PCRs 0-9 are unchanged) and starts afresh; the TPM
  // keeps its PCRs, every process and request is gone.
  {
    SymState fresh = s;
    fresh.list = fresh.full = s.dump;
    fresh.staged = fresh.del = empty();
    fresh.hashed = z3::const_array(c.int_sort(), c.bool_val(false));
    fresh.appended_contents = z3::const_array(c.int_sort(), c.int_val(0));
    for (z3::expr *counter :
         {&fresh.count, &fresh.bin_size, &fresh.staged_len, &fresh.staged_size,
          &fresh.number_entries, &fresh.violations, &fresh.trimcount, &fresh.violation_events})
      *counter = c.int_val(0);
    delta_->count_append(*this, fresh, s.dump.length(), total(s.dump));
    fresh.loaded = fresh.suspended = fresh.staged_copied = fresh.list_copied = c.bool_val(false);
    fresh.kexec_pc = c.int_val(0);
    fresh.dump = empty();
    finish(fresh);
    SymState next = appended(fresh, v.record, false);
    add(out,
        {StepKind::kexec_continue, 0, "next kernel boots",
         s.kexec_pc == 2 && vocab_.content(v.record) == 0 && !vocab_.is_violation(v.record), next});
  }
}

} // namespace trimcheck::prove::detail
