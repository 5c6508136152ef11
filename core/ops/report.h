// Output of the operator commands (check, init, teardown, status): one line per check,
// "✔ text" or "✘ text" followed by an indented "fix: ..." line, on stdout.
#pragma once

#include <string>

namespace walrelay::ops {

/// Prints check lines and counts the failed ones. Not thread-safe; one per command.
class Report {
 public:
  /// "✔ <text>" (newlines in `text` become "; ", here and in fail/detail).
  void ok(const std::string &text);
  /// "✘ <text>", then "  fix: <fix>" for each line of `fix` (none when `fix` is empty).
  /// Counts one failure.
  void fail(const std::string &text, const std::string &fix = {});
  /// "  <text>": a detail line under the previous check (no mark, counts nothing).
  void detail(const std::string &text);
  /// Number of fail() calls so far.
  int failures() const { return failures_; }
  /// The exit code for what was reported: app::kExitOk (0) without failures, else
  /// app::kExitRuntime (1).
  int exit_code() const;

 private:
  int failures_ = 0;
};

/// Formats a byte count for humans: "123 bytes", "4.0 KiB", "1.5 MiB", "2.3 GiB".
std::string human_bytes(long long bytes);

/// "570 bytes", or with a human figure from 1 KiB on: "1208 bytes (1.2 KiB)".
std::string bytes_text(long long bytes);

/// Formats microseconds since the Unix epoch as "YYYY-MM-DD HH:MM:SS.ffffffZ" (UTC).
std::string format_utc_us(long long unix_us);

}  // namespace walrelay::ops
