#include "model_kernel.hpp"

#include <algorithm>

namespace trimcheck::conform::test {

using namespace model;

PcrBanks sample_firmware(const BankLayout &layout) {
  PcrBanks pcrs(layout);
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
    for (std::size_t pcr = 0; pcr < 10; ++pcr)
      pcrs.set_firmware(
          bank, pcr,
          hash_bytes(layout.tpm_banks[bank].algo, to_bytes("firmware " + std::to_string(pcr))));
  return pcrs;
}

namespace {
KernelConfig with_sample_firmware(KernelConfig config) {
  config.firmware_pcrs = firmware_of(sample_firmware(config.banks));
  return config;
}
} // namespace

ModelKernel::ModelKernel(ProposalId proposal, const KernelConfig &config)
    : state_(boot(proposal, with_sample_firmware(config))) {}

void ModelKernel::fail_from(std::size_t call, vm::VmFailure::Kind kind, std::string report) {
  fail_from_ = call;
  fail_kind_ = kind;
  fail_report_ = std::move(report);
}

void ModelKernel::count_call() {
  if (fail_from_ && calls_ >= *fail_from_)
    throw vm::VmFailure(fail_kind_, fail_report_);
  ++calls_;
}

KernelAnswer ModelKernel::apply(const Action &action) {
  count_call();
  // As the guest performs it: the realised actions, each until its call returned.
  Outcome first;
  bool have_first = false;
  for (const Action &part : vm::realised(action)) {
    Outcome outcome = model::apply(state_, part);
    const Pid caller = std::holds_alternative<Read>(part)    ? std::get<Read>(part).pid
                       : std::holds_alternative<Write>(part) ? std::get<Write>(part).pid
                                                             : 0;
    while (!outcome.done)
      outcome = model::apply(state_, Continue{caller});
    if (!have_first) {
      first = outcome;
      have_first = true;
    }
  }
  return {first.ret, KernelBytes(first.data)};
}

std::vector<HashAlgo> ModelKernel::banks() {
  count_call();
  std::vector<HashAlgo> out;
  for (const TpmBank &bank : state_.config.banks.tpm_banks)
    out.push_back(bank.algo);
  std::sort(out.begin(), out.end(),
            [](HashAlgo a, HashAlgo b) { return digest_size(a) < digest_size(b); });
  return out;
}

Digest ModelKernel::pcr(HashAlgo bank, std::size_t index) {
  count_call();
  const auto &banks = state_.config.banks.tpm_banks;
  for (std::size_t i = 0; i < banks.size(); ++i)
    if (banks[i].algo == bank)
      return state_.pcrs.value_copy(i, index);
  throw vm::VmFailure(vm::VmFailure::Kind::agent, "no PCR bank " + std::string(hash_name(bank)));
}

KernelAnswer ModelKernel::cat(const std::string &path, bool) {
  count_call();
  // As the guest agent does: a new root process opens the file, reads it to the end and
  // closes it; on a copy, so that the run's own state is not touched.
  KernelState probe = state_;
  auto call = [&](const Action &action, Pid pid) {
    Outcome outcome = model::apply(probe, action);
    while (!outcome.done)
      outcome = model::apply(probe, Continue{pid});
    return outcome;
  };
  const Pid pid = static_cast<Pid>(model::apply(probe, Spawn{true}).ret);
  const Outcome opened = call(Open{pid, path, Access::read}, pid);
  if (opened.ret < 0)
    return {opened.ret, {}};
  const int fd = static_cast<int>(opened.ret);
  Bytes bytes;
  for (;;) {
    const Outcome read = call(Read{pid, fd, 65536}, pid);
    if (read.ret < 0)
      return {read.ret, {}};
    if (read.ret == 0)
      break;
    bytes.insert(bytes.end(), read.data.begin(), read.data.end());
  }
  call(Close{pid, fd}, pid);
  const auto size = static_cast<std::int64_t>(bytes.size());
  return {size, KernelBytes(std::move(bytes))};
}

} // namespace trimcheck::conform::test
