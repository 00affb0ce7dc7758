#include "trimcheck/verify/verifier.hpp"

#include "trimcheck/verify/detail/replay.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <algorithm>
#include <set>

namespace trimcheck::verify {

using detail::ChainPlan;
using detail::ChainState;
using detail::Run;
using model::Digest;
using model::HashAlgo;

namespace {

// At most this many positions of the checkpoint's last record are tried as start points.
constexpr std::size_t kMaxCheckpointCandidates = 4;

std::string bank_name(HashAlgo bank) {
  return std::string(model::hash_name(bank));
}

// The records of all pieces in order, and where each one came from.
class Sequence {
public:
  explicit Sequence(const std::vector<LogPiece> &pieces) {
    for (const LogPiece &piece : pieces) {
      starts_.push_back(size_);
      runs_.push_back({&piece, 0, piece.records()});
      size_ += piece.records();
    }
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size() == 0; }
  const std::vector<Run> &runs() const { return runs_; }

  // The piece (index) and the index there of record `index` of the sequence.
  std::pair<std::size_t, std::size_t> origin(std::size_t index) const {
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), index);
    // The last piece starting at or before `index`: never an empty one, which shares its
    // start with the next piece.
    const auto piece = static_cast<std::size_t>(after - starts_.begin()) - 1;
    return {piece, index - starts_[piece]};
  }
  model::EntryView view(std::size_t index) const {
    const auto [piece, at] = origin(index);
    return runs_[piece].piece->view(at);
  }
  HashAlgo bank(std::size_t index) const { return runs_[origin(index).first].piece->bank; }

private:
  std::vector<Run> runs_; // one per piece
  std::vector<std::size_t> starts_;
  std::size_t size_ = 0;
};

// A run of records at the start of one piece that repeats the end of the piece before.
struct Overlap {
  std::size_t previous, next; // piece indexes
  std::size_t length;
  std::size_t first; // index in the sequence of the first repeated record
};

std::optional<Overlap> find_overlap(const std::vector<LogPiece> &pieces) {
  std::size_t first = 0, previous = pieces.size();
  for (std::size_t p = 0; p < pieces.size(); first += pieces[p].records(), ++p) {
    const LogPiece &next = pieces[p];
    if (next.records() == 0)
      continue;
    if (previous < pieces.size()) {
      const LogPiece &before = pieces[previous];
      for (std::size_t length = std::min(before.records(), next.records()); length > 0; --length) {
        const std::size_t start = before.records() - length;
        bool repeats = true;
        for (std::size_t i = 0; i < length && repeats; ++i)
          repeats = same_record(before.view(start + i), next.view(i));
        if (repeats)
          return Overlap{previous, p, length, first};
      }
    }
    previous = p;
  }
  return std::nullopt;
}

// What one start point and one choice of chains gives.
struct Attempt {
  std::size_t skip = 0;
  std::vector<ChainPlan> plans;
  detail::ReplayResult result;
  std::vector<unsigned> pcrs; // compared
  bool matches = false;
  std::string mismatch;                     // PCR values: first mismatching bank and PCR
  std::optional<std::size_t> mismatch_last; // record after which the mismatching PCR is wrong
};

class Verifier {
public:
  explicit Verifier(const VerifyRequest &request) : request_(request), sequence_(request.pieces) {
    const auto *quote = std::get_if<QuoteEvidence>(&request.evidence);
    quote_ = quote;
    values_ = quote ? (quote->values ? &*quote->values : nullptr)
                    : &std::get<PcrValues>(request.evidence);
    choose_banks();
    if (sequence_.empty() && !request.checkpoint)
      throw InputError("--list/--chunk", "no records to verify and no --checkpoint");
  }

  VerifyReport run() {
    VerifyReport report;
    if (quote_)
      if (auto failure = check_quote()) {
        report.failure = failure;
        return report;
      }
    std::optional<Attempt> first;
    for (std::size_t skip : start_candidates()) {
      Attempt attempt = attempt_start(skip);
      if (attempt.matches && !attempt.result.first_digest_mismatch)
        return success(attempt);
      if (!first)
        first = std::move(attempt);
    }
    report.failure = diagnose(*first);
    report.first_record = base_records();
    report.banks = outcomes(first->plans);
    report.pcrs = first->pcrs;
    return report;
  }

private:
  std::uint64_t base_records() const {
    return request_.checkpoint ? request_.checkpoint->records : 0;
  }

