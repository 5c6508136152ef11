// Check lines on stdout.
#include "core/ops/report.h"

#include <cstdio>
#include <ctime>

#include "core/app/commands.h"

namespace walrelay::ops {

namespace {

constexpr const char *kOkMark = "\xE2\x9C\x94";    // U+2714 HEAVY CHECK MARK
constexpr const char *kFailMark = "\xE2\x9C\x98";  // U+2718 HEAVY BALLOT X

// One line: server messages ("ERROR:  ...\nDETAIL:  ...") become "ERROR:  ...; DETAIL: ...".
std::string one_line(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "; ";
    else
      out += c;
  }
  while (out.size() >= 2 && out.compare(out.size() - 2, 2, "; ") == 0) out.resize(out.size() - 2);
  return out;
}

}  // namespace

void Report::ok(const std::string &text) {
  std::printf("%s %s\n", kOkMark, one_line(text).c_str());
  std::fflush(stdout);
}

void Report::fail(const std::string &text, const std::string &fix) {
  ++failures_;
  std::printf("%s %s\n", kFailMark, one_line(text).c_str());
  size_t start = 0;
  while (start < fix.size()) {
    size_t end = fix.find('\n', start);
    if (end == std::string::npos) end = fix.size();
    std::printf("  fix: %s\n", fix.substr(start, end - start).c_str());
    start = end + 1;
  }
  std::fflush(stdout);
}

void Report::detail(const std::string &text) {
  std::printf("  %s\n", one_line(text).c_str());
  std::fflush(stdout);
}

int Report::exit_code() const { return failures_ ? app::kExitRuntime : app::kExitOk; }

std::string human_bytes(long long bytes) {
  if (bytes < 0) return "-" + human_bytes(-bytes);
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string bytes_text(long long bytes) {
  const std::string exact = std::to_string(bytes) + " bytes";
  return bytes >= 1024 || bytes <= -1024 ? exact + " (" + human_bytes(bytes) + ")" : exact;
}

std::string format_utc_us(long long unix_us) {
  const std::time_t secs = static_cast<std::time_t>(unix_us / 1000000);
  const long long frac = unix_us % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac < 0 ? 0 : frac);
  return buf;
}

}  // namespace walrelay::ops
