// Plugin loading and ABI checks (version range, struct sizes, required slots).
#include "core/plugin_host/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <fstream>

#include "core/plugin_host/host_api.h"
#include "core/plugin_host/plugin_permissions.h"

namespace walrelay {

namespace {

[[noreturn]] void refuse(const std::filesystem::path &path, const std::string &why) {
  throw PluginError("plugin " + path.string() + ": " + why);
}

// Boost.DLL clears dlerror(); to say *why* a load failed, ask the dynamic loader once more.
std::string dlopen_diagnostic(const std::filesystem::path &path) {
  dlerror();
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h != nullptr) {
    dlclose(h);
    return "cannot be loaded";
  }
  const char *e = dlerror();
  return e ? e : "cannot be loaded";
}

// Smallest wr_plugin / wr_sink_vtable a v1 plugin may hand us: up to the last v1 field.
constexpr size_t kMinPluginSize = offsetof(wr_plugin, vtable) + sizeof(void *);
constexpr size_t kMinVtableSize = offsetof(wr_sink_vtable, apply) + sizeof(void *);

}  // namespace

std::string plugin_file_name(const std::string &name) { return "walrelay-sink-" + name + ".so"; }

std::filesystem::path resolve_plugin(const std::string &plugin, const std::string &plugin_dir) {
  if (plugin.find('/') != std::string::npos ||
      (plugin.size() > 3 && plugin.compare(plugin.size() - 3, 3, ".so") == 0))
    return std::filesystem::path(plugin);
  return std::filesystem::path(plugin_dir.empty() ? "." : plugin_dir) / plugin_file_name(plugin);
}

std::unique_ptr<LoadedPlugin> load_plugin(const std::filesystem::path &path,
                                          bool check_permissions) {
  std::error_code fec;
  if (!std::filesystem::is_regular_file(path, fec)) refuse(path, "no such file");
  if (check_permissions) {
    const std::string why = plugin_permission_problem(path);
    if (!why.empty())
      refuse(path, "refused: " + why +
                       " (anyone who can write it can run code as walrelay; fix the owner or "
                       "`chmod go-w`, or set plugin_check_permissions: false)");
  }
  {
    std::ifstream f(path, std::ios::binary);
    char magic[4] = {};
    if (!f.read(magic, 4) || magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' ||
        magic[3] != 'F')
      refuse(path, "not a shared object (no ELF header)");
  }

  auto p = std::make_unique<LoadedPlugin>();
  p->path = path;
  boost::dll::fs::error_code ec;
  p->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) refuse(path, "cannot load: " + dlopen_diagnostic(path));
  if (!p->library.has(WR_SINK_ENTRY_SYMBOL))
    refuse(path, std::string("missing entry symbol '") + WR_SINK_ENTRY_SYMBOL +
                     "' (not a walrelay sink plugin?)");

  auto entry = p->library.get<const wr_plugin *(const wr_host_api *)>(WR_SINK_ENTRY_SYMBOL);
  take_entry_error();
  const wr_plugin *info = entry(host_api());
  if (info == nullptr) {
    std::string why = take_entry_error();
    refuse(path, "entry function declined to load" + (why.empty() ? "" : ": " + why));
  }
  const wr_host_api *host = host_api();
  if (info->struct_size < kMinPluginSize)
    refuse(path, "wr_plugin struct_size " + std::to_string(info->struct_size) +
                     " is smaller than ABI v1's " + std::to_string(kMinPluginSize));
  if (info->abi_version < host->abi_min || info->abi_version > host->abi_max)
    refuse(path, "sink ABI version " + std::to_string(info->abi_version) +
                     (info->abi_version > host->abi_max ? " is newer than" : " is older than") +
                     " this host supports (" + std::to_string(host->abi_min) + ".." +
                     std::to_string(host->abi_max) + ")");
  if (info->struct_size > sizeof(wr_plugin))
    refuse(path, "wr_plugin struct_size " + std::to_string(info->struct_size) +
                     " is larger than this host knows (" + std::to_string(sizeof(wr_plugin)) +
                     "): built against a newer SDK");
  if (info->name == nullptr || info->name[0] == '\0') refuse(path, "plugin has no name");
  const wr_sink_vtable *vt = info->vtable;
  if (vt == nullptr) refuse(path, "plugin '" + std::string(info->name) + "' has no vtable");
  if (vt->struct_size < kMinVtableSize || vt->struct_size > sizeof(wr_sink_vtable))
    refuse(path, "wr_sink_vtable struct_size " + std::to_string(vt->struct_size) +
                     " is outside what this host accepts (" + std::to_string(kMinVtableSize) +
                     ".." + std::to_string(sizeof(wr_sink_vtable)) + ")");
  const std::pair<const char *, const void *> required[] = {
      {"create", reinterpret_cast<const void *>(vt->create)},
      {"destroy", reinterpret_cast<const void *>(vt->destroy)},
      {"load_position", reinterpret_cast<const void *>(vt->load_position)},
      {"apply", reinterpret_cast<const void *>(vt->apply)}};
  for (const auto &[slot, fn] : required)
    if (fn == nullptr) refuse(path, std::string("required slot '") + slot + "' is NULL");
  if (info->n_options > 0 && info->options == nullptr)
    refuse(path, "n_options is " + std::to_string(info->n_options) + " but options is NULL");
  p->info = info;
  return p;
}

std::vector<std::filesystem::path> find_plugins(const std::string &dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return out;
  for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("walrelay-sink-", 0) == 0 && n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace walrelay
