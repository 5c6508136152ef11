#include "core/snapshot/snapshot_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/util/lsn.h"

namespace walrelay::snapshot {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &path) {
  throw std::runtime_error("snapshot state " + path + ": " + what +
                           (errno ? std::string(": ") + std::strerror(errno) : ""));
}

void fsync_path(const std::string &path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) fail("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("fsync failed", path);
}

}  // namespace

SnapshotState read_snapshot_state(const std::string &dir) {
  const std::string path = dir + "/SNAPSHOT";
  SnapshotState s;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return s;
    fail("cannot read", path);
  }
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find(' ');
    const std::string key = line.substr(0, sp);
    const std::string val = sp == std::string::npos ? "" : line.substr(sp + 1);
    errno = 0;
    if (key == "phase") {
      if (val == "copying")
        s.phase = SnapshotPhase::kCopying;
      else if (val == "done")
        s.phase = SnapshotPhase::kDone;
      else
        fail("unknown phase '" + val + "'", path);
    } else if (key == "slot") {
      s.slot = val;
    } else if (key == "consistent_point") {
      const auto lsn = parse_lsn(val);
      if (!lsn) fail("bad consistent_point '" + val + "'", path);
      s.consistent_point = *lsn;
    } else if (key == "rows") {
      s.rows = std::strtoull(val.c_str(), nullptr, 10);
    } else if (key == "done") {
      const auto sp2 = val.find(' ');
      const auto lsn = sp2 == std::string::npos ? std::nullopt : parse_lsn(val.substr(sp2 + 1));
      if (!lsn) fail("bad done line '" + line + "'", path);
      s.done_tables[static_cast<uint32_t>(std::strtoul(val.c_str(), nullptr, 10))] = *lsn;
    }
  }
  errno = 0;
  if (s.phase == SnapshotPhase::kNone) fail("no phase line", path);
  return s;
}

void write_snapshot_state(const std::string &dir, const SnapshotState &state) {
  const std::string path = dir + "/SNAPSHOT", tmp = path + ".tmp";
  std::ostringstream out;
  out << "phase " << (state.phase == SnapshotPhase::kDone ? "done" : "copying") << "\n"
      << "slot " << state.slot << "\n"
      << "consistent_point " << format_lsn(state.consistent_point) << "\n"
      << "rows " << state.rows << "\n";
  for (const auto &[oid, lsn] : state.done_tables)
    out << "done " << oid << " " << format_lsn(lsn) << "\n";
  const std::string text = out.str();
  errno = 0;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("cannot create", tmp);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) fail("cannot write", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename into place", tmp);
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace walrelay::snapshot
