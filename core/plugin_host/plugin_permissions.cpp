// Ownership and mode checks of a plugin file and its directory (lstat-free: stat follows
// symlinks to what dlopen would load).
#include "core/plugin_host/plugin_permissions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace walrelay {

namespace {

std::string octal_mode(mode_t m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m & 07777));
  return b;
}

// "" or what is wrong with `p` (`what`: "file" or "directory").
std::string check_one(const std::filesystem::path &p, const char *what) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "";  // missing: reported by the loader
  const uid_t me = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != me)
    return std::string(what) + " " + p.string() + " is owned by uid " + std::to_string(st.st_uid) +
           ", neither root nor the user walrelay runs as (uid " + std::to_string(me) + ")";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return std::string(what) + " " + p.string() + " is writable by " +
           ((st.st_mode & S_IWOTH) ? "others" : "its group") + " (mode " + octal_mode(st.st_mode) +
           ")";
  return "";
}

}  // namespace

std::string plugin_permission_problem(const std::filesystem::path &path) {
  std::error_code ec;
  std::filesystem::path file = std::filesystem::canonical(path, ec);
  if (ec) return "";  // missing or unreadable: the loader says so
  if (std::string why = check_one(file, "file"); !why.empty()) return why;
  return check_one(file.parent_path(), "directory");
}

}  // namespace walrelay
