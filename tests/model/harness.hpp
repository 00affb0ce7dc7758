// Helpers for driving the model through its public API (boot/apply) in tests.
#pragma once

#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::test {

inline constexpr std::int64_t kEPERM = -1, kENOENT = -2, kEIO = -5, kEBADF = -9, kEACCES = -13,
                              kEFAULT = -14, kEBUSY = -16, kEEXIST = -17, kEINVAL = -22,
                              kERANGE = -34;

inline model::Bytes bytes(std::string_view text) {
  return model::Bytes(text.begin(), text.end());
}

// Continues `pid`'s call until it returns; the outcome of its last step, which says
// read_past_user_data if any step did.
inline model::Outcome complete(model::KernelState &state, model::Pid pid, model::Outcome out) {
  bool read_past = out.read_past_user_data;
  for (int steps = 0; !out.done; ++steps) {
    if (steps > 16)
      throw std::runtime_error("call does not return");
    out = model::apply(state, model::Continue{pid});
    read_past = read_past || out.read_past_user_data;
  }
  out.read_past_user_data = read_past;
  return out;
}

// open(2) that must succeed; returns the fd.
inline int open_fd(model::KernelState &state, model::Pid pid, const std::string &path,
                   model::Access access) {
  const std::int64_t fd = model::apply(state, model::Open{pid, path, access}).ret;
  EXPECT_GE(fd, 0) << "open " << path;
  return static_cast<int>(fd);
}

inline std::int64_t write_fd(model::KernelState &state, model::Pid pid, int fd,
                             const model::Bytes &data) {
  return complete(state, pid, model::apply(state, model::Write{pid, fd, data})).ret;
}

// A write's result, and whether a step of it parsed past the bytes user space delivered.
struct WriteResult {
  std::int64_t ret = 0;
  bool read_past_user_data = false;
};

// Opens `path` for writing, writes `data` (its buffer faulting after `fault_after` bytes,
// if set) to completion, closes.
inline WriteResult write_user_buffer(model::KernelState &state, model::Pid pid,
                                     const std::string &path, const model::Bytes &data,
                                     std::optional<std::uint32_t> fault_after = std::nullopt) {
  const int fd = open_fd(state, pid, path, model::Access::write);
  const model::Outcome out =
      complete(state, pid, model::apply(state, model::Write{pid, fd, data, fault_after}));
  model::apply(state, model::Close{pid, fd});
  return {out.ret, out.read_past_user_data};
}

// Opens `path` for writing, writes `data` to completion, closes; returns write's result.
inline std::int64_t write_file(model::KernelState &state, model::Pid pid, const std::string &path,
                               const model::Bytes &data) {
  const int fd = open_fd(state, pid, path, model::Access::write);
  const std::int64_t ret = write_fd(state, pid, fd, data);
  model::apply(state, model::Close{pid, fd});
  return ret;
}

// Reads from `fd` until end of file.
inline model::Bytes read_to_end(model::KernelState &state, model::Pid pid, int fd) {
  model::Bytes all;
  for (;;) {
    model::Outcome out = model::apply(state, model::Read{pid, fd, 4096});
    EXPECT_GE(out.ret, 0);
    if (out.ret <= 0)
      return all;
    all.insert(all.end(), out.data.begin(), out.data.end());
  }
}

inline model::Bytes read_file(model::KernelState &state, model::Pid pid, const std::string &path) {
  const int fd = open_fd(state, pid, path, model::Access::read);
  model::Bytes data = read_to_end(state, pid, fd);
  model::apply(state, model::Close{pid, fd});
  return data;
}

inline std::string text(const model::Bytes &data) {
  return std::string(data.begin(), data.end());
}

// Serials of L, head first.
inline std::vector<model::Serial> list_serials(const model::KernelState &state) {
  std::vector<model::Serial> out;
  for (model::NodeId id : state.list)
    out.push_back(state.nodes.at(id).serial);
  return out;
}

// Measures files 1..count (version 0) and expects each to be appended.
inline void measure_files(model::KernelState &state, std::uint32_t count) {
  for (std::uint32_t file = 1; file <= count; ++file)
    ASSERT_EQ(model::apply(state, model::Measure{file, 0}).ret, 0);
}

inline std::size_t count_events(const model::KernelState &state, model::MemEventKind kind) {
  std::size_t n = 0;
  for (const model::MemEvent &event : state.events)
    n += event.kind == kind;
  return n;
}

// Node of the record with this serial in the current kernel.
inline const model::Node &node_of(const model::KernelState &state, model::Serial serial) {
  for (const model::Node &node : state.nodes)
    if (node.serial == serial)
      return node;
  throw std::runtime_error("no node for serial " + std::to_string(serial));
}

// get_binary_runtime_size summed over these serials.
inline std::uint64_t size_of(const model::KernelState &state,
                             const std::vector<model::Serial> &serials) {
  std::uint64_t total = 0;
  for (model::Serial serial : serials)
    total += model::binary_runtime_size(state.contents.at(serial));
  return total;
}

// kexec_load, then kexec_execute through its steps: the next kernel has booted.
inline void kexec(model::KernelState &state) {
  model::apply(state, model::KexecLoad{});
  model::apply(state, model::KexecExecute{});
  model::apply(state, model::Continue{0});
  model::apply(state, model::Continue{0});
}

} // namespace trimcheck::test
