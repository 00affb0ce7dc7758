// Monitor factories of the properties, defined in properties_*.cpp and registered in
// catalogue.cpp.
#pragma once

#include "trimcheck/props/property.hpp"

namespace trimcheck::props::detail {

using MonitorFactory = std::unique_ptr<Monitor> (*)();

extern MonitorFactory const kReaderContinuity, kPrefixDeletion, kKexecCarryOver,
    kNoDoubleAccounting, kCounters, kHashAfterKexec, kConcurrentAppends, kKexecSizing, kOnlyGrows,
    kUniqueDigests, kPcrReplay, kViolationCount;

extern MonitorFactory const kDedupeDeleted, kDedupeCurrent, kMemorySafety, kMemoryRelease,
    kExactTrimmedTotal, kNoStaleTrim, kMultiAgent, kNoWhitewashing, kNoTrustAnchor, kQuoteAligned,
    kKexecMetadata, kOpenAccounting, kPrivilege, kLockHold, kKconfigGating, kHonestSuccess,
    kInputRobustness, kReplayFidelity;

} // namespace trimcheck::props::detail
