// The main job: for a (version, property) pair, search for a counterexample with
// RapidCheck in both user-space regimes and give a verdict.
//
//   holds        no counterexample in either regime
//   conditional  holds under the documented protocol but not for arbitrary user space,
//                or holds only for some configurations (the condition says which)
//   violated     a counterexample in which agents follow the documented protocol
//   n/a          the property says nothing about this version
#pragma once

#include "trimcheck/props/property.hpp"

#include <span>

namespace trimcheck::props {

enum class Verdict : std::uint8_t { holds, conditional, violated, not_applicable };
std::string_view verdict_name(Verdict verdict);

struct CheckBudget {
  std::uint64_t seed = 1;
  int runs = 100;    // RapidCheck successes per regime
  int max_size = 40; // longest choice list
  // Scenarios of each shared stream (docs/checking.md), as a multiple of `runs`: after its
  // own searches, every property of a version watches three streams (protocol in the
  // default configuration, protocol in any, arbitrary) that simulate each scenario once.
  // 0: no shared streams.
  int shared_factor = 20;
  // Whether the shared streams also run the seed corpus (props/src/seed_corpus.hpp).
  bool seeds = true;
  // The base tree every configuration of a series takes (e.g. 6.12 to search
  // counterexamples that a kernel of a series ported to 6.12 can replay); default: each
  // series as posted. The baselines are their own trees whatever this says.
  std::optional<model::BaseTree> base;
  // The TPM's PCRs 0-9 at boot in every configuration (KernelConfig::firmware_pcrs);
  // empty: all zero. confirm sets the VM's, so that traces carry PCR values its kernel
  // can reach.
  std::vector<model::FirmwarePcr> firmware_pcrs;
};

struct PairResult {
  model::ProposalId proposal;
  std::string property;
  Verdict verdict = Verdict::holds;
  std::optional<std::string> condition;
  std::optional<Trace> trace; // the minimal counterexample behind the verdict
};

// Deterministic: the same budget gives the same result and trace, whatever other
// properties are checked with it.
std::vector<PairResult> check_version(model::ProposalId proposal,
                                      std::span<const Property *const> properties,
                                      const CheckBudget &budget);
PairResult check_pair(model::ProposalId proposal, const Property &property,
                      const CheckBudget &budget);

// The seed of one search: derived from the budget's seed, the version's key, the property,
// the regime and whether only the default configuration is searched (FNV-1a over them,
// in that order), so pairs are independent and any subset of the work reproduces the
// same results.
std::uint64_t pair_seed(std::uint64_t seed, model::ProposalId proposal, std::string_view property,
                        Regime regime, bool default_config_only);

// Searches one regime; returns the shrunk counterexample if any.
std::optional<Trace> search(model::ProposalId proposal, const Property &property, Regime regime,
                            const CheckBudget &budget, bool default_config_only);

// Re-runs a trace's actions on the model; the violation message, or empty if the
// property now holds. Throws TraceFormatError for an unknown property and
// std::invalid_argument if a step is not possible any more.
std::string replay(const Trace &trace);

} // namespace trimcheck::props
