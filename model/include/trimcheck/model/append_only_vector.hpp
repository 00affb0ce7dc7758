// AppendOnlyVector<T>: a SharedVector for elements that never change once appended.
//
// Why: record contents are append-only, and a KernelState copy shares them (SharedVector).
// But appending to a shared SharedVector copies the whole buffer, element by element, and
// a Record is a dozen heap blocks (template fields, one digest per bank): every
// measurement on an explored or checked run re-allocated every record before it. Here each
// element is boxed and immutable, so the buffer copy on append is one reference count per
// element, and copies of a state share the records themselves.
//
// Reads look like std::vector's (at, [], size, back, iteration yield const T&); the only
// write is push_back, of an element or of a box that others share.
#pragma once

#include "trimcheck/model/shared_vector.hpp"

#include <cstddef>
#include <iterator>
#include <memory>

namespace trimcheck::model {

template <class T> class AppendOnlyVector {
public:
  using Box = std::shared_ptr<const T>;

private:
  using BoxIterator = typename std::vector<Box>::const_iterator;

public:
  // Iterates the elements (not the boxes): what a range-for over the records needs.
  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T *;
    using reference = const T &;

    const_iterator() = default;
    explicit const_iterator(BoxIterator at) : at_(at) {}
    reference operator*() const { return **at_; }
    pointer operator->() const { return at_->get(); }
    const_iterator &operator++() {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) { return const_iterator(at_++); }
    bool operator==(const const_iterator &) const = default;

  private:
    BoxIterator at_{};
  };

  AppendOnlyVector() = default;

  std::size_t size() const { return boxes_.size(); }
  bool empty() const { return boxes_.empty(); }
  const T &at(std::size_t i) const { return *boxes_.at(i); }
  const T &operator[](std::size_t i) const { return *boxes_[i]; }
  const T &back() const { return *boxes_.back(); }
  const_iterator begin() const { return const_iterator(boxes_.begin()); }
  const_iterator end() const { return const_iterator(boxes_.end()); }
  void push_back(T item) { boxes_.push_back(std::make_shared<const T>(std::move(item))); }
  // Appends an element that is already boxed (shared with whoever else holds the box).
  void push_back(Box box) { boxes_.push_back(std::move(box)); }

  bool operator==(const AppendOnlyVector &other) const {
    if (size() != other.size())
      return false;
    for (std::size_t i = 0; i < size(); ++i)
      if (boxes_[i] != other.boxes_[i] && *boxes_[i] != *other.boxes_[i])
        return false;
    return true;
  }

private:
  SharedVector<Box> boxes_;
};

} // namespace trimcheck::model
