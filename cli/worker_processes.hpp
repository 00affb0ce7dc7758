// Worker processes that never outlive their run (issue 20 item 10); their results go to
// a scratch directory that does not outlive it either (trimcheck/process/scratch_dir.hpp).
//
// `check` and `report` fork workers (RapidCheck keeps global state, so not threads) that
// write their results into a scratch directory. Three ways a run ends early must leave
// nothing behind:
//   * SIGINT, SIGTERM or SIGHUP to the parent: WorkerProcesses blocks them while the
//     workers run and waits for them with sigtimedwait, so the parent notices the signal
//     at once, kills and reaps every worker, removes the directory and then dies of the
//     same signal (exit status 128 + n, as the shell expects).
//   * SIGKILL of the parent (nothing can run then): each worker asked the kernel for
//     SIGKILL when its parent dies (PR_SET_PDEATHSIG), so none is left as an orphan; the
//     directory, named after the parent's pid, is swept by the next run (process::ScratchDir).
//   * A worker that fails: the parent reports it after the others finish.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace trimcheck::cli {

// Runs `count` workers, worker i calling `body(i)` in a child process (its return value is
// the child's exit code; an exception is reported on stderr as "<who> worker: ..." and
// exits 3), and waits for them all. Returns false if any worker did not exit 0. On SIGINT,
// SIGTERM or SIGHUP, kills the workers, calls `cleanup` and dies of the signal.
bool run_workers(int count, const std::string &who, const std::function<int(int)> &body,
                 const std::function<void()> &cleanup);

} // namespace trimcheck::cli
