// SharedVector<T>: a vector with value semantics whose copies share one buffer until one
// of them changes (copy-on-write).
//
// Why: explore and check copy the whole KernelState once per transition, and most of it
// does not change between two states: record contents are append-only, the measurement
// files are fixed at boot, and the PCR banks change only on an extend. Copying those as
// plain vectors cost one heap allocation per record field, file name and PCR value on
// every transition (about half of explore's time). Sharing them makes the copy a
// reference-count increment; a change copies the buffer once, only when it is shared.
//
// Reads look like std::vector's (at, [], size, back, iteration); writes go through
// push_back or mutable_at, which unshare first. A buffer is never changed while shared,
// so copies held by other threads see a constant vector.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace trimcheck::model {

template <class T> class SharedVector {
public:
  SharedVector() = default;
  SharedVector(std::vector<T> items) // NOLINT: a vector converts implicitly
      : items_(std::make_shared<std::vector<T>>(std::move(items))) {}

  std::size_t size() const { return items_ ? items_->size() : 0; }
  bool empty() const { return size() == 0; }
  const T &at(std::size_t i) const { return view().at(i); }
  const T &operator[](std::size_t i) const { return (*items_)[i]; }
  const T &back() const { return view().back(); }
  auto begin() const { return view().begin(); }
  auto end() const { return view().end(); }

  void push_back(T item) { unshared().push_back(std::move(item)); }
  T &mutable_at(std::size_t i) { return unshared().at(i); }

  bool operator==(const SharedVector &other) const {
    return items_ == other.items_ || view() == other.view();
  }

private:
  const std::vector<T> &view() const {
    static const std::vector<T> kEmpty;
    return items_ ? *items_ : kEmpty;
  }
  std::vector<T> &unshared() {
    if (!items_)
      items_ = std::make_shared<std::vector<T>>();
    else if (items_.use_count() > 1)
      items_ = std::make_shared<std::vector<T>>(*items_);
    else // the last other owner's release of the buffer happens before this write
      std::atomic_thread_fence(std::memory_order_acquire);
    return *items_;
  }

  std::shared_ptr<std::vector<T>> items_;
};

} // namespace trimcheck::model
