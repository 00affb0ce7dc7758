// The verifier of a trimmed measurement log: replays the pieces of the log, bank by
// bank, and reconciles them with the TPM.
//
// Input: the chunks a trimming agent saved (in the order they were trimmed), then the
// list the kernel shows now; evidence of the TPM's state, either PCR values read from it
// or a quote signed by an attestation key for a nonce the verifier chose; optionally a
// checkpoint of a previous successful run. The records of all pieces, concatenated, must
// be exactly the records IMA extended into the TPM since boot (or since the checkpoint):
// replaying them (template digest per bank recomputed from the template data with the
// model; 0xFF.. for violations; padded SHA-1 for a bank the kernel could not hash) must
// give the evidence's values for every PCR the log extends, in every verified bank.
//
// The result is a VerifyReport. A failure names the first record that cannot be
// reconciled and why, with the piece (file) and byte offset where it is. Which failures
// can be located and which cannot is documented in docs/verify.md: the hash chain only
// says whether the whole sequence is right; a digest that does not match its template
// data, a log that does not start at boot, and a chunk that repeats the end of the
// previous one are located exactly; a missing record (a gap) is only detectable as a PCR
// mismatch after the last record.
//
// Template digests of different records are independent, so they are computed by
// `threads` threads in batches while one thread folds the PCR chain in order.
#pragma once

#include "trimcheck/verify/checkpoint.hpp"
#include "trimcheck/verify/log_piece.hpp"
#include "trimcheck/verify/quote.hpp"

#include <optional>
#include <variant>

namespace trimcheck::verify {

// A quote and what is needed to check it.
struct QuoteEvidence {
  model::Bytes message; // TPMS_ATTEST bytes, as signed
  QuoteAttest attest;   // parse_attest(message)
  QuoteSignature signature;
  PublicKey ak;
  model::Bytes nonce;
  // Values of the quoted PCRs the log does not determine (e.g. PCRs 0-9), if any.
  std::optional<PcrValues> values;
};

using Evidence = std::variant<PcrValues, QuoteEvidence>;

struct VerifyRequest {
  std::vector<LogPiece> pieces; // chunks in trimming order, then the current list
  Evidence evidence;
  std::optional<Checkpoint> checkpoint;
  std::vector<model::HashAlgo> banks; // empty: every bank of the evidence
  unsigned threads = 2;
};

enum class FailureKind : std::uint8_t {
  digest_mismatch, // a record's template digest does not match its template data
  gap,             // records are missing (the log does not start at boot / checkpoint)
  overlap,         // a piece repeats records of the piece before it
  pcr_mismatch,    // the replay does not reach the evidence's PCR values
  bad_signature,   // the quote is not signed by the AK, or is not a TPM quote
  stale_nonce,     // the quote was made for another nonce
};
std::string_view failure_kind_name(FailureKind kind);

// Where a record is: its index since boot (or since the checkpoint's start), the piece
// and its index and byte offset there.
struct RecordLocation {
  std::uint64_t index = 0; // absolute: records since boot
  std::string piece;
  std::size_t piece_record = 0;
  std::size_t offset = 0;
  std::size_t line = 0; // an ascii list: the record's line (1-based); 0 for a binary list
};

struct Failure {
  FailureKind kind;
  std::optional<RecordLocation> record; // the first record that cannot be reconciled
  std::string message;                  // one line, names record, bank, PCR, values
};

struct BankOutcome {
  model::HashAlgo bank;
  bool padded = false; // the kernel extended padded SHA-1 into this bank
};

struct VerifyReport {
  bool verified = false;
  std::optional<Failure> failure;
  std::uint64_t first_record = 0;  // absolute index of the first replayed record
  std::uint64_t records_total = 0; // records since boot, after the last replayed one
  std::size_t replayed = 0;        // records replayed in this run
  std::size_t skipped = 0;         // records already covered by the checkpoint
  // Replayed violation records. By IMA's design no digest covers their template data (the
  // PCR is extended with 0xFF.., whatever the record says), so an edit of the file name
  // or fields of such a record cannot be detected.
  std::size_t violations = 0;
  std::vector<BankOutcome> banks;
  std::vector<unsigned> pcrs; // PCRs compared
  Checkpoint checkpoint;      // the state after the last record (when verified)
};

// Throws InputError for requests that cannot be judged (a bank that the evidence or the
// checkpoint lacks, a quoted PCR whose value nothing provides, no records and no
// checkpoint).
VerifyReport verify(const VerifyRequest &request);

} // namespace trimcheck::verify
