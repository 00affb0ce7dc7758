#include "trimcheck/verify/detail/replay.hpp"

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

class Engine {
public:
  Engine(std::span<const RecordRef> records, std::span<const ChainPlan> plans)
      : records_(records), plans_(plans), layout_(layout_of(plans)),
        sha1_slot_(layout_.sha1_slot()), batches_((records.size() + kBatch - 1) / kBatch),
        ready_(batches_), values_(plans.size()) {
    for (std::size_t chain = 0; chain < plans.size(); ++chain)
      values_[chain].resize(records.size() * model::digest_size(plans[chain].bank));
    for (auto &flag : ready_)
      flag.store(false, std::memory_order_relaxed);
  }

  ReplayResult run(std::vector<ChainState> start, unsigned threads) {
    ReplayResult result;
    result.chains = std::move(start);
    std::vector<std::jthread> workers;
    for (unsigned i = 1; i < threads && i < batches_; ++i)
      workers.emplace_back([this] {
        for (std::size_t batch; (batch = next_.fetch_add(1)) < batches_;)
          compute(batch);
      });
    for (std::size_t batch = 0; batch < batches_; ++batch) {
      while (!ready_[batch].load(std::memory_order_acquire)) {
        const std::size_t mine = next_.fetch_add(1);
        if (mine < batches_)
          compute(mine);
        else
          std::this_thread::yield();
      }
      fold(batch, result);
    }
    workers.clear();
    const std::size_t mismatch = mismatch_.load();
    if (mismatch != kNone)
      result.first_digest_mismatch = mismatch;
    return result;
  }

private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  void compute(std::size_t batch) {
    const std::size_t end = std::min(records_.size(), (batch + 1) * kBatch);
    for (std::size_t i = batch * kBatch; i < end; ++i) {
      const model::ListEntry &entry = *records_[i].entry;
      const bool violation = is_violation(entry);
      const model::Record record = model::make_record(layout_, entry.pcr, entry.data, violation);
      for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
        const Digest value = model::extend_value(layout_, chain, record);
        std::memcpy(values_[chain].data() + i * value.size(), value.data(), value.size());
      }
      if (!violation && !digest_matches(record, records_[i]))
        note_mismatch(i);
    }
    ready_[batch].store(true, std::memory_order_release);
  }

  bool digest_matches(const model::Record &record, const RecordRef &ref) const {
    const Digest &file_digest = ref.entry->template_digest;
    if (is_padded_sha1(file_digest, record.digests[sha1_slot_]))
      return true; // a SHA-1 file, or a bank the kernel could not hash
    for (std::size_t chain = 0; chain < plans_.size(); ++chain)
      if (plans_[chain].bank == ref.file_bank && !plans_[chain].padded)
        return record.digests[chain] == file_digest;
    return model::template_digest(ref.entry->data, ref.file_bank) == file_digest;
  }

  void note_mismatch(std::size_t index) {
    std::size_t current = mismatch_.load();
    while (index < current && !mismatch_.compare_exchange_weak(current, index)) {
    }
  }

  void fold(std::size_t batch, ReplayResult &result) const {
    const std::size_t end = std::min(records_.size(), (batch + 1) * kBatch);
    for (std::size_t i = batch * kBatch; i < end; ++i) {
      const std::uint32_t pcr = records_[i].entry->pcr;
      for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
        const HashAlgo bank = plans_[chain].bank;
        const std::size_t size = model::digest_size(bank);
        Digest &value = result.chains[chain][pcr];
        value = model::Hasher(bank)
                    .update(value)
                    .update(std::span(values_[chain].data() + i * size, size))
                    .finish();
      }
      result.last_extend[pcr] = i;
    }
  }

  std::span<const RecordRef> records_;
  std::span<const ChainPlan> plans_;
  model::BankLayout layout_;
  std::size_t sha1_slot_;
  std::size_t batches_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<std::vector<std::uint8_t>> values_; // [chain][record * digest size]
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
