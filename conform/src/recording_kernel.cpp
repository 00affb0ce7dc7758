// The recording decorator: every call and its answer (or the guest's failure) appended to
// a transcript, in the order asked.
#include "trimcheck/conform/transcript.hpp"

namespace trimcheck::conform {
namespace {

// Lets `ask` fill in the exchange's answer and appends the exchange; if the guest fails
// instead, appends the exchange with the failure and lets the failure go on.
template <typename Ask> const Exchange &recorded(Transcript &out, Query query, Ask ask) {
  Exchange exchange{std::move(query), {}, {}, std::nullopt};
  try {
    ask(exchange);
  } catch (const vm::VmFailure &failure) {
    exchange.failure = RecordedFailure{failure.kind(), failure.report()};
    out.exchanges.push_back(std::move(exchange));
    throw;
  }
  out.exchanges.push_back(std::move(exchange));
  return out.exchanges.back();
}

} // namespace

KernelAnswer RecordingKernel::apply(const model::Action &action) {
  return recorded(out_, ApplyQuery{action},
                  [&](Exchange &exchange) { exchange.answer = inner_.apply(action); })
      .answer;
}

std::vector<model::HashAlgo> RecordingKernel::banks() {
  return recorded(out_, BanksQuery{}, [&](Exchange &exchange) { exchange.banks = inner_.banks(); })
      .banks;
}

model::Digest RecordingKernel::pcr(model::HashAlgo bank, std::size_t index) {
  return recorded(out_, PcrQuery{bank, index},
                  [&](Exchange &exchange) {
                    exchange.answer.data = KernelBytes(inner_.pcr(bank, index));
                  })
      .answer.data.bytes();
}

KernelAnswer RecordingKernel::cat(const std::string &path, bool in_full) {
  return recorded(out_, CatQuery{path, in_full},
                  [&](Exchange &exchange) { exchange.answer = inner_.cat(path, in_full); })
      .answer;
}

} // namespace trimcheck::conform
