// The visited set of the breadth-first search: fingerprints of canonical encodings,
// shared by all threads, sharded by fingerprint with one lock per shard.
//
// Determinism. Within one BFS level several threads may reach the same new state; the one
// that keeps it must not depend on timing. Every successor has a key (the position of its
// parent in the level, then its index among the parent's successors), and a state first
// seen in the current level remembers the least key that reached it (`claim`). After the
// level, the successor whose key is remembered is the state's representative (`holds`),
// representatives are numbered in key order (`settle`), and the next level is the same
// whatever the number of threads.
//
// Spilling. When memory runs out, `spill` moves the fingerprints of every settled state to
// a file (spill_file.hpp) and empties the tables. A state settled before that is then no
// longer `known` to `claim`: it comes out of its level as a candidate like a new state, and
// `settle_spilled` tells the search which candidates the file holds, once per level. A
// level's outcome (which states are new, which key holds each) is the same either way.
#pragma once

#include "fingerprint.hpp"
#include "spill_file.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace trimcheck::props::detail {

class VisitedSet {
public:
  VisitedSet();
  enum class Claim { known, first, won, lost };
  // known: seen in an earlier level; first: not seen before (so this key is, for now, the
  // least of the level); won: seen in this level, and this key is now the least; lost: seen
  // in this level with a lesser key. `first` counts the new states of a level as it goes.
  Claim claim(const Fingerprint &fp, std::uint64_t key);
  // claim() for each of a batch, taking each shard's lock once for all of the batch's
  // fingerprints in it (explore's threads claim a chunk's successors at once: one lock per
  // successor, on a line the other thread has just written, cost them a fifth of their
  // time). The outcome is that of claiming them one by one in the batch's order within
  // each shard; `first` is as claim()'s, and the level's result does not depend on it.
  struct Claimant {
    Fingerprint fp;
    std::uint64_t key = 0;
    Claim claim = Claim::lost; // set by claim_all
  };
  void claim_all(std::span<Claimant> batch);
  bool holds(const Fingerprint &fp, std::uint64_t key);
  void settle(const Fingerprint &fp, std::uint32_t id);
  std::optional<std::uint32_t> id_of(const Fingerprint &fp);
  std::size_t size() const;
  std::size_t bytes() const; // memory of the tables

  // Moves every settled state to the file in `directory` (created on the first spill) and
  // empties the tables; the claims of a level not yet settled are dropped with them.
  // Returns the number of states moved.
  std::uint64_t spill(const std::filesystem::path &directory);
  bool spilled() const { return file_ != nullptr; }
  std::uint64_t spilled_states() const { return file_ ? file_->size() : 0; }
  // Whether each of `fps` was settled before a spill; those that were are settled again
  // (as known, with no id), so that their later claims are answered from memory.
  std::vector<bool> settle_spilled(std::vector<Fingerprint> fps);

private:
  struct Slot {
    std::uint64_t high = 0, low = 0; // low == 0: empty (fingerprints have low != 0)
    std::uint64_t value = 0;         // kPending | key, or a settled state id
  };
  struct alignas(64) Shard { // a cache line of its own: threads lock neighbouring shards
    std::mutex mutex;
    std::vector<Slot> slots = std::vector<Slot>(64);
    std::size_t used = 0;
  };
  static constexpr std::uint64_t kPending = std::uint64_t{1} << 63;
  static constexpr std::uint64_t kSpilled = kPending - 1; // settled before a spill: no id
  static constexpr std::size_t kShards = kVisitedShards;
  Shard &shard_of(const Fingerprint &fp) { return shards_[shard_index(fp)]; }
  static Slot *find(Shard &shard, const Fingerprint &fp); // the slot, or the empty one
  static void grow(Shard &shard);
  // Fills the empty `slot` (from find); false if it holds a fingerprint already.
  static bool insert_if_new(Shard &shard, Slot *slot, const Fingerprint &fp, std::uint64_t value);
  // claim() with the shard's lock held.
  static Claim claim_locked(Shard &shard, const Fingerprint &fp, std::uint64_t key);
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<SpillFile> file_;
};

} // namespace trimcheck::props::detail
