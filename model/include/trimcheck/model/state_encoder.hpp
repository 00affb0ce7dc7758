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
//     are skipped (`by_pid`, `by_open_file`) or written as one marker.
//   * Serials (records) are not renamed: they are given in append order, so they are
//     already canonical for a given sequence of record contents.
//
// Maps keyed by renamed ids are written with `by_pid` and `by_open_file`, in the order of
// their renamed keys, because renaming changes their order.
#pragma once

#include "trimcheck/model/kernel.hpp"

#include <algorithm>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace trimcheck::model {

// Canonical ids of one encoding pass, indexed by the raw id.
struct Renaming {
  static constexpr std::uint32_t kGone = 0xFFFFFFFFu;
  std::vector<std::uint32_t> pid;       // by pid (index 0: the kernel, always 0)
  std::vector<std::uint32_t> open_file; // by OpenFileId
};

class StateEncoder {
public:
  // Writes into `reuse` (overwritten from its start), whose capacity saves an allocation.
  // out_'s size is the room put() may write in: bytes past used_, the encoding's length,
  // are stale. (Resizing it to its capacity here filled that room with zeros on every
  // encoding, 1.3 % of explore's instructions; grow() adds room in steps instead.)
  explicit StateEncoder(const Renaming &renaming, std::string reuse = {})
      : renaming_(&renaming), out_(std::move(reuse)) {}

  void number(std::uint64_t value) {
    if (value < 0x80) // most numbers: one byte, written without a call
      put(static_cast<char>(value));
    else
      long_number(value);
  }
  void signed_number(std::int64_t value);
  void flag(bool value) { put(value ? '\1' : '\0'); }
  void pid(Pid pid);
  void open_file(OpenFileId id);
  void blob(std::span<const std::uint8_t> bytes); // length, then the bytes
  void serials(std::span<const Serial> serials);
  // Bytes another encoder wrote (a record's identity, kept in its RecordTable).
  void encoded(std::string_view bytes) { append(bytes.data(), bytes.size()); }
  // MS start values (the kernel's and the monitors' copies); in state_identity.cpp with
  // the kernel's other aggregates.
  void ms(const MsState &ms);

  // Entries of a map keyed by pid (`by_pid`) or by open file (`by_open_file`), whose raw
  // order renaming may change: written in the order of their renamed keys, each as that
  // key, then `encode_value(StateEncoder &, const Value &)`. The renaming is one-to-one on
  // the keys it does not call gone, so the order is canonical. Entries of gone keys are
  // skipped: a gone process never acts again and a gone open file is never read or
  // written again, so no monitor looks them up. (Sorting the entries' encodings instead
  // cost a scratch encoder per map: 4 % of explore's instructions, docs/explore-performance.md.)
  template <typename Map, typename EncodeValue>
  void by_pid(const Map &map, EncodeValue &&encode_value) {
    keyed(
        map, [this](Pid pid) { return renamed_pid(pid); }, encode_value);
  }
  template <typename Map, typename EncodeValue>
  void by_open_file(const Map &map, EncodeValue &&encode_value) {
    keyed(
        map, [this](OpenFileId id) { return renamed_file(id); }, encode_value);
  }

  std::string_view bytes() const { return {out_.data(), used_}; }
  std::string take() {
    out_.resize(used_);
    used_ = 0;
    return std::move(out_);
  }
  void clear() { used_ = 0; }

private:
  // The canonical id, or Renaming::kGone (the renaming's entry, or an id beyond it).
  std::uint32_t renamed_pid(Pid pid) const {
    if (pid == 0) // the kernel
      return 0;
    return pid < renaming_->pid.size() ? renaming_->pid[pid] : Renaming::kGone;
  }
  std::uint32_t renamed_file(OpenFileId id) const {
    return id < renaming_->open_file.size() ? renaming_->open_file[id] : Renaming::kGone;
  }
  template <typename Map, typename Rename, typename EncodeValue>
  void keyed(const Map &map, Rename &&rename, EncodeValue &&encode_value) {
    // Most maps of most states are empty or hold an entry or two: sorted on the stack.
    boost::container::small_vector<std::pair<std::uint32_t, const typename Map::value_type *>, 8>
        entries;
    for (const auto &entry : map)
      if (const std::uint32_t name = rename(entry.first); name != Renaming::kGone)
        entries.emplace_back(name, &entry);
    std::sort(entries.begin(), entries.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    number(entries.size());
    for (const auto &[name, entry] : entries) {
      number(name);
      encode_value(*this, entry->second);
    }
  }
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

  const Renaming *renaming_;
  std::string out_; // out_[0, used_) is the encoding; the rest is room to write
  std::size_t used_ = 0;
};

} // namespace trimcheck::model
