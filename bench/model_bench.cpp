// Model steps per second: appending measurements (with dedupe lookup and the PCR extends
// of four banks) and replaying a list into PCRs.
#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/machine.hpp"

#include <benchmark/benchmark.h>

namespace {

using namespace trimcheck::model;

void BM_AddMeasurement(benchmark::State &bench) {
  const auto records = static_cast<std::uint32_t>(bench.range(0));
  for (auto _ : bench) {
    KernelState state = boot(ProposalId::baseline_6_12, KernelConfig{});
    for (std::uint32_t i = 0; i < records; ++i)
      benchmark::DoNotOptimize(apply(state, Measure{i, 0}));
  }
  bench.SetItemsProcessed(bench.iterations() * records);
}
BENCHMARK(BM_AddMeasurement)->Arg(100)->Arg(1000);

void BM_ReplayList(benchmark::State &bench) {
  KernelConfig config;
  KernelState state = boot(ProposalId::baseline_6_12, config);
  for (std::uint32_t i = 0; i < 1000; ++i)
    apply(state, Measure{i, 0});
  Bytes sha1_list;
  for (NodeId id : state.list)
    append_binary(sha1_list, list_entry(state.contents[state.nodes[id].serial], 0));
  for (auto _ : bench) {
    PcrBanks pcrs(config.banks);
    for (const ListEntry &entry : parse_binary(sha1_list, 20)) {
      Record record = make_record(config.banks, entry.pcr, entry.data);
      for (std::size_t bank = 0; bank < pcrs.num_banks(); ++bank)
        pcrs.extend(bank, entry.pcr, extend_value(config.banks, bank, record));
    }
    benchmark::DoNotOptimize(pcrs);
  }
  bench.SetItemsProcessed(bench.iterations() * 1000);
  bench.SetBytesProcessed(bench.iterations() * static_cast<std::int64_t>(sha1_list.size()));
}
BENCHMARK(BM_ReplayList);

} // namespace

BENCHMARK_MAIN();
