// The part of the visited set that no longer fits in memory: fingerprints on disk.
//
// Why: a search keeps about 100 bytes per visited state in memory, most of it the visited
// set's hash table. When the process's resident memory passes --max-memory, the search
// moves the fingerprints of every state it has settled to this file and goes on with an
// empty table (docs/explore.md, "When memory runs out"). States seen since then are still
// answered from memory; the others come out of a level as candidates and are checked
// against the file once per level, in one sequential pass (delayed duplicate detection, as
// in Stern and Dill's disk-based Murphi), so that a search is no longer ended by the size
// of its visited set but by the links (8 bytes a state) and one level's candidates.
//
// The file holds 16 bytes per state, in `spill_order`: by the visited set's shard, then by
// fingerprint, so that each shard's table is merged into its own section when it spills,
// one shard after another, and no second copy of the table is ever made. The file is
// unlinked as soon as it is created: it goes away with the process, however that ends.
#pragma once

#include "fingerprint.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace trimcheck::props::detail {

inline constexpr std::size_t kVisitedShards = 256;

inline std::size_t shard_index(const Fingerprint &fp) {
  return fp.high % kVisitedShards;
}

// The file's order: shard, then the fingerprint's high and low halves.
inline bool spill_order(const Fingerprint &a, const Fingerprint &b) {
  const std::size_t shard_a = shard_index(a), shard_b = shard_index(b);
  if (shard_a != shard_b)
    return shard_a < shard_b;
  return a.high != b.high ? a.high < b.high : a.low < b.low;
}

class SpillFile {
public:
  // Nothing is created until the first merge. Every operation throws SpillError
  // (trimcheck/props/explore.hpp) when the directory cannot hold the file.
  explicit SpillFile(std::filesystem::path directory);
  SpillFile(const SpillFile &) = delete;
  SpillFile &operator=(const SpillFile &) = delete;
  ~SpillFile();

  // Rewrites the file with the fingerprints of `sections` merged in: `sections(shard)` is
  // called once per shard, in order, and returns that shard's new fingerprints sorted by
  // spill_order (none already in the file).
  template <class Section> void merge(Section &&sections) {
    begin_merge();
    for (std::size_t shard = 0; shard < kVisitedShards; ++shard)
      merge_section(shard, sections(shard));
    end_merge();
  }
  // contains[i]: whether probes[i] is in the file; `probes` sorted by spill_order.
  std::vector<bool> contains(const std::vector<Fingerprint> &probes) const;

  std::uint64_t size() const { return count_; } // fingerprints in the file
  std::uint64_t bytes() const { return count_ * sizeof(Fingerprint); }

private:
  void begin_merge();
  void merge_section(std::size_t shard, const std::vector<Fingerprint> &fresh);
  void end_merge();

  std::filesystem::path directory_;
  int fd_ = -1;      // the file, sections in shard order
  int next_fd_ = -1; // the file being written by a merge
  std::uint64_t count_ = 0, next_count_ = 0;
  std::vector<std::uint64_t> section_counts_ = std::vector<std::uint64_t>(kVisitedShards, 0);
  std::vector<std::uint64_t> next_section_counts_;
  std::uint64_t read_offset_ = 0; // into fd_, while a merge streams it
};

// Throws std::invalid_argument, naming `directory` and the system's error, unless a file
// can be created there (it is removed again): a search finds out before it starts.
void check_spill_directory(const std::filesystem::path &directory);

// Gives the allocator's free pages back to the system, so that the resident memory the
// search watches drops once a spilled table is freed (jemalloc keeps them otherwise).
void release_free_memory();

} // namespace trimcheck::props::detail
