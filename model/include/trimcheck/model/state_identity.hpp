// The identity of a kernel state: its canonical encoding.
//
// Two KernelStates of one version and configuration get the same encoding only if every
// future of one is a future of the other up to renaming of processes, open files and nodes
// (so `explore`, which merges states by this encoding, is sound), and states that differ in
// ways no future can observe should get the same encoding (so the merging is effective).
// It lives here, beside KernelState, because only the model knows which of its fields its
// steps read; state_identity.cpp states the number of fields of every aggregate it encodes
// (field_count.hpp), so a field added to the state does not compile until it is encoded
// there or said not to be part of the identity, and tests/model/state_identity_test.cpp
// changes every field of a reachable state one at a time and checks which ones change the
// encoding.
//
// What is part of the identity. Everything the model's steps read: the records (contents),
// the nodes still relevant (in L or S, in the hash table, held by an in-flight request, or
// neither all freed nor reported as leaked: a freed and forgotten node can never be touched
// again), lists L and S, counters, PCRs (the banks' values of the PCRs records are extended
// into; IMA extends no other), the suspend flag, the kexec segment, MS start values, Sassu
// flags, open mediation, live processes and open files, in-flight requests, the ghost lists
// (Full, Del, the last dump), mutex_walk and the clock.
//
// What is not, and why:
//   proposal, config, files  fixed for a run of one version and configuration; a caller
//                            that compares states of several configurations names the
//                            configuration itself (explore's budget holds its index)
//   events                   the memory-event log, read only by the memory monitors, which
//                            have consumed all of it after every step
//   ghost.boot               the boot counter, compared only within one step
//   digest_memo              a cache of digests already computed, shared by copies
//   Process::pid             always the process's index + 1, which the renaming names
//
// Abstractions (sound with overwhelming probability, as the fingerprints explore stores):
// a record is (pcr, violation, template kind, number of fields) and the first 16 bytes of
// its first template digest, a hash of its length-prefixed fields, so two records with
// different fields agree there with probability 2^-128. A violation record's digests are
// zero and the "ima" template's digest pads names instead of prefixing their length, so
// those records' fields are written whole. PCR values are written as their first 16 bytes
// per bank, on the same argument. Other byte buffers are written whole; serials, given in
// append order, are kept.
//
// Renaming. Processes that exited and open files that every fd closed are dropped unless
// the kernel still refers to them (a recorded writer task, an opener, a request). Live ones
// are numbered canonically: the processes the caller names first (explore: the agents'
// processes in the agent order being tried), then the others by pid; open files in the
// order the processes' fds reach them. Nodes are numbered by rank among the kept nodes
// (order-preserving, since the model walks nodes in id order).
//
// Layout. The part that no renaming touches (records, nodes, lists, counters, PCRs, flags,
// ghost lists, clock) and the part that names processes and open files (the writer task,
// processes, open files, requests) are written separately, so that a caller that tries
// several renamings (explore's agent orders) encodes the first part once.
#pragma once

#include "trimcheck/model/kernel.hpp"
#include "trimcheck/model/state_encoder.hpp"

#include <span>
#include <string>
#include <vector>

namespace trimcheck::model {

// The encoder of a kernel state, with its scratch (one per thread; reuse it across states
// to save allocations). Per state: prepare(), encode_fixed(), then for every renaming to
// try rename() into a Naming and encode_renamed() under it (with an encoder using the
// Renaming it returned).
class KernelIdentity {
public:
  // What rename() computes: the canonical names, and the order in which encode_renamed
  // writes the renamed processes and open files. The caller owns it: one that tries
  // several renamings keeps one Naming per renaming and encodes the rest under the least.
  struct Naming {
    Renaming names;
    std::vector<Pid> pid_order;         // renamed pids, in canonical order
    std::vector<OpenFileId> file_order; // renamed open files, in canonical order
  };

  // Which nodes are kept, and their ranks. First, once per state.
  void prepare(const KernelState &kernel);
  // The part no renaming touches.
  void encode_fixed(const KernelState &kernel, StateEncoder &out) const;
  // Canonical names of processes and open files, into `naming`: the live ones of `first`
  // first, in that order. Returns naming.names.
  const Renaming &rename(const KernelState &kernel, std::span<const Pid> first, Naming &naming);
  // The part that names processes and open files, under `naming`, one that rename() made
  // for this state (with an encoder using naming.names).
  void encode_renamed(const KernelState &kernel, const Naming &naming, StateEncoder &out) const;

private:
  std::vector<std::uint32_t> node_ranks_; // by NodeId; Renaming::kGone: not kept
  std::vector<bool> held_, referenced_;
};

// The whole identity of `kernel` with no process named first: encode_fixed, then
// encode_renamed.
std::string kernel_identity(const KernelState &kernel);

} // namespace trimcheck::model
