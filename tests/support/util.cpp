#include "tests/support/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/process.h"

namespace walrelay::test {

namespace fs = std::filesystem;

bool KeepTestDirs() {
  const char *v = std::getenv("WALRELAY_KEEP_TEST_DIRS");
  return v != nullptr && *v != '\0';
}

bool RunningAsRoot() { return ::geteuid() == 0; }

TempDir::TempDir(const std::string &prefix) {
  const char *tmp = std::getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  std::string tmpl = base + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp(" + tmpl + ") failed: " + strerror(errno));
  path_ = buf.data();
  ::chmod(path_.c_str(), 0755);
  if (RunningAsRoot()) {
    struct passwd *pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root but there is no 'postgres' user");
    if (::chown(path_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("chown " + path_ + " failed: " + strerror(errno));
  }
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (KeepTestDirs()) {
    std::cerr << "[harness] keeping " << path_ << " (WALRELAY_KEEP_TEST_DIRS)\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TailFile(const std::string &path, size_t lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no file " + path + ")\n";
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (auto &l : last) out += l + "\n";
  return out;
}

void WriteFile(const std::string &path, const std::string &content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << content;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

bool FileExists(const std::string &path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

size_t CountInFile(const std::string &path, const std::string &needle) {
  if (needle.empty()) return 0;
  std::string s = ReadFile(path);
  size_t n = 0;
  for (size_t pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + needle.size()))
    ++n;
  return n;
}

bool WaitFor(const std::function<bool()> &pred, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    auto left = deadline - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(interval, left));
    if (Clock::now() >= deadline) return pred();
  }
}

uint64_t ParseLsn(const std::string &text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size())
    throw std::invalid_argument("not an LSN: '" + text + "'");
  auto hex = [&](const std::string &s) -> uint64_t {
    if (s.size() > 8) throw std::invalid_argument("not an LSN: '" + text + "'");
    uint64_t v = 0;
    for (char c : s) {
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint64_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint64_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint64_t>(c - 'A' + 10);
      else
        throw std::invalid_argument("not an LSN: '" + text + "'");
    }
    return v;
  };
  return (hex(text.substr(0, slash)) << 32) | hex(text.substr(slash + 1));
}

std::string FormatLsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIX32 "/%" PRIX32, static_cast<uint32_t>(lsn >> 32),
                static_cast<uint32_t>(lsn));
  return buf;
}

int FreeLoopbackPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
      ::close(fd);
      continue;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    int port = ntohs(addr.sin_port);
    if (port >= 55440 && port <= 55449) continue;
    return port;
  }
  throw std::runtime_error("no free loopback port found");
}

CommandResult RunCommand(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                         const std::string &cwd, const std::map<std::string, std::string> &env) {
  CommandResult res;
  const char *tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string((tmp && *tmp) ? tmp : "/tmp") + "/walrelay-cmd-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  std::string out_path = buf.data();
  try {
    Process p(argv, out_path, env, cwd);
    auto st = p.Wait(timeout);
    if (!st) {
      res.timed_out = true;
      p.Kill();
    } else {
      res.exit_code = *st;
    }
  } catch (const std::exception &e) {
    res.output = e.what();
    ::unlink(out_path.c_str());
    return res;
  }
  res.output = ReadFile(out_path);
  ::unlink(out_path.c_str());
  return res;
}

std::vector<std::string> AsPostgresUser(std::vector<std::string> argv) {
  if (!RunningAsRoot()) return argv;
  std::vector<std::string> out = {"runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::string JoinArgs(const std::vector<std::string> &argv) {
  std::string s;
  for (auto &a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

uint64_t TestSeed() {
  const char *v = std::getenv("WALRELAY_TEST_SEED");
  if (v && *v) return std::strtoull(v, nullptr, 10);
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace walrelay::test
