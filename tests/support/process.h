// A child process (the walrelay binary or any program) with its output in a log file.
#ifndef WALRELAY_TESTS_SUPPORT_PROCESS_H
#define WALRELAY_TESTS_SUPPORT_PROCESS_H

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace walrelay::test {

/// Spawns `argv` (argv[0] is a path or a name looked up in PATH) in its own process
/// group, stdin from /dev/null, stdout+stderr appended to `log_path`. The environment is
/// this process's plus `env` (a value overrides). The destructor kills (SIGKILL) and reaps
/// a still running child; the child also gets SIGKILL when the spawning thread ends
/// (PR_SET_PDEATHSIG), so an aborted test run leaves no walrelay behind.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path,
          std::map<std::string, std::string> env = {}, std::string cwd = "");
  ~Process();
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;

  pid_t pid() const { return pid_; }
  const std::string &log_path() const { return log_path_; }
  const std::vector<std::string> &argv() const { return argv_; }

  /// True until the child has exited (reaps it when it has).
  bool Running();
  /// Sends `sig` to the child (no-op once it was reaped). Returns false when kill() failed.
  bool Signal(int sig);
  /// Waits at most `timeout` for the child to exit. Returns its exit code, or 128+N when
  /// it was killed by signal N; nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  /// SIGKILL and reap (bounded); returns the status as Wait() does.
  std::optional<int> Kill();
  /// The status once exited (as Wait() returns it), else nullopt. Does not block.
  std::optional<int> ExitStatus();
  /// Log file content (everything this and earlier processes appended to it).
  std::string Log() const;

 private:
  void Reap(bool block);

  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// Human-readable text for a status from Process::Wait ("exit code 3", "signal 9").
std::string DescribeStatus(std::optional<int> status);

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_PROCESS_H
