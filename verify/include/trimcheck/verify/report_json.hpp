// The machine-readable form of a VerifyReport (`trimcheck verify --json`):
//   {"verified": false, "records_total": 120, "first_record": 100, "replayed": 20,
//    "skipped": 0, "banks": [{"bank": "sha256", "padded": false}], "pcrs": [10],
//    "failure": {"kind": "digest_mismatch", "message": "...",
//                "record": {"index": 107, "piece": "list.bin", "piece_record": 7,
//                           "offset": 903}}}
// "failure" is absent when verified; "record" is absent for failures of the quote itself.
#pragma once

#include "trimcheck/verify/verifier.hpp"

#include <string>

namespace trimcheck::verify {

std::string report_json(const VerifyReport &report);
// One or two lines for a terminal.
std::string report_text(const VerifyReport &report);

} // namespace trimcheck::verify
