// Helpers for the Sassu series' tests (sassu_test.cpp, sassu_effects_test.cpp,
// sassu_kexec_test.cpp): boot and measure, write a command to its file, read, and look up
// records and nodes, through the public API only. Built on harness.hpp (node_of,
// count_events).
#pragma once

#include "harness.hpp"
#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::test::sassu_series {

using namespace model;
using enum ProposalId;

inline constexpr ProposalId kVersions[] = {sassu_rfc1, sassu_rfc2, sassu_v3, sassu_v4,
                                           sassu_v5,   sassu_v6,   sassu_v7};

inline std::string key(ProposalId id) {
  return std::string(proposal_info(id).key);
}

inline const std::string kLive = "binary_runtime_measurements";
inline const std::string kStaged = "binary_runtime_measurements_staged";
inline const std::string kLiveAscii = "ascii_runtime_measurements";
inline const std::string kStagedAscii = "ascii_runtime_measurements_staged";

// The file each command is written to (spec 2.14).
inline const std::string &file_for(ProposalId id, char command) {
  const bool live = (command == 'A' && id == sassu_v5) || (command == 'N' && id >= sassu_v5);
  return live ? kLive : kStaged;
}

inline KernelConfig config_with(bool flush = false, bool disable_htable = false) {
  KernelConfig config;
  config.flush_htable = flush;
  config.disable_htable = disable_htable;
  return config;
}

// Boots and measures `files` more files: L = boot_aggregate (serial 0) + serials 1..files.
inline KernelState booted(ProposalId id, const KernelConfig &config = {}, std::uint32_t files = 3) {
  KernelState state = boot(id, config);
  for (std::uint32_t file = 1; file <= files; ++file)
    EXPECT_EQ(apply(state, Measure{file, 0}).ret, 0);
  return state;
}

// open(2)'s result, an fd or -errno (harness.hpp's open_fd expects success).
inline int open_result(KernelState &state, Pid pid, const std::string &path, Access access) {
  return static_cast<int>(apply(state, Open{pid, path, access}).ret);
}

// Runs the write to completion, whatever the number of steps.
inline std::int64_t write_all(KernelState &state, Pid pid, int fd, std::string_view text) {
  Outcome out = apply(state, Write{pid, fd, to_bytes(text)});
  while (!out.done)
    out = apply(state, Continue{pid});
  return out.ret;
}

// Opens the command's file for write as process 1, writes, closes.
inline std::int64_t command(KernelState &state, char which, std::string_view text) {
  const int fd = open_result(state, 1, file_for(state.proposal, which), Access::write);
  EXPECT_GE(fd, 0) << key(state.proposal) << " open for " << text;
  const std::int64_t ret = write_all(state, 1, fd, text);
  apply(state, Close{1, fd});
  return ret;
}

inline Outcome read_fd(KernelState &state, Pid pid, int fd, std::size_t count = 1 << 20) {
  return apply(state, Read{pid, fd, count});
}

inline std::vector<Serial> serials(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::vector<Serial> out;
  for (NodeId node : nodes)
    out.push_back(state.nodes.at(node).serial);
  return out;
}

inline std::uint64_t bytes_of(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::uint64_t sum = 0;
  for (NodeId node : nodes)
    sum += binary_runtime_size(state.contents.at(state.nodes.at(node).serial));
  return sum;
}

inline bool freed(const KernelState &state, Serial serial, Obj obj) {
  return node_of(state, serial).freed[static_cast<std::size_t>(obj)];
}

inline const FileSpec *find_file(const KernelState &state, const std::string &path) {
  for (const FileSpec &spec : state.files)
    if (spec.path == path)
      return &spec;
  return nullptr;
}

inline std::vector<Serial> range(Serial first, Serial last) {
  std::vector<Serial> out;
  for (Serial s = first; s <= last; ++s)
    out.push_back(s);
  return out;
}

} // namespace trimcheck::test::sassu_series