  void choose_banks() {
    std::vector<HashAlgo> available;
    if (quote_)
      for (const PcrSelection &selection : quote_->attest.selection)
        available.push_back(selection.bank);
    else
      for (const auto &[bank, pcrs] : values_->banks)
        available.push_back(bank);
    banks_ = request_.banks.empty() ? available : request_.banks;
    for (HashAlgo bank : banks_) {
      if (std::find(available.begin(), available.end(), bank) == available.end())
        throw InputError(quote_ ? "--quote" : "--pcrs",
                         "has no values for bank " + bank_name(bank) + " (--bank)");
      if (request_.checkpoint && !request_.checkpoint->pcrs.banks.count(bank))
        throw InputError("--checkpoint", "has no values for bank " + bank_name(bank));
    }
    if (banks_.empty())
      throw InputError(quote_ ? "--quote" : "--pcrs", "holds no PCR bank");
  }

  std::optional<Failure> check_quote() const {
    if (!signature_valid(quote_->ak, quote_->signature, quote_->message))
      return Failure{FailureKind::bad_signature, std::nullopt,
                     "the quote's signature does not verify with the AK public key (the "
                     "message or the signature was altered, or another key signed it)"};
    if (quote_->attest.magic != kTpmGeneratedValue)
      return Failure{FailureKind::bad_signature, std::nullopt,
                     "the signed message does not start with TPM_GENERATED_VALUE: the TPM did "
                     "not produce it"};
    if (quote_->attest.extra_data != quote_->nonce)
      return Failure{FailureKind::stale_nonce, std::nullopt,
                     "the quote was made for nonce " + model::to_hex(quote_->attest.extra_data) +
                         ", not for " + model::to_hex(quote_->nonce) +
                         " (a stale or replayed quote)"};
    return std::nullopt;
  }

  // Offsets into the sequence where the replay may start: right after the checkpoint's
  // last record where the pieces repeat it, then at the first record.
  std::vector<std::size_t> start_candidates() const {
    std::vector<std::size_t> candidates;
    const auto &checkpoint = request_.checkpoint;
    if (checkpoint && checkpoint->records > 0)
      for (std::size_t i = 0; i < sequence_.size() && candidates.size() < kMaxCheckpointCandidates;
           ++i)
        if (record_identity(sequence_.view(i)) == checkpoint->last_record)
          candidates.push_back(i + 1);
    candidates.push_back(0);
    return candidates;
  }

  std::vector<ChainPlan> hashed_plans() const {
    std::vector<ChainPlan> plans;
    for (HashAlgo bank : banks_) {
      const auto &padded =
          request_.checkpoint ? request_.checkpoint->padded : std::vector<HashAlgo>{};
      plans.push_back({bank, std::find(padded.begin(), padded.end(), bank) != padded.end()});
    }
    return plans;
  }

  std::vector<ChainState> start_state(const std::vector<ChainPlan> &plans) const {
    std::vector<ChainState> state;
    for (const ChainPlan &plan : plans) {
      ChainState chain = detail::zero_state(plan.bank);
      if (request_.checkpoint)
        for (const auto &[pcr, value] : request_.checkpoint->pcrs.banks.at(plan.bank))
          chain[pcr] = value;
      state.push_back(std::move(chain));
    }
    return state;
  }

  detail::ReplayResult replay(std::size_t skip, const std::vector<ChainPlan> &plans,
                              std::span<const Run> runs) const {
    return detail::replay(detail::drop_front(runs, skip), plans, start_state(plans),
                          request_.threads);
  }

  std::vector<unsigned> compared_pcrs(const detail::ReplayResult &result) const {
    std::set<unsigned> pcrs;
    for (unsigned pcr = 0; pcr < detail::kPcrCount; ++pcr)
      if (result.last_extend[pcr])
        pcrs.insert(pcr);
    if (request_.checkpoint)
      for (const auto &[bank, values] : request_.checkpoint->pcrs.banks)
        for (const auto &[pcr, value] : values)
          pcrs.insert(pcr);
    if (pcrs.empty())
      pcrs.insert(10);
    return {pcrs.begin(), pcrs.end()};
  }

