// Starting a VM whose QEMU refuses the kernel: one setup error, whatever the timing.
#include "trimcheck/vm/machine.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace trimcheck::vm {
namespace {

// Puts a directory holding `program` (as qemu-system-x86_64) first on PATH for one scope.
class FakeQemuOnPath {
public:
  explicit FakeQemuOnPath(const std::filesystem::path &program) {
    std::filesystem::create_symlink(program, dir_.path() / "qemu-system-x86_64");
    const char *path = std::getenv("PATH");
    saved_path_ = path ? path : "";
    ::setenv("PATH", (dir_.path().string() + ":" + saved_path_).c_str(), 1);
  }
  ~FakeQemuOnPath() { ::setenv("PATH", saved_path_.c_str(), 1); }

private:
  trimcheck::test::TempDir dir_{"trimcheck-fake-qemu"};
  std::string saved_path_;
};

TEST(Vm, AQemuThatClosesTheChannelAndExitsSlowlyIsOneSetupError) {
  const FakeQemuOnPath fake(TRIMCHECK_SLOW_EXIT_QEMU);
  try {
    Vm vm(VmOptions::defaults_for(TRIMCHECK_SOURCE_DIR "/README.md"));
    FAIL() << "a VM started on a QEMU that refused its kernel";
  } catch (const VmSetupError &error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("the kernel did not boot to the guest agent: QEMU exited with status 1"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("qemu: linux kernel too old"), std::string::npos) << message;
  }
}

} // namespace
} // namespace trimcheck::vm
