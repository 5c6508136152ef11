// Test helper: a throwaway MariaDB server in a temp dir on a loopback port, plus a client.
#pragma once

#include <mysql.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wrmysql {

/// Rows of a query result, every value as text; NULL is "NULL".
using Rows = std::vector<std::vector<std::string>>;

/// One client connection (root, no password: the server runs with --skip-grant-tables).
/// Methods throw std::runtime_error with the server message and the SQL. `tls`: require
/// TLS (without verifying the server certificate).
class Client {
 public:
  Client(unsigned port, const std::string &database = "", bool tls = false) {
    db_ = mysql_init(nullptr);
    mysql_options(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (tls) {
      const my_bool yes = 1, no = 0;
      mysql_options(db_, MYSQL_OPT_SSL_ENFORCE, &yes);
      mysql_options(db_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
    }
    if (!mysql_real_connect(db_, "127.0.0.1", "root", "",
                            database.empty() ? nullptr : database.c_str(), port, nullptr, 0)) {
      std::string msg = mysql_error(db_);
      mysql_close(db_);
      db_ = nullptr;
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + msg);
    }
  }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;
  ~Client() {
    if (db_) mysql_close(db_);
  }

  /// Runs statements with no result (or discards it).
  void exec(const std::string &sql) {
    if (mysql_real_query(db_, sql.data(), sql.size()) != 0) {
      throw std::runtime_error(std::string(mysql_error(db_)) + " in: " + sql);
    }
    if (MYSQL_RES *r = mysql_store_result(db_)) mysql_free_result(r);
  }
  /// Runs a query; returns every row as text.
  Rows query(const std::string &sql) {
    if (mysql_real_query(db_, sql.data(), sql.size()) != 0) {
      throw std::runtime_error(std::string(mysql_error(db_)) + " in: " + sql);
    }
    Rows rows;
    MYSQL_RES *r = mysql_store_result(db_);
    if (!r) return rows;
    const unsigned n = mysql_num_fields(r);
    while (MYSQL_ROW row = mysql_fetch_row(r)) {
      const unsigned long *len = mysql_fetch_lengths(r);
      std::vector<std::string> out;
      for (unsigned i = 0; i < n; ++i) out.push_back(row[i] ? std::string(row[i], len[i]) : "NULL");
      rows.push_back(std::move(out));
    }
    mysql_free_result(r);
    return rows;
  }
  /// First value of the first row ("" when no row).
  std::string scalar(const std::string &sql) {
    Rows r = query(sql);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  }

 private:
  MYSQL *db_ = nullptr;
};

/// A MariaDB server: mariadb-install-db into a fresh temp dir, then mariadbd on 127.0.0.1
/// at a free port with its socket and tmpdir in the dir, --skip-grant-tables,
/// --local-infile=1, as the current OS user (root included). The child gets SIGKILL when the
/// test process dies (PR_SET_PDEATHSIG). The destructor stops it (SIGTERM, then SIGKILL after 30 s)
/// and removes the dir unless WALRELAY_KEEP_TEST_DIRS is set. `extra_args` are appended to
/// mariadbd's arguments (e.g. --ssl-cert=...); `tls`: the start-up probe connects with TLS
/// (needed with --require-secure-transport=ON). `skip_grant_tables` false: privileges are
/// checked (root@127.0.0.1 has no password); grant checks also enforce
/// require_secure_transport.
class MariaDbServer {
 public:
  explicit MariaDbServer(std::vector<std::string> extra_args = {}, bool tls = false,
                         bool skip_grant_tables = true)
      : extra_args_(std::move(extra_args)), tls_(tls), skip_grant_tables_(skip_grant_tables) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "walrelay-mariadb-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    chmod(dir_.c_str(), 0755);
    // A private tmpdir: the bootstrap's temporary tables must not meet other servers' files.
    std::filesystem::create_directories(dir_ + "/tmp");
    const std::string cmd = "mariadb-install-db --no-defaults --user=" + user() +
                            " --datadir=" + dir_ + "/data --tmpdir=" + dir_ +
                            "/tmp --auth-root-authentication-method=normal --skip-test-db > " +
                            dir_ + "/install.log 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("mariadb-install-db failed:\n" + read(dir_ + "/install.log"));
    }
    port_ = free_port();
    start();
  }
  MariaDbServer(const MariaDbServer &) = delete;
  MariaDbServer &operator=(const MariaDbServer &) = delete;
  ~MariaDbServer() {
    stop();
    if (!std::getenv("WALRELAY_KEEP_TEST_DIRS")) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  unsigned port() const { return port_; }
  const std::string &dir() const { return dir_; }
  std::string socket() const { return dir_ + "/mysqld.sock"; }
  std::string error_log() const { return read(dir_ + "/server.log"); }

  /// Starts mariadbd (same port and data) and waits until it accepts connections.
  void start() {
    const std::string data = dir_ + "/data", sock = socket(), log = dir_ + "/server.log";
    std::vector<std::string> args = {"mariadbd",
                                     "--no-defaults",
                                     "--user=" + user(),
                                     "--datadir=" + data,
                                     "--port=" + std::to_string(port_),
                                     "--socket=" + sock,
                                     "--pid-file=" + dir_ + "/mysqld.pid",
                                     "--tmpdir=" + dir_ + "/tmp",
                                     "--bind-address=127.0.0.1",
                                     "--local-infile=1",
                                     "--skip-grant-tables",
                                     "--skip-name-resolve",
                                     "--skip-log-bin",
                                     "--innodb-buffer-pool-size=64M",
                                     "--innodb-log-file-size=32M",
                                     "--innodb-flush-log-at-trx-commit=2",
                                     "--innodb-lock-wait-timeout=3",
                                     "--character-set-server=utf8mb4",
                                     "--log-error=" + log};
    if (!skip_grant_tables_) {
      for (auto it = args.begin(); it != args.end(); ++it) {
        if (*it == "--skip-grant-tables") {
          args.erase(it);
          break;
        }
      }
    }
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // no server left behind when the test is killed
      std::vector<char *> argv;
      for (auto &a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("mariadbd", argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      try {
        Client c(port_, "", tls_);
        return;
      } catch (const std::exception &) {
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("mariadbd exited during start-up:\n" + error_log());
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("mariadbd did not accept connections within 60 s:\n" +
                                 error_log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  /// SIGTERM (SIGKILL after 30 s) and reap.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
  }

 private:
  /// The server runs as the current user (also root, with --user=root): no setuid, so
  /// the child keeps PR_SET_PDEATHSIG and dies with the test process even on SIGKILL.
  static std::string user() { return std::string(getpwuid(geteuid())->pw_name); }

  static unsigned free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
      close(fd);
      throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(a.sin_port);
  }

  static std::string read(const std::string &path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::vector<std::string> extra_args_;
  bool tls_ = false;
  bool skip_grant_tables_ = true;
  std::string dir_;
  unsigned port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace wrmysql
