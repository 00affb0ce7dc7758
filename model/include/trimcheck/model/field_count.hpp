// The number of fields of an aggregate, at compile time.
//
// Why: a state's identity (state_identity.hpp) is written field by field. A field added to
// KernelState or one of its parts and forgotten there would make two distinct states encode
// alike, and `explore` would merge them: a "holds within bounds" would then cover fewer
// runs than it says. The encoder states how many fields it has read of every aggregate it
// encodes (`static_assert(field_count<T>() == N, ...)`), so adding a field breaks the build
// at the place that must decide whether the field is part of the identity.
//
// How: an aggregate T with n fields can be brace-initialised from k <= n values and not
// from n + 1 (standard C++20, [dcl.init.aggr]). `AnyField` converts to every type, so
// the largest k for which `T{AnyField{}, ...}` is well formed is n. A field whose type is
// itself an aggregate takes one AnyField (it converts to that type, so there is no brace
// elision), as do std::array, std::optional and std::vector fields. Static data members and
// member functions are not fields and are not counted. T must have no base classes and no
// C-array fields (neither occurs in the model's state).
#pragma once

#include <cstddef>
#include <utility>

namespace trimcheck::model {

namespace detail {

struct AnyField {
  template <typename T> operator T() const noexcept; // only named in unevaluated operands
};

template <typename T, std::size_t... I>
constexpr bool brace_initialisable(std::index_sequence<I...>) {
  return requires {
    T{(void(I), AnyField{})...};
  };
}

} // namespace detail

template <typename T, std::size_t Tried = 0> constexpr std::size_t field_count() {
  if constexpr (detail::brace_initialisable<T>(std::make_index_sequence<Tried + 1>{}))
    return field_count<T, Tried + 1>();
  else
    return Tried;
}

} // namespace trimcheck::model
