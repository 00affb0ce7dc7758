// SerialSet: a set of records (serials) as a bitset, bit s standing for serial s.
//
// Why: several monitors keep "which records has this process seen / was this dump
// carrying / were restored at boot". Serials are given in append order from 0, so a run
// of explore's depth holds a few dozen and a long check run a few hundred. As a sorted
// vector (FlatSet) such a set cost a search and a shift per insert, a loop per copy and
// one number per member in the state's encoding; as bits it is two words held inline
// (128 serials) for every run explore makes, copied and compared as words, and encoded
// as them. A longer run's set grows onto the heap.
//
// The words never end in a zero word (clear() drops them all), so equal sets have equal
// words and the defaulted == and the encoding are exact.
#pragma once

#include "trimcheck/model/record_table.hpp"
#include "trimcheck/model/state_encoder.hpp"

#include <bit>
#include <cstdint>

#include <boost/container/small_vector.hpp>

namespace trimcheck::props::detail {

class SerialSet {
public:
  // Adds `serial`; true if it was not in the set.
  bool insert(model::Serial serial) {
    const std::size_t word = serial / kBits;
    if (word >= words_.size())
      words_.resize(word + 1, 0);
    const std::uint64_t bit = std::uint64_t{1} << (serial % kBits);
    const bool added = (words_[word] & bit) == 0;
    words_[word] |= bit;
    return added;
  }
  bool contains(model::Serial serial) const {
    const std::size_t word = serial / kBits;
    return word < words_.size() && (words_[word] >> (serial % kBits) & 1) != 0;
  }
  void clear() { words_.clear(); }
  bool empty() const { return words_.empty(); }
  std::size_t size() const {
    std::size_t count = 0;
    for (std::uint64_t word : words_)
      count += static_cast<std::size_t>(std::popcount(word));
    return count;
  }
  bool operator==(const SerialSet &) const = default;

  // The number of words, then each word: exact, because no word ends the set at zero.
  void encode(model::StateEncoder &out) const {
    out.number(words_.size());
    for (std::uint64_t word : words_)
      out.number(word);
  }

private:
  static constexpr std::size_t kBits = 64;
  boost::container::small_vector<std::uint64_t, 2> words_;
};

} // namespace trimcheck::props::detail
