// The live VM behind KernelUnderTest: a thin wrapper of vm::VmKernel.
#include "trimcheck/conform/kernel_under_test.hpp"

namespace trimcheck::conform {

using namespace model;

vm::VmKernel &LiveKernel::started() {
  if (!kernel_) {
    kernel_.emplace(options_);
    vm::VmKernel::FileRead release = kernel_->cat("/proc/sys/kernel/osrelease");
    std::string text(release.data.begin(), release.data.end());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    if (release.ret >= 0 && !text.empty())
      release_ = text;
  }
  return *kernel_;
}

KernelAnswer LiveKernel::apply(const Action &action) {
  Outcome outcome = started().apply(action);
  return {outcome.ret, KernelBytes(std::move(outcome.data))};
}

std::vector<HashAlgo> LiveKernel::banks() {
  return started().banks();
}

Digest LiveKernel::pcr(HashAlgo bank, std::size_t index) {
  return started().pcr(bank, index);
}

KernelAnswer LiveKernel::cat(const std::string &path, bool) {
  vm::VmKernel::FileRead read = started().cat(path);
  return {read.ret, KernelBytes(std::move(read.data))};
}

} // namespace trimcheck::conform
