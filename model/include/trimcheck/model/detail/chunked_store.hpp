// ChunkedStore<T>: an append-only array whose elements never move, read without a lock.
//
// The run-wide tables (RecordTable, DigestTable) keep their entries here. Elements live in
// chunks that are allocated as needed and never freed or moved before the store is, so a
// reference to an element stays valid while others are appended, and a thread may read an
// element while another appends: they touch different objects. The caller serialises
// appends (its lock), and hands an index to another thread only after the append (through
// that lock, or the hand-over of a state holding the index).
//
// Chunk k holds kFirst * 2^k elements, so an empty store is a few pointers and a small
// first chunk: check makes tables for every run (thousands per property), and fixed chunks
// of 1024 elements made its default job 70 % slower.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace trimcheck::model::detail {

template <typename T> class ChunkedStore {
public:
  static constexpr std::size_t kFirstBits = 4; // the first chunk: 16 elements
  static constexpr std::size_t kFirst = std::size_t{1} << kFirstBits;
  static constexpr std::size_t kChunks = 18; // 16 * (2^18 - 1): about 4 M elements
  static constexpr std::size_t kMaxSize = kFirst * ((std::size_t{1} << kChunks) - 1);

  ChunkedStore() = default;
  ChunkedStore(const ChunkedStore &) = delete;
  ChunkedStore &operator=(const ChunkedStore &) = delete;

  const T &operator[](std::uint32_t index) const {
    const Place place = place_of(index);
    return chunks_[place.chunk][place.offset];
  }
  std::size_t size() const { return size_.load(std::memory_order_acquire); }

  // Appends under the caller's lock; returns the new element's index. Throws
  // std::length_error beyond kMaxSize elements (`what` names them).
  std::uint32_t push_back(T value, const char *what) {
    const std::size_t index = size_.load(std::memory_order_relaxed);
    if (index >= kMaxSize)
      throw std::length_error("a run made more than " + std::to_string(kMaxSize) + " distinct " +
                              what);
    const Place place = place_of(index);
    std::unique_ptr<T[]> &chunk = chunks_[place.chunk];
    if (!chunk)
      chunk = std::make_unique<T[]>(kFirst << place.chunk);
    chunk[place.offset] = std::move(value);
    size_.store(index + 1, std::memory_order_release);
    return static_cast<std::uint32_t>(index);
  }

private:
  struct Place {
    std::size_t chunk, offset;
  };
  // Chunk k starts at index kFirst * (2^k - 1): index + kFirst has its highest bit at
  // kFirstBits + k.
  static Place place_of(std::size_t index) {
    const std::size_t shifted = index + kFirst;
    const std::size_t chunk = std::bit_width(shifted) - 1 - kFirstBits;
    return {chunk, shifted - (kFirst << chunk)};
  }

  std::array<std::unique_ptr<T[]>, kChunks> chunks_;
  std::atomic<std::size_t> size_{0};
};

} // namespace trimcheck::model::detail
