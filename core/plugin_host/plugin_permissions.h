// Refusing plugin files that someone other than their owner (or root) could replace.
#pragma once

#include <filesystem>
#include <string>

namespace walrelay {

/// Why loading the plugin at `path` would run code that another user may have planted, or
/// "" when it is safe: the file and the directory holding it must each be owned by root or
/// by the user walrelay runs as (effective uid), and writable by neither group nor others
/// (a sticky directory does not help: a writable directory lets others replace the file
/// before it is loaded). Symlinks are followed (what counts is what gets loaded). A
/// missing file is not a permission problem (load_plugin reports it).
std::string plugin_permission_problem(const std::filesystem::path &path);

}  // namespace walrelay
