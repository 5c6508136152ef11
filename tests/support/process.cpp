#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/support/util.h"

extern char **environ;

namespace walrelay::test {

Process::Process(std::vector<std::string> argv, std::string log_path,
                 std::map<std::string, std::string> env, std::string cwd)
    : argv_(std::move(argv)), log_path_(std::move(log_path)) {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");

  // Everything the child needs is prepared before fork(): after fork() in a
  // multi-threaded process only async-signal-safe calls are allowed.
  std::vector<char *> cargv;
  for (auto &a : argv_) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  std::map<std::string, std::string> merged;
  for (char **e = environ; e && *e; ++e) {
    const char *eq = std::strchr(*e, '=');
    if (eq) merged[std::string(*e, eq - *e)] = eq + 1;
  }
  for (auto &[k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(merged.size());
  for (auto &[k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char *> cenv;
  for (auto &s : env_strings) cenv.push_back(s.data());
  cenv.push_back(nullptr);

  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    throw std::runtime_error("Process: cannot open log " + log_path_ + ": " + strerror(errno));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    ::close(log_fd);
    throw std::runtime_error("Process: cannot open /dev/null");
  }
  // Exec failure is reported by the child through this pipe (closed on successful exec).
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw std::runtime_error("Process: pipe2 failed");
  }

  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    throw std::runtime_error(std::string("Process: fork failed: ") + strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // Dies with the test process even when that one aborts (std::terminate, a crash)
    // and never runs its destructors. (Bound to the spawning thread: spawn from the
    // test's main thread or a thread that outlives the child.)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Default signal dispositions and an empty mask for the child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      int e = errno;
      (void)!::write(err_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    int e = errno;
    (void)!::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  ::close(err_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  pid_ = pid;
  if (n == sizeof child_errno) {
    Reap(true);
    throw std::runtime_error("Process: cannot execute " + JoinArgs(argv_) + ": " +
                             strerror(child_errno));
  }
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    Reap(true);
  }
}

void Process::Reap(bool block) {
  if (pid_ <= 0 || status_) return;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    if (WIFEXITED(st))
      status_ = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
      status_ = 128 + WTERMSIG(st);
    else
      status_ = -1;
  } else if (r < 0) {
    status_ = -1;  // not our child any more (should not happen)
  }
}

bool Process::Running() {
  Reap(false);
  return pid_ > 0 && !status_;
}

bool Process::Signal(int sig) {
  Reap(false);
  if (pid_ <= 0 || status_) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    Reap(false);
    if (status_) return status_;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

std::optional<int> Process::Kill() {
  Signal(SIGKILL);
  return Wait(30s);
}

std::optional<int> Process::ExitStatus() {
  Reap(false);
  return status_;
}

std::string Process::Log() const { return ReadFile(log_path_); }

std::string DescribeStatus(std::optional<int> status) {
  if (!status) return "still running";
  if (*status > 128) return "killed by signal " + std::to_string(*status - 128);
  return "exit code " + std::to_string(*status);
}

}  // namespace walrelay::test
