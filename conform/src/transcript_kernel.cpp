// A kernel that answers from a recorded transcript, and the replay of a transcript on the
// model through it.
#include "trimcheck/conform/transcript.hpp"

namespace trimcheck::conform {

std::string describe(const Query &query) {
  return std::visit(
      [](const auto &q) -> std::string {
        using Q = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<Q, ApplyQuery>)
          return "apply " + props::describe(q.action);
        else if constexpr (std::is_same_v<Q, BanksQuery>)
          return "banks";
        else if constexpr (std::is_same_v<Q, PcrQuery>)
          return "pcr " + std::string(model::hash_name(q.bank)) + " " + std::to_string(q.index);
        else
          return "cat " + q.path + (q.in_full ? " (in full)" : "");
      },
      query);
}

const Exchange &TranscriptKernel::next(const Query &query) {
  const std::size_t index = position_;
  auto not_covered = [&](const std::string &recorded) {
    return TranscriptMismatchError(source_ + ": the transcript does not cover this run at query " +
                                   std::to_string(index) + " (queries[" + std::to_string(index) +
                                   "]): recorded " + recorded + ", asked " + describe(query));
  };
  if (index >= transcript_.exchanges.size())
    throw not_covered("nothing more (the recorded run ended there)");
  const Exchange &exchange = transcript_.exchanges[index];
  if (exchange.query != query)
    throw not_covered(describe(exchange.query));
  ++position_;
  if (exchange.failure)
    throw vm::VmFailure(exchange.failure->kind, exchange.failure->report);
  return exchange;
}

KernelAnswer TranscriptKernel::apply(const model::Action &action) {
  return next(ApplyQuery{action}).answer;
}

std::vector<model::HashAlgo> TranscriptKernel::banks() {
  return next(BanksQuery{}).banks;
}

model::Digest TranscriptKernel::pcr(model::HashAlgo bank, std::size_t index) {
  return next(PcrQuery{bank, index}).answer.data.bytes();
}

KernelAnswer TranscriptKernel::cat(const std::string &path, bool in_full) {
  return next(CatQuery{path, in_full}).answer;
}

void TranscriptKernel::expect_all_asked() const {
  if (position_ < transcript_.exchanges.size())
    throw TranscriptMismatchError(
        source_ + ": the transcript does not cover this run at query " + std::to_string(position_) +
        " (queries[" + std::to_string(position_) + "]): recorded " +
        describe(transcript_.exchanges[position_].query) + ", but the run ended there");
}

RunResult replay_transcript(const Transcript &transcript, const std::string &source) {
  TranscriptKernel kernel(transcript, source);
  RunOptions options;
  options.proposal = transcript.proposal;
  options.config = transcript.config;
  RunResult result = run_sequence(kernel, options, transcript.actions);
  // A run the model ends at undefined behaviour (memory_event) may have gone on, or
  // crashed, on the kernel: the rest of the transcript is not compared.
  if (!result.mismatch && result.memory_event.empty())
    kernel.expect_all_asked();
  return result;
}

} // namespace trimcheck::conform
