// The canonical encoding of a World: what `explore` compares states by.
//
// Two Worlds get the same encoding only if every future of one is a future of the other
// up to renaming (the reduction is sound); Worlds that differ in ways no future can observe
// should get the same encoding (the reduction is effective). A World is a kernel state,
// agents, a budget and monitors:
//
//   Kernel. The model's identity of the state (model/state_identity.hpp says what it keeps
//   and why, and how it names processes, open files and nodes canonically). It leaves out
//   the configuration, which is fixed per configuration: the budget names it by index.
//
//   Budget. The configuration's index and what the bounds have used up.
//
//   Agents. Agents run the same protocols, so permuting them (with their processes) maps
//   runs to runs: the encoding is the least one over all orders of the agents (at most
//   max_agents! encodings; 2 with the default bound). The kernel's renaming names the
//   agents' processes first, in the order being tried.
//
//   Processes (arbitrary user space, which has no agents). Every process may take every
//   action of the vocabulary (ArbitraryChoices::every_action lists them per process, an
//   fd passed to any other), the kernel treats pids as names, and monitors write pids
//   through the renaming: so permuting the live processes maps runs to runs, and with
//   `process_symmetry` the encoding is the least one over the orders of the live
//   processes, named first in the order tried (up to kSymmetricProcesses of them; beyond
//   that, in pid order: still sound, less reduced).
//
//   Monitors. Each property's monitor encodes its own state (Monitor::encode) with the same
//   renaming; a monitor that no longer applies (violated on this run, or the property does
//   not apply to the configuration) is one marker.
#pragma once

#include "world.hpp"

#include "trimcheck/model/state_identity.hpp"

namespace trimcheck::props::detail {

//
//   Layout. The part that no renaming touches (budget, then the kernel's fixed part:
//   records, nodes, lists, counters, PCRs, flags, ghost lists, clock) comes first and is
//   encoded once; the rest (agents, the kernel's renamed part: processes, open files,
//   requests; monitors) once per order of the agents.
class Canonicalizer {
public:
  static constexpr std::size_t kSymmetricProcesses = 3; // 6 orders at most
  explicit Canonicalizer(bool process_symmetry = false) : process_symmetry_(process_symmetry) {}
  std::string encode(const World &world);
  // The same, valid until the next call (no copy).
  std::string_view encode_view(const World &world);

private:
  // Renames under `naming` (kept for the rest of an order whose agents' part is the least).
  void encode_in_order(const World &world, std::span<const std::size_t> order, std::string &out,
                       bool agents_only, model::KernelIdentity::Naming &naming);
  // With no agents: the renamed rest, the processes in `first` named first.
  void encode_processes_first(const World &world, std::span<const model::Pid> first,
                              std::string &out);
  // The renamed kernel part and the monitors, under `naming` (the encoder's renaming is
  // naming.names).
  void encode_renamed_rest(const World &world, const model::KernelIdentity::Naming &naming,
                           model::StateEncoder &encoder) const;
  // The first `count` of namings_, made if missing.
  std::span<model::KernelIdentity::Naming> namings_for(std::size_t count);
  // best_ becomes candidate_ if there is no best yet or candidate_ is less (one order tried).
  void keep_least_candidate(bool &have_best);
  bool process_symmetry_;
  // Scratch reused between calls (one Canonicalizer per thread).
  model::KernelIdentity kernel_;
  std::vector<model::Pid> agent_pids_; // the agents' processes in the order being tried
  std::vector<model::Pid> live_pids_;  // with no agents: the live processes, an order tried
  std::vector<std::size_t> order_;
  std::vector<std::size_t> orders_; // every order of the agents, one after another
  std::vector<std::string> agent_parts_;
  std::vector<model::KernelIdentity::Naming> namings_; // each agents' part was written under
  std::string encoding_, best_, candidate_, rest_;
};

} // namespace trimcheck::props::detail
