// The baseline kernel the vm.build_kernel fixture built (or found in the cache).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace trimcheck::vm::test {

inline std::filesystem::path baseline_kernel() {
  std::ifstream in(TRIMCHECK_VM_KERNEL_FILE);
  std::string path;
  std::getline(in, path);
  return path;
}

} // namespace trimcheck::vm::test
