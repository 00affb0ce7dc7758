#include "trimcheck/verify/detail/replay.hpp"

#include "trimcheck/verify/detail/digest_context.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

namespace trimcheck::verify::detail {

using model::Digest;
using model::HashAlgo;

namespace {

constexpr std::size_t kBatch = 2048;
// Batches computed but not yet folded, at most (the ring of value buffers).
constexpr std::size_t kRing = 32;
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// One layout whose TPM banks are the plans: the model's violation values per chain.
model::BankLayout layout_of(std::span<const ChainPlan> plans) {
  model::BankLayout layout{{}, plans.front().bank};
  for (const ChainPlan &plan : plans)
    layout.tpm_banks.push_back({plan.bank, !plan.padded});
  return layout;
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

// Calls fn(index, piece, piece_index) for records [from, to) of the sequence `runs`.
template <class Fn>
void for_each_record(std::span<const Run> runs, std::size_t from, std::size_t to, Fn &&fn) {
  std::size_t start = 0, index = from;
  for (const Run &run : runs) {
    for (; index < to && index < start + run.count; ++index)
      fn(index, *run.piece, run.first + index - start);
    start += run.count;
    if (index >= to)
      return;
  }
}

class Engine {
public:
  Engine(std::span<const Run> runs, std::span<const ChainPlan> plans)
      : runs_(runs), plans_(plans), records_(record_count(runs)),
        batches_((records_ + kBatch - 1) / kBatch), ready_(batches_), values_(plans.size()),
        pcrs_(kRing * kBatch) {
    const model::BankLayout layout = layout_of(plans);
    const model::Record violation = model::make_record(layout, 10, {}, true);
    for (std::size_t chain = 0; chain < plans.size(); ++chain) {
      values_[chain].resize(kRing * kBatch * model::digest_size(plans[chain].bank));
      const auto value = model::extend_value(layout, chain, violation);
      violation_values_.emplace_back(value.begin(), value.end());
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
        while (next_.load() < batches_) {
          if (const std::size_t batch = claim(); batch != kNone)
            compute(batch, contexts);
          else
            std::this_thread::yield();
        }
      });
    Contexts contexts, chain_contexts;
    for (std::size_t batch = 0; batch < batches_; ++batch) {
      while (!ready_[batch].load(std::memory_order_acquire)) {
        if (const std::size_t mine = claim(); mine != kNone)
          compute(mine, contexts);
        else
          std::this_thread::yield();
      }
      fold(batch, result, chain_contexts);
      folded_.store(batch + 1, std::memory_order_release);
    }
    workers.clear();
    const std::size_t mismatch = mismatch_.load();
    if (mismatch != kNone)
      result.first_digest_mismatch = mismatch;
    return result;
  }

private:
  // The next batch to compute if its ring slot is free, else kNone.
  std::size_t claim() {
    std::size_t batch = next_.load();
    while (batch < batches_ && batch < folded_.load(std::memory_order_acquire) + kRing)
      if (next_.compare_exchange_weak(batch, batch + 1))
        return batch;
    return kNone;
  }

  // The ring slot of record `index`.
  static std::size_t slot(std::size_t index) { return index % (kRing * kBatch); }

  std::uint8_t *value(std::size_t chain, std::size_t index) {
    return values_[chain].data() + slot(index) * model::digest_size(plans_[chain].bank);
  }

  void compute(std::size_t batch, Contexts &contexts) {
    const std::size_t end = std::min(records_, (batch + 1) * kBatch);
    for_each_record(runs_, batch * kBatch, end,
                    [&](std::size_t index, const LogPiece &piece, std::size_t piece_index) {
                      compute_record(index, piece.view(piece_index), piece.bank, contexts);
                    });
    ready_[batch].store(true, std::memory_order_release);
  }

  void compute_record(std::size_t index, const model::EntryView &entry, HashAlgo file_bank,
                      Contexts &contexts) {
    pcrs_[slot(index)] = static_cast<std::uint8_t>(entry.pcr);
    const bool violation = is_violation(entry);
    std::optional<Digest> sha1; // for padded chains only
    for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
      const Digest *from = &violation_values_[chain];
      Digest padded;
      if (!violation && !plans_[chain].padded) {
        contexts.of(plans_[chain].bank).template_digest(entry, value(chain, index));
        continue;
      }
      if (!violation) {
        if (!sha1)
          sha1 = contexts.of(HashAlgo::sha1).template_digest(entry);
        padded = model::padded_sha1(*sha1, plans_[chain].bank);
        from = &padded;
      }
      std::memcpy(value(chain, index), from->data(), from->size());
    }
    if (!violation && !digest_matches(index, entry, file_bank, contexts))
      note_mismatch(index);
  }

