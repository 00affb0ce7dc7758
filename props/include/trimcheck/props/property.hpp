// The review concerns as checkable properties (spec section 3.2, P1-P23) and the
// baseline invariants (section 4.7, B1-B5).
//
// A property is judged by a Monitor that watches a run step by step: after every
// action it sees the new state, the action and its outcome, plus facts the runner
// derives once for all monitors (which records this step deleted, whether a kernel
// booted). It answers with a violation message or nothing. There is no table of
// expected verdicts anywhere: a verdict is whatever the monitors observe.
#pragma once

#include "trimcheck/props/trace.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <span>
#include <typeinfo>

namespace trimcheck::model {
class StateEncoder;
} // namespace trimcheck::model

namespace trimcheck::props {

// Facts about one step, computed by the runner from the states before and after.
struct StepFacts {
  std::size_t index = 0;
  std::vector<model::Serial> deleted;     // appended to Del in this step (same boot)
  std::vector<model::Serial> appended;    // appended to Full by a measurement in this step
  bool booted = false;                    // the next kernel booted in this step
  bool dumped = false;                    // a kexec dump ran in this step
  std::vector<model::Serial> list_before; // S ++ L before the step (set when dumped)
  model::Pid actor = 0;                   // process of the action (0: kernel)
  bool call_returned = false;             // the actor's read/write returned in this step
  std::optional<model::OpenFileId> file;  // open file of the read/write
  std::optional<std::int64_t> violations_before;
  // The kernel's behaviour is undefined from this step on (model::leaves_kernel_undefined):
  // only monitors that watch memory judge it.
  bool memory_undefined = false;
};

// Monitors and agents encode their state with the encoder the model encodes the kernel's
// with (model/state_encoder.hpp), under the same renaming.
using model::StateEncoder;

class Monitor {
public:
  virtual ~Monitor() = default;
  virtual void start(const model::KernelState &) {}
  virtual std::optional<std::string> observe(const model::KernelState &state,
                                             const TraceAction &action,
                                             const model::Outcome &outcome,
                                             const StepFacts &facts) = 0;
  // Whether the monitor judges memory safety itself. Every other monitor stops at the
  // step after which the kernel's behaviour is undefined (StepFacts::memory_undefined):
  // what the model says the kernel does after reading freed memory is one guess among
  // many, and a property violated only after it would be a verdict about that guess.
  virtual bool watches_memory() const { return false; }

  // Exhaustive exploration (docs/explore.md) branches a run, so it needs a copy of the
  // monitor, and it merges runs that reach the same state, so it needs the monitor's own
  // state in canonical form: everything observe() may depend on later and nothing else
  // (StateEncoder names pids, open files and digests canonically). A monitor without a
  // copy (copy_size() == 0) cannot be explored; one that keeps state must encode all of it.
  // The copy is constructed in place: exploration keeps all monitors of a state in one
  // block of memory, copy_size() bytes each, aligned for std::max_align_t.
  virtual std::size_t copy_size() const { return 0; }
  virtual Monitor *copy_into(void * /*where*/) const { return nullptr; }
  // Makes this monitor a copy of `other`, a monitor of the same type, in place (reusing
  // what its containers hold); false if it cannot, and then it is unchanged. Exploration
  // steps every successor into the same scratch World, so this saves a copy's allocations.
  virtual bool assign_from(const Monitor & /*other*/) { return false; }
  virtual void encode(StateEncoder &) const {}
  // False for a monitor with no data of its own: exploration neither copies nor encodes it
  // (it has nothing to copy, and encode() writes nothing).
  virtual bool keeps_state() const { return true; }
};

// Implements the copy: `class M : public CopyableMonitor<M> { ... }`.
template <typename Derived, typename Base = Monitor> class CopyableMonitor : public Base {
public:
  using Base::Base;
  std::size_t copy_size() const override {
    static_assert(alignof(Derived) <= alignof(std::max_align_t));
    return sizeof(Derived);
  }
  Monitor *copy_into(void *where) const override {
    return new (where) Derived(static_cast<const Derived &>(*this));
  }
  bool keeps_state() const override { return sizeof(Derived) > sizeof(Monitor); }
  bool assign_from(const Monitor &other) override {
    if (typeid(other) != typeid(Derived))
      return false;
    static_cast<Derived &>(*this) = static_cast<const Derived &>(other);
    return true;
  }
};

struct Property {
  std::string_view id;
  std::string_view title;
  std::string_view statement; // one paragraph
  std::string_view sources;   // review messages it comes from
  // Whether the property says anything about this version and configuration.
  bool (*applies)(model::ProposalId proposal, const model::KernelConfig &config);
  std::unique_ptr<Monitor> (*make_monitor)();
  // Configurations the property is about (nullptr: all). A property about a non-default
  // configuration (ima_flush_htable, a Kconfig option turned off) is violated, not
  // conditional, when its counterexample needs that configuration.
  bool (*about_config)(model::ProposalId proposal, const model::KernelConfig &config) = nullptr;
};

const std::vector<Property> &all_properties();
const Property *find_property(std::string_view id);

// Runs `actions` from boot under the property's monitor. Returns the steps performed up
// to and including the first violation, and the violation message (empty if none).
struct RunResult {
  std::vector<TraceStep> steps;
  std::string violation;
  std::string invalid; // an action the state did not allow (replay of a stale trace)
};
RunResult run_actions(model::ProposalId proposal, const model::KernelConfig &config,
                      const Property &property, std::span<const TraceAction> actions);

} // namespace trimcheck::props
