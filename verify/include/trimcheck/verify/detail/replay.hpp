// The replay engine of the verifier: the PCR state after extending a sequence of records
// into a set of bank chains.
//
// A chain is a bank and how the kernel extended it: with the bank's own template digest,
// or (padded) with the SHA-1 template digest zero-padded to the bank's size. The extend
// value of a record for a chain is what model::make_record / model::extend_value say
// (0xFF.. for a violation). Computing those values is the expensive part and independent
// per record, so worker threads compute them batch by batch, reading each record in place
// in its file, into a ring of flat buffers; the calling thread folds each batch into the
// chains as soon as it is ready (in record order), and computes batches itself while it
// waits. The ring bounds the memory: no thread runs more than a ring ahead of the fold.
#pragma once

#include "trimcheck/verify/log_piece.hpp"

#include <array>
#include <optional>
#include <span>
#include <vector>

namespace trimcheck::verify::detail {

inline constexpr unsigned kPcrCount = 24;

// Consecutive records of one piece: a sequence of records is a list of runs.
struct Run {
  const LogPiece *piece;
  std::size_t first = 0, count = 0;
};

std::size_t record_count(std::span<const Run> runs);
// The sequence without its first `count` records, or without records [from, from + count).
std::vector<Run> drop_front(std::span<const Run> runs, std::size_t count);
std::vector<Run> erase(std::span<const Run> runs, std::size_t from, std::size_t count);

struct ChainPlan {
  model::HashAlgo bank;
  bool padded = false;
  bool operator==(const ChainPlan &) const = default;
};

using ChainState = std::array<model::Digest, kPcrCount>;

// All-zero PCRs of `bank` (the state at boot for PCRs 10-23).
ChainState zero_state(model::HashAlgo bank);

struct ReplayResult {
  std::vector<ChainState> chains; // one per plan, in plan order
  // First record whose template digest in its file matches neither the bank's template
  // digest of its template data nor the padded SHA-1 one.
  std::optional<std::size_t> first_digest_mismatch;
  // Index of the last record that extended each PCR.
  std::array<std::optional<std::size_t>, kPcrCount> last_extend;
};

// Record indexes in the result count from the first record of `runs`.
ReplayResult replay(std::span<const Run> runs, std::span<const ChainPlan> plans,
                    std::vector<ChainState> start, unsigned threads);

} // namespace trimcheck::verify::detail
