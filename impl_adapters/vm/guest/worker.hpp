// A worker is one process of the model: it holds the fds the host's operations open and
// runs each system call itself. The agent talks to it over a SOCK_SEQPACKET pair kept at
// fd kControlFd, so that the fds the worker opens are numbered exactly as in the model
// (lowest free fd from 3).
//
// Requests are text ("open r PATH", "read FD COUNT", "write FD HEX", "seek FD",
// "close FD", "fork", "sendfd FD", "recvfd" with an fd attached, "dropcap", "exit");
// the reply is "RET[ HEX]" with -errno on failure; fork and sendfd attach an fd.
#pragma once

namespace trimcheck::vm::guest {

inline constexpr int kControlFd = 900;

// Starts a worker in a new process (child of the caller); returns the agent's end of
// its control pair, or -1. `cap_sys_admin` false drops the capability at start.
int spawn_worker(bool cap_sys_admin);

// Removes CAP_SYS_ADMIN from the calling process (effective, permitted, bounding set).
int drop_cap_sys_admin();

} // namespace trimcheck::vm::guest
