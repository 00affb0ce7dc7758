// How the subcommands that start VMs (conform, replay --kernel) report a VM that could not
// start or any other environment error (exit 2) or an interrupted run (128 + signal, after the VM
// was cleaned up).
#pragma once

#include "commands.hpp"

#include "trimcheck/vm/machine.hpp"

#include <functional>
#include <iostream>
#include <string_view>

namespace trimcheck::cli {

inline int reporting_vm_errors(std::string_view command, const std::function<int()> &body) {
  try {
    return body();
  } catch (const vm::VmSetupError &error) {
    std::cerr << "trimcheck " << command << ": " << error.what() << "\n";
    return kExitBadInput;
  } catch (const vm::VmInterrupted &error) {
    std::cerr << "trimcheck " << command << ": " << error.what()
              << " (VM stopped, files removed)\n";
    return 128 + error.signal();
  } catch (const std::runtime_error &error) { // e.g. no temporary directory
    std::cerr << "trimcheck " << command << ": " << error.what() << "\n";
    return kExitBadInput;
  }
}

} // namespace trimcheck::cli
