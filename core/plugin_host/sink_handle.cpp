// SinkHandle: vtable calls with error capture.
#include "core/plugin_host/sink_handle.h"

#include <chrono>

namespace walrelay {

const char *status_name(wr_status s) {
  switch (s) {
    case WR_OK:
      return "ok";
    case WR_RETRY:
      return "retry";
    case WR_FATAL:
      return "fatal";
    case WR_INVALID_CONFIG:
      return "invalid config";
    case WR_UNSUPPORTED:
      return "unsupported";
    default:
      return "unknown status";
  }
}

SinkHandle::SinkHandle(const LoadedPlugin &plugin, const SinkConfig &config)
    : plugin_(plugin), config_(config) {
  hs_.name = config.name;
}

SinkHandle::~SinkHandle() {
  if (sink_) plugin_.info->vtable->destroy(sink_);
}

SinkResult SinkHandle::result(wr_status st, const char *call) {
  SinkResult r{st, {}};
  if (st != WR_OK) {
    metrics_->errors.add();
    r.message = "sink '" + hs_.name + "' (" + plugin_.info->name + ") " + call + ": " +
                status_name(st) + (hs_.last_error.empty() ? "" : ": " + hs_.last_error);
  }
  hs_.last_error.clear();
  return r;
}

SinkResult SinkHandle::create() {
  std::vector<wr_config_entry> entries;
  entries.reserve(config_.options.size());
  for (const auto &o : config_.options)
    entries.push_back({o.key.c_str(), o.value.c_str(), o.where.c_str()});
  wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(entries.size()), entries.data()};
  hs_.last_error.clear();
  wr_sink *s = nullptr;
  wr_status st = plugin_.info->vtable->create(host_api(), &hs_, hs_.name.c_str(), &cfg, &s);
  if (st == WR_OK && s == nullptr) {
    hs_.last_error = "create() returned ok but no instance";
    st = WR_FATAL;
  }
  if (st == WR_OK) sink_ = s;
  if (st != WR_OK && !applied_once_) metrics_->set_state(metrics::SinkState::kSetupFailed);
  return result(st, "create");
}

SinkResult SinkHandle::load_position() {
  wr_lsn pos = WR_LSN_INVALID;
  const wr_status st = plugin_.info->vtable->load_position(sink_, &pos);
  if (st == WR_OK) {
    position_ = pos;
    metrics_->applied_lsn.set(pos);
    // After a failed apply() the sink is not up again until an apply() succeeds.
    if (!applied_once_) metrics_->set_state(metrics::SinkState::kUp);
  } else if (!applied_once_) {
    metrics_->set_state(metrics::SinkState::kSetupFailed);
  }
  return result(st, "load_position");
}

SinkResult SinkHandle::apply(const wr_batch &batch) {
  const auto t0 = std::chrono::steady_clock::now();
  const wr_status st = plugin_.info->vtable->apply(sink_, &batch);
  metrics_->apply_seconds.observe(std::chrono::steady_clock::now() - t0);
  applied_once_ = true;
  // A piece that leaves its transaction open, or a rollback of one, makes nothing durable.
  if (st == WR_OK && !(batch.flags & (WR_BATCH_TXN_CONTINUES | WR_BATCH_TXN_ROLLBACK))) {
    position_ = batch.end_lsn;
    metrics_->applied_lsn.set(batch.end_lsn);
  }
  metrics_->set_state(st == WR_OK ? metrics::SinkState::kUp : metrics::SinkState::kApplyFailed);
  return result(st, "apply");
}

}  // namespace walrelay
