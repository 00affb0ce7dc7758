// Test-only properties for explore's tests: a monitor type of the test's own, judged on
// every version and configuration (or on none), under an id like "T1".
#pragma once

#include "trimcheck/props/property.hpp"

#include <memory>

namespace trimcheck::props::test {

inline bool applies_everywhere(model::ProposalId, const model::KernelConfig &) {
  return true;
}
inline bool applies_nowhere(model::ProposalId, const model::KernelConfig &) {
  return false;
}

template <typename M> std::unique_ptr<Monitor> make_monitor() {
  return std::make_unique<M>();
}

template <typename M>
Property test_property(std::string_view id,
                       bool (*applies)(model::ProposalId,
                                       const model::KernelConfig &) = applies_everywhere) {
  return {id, "test", "", "", applies, make_monitor<M>};
}

} // namespace trimcheck::props::test
