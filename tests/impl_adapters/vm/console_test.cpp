// Recognising crashes and hangs on the serial console.
#include "trimcheck/vm/detail/console.hpp"

#include <gtest/gtest.h>

namespace trimcheck::vm::detail {
namespace {

TEST(Console, QuietBootIsNoEvent) {
  EXPECT_FALSE(scan_console("[    0.000000] Linux version 6.12.117\n[    1.2] ima: Allocated hash "
                            "algorithm: sha256\nRun /init as init process\n"));
}

TEST(Console, OopsIsACrashWithItsFirstLines) {
  const std::string console = "boot line\n[ 5.1] BUG: kernel NULL pointer dereference, address: 0\n"
                              "[ 5.1] #PF: supervisor read access\nline 3\nline 4\n";
  auto report = scan_console(console, 2);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->event, ConsoleEvent::kernel_crash);
  EXPECT_EQ(report->lines, "[ 5.1] BUG: kernel NULL pointer dereference, address: 0\n"
                           "[ 5.1] #PF: supervisor read access\n");
}

TEST(Console, KasanAndGeneralProtectionFaultAreCrashes) {
  EXPECT_EQ(scan_console("x\n[ 3] BUG: KASAN: slab-use-after-free in ima_x\n")->event,
            ConsoleEvent::kernel_crash);
  EXPECT_EQ(
      scan_console("[ 3] Oops: general protection fault, probably for non-canonical\n")->event,
      ConsoleEvent::kernel_crash);
}

TEST(Console, HungTaskAndSoftLockupAreHangs) {
  auto hung = scan_console("a\n[ 40] INFO: task init:1 blocked for more than 20 seconds.\nb\n");
  ASSERT_TRUE(hung);
  EXPECT_EQ(hung->event, ConsoleEvent::hung);
  EXPECT_EQ(scan_console("[ 9] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!\n")->event,
            ConsoleEvent::hung);
}

TEST(Console, TailKeepsTheLastLines) {
  EXPECT_EQ(console_tail("1\n2\n3\n4\n", 2), "3\n4\n");
  EXPECT_EQ(console_tail("only", 3), "only");
}

} // namespace
} // namespace trimcheck::vm::detail
