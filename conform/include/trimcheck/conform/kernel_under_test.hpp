// The kernel under test, as conform's run and compare code sees it: four calls. The live
// VM (LiveKernel, below), a recorder that writes every call and its answer into a
// transcript, and a kernel that answers from a recorded transcript (transcript.hpp) all
// implement it, so the same comparison code runs on a VM and without one.
//
// A failure of the guest (a kernel crash or hang, an agent that stopped answering) is
// thrown as vm::VmFailure by any call, as the VM adapter does.
#pragma once

#include "trimcheck/model/machine.hpp"
#include "trimcheck/vm/kernel.hpp"

#include <optional>
#include <string>
#include <vector>

namespace trimcheck::conform {

// Bytes the kernel returned: in full, or (from a transcript that kept a long answer only
// as its digest) as their SHA-256 and length. Comparing with the model's bytes compares
// digests in the second case.
class KernelBytes {
public:
  KernelBytes() = default;
  explicit KernelBytes(model::Bytes bytes) : bytes_(std::move(bytes)) {}
  static KernelBytes from_digest(model::Digest sha256, std::size_t length);

  // Whether the bytes themselves are known (not only their digest).
  bool known() const { return !sha256_.has_value(); }
  // The bytes; empty when only the digest is known.
  const model::Bytes &bytes() const { return bytes_; }
  std::size_t length() const { return known() ? bytes_.size() : length_; }
  model::Digest sha256() const;

  bool matches(const model::Bytes &expected) const;
  bool operator==(const KernelBytes &other) const;

private:
  model::Bytes bytes_;
  std::optional<model::Digest> sha256_;
  std::size_t length_ = 0;
};

// "sha256 3f2a9c0b1d4e5f60.. (2048 bytes)": how a mismatch names bytes known by digest.
std::string digest_summary(const model::Digest &sha256, std::size_t length);

// A call's answer: return value (or -errno) and the bytes returned (by a read, or the
// file a cat read).
struct KernelAnswer {
  std::int64_t ret = 0;
  KernelBytes data;
  bool operator==(const KernelAnswer &) const = default;
};

class KernelUnderTest {
public:
  virtual ~KernelUnderTest() = default;
  // Performs a model action as vm::VmKernel::apply describes.
  virtual KernelAnswer apply(const model::Action &action) = 0;
  // The TPM's PCR banks, ordered by digest size.
  virtual std::vector<model::HashAlgo> banks() = 0;
  virtual model::Digest pcr(model::HashAlgo bank, std::size_t index) = 0;
  // A file read completely (relative paths: securityfs ima/); ret is -errno on error.
  // `in_full`: the caller needs the bytes themselves (a transcript keeps them whole
  // instead of as a digest when they are long).
  virtual KernelAnswer cat(const std::string &path, bool in_full = false) = 0;
};

// The kernel in a VM. The VM boots at the first call (so that a kernel that crashes while
// booting fails in a call, like any other crash) and stops when this object is destroyed.
class LiveKernel : public KernelUnderTest {
public:
  explicit LiveKernel(vm::VmOptions options) : options_(std::move(options)) {}

  KernelAnswer apply(const model::Action &action) override;
  std::vector<model::HashAlgo> banks() override;
  model::Digest pcr(model::HashAlgo bank, std::size_t index) override;
  KernelAnswer cat(const std::string &path, bool in_full = false) override;

  // The guest's kernel release (/proc/sys/kernel/osrelease), read once at boot; nullopt
  // before boot or if it could not be read.
  const std::optional<std::string> &release() const { return release_; }

private:
  vm::VmKernel &started();

  vm::VmOptions options_;
  std::optional<vm::VmKernel> kernel_;
  std::optional<std::string> release_;
};

} // namespace trimcheck::conform
