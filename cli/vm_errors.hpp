// How the subcommands that start VMs (conform, confirm, replay --kernel, report's kernel
// step) report a VM that could not start: exit 2 when what the user named is wrong (no such
// kernel, a file QEMU refuses), 3 (inconclusive) when this machine could not run it (swtpm,
// a boot that did not reach the agent in time); an interrupted run
// exits 128 + signal, after the VM was cleaned up.
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
    return error.cause() == vm::VmSetupError::Cause::input ? kExitBadInput : kExitInconclusive;
  } catch (const vm::VmInterrupted &error) {
    std::cerr << "trimcheck " << command << ": " << error.what()
              << " (VM stopped, files removed)\n";
    return 128 + error.signal();
  } catch (const std::runtime_error &error) { // a file that cannot be read or parsed
    std::cerr << "trimcheck " << command << ": " << error.what() << "\n";
    return kExitBadInput;
  }
}

} // namespace trimcheck::cli
