#include "trimcheck/verify/detail/replay.hpp"

#include "trimcheck/verify/detail/digest_context.hpp"
#include "trimcheck/verify/log_piece.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

namespace trimcheck::verify::detail {

using model::Digest;
using model::HashAlgo;

namespace {

constexpr std::size_t kBatch = 2048;

// One layout whose TPM banks are the plans: make_record then yields every chain's value.
model::BankLayout layout_of(std::span<const ChainPlan> plans) {
  model::BankLayout layout{{}, plans.front().bank};
  for (const ChainPlan &plan : plans)
    layout.tpm_banks.push_back({plan.bank, !plan.padded});
  return layout;
}

// The padded SHA-1 form of a template digest (spec 4.3): SHA-1, then zeros.
bool is_padded_sha1(const Digest &digest, const Digest &sha1) {
  return digest.size() >= sha1.size() && std::equal(sha1.begin(), sha1.end(), digest.begin()) &&
         std::all_of(digest.begin() + static_cast<std::ptrdiff_t>(sha1.size()), digest.end(),
                     [](std::uint8_t byte) { return byte == 0; });
}

// One thread's hash contexts, by algorithm, created when first needed.
class Contexts {
public:
  DigestContext &of(HashAlgo algo) {
    auto &slot = contexts_[static_cast<std::size_t>(algo)];
    if (!slot)
      slot.emplace(algo);
    return *slot;
  }

private:
  std::array<std::optional<DigestContext>, std::size(model::kAllHashAlgos)> contexts_;
};

class Engine {
public:
  Engine(std::span<const RecordRef> records, std::span<const ChainPlan> plans)
      : records_(records), plans_(plans), layout_(layout_of(plans)),
        batches_((records.size() + kBatch - 1) / kBatch), ready_(batches_), values_(plans.size()) {
    const model::Record violation = model::make_record(layout_, 10, {}, true);
    for (std::size_t chain = 0; chain < plans.size(); ++chain) {
      values_[chain].resize(records.size() * model::digest_size(plans[chain].bank));
      violation_values_.push_back(model::extend_value(layout_, chain, violation));
    }
    for (auto &flag : ready_)
      flag.store(false, std::memory_order_relaxed);
  }

  ReplayResult run(std::vector<ChainState> start, unsigned threads) {
    ReplayResult result;
    result.chains = std::move(start);
    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < threads && i < batches_; ++i)
      workers.emplace_back([this] {
        Contexts contexts;
        for (std::size_t batch; (batch = next_.fetch_add(1)) < batches_;)
          compute(batch, contexts);
      });
    Contexts contexts, chain_contexts;
    for (std::size_t batch = 0; batch < batches_; ++batch) {
      while (!ready_[batch].load(std::memory_order_acquire)) {
        const std::size_t mine = next_.fetch_add(1);
        if (mine < batches_)
          compute(mine, contexts);
        else
          std::this_thread::yield();
      }
      fold(batch, result, chain_contexts);
    }
    workers.clear();
    const std::size_t mismatch = mismatch_.load();
    if (mismatch != kNone)
      result.first_digest_mismatch = mismatch;
    return result;
  }

private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::uint8_t *value(std::size_t chain, std::size_t record) {
    return values_[chain].data() + record * model::digest_size(plans_[chain].bank);
  }

  void compute(std::size_t batch, Contexts &contexts) {
    const std::size_t end = std::min(records_.size(), (batch + 1) * kBatch);
    for (std::size_t i = batch * kBatch; i < end; ++i) {
      const model::ListEntry &entry = *records_[i].entry;
      const bool violation = is_violation(entry);
      std::optional<model::Record> record; // the model's record, for padded chains only
      for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
        if (violation) {
          std::memcpy(value(chain, i), violation_values_[chain].data(),
                      violation_values_[chain].size());
        } else if (!plans_[chain].padded) {
          contexts.of(plans_[chain].bank).template_digest(entry.data, value(chain, i));
        } else {
          if (!record)
            record = model::make_record(layout_, entry.pcr, entry.data);
          const Digest padded = model::extend_value(layout_, chain, *record);
          std::memcpy(value(chain, i), padded.data(), padded.size());
        }
      }
      if (!violation && !digest_matches(i, contexts))
        note_mismatch(i);
    }
    ready_[batch].store(true, std::memory_order_release);
  }

  // The file's digest is the template digest in the file's bank, or padded SHA-1.
  bool digest_matches(std::size_t index, Contexts &contexts) {
    const RecordRef &ref = records_[index];
    const Digest &file_digest = ref.entry->template_digest;
    bool computed = false;
    for (std::size_t chain = 0; chain < plans_.size() && !computed; ++chain)
      if (plans_[chain].bank == ref.file_bank && !plans_[chain].padded) {
        if (std::memcmp(value(chain, index), file_digest.data(), file_digest.size()) == 0)
          return true;
        computed = true;
      }
    if (!computed) {
      std::array<std::uint8_t, 64> digest;
      DigestContext &context = contexts.of(ref.file_bank);
      context.template_digest(ref.entry->data, digest.data());
      if (std::memcmp(digest.data(), file_digest.data(), context.size()) == 0)
        return true;
    }
    return is_padded_sha1(file_digest, model::template_digest(ref.entry->data, HashAlgo::sha1));
  }

  void note_mismatch(std::size_t index) {
    std::size_t current = mismatch_.load();
    while (index < current && !mismatch_.compare_exchange_weak(current, index)) {
    }
  }

  void fold(std::size_t batch, ReplayResult &result, Contexts &contexts) {
    const std::size_t end = std::min(records_.size(), (batch + 1) * kBatch);
    for (std::size_t i = batch * kBatch; i < end; ++i) {
      const std::uint32_t pcr = records_[i].entry->pcr;
      for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
        DigestContext &context = contexts.of(plans_[chain].bank);
        context.extend(result.chains[chain][pcr], std::span(value(chain, i), context.size()));
      }
      result.last_extend[pcr] = i;
    }
  }

  std::span<const RecordRef> records_;
  std::span<const ChainPlan> plans_;
  model::BankLayout layout_;
  std::size_t batches_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<std::vector<std::uint8_t>> values_; // [chain][record * digest size]
  std::vector<Digest> violation_values_;          // [chain]
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> mismatch_{kNone};
};

} // namespace

ChainState zero_state(HashAlgo bank) {
  ChainState state;
  state.fill(Digest(model::digest_size(bank), 0));
  return state;
}

ReplayResult replay(std::span<const RecordRef> records, std::span<const ChainPlan> plans,
                    std::vector<ChainState> start, unsigned threads) {
  if (plans.empty() || records.empty()) {
    ReplayResult result;
    result.chains = std::move(start);
    return result;
  }
  Engine engine(records, plans);
  return engine.run(std::move(start), std::max(1u, threads));
}

} // namespace trimcheck::verify::detail