  Attempt attempt_start(std::size_t skip, std::span<const Run> runs) const {
    Attempt attempt{skip, hashed_plans(), {}, {}, false, {}, {}};
    attempt.result = replay(skip, attempt.plans, runs);
    attempt.pcrs = compared_pcrs(attempt.result);
    judge(attempt);
    if (attempt.matches)
      return attempt;
    // Banks the kernel could not hash were extended with padded SHA-1: try those too.
    std::vector<ChainPlan> padded = attempt.plans;
    bool any = false;
    for (ChainPlan &plan : padded)
      if (plan.bank != HashAlgo::sha1 && !plan.padded)
        plan.padded = any = true;
    if (!any)
      return attempt;
    Attempt alternative{skip, padded, replay(skip, padded, runs), attempt.pcrs, false, {}, {}};
    // Combine per bank: the chain of each bank that matches the evidence.
    for (std::size_t mask = 1; mask < (std::size_t{1} << attempt.plans.size()); ++mask) {
      Attempt mixed = attempt;
      for (std::size_t chain = 0; chain < attempt.plans.size(); ++chain)
        if ((mask >> chain) & 1 && padded[chain].padded) {
          mixed.plans[chain] = padded[chain];
          mixed.result.chains[chain] = alternative.result.chains[chain];
        }
      if (mixed.plans == attempt.plans)
        continue;
      judge(mixed);
      if (mixed.matches)
        return mixed;
    }
    return attempt;
  }

  Attempt attempt_start(std::size_t skip) const { return attempt_start(skip, sequence_.runs()); }

  // Compares the attempt's PCR values with the evidence.
  void judge(Attempt &attempt) const {
    attempt.mismatch.clear();
    if (values_)
      for (std::size_t chain = 0; chain < attempt.plans.size(); ++chain)
        for (unsigned pcr : attempt.pcrs) {
          const HashAlgo bank = attempt.plans[chain].bank;
          const Digest *expected = values_->find(bank, pcr);
          if (!expected) {
            if (quote_)
              continue; // the quote's digest decides
            throw InputError("--pcrs", "has no value for PCR " + std::to_string(pcr) + " of " +
                                           bank_name(bank) + ", which the log extends");
          }
          const Digest &got = attempt.result.chains[chain][pcr];
          if (got != *expected && attempt.mismatch.empty()) {
            attempt.mismatch = "PCR " + std::to_string(pcr) + " of " + bank_name(bank) +
                               ": the replay gives " + model::to_hex(got) + ", the evidence has " +
                               model::to_hex(*expected);
            attempt.mismatch_last = attempt.result.last_extend[pcr];
          }
        }
    attempt.matches = attempt.mismatch.empty();
    if (quote_ && attempt.matches) {
      const Digest digest = quoted_digest(attempt);
      if (digest != quote_->attest.pcr_digest) {
        attempt.matches = false;
        attempt.mismatch = "the quote's PCR digest " + model::to_hex(quote_->attest.pcr_digest) +
                           " is not the digest of the replayed PCR values (" +
                           model::to_hex(digest) + ")";
      }
    }
  }

  // pcrDigest over the selection: replayed values where the log determines them.
  Digest quoted_digest(const Attempt &attempt) const {
    model::Hasher hasher(quote_->signature.hash);
    for (const PcrSelection &selection : quote_->attest.selection)
      for (unsigned pcr : selection.pcrs) {
        const Digest *value = nullptr;
        for (std::size_t chain = 0; chain < attempt.plans.size(); ++chain)
          if (attempt.plans[chain].bank == selection.bank &&
              std::find(attempt.pcrs.begin(), attempt.pcrs.end(), pcr) != attempt.pcrs.end())
            value = &attempt.result.chains[chain][pcr];
        if (!value && values_)
          value = values_->find(selection.bank, pcr);
        if (!value)
          throw InputError("--quote", "covers PCR " + std::to_string(pcr) + " of " +
                                          bank_name(selection.bank) +
                                          ", which the log does not extend: pass its value "
                                          "with --pcrs (tpm2_quote -o)");
        hasher.update(*value);
      }
    return hasher.finish();
  }

  RecordLocation locate(std::size_t sequence_index, std::size_t skip) const {
    const auto [piece, index] = sequence_.origin(sequence_index);
    const LogPiece &source = request_.pieces[piece];
    return {base_records() + sequence_index - skip, source.name, index,
            record_offset(source, index), index < source.lines.size() ? source.lines[index] : 0};
  }

  std::string where(const RecordLocation &location, std::size_t sequence_index) const {
    return "record " + std::to_string(location.index) + " (" + printable(location.piece) +
           " record " + std::to_string(location.piece_record) +
           (location.line > 0 ? ", line " + std::to_string(location.line)
                              : ", byte " + std::to_string(location.offset)) +
           ", " + describe_record(sequence_.view(sequence_index).to_entry()) + ")";
  }

