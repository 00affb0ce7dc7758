// The primitives of a state's canonical byte encoding (state_identity.hpp, docs/explore.md).
//
// `explore` stores a state as a fingerprint of its canonical encoding, so two states are
// merged exactly when their encodings are equal. The encoding must therefore (a) contain
// everything the future of the run depends on, and (b) name the run's identities in a way
// that does not depend on how the state was reached. The kernel's part is written by
// state_identity.cpp; explore's agents and the properties' monitors write theirs with the
// same encoder and the same renaming:
//
//   * Digests and byte buffers (start values, a read buffer) are written as their length
//     and bytes. (An intern table of small ids made the encodings shorter but cost a hash,
//     a lock and a map lookup per buffer, more than hashing the bytes into the fingerprint
//     does.) Two kinds are written shorter where they are written most: the kernel writes
//     records and PCR values by 16-byte prefixes (state_identity.hpp), and an explore agent
//     writes what it has read and quoted as one 128-bit hash taken when that changes
//     (props/src/agents.hpp), not once per encoding.
//   * Pids and open-file ids are renamed by a Renaming computed once per encoding pass from
//     the kernel state: live processes and open files get canonical ids (agents' processes
//     first, in the order of the agent permutation being tried, see docs/explore.md), a
//     process that has exited and that nothing in the kernel refers to any more, and an
//     open file that every fd has closed, is "gone". A gone pid never acts again and a gone
//     open file is never read or written again, so the monitors use them only in equality
//     tests against the actor of a step, which is always live: entries keyed by gone ids
//     are skipped (`unordered`) or written as one marker.
//   * Serials (records) are not renamed: they are given in append order, so they are
//     already canonical for a given sequence of record contents.
//
// Maps keyed by renamed ids are written with `unordered`, which sorts the entries'
// encodings, because renaming changes their order.
#pragma once

#include "trimcheck/model/kernel.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trimcheck::model {

// Canonical ids of one encoding pass, indexed by the raw id.
struct Renaming {
  static constexpr std::uint32_t kGone = 0xFFFFFFFFu;
  std::vector<std::uint32_t> pid;       // by pid (index 0: the kernel, always 0)
  std::vector<std::uint32_t> open_file; // by OpenFileId
};

// The buffers `StateEncoder::unordered` writes a container's entries into before sorting
// them, one set per nesting depth (an entry may hold a container of its own). Explore keeps
// one per thread and hands it to every encoder it makes, so that encoding a state does not
// allocate them again; an encoder given none makes its own on first use.
class EncoderScratch {
public:
  struct Level {
    std::string bytes;                                      // the entries, one after another
    std::vector<std::pair<std::size_t, std::size_t>> parts; // each entry's offset and size
  };
  Level &at(std::size_t depth) {
    while (levels_.size() <= depth)
      levels_.push_back(std::make_unique<Level>()); // boxed: deeper levels do not move it
    return *levels_[depth];
  }

private:
  std::vector<std::unique_ptr<Level>> levels_;
};

class StateEncoder {
public:
  // Writes into `reuse` (cleared first), whose capacity saves an allocation; `scratch`
  // (optional) is where `unordered` sorts entries.
  explicit StateEncoder(const Renaming &renaming, std::string reuse = {},
                        EncoderScratch *scratch = nullptr)
      : renaming_(&renaming), out_(std::move(reuse)), scratch_(scratch) {
    out_.resize(out_.capacity()); // written through put(); used_ is the length
  }

  void number(std::uint64_t value) {
    if (value < 0x80) // most numbers: one byte, written without a call
      put(static_cast<char>(value));
    else
      long_number(value);
  }
  void signed_number(std::int64_t value);
  void flag(bool value) { put(value ? '\1' : '\0'); }
  void pid(Pid pid);
  bool gone_pid(Pid pid) const;
  void open_file(OpenFileId id);
  bool gone_file(OpenFileId id) const;
  void blob(std::span<const std::uint8_t> bytes); // length, then the bytes
  void serials(std::span<const Serial> serials);
  // MS start values (the kernel's and the monitors' copies); in state_identity.cpp with
  // the kernel's other aggregates.
  void ms(const MsState &ms);

  // Entries of a container whose order renaming may change: each entry is encoded on its
  // own by `encode_entry(StateEncoder &, const Entry &) -> bool` (false: skip the entry,
  // e.g. one keyed by a gone pid) and the encodings are written sorted.
  template <typename Range, typename EncodeEntry>
  void unordered(const Range &range, EncodeEntry &&encode_entry) {
    if (std::empty(range)) { // most maps of most states: no scratch to make
      number(0);
      return;
    }
    // The entries are written one after another into one scratch encoder, then copied out
    // in the order of their bytes (a string per entry was most of the cost). The scratch's
    // buffers are this depth's of `scratch()`, given back with their capacity.
    EncoderScratch &pool = scratch();
    EncoderScratch::Level &level = pool.at(depth_);
    std::vector<std::pair<std::size_t, std::size_t>> &parts = level.parts;
    parts.clear();
    StateEncoder entries(*renaming_, std::move(level.bytes), &pool);
    entries.depth_ = depth_ + 1;
    for (const auto &entry : range) {
      const std::size_t begin = entries.used_;
      if (encode_entry(entries, entry))
        parts.emplace_back(begin, entries.used_ - begin);
      else
        entries.used_ = begin; // a skipped entry leaves nothing
    }
    const std::string_view all = entries.bytes();
    const auto part = [&](const std::pair<std::size_t, std::size_t> &at) {
      return all.substr(at.first, at.second);
    };
    std::sort(parts.begin(), parts.end(),
              [&](const auto &a, const auto &b) { return part(a) < part(b); });
    number(parts.size());
    for (const auto &at : parts) {
      number(at.second);
      append(all.data() + at.first, at.second);
    }
    level.bytes = entries.take();
  }

  std::string_view bytes() const { return {out_.data(), used_}; }
  std::string take() {
    out_.resize(used_);
    used_ = 0;
    return std::move(out_);
  }
  void clear() { used_ = 0; }

private:
  void long_number(std::uint64_t value);
  // Encoding writes a byte at a time; std::string::push_back is a call per byte, this is
  // a store (a third of the encoding's time went to push_back).
  void put(char byte) {
    if (used_ == out_.size())
      grow(1);
    out_[used_++] = byte;
  }
  void append(const char *bytes, std::size_t size);
  void grow(std::size_t at_least);

  EncoderScratch &scratch() {
    if (scratch_ == nullptr) {
      own_scratch_ = std::make_unique<EncoderScratch>();
      scratch_ = own_scratch_.get();
    }
    return *scratch_;
  }

  const Renaming *renaming_;
  std::string out_; // out_[0, used_) is the encoding; the rest is room to write
  std::size_t used_ = 0;
  EncoderScratch *scratch_;
  std::unique_ptr<EncoderScratch> own_scratch_; // when none was given
  std::size_t depth_ = 0;                       // of `unordered` calls this encoder is in
};

} // namespace trimcheck::model
