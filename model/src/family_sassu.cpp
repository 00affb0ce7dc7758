#include "trimcheck/model/detail/family.hpp"

namespace trimcheck::model::detail {

const FamilyHooks &sassu_hooks() {
  return baseline_hooks();
}

} // namespace trimcheck::model::detail
