// The `arbitrary` user-space regime: what one choice makes any process do (open any file
// in any mode, read, write a command from a vocabulary covering every version's grammar
// and its edge cases, seek, close, fork, pass fds, drop CAP_SYS_ADMIN, exit). Used by the
// RapidCheck scenario driver and by explore, so both search the same actions.
#pragma once

#include "trimcheck/props/scenario.hpp"

namespace trimcheck::props::detail {

// Choice::c of a write whose user buffer faults after Choice::a % length bytes (one write
// in eight in check's scenarios; explore lists every fault position, every_action).
inline constexpr std::uint8_t kFaultingBuffer = 7;

// The write vocabulary: commands covering every version's grammar and its edge cases,
// some of them made from the state (the trimcount, the length of L, a PCR value). A write
// choice (kinds 10 and 11) picks command (a * 8 + b) % kVocabularySize.
inline constexpr std::size_t kVocabularySize = 18;
model::Bytes vocabulary_command(const model::KernelState &state, std::size_t index);

// The action a choice of kind 7-16 stands for in this state (always valid there), or
// nothing when the choice makes no sense (e.g. a read without an open fd).
std::optional<TraceAction> arbitrary_action(const model::KernelState &state, const Choice &choice);

// The same for many choices of one state: what the choices read of it (the live idle
// processes, their fds, the openable files, the call in flight) is gathered once. Explore
// asks for every choice of every state it expands. Valid while `state` is.
class ArbitraryChoices {
public:
  explicit ArbitraryChoices(const model::KernelState &state);
  std::optional<TraceAction> action(const Choice &choice) const;
  // Every action of the regime's vocabulary here, each once: for each idle process, every
  // open of an openable file in each mode, both reads, every write (each fd, each command
  // of the vocabulary, from a whole buffer and from one that faults after each of its
  // bytes), every close and seek, passing each fd to each other idle process, fork,
  // dropping CAP_SYS_ADMIN and exit; both
  // spawns; continuing the first call in flight. It holds every action a choice makes, and
  // more: a choice picks the process, the fd, the file, the mode, the command, the read
  // size and the fault position from the same bytes, so even all values of those
  // bytes leave combinations out in some states (docs/explore.md, What is explored).
  // Explore expands these.
  std::vector<TraceAction> every_action() const;

private:
  const model::KernelState &state_;
  std::optional<model::Pid> in_flight_;        // the first user call in flight
  std::vector<model::Pid> pids_;               // live processes with no call in flight
  std::vector<std::vector<int>> fds_;          // the open fds of each of pids_
  std::vector<const model::FileSpec *> files_; // what a process may open
};

// The paths of the files an arbitrary process may open in this state: the first bank's
// lists (live and staged), the counters and every version's control file.
std::vector<std::string> arbitrary_file_paths(const model::KernelState &state);

// `echo COMMAND > FILE`: open for writing, write one command, wait for it, close. The
// way user space usually drives a control file, and the way a run reaches a quiescent
// point right after a command (where P2, P7 and P8 are judged). The scenario driver
// performs it as those single actions, so explore (which has them all) can reach the
// same states.
struct EchoCommand {
  model::Pid pid = 1;
  std::string path;
  model::Bytes command;
};
std::optional<EchoCommand> arbitrary_echo(const model::KernelState &state, const Choice &choice);

} // namespace trimcheck::props::detail
