// The line protocol between the host adapter and the guest agent (virtio-serial port
// "trimcheck"). Shared by both sides; facts only, no semantics.
//
// Host -> guest, one request per line, tokens separated by one space, bytes in hex:
//   spawn CAP                 new process with (1) or without (0) CAP_SYS_ADMIN -> pid
//   open PID r|w|rw PATH      open(2) of PATH (relative: under securityfs ima/) -> fd
//   read PID FD COUNT         read(2) -> bytes returned, data
//   write PID FD HEX [K]      write(2) -> bytes written; with K the buffer faults after K
//                             bytes (the rest lies on an unmapped page)
//   seek PID FD               lseek(fd, 0, SEEK_SET) -> 0
//   close PID FD              close(2) -> 0
//   fork PID                  fork(2); the child shares every fd -> child pid
//   passfd FROM FD TO         SCM_RIGHTS from FROM to TO -> the fd TO received
//   dropcap PID               drop CAP_SYS_ADMIN -> 0
//   exit PID                  close every fd in order, _exit -> 0
//   measure FILE VERSION      create "/f<FILE>" = "v<VERSION>" (owner 4242), read it -> 0
//   violation FILE            "/f<FILE>" = "v0" open for write, then opened for read -> 0
//   measure-path HEXPATH      create the absolute path (any bytes; its directories too)
//                             = "v0" (owner 4242), read it -> 0
//   kexec-load                kexec -s -l (the list is carried) -> exit status
//   kexec-exec                kexec -e (kexec -c -l first if nothing is loaded); the
//                             reply is "ok 0", then the next kernel says "ready"
//   cat PATH                  the whole file read by the agent itself -> size, data
//   pcr ALGO INDEX            /sys/class/tpm/tpm0/pcr-ALGO/INDEX -> 0, digest
//   banks                     the TPM's PCR banks -> count, "sha1,sha256,..." as text hex
// Guest -> host: "ok RET[ HEX]" (RET is the return value or -errno) or "err MESSAGE".
// At start (and after every kexec) the guest sends "ready trimcheck-agent PROTOCOL".
#pragma once

namespace trimcheck::vm::protocol {

inline constexpr int kVersion = 1;
inline constexpr const char *kPortName = "trimcheck";
inline constexpr const char *kImaDir = "/sys/kernel/security/ima/";
// Measured files belong to this owner; the agent's policy measures only them.
inline constexpr unsigned kMeasuredOwner = 4242;
inline constexpr const char *kPolicy = "measure func=FILE_CHECK mask=MAY_READ fowner=4242\n";
// With this word on the kernel command line the agent's policy also measures critical
// data (the model's KernelConfig::critical_data_rule).
inline constexpr const char *kCriticalDataParameter = "trimcheck.critical_data=1";
inline constexpr const char *kCriticalDataPolicy = "measure func=CRITICAL_DATA\n";

} // namespace trimcheck::vm::protocol
