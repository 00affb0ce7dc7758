#include "trimcheck/model/detail/family.hpp"

namespace trimcheck::model::detail {

const FamilyHooks &chen_hooks() {
  return baseline_hooks();
}

} // namespace trimcheck::model::detail
