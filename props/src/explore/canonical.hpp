// The canonical encoding of a World: what `explore` compares states by.
//
// Two Worlds get the same encoding only if every future of one is a future of the other
// up to renaming (the reduction is sound); Worlds that differ in ways no future can observe
// should get the same encoding (the reduction is effective). What is kept and what is not:
//
//   Kernel. Everything the model's steps read: lists L and S, the nodes still relevant
//   (in a list, in the hash table, held by an in-flight request, or not yet freed nor
//   reported as leaked; a freed and forgotten node can never be touched again), counters,
//   PCRs (the banks' values of the PCRs records are extended into; IMA extends no other),
//   the kexec segment, MS start values, Sassu flags, open mediation, live processes and
//   open files, in-flight requests, the ghost lists (Full, Del, the last dump), the clock
//   and mutex_walk. Left out: the memory-event log (read only by the memory monitors,
//   which have always consumed all of it after a step), the boot counter (compared only
//   within one step), the file table and configuration (fixed per configuration, which the
//   budget names by index).
//   Record contents are (pcr, violation, template kind, number of fields) and the first
//   16 bytes of the record's first template digest, which is a hash of its length-prefixed
//   fields: two records with different fields agree there with probability 2^-128, the
//   order of the fingerprints' own collisions (fingerprint.hpp). A violation record's
//   digests are zero and the "ima" template's digest pads names instead of prefixing
//   their length, so those records' fields are written whole. PCR values are written as their
//   first 16 bytes per bank, on the same argument. Other byte buffers are written whole.
//   Serials are appended in order and kept.
//
//   Identities. Processes that exited and open files that every fd closed are dropped,
//   unless the kernel still refers to them (a recorded writer task, an opener). Live ones
//   are numbered canonically: the agents' processes first (in the agent order being
//   tried), then other processes by pid; open files in the order the processes' fds reach
//   them. Nodes are numbered by rank among the kept nodes (order-preserving, since the
//   model walks nodes in id order).
//
//   Agents. Agents run the same protocols, so permuting them (with their processes) maps
//   runs to runs: the encoding is the least one over all orders of the agents (at most
//   max_agents! encodings; 2 with the default bound).
//
//   Monitors. Each property's monitor encodes its own state (Monitor::encode) with the same
//   renaming; a monitor that no longer applies (violated on this run, or the property does
//   not apply to the configuration) is one marker.
#pragma once

#include "world.hpp"

namespace trimcheck::props::detail {

//
//   Layout. The part that no renaming touches (budget, records, nodes, lists, counters,
//   PCRs, flags, ghost lists, clock) comes first and is encoded once; the rest (agents,
//   processes, open files, requests, monitors) once per order of the agents.
class Canonicalizer {
public:
  std::string encode(const World &world);
  // The same, valid until the next call (no copy).
  std::string_view encode_view(const World &world);

private:
  void encode_in_order(const World &world, std::span<const std::size_t> order, std::string &out,
                       bool agents_only);
  // Scratch reused between calls (one Canonicalizer per thread).
  std::vector<std::uint32_t> nodes_;
  std::vector<bool> held_, referenced_;
  Renaming names_;
  std::vector<model::Pid> pid_order_;
  std::vector<model::OpenFileId> file_order_;
  std::vector<std::size_t> order_;
  std::vector<std::size_t> orders_; // every order of the agents, one after another
  std::vector<std::string> agent_parts_;
  std::string encoding_, best_, candidate_;
};

} // namespace trimcheck::props::detail
