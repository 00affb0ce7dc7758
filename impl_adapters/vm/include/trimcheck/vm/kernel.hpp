// The real kernel behind the model's operation interface: `apply(action)` performs a
// model action in the guest and returns what the system call returned, as the model's
// Outcome. Facts only, no semantics: which guest operation stands for which action.
//
// How actions are realised (what the kernel is asked to do):
//   Measure{f, v}        the agent creates "/f<f>" holding "v<v>" and reads it (the policy
//                        measures FILE_CHECK MAY_READ of files owned by uid 4242 only);
//                        with path_bytes, at model::measured_path, creating its directories
//                        and removing them and the file after the read
//   MeasureViolation{f}  "/f<f>" holding "v0" is held open for write and opened for read:
//                        the kernel records the open-writers violation and then measures
//                        the file, so realised() gives {MeasureViolation{f}, Measure{f, 0}}
//   Spawn/Open/Read/Write/Seek/Close/Fork/PassFd/DropCap/Exit
//                        the same system call in the process standing for the pid
//   KexecLoad            kexec -s -l (kexec_file_load: the list is carried)
//   KexecExecute         kexec -e (after kexec -c -l, which carries nothing, if nothing
//                        was loaded in this boot), then waits for the next kernel
//   Continue             nothing: the real call already completed
//   MeasureRecord        not realisable (arbitrary record contents); nor are reads and
//                        writes of more than 32 KiB

#pragma once

#include "trimcheck/model/machine.hpp"
#include "trimcheck/vm/machine.hpp"

#include <string>
#include <vector>

namespace trimcheck::vm {

// The agent's reply "ok RET[ HEX]" to `request` as RET and the bytes of HEX; throws
// VmFailure (agent) for "err ..." or a malformed reply.
model::Outcome agent_reply(const std::string &request, const std::string &reply);

// The model actions whose combined effect the guest operation for `action` has.
std::vector<model::Action> realised(const model::Action &action);
// Whether apply() can perform `action`: not MeasureRecord, no read or write of more than
// 32 KiB, no path with white space (the line protocol).
bool realisable(const model::Action &action);

class VmKernel {
public:
  explicit VmKernel(const VmOptions &options);

  model::Outcome apply(const model::Action &action);

  // The TPM's PCR banks, ordered by digest size (sha1, sha256, sha384, sha512, ...).
  std::vector<model::HashAlgo> banks();
  model::Digest pcr(model::HashAlgo bank, std::size_t index);
  // A file read completely by the agent (relative paths: securityfs ima/); -errno on error.
  struct FileRead {
    std::int64_t ret = 0;
    model::Bytes data;
  };
  FileRead cat(const std::string &path);

  Vm &vm() { return vm_; }

private:
  model::Outcome ask(const std::string &line);

  Vm vm_;
};

} // namespace trimcheck::vm
