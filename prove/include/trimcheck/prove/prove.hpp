// `trimcheck prove`: bounded model checking and k-induction of a property over a
// symbolic encoding of a version's transition relation (Z3), with every counterexample
// decoded into the common trace format and replayed on the concrete model.
//
// Results:
//   proved          k-induction succeeded (with the auxiliary lemmas listed): the property
//                   holds in every reachable state of the symbolic system, at any depth
//   holds_to_depth  no counterexample up to `depth` transitions; induction did not close
//   violated        a counterexample that the concrete model reproduces (`trace`)
//   unknown         the pair is not encoded symbolically, or Z3 gave up (see `note`)
//
// A symbolic counterexample that does not reproduce on the concrete model is a bug in
// one of the two: `replay_mismatch` is then set and `note` says what differed.
// docs/prove.md describes the encoding, its abstractions and the lemmas.
#pragma once

#include "trimcheck/props/property.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::prove {

enum class Result : std::uint8_t { proved, holds_to_depth, violated, unknown };
std::string_view result_name(Result result);

// Deliberately broken deltas, so that tests can show the prover and the replay check
// fail when they should. `none` outside tests.
enum class PlantedFault : std::uint8_t {
  none,
  cut_keeps_entry_counter,  // Chen: the cut forgets `counter -= N` (the concrete model has it)
  append_skips_full,        // every family: an append forgets the ghost Full
  violation_extends_digest, // every family: a violation extends its template digest, not 0xFF..
};

struct ProveOptions {
  int depth = 8;               // BMC bound (transitions); induction tries k = 1 .. min(depth, 3)
  double timeout_seconds = 60; // wall clock for the whole run
  PlantedFault fault = PlantedFault::none;
  // Told what the run is doing as it goes ("BMC depth 4", "k-induction at k = 2"), for
  // the CLI's progress line; may be empty.
  std::function<void(const std::string &)> progress;
};

struct ProveResult {
  Result result = Result::unknown;
  int depth = 0;       // transitions checked by BMC (or the counterexample's length)
  int induction_k = 0; // k of the induction that closed the proof
  double seconds = 0;
  std::string note;                  // why unknown, where a timeout hit, what a mismatch was
  std::vector<std::string> lemmas;   // auxiliary lemmas the proof used (docs/prove.md)
  std::optional<props::Trace> trace; // violated (or mismatch): the decoded counterexample
  bool replay_mismatch = false;
  // On a mismatch: the symbolic state before each step and after the last, one line each
  // ("state 2: L=... count=..."), so that the disagreeing field can be found.
  std::vector<std::string> symbolic_states;
};

// Whether (proposal, property) has a symbolic encoding; `why` says why not.
bool encoded(model::ProposalId proposal, std::string_view property, std::string *why = nullptr);

ProveResult prove(model::ProposalId proposal, const props::Property &property,
                  const ProveOptions &options);

// Beside the file `trace_json` (<stem>.json) that holds result.trace, <stem>-smt-states.txt
// with result.symbolic_states, one per line, and its path; for a result without them, a
// file of that name left by an earlier run is removed (so the states beside a trace are
// always its own) and nothing is returned. Throws std::runtime_error naming the file when
// it cannot be written.
std::optional<std::filesystem::path> write_symbolic_states(const std::filesystem::path &trace_json,
                                                           const ProveResult &result);

} // namespace trimcheck::prove
