// `walrelay plugins`: what is installed, and what would be refused and why.
#include <algorithm>
#include <cstdio>

#include "core/app/commands.h"
#include "core/config/config.h"
#include "core/plugin_host/plugin_loader.h"

namespace walrelay::app {

namespace {

std::string capabilities(uint64_t caps) {
  std::string out;
  const std::pair<uint64_t, const char *> names[] = {
      {WR_CAP_TRANSACTIONAL, "transactional"}, {WR_CAP_TRUNCATE, "truncate"},
      {WR_CAP_SCHEMA_CHANGE, "schema-change"}, {WR_CAP_BINARY_VALUES, "binary-values"},
      {WR_CAP_PARTIAL_TXN, "partial-txn"},     {WR_CAP_MESSAGES, "messages"},
      {WR_CAP_EARLY_APPLY, "early-apply"}};
  for (const auto &[bit, name] : names)
    if (caps & bit) out += (out.empty() ? "" : ",") + std::string(name);
  return out.empty() ? "-" : out;
}

const char *type_name(wr_option_type t) {
  switch (t) {
    case WR_OPT_INT:
      return "int";
    case WR_OPT_BOOL:
      return "bool";
    case WR_OPT_DURATION_MS:
      return "duration-ms";
    default:
      return "string";
  }
}

}  // namespace

int plugins_command(const std::string &config_path, const std::string &plugin_dir_arg) {
  std::string dir = plugin_dir_arg;
  bool check_permissions = true;
  std::vector<std::filesystem::path> paths;
  if (!config_path.empty()) {
    try {
      const Config cfg = load_config(config_path);
      if (dir.empty()) dir = cfg.plugin_dir;
      if (dir.empty()) dir = default_plugin_dir();
      check_permissions = cfg.plugin_check_permissions;
      for (const auto &s : cfg.sinks) paths.push_back(resolve_plugin(s.plugin, dir));
    } catch (const ConfigError &e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return kExitConfig;
    }
  }
  if (dir.empty()) dir = default_plugin_dir();
  for (const auto &p : find_plugins(dir))
    if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);

  std::printf("plugin dir: %s\n", dir.c_str());
  if (paths.empty()) std::printf("no plugins found\n");
  int refused = 0;
  std::vector<std::unique_ptr<LoadedPlugin>> keep;  // never unload during the process
  for (const auto &p : paths) {
    try {
      auto lp = load_plugin(p, check_permissions);
      const wr_plugin *i = lp->info;
      std::printf("%-12s %-8s abi %u  caps %s\n  path %s\n  %s\n", i->name,
                  i->version ? i->version : "?", i->abi_version,
                  capabilities(i->capabilities).c_str(), p.c_str(),
                  i->description ? i->description : "");
      for (uint32_t k = 0; k < i->n_options; ++k) {
        const wr_option &o = i->options[k];
        std::printf("    %-22s %-11s %s%s%s  %s\n", o.key, type_name(o.type),
                    o.required ? "required" : "default ", o.required ? "" : "=",
                    o.required ? "" : (o.default_value ? o.default_value : "-"),
                    o.description ? o.description : "");
      }
      keep.push_back(std::move(lp));
    } catch (const PluginError &e) {
      std::printf("refused: %s\n", e.what());
      ++refused;
    }
  }
  return refused ? kExitConfig : kExitOk;
}

}  // namespace walrelay::app