  Failure diagnose(const Attempt &attempt) const {
    const std::size_t skip = attempt.skip;
    if (auto index = attempt.result.first_digest_mismatch) {
      const std::size_t at = *index + skip;
      const model::ListEntry entry = sequence_.view(at).to_entry();
      const HashAlgo file_bank = sequence_.bank(at);
      const RecordLocation location = locate(at, skip);
      return {FailureKind::digest_mismatch, location,
              where(location, at) + ": its " + bank_name(file_bank) + " template digest " +
                  model::to_hex(entry.template_digest) + " does not match its template data (" +
                  model::to_hex(model::template_digest(entry.data, file_bank)) + ")"};
    }
    if (!request_.checkpoint && !sequence_.empty() &&
        !is_boot_aggregate(sequence_.view(0).to_entry())) {
      const RecordLocation location = locate(0, 0);
      return {FailureKind::gap, location,
              "the log does not start at boot: " + where(location, 0) +
                  " is not a boot_aggregate; the records trimmed before it are missing (pass "
                  "the saved chunks with --chunk, in order, or a --checkpoint)"};
    }
    if (auto overlap = find_overlap(request_.pieces)) {
      const std::vector<Run> without =
          detail::erase(sequence_.runs(), overlap->first, overlap->length);
      const bool fixes = overlap->first >= skip && attempt_start(skip, without).matches;
      const RecordLocation location = locate(overlap->first, skip);
      return {FailureKind::overlap, location,
              "overlap between chunks: the first " + std::to_string(overlap->length) +
                  " records of " + printable(request_.pieces[overlap->next].name) +
                  " repeat the last " + std::to_string(overlap->length) + " of " +
                  printable(request_.pieces[overlap->previous].name) + ", from " +
                  where(location, overlap->first) +
                  (fixes ? "; without the repeated records the log verifies"
                         : "; the log does not verify without them either")};
    }
    const std::size_t replayed = sequence_.size() - std::min(skip, sequence_.size());
    std::string message;
    std::optional<RecordLocation> location;
    if (replayed == 0) {
      message = "no record after the checkpoint, and the checkpoint's values do not match: " +
                attempt.mismatch;
    } else {
      const std::size_t last = skip + attempt.mismatch_last.value_or(replayed - 1);
      location = locate(last, skip);
      message = "PCR mismatch after " + where(*location, last) + ": " + attempt.mismatch +
                "; records are missing (a gap between chunks or after the checkpoint), extra, "
                "reordered or altered, or the evidence is from another boot";
    }
    return {FailureKind::pcr_mismatch, location, message};
  }

  std::vector<BankOutcome> outcomes(const std::vector<ChainPlan> &plans) const {
    std::vector<BankOutcome> banks;
    for (const ChainPlan &plan : plans)
      banks.push_back({plan.bank, plan.padded});
    return banks;
  }

  VerifyReport success(const Attempt &attempt) const {
    VerifyReport report;
    report.verified = true;
    const std::size_t skip = std::min(attempt.skip, sequence_.size());
    report.skipped = skip;
    report.replayed = sequence_.size() - skip;
    for (std::size_t i = skip; i < sequence_.size(); ++i)
      report.violations += is_violation(sequence_.view(i)) ? 1 : 0;
    report.first_record = base_records();
    report.records_total = base_records() + report.replayed;
    report.banks = outcomes(attempt.plans);
    report.pcrs = attempt.pcrs;
    Checkpoint &checkpoint = report.checkpoint;
    checkpoint.records = report.records_total;
    checkpoint.last_record =
        report.replayed > 0 ? record_identity(sequence_.view(sequence_.size() - 1))
                            : (request_.checkpoint ? request_.checkpoint->last_record : Digest{});
    for (std::size_t chain = 0; chain < attempt.plans.size(); ++chain) {
      for (unsigned pcr : attempt.pcrs)
        checkpoint.pcrs.banks[attempt.plans[chain].bank][pcr] = attempt.result.chains[chain][pcr];
      if (attempt.plans[chain].padded)
        checkpoint.padded.push_back(attempt.plans[chain].bank);
    }
    return report;
  }

  const VerifyRequest &request_;
  Sequence sequence_;
  const QuoteEvidence *quote_ = nullptr;
  const PcrValues *values_ = nullptr;
  std::vector<HashAlgo> banks_;
};

} // namespace

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
  case FailureKind::digest_mismatch:
    return "digest_mismatch";
  case FailureKind::gap:
    return "gap";
  case FailureKind::overlap:
    return "overlap";
  case FailureKind::pcr_mismatch:
    return "pcr_mismatch";
  case FailureKind::bad_signature:
    return "bad_signature";
  case FailureKind::stale_nonce:
    return "stale_nonce";
  }
  return "unknown";
}

VerifyReport verify(const VerifyRequest &request) {
  return Verifier(request).run();
}

} // namespace trimcheck::verify
