// Golden tests against real kernels (tests/data/real-kernel, issue 2 item 5).
#include "snapshot.hpp"

#include <gtest/gtest.h>

namespace trimcheck::test {
namespace {

using namespace model;

bool replays(const Capture &capture, const std::string &snapshot) {
  // After kexec the list replays only if it was carried in full.
  return snapshot != "2-boot" || capture.name == "linux-6.12-kexec";
}

TEST(Golden, EverySnapshotParsesReserialisesAndReplays) {
  for (const Capture &capture : captures())
    for (const std::string &name : capture.snapshot_names) {
      Snapshot snap = load_snapshot(capture.name, name);
      auto failures = check_snapshot(snap, capture.layout, replays(capture, name));
      EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
    }
}

TEST(Golden, ModelRebuildsPreKexecStateExactly) {
  for (const Capture &capture : captures())
    for (const char *name : {"1-boot", "1-after"}) {
      Snapshot snap = load_snapshot(capture.name, name);
      KernelState state = rebuild(snap, capture);
      auto failures = compare_state(state, snap);
      EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
    }
}

// The model's kexec turns the 1-prekexec list into the carried part of 2-boot: all of
// it on 6.12, the records that fit the segment on the overflow capture, none without
// IMA_KEXEC (Debian 6.1). Counters and every PCR bank match the second kernel.
TEST(Golden, KexecCarriesExactlyWhatTheKernelCarried) {
  for (const Capture &capture : captures()) {
    Snapshot before = load_snapshot(capture.name, "1-prekexec");
    Snapshot after = load_snapshot(capture.name, "2-boot");
    KernelState state = rebuild(before, capture);
    EXPECT_TRUE(compare_state(state, before).empty()) << capture.name;
    apply(state, KexecExecute{});
    apply(state, Continue{0});
    apply(state, Continue{0});
    auto failures = compare_state(state, after);
    EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
  }
}

TEST(Golden, OverflowDumpKeepsTheRecordsThatFit) {
  const Capture capture = captures()[1];
  KernelState state = rebuild(load_snapshot(capture.name, "1-prekexec"), capture);
  EXPECT_EQ(state.kexec.size, 8192u);
  apply(state, KexecExecute{});
  apply(state, Continue{0});
  EXPECT_TRUE(state.ghost.last_dump_failed);
  EXPECT_EQ(state.ghost.last_dump.size(), 79u);
}

// Flipping any single byte of a list file, or any digit of a PCR 10 value or counter
// in state.json, makes a golden check fail. (PCRs 0-9 of banks other than the
// boot_aggregate bank are firmware values nothing in the capture derives from.)
bool derived_digit(const Bytes &json, std::size_t pos) {
  if (!std::isxdigit(json[pos]))
    return false;
  std::size_t line = pos;
  while (line > 0 && json[line - 1] != '\n')
    --line;
  std::string text(json.begin() + static_cast<std::ptrdiff_t>(line),
                   json.begin() + static_cast<std::ptrdiff_t>(pos));
  return text.find("\"10\": \"") != std::string::npos ||
         text.find("runtime_measurements_count") != std::string::npos ||
         text.find("violations") != std::string::npos;
}

TEST(Golden, DetectsEverySingleByteFlip) {
  const Capture capture = captures()[0];
  const Snapshot pristine = load_snapshot(capture.name, "1-after");
  std::size_t flips = 0;
  for (const std::string file :
       {"binary_runtime_measurements_sha256", "binary_runtime_measurements_sha1", "state.json"}) {
    const std::size_t size = pristine.files.at(file).size();
    for (std::size_t pos = 0; pos < size; ++pos) {
      Snapshot snap = pristine;
      Bytes &bytes = snap.files.at(file);
      if (file == "state.json") {
        if (!derived_digit(bytes, pos))
          continue;
        bytes[pos] = bytes[pos] == '1' ? '2' : '1';
        reparse_state(snap);
      } else {
        bytes[pos] ^= 0x01;
      }
      ++flips;
      std::vector<std::string> failures;
      try {
        failures = check_snapshot(snap, capture.layout, true);
        auto state = rebuild(snap, capture);
        auto more = compare_state(state, snap);
        failures.insert(failures.end(), more.begin(), more.end());
      } catch (const std::exception &error) {
        failures.push_back(error.what());
      }
      EXPECT_FALSE(failures.empty()) << file << " byte " << pos;
    }
  }
  EXPECT_GT(flips, 1500u);
}

} // namespace
} // namespace trimcheck::test
