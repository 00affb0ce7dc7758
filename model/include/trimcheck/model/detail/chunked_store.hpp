// ChunkedStore<T>: an append-only array whose elements never move, read without a lock.
//
// The run-wide tables (RecordTable, DigestTable) keep their entries here. Elements live in
// chunks of kChunkSize that are allocated as needed and never freed or moved before the
// store is, so a reference to an element stays valid while others are appended, and a
// thread may read an element while another appends: they touch different objects. The
// caller serialises appends (its lock), and hands an index to another thread only after
// the append (through that lock, or the hand-over of a state holding the index).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace trimcheck::model::detail {

template <typename T> class ChunkedStore {
public:
  static constexpr std::size_t kChunkBits = 10;
  static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
  static constexpr std::size_t kMaxChunks = 4096; // about 4 M elements

  ChunkedStore() = default;
  ChunkedStore(const ChunkedStore &) = delete;
  ChunkedStore &operator=(const ChunkedStore &) = delete;

  const T &operator[](std::uint32_t index) const {
    return (*chunks_[index >> kChunkBits])[index % kChunkSize];
  }
  std::size_t size() const { return size_.load(std::memory_order_acquire); }

  // Appends under the caller's lock; returns the new element's index. Throws
  // std::length_error beyond kMaxChunks * kChunkSize elements (`what` names them).
  std::uint32_t push_back(T value, const char *what) {
    const std::size_t index = size_.load(std::memory_order_relaxed);
    if (index >= kMaxChunks * kChunkSize)
      throw std::length_error("a run made more than " + std::to_string(kMaxChunks * kChunkSize) +
                              " distinct " + what);
    std::unique_ptr<Chunk> &chunk = chunks_[index >> kChunkBits];
    if (!chunk)
      chunk = std::make_unique<Chunk>();
    (*chunk)[index % kChunkSize] = std::move(value);
    size_.store(index + 1, std::memory_order_release);
    return static_cast<std::uint32_t>(index);
  }

private:
  using Chunk = std::array<T, kChunkSize>;
  std::array<std::unique_ptr<Chunk>, kMaxChunks> chunks_;
  std::atomic<std::size_t> size_{0};
};

} // namespace trimcheck::model::detail
