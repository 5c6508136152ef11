// One-shot sink probing through the plugin host.
#include "core/ops/sink_probe.h"

#include "core/plugin_host/sink_handle.h"

namespace walrelay::ops {

SinkProber::SinkProber(std::string plugin_dir, bool check_permissions)
    : plugin_dir_(std::move(plugin_dir)), check_permissions_(check_permissions) {}

SinkProbe SinkProber::probe(const SinkConfig &sink) {
  SinkProbe p;
  p.name = sink.name;
  p.where = sink.where;
  p.plugin_path = resolve_plugin(sink.plugin, plugin_dir_);
  if (auto it = refused_.find(p.plugin_path); it != refused_.end()) {
    p.error = it->second;
    return p;
  }
  auto &lp = plugins_[p.plugin_path];
  if (!lp) {
    try {
      lp = load_plugin(p.plugin_path, check_permissions_);
    } catch (const PluginError &e) {
      plugins_.erase(p.plugin_path);
      refused_[p.plugin_path] = e.what();
      p.error = e.what();
      return p;
    }
  }
  p.plugin_ok = true;
  p.capabilities = lp->info->capabilities;
  p.plugin_text = std::string(lp->info->name) + " " +
                  (lp->info->version ? lp->info->version : "?") + ", ABI " +
                  std::to_string(lp->info->abi_version);
  SinkHandle handle(*lp, sink);
  SinkResult r = handle.create();
  if (r.ok()) r = handle.load_position();
  if (!r.ok()) {
    p.error = r.message;
    return p;
  }
  p.reachable = true;
  p.position = handle.position();
  return p;
}

}  // namespace walrelay::ops
