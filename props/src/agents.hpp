// The documented user-space protocols as step-by-step scripts (spec section 2 and the
// review threads): a plain reader; Chen's save-then-trim N and T:N; Sassu's stage A /
// read / D and read / N; a keylime-style quote-then-trim-to-quote; MS trim-to-PCR-values.
// An agent emits one action per step and reads the outcome of its own actions, so agents
// interleave with each other and with everything else.
#pragma once

#include "trimcheck/model/state_encoder.hpp"
#include "trimcheck/props/trace.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <memory>
#include <span>

namespace trimcheck::props::detail {

enum class Protocol : std::uint8_t {
  reader,            // open the list, read to EOF, close
  save_then_trim,    // Chen: read and save, then trim what was read (N or T:N)
  stage_read_delete, // Sassu: A, read S, D
  read_then_delete,  // Sassu v5+: read L on the live fd, then delete N
  quote_then_trim,   // keylime: quote, read, remove up to the quoted point
};
std::string_view protocol_name(Protocol protocol);

// The protocols a version documents (the reader always applies).
std::span<const Protocol> protocols_for(model::ProposalId proposal);

// One step of a script. Values (fds, N, T, quoted PCRs) are taken when the step runs.
enum class Op : std::uint8_t {
  spawn,
  quote,
  open_list_read,  // binary_runtime_measurements, O_RDONLY -> list fd
  open_live_rw,    // binary_runtime_measurements, O_RDWR -> fd
  open_live_write, // binary_runtime_measurements, O_WRONLY -> fd
  open_staged_rw,  // the sha1 _staged file, O_RDWR -> fd
  open_trim_read,  // ima_trim_log, O_RDONLY -> fd
  open_trim_write, // ima_trim_log, O_WRONLY -> fd
  open_pcrs_write, // MS configfs pcrs, O_WRONLY -> fd
  read_list_all,   // read the list fd to EOF, saving the bytes
  read_fd_all,     // read fd to EOF, saving the bytes
  read_trimmed,    // read T from fd
  seek_fd,
  close_list,
  close_fd,
  write_count,       // N = records saved, in the version's grammar
  write_t_count,     // "T:N\n"
  write_stage_all,   // "A\n"
  write_delete,      // "D\n"
  write_quoted,      // remove up to the quote, in the version's command
  write_quoted_pcrs, // MS: the quoted PCR values
  exit_process,      // end of the session: the process exits (closing what it holds)
};

// The steps of an agent's session, held inline: an agent is copied with every explored
// World, and a vector of steps was an allocation per copy. The longest script is 11 steps.
class Script {
public:
  static constexpr std::size_t kMaxOps = 15;
  Script() = default;
  Script(std::initializer_list<Op> ops) {
    for (Op op : ops)
      push_back(op);
  }
  // Throws std::logic_error beyond kMaxOps steps.
  void push_back(Op op);
  void shrink_to(std::size_t count) { size_ = static_cast<std::uint8_t>(std::min(count, size())); }
  std::size_t size() const { return size_; }
  Op operator[](std::size_t i) const { return ops_[i]; }
  const Op *begin() const { return ops_.data(); }
  const Op *end() const { return ops_.data() + size_; }

private:
  std::array<Op, kMaxOps> ops_{};
  std::uint8_t size_ = 0;
};

class Agent {
public:
  explicit Agent(model::ProposalId proposal) : proposal_(proposal) {}
  // Next action of this agent's script, or nullopt when the script has finished.
  std::optional<TraceAction> next(const model::KernelState &state);
  // Outcome of the action `next` returned.
  void observe(const model::KernelState &state, const model::Outcome &outcome);
  void restart(Protocol protocol);
  void reset_after_kexec();
  bool finished() const { return step_ >= ops_.size(); }
  model::Pid pid() const { return pid_; }
  // Everything next() and observe() depend on, for explore's canonical state.
  void encode(model::StateEncoder &out) const;

private:
  std::optional<TraceAction> action_for(Op op, const model::KernelState &state);
  // A step failed or cannot run: the session ends, the process exits.
  void abort_session();
  std::size_t records_saved() const;
  std::optional<std::size_t> records_up_to_quote(const model::KernelState &state) const;
  model::Bytes count_command(std::size_t n) const;

  // What the agent has read and quoted: buffers that change on a few steps of a session
  // (a read, a quote, an accepted removal) and are read on fewer. Copies of an agent share
  // them until one changes (an agent is copied with every explored World, and these were
  // most of its allocations). `identity` is a 128-bit hash of the buffers' encoding, taken
  // when they change: the agent's encoding writes it instead of the buffers (a list read is
  // hundreds of bytes, written for every successor explore encodes), which is sound with
  // overwhelming probability, as the records' digest prefixes of the kernel's encoding are.
  struct Memory {
    model::Bytes saved;        // the list bytes read this session
    model::Bytes trimmed_text; // what ima_trim_log's read returned
    model::Digest quoted_sha1;
    std::vector<model::Digest> quoted_banks;
    model::Digest base; // sha1 PCR 10 value the remaining list replays from
    std::array<std::uint8_t, 16> identity{};
    void take_identity(); // after a change
  };
  const Memory &memory() const;
  // Applies `change(Memory &)` to an unshared copy of the memory, then takes its identity.
  template <typename Change> void change_memory(Change &&change);

  model::ProposalId proposal_;
  Protocol protocol_ = Protocol::reader;
  Script ops_;
  std::size_t step_ = 0;
  model::Pid pid_ = 0;
  int fd_ = -1;
  int list_fd_ = -1;
  std::int64_t trimmed_total_ = 0;
  std::shared_ptr<Memory> memory_; // null: everything empty; never changed while shared
};

} // namespace trimcheck::props::detail
