// Timings of the VM adapter under TCG: boot to the agent's "ready", operations per second
// over the virtio-serial channel, measurements per second, a full list read, and kexec.
//
//   trimcheck_vm_bench BZIMAGE [OPERATIONS]
#include "trimcheck/vm/kernel.hpp"

#include <chrono>
#include <iostream>

namespace {

using namespace trimcheck;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void report(const std::string &what, int count, double seconds) {
  std::cout << what << ": " << count << " in " << seconds << " s, " << count / seconds
            << " per second\n";
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: trimcheck_vm_bench BZIMAGE [OPERATIONS]\n";
    return 2;
  }
  const int operations = argc > 2 ? std::atoi(argv[2]) : 200;
  try {
    auto start = Clock::now();
    vm::VmKernel kernel(vm::VmOptions::defaults_for(argv[1]));
    std::cout << "boot to ready: " << since(start) << " s\n";

    const auto fd = kernel.apply(model::Open{1, "runtime_measurements_count"}).ret;
    start = Clock::now();
    for (int i = 0; i < operations; ++i) {
      kernel.apply(model::Seek{1, static_cast<int>(fd)});
      kernel.apply(model::Read{1, static_cast<int>(fd), 4096});
    }
    report("seek+read system calls", 2 * operations, since(start));

    start = Clock::now();
    for (int i = 0; i < operations / 4; ++i)
      kernel.apply(model::Measure{static_cast<std::uint32_t>(i), 1});
    report("measurements", operations / 4, since(start));

    start = Clock::now();
    for (int i = 0; i < 20; ++i)
      kernel.pcr(model::HashAlgo::sha256, 10);
    report("PCR reads", 20, since(start));

    start = Clock::now();
    const auto list = kernel.cat("binary_runtime_measurements_sha512");
    std::cout << "list read (" << list.data.size() << " bytes): " << since(start) << " s\n";

    start = Clock::now();
    kernel.apply(model::KexecLoad{});
    kernel.apply(model::KexecExecute{});
    std::cout << "kexec load + execute to ready: " << since(start) << " s\n";
  } catch (const std::exception &error) {
    std::cerr << "trimcheck_vm_bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
