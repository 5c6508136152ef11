// Small helpers shared by the integration tests: temp dirs, files, waiting, LSNs,
// running a command to completion.
#ifndef WALRELAY_TESTS_SUPPORT_UTIL_H
#define WALRELAY_TESTS_SUPPORT_UTIL_H

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace walrelay::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// True when the environment variable WALRELAY_KEEP_TEST_DIRS is set (non-empty):
/// temp dirs are then kept for inspection and their paths printed.
bool KeepTestDirs();

/// True when this process runs as root (euid 0): PostgreSQL then runs as `postgres`.
bool RunningAsRoot();

/// A fresh directory under $TMPDIR (or /tmp), removed recursively by the destructor
/// unless KeepTestDirs(). When running as root it is owned by the `postgres` OS user
/// (mode 0755) so that a PostgreSQL server started by the harness can write into it.
class TempDir {
 public:
  explicit TempDir(const std::string &prefix = "walrelay-it-");
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return path_; }
  /// path() + "/" + name
  std::string file(const std::string &name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Whole file as a string ("" when it does not exist).
std::string ReadFile(const std::string &path);
/// Last `lines` lines of a file, for failure messages.
std::string TailFile(const std::string &path, size_t lines = 60);
/// Writes (replaces) a file; throws on error.
void WriteFile(const std::string &path, const std::string &content);
bool FileExists(const std::string &path);
/// Number of (non-overlapping) occurrences of `needle` in the file.
size_t CountInFile(const std::string &path, const std::string &needle);

/// Polls `pred` every `interval` until it returns true (-> true) or `timeout` passes
/// (-> false; `pred` is evaluated one last time at the deadline).
bool WaitFor(const std::function<bool()> &pred, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval = 50ms);

/// Parses PostgreSQL's LSN text ("16/B374D848"); throws std::invalid_argument.
uint64_t ParseLsn(const std::string &text);
/// Formats an LSN as PostgreSQL does ("16/B374D848").
std::string FormatLsn(uint64_t lsn);

/// A free TCP port on 127.0.0.1 (bind port 0), never one of 55440-55449 (reserved by
/// other users of this machine). The port is free when returned, not reserved.
int FreeLoopbackPort();

/// Result of RunCommand.
struct CommandResult {
  int exit_code = -1;  ///< exit status, 128+signal when killed, -1 on timeout/spawn error
  std::string output;  ///< stdout and stderr interleaved
  bool timed_out = false;
};

/// Runs argv[0] (PATH lookup) with `argv`, in directory `cwd` (when not empty), with extra
/// environment `env` on top of this process's, waits at most `timeout`. Killed on timeout.
CommandResult RunCommand(const std::vector<std::string> &argv,
                         std::chrono::milliseconds timeout = 120s, const std::string &cwd = "",
                         const std::map<std::string, std::string> &env = {});

/// Prefixes argv with `runuser -u postgres --` when running as root, else returns it.
std::vector<std::string> AsPostgresUser(std::vector<std::string> argv);

/// Joins argv for messages (no quoting guarantees, for humans).
std::string JoinArgs(const std::vector<std::string> &argv);

/// Seed for randomized tests: $WALRELAY_TEST_SEED when set, else a fresh random one.
/// Tests print it so that a failure can be replayed.
uint64_t TestSeed();

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_UTIL_H