  // The file's digest is the template digest in the file's bank, or padded SHA-1.
  bool digest_matches(std::size_t index, const model::EntryView &entry, HashAlgo file_bank,
                      Contexts &contexts) {
    const auto file_digest = entry.template_digest;
    bool computed = false;
    for (std::size_t chain = 0; chain < plans_.size() && !computed; ++chain)
      if (plans_[chain].bank == file_bank && !plans_[chain].padded) {
        if (std::memcmp(value(chain, index), file_digest.data(), file_digest.size()) == 0)
          return true;
        computed = true;
      }
    if (!computed) {
      std::array<std::uint8_t, 64> digest;
      DigestContext &context = contexts.of(file_bank);
      context.template_digest(entry, digest.data());
      if (std::memcmp(digest.data(), file_digest.data(), context.size()) == 0)
        return true;
    }
    return std::ranges::equal(
        file_digest,
        model::padded_sha1(contexts.of(HashAlgo::sha1).template_digest(entry), file_bank));
  }

  void note_mismatch(std::size_t index) {
    std::size_t current = mismatch_.load();
    while (index < current && !mismatch_.compare_exchange_weak(current, index)) {
    }
  }

  void fold(std::size_t batch, ReplayResult &result, Contexts &contexts) {
    const std::size_t end = std::min(records_, (batch + 1) * kBatch);
    for (std::size_t i = batch * kBatch; i < end; ++i) {
      const std::uint8_t pcr = pcrs_[slot(i)];
      for (std::size_t chain = 0; chain < plans_.size(); ++chain) {
        DigestContext &context = contexts.of(plans_[chain].bank);
        context.extend(result.chains[chain][pcr], std::span(value(chain, i), context.size()));
      }
      result.last_extend[pcr] = i;
    }
  }

  std::span<const Run> runs_;
  std::span<const ChainPlan> plans_;
  std::size_t records_, batches_;
  std::vector<std::atomic<bool>> ready_;
  std::vector<std::vector<std::uint8_t>> values_; // [chain][ring slot * digest size]
  std::vector<std::uint8_t> pcrs_;                // [ring slot]
  std::vector<Digest> violation_values_;          // [chain]
  std::atomic<std::size_t> next_{0}, folded_{0};
  std::atomic<std::size_t> mismatch_{kNone};
};

} // namespace

std::size_t record_count(std::span<const Run> runs) {
  std::size_t count = 0;
  for (const Run &run : runs)
    count += run.count;
  return count;
}

std::vector<Run> drop_front(std::span<const Run> runs, std::size_t count) {
  return erase(runs, 0, count);
}

std::vector<Run> erase(std::span<const Run> runs, std::size_t from, std::size_t count) {
  std::vector<Run> out;
  std::size_t start = 0;
  const std::size_t to = from + count;
  for (const Run &run : runs) {
    const std::size_t end = start + run.count;
    // The parts of [start, end) before `from` and after `to`.
    if (from > start)
      out.push_back({run.piece, run.first, std::min(end, from) - start});
    if (to < end) {
      const std::size_t skip = std::max(start, to) - start;
      out.push_back({run.piece, run.first + skip, run.count - skip});
    }
    start = end;
  }
  std::erase_if(out, [](const Run &run) { return run.count == 0; });
  return out;
}

ChainState zero_state(HashAlgo bank) {
  ChainState state;
  state.fill(Digest(model::digest_size(bank), 0));
  return state;
}

ReplayResult replay(std::span<const Run> runs, std::span<const ChainPlan> plans,
                    std::vector<ChainState> start, unsigned threads) {
  if (plans.empty() || record_count(runs) == 0) {
    ReplayResult result;
    result.chains = std::move(start);
    return result;
  }
  Engine engine(runs, plans);
  return engine.run(std::move(start), std::max(1u, threads));
}

} // namespace trimcheck::verify::detail
