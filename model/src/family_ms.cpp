#include "trimcheck/model/detail/family.hpp"

namespace trimcheck::model::detail {

const FamilyHooks &ms_hooks() {
  return baseline_hooks();
}

} // namespace trimcheck::model::detail
